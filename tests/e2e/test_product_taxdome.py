"""TaxDome Lite (products.md §5) end to end: every user linked to the client account with NOTIFY on gets an email."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import put_event, recent

pytestmark = pytest.mark.e2e

ORG = "studio-rossi"


def contact(
    cid: str, name: str, email: str, *, notify: bool = True, consent: bool | None = True, locale: str | None = None
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "id": cid,
        "name": name,
        "emails": [{"address": email}],
        "notify": notify,
        "consent": {} if consent is None else {"email": consent},
    }
    if locale:
        c["locale"] = locale
    return c


def taxdome_settings(subscriptions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "org_id": ORG,
        "name": "Studio Rossi",
        "email_from": "portale@studiorossi.example",
        "contacts": [
            contact("mario", "Mario Bianchi", "Mario@Bianchi.example"),
            contact("giulia", "Giulia Bianchi", "giulia@bianchi.example", locale="it"),
            contact("paolo", "Paolo Bianchi", "paolo@bianchi.example", notify=False),  # NOTIFY off
            contact("sara", "Sara Bianchi", "sara@bianchi.example", consent=None),  # never agreed to email
            contact("luca", "Luca Verdi", "luca@verdi.example"),  # another client's user
        ],
        "clients": [
            {"id": "c1", "name": "Bianchi S.r.l.", "contacts": ["mario", "giulia", "paolo", "sara"]},
            {"id": "c2", "name": "Verdi S.p.A.", "contacts": ["luca"]},
        ],
        "subscriptions": subscriptions or [],
    }


@pytest.fixture
def rossi(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(taxdome_settings())
    return notify_runtime


def detail(event_id: str, subject_type: str, data: dict[str, Any], *, client_id: str = "c1") -> dict[str, Any]:
    return {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": subject_type, "id": event_id, "client_id": client_id},
        "data": data,
    }


def emails_by_address(out) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for e in out.emails:
        for address in e.to:
            got.setdefault(address, []).append(e.subject)
    return got


SIGNATURE = {
    "document_name": "Engagement letter 2026.pdf",
    "due_date": "2026-03-10",
    "portal_url": "https://portal.studiorossi.example/documents/8812",
}


def test_signature_request_emails_every_linked_user_with_notify_on_and_consent(rossi):
    put_event(rossi, "signature.requested", detail("sig-8812", "document", SIGNATURE))
    rossi.wait_idle()
    out = rossi.outbox()

    assert emails_by_address(out) == {
        "mario@bianchi.example": ['Please sign "Engagement letter 2026.pdf"'],
        "giulia@bianchi.example": ["Documento da firmare: «Engagement letter 2026.pdf»"],  # her locale
    }
    [mail] = out.emails_to("mario@bianchi.example")
    assert mail.sender == "portale@studiorossi.example"
    assert "Hello Mario Bianchi" in mail.html and "Studio Rossi asks you to sign" in mail.html
    assert "by 2026-03-10" in mail.html and "https://portal.studiorossi.example/documents/8812" in mail.html

    by_address = {d["address"]: d for d in out.deliveries}
    assert sorted(by_address) == [  # Luca, a user of another client, is not even considered
        "giulia@bianchi.example",
        "mario@bianchi.example",
        "paolo@bianchi.example",
        "sara@bianchi.example",
    ]
    for address in ("mario@bianchi.example", "giulia@bianchi.example"):
        assert (by_address[address]["status"], by_address[address]["reasons"]) == ("sent", ["client_contact:c1"])
    assert (by_address["paolo@bianchi.example"]["status"], by_address["paolo@bianchi.example"]["error_code"]) == (
        "skipped",
        "notify_off",
    )
    assert (by_address["sara@bianchi.example"]["status"], by_address["sara@bianchi.example"]["error_code"]) == (
        "skipped",
        "no_consent:email",
    )
    assert by_address["paolo@bianchi.example"]["recipient_name"] == "Paolo Bianchi"


def test_an_item_for_another_client_reaches_only_that_clients_users(rossi):
    put_event(rossi, "signature.requested", detail("sig-9001", "document", SIGNATURE, client_id="c2"))
    rossi.wait_idle()
    out = rossi.outbox()
    assert emails_by_address(out) == {"luca@verdi.example": ['Please sign "Engagement letter 2026.pdf"']}
    assert [(d["address"], d["status"]) for d in out.deliveries] == [("luca@verdi.example", "sent")]


def test_chat_message_email_carries_the_excerpt_and_the_sender(rossi):
    data = {
        "thread_id": "thr-5521",
        "thread_title": "Tax return 2025",
        "sender_name": "Laura Ferri",
        "excerpt": "Could you upload your 2025 CU certificate by Friday?",
    }
    put_event(rossi, "chat.message_received", detail("chat-5521-1", "chat_thread", data))
    rossi.wait_idle()
    out = rossi.outbox()

    [mario] = out.emails_to("mario@bianchi.example")
    assert mario.subject == 'New message from Laura Ferri in "Tax return 2025"'
    assert "Laura Ferri sent you a message" in mario.html
    assert "<blockquote>Could you upload your 2025 CU certificate by Friday?</blockquote>" in mario.html
    [giulia] = out.emails_to("giulia@bianchi.example")
    assert giulia.subject == "Nuovo messaggio da Laura Ferri nella conversazione «Tax return 2025»"
    assert "Could you upload your 2025 CU certificate by Friday?" in giulia.html
    assert sorted(a for e in out.emails for a in e.to) == ["giulia@bianchi.example", "mario@bianchi.example"]


def test_approval_reminder_says_which_reminder_of_how_many(rossi):
    data = {
        "document_name": "Balance sheet 2025.pdf",
        "reminder_number": 2,
        "reminders_total": 3,
        "message": "Please approve by the end of the week so we can file on time.",
    }
    put_event(rossi, "approval.requested", detail("appr-8820-r2", "document", data))
    rossi.wait_idle()
    out = rossi.outbox()

    assert emails_by_address(out) == {
        "mario@bianchi.example": ['Reminder 2 of 3: Please approve "Balance sheet 2025.pdf"'],
        "giulia@bianchi.example": ["Documento da approvare: «Balance sheet 2025.pdf» (promemoria 2 di 3)"],
    }
    [mail] = out.emails_to("mario@bianchi.example")
    assert "Please approve by the end of the week so we can file on time." in mail.html


def test_first_approval_request_is_not_called_a_reminder(rossi):
    put_event(rossi, "approval.requested", detail("appr-8821", "document", {"document_name": "Budget.pdf"}))
    rossi.wait_idle()
    assert emails_by_address(rossi.outbox()) == {
        "mario@bianchi.example": ['Please approve "Budget.pdf"'],
        "giulia@bianchi.example": ["Documento da approvare: «Budget.pdf»"],
    }


def test_a_subscription_to_a_client_only_event_is_refused_with_the_reason(notify_runtime):
    """signature.requested reaches the client's linked users only (products.md §5): nobody can subscribe to it,
    and a document that tries is refused, rather than stored and silently never read."""
    doc = taxdome_settings([{"group": "signature.requested", "scope": "org", "channels": {"email": ["mario"]}}])
    with pytest.raises(ValueError, match=r"nobody can subscribe to 'signature.requested'.*client_contacts"):
        notify_runtime.apply_settings(doc)
