"""A reused event id never swallows a different event; the same event twice is still one silent no-op.

Before: ``payment.reversed`` published with the event id of an earlier ``payment.paid`` got the first event's
cached result: no delivery, no log line, no metric, no quarantine.
"""

from __future__ import annotations

import pytest
from router_harness import RouterHarness
from unit_factories import ORG_ID, detail

pytestmark = pytest.mark.unit


def test_a_different_event_type_with_a_used_id_is_quarantined_naming_both_types():
    r = RouterHarness()
    r.event("payment.paid", event_id="pay-1")
    queued = len(r.queues.messages)
    reversed_ = {"amount": "120.50", "currency": "BYN", "payment_id": "pay-981", "reason": "payer request"}
    assert r.event("payment.reversed", event_id="pay-1", data=reversed_) == {"quarantined": "event_id_reused"}
    [q] = r.quarantine.events
    assert "first routed as payment.paid;" in q["detail"]
    assert "this payment.reversed (source payments)" in q["detail"]
    assert len(r.queues.messages) == queued  # nothing of the second event went out
    [record] = [x for x in r.records.for_event(ORG_ID, "pay-1") if x.outcome == "quarantined"]
    assert (record.reason, record.event_type) == ("event_id_reused", "payment.reversed")


def test_the_same_type_with_other_content_under_a_used_id_is_quarantined_too():
    r = RouterHarness()
    r.event(event_id="pay-2")
    other = dict(detail()["data"], amount="999.00")
    assert r.event(event_id="pay-2", data=other) == {"quarantined": "event_id_reused"}
    assert "first routed as payment.paid" in r.quarantine.events[0]["detail"]


def test_the_same_event_twice_is_a_silent_no_op():
    r = RouterHarness()
    r.event(event_id="pay-3")
    queued = len(r.queues.messages)
    assert r.event(event_id="pay-3") == {"org_id": ORG_ID, "event_id": "pay-3", "duplicate": True}
    assert r.quarantine.events == [] and r.records.items == {} and len(r.queues.messages) == queued


def test_the_same_event_restamped_by_its_producer_is_still_the_same_event():
    r = RouterHarness()
    r.event(event_detail={**detail(event_id="pay-4"), "occurred_at": "2026-03-01T10:15:00Z"})
    again = {**detail(event_id="pay-4"), "occurred_at": "2026-03-01T10:16:30Z"}
    assert "quarantined" not in r.event(event_detail=again)


def test_the_same_id_in_another_org_is_another_event():
    r = RouterHarness()
    r.event(event_id="pay-5")
    assert "quarantined" not in r.event("payment.paid", event_id="pay-5", org_id="another-org")
