"""Quiet hours: what holding an SMS at night costs (README "Time zones and quiet hours").

The same ``BENCH_EVENTS`` (50) ``payment.paid`` events (each 1 email + 1 SMS + 1 webhook, the small-event mix of
``bench_delivery.py``) are played twice on the local runtime with quiet hours on: by day (business hours
00:00-23:59, nothing held: the router's decision is pure, the call count must equal the day path's) and at 23:00 in
the org's time zone (every SMS held, released at 08:00 by the clock). Prints the AWS calls of each run, the extra
calls and state transitions per held SMS, and their price. Counts are exact (every botocore call a handler makes).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from datetime import datetime, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import prices

from tests.conftest import hutki_settings, make_detail

EVENTS = int(os.environ.get("BENCH_EVENTS", "50"))


def play(rt, receiver, *, night: bool) -> tuple[int, dict[str, int], int, int]:  # type: ignore[no-untyped-def]
    rt.reset()
    rt.clock.quiet_hours = True
    all_day = {"business_hours": {"start": "00:00", "end": "23:59"}}
    rt.apply_settings(hutki_settings(receiver.url) | ({} if night else all_day))
    now = rt.now()
    if night:  # to 23:00 UTC (the org's zone), or stay if already there
        target = datetime.combine(now.date(), time(23, 0), tzinfo=now.tzinfo)
        rt.advance(seconds=max(0.0, (target - now).total_seconds()))
    elif now.time() >= time(23, 58):
        rt.advance(minutes=5)
    rt.aws_calls.clear()
    for i in range(EVENTS):
        detail = make_detail(f"qh-{night}-{i}") | {"occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ")}
        rt.publish("payment.paid", detail)
    rt.wait_idle()
    held = sum(1 for d in rt.deliveries() if d["status"] == "held")
    if night:
        rt.advance(hours=9, minutes=5)  # past 08:00: every held SMS goes
    transitions = sum(
        1
        for e in rt.executions()
        for h in rt.execution_history(e["executionArn"])
        if h["type"].endswith("StateEntered")
    )
    sent = sum(1 for d in rt.deliveries() if d["channel"] == "sms" and d["status"] == "sent")
    assert sent == EVENTS, f"{sent} SMS sent of {EVENTS}"
    return sum(rt.aws_calls.values()), dict(rt.aws_calls), held, transitions


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    with LocalRuntime(port=0, log_level="ERROR", handler_output=io.StringIO()) as rt:
        receiver = rt.start_receiver()
        day_calls, day_ops, day_held, _ = play(rt, receiver, night=False)
        night_calls, night_ops, held, transitions = play(rt, receiver, night=True)
    print(f"{EVENTS} payment.paid events (email + SMS + webhook each), quiet hours on")
    print(f"  by day:   {day_calls} AWS calls, {day_held} SMS held")
    print(f"  at night: {night_calls} AWS calls, {held} SMS held and sent at 08:00")
    extra = {op: night_ops.get(op, 0) - day_ops.get(op, 0) for op in {*day_ops, *night_ops}}
    extra = {op: n for op, n in extra.items() if n}
    per = (night_calls - day_calls) / max(held, 1)
    ops = ", ".join(f"{op} {n / max(held, 1):+.2f}" for op, n in sorted(extra.items()))
    print(f"  extra AWS calls per held SMS: {per:.2f}  ({ops})")
    print(f"  state transitions per held SMS: {transitions / max(held, 1):.2f}")
    dollars = (
        transitions / held * prices.STEP_FUNCTIONS_TRANSITION * 1e6
        + prices.LAMBDA_REQUEST * 1e6  # the remind function's invocation (its milliseconds: cents per million)
        + prices.SQS_FIFO_REQUEST * 1e6  # the release's SendMessage
    )
    print(f"  $ per million held SMS (transitions, the release's invocation and SendMessage): {dollars:,.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
