"""The catalog: the event types, their groups, channels and audiences, examples that validate and templates that render.

Every event type has its own template for each channel it may use (webhook excepted: ``_default/webhook.j2``),
in English and in the language of the product it comes from (the first products.md section it names).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from unit_factories import PAID_OR_REVERSED, product_event

from notify_core.domain import catalog, templates
from notify_core.domain.catalog import (
    ACCOUNT_MANAGER,
    ACTOR,
    CLIENT_CONTACTS,
    EVENT_RECIPIENTS,
    SUBSCRIBERS,
    caretaker,
    permission,
    relation,
)
from notify_core.domain.envelope import parse_envelope, validate_detail

pytestmark = pytest.mark.unit

ORG_ID = "org-demo"
EL, EI = frozenset({"email", "inapp", "slack"}), {"email", "inapp"}
ESIT = {"email", "sms", "inapp", "telegram"}  # RemOnline (products.md §2): Telegram too

# name: (group, channels, audiences, second locale)
EXPECTED: dict[str, tuple[str, set[str], tuple[str, ...], str]] = {
    # products.md §3 Hutkigrosh (payment.paid / invoice.paid also serve Elorus, products.md §1)
    "payment.paid": (
        PAID_OR_REVERSED,
        {"email", "sms", "webhook", "inapp", "slack"},
        (SUBSCRIBERS, permission("payments:edit")),
        "ru",
    ),
    "payment.reversed": (PAID_OR_REVERSED, {"email", "sms", "webhook"}, (SUBSCRIBERS,), "ru"),
    "refund.created": (PAID_OR_REVERSED, {"email", "sms"}, (SUBSCRIBERS,), "ru"),
    "refund.status_changed": (PAID_OR_REVERSED, {"email", "sms"}, (SUBSCRIBERS,), "ru"),
    "invoice.issued": ("buyer.invoice", {"email", "sms"}, (EVENT_RECIPIENTS, SUBSCRIBERS), "ru"),
    "invoice.paid": (
        "buyer.invoice",
        {"email", "sms", "inapp", "slack"},
        (EVENT_RECIPIENTS, SUBSCRIBERS, permission("invoices:edit")),
        "ru",
    ),
    "url_notification.failed": ("url_notification.failed", {"email"}, (SUBSCRIBERS,), "ru"),
    "ftp_list.processed": ("ftp_list.processed", {"email"}, (SUBSCRIBERS,), "ru"),
    "invoice.expiring": ("buyer.invoice", {"email"}, (EVENT_RECIPIENTS, SUBSCRIBERS), "ru"),
    # products.md §1 Elorus
    "payment.failed": (
        "payment.failed",
        {"email", "sms", "webhook", "inapp", "slack"},
        (SUBSCRIBERS, permission("payments:edit")),
        "el",
    ),
    "invoice.viewed": ("invoice.viewed", EL, (permission("invoices:edit"),), "el"),
    "estimate.viewed": ("estimate.viewed", EL, (permission("estimates:edit"),), "el"),
    "credit_note.viewed": ("credit_note.viewed", EL, (permission("credit_notes:edit"),), "el"),
    "estimate.accepted": ("estimate.accepted", EL, (permission("estimates:edit"),), "el"),
    "estimate.rejected": ("estimate.rejected", EL, (permission("estimates:edit"),), "el"),
    "client.details_changed": ("client.details_changed", EL, (permission("clients:edit"),), "el"),
    "invoice.overdue": ("invoice.overdue", EL, (permission("invoices:edit"),), "el"),
    "bill.overdue": ("bill.overdue", EL, (permission("expenses:edit"),), "el"),
    "recurring_invoice.generated": ("recurring_invoice.generated", EL, (permission("invoices:edit"),), "el"),
    "recurring_bill.generated": ("recurring_bill.generated", EL, (permission("expenses:edit"),), "el"),
    "cheque.due": ("cheque.due", EL, (permission("cheques:edit"),), "el"),
    "cheque.recorded": ("cheque.recorded", {"inapp"}, (permission("cheques:edit"),), "el"),
    "invoice.approved": ("invoice.approved", {"inapp"}, (permission("invoices:edit"),), "el"),
    "bill.recorded": ("bill.recorded", {"inapp"}, (permission("expenses:edit"),), "el"),
    "bill.paid": ("bill.paid", {"inapp"}, (permission("expenses:edit"),), "el"),
    "subscription.upgraded": ("subscription.upgraded", EL, (permission("account:edit"),), "el"),
    "subscription.downgraded": ("subscription.downgraded", EL, (permission("account:edit"),), "el"),
    "invitation.accepted": ("invitation.accepted", EL, (permission("account:edit"),), "el"),
    "invitation.declined": ("invitation.declined", EL, (permission("account:edit"),), "el"),
    # products.md §2 RemOnline
    "order.status_changed": (
        "order.status_changed",
        ESIT,
        (CLIENT_CONTACTS, relation("executor"), relation("manager")),
        "pl",
    ),
    "request.status_changed": ("request.status_changed", ESIT, (CLIENT_CONTACTS, relation("manager")), "pl"),
    "order.contractor_assigned": ("order.contractor_assigned", ESIT, (relation("executor"),), "pl"),
    "request.manager_assigned": ("request.manager_assigned", ESIT, (relation("manager"),), "pl"),
    "task.created": ("task.created", ESIT, (relation("executor"),), "pl"),
    "task.completed": ("task.completed", ESIT, (relation("author"),), "pl"),
    "appointment.reminder": ("appointment.reminder", {"email", "sms", "telegram"}, (CLIENT_CONTACTS,), "pl"),
    # README "Timers": the platform times the reminders from these
    "appointment.scheduled": ("appointment.scheduled", {"email"}, (CLIENT_CONTACTS,), "pl"),
    "appointment.rescheduled": ("appointment.rescheduled", {"email"}, (CLIENT_CONTACTS,), "pl"),
    "appointment.cancelled": ("appointment.cancelled", {"email"}, (CLIENT_CONTACTS,), "pl"),
    # products.md §4 Mobevo
    "audit.finished": ("audit.finished", EI, (ACCOUNT_MANAGER,), "pl"),
    "documents.delivered": ("documents.delivered", EI, (caretaker("accounting"),), "pl"),
    "user.activity": ("user.activity", EI, (ACTOR,), "pl"),
    "activity.summary": ("activity.summary", EI, (SUBSCRIBERS,), "pl"),
    "client.activity_hr": ("client.activity_hr", EI, (caretaker("hr"),), "pl"),
    "client.activity_accounting": ("client.activity_accounting", EI, (caretaker("accounting"),), "pl"),
    "absence.added": ("absence.added", EI, (SUBSCRIBERS,), "pl"),
    # products.md §5 TaxDome Lite
    "chat.message_received": ("chat.message_received", EI, (CLIENT_CONTACTS,), "it"),
    "signature.requested": ("signature.requested", EI, (CLIENT_CONTACTS,), "it"),
    "approval.requested": ("approval.requested", EI, (CLIENT_CONTACTS,), "it"),
    # products.md §5: what ends or changes a reminder series (README "Timers"), told to the firm in-app
    "signature.signed": ("signature.signed", {"inapp"}, (permission("documents:edit"),), "it"),
    "approval.approved": ("approval.approved", {"inapp"}, (permission("documents:edit"),), "it"),
    "chat.replied": ("chat.replied", {"inapp"}, (permission("documents:edit"),), "it"),
    "chat.thread_archived": ("chat.thread_archived", {"inapp"}, (permission("documents:edit"),), "it"),
    "chat.thread_reopened": ("chat.thread_reopened", {"inapp"}, (permission("documents:edit"),), "it"),
    "reminders.changed": ("reminders.changed", {"inapp"}, (permission("documents:edit"),), "it"),
    "reminders.resend_requested": ("reminders.resend_requested", {"inapp"}, (permission("documents:edit"),), "it"),
}

# A fact from each example that every rendered message must show.
SHOWN = {
    "payment.paid": "120.50 BYN",
    "payment.reversed": "120.50 BYN",
    "payment.failed": "INV-2026-042",
    "refund.created": "20.00 BYN",
    "refund.status_changed": "approved",
    "invoice.issued": "45.00 BYN",
    "invoice.paid": "45.00 BYN",
    "url_notification.failed": "HTTP 503 Service Unavailable",
    "ftp_list.processed": "invoices_20260301.xml",
    "invoice.expiring": "2026-12-01",
    "invoice.viewed": "INV-2026-118",
    "estimate.viewed": "EST-0057",
    "credit_note.viewed": "CN-0009",
    "estimate.accepted": "EST-0057",
    "estimate.rejected": "EST-0058",
    "client.details_changed": "vat_number",
    "invoice.overdue": "INV-2026-097",
    "bill.overdue": "B-3321",
    "recurring_invoice.generated": "INV-2026-121",
    "recurring_bill.generated": "B-3340",
    "cheque.due": "70012345",
    "cheque.recorded": "70012345",
    "invoice.approved": "INV-2026-130",
    "bill.recorded": "B-3321",
    "bill.paid": "B-3321",
    "subscription.upgraded": "Premium",
    "subscription.downgraded": "Basic",
    "invitation.accepted": "Maria Georgiou",
    "invitation.declined": "Nikos Ioannou",
    "order.status_changed": "A-1042",
    "request.status_changed": "R-317",
    "order.contractor_assigned": "Replace the screen",
    "request.manager_assigned": "Jan Kowalski",
    "task.created": "Order a replacement screen",
    "task.completed": "Order a replacement screen",
    "appointment.reminder": "14:30",
    "appointment.scheduled": "14:30",
    "appointment.rescheduled": "10:00",
    "appointment.cancelled": "Screen replacement",
    "audit.finished": "Kowalski Sp. z o.o.",
    "documents.delivered": "14",
    "user.activity": "37",
    "activity.summary": "212",
    "client.activity_hr": "document downloaded",
    "client.activity_accounting": "sales invoice added",
    "absence.added": "Jan Wiśniewski",
    "chat.message_received": "2025 CU certificate",
    "signature.requested": "Engagement letter 2026.pdf",
    "approval.requested": "Balance sheet 2025.pdf",
    "signature.signed": "Engagement letter 2026.pdf",
    "approval.approved": "Balance sheet 2025.pdf",
    "chat.replied": "Tax return 2025",
    "chat.thread_archived": "Tax return 2025",
    "chat.thread_reopened": "Tax return 2025",
    "reminders.changed": "doc-8812",
    "reminders.resend_requested": "doc-8821",
}

# The language of each product (products.md section), and the locale its members and clients carry.
SECTION_LOCALE = {"1": "el-GR", "2": "pl-PL", "3": "ru-BY", "4": "pl-PL", "5": "it-IT"}
SECTION_ORG = {
    "1": "Ergo Consulting",
    "2": "FixIt Serwis",
    "3": "Hutki Water",
    "4": "Biuro Rachunkowe Nowak",
    "5": "Studio Rossi",
}

TEMPLATED = [(name, ch) for name, (_, channels, _, _) in EXPECTED.items() for ch in sorted(channels) if ch != "webhook"]
WEBHOOK = [name for name, (_, channels, _, _) in EXPECTED.items() if "webhook" in channels]
MAX_SMS, MAX_INAPP_TITLE = 160, 80


def _section(name: str) -> str:
    return re.match(r"products\.md §(\d)", catalog.CATALOG[name].seeds[0]).group(1)


def _locale(name: str) -> str:
    return SECTION_LOCALE[_section(name)]


def _event(name: str, data: dict[str, Any] | None = None, locale: str | None = None):
    """The event type's example as a product would publish it, validated the way the router validates it."""
    detail: dict[str, Any] = {
        "org_id": ORG_ID,
        "event_id": "evt-0001",
        "occurred_at": "2026-03-01T10:15:00Z",
        "subject": {
            "type": name.split(".")[0],
            "id": "subj-981",
            "client_id": "client-7",
            "relations": {"executor": ["u7"], "manager": ["u2"], "author": ["u2"]},
        },
        "data": copy.deepcopy(catalog.CATALOG[name].example) if data is None else data,
    }
    if locale:
        detail["locale"] = locale
    raw = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": name,
        "source": f"product.{_section(name)}",
        "account": "111122223333",
        "time": "2026-03-01T10:15:01Z",
        "region": "eu-central-1",
        "resources": [],
        "detail": detail,
    }
    return validate_detail(parse_envelope(raw), catalog.CATALOG[name].data_model)


