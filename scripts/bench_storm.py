"""The fault storm at scale: 10,000 deliveries with ~30% provider faults on the embedded local runtime.

What the e2e test ``tests/e2e/test_fault_injection.py`` shows with 2,000 deliveries, this shows with
``BENCH_STORM_EVENTS`` x 100 (default 100 events: 10,000 deliveries; 40 emails, 30 SMS, 30 webhooks each).
It prints the account of every delivery (sent exactly once, or dead with its reason), the faults injected,
the AWS calls the handlers made per delivery, and how long moto took. Exit status 1 if any delivery was
lost or duplicated. Run: ``make bench-storm`` (tens of minutes: moto server mode is the bottleneck).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.storm import StormPlan, run_storm


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    plan = StormPlan(events=int(os.environ.get("BENCH_STORM_EVENTS", "100")))
    print(
        f"storm: {plan.events} payment.paid events x ({plan.emails} emails + {plan.phones} SMS + "
        f"{plan.endpoints} webhooks) = {plan.deliveries:,} deliveries, {plan.fault_rate:.0%} provider faults"
    )
    Path(".notify-local").mkdir(exist_ok=True)
    with (
        Path(".notify-local/bench-storm-handlers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        rt.start_receiver()
        report = run_storm(rt, plan, drain_timeout_s=3600, progress=True)

    n = sum(report.statuses.values())
    print(f"\noutcome: {dict(report.statuses)} of {n:,} logged")
    print(
        f"faults injected: SES {sum(report.ses_faults.values())} {dict(report.ses_faults)}, "
        f"SNS {sum(report.sns_faults.values())} {dict(report.sns_faults)}, "
        f"webhook receivers ~{plan.fault_rate:.0%} of answers (5xx, 429, late)"
    )
    print(f"deliveries that needed a retry: {report.retried:,}")
    print(
        f"webhook receipts a receiver drops by webhook-id (answered too late for the sender): {report.webhook_repeats}"
    )
    calls = sum(report.aws_calls.values())
    print(f"AWS calls by the handlers: {calls:,} = {calls / max(n, 1):.2f} per delivery under faults")
    for op, count in report.aws_calls.most_common():
        print(f"  {op:<40} {count:>7,}  {count / max(n, 1):.2f}")
    print(f"drain time on moto: {report.elapsed_s:.0f} s ({n / report.elapsed_s:.1f} deliveries/s)")
    if report.violations:
        print(f"\nVIOLATIONS ({len(report.violations)}):")
        for line in report.violations[:20]:
            print(f"  {line}")
        return 1
    print("\nzero lost, zero duplicated: every delivery sent exactly once or dead with its reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
