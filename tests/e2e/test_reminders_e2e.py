"""Reminder series of pending items (products.md §5, README "Timers") on the local runtime, the clock moved on.

Everything is published with plain boto3 ``put_events`` as a product would; the series runs on the state machine the
stack deploys, executed by moto on the runtime's clock; reminders go through the router to the client's users.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_product_taxdome import ORG, taxdome_settings

pytestmark = pytest.mark.e2e

MARIO = "mario@bianchi.example"


@pytest.fixture
def rossi(notify_runtime):  # type: ignore[no-untyped-def]
    settings = taxdome_settings()
    # The firm's own member: hears in-app what happened to its items (signed, archived...).
    settings["members"] = [
        {"user_id": "laura", "name": "Laura", "email": "laura@studiorossi.example", "permissions": ["documents:edit"]}
    ]
    notify_runtime.apply_settings(settings)
    return notify_runtime


def publish(rt, event_type: str, event_id: str, subject_id: str, data: dict[str, Any], **extra: Any) -> None:
    import boto3

    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {
            "type": "document" if not event_type.startswith("chat") else "chat_thread",
            "id": subject_id,
            "client_id": "c1",
        },
        "data": data,
        **extra,
    }
    import json

    resp = boto3.client("events").put_events(
        Entries=[
            {"Source": "taxdome", "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": "notify"}
        ]
    )
    assert not resp.get("FailedEntryCount"), resp
    rt.wait_idle()


def subjects(rt, address: str = MARIO) -> list[str]:
    return [e.subject for e in rt.outbox().emails_to(address)]


SIGN = {"document_name": "Engagement letter 2026.pdf"}


def test_a_signature_is_reminded_every_three_days_then_stops_at_the_count(rossi):
    publish(rossi, "signature.requested", "sig-1", "doc-1", {**SIGN, "reminders": {"every_days": 3, "count": 2}})
    assert subjects(rossi) == ['Please sign "Engagement letter 2026.pdf"']
    rossi.advance(days=2)
    assert len(subjects(rossi)) == 1  # not due yet
    rossi.advance(days=1)
    assert subjects(rossi)[-1] == 'Reminder 1 of 2: Please sign "Engagement letter 2026.pdf"'
    rossi.advance(days=3)
    assert subjects(rossi)[-1] == 'Reminder 2 of 2: Please sign "Engagement letter 2026.pdf"'
    rossi.advance(days=30)
    assert len(subjects(rossi)) == 3
    item = rossi.admin.items.get(ORG, "signature", "doc-1")
    assert (item.state, item.sent, item.next_at) == ("pending", 2, None)
    assert [e.what for e in item.audit] == ["created", "reminder_sent", "reminder_sent"]
