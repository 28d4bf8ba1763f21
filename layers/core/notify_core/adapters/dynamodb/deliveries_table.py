"""The delivery log: one DynamoDB item per delivery, holding its last attempts (PynamoDB).

What a sender does costs one consistent BatchGetItem per SQS batch (``read_many``) and one BatchWriteItem per
batch for the outcomes (``write_outcomes``): items are written whole, never read-modify-written by two writers at
once, because no two receives of one delivery run together (FIFO, one message group per delivery) and reports of
providers wait until the sender recorded its outcome (``REPORTABLE``). Everything else is one conditional
UpdateItem: feedback's ranked write, dead letters, replay.

Size: an item is designed to stay within one write unit (1 KB) in the common case (one attempt) and within two
with ten attempts, long names and feedback (``tests/integration/test_delivery_log_item_size.py``): attempts keep
their code, HTTP status and a short detail; only the last ``MAX_ATTEMPTS_KEPT`` are kept (``attempt_count`` has
them all); the last error's full detail sits once on the item.

Indexes: ``by_org_channel`` (``<org>#<channel>``, ``created_at``; projects ``address`` and ``status``) serves the
SMS report, recipient histories, replay of a window and the monthly cost report; ``by_sms_message``
(``sms_message_id``, keys only, sparse: SMS only) finds an SMS from its SNS MessageId (delivery status, STOP
replies). An item enters the reporting index once, when its first outcome is written.

The model is bound per table (``DeliveryLog(name)``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PynamoDBException, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.adapters.dynamodb.create_only import create_all
from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    FINAL,
    REPLAYABLE,
    REPORTABLE,
    RETRYING,
    UNKNOWN,
    Attempt,
    DeliveryRecord,
    OutcomeWrite,
    stronger_or_equal,
    utcnow_iso,
)
from notify_core.domain.erasure import ERASED_ADDRESS

MAX_ATTEMPTS_KEPT = 6
APPLIED, OUT_OF_ORDER, NOT_YET = "applied", "out_of_order", "not_yet"
ATTEMPT_DETAIL_CHARS = 120  # per attempt; the item's error_detail keeps the last one whole (up to 1,000)
ERROR_DETAIL_CHARS = 1000


class AttemptAttribute(MapAttribute):
    # Short stored names: an item pays its write units by size, every attempt on every write.
    number = NumberAttribute(attr_name="n")
    at = UnicodeAttribute(attr_name="t")
    outcome = UnicodeAttribute(attr_name="o")
    code = UnicodeAttribute(null=True, attr_name="c")
    detail = UnicodeAttribute(null=True, attr_name="d")
    http_status = NumberAttribute(null=True, attr_name="h")
    provider_message_id = UnicodeAttribute(null=True, attr_name="p")


class ByOrgChannelIndex(GlobalSecondaryIndex):
    """``<org_id>#<channel>`` by time: the one reporting index."""

    class Meta:
        index_name = "by_org_channel"
        projection = IncludeProjection(["address", "status", "sg"])

    org_channel = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class BySmsMessageIndex(GlobalSecondaryIndex):
    """An SMS's SNS MessageId -> its delivery (keys only; the reader fetches the item with a consistent read)."""

    class Meta:
        index_name = "by_sms_message"
        projection = KeysOnlyProjection()

    sms_message_id = UnicodeAttribute(hash_key=True)


