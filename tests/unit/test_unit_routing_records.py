"""Configuration problems are recorded where people look: one record per event, by org and event id.

Before: an unknown contact, an audience switched off, a contact without an address were only log lines.
"""

from __future__ import annotations

import pytest
from router_harness import RouterHarness
from unit_factories import ORG_ID, contact, subscription

pytestmark = pytest.mark.unit


def test_a_routed_events_configuration_problems_are_recorded_with_what_did_go_out():
    r = RouterHarness()
    directory = r.settings.orgs[ORG_ID]
    directory.contacts.append(contact("no-phone", emails=[("np@org.example", "work")]))
    directory.subscriptions[0] = subscription({"email": ["anna", "ghost"], "sms": ["anna", "no-phone"]})
    r.event(event_id="pay-problems")
    [record] = r.records.for_event(ORG_ID, "pay-problems")
    assert record.outcome == "routed" and record.event_type == "payment.paid" and record.source == "payments"
    assert [(p.reason, p.detail) for p in record.problems] == [
        ("unknown_contact", "subscription:payment.paid_or_reversed@org names contact 'ghost'"),
        ("no_address", "contact 'no-phone' has no sms address"),
    ]
    assert record.counts == {"queued": 3, "inapp": 1, "failed": 0, "skipped": 0}


def test_an_event_nobody_hears_of_is_recorded():
    r = RouterHarness()
    r.settings.orgs[ORG_ID].subscriptions.clear()
    r.settings.orgs[ORG_ID].grants.clear()
    r.event(event_id="pay-nobody")
    [record] = r.records.for_event(ORG_ID, "pay-nobody")
    assert [p.reason for p in record.problems] == ["no_recipients"]


def test_an_event_for_an_org_without_settings_is_recorded():
    r = RouterHarness()
    r.event(event_id="pay-x", org_id="org-unknown")
    [record] = r.records.for_event("org-unknown", "pay-x")
    assert [p.reason for p in record.problems] == ["unknown_org", "no_recipients"]


def test_an_event_routed_without_a_problem_leaves_no_record():
    r = RouterHarness()
    r.event()
    assert r.records.items == {}


def test_a_quarantined_event_naming_an_org_is_recorded_under_that_org():
    r = RouterHarness()
    r.event(data={"amount": "a lot", "currency": "BYN", "payment_id": "p"}, event_id="pay-bad")
    [record] = r.records.for_event(ORG_ID, "pay-bad")
    assert (record.outcome, record.reason) == ("quarantined", "invalid_data")
    assert record.detail == "amount: Input should be a valid decimal"


def test_a_quarantined_event_naming_no_valid_org_is_only_in_the_quarantine():
    r = RouterHarness()
    assert r.body("not json") == {"quarantined": "malformed_envelope"}
    assert r.records.items == {} and len(r.quarantine.events) == 1
