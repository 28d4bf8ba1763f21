"""What an erasure and a probe cost on the embedded local runtime: AWS calls and time.

- ``BENCH_ERASURE_EVENTS`` (20) ``payment.paid`` events to an org where one person is a contact (email + SMS) and a
  member (in-app); then ``POST /orgs/{org}/erasure`` naming her email: the report and every AWS call the API made.
  The delivery log costs one UpdateItem per delivery of hers (plus the reporting index Query per address), the
  inbox one Query and BatchWriteItem deletes, the settings one document apply.
- Five ``POST .../webhook-endpoints/{id}/ping``: the round trip through the webhook queue and its sender (locally
  dominated by the runtime's queue polling, not by AWS).

Run: ``.venv/bin/python scripts/bench_erasure.py`` (moto's latency is not AWS's: the times are the local runtime's).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notify_local.runtime import LocalRuntime
from tests.conftest import make_detail, put_event

ORG, EMAIL = "bench-erasure", "olga@olga-mail.example"


def document(receiver_url: str) -> dict:
    return {
        "org_id": ORG,
        "name": "Bench",
        "email_from": "billing@bench.example",
        "publishers": {"sources": ["product"]},
        "contacts": [
            {"id": "c7", "name": "Olga", "emails": [{"address": EMAIL}], "phones": [{"number": "+375291234567"}]}
        ],
        "webhook_endpoints": [{"id": "erp", "url": f"{receiver_url}/hooks/bench"}],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["c7"], "sms": ["c7"]}}],
        "members": [
            {"user_id": "u-admin", "name": "Admin", "roles": ["admin"]},
            {"user_id": "u-7", "name": "Olga", "email": EMAIL, "roles": ["admin"]},
        ],
    }


def main() -> None:
    events = int(os.environ.get("BENCH_ERASURE_EVENTS", "20"))
    with LocalRuntime(port=0, log_level="ERROR") as rt:
        rt.start_receiver()
        rt.apply_settings(document(rt.receiver.url))
        for i in range(events):
            put_event(rt, "payment.paid", make_detail(f"bench-{i}", org=ORG))
        rt.wait_idle(timeout_s=300)
        admin = rt.api_client("u-admin")
        rt.aws_calls.clear()
        started = time.perf_counter()
        report = admin.post(f"/orgs/{ORG}/erasure", {"email": EMAIL}).json()
        took = time.perf_counter() - started
        print(f"erasure after {events} events: {report}")
        print(f"  {took * 1000:.0f} ms locally; AWS calls: {dict(sorted(rt.aws_calls.items()))}")
        times, answer = [], {}
        for _ in range(5):
            started = time.perf_counter()
            answer = admin.post(f"/orgs/{ORG}/webhook-endpoints/erp/ping").json()
            times.append(round((time.perf_counter() - started) * 1000))
        print(f"ping x5: {answer['status']} {answer['http_status']}, round trips (ms): {times}")


if __name__ == "__main__":
    main()
