"""Hutkigrosh / ERIP (products.md §3) end to end: organisation, service and point-of-sale cards, buyers."""

from __future__ import annotations

from typing import Any

import pytest

from notify_core.adapters.dynamodb.settings_table import subscription_sk
from tests.conftest import put_event, recent

pytestmark = pytest.mark.e2e

ORG = "hutki-erip"
PAID_OR_REVERSED = "payment.paid_or_reversed"


def erip_settings(receiver_url: str, *, without_groups: tuple[str, ...] = ()) -> dict[str, Any]:
    contacts = [
        ("director", "Anna Director", "anna@hutki.example", "+375 29 111-11-11"),
        ("water", "Boris Water", "boris@hutki.example", "+375 29 222-22-22"),
        ("cashier1", "Cashier Shop 1", "shop1@hutki.example", None),
        ("cashier2", "Cashier Shop 2", "shop2@hutki.example", None),
        ("it", "Igor IT", "igor@hutki.example", "+375 29 333-33-33"),
        ("accountant", "Vera Accountant", "vera@hutki.example", None),
    ]
    subscriptions = [
        {
            "group": PAID_OR_REVERSED,
            "scope": "org",
            "channels": {"email": ["director"], "sms": ["director"], "webhook": ["erp"]},
        },
        {"group": PAID_OR_REVERSED, "scope": "service:water", "channels": {"email": ["water"], "sms": ["water"]}},
        {"group": PAID_OR_REVERSED, "scope": "point:shop-1", "channels": {"email": ["cashier1"]}},
        {"group": PAID_OR_REVERSED, "scope": "point:shop-2", "channels": {"email": ["cashier2"]}},
        {"group": "url_notification.failed", "scope": "org", "channels": {"email": ["it"]}},
        {"group": "ftp_list.processed", "scope": "org", "channels": {"email": ["accountant"]}},
    ]
    return {
        "org_id": ORG,
        "name": "Hutki Water",
        "email_from": "notifications@hutki.example",
        "default_phone_region": "BY",
        "contacts": [
            {
                "id": cid,
                "name": name,
                "position": "staff",
                "emails": [{"address": email}],
                "phones": [{"number": phone}] if phone else [],
            }
            for cid, name, email, phone in contacts
        ],
        "webhook_endpoints": [{"id": "erp", "url": f"{receiver_url}/hooks/erp"}],
        "subscriptions": [s for s in subscriptions if s["group"] not in without_groups],
        # The admin enabled these channels for buyer events; invoice.paid is not offered to buyers at all.
        "buyer_channels": {"invoice.issued": ["email"], "invoice.expiring": ["email"]},
    }


