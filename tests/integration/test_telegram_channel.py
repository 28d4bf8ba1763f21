"""The Telegram adapter against a real HTTP server on loopback playing the Bot API, and the bot token's secrecy.

The receiver answers ``/telegram/bot<token>/sendMessage`` as Telegram does unless told otherwise; failing
answers carry Telegram's JSON error shape (``{"ok": false, "error_code", "description", "parameters"}``).
"""

from __future__ import annotations

import json
import logging
import socket

import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from notify_core.adapters.channels.http import HttpPolicy
from notify_core.adapters.channels.telegram import TelegramChannel
from notify_core.domain.errors import AmbiguousDeliveryError, PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.templates import Rendered
from notify_core.observability import logger as notify_logger
from notify_local.receiver import WebhookReceiver
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.integration

TOKEN = "7012345678:AAF0kq-Secret_Token_zz9X8c7V6b5N4m3L2k"
PATH = f"/telegram/bot{TOKEN}/sendMessage"


LOCAL = HttpPolicy(timeout_s=0.5, allow_loopback=True)
API = {}


@pytest.fixture
def receiver():
    r = WebhookReceiver().start()
    API["base"] = r.telegram_api_base
    yield r
    r.stop()


def channel(lookup, *, policy: HttpPolicy = LOCAL, api_base: str | None = None) -> TelegramChannel:
    return TelegramChannel(
        lookup, secret_prefix="/notify/chat-secrets/", policy=policy, api_base=api_base or API["base"]
    )


def send(
    text: str = "<b>Order A-1042</b> is ready",
    chat_id: str = "123456789",
    lookups: list | None = None,
    *,
    policy: HttpPolicy = LOCAL,
    api_base: str | None = None,
):
    def lookup(name: str) -> str:
        if lookups is not None:
            lookups.append(name)
        return TOKEN

    channel_ = channel(lookup, policy=policy, api_base=api_base)
    message = {"org_id": "serwis-gsm", "address": chat_id, "delivery_id": "dlv_1"}
    return channel_.send(message, Rendered("t", {"text": text}))


def error_body(code: int, description: str, **parameters: int) -> str:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body)


def test_sent_with_the_chat_id_text_and_parse_mode_and_telegrams_message_id(receiver):
    lookups: list[str] = []
    result = send(lookups=lookups)
    assert lookups == ["/notify/chat-secrets/serwis-gsm/telegram"]  # the org's bot token, from SSM
    [message] = receiver.telegram_messages()
    assert (message.bot_token, message.chat_id, message.text, message.parse_mode) == (
        TOKEN,
        123456789,
        "<b>Order A-1042</b> is ready",
        "HTML",
    )
    [request] = receiver.received(PATH)
    assert request.headers["content-type"] == "application/json"
    assert (result.provider_message_id, result.http_status) == ("1", 200)
    assert send(chat_id="-1001234567890").provider_message_id == "2"
    assert receiver.telegram_messages(-1001234567890)[0].chat_id == -1001234567890


def test_429_is_transient_and_honours_retry_after(receiver):
    receiver.respond(PATH, 429, body=error_body(429, "Too Many Requests: retry after 35", retry_after=35))
    with pytest.raises(TransientDeliveryError) as err:
        send()
    assert (err.value.code, err.value.retry_after_s, err.value.http_status) == ("http_429", 35, 429)


def test_403_blocked_by_the_user_fails_for_good_with_telegrams_description(receiver):
    receiver.respond(PATH, 403, body=error_body(403, "Forbidden: bot was blocked by the user"))
    with pytest.raises(PermanentDeliveryError) as err:
        send()
    assert (err.value.code, err.value.detail) == ("http_403", "Forbidden: bot was blocked by the user")


def test_a_slow_api_may_have_posted_the_message_so_the_outcome_is_unknown(receiver):
    # The Bot API has no idempotency key: a request it got but did not answer in time is not sent again.
    receiver.respond(PATH, 200, delay_s=1.5)
    with pytest.raises(AmbiguousDeliveryError) as err:
        send()
    assert err.value.code == "timeout"
    assert len(receiver.received(PATH)) == 1


def test_a_missing_bot_token_fails_for_good():
    def lookup(name: str) -> str:
        raise GetParameterError(f"parameter {name} not found")

    with pytest.raises(PermanentDeliveryError) as err:
        channel(lookup, api_base="https://api.telegram.org").send(
            {"org_id": "o", "address": "1", "delivery_id": "d"}, Rendered("t", {"text": "x"})
        )
    assert err.value.code == "no_bot_token"


def test_loopback_is_refused_unless_the_local_runtime_allows_it(receiver):
    with pytest.raises(PermanentDeliveryError) as err:
        send(policy=HttpPolicy(timeout_s=0.5))
    assert err.value.code == "unsafe_url" and TOKEN not in str(err.value)
    assert receiver.received() == []


# --- the token never leaks ------------------------------------------------------------------------------


