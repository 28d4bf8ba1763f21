"""The catalog: the event types, their groups and channels, examples that validate and templates that render."""

from __future__ import annotations

import copy
import json

import pytest
from unit_factories import PAID_OR_REVERSED, contact, endpoint, product_event, settings, subscription

from notify_core import catalog, routing, templates

pytestmark = pytest.mark.unit

EXPECTED = {
    "payment.paid": (PAID_OR_REVERSED, {"email", "sms", "webhook"}),
    "payment.reversed": (PAID_OR_REVERSED, {"email", "sms", "webhook"}),
    "payment.failed": ("payment.failed", {"email", "sms", "webhook"}),
    "refund.created": (PAID_OR_REVERSED, {"email", "sms"}),
    "refund.status_changed": (PAID_OR_REVERSED, {"email", "sms"}),
    "invoice.issued": ("buyer.invoice", {"email", "sms"}),
    "invoice.paid": ("buyer.invoice", {"email", "sms"}),
}

# A fact from each example that its rendered message must show.
SHOWN = {
    "payment.paid": "120.50 BYN",
    "payment.reversed": "120.50 BYN",
    "payment.failed": "INV-2026-042",
    "refund.created": "20.00 BYN",
    "refund.status_changed": "approved",
    "invoice.issued": "45.00 BYN",
    "invoice.paid": "45.00 BYN",
}

CELLS = [(name, channel) for name, (_, channels) in EXPECTED.items() for channel in sorted(channels)]


def test_the_seven_events_exist_with_their_groups_and_channels():
    assert {name: (e.group, set(e.channels)) for name, e in catalog.CATALOG.items()} == EXPECTED
    assert all(e.name == name for name, e in catalog.CATALOG.items())
    assert catalog.groups() == {PAID_OR_REVERSED, "payment.failed", "buyer.invoice"}


def test_refund_events_ride_on_paid_or_reversed_without_webhook():
    for name in ("refund.created", "refund.status_changed"):
        e = catalog.lookup(name)
        assert e.group == catalog.lookup("payment.paid").group == PAID_OR_REVERSED
        assert "webhook" not in e.channels
    assert "webhook" in catalog.lookup("payment.reversed").channels


def test_audiences():
    assert catalog.lookup("invoice.issued").audiences == (catalog.EVENT_RECIPIENTS, catalog.SUBSCRIBERS)
    assert catalog.lookup("invoice.paid").audiences == (catalog.EVENT_RECIPIENTS, catalog.SUBSCRIBERS)
    for name in ("payment.paid", "payment.reversed", "payment.failed", "refund.created", "refund.status_changed"):
        assert catalog.lookup(name).audiences == (catalog.SUBSCRIBERS,)


def test_lookup_and_groups():
    assert catalog.lookup("payment.refunded") is None
    assert catalog.groups() == {PAID_OR_REVERSED, "payment.failed", "buyer.invoice"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_validates_against_its_data_model_unchanged(name):
    e = catalog.CATALOG[name]
    assert e.data_model.model_validate(e.example).model_dump(mode="json", exclude_none=True) == e.example
    # and through the whole contract
    assert product_event(name).detail.data == e.example


def _message(name: str, channel: str, locale: str | None) -> dict:
    """The queue message the router would send for this event type's example, as a sender reads it."""
    event = product_event(name, locale=locale)
    org = settings(
        subscriptions=[subscription({"email": ["anna"], "sms": ["anna"], "webhook": ["erp"]},
                                    group=catalog.CATALOG[name].group)],
        contacts=[contact("anna", name="Anna", emails=[("anna@hutki.example", "work")],
                          phones=[("+375291234567", "work")])],
        endpoints=[endpoint("erp", "https://erp.hutki.example/hooks")],
    )
    result = routing.route(event, catalog.CATALOG[name], org)
    [delivery] = [d for d in result.deliveries if d.channel == channel]
    return json.loads(json.dumps(routing.queue_message(event, delivery, org)))  # as it travels through SQS


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize(("name", "channel"), CELLS)
def test_every_event_and_channel_renders_its_example(name, channel, locale, templates_dir):
    message = _message(name, channel, locale)
    rendered = templates.render(name, channel, message["locale"], templates.context_for(message), templates_dir)

    assert set(rendered.parts) == set(templates.BLOCKS[channel])
    assert all(part.strip() for part in rendered.parts.values())
    assert not any("None" in part for part in rendered.parts.values())
    if channel == "webhook":
        assert rendered.template == "_default/webhook.j2"
        body = json.loads(rendered["body"])
        assert body["type"] == name
        assert body["data"]["data"] == catalog.CATALOG[name].example
    else:
        # every event type has its own template for each of its channels
        assert rendered.template.startswith(f"{name}/{channel}.")
        assert SHOWN[name] in rendered["text"]
    if channel == "email":
        assert "\n" not in rendered["subject"]
        assert "<p>" in rendered["html"]


@pytest.mark.parametrize(
    ("name", "template", "subject"),
    [
        ("invoice.issued", "invoice.issued/email.ru.j2", "Счёт 42 от Hutki Water"),
        ("payment.paid", "payment.paid/email.ru.j2", "Поступил платёж: 120.50 BYN (лицевой счёт 10042)"),
        ("payment.reversed", "payment.reversed/email.j2", "Payment reversed: 120.50 BYN"),
    ],
)
def test_ru_by_picks_the_ru_template_or_falls_back_to_english(name, template, subject, templates_dir):
    message = _message(name, "email", "ru-BY")
    assert message["locale"] == "ru-BY"
    rendered = templates.render(name, "email", "ru-BY", templates.context_for(message), templates_dir)
    assert rendered.template == template
    assert rendered["subject"] == subject


@pytest.mark.parametrize(
    ("name", "template", "text"),
    [
        ("invoice.issued", "invoice.issued/sms.ru.j2", "Счёт 42: 45.00 BYN, оплатить до 2026-12-01. Hutki Water"),
        ("payment.paid", "payment.paid/sms.ru.j2", "Hutki Water: поступил платёж 120.50 BYN, л/с 10042."),  # noqa: RUF001
        ("payment.reversed", "payment.reversed/sms.j2", "Hutki Water: payment 120.50 BYN (pay-981) was reversed."),
    ],
)
def test_ru_by_sms(name, template, text, templates_dir):
    message = _message(name, "sms", "ru-BY")
    rendered = templates.render(name, "sms", "ru-BY", templates.context_for(message), templates_dir)
    assert (rendered.template, rendered["text"]) == (template, text)


def test_catalog_examples_are_not_shared_mutable_state():
    before = copy.deepcopy(catalog.CATALOG["payment.paid"].example)
    event = product_event("payment.paid")
    event.detail.data["amount"] = "0.00"
    assert catalog.CATALOG["payment.paid"].example == before
