"""Elorus (products.md §1) end to end: members who can edit the section, in-app always, email per user, Slack
per org."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import put_event, recent

pytestmark = pytest.mark.e2e

ORG_A = "elorus-a"
ORG_B = "elorus-b"

# Members of an Elorus organisation, by what they may do.
ADMIN = {"user_id": "u-eleni", "name": "Eleni", "email": "Eleni@Papadopoulos.example", "roles": ["admin"]}
INVOICE_VIEWER = {
    "user_id": "u-kostas",
    "name": "Kostas",
    "email": "kostas@papadopoulos.example",
    "permissions": ["invoices:view"],
}
INVOICE_EDITOR = {
    "user_id": "u-maria",
    "name": "Maria",
    "email": "maria@papadopoulos.example",
    "permissions": ["invoices:edit"],
}
ESTIMATE_EDITOR = {
    "user_id": "u-nikos",
    "name": "Nikos",
    "email": "nikos@papadopoulos.example",
    "permissions": ["estimates:edit"],
}
ESTIMATE_VIEWER = {
    "user_id": "u-sofia",
    "name": "Sofia",
    "email": "sofia@papadopoulos.example",
    "permissions": ["estimates:view", "payments:view"],
}
PAYMENTS_EDITOR = {
    "user_id": "u-dimitra",
    "name": "Dimitra",
    "email": "dimitra@papadopoulos.example",
    "permissions": ["payments:edit"],
}
EVERYONE = [ADMIN, INVOICE_VIEWER, INVOICE_EDITOR, ESTIMATE_EDITOR, ESTIMATE_VIEWER, PAYMENTS_EDITOR]


def elorus_settings(org: str, members: list[dict[str, Any]], *, slack_url: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "org_id": org,
        "name": f"Papadopoulos ({org})",
        "email_from": f"notifications@{org}.example",
        "members": members,
    }
    if slack_url:
        doc["slack"] = {"enabled": True, "webhook_url": slack_url}
    return doc


def detail(org: str, event_id: str, subject_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "org_id": org,
        "event_id": event_id,
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": subject_type, "id": event_id},
        "data": data,
    }


OVERDUE = {
    "invoice_number": "INV-2026-097",
    "due_date": "2026-02-20",
    "amount": "620.00",
    "currency": "EUR",
    "days_overdue": 9,
    "client_name": "Papadopoulos S.A.",
}
GREEK_THE_CLIENT = "\u039f πελάτης"  # "O pelatis" (Greek capital omicron): "the client"
PAID = {
    "amount": "1250.00",
    "currency": "EUR",
    "payment_id": "pay-77",
    "invoice_number": "INV-2026-101",
    "payer_name": "Ioannou Ltd",
}


def emails_by_address(out) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for e in out.emails:
        for address in e.to:
            got.setdefault(address, []).append(e.subject)
    return got


def inbox_titles(rt, org: str, user_id: str) -> list[str]:
    return [i["title"] for i in rt.inbox(org, user_id)]


def test_overdue_invoice_reaches_who_can_edit_invoices_not_a_viewer(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(elorus_settings(ORG_A, EVERYONE))
    put_event(rt, "invoice.overdue", detail(ORG_A, "ovd-97", "invoice", OVERDUE))
    rt.wait_idle()
    out = rt.outbox()

    subject = "Invoice INV-2026-097 is 9 days overdue"
    assert emails_by_address(out) == {
        "eleni@papadopoulos.example": [subject],  # the admin always gets overdue notices
        "maria@papadopoulos.example": [subject],  # invoices:edit
    }
    [admin_mail] = out.emails_to("eleni@papadopoulos.example")
    assert admin_mail.sender == f"notifications@{ORG_A}.example"
    assert "Hello Eleni" in admin_mail.html and "620.00 EUR" in admin_mail.html
    assert "Papadopoulos S.A." in admin_mail.html

    for user_id in ("u-eleni", "u-maria"):
        [item] = rt.inbox(ORG_A, user_id)
        assert item["title"] == "Invoice INV-2026-097 is overdue"
        assert item["body"] == "620.00 EUR from Papadopoulos S.A., due 2026-02-20 (9 days ago)."
        assert item["reasons"] == ["permission:invoices:edit"]
        assert item["read"] is False
    # A collaborator who can only view invoices, and members of other sections, get nothing at all.
    for user_id in ("u-kostas", "u-nikos", "u-sofia", "u-dimitra"):
        assert rt.inbox(ORG_A, user_id) == []
    assert not any("kostas" in d["address"] for d in out.deliveries)

    sent = out.deliveries_with(status="sent")
    assert sorted(d["address"] for d in sent) == ["eleni@papadopoulos.example", "maria@papadopoulos.example"]
    assert all(d["reasons"] == ["permission:invoices:edit"] and d["channel"] == "email" for d in sent)
    assert out.webhooks == []  # no Slack configured for this org


def test_user_who_switched_email_off_gets_in_app_only_in_every_org(notify_runtime):
    rt = notify_runtime
    # Eleni is the admin of two organisations (same user id); her email switch is one, for both.
    rt.apply_settings(elorus_settings(ORG_A, [ADMIN, INVOICE_EDITOR]))
    rt.apply_settings(
        elorus_settings(
            ORG_B,
            [
                {**ADMIN, "email": "eleni@ioannou.example"},
                {**INVOICE_EDITOR, "user_id": "u-petros", "name": "Petros", "email": "petros@ioannou.example"},
            ],
        )
    )
    rt.set_email_enabled("u-eleni", False)  # one switch for every org (notify users email-off u-eleni)
    put_event(rt, "invoice.overdue", detail(ORG_A, "ovd-a", "invoice", OVERDUE))
    put_event(rt, "invoice.overdue", detail(ORG_B, "ovd-b", "invoice", {**OVERDUE, "invoice_number": "B-12"}))
    rt.wait_idle()
    out = rt.outbox()

    # Her colleagues, whose switch is on, still get their emails; she gets none, in either org.
    assert emails_by_address(out) == {
        "maria@papadopoulos.example": ["Invoice INV-2026-097 is 9 days overdue"],
        "petros@ioannou.example": ["Invoice B-12 is 9 days overdue"],
    }
    assert inbox_titles(rt, ORG_A, "u-eleni") == ["Invoice INV-2026-097 is overdue"]
    assert inbox_titles(rt, ORG_B, "u-eleni") == ["Invoice B-12 is overdue"]

    skipped = out.deliveries_with(status="skipped")
    assert sorted((d["org_id"], d["channel"], d["address"], d["error_code"]) for d in skipped) == [
        (ORG_A, "email", "eleni@papadopoulos.example", "preference:email_off"),
        (ORG_B, "email", "eleni@ioannou.example", "preference:email_off"),
    ]
    assert all(d["recipient_name"] == "Eleni" for d in skipped)


def test_slack_is_per_org_one_message_where_enabled_none_elsewhere(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    receiver.respond(f"/slack/{ORG_A}", 200, body="ok")
    receiver.respond(f"/slack/{ORG_B}", 200, body="ok")  # would answer, but B never configured Slack
    rt.apply_settings(
        elorus_settings(ORG_A, [PAYMENTS_EDITOR, INVOICE_VIEWER], slack_url=f"{receiver.url}/slack/{ORG_A}")
    )
    rt.apply_settings(elorus_settings(ORG_B, [PAYMENTS_EDITOR]))
    put_event(rt, "payment.paid", detail(ORG_A, "pay-a", "payment", PAID))
    put_event(rt, "payment.paid", detail(ORG_B, "pay-b", "payment", PAID))
    rt.wait_idle()
    out = rt.outbox()

    [slack] = receiver.received(f"/slack/{ORG_A}")
    assert slack.status == 200
    message = slack.json()
    text = ":moneybag: Payment received: *1,250.00 EUR* from Ioannou Ltd (invoice INV-2026-101)"
    assert message["text"] == text
    assert message["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    assert [w.path for w in out.webhooks] == [f"/slack/{ORG_A}"]  # nothing for org B, on any path

    [slack_delivery] = out.deliveries_with(channel="slack")
    assert (slack_delivery["org_id"], slack_delivery["address"], slack_delivery["status"]) == (ORG_A, ORG_A, "sent")
    assert slack_delivery["reasons"] == ["org_slack"]

    # Members who edit payments see it in-app in both orgs; a viewer does not.
    for org in (ORG_A, ORG_B):
        [item] = rt.inbox(org, "u-dimitra")
        assert item["title"] == "Payment received: 1,250.00 EUR"
        assert item["body"] == "Ioannou Ltd paid 1,250.00 EUR for invoice INV-2026-101."
    assert rt.inbox(ORG_A, "u-kostas") == []


def test_estimate_accepted_reaches_estimate_editors_only(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(elorus_settings(ORG_A, EVERYONE))
    data = {
        "estimate_number": "EST-0057",
        "client_name": "Papadopoulos S.A.",
        "amount": "2480.00",
        "currency": "EUR",
        "comment": "Let's go ahead",
    }
    put_event(rt, "estimate.accepted", detail(ORG_A, "est-57", "estimate", data))
    rt.wait_idle()
    out = rt.outbox()

    subject = "Estimate EST-0057 accepted by Papadopoulos S.A."
    assert emails_by_address(out) == {"eleni@papadopoulos.example": [subject], "nikos@papadopoulos.example": [subject]}
    [mail] = out.emails_to("nikos@papadopoulos.example")
    assert "2,480.00 EUR" in mail.html and "Comment: Let&#39;s go ahead" in mail.html
    for user_id in ("u-eleni", "u-nikos"):
        [item] = rt.inbox(ORG_A, user_id)
        assert item["title"] == "Estimate EST-0057 accepted"
        assert item["body"] == "Papadopoulos S.A. accepted estimate EST-0057 (2,480.00 EUR)."
        assert item["reasons"] == ["permission:estimates:edit"]
    for user_id in ("u-kostas", "u-maria", "u-sofia", "u-dimitra"):  # estimates:view is not enough
        assert rt.inbox(ORG_A, user_id) == []


def test_failed_payment_reaches_payment_editors_only(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(elorus_settings(ORG_A, EVERYONE))
    data = {"amount": "99.00", "currency": "EUR", "invoice_number": "INV-2026-042", "reason": "card declined"}
    put_event(rt, "payment.failed", detail(ORG_A, "att-7", "payment", data))
    rt.wait_idle()
    out = rt.outbox()

    subject = "Payment failed for invoice INV-2026-042"
    assert emails_by_address(out) == {
        "eleni@papadopoulos.example": [subject],
        "dimitra@papadopoulos.example": [subject],
    }
    [mail] = out.emails_to("dimitra@papadopoulos.example")
    assert "99.00 EUR" in mail.html and "card declined" in mail.html
    for user_id in ("u-eleni", "u-dimitra"):
        assert inbox_titles(rt, ORG_A, user_id) == ["Payment failed: invoice INV-2026-042"]
    for user_id in ("u-kostas", "u-maria", "u-nikos", "u-sofia"):  # payments:view (Sofia) is not enough
        assert rt.inbox(ORG_A, user_id) == []
    assert out.sms == [] and out.webhooks == []


def test_client_viewed_invoice_in_app_names_the_client_and_the_invoice(notify_runtime):
    rt = notify_runtime
    greek_editor = {**INVOICE_EDITOR, "locale": "el"}
    rt.apply_settings(elorus_settings(ORG_A, [ADMIN, greek_editor, INVOICE_VIEWER]))
    data = {"invoice_number": "INV-2026-118", "client_name": "Georgiou & Co", "viewed_at": "2026-03-01T10:12:00Z"}
    put_event(rt, "invoice.viewed", detail(ORG_A, "view-118", "invoice", data))
    rt.wait_idle()
    out = rt.outbox()

    [item] = rt.inbox(ORG_A, "u-eleni")
    assert item["title"] == "Invoice INV-2026-118 viewed"
    assert item["body"] == "Georgiou & Co viewed invoice INV-2026-118."
    [greek] = rt.inbox(ORG_A, "u-maria")  # her own locale
    assert greek["title"] == "Προβολή τιμολογίου INV-2026-118"
    assert greek["body"] == f"{GREEK_THE_CLIENT} Georgiou & Co είδε το τιμολόγιο INV-2026-118."
    assert rt.inbox(ORG_A, "u-kostas") == []
    assert emails_by_address(out) == {
        "eleni@papadopoulos.example": ["Georgiou & Co viewed invoice INV-2026-118"],
        "maria@papadopoulos.example": [f"{GREEK_THE_CLIENT} Georgiou & Co είδε το τιμολόγιο INV-2026-118"],
    }