def _render(
    name: str,
    channel: str,
    locale: str,
    data: dict[str, Any] | None = None,
    *,
    recipient: str | None = "Anna",
    directory: str,
) -> templates.Rendered:
    event = _event(name, data, locale)
    message = {  # the shape of routing.queue_message, as it travels through SQS
        "delivery_id": "dlv_0123",
        "org_id": ORG_ID,
        "event_id": event.event_id,
        "event_type": name,
        "channel": channel,
        "locale": locale,
        "recipient_name": recipient,
        "org": {"name": SECTION_ORG[_section(name)], "email_from": None},
        "event": {
            "source": event.source,
            "occurred_at": event.detail.occurred_at.isoformat(),
            "subject": event.detail.subject.model_dump(mode="json", exclude_none=True),
            "actor": {"id": "u7", "type": "user", "name": "Anna"},
            "data": event.detail.data,
        },
    }
    message = json.loads(json.dumps(message))
    return templates.render(name, channel, locale, templates.context_for(message), directory)


def _required_only(name: str) -> dict[str, Any]:
    e = catalog.CATALOG[name]
    fields = e.data_model.model_fields
    return {k: v for k, v in e.example.items() if k in fields and fields[k].is_required()}


# --- the catalog itself ---------------------------------------------------------------------------------


