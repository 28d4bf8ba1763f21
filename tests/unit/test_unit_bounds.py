"""No input poisons the router: every event is routed or quarantined with a reason, never raised.

Before these bounds, an event whose data nested ~260 levels made pydantic's dump raise, ~1,000 levels made
``json.loads`` raise RecursionError: the record went round five retries into the events DLQ instead of the
quarantine. Each test here hands the router an event through ``handle_body`` as SQS would, and asserts it returns.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from router_harness import NOW, RouterHarness
from unit_factories import detail, envelope

from notify_core.domain import bounds
from notify_core.domain.catalog.base import MAX_AMOUNT_DECIMALS, MAX_AMOUNT_DIGITS
from notify_core.domain.envelope import MAX_CLOCK_SKEW, MAX_EVENT_AGE

pytestmark = pytest.mark.unit


def _nested(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels):
        value = {"x": value}
    return value


def _paid(**data_extra) -> dict:
    d = detail()
    d["data"].update(data_extra)
    return d


@pytest.mark.parametrize("levels", [40, 260, 1_000, 5_000])
def test_deeply_nested_data_is_quarantined_too_deep_not_raised(levels):
    r = RouterHarness()
    body = json.dumps(envelope(event_detail=_paid(meter=_nested(10))))
    body = body.replace('{"leaf": 1}', '{"x": ' * levels + '{"leaf": 1}' + "}" * levels)
    assert r.body(body) == {"quarantined": "too_deep"}
    assert r.queues.messages == [] and r.settings.loads == []


def test_a_hundred_thousand_levels_within_the_size_bound_are_too_deep():
    r = RouterHarness()
    body = json.dumps(envelope(event_detail=_paid(meter="METER"))).replace('"METER"', "[" * 100_000 + "]" * 100_000)
    assert r.body(body) == {"quarantined": "too_deep"}


def test_deep_nesting_anywhere_in_the_envelope_is_too_deep():
    r = RouterHarness()
    raw = envelope()
    raw["resources"] = json.loads("[" * 40 + '"arn"' + "]" * 40)
    assert r.body(json.dumps(raw)) == {"quarantined": "too_deep"}


def test_nesting_within_the_bound_is_routed():
    r = RouterHarness()
    assert "queued" in r.body(json.dumps(envelope(event_detail=_paid(meter=_nested(bounds.MAX_DEPTH - 6)))))


def test_an_event_over_256_kb_is_too_large():
    r = RouterHarness()
    body = json.dumps(envelope(event_detail=_paid(notes=["x" * 1000] * 300)))
    assert len(body.encode()) > bounds.MAX_EVENT_BYTES
    assert r.body(body) == {"quarantined": "too_large"}
    assert "bytes (at most 262,144)" in r.quarantine.events[0]["detail"]


def test_a_string_over_the_bound_is_too_large_naming_where():
    r = RouterHarness()
    assert r.event(data=_paid(payer_name="я" * 9000)["data"]) == {"quarantined": "too_large"}
    assert r.quarantine.events[0]["detail"].startswith("detail.data.payer_name: a string of 9,000 characters")


def test_a_collection_over_the_bound_is_too_large():
    r = RouterHarness()
    assert r.event(data=_paid(readings=list(range(bounds.MAX_ITEMS + 1)))["data"]) == {"quarantined": "too_large"}
    assert r.quarantine.events[0]["detail"] == "detail.data.readings: 1,001 entries (at most 1,000)"


def test_the_facts_every_delivery_carries_are_bounded_so_a_queue_message_always_fits_sqs():
    r = RouterHarness()
    notes = {f"n{i}": "x" * 10_000 for i in range(7)}  # 70 KB of facts, each string within its bound
    assert r.event(data=_paid(**notes)["data"]) == {"quarantined": "too_large"}
    assert "every delivery's queue message carries them" in r.quarantine.events[0]["detail"]


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ("9" * 5000, "too_large"),  # json.loads would raise ValueError past 4,300 digits
        ("1E+999999999", "too_large"),  # json.loads reads inf
        ("-1e400", "too_large"),
        ("NaN", "malformed_envelope"),
        ("Infinity", "malformed_envelope"),
    ],
)
def test_numbers_json_cannot_carry_are_quarantined(literal, reason):
    r = RouterHarness()
    body = json.dumps(envelope(event_detail=_paid(reading=12345))).replace("12345", literal)
    assert r.body(body) == {"quarantined": reason}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1E+999999999", f"more than {MAX_AMOUNT_DIGITS} digits before the decimal point"),
        ("9" * 5000, f"more than {MAX_AMOUNT_DIGITS} digits before the decimal point"),
        ("0.00001", f"more than {MAX_AMOUNT_DECIMALS} decimal places"),
        ("Infinity", "Input should be a finite number"),
    ],
)
def test_money_is_bounded(amount, message):
    r = RouterHarness()
    assert r.event(data=_paid(amount=amount)["data"]) == {"quarantined": "invalid_data"}
    assert message in r.quarantine.events[0]["detail"]


@pytest.mark.parametrize(("amount", "written"), [("-0", "0"), ("-0.00", "0.00"), ("1.2E+3", "1200"), ("1e-3", "0.001")])
def test_money_is_written_out_in_full_and_never_negative_zero(amount, written):
    r = RouterHarness()
    r.event(data=_paid(amount=amount)["data"])
    assert {m["event"]["data"]["amount"] for m in r.queues.messages} == {written}


@pytest.mark.parametrize("occurred_at", [1_764_500_000, "1764500000", 1.7e9, "2026-03-01", True])
def test_occurred_at_must_be_an_iso_8601_date_and_time(occurred_at):
    r = RouterHarness()
    assert r.event(event_detail={**detail(), "occurred_at": occurred_at}) == {"quarantined": "invalid_detail"}
    assert r.quarantine.events[0]["detail"].startswith("occurred_at: ")


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        (NOW - MAX_EVENT_AGE - timedelta(seconds=1)).isoformat(),
        (NOW + MAX_CLOCK_SKEW + timedelta(seconds=1)).isoformat(),
    ],
)
def test_an_event_too_old_or_from_the_future_is_quarantined(occurred_at):
    r = RouterHarness()
    assert r.event(event_detail={**detail(), "occurred_at": occurred_at}) == {
        "quarantined": "occurred_at_out_of_window"
    }
    assert "at most 7 days old, 15 minutes ahead" in r.quarantine.events[0]["detail"]


@pytest.mark.parametrize("offset", [-MAX_EVENT_AGE + timedelta(minutes=1), MAX_CLOCK_SKEW - timedelta(seconds=1)])
def test_an_event_inside_the_window_is_routed(offset):
    r = RouterHarness()
    assert "queued" in r.event(event_detail={**detail(), "occurred_at": (NOW + offset).isoformat()})


def test_any_other_failure_to_read_an_event_is_quarantined_unreadable_not_raised(monkeypatch):
    from notify_core.services import dispatch

    def broken(body, *, now):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(dispatch, "validate", broken)
    r = RouterHarness()
    assert r.event() == {"quarantined": "unreadable"}
    assert r.quarantine.events[0]["detail"] == "RecursionError: maximum recursion depth exceeded"


def test_a_body_that_is_not_valid_unicode_json_is_malformed():
    r = RouterHarness()
    assert r.body('{"detail": "\\ud800"') == {"quarantined": "malformed_envelope"}
