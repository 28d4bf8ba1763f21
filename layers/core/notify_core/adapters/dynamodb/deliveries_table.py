"""The delivery log: one DynamoDB item per delivery, holding every attempt (PynamoDB).

Statuses and their order are the domain's (``domain.delivery``); this adapter writes them, each transition one
conditional UpdateItem (the claim protocol is ``claims``). The item is also where the senders' claim lives
(``claim_until_ms``): a delivery costs one item and two writes on the happy path (claim, complete).

The model is bound per table (``DeliveryLog(name)``): every built function has its own class and connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.adapters.dynamodb.create_only import create_all
from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    NEVER_CLAIMED_AGAIN,
    RANK,
    REPLAYABLE,
    RETRYING,
    Attempt,
    DeliveryRecord,
    stronger_or_equal,
    utcnow_iso,
)


class AttemptAttribute(MapAttribute):
    number = NumberAttribute()
    at = UnicodeAttribute()
    outcome = UnicodeAttribute()
    code = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    http_status = NumberAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)


class ByOrgIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_org"
        projection = AllProjection()

    org_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByOrgChannelIndex(GlobalSecondaryIndex):
    """``<org_id>#<channel>``: an org's deliveries on one channel by time (the sent SMS report)."""

    class Meta:
        index_name = "by_org_channel"
        projection = AllProjection()

    org_channel = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByRecipientIndex(GlobalSecondaryIndex):
    """``<org_id>#<channel>#<address>``: one recipient's history in an org."""

    class Meta:
        index_name = "by_recipient"
        projection = AllProjection()

    org_recipient = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByProviderMessageIndex(GlobalSecondaryIndex):
    """The provider's message id (SNS MessageId for SMS) -> delivery id. Sparse and keys only: a reader
    (SMS delivery status, STOP replies) fetches the item itself with a consistent read."""

    class Meta:
        index_name = "by_provider_message"
        projection = KeysOnlyProjection()

    provider_message_id = UnicodeAttribute(hash_key=True)


class DeliveryItem(Model):
    """Unbound (no table): ``DeliveryLog`` binds a subclass to its table."""

    delivery_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    channel = UnicodeAttribute()
    address = UnicodeAttribute()  # normalised email / E.164 phone / endpoint URL
    recipient_name = UnicodeAttribute(null=True)
    endpoint_id = UnicodeAttribute(null=True)
    reasons = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)
    error_detail = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    attempt_count = NumberAttribute(default=0)
    attempts = ListAttribute(of=AttemptAttribute, default=list)
    payload = UnicodeAttribute(null=True)  # the queue message, kept once a delivery is dead or failed (replay)
    org_channel = UnicodeAttribute(null=True)  # by_org_channel index key
    org_recipient = UnicodeAttribute(null=True)  # by_recipient index key
    replay_count = NumberAttribute(null=True)
    replayed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    # The sender's claim (adapters.dynamodb.claims): until when (epoch ms) one sender holds the delivery.
    claim_until_ms = NumberAttribute(null=True)

    by_org = ByOrgIndex()
    by_org_channel = ByOrgChannelIndex()
    by_recipient = ByRecipientIndex()
    by_provider_message = ByProviderMessageIndex()


def org_channel_key(org_id: str, channel: str) -> str:
    return f"{org_id}#{channel}"


def org_recipient_key(org_id: str, channel: str, address: str) -> str:
    return f"{org_id}#{channel}#{address}"


def is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


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
                provider_message_id=a.provider_message_id,
            )
            for a in item.attempts or []
        ),
        payload=item.payload,
        replay_count=None if item.replay_count is None else int(item.replay_count),
        claim_until_ms=None if item.claim_until_ms is None else int(item.claim_until_ms),
    )


def attempt_attribute(a: Attempt) -> AttemptAttribute:
    return AttemptAttribute(
        number=a.number,
        at=a.at,
        outcome=a.outcome,
        code=a.code,
        detail=a.detail,
        http_status=a.http_status,
        provider_message_id=a.provider_message_id,
    )


