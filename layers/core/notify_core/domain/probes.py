"""Probes: a webhook endpoint's test ping (``webhook.ping``) and a Slack or Telegram connection's test message
(``connection.test``), each a delivery that goes the way every delivery of its channel goes (its queue, its sender:
the SSRF-guarded call with the org's secret, the delivery log), tried once.

Only the senders read secrets (the admin API may write them, never read one), so the API cannot sign a ping or
post to Slack itself: it queues the probe and waits a few seconds for the sender's outcome. A probe's failure is
final at once (no retries, no dead letter, no "URL notification failed" alert) and it leaves an endpoint's health
alone (a failing ping neither disables an endpoint nor clears a failure streak). A chat test carries its text
(``probe_text``): it is no event of the catalog, so it has no template.
"""

from __future__ import annotations

import secrets
from typing import Any

from notify_core.domain.rendered import Rendered

PING_EVENT = "webhook.ping"
CHAT_TEST_EVENT = "connection.test"
PROBE = "probe"  # the queue message's flag
PROBE_TEXT = "probe_text"


def ping_message(*, org_id: str, org_name: str, endpoint_id: str, url: str, at: str) -> dict[str, Any]:
    """The queue message of one ping (a random delivery id of the usual form: the API and receivers take it as any)."""
    return _message(PING_EVENT, "webhook", org_id, org_name, url, at, endpoint_id=endpoint_id)


def chat_test_message(*, org_id: str, org_name: str, channel: str, address: str, at: str, by: str) -> dict[str, Any]:
    """A Slack (address: the org) or Telegram (address: a chat id) test message, sent at ``by``'s request."""
    message = _message(CHAT_TEST_EVENT, channel, org_id, org_name, address, at)
    message[PROBE_TEXT] = f"Test message from notify for {org_name}, sent by {by}: this {channel} connection works."
    return message


def rendered(message: dict[str, Any]) -> Rendered | None:
    """What a probe that carries its text sends (None: render it from its templates as any delivery)."""
    if is_probe(message) and isinstance(message.get(PROBE_TEXT), str):
        return Rendered(template="probe", parts={"text": message[PROBE_TEXT]})
    return None


def _message(
    event_type: str, channel: str, org_id: str, org_name: str, address: str, at: str, *, endpoint_id: str | None = None
) -> dict[str, Any]:
    token = secrets.token_hex(16)
    subject = {"type": "webhook_endpoint", "id": endpoint_id} if endpoint_id else {"type": "connection", "id": channel}
    return {
        "delivery_id": f"dlv_{token}",
        "org_id": org_id,
        "event_id": f"probe-{token}",
        "event_type": event_type,
        "channel": channel,
        "address": address,
        "recipient_name": None,
        "endpoint_id": endpoint_id,
        "user_id": None,
        "locale": None,
        "reasons": ["probe"],
        "org": {"name": org_name, "email_from": None},
        "event": {
            "source": "notify.platform",
            "occurred_at": at,
            "subject": subject,
            "actor": None,
            "data": {"ping": True} if endpoint_id else {"test": True},
        },
        "routed_at": at,
        PROBE: True,
    }


def is_probe(message: dict[str, Any]) -> bool:
    return bool(message.get(PROBE))
