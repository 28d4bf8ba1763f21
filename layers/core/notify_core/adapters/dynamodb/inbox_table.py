"""The in-app inbox: per member of an org, newest first, read/unread (always on for members).

Keys: ``inbox_id = <org_id>#<user_id>`` (tenant in the key: one org's inbox can never list another org's
items), ``sk = <occurred_at>#<delivery_id>`` (newest first with a reverse query; stable, so a router retry
finds the same item instead of adding one, and leaves it as it is: ``create_only``, never a second put that
would mark a read message unread).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.adapters.dynamodb.create_only import create_all
from notify_core.domain.delivery import utcnow_iso

RETENTION = timedelta(days=180)


class InboxItem(Model):
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


class InboxTable:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(InboxItem, table_name)

    def write(self, items: list[dict[str, Any]], *, fresh: bool = False) -> None:
        """Write rendered in-app messages that are not there yet (a conditional put each; an existing one stays).
        ``fresh``: the event's first receive, when none can be there yet (``create_only``): batch writes."""
        now = utcnow_iso()
        create_all(
            self.Item,
            [
                self.Item(
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
                for i in items
            ],
            fresh=fresh,
        )

    def list_items(self, org_id: str, user_id: str, *, limit: int = 20, unread_only: bool = False) -> list[Any]:
        condition = self.Item.read == False if unread_only else None  # noqa: E712 (a PynamoDB condition)
        return list(
            self.Item.query(
                inbox_id(org_id, user_id), scan_index_forward=False, limit=limit, filter_condition=condition
            )
        )

    def unread_count(self, org_id: str, user_id: str) -> int:
        return self.Item.count(inbox_id(org_id, user_id), filter_condition=self.Item.read == False)  # noqa: E712

    def mark_read(self, org_id: str, user_id: str, sk: str) -> None:
        self.Item(inbox_id=inbox_id(org_id, user_id), sk=sk).update(
            actions=[self.Item.read.set(True)], condition=self.Item.inbox_id.exists()
        )