@pytest.fixture
def erip(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(erip_settings(notify_runtime.receiver.url))
    return notify_runtime


def detail(
    event_id: str,
    data: dict[str, Any],
    *,
    subject_type: str = "payment",
    service: str | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    scope = {k: v for k, v in (("service_id", service), ("point_id", point)) if v}
    return {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": subject_type, "id": event_id, "scope": scope},
        "data": data,
        **extra,
    }


PAID = {"amount": "120.50", "currency": "BYN", "payment_id": "pay-1", "account": "10042"}
REVERSED = {**PAID, "reason": "payer request"}
REFUND_CREATED = {"amount": "20.00", "currency": "BYN", "refund_id": "ref-17", "payment_id": "pay-1"}
REFUND_CHANGED = {"refund_id": "ref-17", "payment_id": "pay-1", "status": "approved", "previous_status": "pending"}


def emails_by_address(out) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for e in out.emails:
        for address in e.to:
            got.setdefault(address, []).append(e.subject)
    return got


@pytest.mark.parametrize(
    ("detail_type", "data", "subject", "service", "point", "emailed", "texted"),
    [
        (
            "payment.paid",
            PAID,
            "Payment received: 120.50 BYN (account 10042)",
            "water",
            "shop-1",
            ["anna@hutki.example", "boris@hutki.example", "shop1@hutki.example"],
            ["+375291111111", "+375292222222"],
        ),
        (
            "payment.reversed",
            REVERSED,
            "Payment reversed: 120.50 BYN",
            "water",
            "shop-2",
            ["anna@hutki.example", "boris@hutki.example", "shop2@hutki.example"],
            ["+375291111111", "+375292222222"],
        ),
        (
            "payment.paid",
            PAID,
            "Payment received: 120.50 BYN (account 10042)",
            "water",
            None,
            ["anna@hutki.example", "boris@hutki.example"],
            ["+375291111111", "+375292222222"],
        ),
        (
            "payment.paid",
            PAID,
            "Payment received: 120.50 BYN (account 10042)",
            "gas",
            "shop-9",
            ["anna@hutki.example"],
            ["+375291111111"],
        ),
    ],
    ids=["paid-at-shop-1", "reversed-at-shop-2", "paid-at-service", "paid-elsewhere"],
)
def test_an_event_reaches_its_point_its_service_and_the_organisation(
    erip, detail_type, data, subject, service, point, emailed, texted
):
    put_event(erip, detail_type, detail(f"{detail_type}-{service}-{point}", data, service=service, point=point))
    erip.wait_idle()
    out = erip.outbox()

    assert emails_by_address(out) == {address: [subject] for address in emailed}
    assert sorted(s.to for s in out.sms) == texted
    [hook] = erip.receiver.received("/hooks/erp")  # the organisation's URL notification
    assert hook.json()["type"] == detail_type
    assert hook.json()["data"]["subject"]["scope"] == {
        k: v for k, v in (("service_id", service), ("point_id", point)) if v
    }
    reasons = {d["address"]: d["reasons"] for d in out.deliveries_with(channel="email", status="sent")}
    assert reasons["anna@hutki.example"] == [f"subscription:{PAID_OR_REVERSED}@org"]
    if service == "water":
        assert reasons["boris@hutki.example"] == [f"subscription:{PAID_OR_REVERSED}@service#water"]
    if point in ("shop-1", "shop-2"):
        address = f"{point.replace('-', '')}@hutki.example"
        assert reasons[address] == [f"subscription:{PAID_OR_REVERSED}@point#{point}"]
    assert sorted(d["status"] for d in out.deliveries) == ["sent"] * (len(emailed) + len(texted) + 1)


@pytest.mark.parametrize(
    ("detail_type", "data", "subject", "sms_text"),
    [
        (
            "refund.created",
            REFUND_CREATED,
            "Refund request ref-17 created",
            "Hutki Water: refund request ref-17, 20.00 BYN.",
        ),
        (
            "refund.status_changed",
            REFUND_CHANGED,
            "Refund request ref-17: approved",
            "Hutki Water: refund request ref-17 is now approved.",
        ),
    ],
    ids=["created", "status-changed"],
)
def test_refund_events_reach_email_and_sms_subscribers_of_paid_reversed_not_the_url(
    erip, detail_type, data, subject, sms_text
):
    put_event(erip, detail_type, detail("ref-17", data, subject_type="refund", service="water", point="shop-1"))
    erip.wait_idle()
    out = erip.outbox()

    assert emails_by_address(out) == {
        "anna@hutki.example": [subject],
        "boris@hutki.example": [subject],
        "shop1@hutki.example": [subject],
    }
    assert sorted((s.to, s.text) for s in out.sms) == [("+375291111111", sms_text), ("+375292222222", sms_text)]
    assert erip.receiver.received("/hooks/erp") == []  # the URL cell of paid/reversed does not get refunds
    assert out.deliveries_with(channel="webhook") == []
    assert {d["status"] for d in out.deliveries} == {"sent"}


def test_url_notification_failure_is_emailed_to_the_contacts_subscribed_to_it(erip):
    data = {
        "url": "https://erp.hutki.example/erip/notify",
        "last_error": "HTTP 503 Service Unavailable",
        "attempts": 5,
        "endpoint_id": "erp",
        "payment_id": "pay-981",
        "notification_type": "payment.paid",
        "http_status": 503,
    }
    put_event(erip, "url_notification.failed", detail("urlfail-1", data, subject_type="endpoint"))
    erip.wait_idle()
    out = erip.outbox()

    assert emails_by_address(out) == {
        "igor@hutki.example": ["URL notification to https://erp.hutki.example/erip/notify failed"],
    }
    [mail] = out.emails
    assert "HTTP 503 Service Unavailable" in mail.html and "Attempts: 5" in mail.html
    assert out.sms == [] and out.webhooks == []  # email only, though Igor has a phone
    [d] = out.deliveries
    assert (d["status"], d["reasons"]) == ("sent", ["subscription:url_notification.failed@org"])


def test_ftp_list_result_is_emailed_to_the_contacts_subscribed_to_it(erip):
    data = {
        "file_name": "invoices_20260301.xml",
        "result": "partially_accepted",
        "records_total": 120,
        "records_failed": 2,
        "errors": ["record 17: unknown account 10999"],
    }
    put_event(erip, "ftp_list.processed", detail("ftp-1", data, subject_type="ftp_list"))
    erip.wait_idle()
    out = erip.outbox()

    assert emails_by_address(out) == {"vera@hutki.example": ["FTP list invoices_20260301.xml: partly accepted"]}
    [mail] = out.emails
    assert "Records: 120, with errors: 2" in mail.html and "record 17: unknown account 10999" in mail.html
    [d] = out.deliveries
    assert (d["status"], d["reasons"]) == ("sent", ["subscription:ftp_list.processed@org"])


def test_buyer_gets_only_the_events_ticked_on_the_invoice_on_channels_enabled_for_buyers(erip):
    olga = {
        "name": "Olga",
        "email": "olga@buyer.example",
        "phone": "+375447001122",
        "channels": ["email", "sms"],
        "events": ["invoice.issued", "invoice.expiring"],
    }
    pavel = {
        "name": "Pavel",
        "email": "pavel@buyer.example",
        "phone": "+375447003344",
        "channels": ["email", "sms"],
        "events": ["invoice.paid"],
    }
    invoice = {"amount": "45.00", "currency": "BYN", "invoice_number": "42", "issuer_name": "Hutki Water"}
    put_event(
        erip, "invoice.issued", detail("inv-42-issued", invoice, subject_type="invoice", recipients=[olga, pavel])
    )
    put_event(erip, "invoice.paid", detail("inv-42-paid", invoice, subject_type="invoice", recipients=[olga, pavel]))
    put_event(
        erip,
        "invoice.expiring",
        detail(
            "inv-42-expiring", {**invoice, "expires_on": "2026-12-01"}, subject_type="invoice", recipients=[olga, pavel]
        ),
    )
    erip.wait_idle()
    out = erip.outbox()

    # Olga: the two events she was ticked for, by email; Pavel: invoice.paid only, which buyers cannot get.
    assert sorted(e.subject for e in out.emails_to("olga@buyer.example")) == [
        "Invoice 42 from Hutki Water",
        "Invoice 42 from Hutki Water expires on 2026-12-01",
    ]
    assert out.emails_to("pavel@buyer.example") == []
    assert len(out.emails) == 2
    assert out.sms == []  # SMS is enabled for no buyer event; invoice.expiring is email only anyway

    skipped = out.deliveries_with(status="skipped")
    assert sorted((d["event_type"], d["channel"], d["address"], d["error_code"]) for d in skipped) == [
        ("invoice.issued", "sms", "+375447001122", "channel_not_enabled_for_buyers"),
        ("invoice.paid", "email", "pavel@buyer.example", "channel_not_enabled_for_buyers"),
        ("invoice.paid", "sms", "+375447003344", "channel_not_enabled_for_buyers"),
    ]
    sent = out.deliveries_with(status="sent")
    assert sorted((d["event_type"], d["address"], tuple(d["reasons"])) for d in sent) == [
        ("invoice.expiring", "olga@buyer.example", ("event_recipient",)),
        ("invoice.issued", "olga@buyer.example", ("event_recipient",)),
    ]
    assert len(out.deliveries) == 5  # nothing logged for the events a buyer did not opt into


def test_a_subscription_naming_an_unknown_contact_does_not_stop_the_others(erip):
    # Written behind the document's back (the document itself refuses unknown contacts).
    erip.admin.settings_table.m.Subscription(
        org_id=ORG,
        sk=subscription_sk("url_notification.failed", "org"),
        group="url_notification.failed",
        scope="org",
        channels={"email": ["ghost", "it", "accountant"]},
    ).save()
    data = {
        "url": "https://erp.hutki.example/erip/notify",
        "last_error": "timeout",
        "attempts": 3,
        "endpoint_id": "erp",
    }
    put_event(erip, "url_notification.failed", detail("urlfail-ghost", data, subject_type="endpoint"))
    erip.wait_idle()
    out = erip.outbox()

    subject = "URL notification to https://erp.hutki.example/erip/notify failed"
    assert emails_by_address(out) == {"igor@hutki.example": [subject], "vera@hutki.example": [subject]}
    assert sorted(d["status"] for d in out.deliveries) == ["sent", "sent"]
    assert out.quarantined == []


def test_an_event_of_a_group_nobody_subscribed_to_delivers_nothing(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(erip_settings(rt.receiver.url, without_groups=("ftp_list.processed",)))
    data = {"file_name": "invoices_20260302.xml", "result": "accepted", "records_total": 10, "records_failed": 0}
    put_event(rt, "ftp_list.processed", detail("ftp-nobody", data, subject_type="ftp_list"))
    rt.wait_idle()
    out = rt.outbox()

    assert out.emails == [] and out.sms == [] and out.webhooks == []
    assert out.deliveries_with(status="sent") == []
    assert out.deliveries == []
    assert out.quarantined == []  # a valid event: routed to no one, not rejected
