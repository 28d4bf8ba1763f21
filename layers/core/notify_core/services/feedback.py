"""SES feedback recorded: what happened to an email after SES accepted it (delivery log + suppressions).

Every email goes out with the configuration set of ``wiring.EMAIL_FEEDBACK``, whose event destination publishes
SES events to an SNS topic; the topic delivers them to the ``feedback`` queue as SNS envelopes and
``functions/feedback`` hands each body to ``FeedbackRecorder.handle_body``. Parsing is pure
(``domain.feedback_events``); recording finds the delivery through the ``delivery_id`` tag the email channel
set, records the outcome and an attempt on it (the ranked write: order does not matter, a repeat is a no-op),
and puts hard-bounced and complaining addresses on the suppression list (every org).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain.addresses import InvalidAddress, mask, normalise_email
from notify_core.domain.feedback_events import (
    APPLIED,
    IGNORED,
    OUT_OF_ORDER,
    UNKNOWN_DELIVERY,
    FeedbackEvent,
    parse_body,
    tag_value,
)
from notify_core.observability import logger, metrics
from notify_core.services.ports import DeliveryLog, Suppressions

NOT_YET = "not_yet"


class OutcomeNotRecordedYet(Exception):
    """A provider's report arrived before its sender recorded the send: retried later (SQS backoff)."""


def _normalised(address: str) -> str:
    try:
        return normalise_email(address)
    except InvalidAddress:
        return address.strip().lower()


class FeedbackRecorder:
    def __init__(self, *, deliveries: DeliveryLog, suppressions: Suppressions) -> None:
        self.deliveries = deliveries
        self.suppressions = suppressions

    def record(self, event: FeedbackEvent) -> str:
        """Apply one event: suppressions first (they stand even for a delivery we cannot find), then the log.

        Returns ``applied``, ``unknown_delivery`` (no delivery_id tag, no such delivery, or its org does not match
        the tag) or ``out_of_order`` (the delivery already holds an equal or stronger outcome); raises
        ``OutcomeNotRecordedYet`` when the sender has not written its outcome yet (the record is retried).
        """
        for address, reason in event.suppress:
            where = f" (delivery {event.delivery_id})" if event.delivery_id else ""
            self.suppressions.suppress(
                "email", _normalised(address), reason, detail=f"{event.code}: {event.detail}{where}"
            )
        if event.kind == IGNORED:
            return IGNORED
        if not event.delivery_id:
            return UNKNOWN_DELIVERY
        record = self.deliveries.get_any(event.delivery_id)
        if record is None and event.org_id:
            # Our own tags, no record yet: the sender writes nothing before SES accepts the message, so SES can be
            # quicker than that write. Retried; a tag that never gets a record ends in the alarmed feedback DLQ.
            raise OutcomeNotRecordedYet(f"delivery {event.delivery_id} is not on record yet")
        if record is None or record.channel != "email" or (event.org_id and tag_value(record.org_id) != event.org_id):
            return UNKNOWN_DELIVERY
        outcome = self.deliveries.record_outcome(
            record,
            kind=event.kind,
            code=event.code,
            detail=event.detail,
            at=event.timestamp,
            provider_message_id=event.message_id,
        )
        if outcome == NOT_YET:
            # SES was quicker than the sender's own write: the record comes back once that write landed.
            raise OutcomeNotRecordedYet(f"delivery {event.delivery_id} has no outcome from its sender yet")
        return APPLIED if outcome == APPLIED else OUT_OF_ORDER

    def handle_body(self, body: str) -> dict[str, Any]:
        """The feedback function's work for one SQS record: parse, record, log and count."""
        event = parse_body(body)
        if event is None:
            logger.info("SNS bookkeeping message ignored")
            return {"outcome": IGNORED}
        outcome = self.record(event)
        log = {
            "feedback": event.kind,
            "code": event.code,
            "outcome": outcome,
            "delivery_id": event.delivery_id,
            "org_id": event.org_id,
            "ses_message_id": event.message_id,
            "recipients": [mask(a) for a in event.recipients],
            "suppressed": len(event.suppress),
        }
        metrics.add_metric(name=f"feedback_{event.kind}", unit=MetricUnit.Count, value=1)
        if event.suppress:
            metrics.add_metric(name="addresses_suppressed", unit=MetricUnit.Count, value=len(event.suppress))
        if outcome == UNKNOWN_DELIVERY:
            metrics.add_metric(name="feedback_unknown_delivery", unit=MetricUnit.Count, value=1)
            logger.warning("feedback for an unknown delivery", extra=log)
        else:
            logger.info("feedback recorded", extra=log)
        return {"outcome": outcome, "kind": event.kind}
