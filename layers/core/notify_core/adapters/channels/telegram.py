"""Telegram: the org's bot sends a message to a chat id (Bot API ``sendMessage``; products.md §2).

Each org brings its own bot: its token (from @BotFather) is a credential kept in SSM (SecureString) under
``<CHAT_SECRET_PREFIX><org>/telegram`` and read through the Powertools cache. The Bot API takes the token
in the URL path (``/bot<token>/sendMessage``), so the URL itself is a secret: it is never put into an error
detail, a log line or the delivery log (details are scrubbed; urllib3's debug log line is redacted).

Messages use Telegram's HTML parse mode: templates may use <b>, <i>, <a href>, and event data is escaped
by the autoescaping template environment (``domain.templates``), so a "<b>" in a client's name
arrives as text.

Outcomes: 200 with ``{"ok": true, "result": {"message_id": N}}`` sent (N is the provider message id);
429 retried no sooner than ``parameters.retry_after``; 408, 5xx, timeouts and connection errors retried;
any other answer (400 chat not found, 401 bad token, 403 blocked by the user or kicked from the group)
failed for good, with Telegram's ``description`` as the reason.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from notify_core.adapters import ssm
from notify_core.adapters.channels import http
from notify_core.adapters.channels.base import SendResult
from notify_core.domain.errors import (
    AmbiguousDeliveryError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notify_core.domain.rendered import Rendered

PARSE_MODE = "HTML"
# A sendMessage answer echoes the message (up to 4096 characters, entities included): read all of it.
MAX_ANSWER_BYTES = 64 * 1024
_TOKEN_IN_TEXT = re.compile(r"bot[0-9]+:[A-Za-z0-9_-]+")


def redact(text: str, token: str | None = None) -> str:
    """``text`` without the bot token (the given one, and anything shaped like a token in a Bot API path)."""
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN_IN_TEXT.sub("bot<token>", text)


class _RedactBotTokens(logging.Filter):
    """urllib3 logs each request line at DEBUG, path included: a Bot API path holds the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "bot" in message and _TOKEN_IN_TEXT.search(message):
            record.msg, record.args = redact(message), None
        return True


_filter = _RedactBotTokens()
for _name in ("urllib3.connectionpool", "urllib3.connection"):
    if _filter not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_filter)


def send_message_payload(chat_id: str, text: str) -> dict[str, Any]:
    # Numeric ids go as integers (as the Bot API documents them); a channel's @username as a string.
    return {
        "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
        "text": text,
        "parse_mode": PARSE_MODE,
    }


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def outcome(answer: http.Answer) -> SendResult:
    """Classify a Bot API answer: a SendResult, or a Permanent/TransientDeliveryError."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    status = answer.status
    description = str(data.get("description") or "").strip()[:300]
    raw_parameters = data.get("parameters")
    parameters: dict[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
    if 200 <= status < 300:
        result = data.get("result")
        if data.get("ok") is True and isinstance(result, dict) and _positive_int(result.get("message_id")) is not None:
            return SendResult(provider_message_id=str(result["message_id"]), http_status=status)
        raise PermanentDeliveryError(
            "rejected", f"HTTP {status} without ok and a message_id: {answer.body[:200]}", http_status=status
        )
    detail = description or f"HTTP {status}: {answer.body[:200]}".strip()
    if status == 429:
        wait = _positive_int(parameters.get("retry_after"))
        raise TransientDeliveryError(
            "http_429", detail, http_status=status, retry_after_s=wait if wait is not None else answer.retry_after_s
        )
    if status == 408 or status >= 500:
        raise TransientDeliveryError(f"http_{status}", detail, http_status=status)
    if "migrate_to_chat_id" in parameters:
        # A group that became a supergroup has a new id: the contact's chat id must be updated.
        raise PermanentDeliveryError(
            "chat_migrated", f"{detail} (the chat is now {parameters['migrate_to_chat_id']})", http_status=status
        )
    raise PermanentDeliveryError(f"http_{status}", detail, http_status=status)


def _scrubbed(exc: DeliveryError, token: str) -> DeliveryError:
    detail = redact(exc.detail, token)
    if isinstance(exc, AmbiguousDeliveryError):
        return AmbiguousDeliveryError(exc.code, detail, http_status=exc.http_status)
    if isinstance(exc, TransientDeliveryError):
        return TransientDeliveryError(exc.code, detail, http_status=exc.http_status, retry_after_s=exc.retry_after_s)
    return PermanentDeliveryError(exc.code, detail, http_status=exc.http_status)


class TelegramChannel:
    name = "telegram"

    def __init__(
        self, secrets: Callable[[str], str], *, secret_prefix: str, policy: http.HttpPolicy, api_base: str
    ) -> None:
        self._secrets = secrets
        self._secret_prefix = secret_prefix
        self._policy = policy
        self._api_base = api_base.rstrip("/")

    def _token(self, org_id: str) -> str:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            return self._secrets(ssm.parameter_name(self._secret_prefix, org_id, ssm.TELEGRAM))
        except (GetParameterError, ssm.SecretMissing):
            # Routing only queues Telegram for orgs that enabled it; a token never stored is a settings problem.
            raise PermanentDeliveryError(
                "no_bot_token", "the org's Telegram bot token is not set (settings document: telegram.bot_token)"
            ) from None

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        token = self._token(message["org_id"])
        url = f"{self._api_base}/bot{token}/sendMessage"
        body = json.dumps(send_message_payload(message["address"], rendered["text"]), ensure_ascii=False)
        try:
            return outcome(http.post(url, body, {}, policy=self._policy, max_body=MAX_ANSWER_BYTES))
        except DeliveryError as exc:
            # "from None": the chained urllib3 exception is not ours to vet; the scrubbed one says what failed.
            raise _scrubbed(exc, token) from None
