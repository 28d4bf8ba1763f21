"""What the router remembers of each event it routed: its type and fingerprint, for 7 days (the ``idempotency``
table of the wiring; TTL on ``expiration``).

A repeat of a routed event (EventBridge retries for 24 h; products republish) is then dropped after one read, and
an event id reused for another event is caught. One BatchGetItem per router batch reads them, one BatchWriteItem
per batch writes them, after the batch's deliveries are queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind

KEPT = timedelta(days=7)


class EventRecordItem(Model):
    id = UnicodeAttribute(hash_key=True)  # <org_id>#<event_id>
    event_type = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    expiration = TTLAttribute()


def record_id(org_id: str, event_id: str) -> str:
    # The event contract allows "#" in ids: the length prefix keeps (a#b, c) and (a, b#c) apart.
    return f"{len(org_id)}:{org_id}#{event_id}"


class EventRecordsTable:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(EventRecordItem, table_name)

    def seen(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
        by_id = {record_id(org, event): (org, event) for org, event in keys}
        if not by_id:
            return {}
        return {by_id[i.id]: (i.event_type, i.fingerprint) for i in self.Item.batch_get(sorted(by_id))}

    def remember(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        with self.Item.batch_write() as batch:
            for org_id, event_id, event_type, fingerprint in events:
                batch.save(
                    self.Item(
                        id=record_id(org_id, event_id),
                        event_type=event_type,
                        fingerprint=fingerprint,
                        expiration=KEPT,
                    )
                )
