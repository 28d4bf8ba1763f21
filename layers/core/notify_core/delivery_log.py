"""The delivery log: one DynamoDB item per delivery, holding every attempt.

The same item is the senders' Powertools idempotency record (``DeliveryLogPersistenceLayer``): the
idempotency key *is* the delivery id, and the in-progress/completed bookkeeping lives in ``idem_*``
attributes next to the delivery's status. A delivery therefore costs one item and two writes on
the happy path (claim, then complete), instead of a log item plus an idempotency item.

Statuses: ``sending`` (claimed by a sender), ``sent``, ``failed`` (permanent: invalid address, 4xx,
rejected), ``retrying`` (a transient failure; SQS will redeliver), ``dead`` (retries exhausted; the
message is kept in ``payload`` for replay).
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
    IdempotencyKeyError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from notify_core.config import get_config

SENDING, SENT, FAILED, RETRYING, DEAD, SKIPPED = "sending", "sent", "failed", "retrying", "dead", "skipped"
# What SES reported after it accepted an email (functions/feedback): the message did go out, so these are
# final too. Ranked: a later report never downgrades an earlier one (a bounce never becomes "delivered").
DELIVERED, BOUNCED, COMPLAINED, REJECTED = "delivered", "bounced", "complained", "rejected"
FEEDBACK = (DELIVERED, BOUNCED, COMPLAINED, REJECTED)
FINAL = frozenset({SENT, FAILED, DEAD, SKIPPED, *FEEDBACK})


def utcnow_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Attempt(MapAttribute):
    number = NumberAttribute()
    at = UnicodeAttribute()
    outcome = UnicodeAttribute()  # sent | failed | retrying
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


def org_channel_key(org_id: str, channel: str) -> str:
    return f"{org_id}#{channel}"


def org_recipient_key(org_id: str, channel: str, address: str) -> str:
    return f"{org_id}#{channel}#{address}"


class Delivery(Model):
    class Meta:
        table_name = os.environ.get("DELIVERIES_TABLE", "notify-deliveries")

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
    reasons = ListAttribute(of=UnicodeAttribute, default=list)  # the rules that selected it
    status = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)
    error_detail = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    attempt_count = NumberAttribute(default=0)
    attempts = ListAttribute(of=Attempt, default=list)
    payload = UnicodeAttribute(null=True)  # the queue message, kept once a delivery is dead or failed (replay)
    org_channel = UnicodeAttribute(null=True)  # by_org_channel index key
    org_recipient = UnicodeAttribute(null=True)  # by_recipient index key
    replay_count = NumberAttribute(null=True)
    replayed_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    # Powertools idempotency bookkeeping (see DeliveryLogPersistenceLayer)
    idem_status = UnicodeAttribute(null=True)
    idem_expiry = NumberAttribute(null=True)
    idem_in_progress_expiry = NumberAttribute(null=True)
    idem_response = UnicodeAttribute(null=True)

    by_org = ByOrgIndex()
    by_org_channel = ByOrgChannelIndex()
    by_recipient = ByRecipientIndex()
    by_provider_message = ByProviderMessageIndex()


def _retention() -> timedelta:
    # TTLAttribute stores now + this, in epoch seconds, for DynamoDB's TTL to expire the item.
    return timedelta(days=get_config().delivery_retention_days)


def _creation_actions(message: dict[str, Any]) -> list:
    """Attributes a delivery gets the first time any writer sees it (never overwritten)."""
    D = Delivery
    now = utcnow_iso()
    actions = [
        D.org_id.set(D.org_id | message["org_id"]),
        D.created_at.set(D.created_at | now),
        D.event_id.set(D.event_id | message["event_id"]),
        D.event_type.set(D.event_type | message["event_type"]),
        D.channel.set(D.channel | message["channel"]),
        D.address.set(D.address | message["address"]),
        D.reasons.set(D.reasons | list(message.get("reasons") or [])),
        D.expires_at.set(D.expires_at | _retention()),
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


def _append_attempt(attempt: Attempt):
    return Delivery.attempts.set((Delivery.attempts | []).append([attempt]))


def record_at_routing(messages: list[dict[str, Any]]) -> None:
    """Deliveries the router decided not to queue, logged with their status and reason.

    ``failed`` (invalid address, template error) or ``skipped`` (a preference, missing consent, an org
    setting, a suppressed address). They are never queued, so no sender will touch these items; a
    batch write is safe and cheap (25 items per call).
    """
    now = utcnow_iso()
    with Delivery.batch_write() as batch:
        for m in messages:
            batch.save(
                Delivery(
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
                    expires_at=_retention(),
                    org_channel=org_channel_key(m["org_id"], m["channel"]),
                    org_recipient=org_recipient_key(m["org_id"], m["channel"], m["address"]),
                )
            )


def mark_dead(message: dict[str, Any], *, source_queue: str) -> Delivery | None:
    """Retries are exhausted: the delivery is dead, the message kept for replay.

    An item already in a final state (sent/failed) is left alone: a message can reach the DLQ after
    a sender crashed *after* recording success, and that delivery did go out.
    Returns the dead item (its last error and attempt count), or None when it was left alone.
    """
    D = Delivery
    item = D(delivery_id=message["delivery_id"])
    last = "retries exhausted"
    try:
        item.update(
            actions=[
                *_creation_actions(message),
                D.status.set(DEAD),
                D.error_code.set(D.error_code | "retries_exhausted"),
                D.error_detail.set(D.error_detail | f"{last} on the {source_queue} queue"),
                D.payload.set(json.dumps(message, separators=(",", ":"))),
                D.idem_status.remove(),
                D.idem_expiry.remove(),
                D.idem_in_progress_expiry.remove(),
            ],
            condition=D.status.does_not_exist() | ~D.status.is_in(SENT, FAILED, SKIPPED, *FEEDBACK),
        )
    except UpdateError as exc:
        if not _is_condition_failure(exc):
            raise
        return None
    return item


def get(delivery_id: str, org_id: str) -> Delivery | None:
    """Tenant-scoped read: a delivery of another org is as good as missing."""
    try:
        item = Delivery.get(delivery_id, consistent_read=True)
    except Delivery.DoesNotExist:
        return None
    return item if item.org_id == org_id else None


def find_by_provider_message(provider_message_id: str, channel: str) -> Delivery | None:
    """The delivery a provider's message id belongs to (index ``by_provider_message``, never a Scan).

    The index is eventually consistent: it only knows a delivery once its sender recorded the id.
    """
    if not provider_message_id:
        return None
    for key in Delivery.by_provider_message.query(provider_message_id, limit=2):
        try:
            item = Delivery.get(key.delivery_id, consistent_read=True)
        except Delivery.DoesNotExist:
            continue
        if item.channel == channel and item.provider_message_id == provider_message_id:
            return item
    return None


def _is_condition_failure(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class DeliveryLogPersistenceLayer(BasePersistenceLayer):
    """Powertools idempotency, persisted on the delivery's own log item.

    Powertools drives the protocol (claim before, complete after, release on exception, return the
    stored response for a repeat); this class only decides where the record lives. The public
    ``save_*``/``delete_record`` hooks are wrapped to see the message, the result and the exception,
    so that claiming also creates the log item and completing also records the attempt.
    """

    def __init__(self) -> None:
        super().__init__()
        self._message: dict[str, Any] | None = None
        self._result: dict[str, Any] | None = None
        self._exception: BaseException | None = None
        self._attempt_number = 0

    # The delivery id is already stable and unique per (event, recipient, channel): use it as is,
    # so the log item and the idempotency record are one and the same.
    def _get_hashed_idempotency_key(self, data: dict[str, Any]) -> str | None:
        key = data.get("delivery_id") if isinstance(data, dict) else None
        if not key:
            raise IdempotencyKeyError("the delivery message has no delivery_id")
        return str(key)

    def save_inprogress(self, data: dict[str, Any], remaining_time_in_millis: int | None = None) -> None:
        self._message = data
        try:
            super().save_inprogress(data, remaining_time_in_millis)
        finally:
            self._message = None

    def save_success(self, data: dict[str, Any], result: dict) -> None:
        self._result = result
        self._message = data
        try:
            super().save_success(data, result)
        finally:
            self._result = None
            self._message = None

    def delete_record(self, data: dict[str, Any], exception: Exception) -> None:
        self._exception = exception
        try:
            super().delete_record(data, exception)
        finally:
            self._exception = None

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            item = Delivery.get(idempotency_key, consistent_read=True)
        except Delivery.DoesNotExist:
            raise IdempotencyItemNotFoundError from None
        if not item.idem_status:
            raise IdempotencyItemNotFoundError
        return DataRecord(
            idempotency_key=idempotency_key,
            status=item.idem_status,
            expiry_timestamp=item.idem_expiry,
            in_progress_expiry_timestamp=item.idem_in_progress_expiry,
            response_data=item.idem_response or "",
        )

    def _put_record(self, data_record: DataRecord) -> None:
        D = Delivery
        message = self._message or {}
        now_s = int(time.time())
        claimable = (
            D.idem_status.does_not_exist()
            | (D.idem_expiry < now_s)
            | ((D.idem_status == "INPROGRESS") & (D.idem_in_progress_expiry < now_s * 1000))
        )
        # A delivery already in a final state is never claimed again (a dead one is: that is replay).
        condition = claimable & (D.status.does_not_exist() | ~D.status.is_in(SENT, FAILED, SKIPPED, *FEEDBACK))
        actions = [
            D.idem_status.set(data_record.status),
            D.idem_expiry.set(data_record.expiry_timestamp),
            D.status.set(SENDING),
            D.attempt_count.add(1),
        ]
        if data_record.in_progress_expiry_timestamp is not None:
            actions.append(D.idem_in_progress_expiry.set(data_record.in_progress_expiry_timestamp))
        if message:
            actions += _creation_actions(message)
        item = D(delivery_id=data_record.idempotency_key)
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if _is_condition_failure(exc):
                raise IdempotencyItemAlreadyExistsError from None
            raise
        self._attempt_number = int(item.attempt_count or 1)

    def _update_record(self, data_record: DataRecord) -> None:
        D = Delivery
        result = self._result or {}
        status = result.get("status", SENT)
        attempt = Attempt(
            number=self._attempt_number or 1,
            at=utcnow_iso(),
            outcome=status,
            code=result.get("error_code"),
            detail=result.get("error_detail"),
            http_status=result.get("http_status"),
            provider_message_id=result.get("provider_message_id"),
        )
        status_action = D.status.set(status)
        actions = [
            D.idem_status.set(data_record.status),
            D.idem_expiry.set(data_record.expiry_timestamp),
            D.idem_response.set(data_record.response_data),
            D.idem_in_progress_expiry.remove(),
            status_action,
            D.updated_at.set(utcnow_iso()),
            _append_attempt(attempt),
        ]
        if result.get("provider_message_id"):
            actions.append(D.provider_message_id.set(result["provider_message_id"]))
        if status == FAILED and self._message:
            # A permanent failure (a 4xx, a template error) can be replayed once its cause is fixed.
            actions.append(D.payload.set(json.dumps(self._message, separators=(",", ":"))))
        if result.get("error_code"):
            actions.append(D.error_code.set(result["error_code"]))
            actions.append(D.error_detail.set((result.get("error_detail") or "")[:1000]))
        item = D(delivery_id=data_record.idempotency_key)
        try:
            # SES feedback can overtake the sender's own bookkeeping (a sender slow to record, or one that
            # crashed and resent): a bounce or delivery already recorded is never turned back into "sent".
            item.update(actions=actions, condition=D.status.does_not_exist() | ~D.status.is_in(*FEEDBACK))
        except UpdateError as exc:
            if not _is_condition_failure(exc):
                raise
            item.update(actions=[a for a in actions if a is not status_action])

    def _delete_record(self, data_record: DataRecord) -> None:
        # The send raised: release the claim so SQS can redeliver, and log the failed attempt.
        D = Delivery
        exc = self._exception
        code = getattr(exc, "code", None) or type(exc).__name__
        detail = (getattr(exc, "detail", None) or str(exc))[:1000]
        attempt = Attempt(
            number=self._attempt_number or 1,
            at=utcnow_iso(),
            outcome=RETRYING,
            code=code,
            detail=detail,
            http_status=getattr(exc, "http_status", None),
        )
        D(delivery_id=data_record.idempotency_key).update(
            actions=[
                D.idem_status.remove(),
                D.idem_expiry.remove(),
                D.idem_in_progress_expiry.remove(),
                D.status.set(RETRYING),
                D.error_code.set(code),
                D.error_detail.set(detail),
                D.updated_at.set(utcnow_iso()),
                _append_attempt(attempt),
            ]
        )
