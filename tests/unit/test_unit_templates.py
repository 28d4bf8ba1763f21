"""Template rendering: sandboxed, HTML autoescaped, strict about missing facts, channel-specific cleanup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notify_core.domain import templates
from notify_core.domain.templates import TemplateRenderError, candidates, render

pytestmark = pytest.mark.unit


def _ctx(data: dict | None = None, *, org_name: str = "Hutki Water", recipient: str | None = "Anna") -> dict:
    return {
        "event": {
            "type": "payment.paid",
            "id": "evt-1",
            "occurred_at": "2026-03-01T10:15:00+00:00",
            "subject": {"type": "payment", "id": "pay-1"},
            "actor": None,
            "source": "payments",
        },
        "data": data if data is not None else {"amount": "120.50", "currency": "BYN", "payment_id": "pay-981"},
        "org": {"name": org_name, "id": "org-hutki"},
        "recipient": {"name": recipient},
        "delivery_id": "dlv_0123",
    }


@pytest.fixture
def tmpl(tmp_path: Path):
    """Write templates/<event type>/<file> into a fresh directory; returns the directory."""

    def write(event_type: str, filename: str, text: str) -> str:
        folder = tmp_path / event_type
        folder.mkdir(exist_ok=True)
        (folder / filename).write_text(text, encoding="utf-8")
        return str(tmp_path)

    return write


# --- escaping ------------------------------------------------------------------------------------------


def test_html_block_autoescapes_event_data_while_subject_and_text_do_not(templates_dir):
    data = {
        "amount": "120.50",
        "currency": "BYN",
        "payment_id": "pay-981",
        "account": "10042",
        "payer_name": "<script>alert('x')</script>",
    }
    r = render("payment.paid", "email", "en", _ctx(data, org_name="Smith & Co"), templates_dir)

    assert r.template == "payment.paid/email.j2"
    assert r["subject"] == "Payment received: 120.50 BYN (account 10042)"
    assert r["text"] == (
        "Hello Anna,\n\n"
        "Smith & Co received a payment of 120.50 BYN from <script>alert('x')</script>.\n"
        "Account: 10042\n"
        "Payment id: pay-981"
    )
    assert "<script>" not in r["html"]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r["html"]
    assert "<p>Smith &amp; Co received a payment of <strong>120.50 BYN</strong> from &lt;script&gt;" in r["html"]


def test_subject_keeps_ampersand_unescaped(templates_dir):
    data = {"amount": "45", "currency": "BYN", "invoice_number": "42", "issuer_name": "Smith & Co"}
    r = render("invoice.issued", "email", None, _ctx(data, recipient=None), templates_dir)
    assert r["subject"] == "Invoice 42 from Smith & Co"
    assert r["text"] == "Hello,\n\nSmith & Co issued invoice 42 for 45.00 BYN."
    assert "Smith &amp; Co issued invoice <strong>42</strong>" in r["html"]


def test_html_escapes_markup_even_in_attributes(templates_dir):
    data = {
        "amount": "45",
        "currency": "BYN",
        "invoice_number": "42",
        "pay_url": 'https://pay.example/"><img src=x onerror=alert(1)>',
    }
    r = render("invoice.issued", "email", None, _ctx(data), templates_dir)
    # Not a URL: no button at all (the layout links only https URLs), and the markup arrives as text in the body.
    assert "Pay online" not in r["html"] and 'href="https://pay.example' not in r["html"]
    assert "<img" not in r["html"]
    data["pay_url"] = "https://pay.example/i/42?a=1&b=2"
    r = render("invoice.issued", "email", None, _ctx(data), templates_dir)
    assert '<a href="https://pay.example/i/42?a=1&amp;b=2" target="_blank"' in r["html"]
    assert "Pay online</a>" in r["html"]


def test_money_filter_formats_thousands_and_two_decimals(templates_dir):
    data = {"amount": "1234567.5", "currency": "USD", "payment_id": "p"}
    r = render("payment.paid", "sms", None, _ctx(data), templates_dir)
    assert r["text"] == "Hutki Water: payment 1,234,567.50 USD received."


def test_money_filter_leaves_non_numbers_as_they_are():
    assert templates._money("abc", "BYN") == "abc"
    assert templates._money("7", None) == "7.00"
    assert templates._money(0.1 + 0.2, "EUR") == "0.30 EUR"


# --- sandbox -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "data.__class__",
        "data.__class__.__init__.__globals__",
        "recipient.name.__class__.__base__.__subclasses__()",
        "'{0.__class__}'.format(data)",
        "data.pop('amount')",
        "data.update({'amount': 0})",
    ],
)
def test_template_cannot_reach_python_internals_or_mutate_data(tmpl, expression):
    directory = tmpl("evil", "sms.j2", "{% block text %}{{ " + expression + " }}{% endblock %}")
    ctx = _ctx()
    with pytest.raises(TemplateRenderError) as info:
        render("evil", "sms", None, ctx, directory)
    assert str(info.value).startswith("evil/sms: ")
    assert ctx["data"] == {"amount": "120.50", "currency": "BYN", "payment_id": "pay-981"}


def test_sandbox_error_says_why(tmpl):
    directory = tmpl("evil", "sms.j2", "{% block text %}{{ data.__class__ }}{% endblock %}")
    with pytest.raises(TemplateRenderError, match=r"access to attribute '__class__' of 'dict' object is unsafe"):
        render("evil", "sms", None, _ctx(), directory)


# --- strictness ----------------------------------------------------------------------------------------


def test_missing_variable_is_a_render_error_not_a_blank(tmpl):
    directory = tmpl("e", "sms.j2", "{% block text %}Invoice {{ data.invoice_number }}{% endblock %}")
    with pytest.raises(TemplateRenderError, match=r"^e/sms: 'dict object' has no attribute 'invoice_number'$"):
        render("e", "sms", None, _ctx(), directory)


def test_missing_fact_in_a_default_template_is_a_render_error(templates_dir):
    with pytest.raises(TemplateRenderError, match="invoice_number"):
        render("invoice.paid", "sms", None, _ctx({"amount": "1", "currency": "BYN"}), templates_dir)


def test_template_without_a_required_block_is_a_render_error(tmpl):
    directory = tmpl("e", "email.j2", "{% block subject %}S{% endblock %}{% block text %}T{% endblock %}")
    with pytest.raises(TemplateRenderError, match=r"^e/email.j2 has no \{% block html %\}$"):
        render("e", "email", None, _ctx(), directory)


def test_no_template_at_all_is_a_render_error(tmp_path):
    with pytest.raises(TemplateRenderError, match=r"^no template for nothing\.here/sms: "):
        render("nothing.here", "sms", "ru-BY", _ctx(), str(tmp_path))


def test_template_syntax_error_is_a_render_error(tmpl):
    directory = tmpl("e", "sms.j2", "{% block text %}{{ data.amount {% endblock %}")
    with pytest.raises(TemplateRenderError, match=r"^e/sms: "):
        render("e", "sms", None, _ctx(), directory)


@pytest.mark.parametrize("expression", ["data.amount / 0", "data.amount + 'x'", "range(10**9) | list | length"])
def test_runtime_error_inside_a_template_is_a_render_error(tmpl, expression):
    directory = tmpl("e", "sms.j2", "{% block text %}{{ " + expression + " }}{% endblock %}")
    with pytest.raises(TemplateRenderError):
        render("e", "sms", None, _ctx({"amount": 5}), directory)


def test_webhook_template_rendering_invalid_json_is_a_render_error(tmpl):
    directory = tmpl("e", "webhook.j2", '{% block body %}{"amount": {{ data.amount }}{% endblock %}')
    with pytest.raises(TemplateRenderError, match=r"^e/webhook.j2 did not render valid JSON: "):
        render("e", "webhook", None, _ctx(), directory)


def test_default_webhook_body_is_the_event_as_json(templates_dir):
    r = render("payment.paid", "webhook", None, _ctx({"amount": "1.00", "note": "<b>&</b>"}), templates_dir)
    assert r.template == "_default/webhook.j2"
    assert json.loads(r["body"]) == {
        "type": "payment.paid",
        "timestamp": "2026-03-01T10:15:00+00:00",
        "data": {
            "event_id": "evt-1",
            "org_id": "org-hutki",
            "subject": {"type": "payment", "id": "pay-1"},
            "actor": None,
            "data": {"amount": "1.00", "note": "<b>&</b>"},
        },
    }


# --- per-channel cleanup -------------------------------------------------------------------------------


def test_newlines_in_subject_are_collapsed(tmpl):
    directory = tmpl(
        "e",
        "email.j2",
        "{% block subject %}Payment\r\n  from {{ data.name }}\n\nreceived{% endblock %}"
        "{% block text %}line 1\nline 2{% endblock %}{% block html %}<p>x</p>{% endblock %}",
    )
    r = render("e", "email", None, _ctx({"name": "Ivan\nPetrov"}), directory)
    assert r["subject"] == "Payment from Ivan Petrov received"
    assert r["text"] == "line 1\nline 2"  # the text body keeps its lines


def test_sms_is_cut_to_its_templates_segment_budget_with_an_ellipsis(tmpl):
    directory = tmpl("e", "sms.j2", "{% block text %}{{ data.long }}{% endblock %}")
    long = "".join(str(i % 10) for i in range(1000))
    r = render("e", "sms", None, _ctx({"long": long}), directory)
    assert r["text"] == long[:157] + "..."  # one GSM-7 segment (the default budget): 160 septets
    two = tmpl("f", "sms.j2", "{# segments: 2 -- a long one #}{% block text %}{{ data.long }}{% endblock %}")
    r = render("f", "sms", None, _ctx({"long": "Łódź " * 100}), two)
    assert r["text"].endswith("…") and len(r["text"]) <= 134  # two UCS-2 parts: 2 x 67 units
    short = render("e", "sms", None, _ctx({"long": "  hi  "}), directory)
    assert short["text"] == "hi"


def test_sms_typography_is_always_replaced_and_latin_is_an_option(tmpl):
    directory = tmpl("e", "sms.j2", "{% block text %}{{ data.text }}{% endblock %}")
    text = "\u201eWiśniewska\u201d \u2014 ul.\u00a0Marszałkowska\u2026"
    assert render("e", "sms", None, _ctx({"text": text}), directory)["text"] == '"Wiśniewska" - ul. Marszałkowska...'
    latin = render("e", "sms", None, _ctx({"text": text}), directory, sms_latin=True)["text"]
    assert latin == '"Wisniewska" - ul. Marszalkowska...'


def test_a_template_declaring_an_impossible_budget_is_a_template_error(tmpl):
    directory = tmpl("e", "sms.j2", "{# segments: 40 #}{% block text %}hi{% endblock %}")
    with pytest.raises(TemplateRenderError, match="declares 40 segments"):
        render("e", "sms", None, _ctx({}), directory)


# --- template selection --------------------------------------------------------------------------------


def test_candidates_order():
    assert candidates("payment.paid", "email", "ru-BY") == [
        "payment.paid/email.ru-BY.j2",
        "payment.paid/email.ru.j2",
        "payment.paid/email.j2",
        "_default/email.ru.j2",
        "_default/email.j2",
    ]
    assert candidates("payment.paid", "sms", "ru") == [
        "payment.paid/sms.ru.j2",
        "payment.paid/sms.j2",
        "_default/sms.ru.j2",
        "_default/sms.j2",
    ]
    assert candidates("payment.paid", "webhook", None) == ["payment.paid/webhook.j2", "_default/webhook.j2"]


def test_most_specific_existing_template_wins(tmpl):
    body = "{% block text %}{{ data.v }}{% endblock %}"
    tmpl("_default", "sms.j2", "{% block text %}default{% endblock %}")
    tmpl("_default", "sms.ru.j2", "{% block text %}default ru{% endblock %}")
    directory = tmpl("e", "sms.j2", body.replace("{{", "en {{"))
    assert render("e", "sms", "ru-BY", _ctx({"v": 1}), directory).template == "e/sms.j2"
    assert render("other", "sms", "ru-BY", _ctx(), directory)["text"] == "default ru"
    assert render("other", "sms", "de", _ctx(), directory)["text"] == "default"
    tmpl("e", "sms.ru.j2", body.replace("{{", "ru {{"))
    tmpl("e", "sms.ru-BY.j2", body.replace("{{", "ru-BY {{"))
    assert render("e", "sms", "ru-BY", _ctx({"v": 1}), directory)["text"] == "ru-BY 1"
    assert render("e", "sms", "ru-RU", _ctx({"v": 1}), directory)["text"] == "ru 1"
    assert render("e", "sms", None, _ctx({"v": 1}), directory)["text"] == "en 1"


def test_context_for_exposes_only_the_documented_names():
    message = {
        "delivery_id": "dlv_1",
        "org_id": "org-hutki",
        "event_id": "evt-1",
        "event_type": "payment.paid",
        "channel": "email",
        "address": "anna@hutki.example",
        "recipient_name": "Anna",
        "endpoint_id": None,
        "locale": "en",
        "reasons": [],
        "org": {"name": "Hutki Water", "email_from": "billing@hutki.example"},
        "event": {
            "source": "payments",
            "occurred_at": "2026-03-01T10:15:00+00:00",
            "subject": {"type": "payment", "id": "pay-1"},
            "actor": None,
            "data": {"amount": "1.00"},
        },
    }
    assert templates.context_for(message) == {
        "event": {
            "type": "payment.paid",
            "id": "evt-1",
            "occurred_at": "2026-03-01T10:15:00+00:00",
            "subject": {"type": "payment", "id": "pay-1"},
            "actor": None,
            "source": "payments",
        },
        "data": {"amount": "1.00"},
        "org": {"name": "Hutki Water", "id": "org-hutki", "branding": None},
        "recipient": {"name": "Anna"},
        "delivery_id": "dlv_1",
        "reasons": [],
    }