def test_the_catalog_holds_exactly_the_expected_event_types():
    got = {name: (e.group, set(e.channels), e.audiences) for name, e in catalog.CATALOG.items()}
    assert got == {name: (g, set(ch), aud) for name, (g, ch, aud, _) in EXPECTED.items()}
    assert all(e.name == name for name, e in catalog.CATALOG.items())
    assert catalog.groups() == {g for g, _, _, _ in EXPECTED.values()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_event_type_is_described_and_traced_to_its_seed(name):
    e = catalog.CATALOG[name]
    assert e.description and "\n" not in e.description and e.description.endswith(".")
    assert e.seeds and all(re.match(r"products\.md §[1-5] \S", s) for s in e.seeds)
    assert _locale(name).split("-")[0] == EXPECTED[name][3]
    assert issubclass(e.data_model, catalog._Data)  # extra facts allowed, like every event data model


def test_refund_events_ride_on_paid_or_reversed_without_webhook():
    for name in ("refund.created", "refund.status_changed"):
        e = catalog.lookup(name)
        assert e.group == catalog.lookup("payment.paid").group == PAID_OR_REVERSED
        assert "webhook" not in e.channels
    assert "webhook" in catalog.lookup("payment.reversed").channels


def test_audiences():
    # buyers on the invoice and the org's subscribers; Elorus members who edit invoices see it too
    assert catalog.lookup("invoice.issued").audiences == (EVENT_RECIPIENTS, SUBSCRIBERS)
    assert catalog.lookup("invoice.paid").audiences == (EVENT_RECIPIENTS, SUBSCRIBERS, permission("invoices:edit"))
    assert catalog.lookup("invoice.expiring").audiences == (EVENT_RECIPIENTS, SUBSCRIBERS)
    assert catalog.lookup("invoice.expiring").group == "buyer.invoice"
    for name in ("payment.paid", "payment.failed"):
        assert catalog.lookup(name).audiences == (SUBSCRIBERS, permission("payments:edit"))
    for name in ("payment.reversed", "refund.created", "refund.status_changed"):
        assert catalog.lookup(name).audiences == (SUBSCRIBERS,)
    # Elorus: members who can edit the section the event concerns, and nobody else
    assert catalog.lookup("invoice.overdue").audiences == ("permission:invoices:edit",)
    assert catalog.lookup("bill.overdue").audiences == ("permission:expenses:edit",)
    # RemOnline: the client (contacts with consent) and the employees named on the order, request or task
    assert catalog.lookup("order.status_changed").audiences == (
        CLIENT_CONTACTS,
        "relation:executor",
        "relation:manager",
    )
    assert catalog.lookup("task.completed").audiences == ("relation:author",)
    # Mobevo: the client's account manager and caretakers, the user themself, configured addresses
    assert catalog.lookup("audit.finished").audiences == (ACCOUNT_MANAGER,)
    assert catalog.lookup("client.activity_hr").audiences == ("caretaker:hr",)
    assert catalog.lookup("user.activity").audiences == (ACTOR,)
    assert catalog.lookup("activity.summary").audiences == (SUBSCRIBERS,)
    # TaxDome: the client's users with NOTIFY on
    for name in ("chat.message_received", "signature.requested", "approval.requested"):
        assert catalog.lookup(name).audiences == (CLIENT_CONTACTS,)


def test_every_audience_is_one_the_router_knows():
    fixed = {SUBSCRIBERS, EVENT_RECIPIENTS, ACTOR, ACCOUNT_MANAGER, CLIENT_CONTACTS}
    for e in catalog.CATALOG.values():
        assert e.audiences and len(set(e.audiences)) == len(e.audiences), e.name
        for a in e.audiences:
            kind, _, arg = a.partition(":")
            if a in fixed:
                continue
            if kind == "permission":
                section, _, level = arg.partition(":")
                assert section in catalog.SECTIONS and level in ("edit", "view"), (e.name, a)
            else:
                assert a in {relation(arg), caretaker(arg)} and re.fullmatch(r"[a-z_]+", arg), (e.name, a)


def test_lookup_and_groups():
    assert catalog.lookup("payment.refunded") is None
    assert catalog.lookup("invoice.viewed") is catalog.CATALOG["invoice.viewed"]
    assert {PAID_OR_REVERSED, "payment.failed", "buyer.invoice", "invoice.overdue"} <= catalog.groups()


def test_an_event_type_with_an_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="whatsapp"):
        catalog.EventType("x.y", "X.", "x.y", frozenset({"email", "whatsapp"}), catalog._Data, {})


