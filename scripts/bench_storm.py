"""The fault storm at scale: 10,000 deliveries with ~30% faults on every dependency, on the embedded local runtime.

What the e2e test ``tests/e2e/test_fault_injection.py`` shows with 2,000 deliveries, this shows with
``BENCH_STORM_EVENTS`` x 100 (default 100 events: 10,000 deliveries; 40 emails, 30 SMS, 30 webhooks each).
It prints the account of every delivery (sent exactly once, or unknown / dead with its reason), the faults injected,
the AWS calls the handlers made per delivery, and how long moto took. Exit status 1 if any delivery was
lost or duplicated. Run: ``make bench-storm`` (tens of minutes: moto server mode is the bottleneck).
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.storm import StormPlan, run_storm


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    plan = StormPlan(events=int(os.environ.get("BENCH_STORM_EVENTS", "100")))
    print(
        f"storm: {plan.events} payment.paid events x ({plan.emails} emails + {plan.phones} SMS + "
        f"{plan.endpoints} webhooks) = {plan.deliveries:,} deliveries, {plan.fault_rate:.0%} faults on every dependency"
    )
    Path(".notify-local").mkdir(exist_ok=True)
    with (
        Path(".notify-local/bench-storm-handlers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        # Figures of the daytime path at any hour of the run: SMS and steps are not held for business hours
        # (their cost at night: scripts/bench_quiet_hours.py).
        rt.clock.quiet_hours = False
        rt.start_receiver()
        report = run_storm(rt, plan, drain_timeout_s=3600, progress=True)

    n = sum(report.statuses.values())
    f = report.faults
    print(f"\noutcome: {dict(report.statuses)} of {n:,} logged")
    print(f"faults injected ({plan.fault_rate:.0%} of attempts on every dependency, SDK retries played):")
    for key, count in sorted(f.attempts.items()):
        print(f"  {key:<40} {count:>6,} failed attempts, {f.surfaced[key]:>5,} reached our code")
    print(
        f"  DynamoDB writes applied with their answer lost: {f.applied_then_lost:,}; Lambda timeouts between the "
        f"provider's answer and the outcome write: {f.lambda_timeouts:,}; failed poller deletes: {f.poller_deletes:,}; "
        f"webhook receivers: ~{plan.fault_rate:.0%} of answers (5xx, 429, late)"
    )
    print(f"deliveries that needed a retry: {report.retried:,}")
    print(f"webhook receipts a deduplicating receiver drops by webhook-id: {report.webhook_repeats}")
    reasons = Counter((status, reason.split(":")[0]) for _, _, status, reason in report.unresolved)
    print(f"not sent ({len(report.unresolved):,}), by status and reason (every one is listed in the log):")
    for (status, reason), count in reasons.most_common():
        print(f"  {status:<8} {reason:<30} {count:>6,}")
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
    print("\n0 lost, 0 accepted twice by a provider: every delivery sent exactly once or unknown/dead with its reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
