"""The Docker-free layer bundler, run for real (uv resolves from its cache or PyPI)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from notify_infra.layer_bundling import bundle_layer
from notify_infra.runtime import PYTHON_VERSION

pytestmark = pytest.mark.infra


def test_layer_bundle_has_core_dependencies_for_arm64_and_templates(tmp_path: Path) -> None:
    started = time.monotonic()
    out = bundle_layer(tmp_path / "layer")
    elapsed = time.monotonic() - started

    site = out / "python"
    assert (site / "notify_core" / "__init__.py").is_file()
    assert (site / "jinja2").is_dir()
    # Compiled for the Lambda (aarch64, the functions' CPython), not for this machine.
    abi = "cpython-" + PYTHON_VERSION.replace(".", "")
    shared_objects = [p.name for p in (site / "pydantic_core").glob("*.so")]
    assert any("aarch64" in name and abi in name for name in shared_objects), shared_objects
    # Shipped by the Lambda runtime, excluded from the layer on purpose.
    assert not (site / "botocore").exists()
    assert not list(site.rglob("__pycache__"))
    assert (out / "templates").is_dir()
    assert elapsed < 120, f"layer bundling took {elapsed:.0f}s"
