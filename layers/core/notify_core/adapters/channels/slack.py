"""Slack: a Block Kit message to the org's incoming webhook (products.md §1: Slack is configured per org).

The webhook URL is a credential, kept in SSM (SecureString) and read through the Powertools cache.
Slack answers 200 "ok" on success; 404/410 (no_service, channel_not_found) fail for good, 429 and 5xx
are retried.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from notify_core.adapters import ssm
from notify_core.adapters.channels import http
from notify_core.adapters.channels.base import SendResult
from notify_core.domain.rendered import Rendered


def block_kit(text: str) -> dict[str, Any]:
    # "text" is the notification fallback; the section block is what the channel shows.
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class SlackChannel:
    name = "slack"

    def __init__(self, secrets: Callable[[str], str], *, secret_prefix: str, policy: http.HttpPolicy) -> None:
        self._secrets = secrets
        self._secret_prefix = secret_prefix
        self._policy = policy

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        url = self._secrets(ssm.parameter_name(self._secret_prefix, message["org_id"], ssm.SLACK))
        body = json.dumps(block_kit(rendered["text"]), ensure_ascii=False)
        return http.post_json(url, body, {}, policy=self._policy, ok_body="ok")