@pytest.fixture
def captured_logs():
    """Every log record, at DEBUG, of our logger, urllib3 and the root logger, while the test runs."""
    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Capture(logging.DEBUG)
    loggers = [logging.getLogger(notify_logger.name), logging.getLogger("urllib3"), logging.getLogger()]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


# The AWS SDK's own DEBUG logging prints API bodies (an SSM GetParameter answer holds any decrypted secret):
# never enabled in the functions; left out here. moto and werkzeug are the local AWS stand-in's logs.
_AWS_SIDE = ("botocore", "boto3", "moto", "werkzeug")


def _text(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.__dict__!r}"


def _leaks(records: list[logging.LogRecord]) -> list[str]:
    return [_text(r) for r in records if not r.name.startswith(_AWS_SIDE) and TOKEN in _text(r)]


def test_the_token_is_not_in_an_error_when_the_connection_fails(receiver, captured_logs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket closes
    with pytest.raises(TransientDeliveryError) as err:
        send(api_base=f"http://127.0.0.1:{port}")
    assert err.value.code == "connection_error"
    assert TOKEN not in str(err.value) and err.value.__cause__ is None and err.value.__context__ is not None
    assert _leaks(captured_logs) == []


def shop(receiver_url: str, *, enabled: bool = True) -> dict:
    return {
        "org_id": "serwis-gsm",
        "name": "Serwis GSM",
        "email_from": "powiadomienia@serwis.example",
        "contacts": [{"id": "ct-tomek", "name": "Tomek", "telegram": 123456789, "consent": {"telegram": True}}],
        "clients": [{"id": "c9", "name": "Tomek", "contacts": ["ct-tomek"]}],
        "telegram": {"enabled": enabled, "bot_token": TOKEN},
    }


def order_ready(event_id: str) -> dict:
    data = {"order_number": "A-77", "status": "Ready"}
    return make_detail(event_id, data, org="serwis-gsm", subject={"type": "order", "id": "A-77", "client_id": "c9"})


@pytest.mark.parametrize(
    ("status", "body", "final"),
    [
        # Telegram would not quote the token back; a proxy or a future error text might: it is scrubbed anyway.
        (404, error_body(404, f"Not Found: POST /bot{TOKEN}/sendMessage"), "failed"),
        (403, error_body(403, "Forbidden: bot was kicked from the group chat"), "failed"),
        (502, f"<html>502 Bad Gateway for /bot{TOKEN}/sendMessage</html>", "dead"),  # retried until dead
    ],
    ids=["404-path-echoed", "403-kicked", "502-until-dead"],
)
def test_the_token_is_absent_from_the_delivery_log_and_the_logs(notify_runtime, captured_logs, status, body, final):
    rt = notify_runtime
    rt.apply_settings(shop(rt.receiver.url))
    rt.receiver.respond(PATH, status, body=body)
    put_event(rt, "order.status_changed", order_ready(f"ord-77-{status}"))
    rt.wait_idle()
    out = rt.outbox()

    [delivery] = out.deliveries_with(channel="telegram")
    assert (delivery["address"], delivery["status"]) == ("123456789", final)
    assert len(rt.receiver.received(PATH)) == (1 if final == "failed" else 8)  # the chat queue's maxReceiveCount
    everything = json.dumps(out.deliveries, default=str)
    assert TOKEN not in everything
    assert "bot<token>" in everything or status == 403  # the detail says where, the token cut out
    assert _leaks(captured_logs) == []
    # The requests were logged (urllib3 logs each one at DEBUG, path included): with the token cut out.
    assert any("/bot<token>/sendMessage" in r.getMessage() for r in captured_logs if r.name.startswith("urllib3"))
    assert not any(TOKEN in e for e in rt.errors)


def test_the_bot_token_goes_to_ssm_as_a_secure_string_and_never_to_the_table_or_an_export(notify_runtime):
    import boto3

    notify_runtime.apply_settings(shop(notify_runtime.receiver.url))
    param = boto3.client("ssm").get_parameter(Name="/notify/chat-secrets/serwis-gsm/telegram", WithDecryption=True)
    assert (param["Parameter"]["Type"], param["Parameter"]["Value"]) == ("SecureString", TOKEN)
    items = boto3.client("dynamodb").scan(TableName="notify-settings")["Items"]
    assert items and TOKEN not in json.dumps(items)
    exported = notify_runtime.admin.settings.export("serwis-gsm")
    assert exported["telegram"] == {"enabled": True} and TOKEN not in json.dumps(exported)
    assert exported["contacts"][0]["telegram"] == "123456789"
    # The export applies again as it is (the token stays in SSM from the first apply).
    notify_runtime.apply_settings(exported)
    put_event(notify_runtime, "order.status_changed", order_ready("ord-77-reapplied"))
    notify_runtime.wait_idle()
    [message] = notify_runtime.outbox().telegram
    assert (message.bot_token, message.chat_id) == (TOKEN, 123456789)
