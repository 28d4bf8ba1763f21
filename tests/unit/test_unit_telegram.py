"""Telegram: chat id validation, the sendMessage payload, Bot API outcomes, escaping, routing (no network, no AWS)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from unit_factories import ORG_ID, contact, product_event

from notify_core.adapters.channels import http
from notify_core.adapters.channels.telegram import outcome, redact, send_message_payload
from notify_core.domain import catalog, routing, templates
from notify_core.domain.addresses import InvalidAddress, mask, normalise_telegram_chat_id
from notify_core.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.org_settings import Client, Member, OrgProfile, OrgSettings
from notify_core.domain.settings_document import SettingsDocument

pytestmark = pytest.mark.unit

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


# --- addresses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (123456789, "123456789"),
        ("123456789", "123456789"),
        (" 42 ", "42"),
        (-1001234567890, "-1001234567890"),  # a supergroup or channel
        ("-4012345", "-4012345"),  # a basic group
        ("@FixIt_News", "@fixit_news"),  # a public channel's username: case-insensitive
    ],
)
def test_valid_chat_ids_are_normalised(raw, normalised):
    assert normalise_telegram_chat_id(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "12.5",
        "+48512345678",
        "0",
        "-0",
        "@abc",
        "@1channel",
        "@with space",
        "fixit_news",
        2**53,
        "12345678901234567",
        True,
    ],
)
def test_invalid_chat_ids_are_refused_with_a_clear_error(raw):
    with pytest.raises(InvalidAddress, match="Telegram"):
        normalise_telegram_chat_id(raw)


def test_a_chat_id_is_masked_in_logs():
    assert mask("123456789") == "***"


def test_the_settings_document_validates_and_normalises_chat_ids():
    doc = SettingsDocument.model_validate(
        {
            "org_id": "shop",
            "name": "Shop",
            "contacts": [{"id": "jan", "name": "Jan", "telegram": 123456789, "consent": {"telegram": True}}],
            "members": [{"user_id": "u1", "name": "U", "telegram": "@Shop_Staff"}],
            "telegram": {"enabled": True, "bot_token": TOKEN},
        }
    )
    assert doc.contacts[0].telegram == "123456789" and doc.contacts[0].consent == {"telegram": True}
    assert doc.members[0].telegram == "@shop_staff"
    assert TOKEN not in repr(doc)  # the token never shows in a repr (and so in a traceback or a log)
    with pytest.raises(ValidationError, match=r"contacts\.0\.telegram[\s\S]*not a Telegram chat id"):
        SettingsDocument.model_validate(
            {"org_id": "shop", "name": "Shop", "contacts": [{"id": "jan", "name": "Jan", "telegram": "jan"}]}
        )
    with pytest.raises(ValidationError, match=r"telegram\.bot_token"):
        SettingsDocument.model_validate({"org_id": "shop", "name": "Shop", "telegram": {"bot_token": "x/../y"}})


# --- payload and outcomes --------------------------------------------------------------------------------


def test_the_payload_sends_numeric_ids_as_integers_and_usernames_as_strings():
    assert send_message_payload("-1001234567890", "<b>Hi</b>") == {
        "chat_id": -1001234567890,
        "text": "<b>Hi</b>",
        "parse_mode": "HTML",
    }
    assert send_message_payload("@fixit_news", "Hi")["chat_id"] == "@fixit_news"


def answer(status: int, body: dict | str, retry_after: int | None = None) -> http.Answer:
    return http.Answer(status, body if isinstance(body, str) else json.dumps(body), retry_after)


def test_ok_is_sent_with_the_message_id_as_provider_id():
    result = outcome(answer(200, {"ok": True, "result": {"message_id": 4711, "chat": {"id": 1}, "text": "x"}}))
    assert (result.provider_message_id, result.http_status) == ("4711", 200)


@pytest.mark.parametrize("body", [{"ok": False}, {"ok": True, "result": {}}, "ok", ""])
def test_a_200_without_ok_and_a_message_id_is_rejected(body):
    with pytest.raises(PermanentDeliveryError) as err:
        outcome(answer(200, body))
    assert err.value.code == "rejected"


def test_429_is_retried_no_sooner_than_telegrams_retry_after():
    body = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 17",
        "parameters": {"retry_after": 17},
    }
    with pytest.raises(TransientDeliveryError) as err:
        outcome(answer(429, body, retry_after=3))
    assert (err.value.code, err.value.retry_after_s, err.value.detail) == (
        "http_429",
        17,
        "Too Many Requests: retry after 17",
    )
    with pytest.raises(TransientDeliveryError) as err:  # no parameters: the Retry-After header
        outcome(answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests"}, retry_after=3))
    assert err.value.retry_after_s == 3


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_server_errors_are_retried(status):
    with pytest.raises(TransientDeliveryError) as err:
        outcome(answer(status, "<html>Bad Gateway</html>"))
    assert err.value.code == f"http_{status}" and err.value.retry_after_s is None


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: bot was kicked from the group chat"),
        (401, "Unauthorized"),
    ],
)
def test_client_errors_fail_for_good_with_telegrams_description(status, description):
    with pytest.raises(PermanentDeliveryError) as err:
        outcome(answer(status, {"ok": False, "error_code": status, "description": description}))
    assert (err.value.code, err.value.detail, err.value.http_status) == (f"http_{status}", description, status)


def test_a_group_upgraded_to_a_supergroup_says_its_new_id():
    body = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1009876543210},
    }
    with pytest.raises(PermanentDeliveryError) as err:
        outcome(answer(400, body))
    assert err.value.code == "chat_migrated" and "-1009876543210" in err.value.detail


def test_redact_removes_the_token_and_anything_shaped_like_a_bot_path():
    assert redact(f"POST /bot{TOKEN}/sendMessage failed", TOKEN) == "POST /bot<token>/sendMessage failed"
    assert redact("http://x/bot42:abc_DEF-1/sendMessage") == "http://x/bot<token>/sendMessage"


# --- templates: Telegram HTML, data escaped --------------------------------------------------------------


def _context(data: dict, org_name: str = "FixIt Serwis") -> dict:
    return {"data": data, "org": {"name": org_name, "id": ORG_ID}, "recipient": {"name": None}}


def test_event_data_is_escaped_in_telegram_html_while_the_templates_own_tags_stay(templates_dir):
    data = {
        **catalog.CATALOG["order.status_changed"].example,
        "ready_message": "<b>Free</b> case & cable",
        "status": "Ready <script>",
    }
    text = templates.render("order.status_changed", "telegram", "en", _context(data, "Smith & Co"), templates_dir)[
        "text"
    ]
    assert text.splitlines() == [
        "<b>Smith &amp; Co</b>",
        "Order <b>A-1042</b> (iPhone 12) is now <b>Ready &lt;script&gt;</b>.",
        "Amount due: <b>350.00 PLN</b>",
        "&lt;b&gt;Free&lt;/b&gt; case &amp; cable",
    ]


def test_the_sms_of_the_same_event_is_not_escaped(templates_dir):
    data = {**catalog.CATALOG["order.status_changed"].example, "ready_message": "Case & cable"}
    sms = templates.render("order.status_changed", "sms", "en", _context(data), templates_dir)["text"]
    assert sms.endswith("Case & cable")


# --- routing ---------------------------------------------------------------------------------------------


def _shop(*, telegram_enabled: bool = True, consent: dict | None = None) -> OrgSettings:
    jan = contact(
        "ct-jan",
        phones=[("+48 512 345 678", "work")],
        telegram="123456789",
        consent={"sms": True, "telegram": True} if consent is None else consent,
    )
    marek = Member(user_id="u-marek", name="Marek", telegram="-4012345")
    client = Client(client_id="c1", name="Jan", contact_ids=["ct-jan"])
    profile = OrgProfile(name="Shop", default_phone_region="PL", telegram_enabled=telegram_enabled)
    return OrgSettings(ORG_ID, profile, contacts={"ct-jan": jan}, members={"u-marek": marek}, client=client)


def _route(settings: OrgSettings) -> list[tuple[str, str, str, str | None, list[str]]]:
    event = product_event("order.status_changed")
    event.detail.subject.client_id = "c1"
    event.detail.subject.relations.update(executor=["u-marek"])
    result = routing.route(event, catalog.CATALOG["order.status_changed"], settings)
    return sorted(
        (d.channel, d.address, d.status, d.skip_reason, d.reasons) for d in result.deliveries if d.channel == "telegram"
    )


def test_a_consenting_client_and_a_member_with_a_chat_id_get_telegram():
    assert _route(_shop()) == [
        ("telegram", "-4012345", "queued", None, ["relation:executor"]),  # members need no consent
        ("telegram", "123456789", "queued", None, ["client_contact:c1"]),
    ]


@pytest.mark.parametrize("consent", [{"sms": True}, {"telegram": False}])
def test_a_client_without_telegram_consent_is_skipped(consent):
    assert ("telegram", "123456789", "skipped", "no_consent:telegram", ["client_contact:c1"]) in _route(
        _shop(consent=consent)
    )


def test_without_the_orgs_bot_nothing_is_queued_for_telegram():
    assert {(d[1], d[2], d[3]) for d in _route(_shop(telegram_enabled=False))} == {
        ("-4012345", "skipped", "telegram_not_enabled"),
        ("123456789", "skipped", "telegram_not_enabled"),
    }