class DeliveryItem(Model):
    """Unbound (no table): ``DeliveryLog`` binds a subclass to its table.

    Stored names are short where nothing outside reads them by name (keys, index attributes and the TTL keep theirs):
    an item is billed a write unit per 1 KB on every write, and names are paid on each one."""

    delivery_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    created_at = UnicodeAttribute()  # when it was routed (the index's range key)
    updated_at = UnicodeAttribute(null=True, attr_name="u")
    event_id = UnicodeAttribute(attr_name="e")
    event_type = UnicodeAttribute(attr_name="et")
    channel = UnicodeAttribute()
    address = UnicodeAttribute()  # normalised email / E.164 phone / endpoint URL
    recipient_name = UnicodeAttribute(null=True, attr_name="rn")
    endpoint_id = UnicodeAttribute(null=True, attr_name="ep")
    reasons = ListAttribute(of=UnicodeAttribute, default=list, attr_name="r")
    status = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True, attr_name="ec")
    error_detail = UnicodeAttribute(null=True, attr_name="ed")
    provider_message_id = UnicodeAttribute(null=True, attr_name="pm")
    attempt_count = NumberAttribute(default=0, attr_name="ac")
    attempts = ListAttribute(of=AttemptAttribute, default=list, attr_name="a")
    # The queue message, when a person may replay (failed, dead, unknown), without what the item already says.
    payload = UnicodeAttribute(null=True, attr_name="pl")
    org_channel = UnicodeAttribute(null=True)  # by_org_channel key
    sms_message_id = UnicodeAttribute(null=True)  # by_sms_message key
    replay_count = NumberAttribute(null=True, attr_name="rc")
    last_message_id = UnicodeAttribute(null=True, attr_name="lm")  # domain.delivery.decide
    last_receive = NumberAttribute(null=True, attr_name="lr")
    # Set once a request went unanswered (kept across replays): such a delivery is never written dead.
    maybe_delivered = BooleanAttribute(null=True, attr_name="md")
    # SMS: billed segments (projected on the reporting index: the cost report sums them) and encoding.
    sms_segments = NumberAttribute(null=True, attr_name="sg")
    sms_encoding = UnicodeAttribute(null=True, attr_name="en")
    expires_at = TTLAttribute(null=True)

    by_org_channel = ByOrgChannelIndex()
    by_sms_message = BySmsMessageIndex()


def org_channel_key(org_id: str, channel: str) -> str:
    return f"{org_id}#{channel}"


def is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


# Message keys the item holds as attributes of its own: a kept payload leaves them out and reading puts them back.
_ON_THE_ITEM = ("delivery_id", "org_id", "event_id", "event_type", "channel", "address", "recipient_name",
                "endpoint_id", "reasons")  # fmt: skip


def compact_payload(message: dict[str, Any], created_at: str) -> str:
    rest = {k: v for k, v in message.items() if k not in _ON_THE_ITEM}
    if rest.get("routed_at") == created_at:
        del rest["routed_at"]
    return json.dumps(rest, separators=(",", ":"))


def full_payload(item: DeliveryItem) -> str | None:
    """The queue message as it was (a replay queues it again): the kept rest, and what the item says."""
    if item.payload is None:
        return None
    message: dict[str, Any] = {
        "delivery_id": item.delivery_id,
        "org_id": item.org_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "channel": item.channel,
        "address": item.address,
        "recipient_name": item.recipient_name,
        "endpoint_id": item.endpoint_id,
        "reasons": [str(r) for r in item.reasons or ()],
        "routed_at": item.created_at,
    }
    return json.dumps({**message, **json.loads(item.payload)}, separators=(",", ":"))


class _Key:
    """An index entry's table key (what ``_items`` reads)."""

    def __init__(self, delivery_id: str) -> None:
        self.delivery_id = delivery_id


# An attempt's provider message id is kept only where it differs from the item's (it nearly never does).
_NO_PROVIDER_ANSWER = frozenset({RETRYING, FAILED, DEAD})


def to_record(item: DeliveryItem) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=item.delivery_id,
        org_id=item.org_id,
        channel=item.channel,
        address=item.address,
        status=item.status,
        event_id=item.event_id,
        event_type=item.event_type,
        created_at=item.created_at,
        updated_at=item.updated_at,
        recipient_name=item.recipient_name,
        endpoint_id=item.endpoint_id,
        reasons=tuple(str(r) for r in item.reasons or ()),
        error_code=item.error_code,
        error_detail=item.error_detail,
        provider_message_id=item.provider_message_id,
        attempt_count=int(item.attempt_count or 0),
        attempts=tuple(
            Attempt(
                number=int(a.number),
                at=a.at,
                outcome=a.outcome,
                code=a.code,
                detail=a.detail,
                http_status=None if a.http_status is None else int(a.http_status),
                provider_message_id=a.provider_message_id
                or (item.provider_message_id if a.outcome not in _NO_PROVIDER_ANSWER else None),
            )
            for a in item.attempts or []
        ),
        payload=full_payload(item),
        replay_count=None if item.replay_count is None else int(item.replay_count),
        last_message_id=item.last_message_id,
        last_receive=None if item.last_receive is None else int(item.last_receive),
        maybe_delivered=bool(item.maybe_delivered),
        sms_segments=None if item.sms_segments is None else int(item.sms_segments),
        sms_encoding=item.sms_encoding,
    )


