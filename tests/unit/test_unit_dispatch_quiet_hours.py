"""The router's quiet hours (README "Time zones and quiet hours") on in-memory ports: an SMS outside business hours
is logged held and its timer started; the email of the same event is queued; by day nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from router_harness import RouterHarness
from unit_factories import profile

pytestmark = pytest.mark.unit


class FakeHolds:
    def __init__(self) -> None:
        self.holds: list[tuple[dict[str, Any], str]] = []

    def hold(self, holds: list[tuple[dict[str, Any], str]]) -> None:
        self.holds += holds


def harness(at: datetime, *, on: bool = True) -> tuple[RouterHarness, FakeHolds]:
    h = RouterHarness(org_profile=profile(time_zone="Europe/Minsk"), now=at)
    holds = FakeHolds()
    h.dispatcher.holds = holds
    h.dispatcher.quiet_hours = lambda: on
    return h, holds


def test_an_sms_at_night_is_logged_held_and_its_timer_started_the_email_is_queued():
    # 23:00 in Minsk (UTC+3); the factories' event happened at 10:15Z, the router's window allows it.
    h, holds = harness(datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    summary = h.event("payment.paid")
    assert summary.get("held") == 1
    assert {m["channel"] for m in h.queues.messages} == {"email"}  # every email goes at once
    [(message, until)] = holds.holds
    assert (message["channel"], message["address"], until) == ("sms", "+375291234567", "2026-03-02T05:00:00Z")
    record = h.log.items[message["delivery_id"]]
    assert (record.status, record.error_code) == ("held", "quiet_hours")
    assert record.error_detail == "held until 2026-03-02T05:00:00Z (08:00 Europe/Minsk)"
    assert "status" not in message and "error_code" not in message  # the queue message, as by day


def test_by_day_nothing_is_held_and_nothing_more_is_called():
    h, holds = harness(datetime(2026, 3, 1, 10, 20, tzinfo=UTC))  # 13:20 in Minsk
    summary = h.event("payment.paid")
    assert "held" not in summary and holds.holds == []
    assert sorted(m["channel"] for m in h.queues.messages) == ["email", "email", "sms"]
    assert h.queues.calls == 1


def test_quiet_hours_off_holds_nothing():
    h, holds = harness(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), on=False)
    h.event("payment.paid")
    assert holds.holds == [] and "sms" in {m["channel"] for m in h.queues.messages}
