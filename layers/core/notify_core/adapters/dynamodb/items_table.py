"""Pending items (``domain.reminders``): one per (org, item type, item id), with its series state and audit trail.

Keys: ``org_id`` (the tenant: an org's items are one Query away, never another org's) and ``item_key =
<item type>#<item id>``. Writes are whole items guarded by PynamoDB's ``VersionAttribute``: the timers function (a
completion event) and the remind function (a step waking up) may touch one item at once, and the one that loses
the race fails and is retried (SQS, Step Functions' Retry), reading what the other wrote. Done items (tombstones
included) expire after the delivery log's retention; pending ones never do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain.reminders import AuditEntry, Item, Settings, item_key


class PendingItem(Model):
    org_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    item_type = UnicodeAttribute()
    item_id = UnicodeAttribute()
    state = UnicodeAttribute()
    enabled = NumberAttribute()
    every_days = NumberAttribute()
    reminders_count = NumberAttribute(attr_name="count")  # "count" is a Model method
    event_type = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)  # the start event's detail, JSON (the same audience, the same words)
    start_event_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    series = NumberAttribute(default=0)
    sent = NumberAttribute(default=0)
    step = NumberAttribute(default=0)
    next_at = UnicodeAttribute(null=True)
    done_at = UnicodeAttribute(null=True)
    done_reason = UnicodeAttribute(null=True)
    audit = UnicodeAttribute(default="[]")  # JSON list of AuditEntry
    plan = UnicodeAttribute(null=True)  # JSON list of [when, label]: an appointment's reminders still ahead
    hours = UnicodeAttribute(null=True)  # the org's business hours its steps land in ("Europe/Warsaw 08:00-20:00")
    version = VersionAttribute()
    expires_at = TTLAttribute(null=True)


class ItemsTable:
    def __init__(self, table_name: str, *, retention_days: int) -> None:
        self.Item = bind(PendingItem, table_name)
        self.retention = timedelta(days=retention_days)

    def get(self, org_id: str, item_type: str, item_id: str) -> Item | None:
        try:
            row = self.Item.get(org_id, item_key(item_type, item_id), consistent_read=True)
        except self.Item.DoesNotExist:
            return None
        return _item(row)

    def put(self, item: Item) -> Item:
        """Write the whole item if nobody wrote it since it was read (raises PutError otherwise: retry)."""
        row = self.Item(
            org_id=item.org_id,
            item_key=item.key,
            item_type=item.item_type,
            item_id=item.item_id,
            state=item.state,
            enabled=int(item.settings.enabled),
            every_days=item.settings.every_days,
            reminders_count=item.settings.count,
            event_type=item.event_type,
            detail=None if item.detail is None else json.dumps(item.detail, separators=(",", ":")),
            start_event_id=item.start_event_id,
            started_at=item.started_at,
            series=item.series,
            sent=item.sent,
            step=item.step,
            next_at=item.next_at,
            done_at=item.done_at,
            done_reason=item.done_reason,
            audit=json.dumps([e.as_dict() for e in item.audit], separators=(",", ":")),
            plan=json.dumps([list(p) for p in item.plan]) if item.plan else None,
            hours=item.hours,
            expires_at=self.retention if item.state == "done" else None,
        )
        if item.version:
            row.version = item.version  # save() then requires the table to hold this version, and bumps it
        row.save()
        return replace(item, version=int(row.version))

    def for_org(self, org_id: str, *, item_type: str | None = None) -> Iterator[Item]:
        condition = self.Item.item_key.startswith(f"{item_type}#") if item_type else None
        for row in self.Item.query(org_id, condition):
            yield _item(row)


def _item(row: PendingItem) -> Item:
    return Item(
        org_id=row.org_id,
        item_type=row.item_type,
        item_id=row.item_id,
        state="done" if row.state == "done" else "pending",
        settings=Settings(enabled=bool(row.enabled), every_days=int(row.every_days), count=int(row.reminders_count)),
        event_type=row.event_type,
        detail=None if row.detail is None else json.loads(row.detail),
        start_event_id=row.start_event_id,
        started_at=row.started_at,
        series=int(row.series or 0),
        sent=int(row.sent or 0),
        step=int(row.step or 0),
        next_at=row.next_at,
        done_at=row.done_at,
        done_reason=row.done_reason,
        audit=tuple(AuditEntry(**e) for e in json.loads(row.audit or "[]")),
        version=int(row.version or 0),
        plan=tuple((str(at), str(label)) for at, label in json.loads(row.plan or "[]")),
        hours=row.hours,
    )
