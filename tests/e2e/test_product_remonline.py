"""RemOnline (products.md §2), end to end: a repair shop's clients, executors, managers and task authors.

Events go in as the shop's services would publish them (plain boto3 PutEvents on the bus); what comes
out is read from the runtime's SES/SNS stores, the delivery log and the members' in-app inboxes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

ORG = "serwis-gsm"
SHOP = "Serwis GSM"

# People, as the outbox shows their addresses (emails lower-cased, phones in E.164).
JAN_EMAIL, JAN_PHONE = "jan.kowalski@poczta.example", "+48512345678"  # client c1: agreed to email and SMS
EWA_EMAIL, EWA_PHONE = "ewa.nowak@poczta.example", "+48601234567"  # client c2: agreed to email only
OLA_EMAIL, OLA_PHONE = "ola.mazur@poczta.example", "+48698765432"  # client c3: agreed to SMS only
KASIA_EMAIL = "kasia@serwis.example"  # executor, no phone
MAREK_EMAIL, MAREK_PHONE = "marek@serwis.example", "+48501234567"  # executor with a phone
PIOTR_EMAIL = "piotr@serwis.example"  # manager
ZOFIA_EMAIL = "zofia@serwis.example"  # task author
OWNER_EMAIL = "szef@serwis.example"  # admin: named by no event below, so never notified

MEMBERS = ("u-kasia", "u-marek", "u-piotr", "u-zofia", "u-owner")

ORDER_READY = {
    "order_number": "A-1042",
    "status": "Ready",
    "previous_status": "In repair",
    "total": "350.00",
    "currency": "PLN",
    "ready_message": "Pick up Mon-Fri 9:00-18:00.",
    "device": "iPhone 12",
}


def shop_settings(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "org_id": ORG,
        "name": SHOP,
        "email_from": "powiadomienia@serwis.example",
        "default_phone_region": "PL",
        "contacts": [
            {
                "id": "ct-jan",
                "name": "Jan Kowalski",
                "emails": [{"address": "Jan.Kowalski@Poczta.example"}],
                "phones": [{"number": "+48 512 345 678"}],
                "consent": {"email": True, "sms": True},
            },
            {
                "id": "ct-ewa",
                "name": "Ewa Nowak",
                "emails": [{"address": "ewa.nowak@poczta.example"}],
                "phones": [{"number": "601 234 567"}],  # national form: the org's default region is PL
                "consent": {"email": True},  # never ticked "agrees to receive SMS"
            },
            {
                "id": "ct-ola",
                "name": "Ola Mazur",
                "emails": [{"address": "ola.mazur@poczta.example"}],
                "phones": [{"number": "+48 698 765 432"}],
                "consent": {"sms": True, "email": False},
            },
        ],
        "members": [
            {"user_id": "u-kasia", "name": "Kasia Wiśniewska", "email": KASIA_EMAIL},
            {"user_id": "u-marek", "name": "Marek Lis", "email": MAREK_EMAIL, "phone": "+48 501 234 567"},
            {"user_id": "u-piotr", "name": "Piotr Nowak", "email": PIOTR_EMAIL, "permissions": ["orders:edit"]},
            {"user_id": "u-zofia", "name": "Zofia Kowalczyk", "email": ZOFIA_EMAIL},
            {"user_id": "u-owner", "name": "Owner", "email": OWNER_EMAIL, "roles": ["admin"]},
        ],
        "clients": [
            {"id": "c1", "name": "Jan Kowalski", "contacts": ["ct-jan"]},
            {"id": "c2", "name": "Ewa Nowak", "contacts": ["ct-ewa"]},
            {"id": "c3", "name": "Ola Mazur", "contacts": ["ct-ola"]},
        ],
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def shop(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(shop_settings())
    return notify_runtime


def event(
    event_id: str,
    data: dict[str, Any],
    *,
    subject_type: str,
    subject_id: str,
    client_id: str | None = None,
    **relations: list[str],
) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": subject_type, "id": subject_id, "relations": relations}
    if client_id:
        subject["client_id"] = client_id
    return make_detail(event_id, data, org=ORG, subject=subject)


def publish(rt, detail_type: str, detail: dict[str, Any]):  # type: ignore[no-untyped-def]
    put_event(rt, detail_type, detail)
    rt.wait_idle()
    return rt.outbox()


def recipients(out) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Who got an email or an SMS, each address with the channels that reached it."""
    got: dict[str, list[str]] = {}
    for e in out.emails:
        for a in e.to:
            got.setdefault(a, []).append("email")
    for s in out.sms:
        got.setdefault(s.to, []).append("sms")
    return got