# --- examples --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_validates_against_its_data_model_unchanged(name):
    e = catalog.CATALOG[name]
    assert e.data_model.model_validate(e.example).model_dump(mode="json", exclude_none=True) == e.example
    # and through the whole contract, as the router reads it
    assert _event(name).detail.data == e.example
    # the required fields alone are a valid event too
    assert _event(name, _required_only(name)).detail.data == _required_only(name)


def test_an_ftp_list_cannot_fail_more_records_than_it_holds():
    data = dict(catalog.CATALOG["ftp_list.processed"].example, records_failed=121)
    with pytest.raises(ValidationError, match="records_failed"):
        catalog.CATALOG["ftp_list.processed"].data_model.model_validate(data)


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("en", ("Reminder 2 of 3: New message from Laura Bianchi", "New message from Laura Bianchi")),
        ("it-IT", ("Nuovo messaggio da Laura Bianchi (promemoria 2 di 3)", "Nuovo messaggio da Laura Bianchi")),
    ],
)
def test_a_reminder_says_which_one_it_is(locale, title, templates_dir):
    reminder, first_notice = title
    assert _render("chat.message_received", "inapp", locale, directory=templates_dir)["title"] == reminder
    data = dict(catalog.CATALOG["chat.message_received"].example)
    del data["reminder_number"], data["reminders_total"]
    assert _render("chat.message_received", "inapp", locale, data, directory=templates_dir)["title"] == first_notice


