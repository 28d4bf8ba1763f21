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
from pynamodb.exceptions import UpdateError
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

    def page(
        self, org_id: str, user_id: str, *, limit: int, after: str | None = None, unread_only: bool = False
    ) -> tuple[list[Any], str | None]:
        """A page of the member's inbox, newest first, and the sort key to go on after (None: no more)."""
        condition = self.Item.read == False if unread_only else None  # noqa: E712 (a PynamoDB condition)
        key = inbox_id(org_id, user_id)
        start = {"inbox_id": {"S": key}, "sk": {"S": after}} if after else None
        found = self.Item.query(
            key, scan_index_forward=False, filter_condition=condition, last_evaluated_key=start, page_size=limit + 1
        )
        items: list[Any] = []
        for item in found:  # one more than asked: whether a next page exists, without an empty last page
            items.append(item)
            if len(items) > limit:
                break
        more = len(items) > limit
        items = items[:limit]
        return items, items[-1].sk if more else None

    def mark_all_read(self, org_id: str, user_id: str) -> int:
        """Mark every unread item read (one UpdateItem each: an inbox is a person's, never large at once)."""
        n = 0
        for item in self.Item.query(inbox_id(org_id, user_id), filter_condition=self.Item.read == False):  # noqa: E712
            item.update(actions=[self.Item.read.set(True)])
            n += 1
        return n

    def unread_count(self, org_id: str, user_id: str) -> int:
        return self.Item.count(inbox_id(org_id, user_id), filter_condition=self.Item.read == False)  # noqa: E712

    def mark_read(self, org_id: str, user_id: str, sk: str) -> None:
        self.Item(inbox_id=inbox_id(org_id, user_id), sk=sk).update(
            actions=[self.Item.read.set(True)], condition=self.Item.inbox_id.exists()
        )

    def mark_one_read(self, org_id: str, user_id: str, sk: str) -> bool:
        """Mark one item read; False when the member has no such item (nothing is created)."""
        try:
            self.Item(inbox_id=inbox_id(org_id, user_id), sk=sk).update(
                actions=[self.Item.read.set(True)], condition=self.Item.inbox_id.exists()
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def erase(self, org_id: str, user_id: str) -> int:
        """Delete every item of the member's inbox in this org (erasure): one Query, BatchWriteItem deletes."""
        items = list(self.Item.query(inbox_id(org_id, user_id)))
        with self.Item.batch_write() as batch:
            for item in items:
                batch.delete(item)
        return len(items)