class DeliveryLog:
    def __init__(self, table_name: str, *, retention_days: int) -> None:
        self.table_name = table_name
        self.Item = bind(DeliveryItem, table_name)
        self.retention = timedelta(days=retention_days)

    # ------------------------------------------------------------------------------------------ building
    def creation_actions(self, message: dict[str, Any]) -> list[Any]:
        """Attributes a delivery gets the first time any writer sees it (never overwritten)."""
        D = self.Item
        now = utcnow_iso()
        actions = [
            D.org_id.set(D.org_id | message["org_id"]),
            D.created_at.set(D.created_at | now),
            D.event_id.set(D.event_id | message["event_id"]),
            D.event_type.set(D.event_type | message["event_type"]),
            D.channel.set(D.channel | message["channel"]),
            D.address.set(D.address | message["address"]),
            D.reasons.set(D.reasons | list(message.get("reasons") or [])),
            D.expires_at.set(D.expires_at | self.retention),
            D.updated_at.set(now),
            D.org_channel.set(D.org_channel | org_channel_key(message["org_id"], message["channel"])),
            D.org_recipient.set(
                D.org_recipient | org_recipient_key(message["org_id"], message["channel"], message["address"])
            ),
        ]
        if message.get("recipient_name"):
            actions.append(D.recipient_name.set(D.recipient_name | message["recipient_name"]))
        if message.get("endpoint_id"):
            actions.append(D.endpoint_id.set(D.endpoint_id | message["endpoint_id"]))
        return actions

    def append_attempt(self, attempt: Attempt) -> Any:
        return self.Item.attempts.set((self.Item.attempts | []).append([attempt_attribute(attempt)]))

    # ------------------------------------------------------------------------------------------ routing
    def record_at_routing(self, messages: list[dict[str, Any]]) -> None:
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
                    created_at=now,
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
                    org_recipient=org_recipient_key(m["org_id"], m["channel"], m["address"]),
                )
                for m in messages
            ],
        )

    # ------------------------------------------------------------------------------------------ dead letters
    def mark_dead(self, message: dict[str, Any], *, source_queue: str) -> DeliveryRecord | None:
        """Retries are exhausted: the delivery is dead, the message kept for replay.

        An item already in a final state (sent/failed/skipped/feedback) is left alone: a message can reach the
        DLQ after a sender crashed *after* recording success, and that delivery did go out. Returns the dead
        delivery (its last error and attempt count), or None when it was left alone.
        """
        D = self.Item
        item = D(delivery_id=message["delivery_id"])
        try:
            item.update(
                actions=[
                    *self.creation_actions(message),
                    D.status.set(DEAD),
                    D.error_code.set(D.error_code | "retries_exhausted"),
                    D.error_detail.set(D.error_detail | f"retries exhausted on the {source_queue} queue"),
                    D.payload.set(json.dumps(message, separators=(",", ":"))),
                    D.claim_until_ms.remove(),
                ],
                condition=D.status.does_not_exist() | ~D.status.is_in(*NEVER_CLAIMED_AGAIN),
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
        """The delivery a provider's message id belongs to (index ``by_provider_message``, never a Scan).

        The index is eventually consistent: it only knows a delivery once its sender recorded the id.
        """
        if not provider_message_id:
            return None
        for key in self.Item.by_provider_message.query(provider_message_id, limit=2):
            record = self.get_any(key.delivery_id)
            if record and record.channel == channel and record.provider_message_id == provider_message_id:
                return record
        return None

    def by_org_since(
        self, org_id: str, since: str, *, statuses: tuple[str, ...], endpoint_id: str | None = None
    ) -> Iterator[DeliveryRecord]:
        """An org's deliveries created at or after ``since`` in one of ``statuses`` with a stored message."""
        D = self.Item
        condition = D.status.is_in(*statuses) & D.payload.exists()
        if endpoint_id:
            condition &= D.endpoint_id == endpoint_id
        for item in D.by_org.query(org_id, D.created_at >= since, filter_condition=condition):
            yield to_record(item)

    def by_org_channel(
        self, org_id: str, channel: str, date_from: str, date_to: str, *, statuses: tuple[str, ...]
    ) -> Iterator[DeliveryRecord]:
        D = self.Item
        for item in D.by_org_channel.query(
            org_channel_key(org_id, channel),
            D.created_at.between(date_from, date_to),
            filter_condition=D.status.is_in(*statuses),
        ):
            yield to_record(item)

    def by_recipient(self, org_id: str, channel: str, address: str, *, limit: int | None) -> Iterator[DeliveryRecord]:
        for item in self.Item.by_recipient.query(
            org_recipient_key(org_id, channel, address), scan_index_forward=False, limit=limit
        ):
            yield to_record(item)

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
    ) -> bool:
        """What a provider reported after it accepted a message (email and SMS): the one ranked write.

        The attempt entry is always appended; the status only replaces a weaker one (``RANK``), checked by
        DynamoDB in the update's condition too (another report may be applied concurrently). A kind outside
        ``RANK`` (an email delay) adds the attempt and changes no status. False: the delivery already holds an
        equal or stronger outcome (nothing written).
        """
        D = self.Item
        changes_status = kind in RANK
        equal_or_stronger = stronger_or_equal(kind)
        if record.status in equal_or_stronger:
            return False
        attempt = Attempt(
            number=max(1, record.attempt_count),
            at=at or utcnow_iso(),
            outcome=kind,
            code=code,
            detail=detail[:1000] or None,
            provider_message_id=provider_message_id,
        )
        actions = [D.updated_at.set(utcnow_iso()), self.append_attempt(attempt)]
        condition = D.delivery_id.exists()
        if changes_status:
            actions.append(D.status.set(kind))
            if kind != "delivered":
                actions += [D.error_code.set(code), D.error_detail.set(detail[:1000] or code)]
            if equal_or_stronger:
                condition &= D.status.does_not_exist() | ~D.status.is_in(*equal_or_stronger)
        try:
            D(delivery_id=record.delivery_id).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------------------------------ replay
    def reopen_for_replay(self, record: DeliveryRecord) -> bool:
        """dead/failed -> retrying and the claim released, on the table's truth (not an index's): a delivery
        that went out, was skipped or is already being replayed is untouchable. False: not replayable now."""
        D = self.Item
        now = utcnow_iso()
        try:
            D(delivery_id=record.delivery_id).update(
                actions=[
                    D.status.set(RETRYING),
                    D.replay_count.add(1),
                    D.replayed_at.set(now),
                    D.updated_at.set(now),
                    D.claim_until_ms.remove(),
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
