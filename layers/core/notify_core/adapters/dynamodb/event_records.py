"""What the router remembers of each event it routed: its type and fingerprint, for 7 days (the ``idempotency``
table of the wiring; TTL on ``expiration``).

A repeat of a routed event (EventBridge retries for 24 h; products republish) is then dropped after one read, and
an event id reused for another event is caught. One BatchGetItem per router batch reads them; one BatchWriteItem
per batch marks the batch's new events as begun (``state`` "routing") before anything of theirs is written, and one
marks them routed (no ``state``) after their deliveries are queued. An event found begun but not routed was cut off
mid-routing (a crash, a timeout, a failed write): whatever it routes again is written create-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain.event_records import SeenEvent

KEPT = timedelta(days=7)


class EventRecordItem(Model):
    id = UnicodeAttribute(hash_key=True)  # <org_id>#<event_id>
    event_type = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute(null=True)  # "routing" while begun; absent once routed
    expiration = TTLAttribute()


BEGUN = "routing"


def record_id(org_id: str, event_id: str) -> str:
    # The event contract allows "#" in ids: the length prefix keeps (a#b, c) and (a, b#c) apart.
    return f"{len(org_id)}:{org_id}#{event_id}"


class EventRecordsTable:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(EventRecordItem, table_name)

    def seen(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], SeenEvent]:
        by_id = {record_id(org, event): (org, event) for org, event in keys}
        if not by_id:
            return {}
        return {
            by_id[i.id]: SeenEvent(i.event_type, i.fingerprint, routed=i.state != BEGUN)
            for i in self.Item.batch_get(sorted(by_id))
        }

    def begin(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        self._write(events, BEGUN)

    def remember(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        self._write(events, None)

    def _write(self, events: Sequence[tuple[str, str, str, str]], state: str | None) -> None:
        with self.Item.batch_write() as batch:
            for org_id, event_id, event_type, fingerprint in events:
                batch.save(
                    self.Item(
                        id=record_id(org_id, event_id),
                        event_type=event_type,
                        fingerprint=fingerprint,
                        state=state,
                        expiration=KEPT,
                    )
                )
