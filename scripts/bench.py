"""Benchmarks of the spine on the embedded local runtime. Prints figures; asserts nothing.

- AWS API calls per delivered notification on the happy path, by operation (what AWS bills for);
- handler time per invocation, router and senders, played by hand in batches of 10 as the ESM would;
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
    with (Path(".notify-local/bench-handlers.log").open("w") as sink,
          LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt):
        receiver = rt.start_receiver()
        rt.apply_settings(hutki_settings(receiver.url))
        print("org: 3 contacts, 1 webhook endpoint; each payment.paid -> 1 email + 1 SMS + 1 webhook\n")

        # 1. Handler time and AWS calls, one stage at a time.
        timings: dict[str, list[float]] = {}
        with rt.paused():
            for i in range(EVENTS):
                rt.publish("payment.paid", make_detail(f"bench-{i}"))
            rt.aws_calls.clear()
            for fn, queue in (("router", "events"), ("send_email", "email"), ("send_sms", "sms"),
                              ("send_webhook", "webhook")):
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
                    sqs.delete_message_batch(QueueUrl=rt.queue_urls[queue], Entries=[
                        {"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(batch["Records"])])
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
        print(f"\nburst: {EVENTS} events published and {n} notifications delivered in {elapsed:.1f} s "
              f"({n / elapsed:.0f} notifications/s, one driver thread, moto server mode)")
        receiver.stop()


if __name__ == "__main__":
    main()
