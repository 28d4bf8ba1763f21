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
    FakeEventRecords,
    FakeInbox,
    FakePages,
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
    def __init__(self, *, users=None, queues=None, renderer=None, directory=None, page_size=1000) -> None:
        self.settings = FakeSettings(directory or org())
        self.users = users or FakeUsers()
        self.suppressions = FakeSuppressions()
        self.log = FakeDeliveryLog()
        self.inbox = FakeInbox()
        self.queues = queues or FakeQueues()
        self.quarantine = FakeQuarantine()
        self.records = FakeRoutingRecords()
        self.pages = FakePages()
        self.events = FakeEventRecords()
        self.dispatcher = Dispatcher(
            settings=self.settings,
            users=self.users,
            suppressions=self.suppressions,
            deliveries=self.log,
            inbox=self.inbox,
            queues=self.queues,
            quarantine=self.quarantine,
            renderer=renderer or FakeRenderer(),
            pages=self.pages,
            events=self.events,
            records=self.records,
            page_size=page_size,
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
    r.handle()
    assert r.handle() == {"org_id": ORG_ID, "event_id": "evt-0001", "duplicate": True}
    assert len(r.queues.messages) == 3 and r.settings.loads == [(ORG_ID, "payment.paid_or_reversed")]


def overdue_to_ivan(r: Router) -> dict:
    data = {"invoice_number": "A-1", "due_date": "2026-02-20", "amount": "5", "currency": "BYN", "days_overdue": 9}
    return r.handle("invoice.overdue", data=data)


def test_an_event_cut_off_mid_routing_routes_again_writing_only_what_is_missing():
    r = Router()
    assert overdue_to_ivan(r)["inapp"] == 1
    [row] = r.inbox.rows
    row["read"] = True  # Ivan read it
    # The first attempt was cut off after its writes, before the event counted as routed: only begun.
    [(key, seen)] = r.events.records.items()
    assert seen.routed is True
    r.events.records[key] = seen._replace(routed=False)
    again = overdue_to_ivan(r)
    assert again["inapp"] == 1 and "duplicate" not in again
    assert [x.get("read") for x in r.inbox.rows] == [True]  # written create-only: Ivan's message stays read
    assert r.events.records[key].routed is True


def test_a_new_event_is_marked_begun_before_its_first_write():
    r = Router()
    begun: list[bool] = []

    class Watching(FakeInbox):
        def write(self, items, *, fresh=False):
            begun.append(fresh and bool(r.events.records) and not any(s.routed for s in r.events.records.values()))
            super().write(items, fresh=fresh)

    r.inbox = r.dispatcher.inbox = Watching()
    overdue_to_ivan(r)
    assert begun == [True] and all(s.routed for s in r.events.records.values())


def test_an_event_id_reused_for_another_event_is_quarantined_naming_both_types():
    r = Router()
    r.handle("payment.paid")
    reversed_ = {"amount": "120.50", "currency": "BYN", "payment_id": "pay-1", "reason": "refund"}
    assert r.handle("payment.reversed", data=reversed_) == {"quarantined": "event_id_reused"}
    [q] = r.quarantine.events
    assert "routed as payment.paid" in q["detail"] and "this payment.reversed" in q["detail"]
    assert len(r.queues.messages) == 3


def test_a_batch_of_one_orgs_events_reads_the_settings_once_and_queues_together():
    r = Router()
    bodies = [json.dumps(envelope(event_id=f"evt-{n}")) for n in range(5)]
    batch = r.dispatcher.open_batch(bodies)
    for body in bodies:
        r.dispatcher.route(batch, body)
    r.dispatcher.flush(batch)
    assert r.settings.loads == [(ORG_ID, "payment.paid_or_reversed")]
    assert len(r.queues.messages) == 15 and r.queues.calls == 1


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


# --- a large audience, in pages ------------------------------------------------------------------------


def org_with_holders(n: int) -> OrgDirectory:
    d = org()
    d.members = [Member(f"u-{i}", f"User {i}", email=f"u{i}@org.example") for i in range(n)]
    d.grants = [PermissionGrant("payments:edit", f"u-{i}", f"User {i}", email=f"u{i}@org.example") for i in range(n)]
    return d


def test_a_large_audience_routes_in_pages_each_its_own_message_and_each_holder_once():
    r = Router(directory=org_with_holders(5), page_size=2)
    first = r.handle()
    holders_emails = lambda: sorted(m["address"] for m in r.queues.messages if m["address"].startswith("u"))  # noqa: E731
    assert holders_emails() == ["u0@org.example", "u1@org.example"]  # page 1: the subscribers, 2 holders
    assert first["queued"] == 3 + 2
    pages_routed = 0
    while r.pages.bodies:
        body = r.pages.bodies.pop(0)
        assert json.loads(body)["notify-page"]["permission"] == "payments:edit"
        summary = r.dispatcher.handle_body(body, message_id=f"page-{pages_routed}")
        assert summary["queued"] == summary["inapp"]  # each holder: an email and an in-app message
        pages_routed += 1
        assert r.dispatcher.handle_body(body)["duplicate"] is True  # a page delivered twice is routed once
    assert pages_routed == 2  # holders 2-3, then 4 (a short page ends the series)
    assert holders_emails() == [f"u{i}@org.example" for i in range(5)]  # each holder once
    assert sorted(row["user_id"] for row in r.inbox.rows) == [f"u-{i}" for i in range(5)]
    subscribers = [m for m in r.queues.messages if m["address"] in ("anna@org.example", "boris@org.example")]
    assert len(subscribers) == 2  # the other audiences only on the first page
    assert r.settings.loads.count((ORG_ID, "page:payments:edit")) == 2


def test_a_forged_page_position_outside_its_permission_is_quarantined_not_read():
    r = Router(directory=org_with_holders(3), page_size=2)
    r.handle()
    page = json.loads(r.pages.bodies[0])
    page["notify-page"]["after"] = "CONTACT#anna"  # not a position among the holders
    assert r.dispatcher.handle_body(json.dumps(page))["quarantined"] == "unreadable"
