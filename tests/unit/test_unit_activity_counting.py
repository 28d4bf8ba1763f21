"""The router counts the activity the reports read (``Dispatcher._count``): once an event is accepted, once per
event id, on the user's day in the org's time zone; never a quarantined event, a repeat, or another event type."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from router_harness import RouterHarness
from unit_factories import ORG_ID, envelope, profile

from notify_core.domain import catalog

pytestmark = pytest.mark.unit


class FakeCounters:
    def __init__(self) -> None:
        self.added: list[tuple[str, date, str, str, str | None]] = []

    def add(self, org_id: str, day: date, user_id: str, counter: str, name: str | None) -> None:
        self.added.append((org_id, day, user_id, counter, name))

    def tallies(self, org_id: str, start: date, end: date) -> list[Any]:
        return []


def harness(time_zone: str = "UTC") -> tuple[RouterHarness, FakeCounters]:
    r = RouterHarness(org_profile=profile(time_zone=time_zone))
    counters = FakeCounters()
    r.dispatcher.activity = counters
    return r, counters


def approved(event_id: str = "appr-1", occurred_at: str = "2026-03-01T10:15:00Z", **data: Any) -> str:
    raw = envelope("invoice.approved", event_id=event_id)
    raw["detail"]["occurred_at"] = occurred_at
    raw["detail"]["data"] = {**copy.deepcopy(catalog.CATALOG["invoice.approved"].example), **data}
    return json.dumps(raw)


def test_an_accepted_approval_counts_once_for_its_user_and_day():
    r, counters = harness()
    assert "queued" in r.body(approved())  # routed (nobody in the harness holds invoices:edit)
    assert r.body(approved()).get("duplicate")  # republished: the router's event records make it a duplicate
    assert counters.added == [(ORG_ID, date(2026, 3, 1), "u-anna", "invoices_approved", "Anna Nowak")]


def test_the_day_is_the_orgs_local_day():
    r, counters = harness("Asia/Tokyo")
    r.body(approved(occurred_at="2026-03-01T10:15:00Z"))  # 19:15 in Tokyo: still the 1st
    r.body(approved("appr-2", occurred_at="2026-03-01T10:16:00Z", approved_by="u-piotr"))
    r.now = r.now.replace(hour=16)
    r.body(approved("appr-3", occurred_at="2026-03-01T15:30:00Z"))  # 00:30 on the 2nd in Tokyo
    assert [(d, u) for _, d, u, _, _ in counters.added] == [
        (date(2026, 3, 1), "u-anna"),
        (date(2026, 3, 1), "u-piotr"),
        (date(2026, 3, 2), "u-anna"),
    ]


def test_a_quarantined_approval_or_another_event_counts_nothing():
    r, counters = harness()
    r.body(approved(approved_by="not a user id"))
    r.body(approved("appr-2", approved_by=""))
    assert r.reasons == ["invalid_data", "invalid_data"]
    r.event("invoice.viewed", event_id="view-1")
    assert counters.added == []
