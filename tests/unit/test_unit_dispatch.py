"""The router's orchestration with in-memory ports: validate or quarantine, load, route, record, write the inbox,
queue; once per event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from unit_factories import ORG_ID, contact, envelope, profile, subscription

from notify_core.domain.org_settings import Member, OrgDirectory, PermissionGrant
from notify_core.domain.templates import TemplateRenderError
from notify_core.services.dispatch import Dispatcher
from tests.fakes import (
    FakeDeliveryLog,
    FakeInbox,
    FakeOnce,
    FakeQuarantine,
    FakeQueues,
    FakeRenderer,
    FakeRoutingRecords,
    FakeSettings,
    FakeSuppressions,
    FakeUsers,
)

pytestmark = pytest.mark.unit
# The factories' events happened at 2026-03-01T10:15:00Z: the router reads them five minutes later.
NOW = datetime(2026, 3, 1, 10, 20, tzinfo=UTC)


def org() -> OrgDirectory:
    anna = contact("anna", emails=[("anna@org.example", "work")], phones=[("+375 29 123-45-67", "work")])
    boris = contact("boris", emails=[("boris@org.example", "work")])
    ivan = Member("u-ivan", "Ivan", email="ivan@org.example")
    return OrgDirectory(
        org_id=ORG_ID,
        profile=profile(),
        contacts=[anna, boris],
        subscriptions=[subscription({"email": ["anna", "boris"], "sms": ["anna"]})],
        members=[ivan],
        grants=[PermissionGrant("invoices:edit", "u-ivan", "Ivan", email="ivan@org.example")],
    )


class Router:
    def __init__(self, *, users=None, queues=None, renderer=None) -> None:
        self.settings = FakeSettings(org())
        self.users = users or FakeUsers()
        self.suppressions = FakeSuppressions()
        self.log = FakeDeliveryLog()
        self.inbox = FakeInbox()
        self.queues = queues or FakeQueues()
        self.quarantine = FakeQuarantine()
        self.records = FakeRoutingRecords()
        self.dispatcher = Dispatcher(
            settings=self.settings,
            users=self.users,
            suppressions=self.suppressions,
            deliveries=self.log,
            inbox=self.inbox,
            queues=self.queues,
            quarantine=self.quarantine,
            renderer=renderer or FakeRenderer(),
            once=FakeOnce(),
            records=self.records,
            clock=lambda: NOW,
        )

    def handle(self, event_type: str = "payment.paid", **detail) -> dict:
        return self.dispatcher.handle_body(json.dumps(envelope(event_type, **detail)), message_id="m-1")


def test_an_event_is_routed_to_queued_messages_with_what_a_sender_needs():
    r = Router()
    assert r.handle() == {"queued": 3, "inapp": 0, "failed": 0, "skipped": [], "problems": []}
    queued = {(m["channel"], m["address"]) for m in r.queues.messages}
    assert queued == {("email", "anna@org.example"), ("email", "boris@org.example"), ("sms", "+375291234567")}
    m = next(m for m in r.queues.messages if m["channel"] == "sms")
    assert m["org"] == {"name": "Hutki Water", "email_from": "billing@hutki.example"}
    assert m["event"]["data"]["amount"] == "120.50" and m["reasons"] == ["subscription:payment.paid_or_reversed@org"]
    assert r.log.items == {} and r.quarantine.events == []


def test_the_same_event_twice_is_routed_once():
    r = Router()
    first = r.handle()
    assert r.handle() == first
    assert len(r.queues.messages) == 3 and r.settings.loads == [(ORG_ID, "payment.paid_or_reversed")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "malformed_envelope"),
        (json.dumps({"detail-type": "payment.paid"}), "malformed_envelope"),
        (json.dumps(envelope("payment.teleported", event_detail={"org_id": ORG_ID})), "unknown_event_type"),
        (json.dumps(envelope(event_detail={"org_id": ORG_ID})), "invalid_detail"),
        (json.dumps(envelope(data={"amount": "-1", "currency": "BYN", "payment_id": "p"})), "invalid_data"),
    ],
)
def test_an_invalid_event_is_quarantined_with_its_reason_and_nothing_else_happens(body, reason):
    r = Router()
    assert r.dispatcher.handle_body(body, message_id="m-9") == {"quarantined": reason}
    [q] = r.quarantine.events
    assert (q["reason"], q["event"], q["source_message_id"]) == (reason, body, "m-9")
    assert r.queues.messages == [] and r.log.items == {} and r.settings.loads == []


def test_suppressed_and_opted_out_recipients_are_logged_skipped_not_queued():
    r = Router()
    r.suppressions.suppress("email", "boris@org.example", "bounce")
    r.suppressions.opt_out(ORG_ID, "+375291234567")
    summary = r.handle()
    assert summary["queued"] == 1 and summary["skipped"] == ["suppressed:bounce", "suppressed:opt_out"]
    assert {(d.address, d.status, d.error_code) for d in r.log.items.values()} == {
        ("boris@org.example", "skipped", "suppressed:bounce"),
        ("+375291234567", "skipped", "suppressed:opt_out"),
    }


def test_a_member_who_switched_email_off_is_logged_skipped_and_still_gets_the_inbox():
    r = Router(users=FakeUsers({"u-ivan"}))
    detail = {"invoice_number": "INV-7", "due_date": "2026-02-01", "amount": "10", "currency": "EUR", "days_overdue": 3}
    summary = r.handle("invoice.overdue", data=detail)
    assert summary["inapp"] == 1 and summary["skipped"] == ["preference:email_off"]
    [row] = r.inbox.rows
    assert (row["user_id"], row["title"]) == ("u-ivan", "inapp:title:invoice.overdue")
    assert [(d.address, d.status) for d in r.log.items.values()] == [("ivan@org.example", "skipped")]


def test_an_inapp_template_error_is_recorded_failed_not_raised():
    r = Router(renderer=FakeRenderer(TemplateRenderError("invoice.overdue/inapp: boom")))
    detail = {"invoice_number": "INV-7", "due_date": "2026-02-01", "amount": "10", "currency": "EUR", "days_overdue": 3}
    summary = r.handle("invoice.overdue", data=detail)
    assert summary["failed"] == 1 and r.inbox.rows == []
    [failed] = [d for d in r.log.items.values() if d.channel == "inapp"]
    assert (failed.status, failed.error_code) == ("failed", "template_error")


def test_an_invalid_address_is_logged_failed_and_the_others_still_go():
    r = Router()
    buyer = {"name": "Olga", "email": "not-an-address", "phone": "+375447001122", "channels": ["email", "sms"]}
    r.settings.orgs[ORG_ID].profile = profile(buyer_channels={"invoice.issued": ("email", "sms")})
    data = {"invoice_number": "A-1", "amount": "5", "currency": "BYN"}
    summary = r.handle("invoice.issued", data=data, recipients=[buyer])
    assert summary["failed"] == 1 and summary["queued"] == 1
    [bad] = r.log.items.values()
    assert (bad.address, bad.status, bad.error_code) == ("not-an-address", "failed", "invalid_address")


def test_a_queue_failure_raises_so_the_event_is_retried_whole():
    r = Router(queues=FakeQueues(fail=True))
    with pytest.raises(RuntimeError, match="SendMessageBatch"):
        r.handle()