def attempt_attribute(a: Attempt, item_provider_message_id: str | None = None) -> AttemptAttribute:
    return AttemptAttribute(
        number=a.number,
        at=a.at,
        outcome=a.outcome,
        code=a.code,
        detail=(a.detail or "")[:ATTEMPT_DETAIL_CHARS] or None,
        http_status=a.http_status,
        provider_message_id=None if a.provider_message_id == item_provider_message_id else a.provider_message_id,
    )


class DeliveryLog:
    def __init__(self, table_name: str, *, retention_days: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.table_name = table_name
        self.Item = bind(DeliveryItem, table_name)
        self.retention = timedelta(days=retention_days)
        self._clock = clock

    # ------------------------------------------------------------------------------------------ senders
    def read_many(self, delivery_ids: Sequence[str], *, deadline: float | None = None) -> dict[str, DeliveryRecord]:
        """The deliveries among these that have an item (one consistent BatchGetItem per 100), retried in-process
        until ``deadline`` (``time.monotonic``): a read that fails leaves a sender unable to decide."""
        keys = sorted(set(delivery_ids))
        if not keys:
            return {}
        items = self._retried(lambda: list(self.Item.batch_get(keys, consistent_read=True)), deadline)
        return {i.delivery_id: to_record(i) for i in items}

    def write_outcomes(self, writes: Sequence[OutcomeWrite], *, deadline: float | None = None) -> None:
        """Every outcome of a batch in one BatchWriteItem per 25 (PutItem of the whole item), retried in-process
        until ``deadline``. Raises if they could not all be written: the caller lets the invocation fail, and
        each message's next receive finds its outcome unrecorded (``unknown`` if it may have been sent)."""
        if not writes:
            return
        items = [self._item(w) for w in writes]

        def write() -> None:
            with self.Item.batch_write() as batch:
                for item in items:
                    batch.save(item)

        self._retried(write, deadline)

    def _item(self, w: OutcomeWrite) -> DeliveryItem:
        m, prev, outcome = w.message, w.previous, w.outcome
        now = utcnow_iso()
        # Every outcome written stands for one receive that may have reached the provider (an unknown one too).
        number = (prev.attempt_count if prev else 0) + 1
        attempts = [*(prev.attempts if prev else ())]
        attempts.append(
            Attempt(
                number=number,
                at=now,
                outcome=outcome.status,
                code=outcome.error_code,
                detail=outcome.error_detail,
                http_status=outcome.http_status,
                provider_message_id=outcome.provider_message_id,
            )
        )
        keep_payload = outcome.status in (FAILED, DEAD, UNKNOWN)  # a person may replay these
        sms_id = outcome.provider_message_id if m["channel"] == "sms" else None
        created_at = prev.created_at if prev and prev.created_at else m.get("routed_at") or now
        provider_message_id = outcome.provider_message_id or (prev.provider_message_id if prev else None)
        return self.Item(
            delivery_id=m["delivery_id"],
            org_id=m["org_id"],
            created_at=created_at,
            updated_at=now,
            event_id=m["event_id"],
            event_type=m["event_type"],
            channel=m["channel"],
            address=m["address"],
            recipient_name=m.get("recipient_name"),
            endpoint_id=m.get("endpoint_id"),
            reasons=list(m.get("reasons") or []),
            status=outcome.status,
            error_code=outcome.error_code,
            error_detail=(outcome.error_detail or "")[:ERROR_DETAIL_CHARS] or None,
            provider_message_id=provider_message_id,
            attempt_count=number,
            attempts=[attempt_attribute(a, provider_message_id) for a in attempts[-MAX_ATTEMPTS_KEPT:]],
            payload=compact_payload(m, created_at) if keep_payload else None,
            org_channel=org_channel_key(m["org_id"], m["channel"]),
            sms_message_id=sms_id or (prev.provider_message_id if prev and m["channel"] == "sms" else None),
            replay_count=prev.replay_count if prev else None,
            last_message_id=w.message_id,
            last_receive=w.receive,
            maybe_delivered=True if outcome.maybe_delivered or (prev and prev.maybe_delivered) else None,
            sms_segments=outcome.sms_segments or (prev.sms_segments if prev else None),
            sms_encoding=outcome.sms_encoding or (prev.sms_encoding if prev else None),
            expires_at=self.retention,
        )

    def _retried(self, call: Callable[[], Any], deadline: float | None) -> Any:
        """``call`` again on DynamoDB errors (throttling, 5xx, unprocessed items) until it succeeds or ``deadline``
        passes; then the last error is raised. The SDK's own retries run first, inside each call."""
        delay = 0.05
        while True:
            try:
                return call()
            except PynamoDBException:
                if deadline is None or self._clock() + delay >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    # ------------------------------------------------------------------------------------------ routing
    def record_at_routing(self, messages: list[dict[str, Any]], *, fresh: bool = False) -> None:
        """Deliveries the router decided not to queue, logged with their status and reason.

        ``failed`` (invalid address, template error) or ``skipped`` (a preference, missing consent, an org
        setting, a suppressed address). Written only where no item exists (``create_only``, a conditional put each): a
        router retry that now decides otherwise (the address was suppressed since) never overwrites a delivery an
        earlier attempt queued and a sender recorded.
        """
        now = utcnow_iso()
        create_all(
            self.Item,
            [
                self.Item(
                    delivery_id=m["delivery_id"],
                    org_id=m["org_id"],
                    created_at=m.get("routed_at") or now,
                    updated_at=now,
                    event_id=m["event_id"],
                    event_type=m["event_type"],
                    channel=m["channel"],
                    address=m["address"],
                    recipient_name=m.get("recipient_name"),
                    endpoint_id=m.get("endpoint_id"),
                    reasons=list(m.get("reasons") or []),
                    status=m.get("status", FAILED),
                    error_code=m["error_code"],
                    error_detail=m.get("error_detail"),
                    expires_at=self.retention,
                    org_channel=org_channel_key(m["org_id"], m["channel"]),
                )
                for m in messages
            ],
            fresh=fresh,
        )

    # ------------------------------------------------------------------------------------------ dead letters
    def settle_dead_letter(self, message: dict[str, Any], *, source_queue: str) -> DeliveryRecord | None:
        """A message in a DLQ: its last receive ended without an outcome (a sender records ``dead`` itself when
        its last retry fails), so it may have gone out: ``unknown``, kept for a person to replay. A delivery
        already in a final state is left alone. Returns the settled delivery, or None."""
        D = self.Item
        item = D(delivery_id=message["delivery_id"])
        now = utcnow_iso()
        try:
            item.update(
                actions=[
                    D.org_id.set(D.org_id | message["org_id"]),
                    D.created_at.set(D.created_at | now),
                    D.event_id.set(D.event_id | message["event_id"]),
                    D.event_type.set(D.event_type | message["event_type"]),
                    D.channel.set(D.channel | message["channel"]),
                    D.address.set(D.address | message["address"]),
                    D.org_channel.set(D.org_channel | org_channel_key(message["org_id"], message["channel"])),
                    D.expires_at.set(D.expires_at | self.retention),
                    D.updated_at.set(now),
                    D.status.set(UNKNOWN),
                    D.error_code.set("no_outcome"),
                    D.error_detail.set(f"its last receive on the {source_queue} queue ended without an outcome"),
                    D.payload.set(json.dumps(message, separators=(",", ":"))),
                ],
                condition=D.status.does_not_exist() | ~D.status.is_in(*FINAL),
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            return None
        return to_record(item)

    # ------------------------------------------------------------------------------------------ reading
    def get(self, delivery_id: str, org_id: str) -> DeliveryRecord | None:
        """Tenant-scoped read: a delivery of another org is as good as missing."""
        record = self.get_any(delivery_id)
        return record if record is not None and record.org_id == org_id else None

    def get_any(self, delivery_id: str) -> DeliveryRecord | None:
        """A consistent read by id alone: for feedback, whose events name the delivery (and check the org)."""
        try:
            return to_record(self.Item.get(delivery_id, consistent_read=True))
        except self.Item.DoesNotExist:
            return None

    def find_by_provider_message(self, provider_message_id: str, channel: str) -> DeliveryRecord | None:
        """The SMS an SNS MessageId belongs to (index ``by_sms_message``, never a Scan). Eventually consistent:
        the index knows a delivery once its sender recorded the id."""
        if not provider_message_id or channel != "sms":
            return None
        for key in self.Item.by_sms_message.query(provider_message_id, limit=2):
            record = self.get_any(key.delivery_id)
            if record and record.channel == channel and record.provider_message_id == provider_message_id:
                return record
        return None

    def _keys_in(self, org_id: str, channel: str, date_from: str, date_to: str, condition: Any = None) -> list[Any]:
        D = self.Item
        return list(
            D.by_org_channel.query(
                org_channel_key(org_id, channel), D.created_at.between(date_from, date_to), filter_condition=condition
            )
        )

    def _items(self, keys: Sequence[Any]) -> Iterator[DeliveryRecord]:
        ids = [k.delivery_id for k in keys]
        found = {i.delivery_id: i for i in self.Item.batch_get(ids)} if ids else {}
        for delivery_id in ids:  # index order (by time), whatever order BatchGetItem answers in
            if delivery_id in found:
                yield to_record(found[delivery_id])

    def by_org_since(
        self,
        org_id: str,
        since: str,
        *,
        statuses: tuple[str, ...],
        endpoint_id: str | None = None,
        channels: Sequence[str] = ("email", "sms", "webhook", "slack", "telegram"),
        until: str = "~",
    ) -> Iterator[DeliveryRecord]:
        """An org's deliveries created from ``since`` to ``until`` in one of ``statuses`` with a stored message."""
        D = self.Item
        for channel in channels:
            keys = self._keys_in(org_id, channel, since, until, D.status.is_in(*statuses))
            for record in self._items(keys):
                if record.payload and (endpoint_id is None or record.endpoint_id == endpoint_id):
                    yield record

    def by_org_channel(
        self, org_id: str, channel: str, date_from: str, date_to: str, *, statuses: tuple[str, ...]
    ) -> Iterator[DeliveryRecord]:
        keys = self._keys_in(org_id, channel, date_from, date_to, self.Item.status.is_in(*statuses))
        yield from self._items(keys)

    def by_recipient(
        self, org_id: str, channel: str, address: str, *, limit: int | None, since: str = ""
    ) -> Iterator[DeliveryRecord]:
        """One address's deliveries in an org, newest first: the reporting index, filtered on its projected
        address (reads the org's index entries of that channel since ``since``; never the table, never a Scan)."""
        D = self.Item
        keys = D.by_org_channel.query(
            org_channel_key(org_id, channel),
            D.created_at >= since if since else None,  # a key condition may not compare with ""
            filter_condition=D.address == address,
            scan_index_forward=False,
        )
        chosen = []
        for key in keys:
            chosen.append(key)
            if limit is not None and len(chosen) >= limit:
                break
        yield from self._items(chosen)

    def page(
        self,
        org_id: str,
        channels: Sequence[str],
        *,
        date_from: str,
        date_to: str,
        limit: int,
        positions: dict[str, Any] | None = None,
        statuses: Sequence[str] = (),
        address: str | None = None,
    ) -> tuple[list[DeliveryRecord], dict[str, Any] | None]:
        """An org's deliveries, newest first, across ``channels`` (one reporting-index Query per channel, merged by
        time; never a Scan). Status and address filter on the index's projection. ``positions`` (channel -> the last
        index entry read, or None once the channel is exhausted) says where the previous page stopped; the answer's
        positions say where the next one starts (None: nothing left)."""
        D = self.Item
        positions = dict(positions or {})
        condition: Any = None
        if statuses:
            condition = D.status.is_in(*statuses)
        if address:
            condition = D.address == address if condition is None else condition & (D.address == address)
        fetched: dict[str, list[tuple[str, str]]] = {}  # channel -> up to limit + 1 (created_at, delivery_id)
        for channel in channels:
            if channel in positions and positions[channel] is None:
                continue  # exhausted on an earlier page
            fetched[channel] = self._index_page(
                org_id, channel, date_from, date_to, condition, positions.get(channel), limit
            )
        # A merge that takes each channel's entries in the index's own order (entries of equal created_at keep the
        # order DynamoDB gave them), so what a page takes of a channel is always a prefix: its last one is where
        # the channel goes on.
        heads: list[tuple[str, str, str]] = []
        taken = dict.fromkeys(fetched, 0)
        while len(heads) < limit:
            ready = [ch for ch in fetched if taken[ch] < min(len(fetched[ch]), limit)]
            if not ready:
                break
            channel = max(ready, key=lambda ch: fetched[ch][taken[ch]][0])
            heads.append((*fetched[channel][taken[channel]], channel))
            taken[channel] += 1
        for channel, entries in fetched.items():
            if taken[channel] == len(entries):
                positions[channel] = None  # every entry left in the channel is on this page
            elif taken[channel]:
                positions[channel] = list(entries[taken[channel] - 1])
        records = list(self._items([_Key(h[1]) for h in heads]))
        more = any(positions.get(c, "start") is not None for c in channels)
        return records, positions if more else None

    def _index_page(
        self, org_id: str, channel: str, date_from: str, date_to: str, condition: Any, after: Any, limit: int
    ) -> list[tuple[str, str]]:
        D = self.Item
        key = org_channel_key(org_id, channel)
        start = None
        if after:
            start = {"delivery_id": {"S": after[1]}, "org_channel": {"S": key}, "created_at": {"S": after[0]}}
        found = D.by_org_channel.query(
            key,
            D.created_at.between(date_from, date_to),
            filter_condition=condition,
            scan_index_forward=False,
            last_evaluated_key=start,
            page_size=limit + 1,
        )
        entries = []
        for entry in found:
            entries.append((entry.created_at, entry.delivery_id))
            if len(entries) > limit:
                break
        return entries

    def count_by_status(self, org_id: str, channel: str, date_from: str, date_to: str) -> dict[str, int]:
        """How many deliveries of a channel an org had in a window, by status (index keys and status only)."""
        counts: dict[str, int] = {}
        for key in self._keys_in(org_id, channel, date_from, date_to):
            counts[key.status] = counts.get(key.status, 0) + 1
        return counts

    def sms_segments_by_status(self, org_id: str, date_from: str, date_to: str) -> dict[str, int]:
        """The billed segments of an org's SMS in a window, by status (the index projects ``sg``; an SMS recorded
        before segments were, or that never reached the provider, counts one)."""
        segments: dict[str, int] = {}
        for key in self._keys_in(org_id, "sms", date_from, date_to):
            segments[key.status] = segments.get(key.status, 0) + int(key.sms_segments or 1)
        return segments

    # ------------------------------------------------------------------------------------------ feedback
    def record_outcome(
        self,
        record: DeliveryRecord,
        *,
        kind: str,
        code: str,
        detail: str,
        at: str | None,
        provider_message_id: str | None,
    ) -> str:
        """What a provider reported after it accepted a message (email and SMS): the one ranked write.

        Only on a delivery its sender recorded as gone out (``REPORTABLE``): a report that overtook the sender's
        own write is refused (``not_yet``) and retried by the caller. The status only replaces a weaker one
        (``RANK``), checked by DynamoDB too; a kind outside ``RANK`` (an email delay) adds the attempt and changes
        no status. Returns ``applied``, ``out_of_order`` (an equal or stronger outcome is there) or ``not_yet``.
        """
        D = self.Item
        equal_or_stronger = stronger_or_equal(kind)
        if record.status in equal_or_stronger:
            return OUT_OF_ORDER
        if record.status not in REPORTABLE:
            return NOT_YET
        attempt = attempt_attribute(
            Attempt(
                number=max(1, record.attempt_count),
                at=at or utcnow_iso(),
                outcome=kind,
                code=code,
                detail=detail or None,
                provider_message_id=provider_message_id,
            ),
            record.provider_message_id,
        )
        kept = [attempt_attribute(a, record.provider_message_id) for a in record.attempts[-(MAX_ATTEMPTS_KEPT - 1) :]]
        actions: list[Action] = [D.updated_at.set(utcnow_iso()), D.attempts.set([*kept, attempt])]
        condition = D.status.is_in(*REPORTABLE)
        if equal_or_stronger:
            actions.append(D.status.set(kind))
            if kind != "delivered":
                actions += [D.error_code.set(code), D.error_detail.set(detail[:ERROR_DETAIL_CHARS] or code)]
            condition &= ~D.status.is_in(*equal_or_stronger)
        try:
            D(delivery_id=record.delivery_id).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if is_condition_failure(exc):
                return OUT_OF_ORDER  # another report (or a replay) got there between our read and this write
            raise
        return APPLIED

    # ------------------------------------------------------------------------------------------ erasure
    def anonymise(self, org_id: str, channel: str, address: str) -> int:
        """Erase one address from an org's deliveries of a channel (``domain.erasure``): the address becomes
        ``[erased]``; the recipient's name, the kept message (so it can never be replayed), the error detail and each
        attempt's detail (a bounce's diagnostic names the mailbox) go. Status, times, channel, event type and
        counts stay: the reports and the cost still add up.

        Found through the reporting index (``<org>#<channel>``, filtered on its projected ``address``): a Query
        over the org's index entries of that channel for the whole retention, never a Scan and never another
        org's. One conditional UpdateItem per delivery (on the org and the address: a delivery written again since
        is left to the sender, which scrubs an erased address itself). Returns how many were anonymised."""
        D = self.Item
        keys = list(D.by_org_channel.query(org_channel_key(org_id, channel), filter_condition=D.address == address))
        n = 0
        for record in list(self._items(keys)):
            attempts = [attempt_attribute(replace(a, detail=None), record.provider_message_id) for a in record.attempts]
            try:
                D(delivery_id=record.delivery_id).update(
                    actions=[
                        D.address.set(ERASED_ADDRESS),
                        D.recipient_name.remove(),
                        D.payload.remove(),
                        D.error_detail.remove(),
                        D.attempts.set(attempts),
                        D.updated_at.set(utcnow_iso()),
                    ],
                    condition=(D.org_id == org_id) & (D.address == address),
                )
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
                continue
            n += 1
        return n

    # ------------------------------------------------------------------------------------------ replay
    def reopen_for_replay(self, record: DeliveryRecord) -> bool:
        """dead/failed/unknown -> retrying, on the table's truth (not an index's): a delivery that went out, was
        skipped or is already being replayed is untouchable. False: not replayable now."""
        D = self.Item
        now = utcnow_iso()
        try:
            D(delivery_id=record.delivery_id).update(
                actions=[
                    D.status.set(RETRYING),
                    D.replay_count.add(1),
                    D.updated_at.set(now),
                    # A new message starts the count again (decide() reads these against the message it gets).
                    D.last_message_id.remove(),
                    D.last_receive.remove(),
                ],
                condition=(D.org_id == record.org_id) & D.status.is_in(*REPLAYABLE),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def restore_status(self, record: DeliveryRecord) -> None:
        """Undo ``reopen_for_replay`` when the message could not be queued: visible (and replayable) as it was."""
        D = self.Item
        D(delivery_id=record.delivery_id).update(actions=[D.status.set(record.status)], condition=D.status == RETRYING)
