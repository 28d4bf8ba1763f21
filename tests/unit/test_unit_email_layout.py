"""The platform's email layout: a whole document (charset, viewport, table layout, inlined CSS), the org's name or
logo and colour, the call to action, and a footer saying why this person got it, in their language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from notify_core.domain import email_layout, templates
from notify_core.domain.email_layout import layout_for, on_color, why

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = str(ROOT / "templates")
BRANDING = {
    "display_name": "Hutki Water",
    "logo_url": "https://cdn.hutki.example/logo.png",
    "color": "#0a7cff",
    "postal_address": "ul. Lenina 1, 220030 Minsk",
    "preferences_url": "https://hutki.example/account/notifications",
}


def message(**over) -> dict:
    m = {
        "delivery_id": "dlv_1",
        "org_id": "hutki",
        "event_id": "inv-42",
        "event_type": "invoice.issued",
        "channel": "email",
        "locale": "en",
        "recipient_name": "Olga",
        "reasons": ["event_recipient"],
        "org": {"name": "Hutki Water", "branding": BRANDING},
        "event": {
            "occurred_at": "2026-03-01T10:15:00Z",
            "subject": {"type": "invoice", "id": "inv-42"},
            "data": {"amount": "45.00", "currency": "BYN", "invoice_number": "42", "pay_url": "https://pay.example/42"},
        },
    }
    m.update(over)
    return m


def test_the_built_layout_is_fresh():
    # The committed template is what the build makes of the source (css-inline): edit the source, then build.
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_email_layout.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_an_email_is_a_whole_branded_document_with_a_button_and_a_footer_that_says_why():
    r = templates.Renderer(
        TEMPLATES, unsubscribe_url=lambda m: "https://notify.example/unsubscribe?t=abc"
    ).render_message("email", message())
    html = r["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html and 'name="viewport"' in html and 'name="color-scheme"' in html
    assert 'role="presentation"' in html  # a table layout
    assert 'style="background-color: #0a7cff;color: #ffffff;' in html  # inlined, the brand colour filled in
    assert '<img class="logo" height="40" src="https://cdn.hutki.example/logo.png" alt="Hutki Water"' in html
    assert '<a href="https://pay.example/42" target="_blank"' in html and "Pay online</a>" in html
    assert "You get this because you asked Hutki Water to tell you about this invoice." in html
    assert '<a href="https://notify.example/unsubscribe?t=abc" target="_blank"' in html
    assert '<a href="https://hutki.example/account/notifications"' in html
    assert "ul. Lenina 1, 220030 Minsk" in html
    assert "issued invoice <strong>42</strong>" in html  # the template's content inside
    assert r.unsubscribe_url == "https://notify.example/unsubscribe?t=abc"
    # The text part says the same
    assert r["text"].endswith(
        "-- \nYou get this because you asked Hutki Water to tell you about this invoice.\n"
        "Unsubscribe: https://notify.example/unsubscribe?t=abc\n"
        "Manage notifications: https://hutki.example/account/notifications\nul. Lenina 1, 220030 Minsk"
    )


def test_without_branding_the_org_name_heads_a_neutral_palette_and_nothing_links_outside_https():
    m = message(org={"name": "Smith & Co"})
    m["event"]["data"]["pay_url"] = "http://pay.example/42"
    html = templates.Renderer(TEMPLATES).render_message("email", m)["html"]
    assert ">Smith &amp; Co</td>" in html
    assert email_layout.DEFAULT_COLOR in html
    assert "Pay online</a>" not in html and "Unsubscribe" not in html


def test_event_data_cannot_break_out_of_the_layout():
    m = message()
    m["event"]["data"]["invoice_number"] = "</td></tr></table><script>alert(1)</script>"
    html = templates.Renderer(TEMPLATES).render_message("email", m)["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("reason", "lang", "says"),
    [
        ("subscription:payment.paid_or_reversed@point#shop-1", "en",
         "you subscribed to payment paid or reversed at point of sale shop-1 of Hutki Water."),
        ("subscription:payment.paid_or_reversed@org", "en",
         "you subscribed to payment paid or reversed at Hutki Water."),
        ("permission:invoices:edit", "en", "you can edit invoices in Hutki Water."),
        ("caretaker:accounting:client-7", "en", "you are the accounting caretaker of client client-7."),
        ("event_recipient", "en", "you asked Hutki Water to tell you about this invoice."),
        ("relation:executor", "pl", "jesteś wskazany jako executor (invoice)."),
        ("permission:invoices:edit", "ru", "у вас есть право редактировать раздел «invoices» в Hutki Water."),  # noqa: RUF001
        ("client_contact:acme", "it", "come contatto di acme con le notifiche attive."),
        ("account_manager:acme", "el", "διαχειρίζεστε τον πελάτη acme."),
    ],
)  # fmt: skip
def test_each_rule_says_why_in_the_recipients_language(reason, lang, says):
    sentence = why(reason, lang, org="Hutki Water", subject_type="invoice")
    assert sentence is not None and sentence.endswith(says)


def test_an_unknown_rule_says_nothing_rather_than_something_wrong():
    assert why("something_new:x", "en", org="O", subject_type="x") is None
    layout = layout_for(locale="xx", subject="s", org_name="O", branding=None, reasons=["something_new"],
                        subject_type="x", action_url=None, action_label="", unsubscribe_url=None)  # fmt: skip
    assert layout.footer == () and layout.lang == "en"


def test_text_on_the_brand_colour_stays_readable():
    assert on_color("#0a7cff") == "#ffffff"
    assert on_color("#1f2937") == "#ffffff"
    assert on_color("#ffd60a") == "#111827"  # yellow takes dark text
    assert on_color("#ffffff") == "#111827"
