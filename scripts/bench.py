"""Benchmarks of the spine on the embedded local runtime. Prints figures; asserts nothing.

- AWS API calls per delivered notification on the happy path, by operation (what AWS bills for);
- handler time per invocation, router and senders, played by hand in batches of 10 as the ESM would;
- AWS API calls of the email sender per email, without and with one attachment (HeadObject + GetObject);
- end-to-end drain time for a burst of events through moto in server mode.

moto's server is slower than AWS and its per-call time grows with queue depth, so times here are
upper bounds for comparing changes, not predictions of Lambda latency. Run: ``make bench``.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import hutki_settings, make_detail

EVENTS = int(os.environ.get("BENCH_EVENTS", "100"))


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    Path(".notify-local").mkdir(exist_ok=True)
    with (
        Path(".notify-local/bench-handlers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        # Figures of the daytime path at any hour of the run: SMS and steps are not held for business hours
        # (their cost at night: scripts/bench_quiet_hours.py).
        rt.clock.quiet_hours = False
        receiver = rt.start_receiver()
        rt.apply_settings(hutki_settings(receiver.url))
        print("org: 3 contacts, 1 webhook endpoint; each payment.paid -> 1 email + 1 SMS + 1 webhook\n")

        # 1. Handler time and AWS calls, one stage at a time.
        timings: dict[str, list[float]] = {}
        with rt.paused():
            for i in range(EVENTS):
                rt.publish("payment.paid", make_detail(f"bench-{i}"))
            rt.aws_calls.clear()
            for fn, queue in (
                ("router", "events"),
                ("send_email", "email"),
                ("send_sms", "sms"),
                ("send_webhook", "webhook"),
            ):
                while True:
                    batch = rt.take_batch(queue)
                    if not batch["Records"]:
                        break
                    t = time.perf_counter()
                    result = rt.invoke(fn, batch)
                    timings.setdefault(fn, []).append((time.perf_counter() - t) * 1000 / len(batch["Records"]))
                    assert not result.get("batchItemFailures"), result
                    import boto3

                    sqs = boto3.client("sqs")
                    sqs.delete_message_batch(
                        QueueUrl=rt.queue_urls[queue],
                        Entries=[
                            {"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(batch["Records"])
                        ],
                    )
        calls = Counter(rt.aws_calls)
        delivered = len([d for d in rt.deliveries() if d["status"] == "sent"])
        total = sum(calls.values())
        print(f"{EVENTS} events -> {delivered} notifications delivered")
        print(f"AWS API calls by the handlers: {total} = {total / delivered:.2f} per delivered notification")
        for op, n in sorted(calls.items(), key=lambda kv: -kv[1]):
            print(f"  {op:38} {n:5}  ({n / delivered:.2f} per notification, {n / EVENTS:.2f} per event)")
        print("\nhandler time per record (ms, median of batches of up to 10, moto server on loopback)")
        for fn, ts in timings.items():
            print(f"  {fn:14} {statistics.median(ts):7.1f}")

        email_calls_with_and_without_attachment(rt)

        # 2. A burst through the whole path: bus -> rule -> queues -> handlers, the driver playing the ESMs.
        rt.reset()
        rt.apply_settings(hutki_settings(receiver.url))
        t = time.perf_counter()
        for i in range(EVENTS):
            rt.publish("payment.paid", make_detail(f"burst-{i}"))
        rt.wait_idle(timeout_s=600)
        elapsed = time.perf_counter() - t
        out = rt.outbox()
        n = len(out.emails) + len(out.sms) + len(out.webhooks)
        print(
            f"\nburst: {EVENTS} events published and {n} notifications delivered in {elapsed:.1f} s "
            f"({n / elapsed:.0f} notifications/s, one driver thread, moto server mode)"
        )
        receiver.stop()


def email_calls_with_and_without_attachment(rt, n: int = 20) -> None:
    """The email sender alone: calls per email for n plain emails, then for n emails with one 100 KB PDF."""
    import boto3

    key = "hutki/bench/receipt.pdf"
    boto3.client("s3").put_object(Bucket=rt.bucket_names["attachments"], Key=key, Body=b"%PDF-1.7\n" + b"x" * 100_000)
    attachment = {"key": key, "filename": "receipt.pdf", "content_type": "application/pdf"}
    print("\nemail sender, AWS calls per email (the router is unchanged: references ride in the queue message)")
    for label, extra in (("no attachment", {}), ("one 100 KB PDF", {"attachments": [attachment]})):
        with rt.paused():
            for i in range(n):
                rt.publish("payment.paid", make_detail(f"bench-mail-{len(extra)}-{i}", **extra))
            _drain(rt, "router", "events")
            rt.aws_calls.clear()
            emails = _drain(rt, "send_email", "email")
        calls = Counter(rt.aws_calls)
        ops = ", ".join(f"{op} {c / emails:.1f}" for op, c in sorted(calls.items(), key=lambda kv: -kv[1]))
        print(f"  {label:15} {sum(calls.values()) / emails:.1f} per email ({ops})")


def _drain(rt, fn: str, queue: str) -> int:
    import boto3

    sqs, records = boto3.client("sqs"), 0
    while True:
        batch = rt.take_batch(queue)
        if not batch["Records"]:
            return records
        assert not rt.invoke(fn, batch).get("batchItemFailures")
        records += len(batch["Records"])
        sqs.delete_message_batch(
            QueueUrl=rt.queue_urls[queue],
            Entries=[{"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(batch["Records"])],
        )


if __name__ == "__main__":
    main()
