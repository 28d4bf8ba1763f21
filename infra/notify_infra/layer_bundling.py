"""Local (Docker-free) bundling of the core layer.

Layout produced in the asset output directory, as Lambda expects for a Python layer:

    python/<third-party packages>   wheels for the Lambda platform (arm64, the functions' Python)
    python/notify_core/             the shared core package, copied from layers/core/notify_core
    templates/                      the repo's default Jinja2 templates -> /opt/templates at runtime
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ILocalBundling

from notify_infra.runtime import (
    LAYER_SOURCE_DIR,
    PIP_PLATFORM,
    PYTHON_VERSION,
    REPO_ROOT,
    TEMPLATES_SOURCE_DIR,
    UV_PYTHON_PLATFORM,
)

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache")


def _install_command(site_dir: Path, requirements: Path, python_version: str) -> list[str]:
    # --no-deps: requirements.txt is the fully resolved export of uv.lock minus boto3/botocore/s3transfer,
    # which the Lambda runtime ships. Resolving again would pull botocore back in through pynamodb
    # (30 MB of the 49 MB layer) and could pick versions that differ from the lock.
    uv = REPO_ROOT / ".uv" / "bin" / "uv"
    if uv.exists():
        return [
            str(uv), "pip", "install", "--quiet",
            "--target", str(site_dir),
            "--python-platform", UV_PYTHON_PLATFORM,
            "--python-version", python_version,
            "--only-binary", ":all:",
            "--no-deps",
            "-r", str(requirements),
        ]  # fmt: skip
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--platform", PIP_PLATFORM,
        "--implementation", "cp",
        "--only-binary=:all:",
        "--python-version", python_version,
        "--no-deps",
        "-t", str(site_dir),
        "-r", str(requirements),
    ]  # fmt: skip


def bundle_layer(output_dir: Path | str, python_version: str = PYTHON_VERSION) -> Path:
    """Build the layer tree into ``output_dir`` (created if missing) and return it."""
    out = Path(output_dir)
    site_dir = out / "python"
    site_dir.mkdir(parents=True, exist_ok=True)

    requirements = LAYER_SOURCE_DIR / "requirements.txt"
    subprocess.run(_install_command(site_dir, requirements, python_version), check=True)
    # Console scripts carry shebangs of this machine's Python and are never run from a layer.
    shutil.rmtree(site_dir / "bin", ignore_errors=True)

    shutil.copytree(
        LAYER_SOURCE_DIR / "notify_core",
        site_dir / "notify_core",
        ignore=_IGNORE,
        dirs_exist_ok=True,
    )
    # Copied even when empty so NOTIFY_TEMPLATES_DIR always points at an existing directory.
    shutil.copytree(TEMPLATES_SOURCE_DIR, out / "templates", ignore=_IGNORE, dirs_exist_ok=True)
    return out


@jsii.implements(ILocalBundling)
class LocalLayerBundler:
    """CDK calls ``try_bundle`` before falling back to Docker; returning True means Docker is never used."""

    def __init__(self, python_version: str = PYTHON_VERSION) -> None:
        self._python_version = python_version

    # jsii passes the BundlingOptions struct positionally when the method takes no keyword-only params.
    def try_bundle(self, output_dir: str, options: Any = None) -> bool:
        bundle_layer(output_dir, self._python_version)
        return True
