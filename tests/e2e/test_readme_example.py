"""The README's local-runtime example runs as written (in a fresh interpreter: it starts a runtime of its own).

Before: it was a sketch (``{...}``) that asserted a subject the code does not produce.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "LocalRuntime(port=0)" in b]


@pytest.mark.parametrize("example", _examples(), ids=["local runtime", "timers", "quiet hours", "activity reports"])
def test_the_readme_example_runs_as_written(example: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MOTO_PORT"}
    done = subprocess.run(
        [sys.executable, "-c", example + "\nprint('README example ok')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "README example ok" in done.stdout
