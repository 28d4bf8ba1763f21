"""No publisher speaks for an org it does not own: an event's org_id is believed only from the org's publishers.

Before: any principal with events:PutEvents on the bus could use any org's settings, sender identity, buyer
channels and attachments by naming its org_id.
"""

from __future__ import annotations

import pytest
from router_harness import RouterHarness
from unit_factories import ORG_ID, profile

from notify_core.domain.publishers import PLATFORM_SOURCE, Publishers, refusal

pytestmark = pytest.mark.unit

BOUND = profile(publishers=Publishers(sources=("payments",), accounts=("111122223333",)))


def test_an_org_hears_from_the_sources_its_settings_name():
    r = RouterHarness(org_profile=BOUND)
    assert r.event(source="payments")["queued"] == 3


def test_an_event_from_another_source_is_quarantined_source_not_allowed_and_nothing_is_read_further():
    r = RouterHarness(org_profile=BOUND)
    assert r.event(source="crm.orders") == {"quarantined": "source_not_allowed"}
    [q] = r.quarantine.events
    assert q["detail"] == "source 'crm.orders' does not publish for org 'org-hutki' (its settings name ['payments'])"
    assert r.queues.messages == [] and r.log.items == {} and r.inbox.rows == []
    [record] = r.records.for_event(ORG_ID, "evt-0001")
    assert (record.outcome, record.reason, record.source) == ("quarantined", "source_not_allowed", "crm.orders")


def test_the_account_is_checked_when_the_org_names_accounts():
    r = RouterHarness(org_profile=BOUND)
    # unit_factories' envelopes come from account 111122223333; another account with the right source is refused
    import json

    from unit_factories import envelope

    raw = envelope()
    raw["account"] = "999999999999"
    assert r.body(json.dumps(raw)) == {"quarantined": "source_not_allowed"}
    assert "account 999999999999 does not publish for org 'org-hutki'" in r.quarantine.events[0]["detail"]


def test_an_envelope_without_an_account_is_judged_by_its_source_alone():
    # moto's envelopes carry no account; AWS's always do (and no producer can set it).
    assert (
        refusal(
            org_id="o",
            source="payments",
            event_type="payment.paid",
            account=None,
            publishers=BOUND.publishers,
            required=False,
        )
        is None
    )


def test_an_org_that_names_no_publishers_hears_from_any_by_default():
    r = RouterHarness()
    assert "queued" in r.event(source="anything.at.all")


def test_a_deployment_may_require_every_org_to_name_its_publishers():
    r = RouterHarness(publishers_required=True)
    assert r.event(source="payments") == {"quarantined": "source_not_allowed"}
    assert "names no publishers" in r.quarantine.events[0]["detail"]
    assert "queued" in RouterHarness(org_profile=BOUND, publishers_required=True).event(source="payments")


def test_an_org_that_names_an_empty_list_hears_from_nobody():
    r = RouterHarness(org_profile=profile(publishers=Publishers(sources=())))
    assert r.event(source="payments") == {"quarantined": "source_not_allowed"}


def test_the_platform_source_speaks_for_every_org_but_only_with_platform_events():
    r = RouterHarness(org_profile=BOUND)
    assert r.event(source=PLATFORM_SOURCE) == {"quarantined": "source_not_allowed"}  # payment.paid: not the platform's
    # its alert, and the reminders of pending items and appointments
    platform_types = sorted(
        {"approval.requested", "appointment.reminder", "chat.message_received", "signature.requested"}
        | {"invoice.overdue", "invoice.expiring", "bill.overdue", "cheque.due"}
        | {"url_notification.failed"}
        | {"user.activity", "activity.summary"}  # the activity reports of the report tick
    )
    assert f"publishes only {platform_types}" in r.quarantine.events[0]["detail"]
    assert r.settings.loads == []  # refused before the org's settings were read
    data = {"url": "https://erp.example/x", "last_error": "HTTP 503", "attempts": 3, "endpoint_id": "erp"}
    assert "quarantined" not in r.event("url_notification.failed", source=PLATFORM_SOURCE, data=data)
