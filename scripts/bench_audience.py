"""Resolving one event for orgs of 10, 1,000 and 10,000 members. Prints figures; asserts nothing.

Each org's members all hold ``invoices:edit``; one ``invoice.overdue`` reaches every one of them by
email and in-app. The router runs once, by hand, on the local runtime (moto server mode): the table
shows the DynamoDB calls it made, split into reads (what resolving costs: key queries and batch gets,
never a Scan) and writes (the in-app inbox and the delivery log: they grow with the audience by nature),
the SQS calls, and the router's wall time on moto (an upper bound; DynamoDB itself is faster).

Run: ``make bench`` (both benchmarks) or ``.venv/bin/python scripts/bench_audience.py``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import recent

SIZES = [int(n) for n in os.environ.get("BENCH_MEMBERS", "10,1000,10000").split(",")]
READS = {"Query", "BatchGetItem", "GetItem", "Scan"}


def org_document(org: str, members: int) -> dict:
    return {
        "org_id": org,
        "name": f"Org with {members} members",
        "email_from": f"notifications@{org}.example",
        "members": [
            {
                "user_id": f"u{i}",
                "name": f"User {i}",
                "email": f"user{i}@{org}.example",
                "permissions": ["invoices:edit"],
            }
            for i in range(members)
        ],
    }


def event(org: str) -> dict:
    return {
        "org_id": org,
        "event_id": f"overdue-{org}",
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": "invoice", "id": "inv-42"},
        "data": {
            "invoice_number": "INV-42",
            "due_date": "2026-11-01",
            "amount": "100.00",
            "currency": "EUR",
            "days_overdue": 22,
            "client_name": "Acme",
        },
    }


@contextlib.contextmanager
def moto_sqs_without_quadratic_sends():
    """moto (in this process) reads one queue flag on every SendMessage by computing all queue attributes,
    counting every message already queued: 10,000 messages cost O(n²) and the run takes half an hour. While
    the router runs nothing here reads those counts, so they are made constant for that window only."""
    from moto.sqs.models import Queue

    saved = {
        name: getattr(Queue, name)
        for name in (
            "approximate_number_of_messages",
            "approximate_number_of_messages_delayed",
            "approximate_number_of_messages_not_visible",
        )
    }
    for name in saved:
        setattr(Queue, name, property(lambda self: 0))
    try:
        yield
    finally:
        for name, prop in saved.items():
            setattr(Queue, name, prop)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    Path(".notify-local").mkdir(exist_ok=True)
    print("one invoice.overdue to every member (email + in-app), router only, moto server mode\n")
    print(
        f"{'members':>8} {'DDB reads':>9}  {'reads by operation':42} {'DDB writes':>10} {'SQS calls':>9} "
        f"{'router s':>8}",
        flush=True,
    )
    with (
        Path(".notify-local/bench-audience-handlers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        for n in SIZES:
            rt.reset()
            org = f"org{n}"
            rt.apply_settings(org_document(org, n))
            with rt.paused():
                rt.publish("invoice.overdue", event(org))
                batch = rt.take_batch("events")
                rt.aws_calls.clear()
                with moto_sqs_without_quadratic_sends():
                    t = time.perf_counter()
                    result = rt.invoke("router", batch)
                    elapsed = time.perf_counter() - t
                assert not result.get("batchItemFailures"), result
                calls = Counter(rt.aws_calls)
                import boto3

                for q in ("email", "chat"):  # the senders are not part of this benchmark
                    boto3.client("sqs").purge_queue(QueueUrl=rt.queue_urls[q])
            ddb = {k.split(":", 1)[1]: v for k, v in calls.items() if k.startswith("dynamodb:")}
            reads = sum(v for k, v in ddb.items() if k in READS)
            writes = sum(ddb.values()) - reads
            sqs_calls = sum(v for k, v in calls.items() if k.startswith("sqs:"))
            by_op = ", ".join(f"{k} {v}" for k, v in sorted(ddb.items()) if k in READS)
            print(f"{n:>8} {reads:>9}  {by_op:42} {writes:>10} {sqs_calls:>9} {elapsed:>8.1f}", flush=True)
    print(
        "\nreads: 1 Query page per ~1 MB of permission holders, 1 BatchGetItem per 100 keys (the profile, then the "
        "users' email switch, then the suppression list: 2 keys per address); no Scan."
    )


if __name__ == "__main__":
    main()
