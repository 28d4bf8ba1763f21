"""The in-app inbox: per member of an org, newest first, read/unread (always on for members).

Keys: ``inbox_id = <org_id>#<user_id>`` (tenant in the key: one org's inbox can never list another
org's items), ``sk = <occurred_at>#<delivery_id>`` (newest first with a reverse query; stable, so a
router retry rewrites the same item instead of adding one).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.delivery_log import utcnow_iso

RETENTION = timedelta(days=180)


class InboxItem(Model):
    class Meta:
        table_name = os.environ.get("INBOX_TABLE", "notify-inbox")

    inbox_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    reasons = ListAttribute(of=UnicodeAttribute, default=list)
    read = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


def inbox_id(org_id: str, user_id: str) -> str:
    return f"{org_id}#{user_id}"


def write(items: list[dict[str, Any]]) -> None:
    """Batch-write rendered in-app messages (25 per call)."""
    now = utcnow_iso()
    with InboxItem.batch_write() as batch:
        for i in items:
            batch.save(
                InboxItem(
                    inbox_id=inbox_id(i["org_id"], i["user_id"]),
                    sk=f"{i['occurred_at']}#{i['delivery_id']}",
                    org_id=i["org_id"],
                    user_id=i["user_id"],
                    delivery_id=i["delivery_id"],
                    event_id=i["event_id"],
                    event_type=i["event_type"],
                    title=i["title"],
                    body=i["body"],
                    reasons=list(i["reasons"]),
                    read=False,
                    created_at=now,
                    expires_at=RETENTION,
                )
            )


def list_items(org_id: str, user_id: str, *, limit: int = 20, unread_only: bool = False) -> list[InboxItem]:
    condition = InboxItem.read == False if unread_only else None  # noqa: E712 (a PynamoDB condition)
    return list(
        InboxItem.query(inbox_id(org_id, user_id), scan_index_forward=False, limit=limit, filter_condition=condition)
    )


def unread_count(org_id: str, user_id: str) -> int:
    return InboxItem.count(inbox_id(org_id, user_id), filter_condition=InboxItem.read == False)  # noqa: E712


def mark_read(org_id: str, user_id: str, sk: str) -> None:
    InboxItem(inbox_id=inbox_id(org_id, user_id), sk=sk).update(
        actions=[InboxItem.read.set(True)], condition=InboxItem.inbox_id.exists()
    )
