"""One event to 100,000 permission holders, routed in pages: pages, invocations, peak memory per page, AWS calls.

An org whose ``BENCH_FANOUT`` members (100,000 by default) all hold ``invoices:edit`` gets one ``invoice.overdue``:
every holder gets an email and an in-app message. The router routes the first page (``FANOUT_PAGE_SIZE`` holders,
1,000 by default) with the event and queues the next page on the events queue; each page is routed by an
invocation of its own, played here one by one on the local runtime (moto server mode, in this process) as the
event source mapping would. Per invocation: the AWS calls it made (counted at botocore), the peak of Python memory
allocated while it ran (``tracemalloc``: an upper bound, since moto runs in this process and its copies of what
the page writes count too) and its wall time on moto (an upper bound again; DynamoDB and SQS are faster).
The senders do not run: they are not part of this benchmark (``make cost`` is).

Run: ``.venv/bin/python scripts/bench_fanout.py`` (``make bench`` runs it with 10,000; ``make bench-fanout``
with 100,000: about ten minutes here). Prints figures; asserts nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_audience import event, org_document
from metering import moto_sqs_without_quadratic_counts

MEMBERS = int(os.environ.get("BENCH_FANOUT", "100000"))
READS = {"Query", "BatchGetItem", "GetItem", "Scan"}


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import boto3

    from notify_local.runtime import LocalRuntime

    Path(".notify-local").mkdir(exist_ok=True)
    org = f"fanout{MEMBERS}"
    with (
        Path(".notify-local/bench-fanout-handlers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        print(f"one invoice.overdue to {MEMBERS:,} holders (email + in-app), router only, moto server mode", flush=True)
        t = time.perf_counter()
        rt.apply_settings(org_document(org, MEMBERS))
        print(f"(settings of {MEMBERS:,} members applied in {time.perf_counter() - t:.0f} s)\n", flush=True)
        sqs = boto3.client("sqs")
        rows: list[tuple[int, Counter, float, float]] = []
        with rt.paused(), moto_sqs_without_quadratic_counts():
            rt.publish("invoice.overdue", event(org))
            while True:
                batch = rt.take_batch("events")
                if not batch["Records"]:
                    break
                for record in batch["Records"]:  # the mapping deletes what a handler returns as done
                    sqs.delete_message(QueueUrl=rt.queue_urls["events"], ReceiptHandle=record["receiptHandle"])
                rt.aws_calls.clear()
                tracemalloc.start()
                t = time.perf_counter()
                result = rt.invoke("router", batch)
                elapsed = time.perf_counter() - t
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                assert not result.get("batchItemFailures"), result
                rows.append((len(rows) + 1, Counter(rt.aws_calls), peak / 2**20, elapsed))
                if len(rows) % 10 == 0:
                    print(f"  ... {len(rows)} invocations", flush=True)
        report(rows)


def report(rows: list[tuple[int, Counter, float, float]]) -> None:
    total: Counter = Counter()
    for _, calls, *_ in rows:
        total.update(calls)
    ddb = {k.split(":", 1)[1]: v for k, v in total.items() if k.startswith("dynamodb:")}
    reads = sum(v for k, v in ddb.items() if k in READS)
    writes = sum(ddb.values()) - reads
    sqs_calls = sum(v for k, v in total.items() if k.startswith("sqs:"))
    print(f"\n{'':24} {'invocations':>11} {'peak MiB/page':>13} {'max s/page':>10} {'calls/page':>10}")
    per_page = [sum(c.values()) for _, c, *_ in rows]
    print(
        f"{'all pages':24} {len(rows):>11} {max(r[2] for r in rows):>13.1f} {max(r[3] for r in rows):>10.1f} "
        f"{max(per_page):>10}"
    )
    print(f"\nAWS calls in all: {sum(total.values()):,} ({sum(total.values()) / MEMBERS:.3f} per holder)")
    print(f"  DynamoDB reads {reads:,}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ddb.items()) if k in READS))
    print(f"  DynamoDB writes {writes:,}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ddb.items()) if k not in READS))
    print(
        f"  SQS {sqs_calls:,}: " + ", ".join(f"{k[4:]} {v:,}" for k, v in sorted(total.items()) if k.startswith("sqs:"))
    )


if __name__ == "__main__":
    main()
