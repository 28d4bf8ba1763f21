"""Reminder series on the local runtime: state transitions, AWS calls and dollars per reminder. Prints; asserts nothing.

ITEMS documents awaiting signature (``signature.requested`` with ``reminders: {every_days: 3, count: 3}``), the clock
moved on 3 days three times: every series runs to its count. Counted from what ran: the state transitions in the
executions' histories (what Step Functions Standard bills), the AWS calls the ``timers`` (series start) and ``remind``
(each step) functions made, and the reminder events they put on the bus; then the same for a series stopped early by
``signature.signed``. Dollars from ``notify_core.domain.prices`` (public prices, dated) and these counts; the
router's and senders' share of delivering each reminder is the ordinary cost of a notification (``make cost``).
Run: ``make bench`` (or ``.venv/bin/python scripts/bench_timers.py``; ``BENCH_TIMER_ITEMS=n``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notify_core.domain import prices
from tests.e2e.test_product_taxdome import ORG, taxdome_settings

ITEMS = int(os.environ.get("BENCH_TIMER_ITEMS", "40"))
COUNT = 3
TIMER_FUNCTIONS = ("timers", "remind")


def _publish(rt: Any, event_type: str, event_id: str, doc: str, data: dict[str, Any]) -> None:
    import boto3

    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": "document", "id": doc, "client_id": "c1"},
        "data": data,
    }
    boto3.client("events").put_events(
        Entries=[
            {"Source": "taxdome", "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": "notify"}
        ]
    )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local import aws_calls
    from notify_local.runtime import LocalRuntime

    Path(".notify-local").mkdir(exist_ok=True)
    calls: Counter[tuple[str, str]] = Counter()
    seconds: Counter[str] = Counter()
    invocations: Counter[str] = Counter()

    def count(call: Any, params: Any, function: str) -> Any:
        if function in TIMER_FUNCTIONS:
            calls[(function, aws_calls.current_call())] += 1
        return call(params)

    with (
        Path(".notify-local/bench-timers.log").open("w") as sink,
        LocalRuntime(port=0, log_level="CRITICAL", handler_output=sink) as rt,
    ):
        # Figures of the daytime path at any hour of the run: SMS and steps are not held for business hours
        # (their cost at night: scripts/bench_quiet_hours.py).
        rt.clock.quiet_hours = False
        rt.apply_settings(taxdome_settings())
        for service in ("dynamodb", "events", "stepfunctions"):
            rt.around_aws_call(service, "*", count)
        original = rt._driver.invoke

        def timed(key: str, event: dict[str, Any]) -> dict[str, Any]:
            t = time.perf_counter()
            try:
                return original(key, event)
            finally:
                if key in TIMER_FUNCTIONS:
                    seconds[key] += time.perf_counter() - t
                    invocations[key] += 1

        rt._driver.invoke = timed  # type: ignore[method-assign]

        data = {"document_name": "Engagement letter.pdf", "reminders": {"every_days": 3, "count": COUNT}}
        for i in range(ITEMS):
            _publish(rt, "signature.requested", f"bench-sig-{i}", f"bench-doc-{i}", data)
        rt.wait_idle(120)
        for _ in range(COUNT):
            rt.advance(days=3, timeout_s=600)
        items = list(rt.admin.items.for_org(ORG, item_type="signature"))
        sent = sum(i.sent for i in items)
        executions = rt.executions()
        transitions = sum(
            1 for e in executions for h in rt.execution_history(e["executionArn"]) if h["type"].endswith("StateEntered")
        )
        item_bytes = max(len(json.dumps(i.detail)) + len(json.dumps([e.as_dict() for e in i.audit])) for i in items)
        series_calls, series_seconds, series_invocations = Counter(calls), Counter(seconds), Counter(invocations)

        # A series stopped by its completion event after one reminder: what stopping costs.
        _publish(rt, "signature.requested", "bench-stop", "bench-doc-stop", data)
        rt.wait_idle(60)
        rt.advance(days=3)
        before = Counter(calls)
        _publish(rt, "signature.signed", "bench-signed", "bench-doc-stop", {"document_name": "x"})
        rt.wait_idle(60)
        stop_calls = calls - before

        # One-time timers: ITEMS invoices due in 2 days, each announced overdue once (the appointment/due-date step).
        before_due, before_invocations = Counter(calls), Counter(invocations)
        executions_before = {e["executionArn"] for e in rt.executions()}
        for i in range(ITEMS):
            due = (rt.now().date()).isoformat()
            money = {"amount": "120.00", "currency": "EUR", "invoice_number": f"B-{i}", "due_date": due}
            _publish(rt, "invoice.issued", f"bench-inv-{i}", f"invoice-{i}", money)
        rt.wait_idle(120)
        rt.advance(days=2, timeout_s=600)
        announced = sum(1 for i in rt.admin.items.for_org(ORG, item_type="invoice") if i.sent)
        timer_executions = [e for e in rt.executions() if e["executionArn"] not in executions_before]
        timer_transitions = sum(
            1
            for e in timer_executions
            for h in rt.execution_history(e["executionArn"])
            if h["type"].endswith("StateEntered")
        )
        timer_calls = calls - before_due
        timer_invocations = invocations - before_invocations
    # The figures per reminder: the full series only (not the stopped one).
    calls, seconds, invocations = series_calls, series_seconds, series_invocations

    per = {f"{fn} {op}": n / sent for (fn, op), n in sorted(calls.items())}
    total_calls = sum(calls.values())
    print(f"{ITEMS} signature requests, {COUNT} reminders each, every 3 days; the clock moved on {3 * COUNT} days")
    print(f"reminders sent: {sent}; executions: {len(executions)}; state transitions: {transitions}")
    print(f"**state transitions per reminder sent: {transitions / max(sent, 1):.2f}** (Wait + Task; the limit is 3)")
    print("AWS calls per reminder sent (timers: the series' start, shared by its reminders; remind: each step):")
    for name, n in per.items():
        print(f"  {name:<40} {n:5.2f}")
    print(f"  {'total':<40} {total_calls / max(sent, 1):5.2f}")
    print(f"stopping a series (signature.signed): {dict((f'{f} {o}', n) for (f, o), n in stop_calls.items())}")

    # Dollars per million reminders, from the counts and the dated prices.
    ms = {k: 1000 * seconds[k] / max(invocations[k], 1) for k in TIMER_FUNCTIONS}
    gb = 0.256  # both functions: 256 MB (wiring)
    lambda_usd = sum(
        invocations[k] / sent * (prices.LAMBDA_REQUEST + gb * ms[k] / 1000 * prices.LAMBDA_GB_SECOND_ARM)
        for k in TIMER_FUNCTIONS
    )
    wcu = -(-item_bytes // 1024)  # one whole-item write per reminder (the item's size in KB, rounded up)
    writes = sum(n for (fn, op), n in calls.items() if op in ("dynamodb:PutItem", "dynamodb:UpdateItem"))
    reads = sum(n for (fn, op), n in calls.items() if op == "dynamodb:GetItem")
    ddb_usd = (writes * wcu * prices.DYNAMODB_WRITE_UNIT + reads * prices.DYNAMODB_READ_UNIT) / sent
    sfn_usd = transitions / sent * prices.STEP_FUNCTIONS_TRANSITION
    events_usd = sum(n for (fn, op), n in calls.items() if op == "events:PutEvents") / sent * prices.EVENTBRIDGE_EVENT
    total = lambda_usd + ddb_usd + sfn_usd + events_usd
    m = prices.PER_MILLION
    print(f"\n$ per million reminders (timer machinery; prices of {prices.PRICES_AS_OF}, {prices.REGION}):")
    print(f"  Step Functions transitions  {sfn_usd * m:8.2f}")
    print(
        f"  Lambda (timers + remind)    {lambda_usd * m:8.2f}  (handler time here: timers {ms['timers']:.0f} ms, "
        f"remind {ms['remind']:.0f} ms on moto)"
    )
    print(f"  DynamoDB (item {item_bytes} B)     {ddb_usd * m:8.2f}")
    print(f"  EventBridge PutEvents       {events_usd * m:8.2f}")
    print(f"  total                       {total * m:8.2f}  (+ delivering each reminder: the cost of a notification)")
    print(f"\n{ITEMS} invoices due today, the clock moved on 2 days: {announced} invoice.overdue announced")
    print(f"**state transitions per due-date timer: {timer_transitions / max(announced, 1):.2f}**")
    per_timer = sum(timer_calls.values()) / max(announced, 1)
    by_op = dict(sorted((f"{f} {o}", n) for (f, o), n in timer_calls.items()))
    print(f"AWS calls per due-date timer: {per_timer:.2f} ({by_op})")
    timer_lambda = sum(timer_invocations.values()) / max(announced, 1) * prices.LAMBDA_REQUEST
    timer_ddb = sum(
        n * (prices.DYNAMODB_READ_UNIT if o == "dynamodb:GetItem" else wcu * prices.DYNAMODB_WRITE_UNIT)
        for (_, o), n in timer_calls.items()
        if o.startswith("dynamodb:")
    ) / max(announced, 1)
    timer_total = timer_transitions / max(announced, 1) * prices.STEP_FUNCTIONS_TRANSITION + timer_lambda + timer_ddb
    timer_total += prices.EVENTBRIDGE_EVENT
    print(f"$ per million due-date timers: {timer_total * m:.2f} (Lambda requests, DynamoDB, transitions, PutEvents)")
    transitions_usd = timer_transitions / max(announced, 1) * prices.STEP_FUNCTIONS_TRANSITION
    print(
        f"  the same timer on EventBridge Scheduler: {prices.SCHEDULER_INVOCATION * m:.2f} $ per million invocations "
        f"(14 M free a month) in place of {transitions_usd * m:.2f} $ of transitions; the rest unchanged"
    )


if __name__ == "__main__":
    main()