def inboxes(rt) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every member's in-app inbox that holds something."""
    return {u: items for u in MEMBERS if (items := rt.inbox(ORG, u))}


def sent(out) -> dict[tuple[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """(channel, address) -> the rules that selected it, for every delivery the senders sent."""
    return {(d["channel"], d["address"]): sorted(d["reasons"]) for d in out.deliveries_with(status="sent")}


# ----------------------------------------------------------------------------------------- orders


def test_order_ready_reaches_the_client_the_executors_and_the_managers_each_for_its_own_reason(shop):
    out = publish(
        shop,
        "order.status_changed",
        event(
            "ord-1042-ready",
            ORDER_READY,
            subject_type="order",
            subject_id="A-1042",
            client_id="c1",
            executor=["u-kasia", "u-marek"],
            manager=["u-piotr"],
        ),
    )

    # The client: email and SMS (consent to both), both with the readiness and the cost.
    [sms] = out.sms_to(JAN_PHONE)
    assert sms.text == ('Serwis GSM: order A-1042 is now "Ready". Amount due: 350.00 PLN. Pick up Mon-Fri 9:00-18:00.')
    [email] = out.emails_to(JAN_EMAIL)
    assert email.sender == "powiadomienia@serwis.example"
    assert email.subject == "Order A-1042: Ready"
    assert "Hello Jan Kowalski" in email.html
    assert "Amount due: <strong>350.00 PLN</strong>" in email.html
    assert "Pick up Mon-Fri 9:00-18:00." in email.html

    # Employees: email (and SMS for the one with a phone, the type allows it), in-app always; the owner,
    # named by nothing, hears nothing.
    assert recipients(out) == {
        JAN_EMAIL: ["email"],
        JAN_PHONE: ["sms"],
        KASIA_EMAIL: ["email"],
        MAREK_EMAIL: ["email"],
        MAREK_PHONE: ["sms"],
        PIOTR_EMAIL: ["email"],
    }
    assert sent(out) == {
        ("email", JAN_EMAIL): ["client_contact:c1"],
        ("sms", JAN_PHONE): ["client_contact:c1"],
        ("email", KASIA_EMAIL): ["relation:executor"],
        ("email", MAREK_EMAIL): ["relation:executor"],
        ("sms", MAREK_PHONE): ["relation:executor"],
        ("email", PIOTR_EMAIL): ["relation:manager"],
    }
    assert len(out.deliveries) == 6  # nothing failed or skipped

    boxes = inboxes(shop)
    assert sorted(boxes) == ["u-kasia", "u-marek", "u-piotr"]
    for user, reason in (("u-kasia", "executor"), ("u-marek", "executor"), ("u-piotr", "manager")):
        [item] = boxes[user]
        assert item["title"] == "Order A-1042: Ready"
        assert item["body"] == 'Status changed from "In repair" to "Ready". Amount due: 350.00 PLN.'
        assert item["reasons"] == [f"relation:{reason}"]
    assert [d["recipient_name"] for d in out.deliveries_with(address=MAREK_PHONE)] == ["Marek Lis"]


def test_client_without_sms_consent_gets_email_only_and_the_sms_is_logged_skipped(shop):
    out = publish(
        shop,
        "order.status_changed",
        event(
            "ord-2001-ready",
            {**ORDER_READY, "order_number": "A-2001"},
            subject_type="order",
            subject_id="A-2001",
            client_id="c2",
            manager=["u-piotr"],
        ),
    )
    assert out.sms_to(EWA_PHONE) == []
    [email] = out.emails_to(EWA_EMAIL)
    assert email.subject == "Order A-2001: Ready"
    [skipped] = out.deliveries_with(status="skipped")
    assert (skipped["channel"], skipped["address"], skipped["error_code"]) == ("sms", EWA_PHONE, "no_consent:sms")
    assert skipped["reasons"] == ["client_contact:c2"]
    assert skipped["recipient_name"] == "Ewa Nowak"
    assert skipped["attempt_count"] == 0  # never queued, never tried
    assert recipients(out) == {EWA_EMAIL: ["email"], PIOTR_EMAIL: ["email"]}  # the manager is unaffected


def test_consent_is_per_channel_sms_without_email_consent_gets_sms_only(shop):
    out = publish(
        shop,
        "order.status_changed",
        event(
            "ord-3001-ready",
            {**ORDER_READY, "order_number": "A-3001"},
            subject_type="order",
            subject_id="A-3001",
            client_id="c3",
        ),
    )
    assert recipients(out) == {OLA_PHONE: ["sms"]}
    [skipped] = out.deliveries_with(status="skipped")
    assert (skipped["channel"], skipped["address"], skipped["error_code"]) == ("email", OLA_EMAIL, "no_consent:email")


def test_org_switching_off_the_executors_group_stops_executors_but_not_client_or_managers(notify_runtime, skipped_log):
    rt = notify_runtime
    rt.apply_settings(shop_settings(disabled_audiences={"order.status_changed": ["relation:executor"]}))
    out = publish(
        rt,
        "order.status_changed",
        event(
            "ord-1042-ready",
            ORDER_READY,
            subject_type="order",
            subject_id="A-1042",
            client_id="c1",
            executor=["u-kasia", "u-marek"],
            manager=["u-piotr"],
        ),
    )
    assert recipients(out) == {JAN_EMAIL: ["email"], JAN_PHONE: ["sms"], PIOTR_EMAIL: ["email"]}
    assert sorted(inboxes(rt)) == ["u-piotr"]
    assert ("audience_disabled", "the org switched relation:executor off for order.status_changed") in skipped_log

    # Only that event type's executors group is off: the executor still hears of a contractor assignment.
    out = publish(
        rt,
        "order.contractor_assigned",
        event(
            "ord-1042-assigned",
            {"order_number": "A-1042", "description": "Replace the screen"},
            subject_type="order",
            subject_id="A-1042",
            client_id="c1",
            executor=["u-kasia"],
        ),
    )
    assert [e.subject for e in out.emails_to(KASIA_EMAIL)] == ["You are assigned to order A-1042"]


def test_contractor_assigned_gives_the_executor_the_order_number_and_description(shop):
    data = {
        "order_number": "A-1042",
        "description": "Replace the screen, check the battery",
        "device": "iPhone 12",
        "client_name": "Jan Kowalski",
        "due_date": "2026-03-04",
    }
    out = publish(
        shop,
        "order.contractor_assigned",
        event(
            "ord-1042-contractor",
            data,
            subject_type="order",
            subject_id="A-1042",
            client_id="c1",
            executor=["u-marek"],
            manager=["u-piotr"],
        ),
    )
    [email] = out.emails_to(MAREK_EMAIL)
    assert email.subject == "You are assigned to order A-1042"
    assert "Work: Replace the screen, check the battery" in email.html
    [sms] = out.sms_to(MAREK_PHONE)
    assert sms.text == "Order A-1042 assigned to you: Replace the screen, check the battery. Due 2026-03-04."
    [item] = shop.inbox(ORG, "u-marek")
    assert item["title"] == "Assigned to you: order A-1042"
    assert item["body"] == "Replace the screen, check the battery (iPhone 12), due 2026-03-04."
    assert item["reasons"] == ["relation:executor"]
    # The executor only: not the client, not the manager named on the same order.
    assert recipients(out) == {MAREK_EMAIL: ["email"], MAREK_PHONE: ["sms"]}
    assert sorted(inboxes(shop)) == ["u-marek"]


# --------------------------------------------------------------------------------------- requests


def test_manager_assigned_to_a_request_is_asked_to_call_the_client(shop):
    data = {
        "request_number": "R-317",
        "client_name": "Jan Kowalski",
        "client_phone": "+48 512 345 678",
        "note": "Asks about a laptop keyboard repair",
    }
    out = publish(
        shop,
        "request.manager_assigned",
        event("req-317-manager", data, subject_type="request", subject_id="R-317", client_id="c1", manager=["u-piotr"]),
    )
    [email] = out.emails_to(PIOTR_EMAIL)
    assert email.subject == "Request R-317: please call Jan Kowalski"
    assert "Please call the client at <strong>+48 512 345 678</strong>" in email.html
    assert "Note: Asks about a laptop keyboard repair" in email.html
    [item] = shop.inbox(ORG, "u-piotr")
    assert item["title"] == "Call Jan Kowalski about request R-317"
    assert item["reasons"] == ["relation:manager"]
    assert recipients(out) == {PIOTR_EMAIL: ["email"]}  # the client is not told about it
    assert sorted(inboxes(shop)) == ["u-piotr"]


def test_request_couldnt_reach_asks_the_client_to_get_in_touch(shop):
    data = {
        "request_number": "R-317",
        "status": "Couldn't reach",
        "previous_status": "New",
        "ask_to_contact": True,
        "contact_phone": "+48 22 123 45 67",
    }
    out = publish(
        shop,
        "request.status_changed",
        event(
            "req-317-unreachable", data, subject_type="request", subject_id="R-317", client_id="c1", manager=["u-piotr"]
        ),
    )
    [sms] = out.sms_to(JAN_PHONE)
    assert sms.text == (
        'Serwis GSM: request R-317 is now "Couldn\'t reach". '
        "We could not reach you, please call us at +48 22 123 45 67."
    )
    [email] = out.emails_to(JAN_EMAIL)
    assert email.subject == "Request R-317: Couldn't reach"  # a subject is plain text, not HTML-escaped
    assert "Please get in touch with us at <strong>+48 22 123 45 67</strong>" in email.html
    # The manager of the request is told too (and that the client was asked to get in touch).
    [item] = shop.inbox(ORG, "u-piotr")
    assert item["body"].endswith("The client is asked to get in touch.")
    assert sent(out)[("email", JAN_EMAIL)] == ["client_contact:c1"]
    assert sent(out)[("email", PIOTR_EMAIL)] == ["relation:manager"]


# ------------------------------------------------------------------------------------------ tasks


def test_task_created_reaches_the_executor_and_not_the_author(shop):
    data = {"task_title": "Order a replacement screen", "order_number": "A-1042", "author_name": "Zofia Kowalczyk"}
    out = publish(
        shop,
        "task.created",
        event(
            "task-88-created", data, subject_type="task", subject_id="T-88", executor=["u-kasia"], author=["u-zofia"]
        ),
    )
    assert recipients(out) == {KASIA_EMAIL: ["email"]}
    assert out.emails_to(KASIA_EMAIL)[0].subject == "New task: Order a replacement screen"
    boxes = inboxes(shop)
    assert sorted(boxes) == ["u-kasia"]
    assert boxes["u-kasia"][0]["body"] == "Zofia Kowalczyk assigned you a task on order A-1042."
    assert boxes["u-kasia"][0]["reasons"] == ["relation:executor"]


def test_task_completed_reaches_the_author_and_not_the_executor(shop):
    data = {"task_title": "Order a replacement screen", "order_number": "A-1042", "executor_name": "Marek Lis"}
    out = publish(
        shop,
        "task.completed",
        event(
            "task-88-completed", data, subject_type="task", subject_id="T-88", executor=["u-marek"], author=["u-zofia"]
        ),
    )
    assert recipients(out) == {ZOFIA_EMAIL: ["email"]}  # not Marek, by email nor by SMS
    assert out.emails_to(ZOFIA_EMAIL)[0].subject == "Task completed: Order a replacement screen"
    boxes = inboxes(shop)
    assert sorted(boxes) == ["u-zofia"]
    assert boxes["u-zofia"][0]["body"] == "Marek Lis completed the task on order A-1042."
    assert boxes["u-zofia"][0]["reasons"] == ["relation:author"]


# ----------------------------------------------------------------------------------- appointments


def test_appointment_reminder_reaches_the_client_by_email_and_sms(shop):
    data = {
        "starts_at": "2026-03-05T14:30:00+01:00",
        "place": "ul. Marszałkowska 10, Warszawa",
        "service_name": "Screen replacement",
        "order_number": "A-1042",
    }
    out = publish(
        shop,
        "appointment.reminder",
        event("appt-1042-reminder", data, subject_type="appointment", subject_id="AP-9", client_id="c1"),
    )
    [sms] = out.sms_to(JAN_PHONE)
    assert sms.text == (
        "Serwis GSM: reminder of your appointment (Screen replacement) on 2026-03-05 at 14:30, "
        "ul. Marszałkowska 10, Warszawa."
    )
    [email] = out.emails_to(JAN_EMAIL)
    assert email.subject == "Reminder: your appointment on 2026-03-05 at 14:30"
    assert "ul. Marszałkowska 10, Warszawa" in email.html
    assert recipients(out) == {JAN_EMAIL: ["email"], JAN_PHONE: ["sms"]}
    assert inboxes(shop) == {}  # a client reminder: no employee is told


def test_appointment_reminder_respects_the_clients_sms_consent(shop):
    out = publish(
        shop,
        "appointment.reminder",
        event(
            "appt-2001-reminder",
            {"starts_at": "2026-03-05T09:00:00+01:00"},
            subject_type="appointment",
            subject_id="AP-10",
            client_id="c2",
        ),
    )
    assert recipients(out) == {EWA_EMAIL: ["email"]}
    assert [(d["channel"], d["error_code"]) for d in out.deliveries_with(status="skipped")] == [
        ("sms", "no_consent:sms")
    ]


# ------------------------------------------------------------------------------------------ misc


def test_a_relation_naming_a_user_who_is_not_a_member_is_skipped_and_the_others_still_notified(shop, skipped_log):
    out = publish(
        shop,
        "order.status_changed",
        event(
            "ord-1042-ghost",
            ORDER_READY,
            subject_type="order",
            subject_id="A-1042",
            client_id="c1",
            executor=["u-left-the-company", "u-kasia"],
            manager=["u-piotr"],
        ),
    )
    assert recipients(out) == {JAN_EMAIL: ["email"], JAN_PHONE: ["sms"], KASIA_EMAIL: ["email"], PIOTR_EMAIL: ["email"]}
    assert sorted(inboxes(shop)) == ["u-kasia", "u-piotr"]
    assert shop.inbox(ORG, "u-left-the-company") == []
    assert (
        "unknown_member",
        "relation:executor names user 'u-left-the-company', not a member of the org",
    ) in skipped_log
    assert all(d["status"] == "sent" for d in out.deliveries)


# --------------------------------------------------------------------------------------- Telegram

BOT_TOKEN = "7012345678:AAF0kq-Serwis_GSM_bot_token_x9X8c7V6"
TOMEK_CHAT, TOMEK_PHONE, TOMEK_EMAIL = 123456789, "+48512000111", "tomek@poczta.example"  # c4: agreed to all three
ZOSIA_CHAT, ZOSIA_EMAIL = 555000111, "zosia@poczta.example"  # c5: a chat id, but agreed to email only
MAREK_CHAT = -4012345  # the executor's chat with the shop's bot (a group: negative id)


def telegram_shop_settings(*, telegram: dict[str, Any] | None = None) -> dict[str, Any]:
    """The shop with its Telegram bot, two more clients who gave a chat id, and an executor reachable there."""
    doc = shop_settings()
    doc["contacts"] += [
        {
            "id": "ct-tomek",
            "name": "Tomek Zieliński",
            "locale": "pl",
            "emails": [{"address": TOMEK_EMAIL}],
            "phones": [{"number": "+48 512 000 111"}],
            "telegram": TOMEK_CHAT,
            "consent": {"email": True, "sms": True, "telegram": True},
        },
        {
            "id": "ct-zosia",
            "name": "Zosia Wójcik",
            "emails": [{"address": ZOSIA_EMAIL}],
            "telegram": str(ZOSIA_CHAT),
            "consent": {"email": True},  # never ticked "agrees to receive Telegram messages"
        },
    ]
    doc["clients"] += [
        {"id": "c4", "name": "Tomek Zieliński", "contacts": ["ct-tomek"]},
        {"id": "c5", "name": "Zosia Wójcik", "contacts": ["ct-zosia"]},
    ]
    doc["members"] = [{**m, "telegram": MAREK_CHAT} if m["user_id"] == "u-marek" else m for m in doc["members"]]
    doc["telegram"] = {"enabled": True, "bot_token": BOT_TOKEN} if telegram is None else telegram
    return doc


def order_ready_for(rt, client_id: str, order_number: str):  # type: ignore[no-untyped-def]
    return publish(
        rt,
        "order.status_changed",
        event(
            f"ord-{order_number}-ready",
            {**ORDER_READY, "order_number": order_number},
            subject_type="order",
            subject_id=order_number,
            client_id=client_id,
            executor=["u-marek"],
        ),
    )


def test_order_ready_reaches_the_client_by_telegram_with_its_own_template_alongside_sms_and_email(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(telegram_shop_settings())
    out = order_ready_for(rt, "c4", "A-4001")

    # The client, in Polish (the contact's locale), by the shop's bot: the Telegram template, not the SMS text.
    [tg] = out.telegram_to(TOMEK_CHAT)
    assert (tg.bot_token, tg.chat_id, tg.parse_mode) == (BOT_TOKEN, TOMEK_CHAT, "HTML")
    assert tg.text == (
        "<b>Serwis GSM</b>\n"
        "Zlecenie <b>A-4001</b> (iPhone 12) ma status <b>Ready</b>.\n"
        "Do zapłaty: <b>350.00 PLN</b>\n"
        "Pick up Mon-Fri 9:00-18:00."
    )
    [sms] = out.sms_to(TOMEK_PHONE)
    assert sms.text.startswith('Serwis GSM: zlecenie A-4001 ma status "Ready".')
    [email] = out.emails_to(TOMEK_EMAIL)
    assert email.subject.startswith("Zlecenie A-4001")

    # The executor, who gave the bot a chat: Telegram too (members need no consent), in English.
    [staff] = out.telegram_to(MAREK_CHAT)
    assert staff.text.startswith("<b>Serwis GSM</b>\nOrder <b>A-4001</b> (iPhone 12) is now <b>Ready</b>.")
    assert len(out.telegram) == 2  # nobody else

    telegram = {d["address"]: d for d in out.deliveries_with(channel="telegram")}
    assert {a: (d["status"], d["reasons"]) for a, d in telegram.items()} == {
        str(TOMEK_CHAT): ("sent", ["client_contact:c4"]),
        str(MAREK_CHAT): ("sent", ["relation:executor"]),
    }
    assert telegram[str(TOMEK_CHAT)]["recipient_name"] == "Tomek Zieliński"
    assert telegram[str(TOMEK_CHAT)]["provider_message_id"]  # Telegram's message_id
    assert sorted(sent(out)) == sorted(
        [
            ("email", TOMEK_EMAIL),
            ("sms", TOMEK_PHONE),
            ("telegram", str(TOMEK_CHAT)),
            ("email", MAREK_EMAIL),
            ("sms", MAREK_PHONE),
            ("telegram", str(MAREK_CHAT)),
        ]
    )


def test_a_client_without_telegram_consent_gets_no_telegram_message_and_it_is_logged_skipped(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(telegram_shop_settings())
    out = order_ready_for(rt, "c5", "A-5001")

    assert out.telegram_to(ZOSIA_CHAT) == []
    assert [e.subject for e in out.emails_to(ZOSIA_EMAIL)] == ["Order A-5001: Ready"]
    [skipped] = out.deliveries_with(status="skipped")
    assert (skipped["channel"], skipped["address"], skipped["error_code"]) == (
        "telegram",
        str(ZOSIA_CHAT),
        "no_consent:telegram",
    )
    assert skipped["attempt_count"] == 0  # never queued
    assert [m.chat_id for m in out.telegram] == [MAREK_CHAT]  # the executor is unaffected


@pytest.mark.parametrize("telegram", [{"enabled": False, "bot_token": BOT_TOKEN}, None], ids=["switched-off", "never"])
def test_an_org_without_telegram_enabled_sends_nothing_there(notify_runtime, telegram):
    rt = notify_runtime
    doc = telegram_shop_settings(telegram=telegram or {})
    if telegram is None:
        del doc["telegram"]
    rt.apply_settings(doc)
    out = order_ready_for(rt, "c4", "A-4002")

    assert out.telegram == [] and rt.receiver.received() == []
    assert {(d["address"], d["status"], d["error_code"]) for d in out.deliveries_with(channel="telegram")} == {
        (str(TOMEK_CHAT), "skipped", "telegram_not_enabled"),
        (str(MAREK_CHAT), "skipped", "telegram_not_enabled"),
    }
    assert recipients(out) == {
        TOMEK_EMAIL: ["email"],
        TOMEK_PHONE: ["sms"],
        MAREK_EMAIL: ["email"],
        MAREK_PHONE: ["sms"],
    }