def test_a_reminder_number_cannot_exceed_the_total():
    data = dict(catalog.CATALOG["signature.requested"].example, reminder_number=4, reminders_total=3)
    with pytest.raises(ValidationError, match="reminder_number"):
        catalog.CATALOG["signature.requested"].data_model.model_validate(data)


@pytest.mark.parametrize("starts_at", ["tomorrow", "2026-03-05", "2026-13-05T14:30:00"])
def test_an_appointment_needs_an_iso_date_and_time(starts_at):
    with pytest.raises(ValidationError, match="starts_at"):
        catalog.CATALOG["appointment.reminder"].data_model.model_validate({"starts_at": starts_at})


def test_examples_through_the_unit_factories_too():
    assert product_event("payment.paid").detail.data == catalog.CATALOG["payment.paid"].example


def test_catalog_examples_are_not_shared_mutable_state():
    before = copy.deepcopy(catalog.CATALOG["payment.paid"].example)
    event = product_event("payment.paid")
    event.detail.data["amount"] = "0.00"
    assert catalog.CATALOG["payment.paid"].example == before


# --- templates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("second", [False, True], ids=["en", "own-language"])
@pytest.mark.parametrize(("name", "channel"), TEMPLATED)
def test_every_event_and_channel_renders_its_example(name, channel, second, templates_dir):
    locale = _locale(name) if second else "en"
    rendered = _render(name, channel, locale, directory=templates_dir)

    assert set(rendered.parts) == set(templates.BLOCKS[channel])
    assert all(part.strip() for part in rendered.parts.values())
    assert not any("None" in part or "Undefined" in part for part in rendered.parts.values())
    assert not any(".." in part for part in rendered.parts.values()), rendered.parts  # "S.A.." and the like
    if second:
        # the file in the product's own language is chosen, through the locale's language fallback
        lang = locale.split("-")[0]
        assert rendered.template == f"{name}/{channel}.{lang}.j2"
        english = _render(name, channel, "en", directory=templates_dir)
        assert rendered.parts != english.parts
    else:
        assert rendered.template == f"{name}/{channel}.j2"
    body = {"email": "text", "sms": "text", "inapp": "body", "slack": "text", "telegram": "text"}[channel]
    assert SHOWN[name] in rendered[body] or SHOWN[name] in rendered.parts.get("title", "")
    if channel == "email":
        assert "\n" not in rendered["subject"]
        assert "<p>" in rendered["html"]
        assert SHOWN[name] in rendered["html"]
    if channel == "sms":
        assert len(rendered["text"]) <= MAX_SMS, rendered["text"]
    if channel == "inapp":
        assert "\n" not in rendered["title"]
        assert len(rendered["title"]) <= MAX_INAPP_TITLE, rendered["title"]


