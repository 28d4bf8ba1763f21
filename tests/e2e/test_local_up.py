"""``notify local up`` as a newcomer runs it: a readable line per delivery and per quarantined event on the
terminal, the raw JSON logs and EMF metrics in a file, and a receiver that answers as Slack does by default.

Before: with the demo's own settings every Slack message failed (``rejected: HTTP 200:``: only the demo told the
receiver to answer as Slack does), and the terminal showed raw EMF blobs and JSON log lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from notify_infra import wiring
from tests.conftest import make_detail

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HUTKI = ROOT / "infra" / "notify_local" / "demo" / "hutki.yaml"


def _reader(stream, lines: queue.Queue) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        lines.put(line.rstrip("\n"))


def _until(lines: queue.Queue, seen: list[str], predicate, timeout_s: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate(seen):
        if time.monotonic() > deadline:
            raise AssertionError("notify local up did not print what was expected:\n" + "\n".join(seen))
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=1))


def test_local_up_prints_a_line_per_delivery_and_plays_slack(tmp_path):
    log_file = tmp_path / "local-up.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in [n for n in env if n.startswith(("AWS_", "POWERTOOLS_"))] + ["MOTO_PORT"]:
        env.pop(name, None)  # a fresh shell's environment, not this test session's runtime's
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notify_local.cli",
            "local",
            "up",
            "--port",
            "0",
            "--api-port",
            "0",
            "--control-port",
            "0",
            "--settings",
            str(HUTKI),
            "--log-file",
            str(log_file),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _until(lines, seen, lambda s: any("Ctrl-C to stop" in x for x in s))
        endpoint = re.search(r"AWS endpoint (http://\S+)", seen[0]).group(1)  # type: ignore[union-attr]
        events = boto3.client(
            "events",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        paid = make_detail("pay-up-1", org="hutki-demo", service="water", point="shop-1")
        bad = make_detail("pay-up-2", {"amount": "lots", "currency": "BYN", "payment_id": "p"}, org="hutki-demo")
        for detail in (paid, bad):
            entry = {"Source": "payments", "DetailType": "payment.paid", "Detail": json.dumps(detail)}
            events.put_events(Entries=[{**entry, "EventBusName": wiring.BUS_NAME}])

        def done(s: list[str]) -> bool:
            return any(" slack " in x and " sent " in x for x in s) and any("QUARANTINED invalid_data" in x for x in s)

        _until(lines, seen, done)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    narration = [x for x in seen if re.match(r"^\d\d:\d\d:\d\d  ", x)]
    assert any(
        re.search(r"  email +sent +anna\.kovalenko@hutki\.example +payment\.paid  org hutki-demo$", x)
        for x in narration
    )
    assert any(re.search(r"  slack +sent +hutki-demo ", x) for x in narration)  # the receiver answered as Slack does
    assert any("  inapp     written   u-irina" in x for x in narration)
    assert not any(x.lstrip().startswith("{") for x in seen), "raw JSON/EMF on the terminal"
    raw = log_file.read_text()
    assert '"_aws"' in raw and '"message":"event routed"' in raw.replace(": ", ":")
