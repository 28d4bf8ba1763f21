"""A webhook endpoint's test ping: a ``webhook.ping`` delivery that goes the way every webhook goes (the webhook
queue, its sender: the SSRF-guarded POST signed with the endpoint's secrets, the delivery log), tried once.

Only the sender reads secrets (the admin API may write them, never read one), so the API cannot sign a ping
itself: it queues one and waits a few seconds for the sender's outcome. A ping is a *probe*: a failure is final at
once (no retries, no dead letter, no "URL notification failed" alert) and it leaves the endpoint's health alone
(a failing ping neither disables an endpoint nor clears a failure streak).
"""

from __future__ import annotations

import secrets
from typing import Any

PING_EVENT = "webhook.ping"
PROBE = "probe"  # the queue message's flag


def ping_message(*, org_id: str, org_name: str, endpoint_id: str, url: str, at: str) -> dict[str, Any]:
    """The queue message of one ping (a random delivery id of the usual form: the API and receivers take it as any)."""
    token = secrets.token_hex(16)
    return {
        "delivery_id": f"dlv_{token}",
        "org_id": org_id,
        "event_id": f"ping-{token}",
        "event_type": PING_EVENT,
        "channel": "webhook",
        "address": url,
        "recipient_name": None,
        "endpoint_id": endpoint_id,
        "user_id": None,
        "locale": None,
        "reasons": ["ping"],
        "org": {"name": org_name, "email_from": None},
        "event": {
            "source": "notify.platform",
            "occurred_at": at,
            "subject": {"type": "webhook_endpoint", "id": endpoint_id},
            "actor": None,
            "data": {"ping": True},
        },
        "routed_at": at,
        PROBE: True,
    }


def is_probe(message: dict[str, Any]) -> bool:
    return bool(message.get(PROBE))