@pytest.mark.parametrize("second", [False, True], ids=["en", "own-language"])
@pytest.mark.parametrize(("name", "channel"), TEMPLATED)
def test_every_template_renders_with_only_the_required_fields(name, channel, second, templates_dir):
    """Optional facts are guarded: a product that sends only what the schema requires still gets a message."""
    locale = _locale(name) if second else "en"
    rendered = _render(name, channel, locale, _required_only(name), recipient=None, directory=templates_dir)
    assert all(part.strip() for part in rendered.parts.values())
    assert not any("None" in part for part in rendered.parts.values())


@pytest.mark.parametrize("name", WEBHOOK)
def test_webhook_events_use_the_default_payload(name, templates_dir):
    rendered = _render(name, "webhook", "en", directory=templates_dir)
    assert rendered.template == "_default/webhook.j2"
    body = json.loads(rendered["body"])
    assert body["type"] == name
    assert body["data"]["data"] == catalog.CATALOG[name].example


def test_no_stray_template_files(templates_dir):
    """Each file names a catalog event type, a channel it may use (not webhook), and English or its language."""
    root = Path(templates_dir)
    for path in sorted(root.glob("*/*")):
        event_dir = path.parent.name
        if event_dir == "_default" or path.name == "README.md":
            continue
        if event_dir == "_layout":  # the email layout: its source and what scripts/build_email_layout.py built
            assert path.name in ("email.src.html", "email.html.j2"), path
            continue
        assert event_dir in catalog.CATALOG, path
        channel, *suffix = path.name.removesuffix(".j2").split(".")
        assert path.name.endswith(".j2"), path
        assert channel in catalog.CATALOG[event_dir].channels - {"webhook"}, path
        assert suffix in ([], [EXPECTED[event_dir][3]]), path


@pytest.mark.parametrize(
    ("name", "template", "subject"),
    [
        ("invoice.issued", "invoice.issued/email.ru.j2", "Счёт 42 от Hutki Water"),
        ("payment.paid", "payment.paid/email.ru.j2", "Поступил платёж: 120.50 BYN (лицевой счёт 10042)"),
        ("payment.reversed", "payment.reversed/email.ru.j2", "Платёж сторнирован: 120.50 BYN"),
    ],
)
def test_ru_by_picks_the_ru_template(name, template, subject, templates_dir):
    rendered = _render(name, "email", "ru-BY", directory=templates_dir)
    assert rendered.template == template
    assert rendered["subject"] == subject


@pytest.mark.parametrize(
    ("name", "template", "text"),
    [
        ("invoice.issued", "invoice.issued/sms.ru.j2", "Счёт 42: 45.00 BYN до 2026-12-01. Hutki Water"),
        ("payment.paid", "payment.paid/sms.ru.j2", "Hutki Water: поступил платёж 120.50 BYN, л/с 10042."),  # noqa: RUF001
        ("payment.reversed", "payment.reversed/sms.ru.j2", "Hutki Water: платёж 120.50 BYN (pay-981) сторнирован."),
    ],
)
def test_ru_by_sms(name, template, text, templates_dir):
    rendered = _render(name, "sms", "ru-BY", directory=templates_dir)
    assert (rendered.template, rendered["text"]) == (template, text)


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("payment.paid", "Payment received: 120.50 BYN (account 10042)"),
        ("refund.created", "Refund request ref-17 created"),
        ("invoice.issued", "Invoice 42 from Hutki Water"),
    ],
)
def test_english_subjects_of_the_first_events_are_unchanged(name, subject, templates_dir):
    assert _render(name, "email", "en", directory=templates_dir)["subject"] == subject
