"""The sender's claim on a delivery: claim → (send) → complete | release, on the delivery's own log item.

Why our own protocol rather than Powertools idempotency: the claim *is* the delivery log item (one item, two
writes on the happy path) and every write also records the delivery's status and attempts, which Powertools'
persistence layer cannot express without bending its internals. Powertools still does what it is made for
(batch processing, the router's event idempotency, logging, metrics).

Transitions, each one conditional UpdateItem:

- **claim**: allowed when no sender holds an unexpired claim (``claim_until_ms`` absent or past) and the status
  is not one no sender may touch again (sent, failed, skipped, feedback). Sets ``sending``, ``claim_until_ms``
  (now + the time the sender has left), ``attempt_count += 1`` and, the first time, the delivery's facts.
  When refused, one consistent read says why: final (``AlreadyFinal``: a duplicate; nothing to send) or held
  (``HeldElsewhere``: retry later, never send alongside).
- **complete**: ``sent`` or ``failed`` with the attempt; the claim is removed. A feedback outcome that overtook
  the sender (SES reported a bounce before the sender recorded "sent") is never turned back into ``sent``.
- **release**: a transient failure: ``retrying`` with the attempt and its error; the claim is removed so the
  SQS redelivery can claim it.

The window this leaves (a sender that dies after the provider accepted the message and before ``complete``
lands sends again once its claim expires) is documented in the README; the delivery-protocol work narrows it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog, is_condition_failure
from notify_core.domain.delivery import (
    FAILED,
    FEEDBACK,
    NEVER_CLAIMED_AGAIN,
    RETRYING,
    SENDING,
    AlreadyFinal,
    Attempt,
    Claim,
    Claimed,
    HeldElsewhere,
    Outcome,
    utcnow_iso,
)


class DeliveryClaims:
    def __init__(self, log: DeliveryLog, *, clock_ms: Callable[[], int] | None = None) -> None:
        self.log = log
        self._now_ms = clock_ms or (lambda: int(time.time() * 1000))

    def claim(self, message: dict[str, Any], *, hold_ms: int) -> Claim:
        D = self.log.Item
        now = self._now_ms()
        claimable = D.claim_until_ms.does_not_exist() | (D.claim_until_ms < now)
        condition = claimable & (D.status.does_not_exist() | ~D.status.is_in(*NEVER_CLAIMED_AGAIN))
        item = D(delivery_id=message["delivery_id"])
        try:
            item.update(
                actions=[
                    *self.log.creation_actions(message),
                    D.status.set(SENDING),
                    D.attempt_count.add(1),
                    D.claim_until_ms.set(now + max(hold_ms, 1000)),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            current = self.log.get_any(message["delivery_id"])
            if current is None:  # deleted between the write and the read (TTL): nothing left to claim
                return AlreadyFinal("expired")
            if current.status in NEVER_CLAIMED_AGAIN:
                return AlreadyFinal(current.status)
            return HeldElsewhere(current.claim_until_ms or now)
        return Claimed(attempt=int(item.attempt_count or 1))

    def complete(self, message: dict[str, Any], claim: Claimed, outcome: Outcome) -> None:
        D = self.log.Item
        attempt = Attempt(
            number=claim.attempt,
            at=utcnow_iso(),
            outcome=outcome.status,
            code=outcome.error_code,
            detail=outcome.error_detail,
            http_status=outcome.http_status,
            provider_message_id=outcome.provider_message_id,
        )
        status_action = D.status.set(outcome.status)
        actions: list[Action] = [D.claim_until_ms.remove(), status_action, D.updated_at.set(utcnow_iso())]
        actions.append(self.log.append_attempt(attempt))
        if outcome.provider_message_id:
            actions.append(D.provider_message_id.set(outcome.provider_message_id))
        if outcome.status == FAILED:
            # A permanent failure (a 4xx, a template error) can be replayed once its cause is fixed.
            actions.append(D.payload.set(json.dumps(message, separators=(",", ":"))))
        if outcome.error_code:
            actions.append(D.error_code.set(outcome.error_code))
            actions.append(D.error_detail.set((outcome.error_detail or "")[:1000]))
        item = D(delivery_id=message["delivery_id"])
        try:
            # SES feedback can overtake the sender's own bookkeeping: a bounce or delivery already recorded is
            # never turned back into "sent".
            item.update(actions=actions, condition=D.status.does_not_exist() | ~D.status.is_in(*FEEDBACK))
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            item.update(actions=[a for a in actions if a is not status_action])

    def release(self, message: dict[str, Any], claim: Claimed, error: BaseException) -> None:
        D = self.log.Item
        code = getattr(error, "code", None) or type(error).__name__
        detail = (getattr(error, "detail", None) or str(error))[:1000]
        attempt = Attempt(
            number=claim.attempt,
            at=utcnow_iso(),
            outcome=RETRYING,
            code=code,
            detail=detail,
            http_status=getattr(error, "http_status", None),
        )
        D(delivery_id=message["delivery_id"]).update(
            actions=[
                D.claim_until_ms.remove(),
                D.status.set(RETRYING),
                D.error_code.set(code),
                D.error_detail.set(detail),
                D.updated_at.set(utcnow_iso()),
                self.log.append_attempt(attempt),
            ]
        )
