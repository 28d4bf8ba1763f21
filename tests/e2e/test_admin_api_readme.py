"""The README's admin API examples run as written: the shell session against ``notify local up`` (on free ports
instead of 4566/4567, which another runtime on the machine may hold) and the Python one in a fresh interpreter."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Admin API\n", 1)[1].split("\n## ", 1)[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_")) and k != "MOTO_PORT"}


def test_the_shell_example_runs_against_notify_local_up(tmp_path):
    [script] = re.findall(r"```sh\n(.*?)```", _section(), flags=re.S)
    aws, api = _free_port(), _free_port()
    script = script.replace("127.0.0.1:4567", f"127.0.0.1:{api}")
    script = script.replace(
        "notify local up ", f"notify local up --port {aws} --api-port {api} --log-file {tmp_path}/up.log "
    )
    script = script.replace("notify local token ", f"notify local token --local http://127.0.0.1:{aws} ")
    done = subprocess.run(
        ["bash", "-c", "set -e\n" + script], cwd=ROOT, env=_fresh_env(), capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert '{"user_id":"u-irina","email_enabled":true}' in out
    assert '"scope":"point:shop-1"' in out  # the demo's matrix, per scope
    assert '"items":' in out and "Traceback" not in out
    assert '"origin":"org"' in out and '"segments":1' in out  # the org's own SMS template, saved and previewed


def test_the_python_example_runs_as_written():
    [example] = [b for b in re.findall(r"```python\n(.*?)```", _section(), flags=re.S) if "api_client" in b]
    done = subprocess.run(
        [sys.executable, "-c", example + "\nprint('admin API example ok')"],
        cwd=ROOT,
        env=_fresh_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "admin API example ok" in done.stdout
