"""Slack: a Block Kit message to the org's incoming webhook (SEEDS §1: Slack is configured per org).

The webhook URL is a credential, kept in SSM (SecureString) and read through the Powertools cache.
Slack answers 200 "ok" on success; 404/410 (no_service, channel_not_found) fail for good, 429 and 5xx
are retried.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from notify_core import ssrf
from notify_core.channels import http
from notify_core.channels.base import SendResult
from notify_core.channels.webhook import secret_parameter_name, ssm_secret
from notify_core.config import get_config
from notify_core.templates import Rendered


def slack_parameter_name(org_id: str) -> str:
    return secret_parameter_name(org_id, "slack", prefix=get_config().chat_secret_prefix)


def block_kit(text: str) -> dict[str, Any]:
    # "text" is the notification fallback; the section block is what the channel shows.
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class SlackChannel:
    name = "slack"

    def __init__(
        self,
        secret_lookup: Callable[[str], str] = ssm_secret,
        resolver: ssrf.Resolver = ssrf.system_resolver,
    ) -> None:
        self._secret_lookup = secret_lookup
        self._resolver = resolver

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        url = self._secret_lookup(slack_parameter_name(message["org_id"]))
        body = json.dumps(block_kit(rendered["text"]), ensure_ascii=False)
        return http.post_json(url, body, {}, resolver=self._resolver, ok_body="ok")
