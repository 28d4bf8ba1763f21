"""Activity reports on the local runtime: AWS calls per counted event and per org's report, and the cost of the
report machinery at 10,000 orgs. Prints; asserts nothing.

USERS members of one org approve APPROVALS invoices each (``invoice.approved``); the clock is moved past the org's
next daily report. Counted from what ran: the router's calls on the activity table per counted event, and every call
of the ``schedules`` function (the tick) per org whose reports it sent, with its handler time. Dollars at 10,000 orgs
(daily reports, USERS users each) from ``notify_core.domain.prices`` and these counts, for the one platform-wide tick
and, for comparison, for one EventBridge Scheduler schedule per org. Delivering the reports themselves (routing,
email) is the ordinary cost of a notification (``make cost``).
Run: ``make bench`` (or ``.venv/bin/python scripts/bench_reports.py``; ``BENCH_REPORT_USERS=n``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notify_core.domain import activity, prices

USERS = int(os.environ.get("BENCH_REPORT_USERS", "20"))
APPROVALS = 3
ORGS = 10_000
ORG = "bench-office"


def settings() -> dict[str, Any]:
    return {
        "org_id": ORG,
        "name": "Bench Office",
        "email_from": "office@bench.example",
        "members": [{"user_id": f"u-{i}", "name": f"User {i}", "email": f"u{i}@bench.example"} for i in range(USERS)],
        "subscriptions": [{"group": "activity.summary", "addresses": {"email": ["boss@bench.example"]}}],
        "activity_reports": {"daily": True},
    }


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import boto3

    from notify_local import aws_calls
    from notify_local.runtime import LocalRuntime

    Path(".notify-local").mkdir(exist_ok=True)
    calls: Counter[tuple[str, str]] = Counter()
    seconds: Counter[str] = Counter()
    invocations: Counter[str] = Counter()

    def count(call: Any, params: Any, function: str) -> Any:
        op = aws_calls.current_call()
        if function == "schedules" or (function == "router" and params.get("TableName", "").endswith("activity")):
            calls[(function, op)] += 1
        return call(params)

    with (
        Path(".notify-local/bench-reports.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        rt.apply_settings(settings())
        for service in ("dynamodb", "events"):
            rt.around_aws_call(service, "*", count)
        original = rt._driver.invoke

        def timed(key: str, event: dict[str, Any]) -> dict[str, Any]:
            t = time.perf_counter()
            try:
                return original(key, event)
            finally:
                if key == "schedules":
                    seconds[key] += time.perf_counter() - t
                    invocations[key] += 1

        rt._driver.invoke = timed  # type: ignore[method-assign]
        events = boto3.client("events")
        counted = 0
        for i in range(USERS):
            for n in range(APPROVALS):
                detail = {
                    "org_id": ORG,
                    "event_id": f"inv-{i}-{n}",
                    "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "subject": {"type": "invoice", "id": f"inv-{i}-{n}"},
                    "data": {
                        "invoice_number": f"INV-{i}-{n}",
                        "approved_by": f"u-{i}",
                        "approved_by_name": f"User {i}",
                    },
                }
                entry = {"Source": "bench", "DetailType": "invoice.approved", "Detail": json.dumps(detail)}
                events.put_events(Entries=[{**entry, "EventBusName": "notify"}])
                counted += 1
        rt.wait_idle(120)
        idle_ticks_before = invocations["schedules"]
        at = activity.report_instant(rt.now().date() + timedelta(days=1), 8, "UTC")
        rt.advance(seconds=(at - rt.now()).total_seconds() + 60, timeout_s=600)
        ticks = invocations["schedules"] - idle_ticks_before
        reports = [e for e in rt.outbox().emails if "activity" in e.subject or "summary" in e.subject]
    router = {op: n / counted for (fn, op), n in calls.items() if fn == "router"}
    tick = {op: n for (fn, op), n in sorted(calls.items()) if fn == "schedules"}
    # The org's report run: every call but the index Query (which every tick makes, due orgs or not).
    idle_queries = ticks - 1
    per_org = dict(tick)
    per_org["dynamodb:Query"] = per_org.get("dynamodb:Query", 0) - ticks  # the counters' Query only
    print(f"{USERS} users x {APPROVALS} invoice.approved = {counted} counted events; the clock moved past 08:00 UTC")
    print(f"router calls on the activity table per counted event: {router}  (one UpdateItem ADD)")
    print(f"ticks fired on the way: {ticks} ({idle_queries} found nothing due: one index Query each)")
    runs = per_org.get("dynamodb:GetItem", 0)  # one profile read per org run (an instant that fell due)
    print(
        f"org runs: {runs} (the instant of the day of the apply, covering yesterday: its summary alone; then the one "
        f"covering today: {USERS} users + 1 summary); {len(reports)} report emails"
    )
    print(
        f"calls of those runs: {per_org} (+ the index Query of their ticks): per run 1 GetItem, 1 counters Query, "
        f"1 UpdateItem, and one PutEvents per 10 report events ({-(-(USERS + 1) // 10)} for {USERS + 1})"
    )
    ms = 1000 * seconds["schedules"] / max(invocations["schedules"], 1)
    print(f"schedules handler time here: {ms:.0f} ms per tick on average (moto)")

    # --- 10,000 orgs, daily reports, USERS users each, a 30-day month ---------------------------------------
    month = 30
    org_runs = ORGS * month
    puts = -(-(USERS + 1) // 10)
    report_events = USERS + 1
    ddb = (
        org_runs
        * (
            prices.DYNAMODB_READ_UNIT
            * (1 + 1)  # the profile GetItem; the day's counters (USERS x ~60 B: one 4 KB unit)
            + prices.DYNAMODB_WRITE_UNIT * 2  # moving the org on: UpdateItem of the ~1-2 KB profile, +1 index entry
        )
        + 720 * prices.DYNAMODB_READ_UNIT * 10
    )  # each hourly tick's index Query (keys only: 10k keys ~ 40 units/day)
    counting = ORGS * USERS * APPROVALS * month * prices.DYNAMODB_WRITE_UNIT  # one ADD per approval
    events_usd = org_runs * report_events * prices.EVENTBRIDGE_EVENT
    gb = 0.256
    run_ms = 60.0  # an org's run on AWS: ~5 calls of ~10 ms each (moto here is slower, and figures above are moto's)
    tick_lambda = 720 * prices.LAMBDA_REQUEST + org_runs * run_ms / 1000 * gb * prices.LAMBDA_GB_SECOND_ARM
    tick_scheduler = 720 * prices.SCHEDULER_INVOCATION
    per_org_scheduler = org_runs * prices.SCHEDULER_INVOCATION
    per_org_lambda = (
        org_runs * prices.LAMBDA_REQUEST + org_runs * (run_ms + 20) / 1000 * gb * prices.LAMBDA_GB_SECOND_ARM
    )
    print(
        f"\n$ a month at {ORGS:,} orgs, daily reports, {USERS} users each "
        f"({prices.PRICES_AS_OF} prices, {prices.REGION}):"
    )
    print(f"  counting: {ORGS * USERS * APPROVALS * month:,} approvals x 1 UpdateItem  {counting:10.2f}")
    print(f"  report events published ({report_events} per org a day, PutEvents {puts} calls) {events_usd:10.2f}")
    print(f"  DynamoDB of the runs (profile, counters, move on; index Queries) {ddb:10.2f}")
    print(f"  one platform-wide tick: Scheduler 720 invocations {tick_scheduler:8.4f}, Lambda {tick_lambda:8.2f}")
    print(f"  per-org schedules instead: Scheduler {org_runs:,} invocations {per_org_scheduler:8.2f} (under the 14 M")
    print(f"    free a month: 0.00), Lambda {per_org_lambda:8.2f}, plus {ORGS:,} schedules kept in step with settings")
    print("  (+ routing and sending each report: the cost of a notification, make cost)")


if __name__ == "__main__":
    main()
