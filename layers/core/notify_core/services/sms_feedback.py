"""SMS after SNS accepted it, recorded: the carrier's delivery status, and STOP / START replies.

Delivery status (``functions/sms_status``): each SNS delivery-status log line (parsed by
``domain.sms_events.parse_status_line``) finds its delivery by the SNS MessageId the SMS sender stored (index
``by_provider_message``) and records ``delivered`` or ``failed`` with the same ranked, conditional write as SES
feedback, so a SUCCESS line arriving after a FAILURE never shows the SMS as delivered.

Replies (``functions/sms_inbound``): a STOP-like text opts the number out of the org whose SMS it answered, a
START-like one opts it back in (per-org suppressions). A reply we cannot attribute to one org opts the number
out of every org: see ``SmsFeedback.resolve_scope``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain.addresses import mask
from notify_core.domain.delivery import DeliveryRecord
from notify_core.domain.feedback_events import APPLIED, OUT_OF_ORDER, UNKNOWN_DELIVERY
from notify_core.domain.sms_events import (
    MALFORMED,
    OPT_OUT,
    InboundSms,
    MalformedSmsFeedback,
    SmsStatus,
    parse_inbound,
    parse_status_line,
)
from notify_core.observability import logger, metrics
from notify_core.services.ports import DeliveryLog, Suppressions

EVERY_ORG = "*"  # the suppressions' every-org scope (adapters.dynamodb.suppressions_table.EVERY_ORG)
MAPPED, UNMAPPED = "mapped", "unmapped"


class SmsFeedback:
    def __init__(self, *, deliveries: DeliveryLog, suppressions: Suppressions | None = None) -> None:
        self.deliveries = deliveries
        self.suppressions = suppressions

    # ------------------------------------------------------------------------------------ delivery status
    def record_status(self, status: SmsStatus) -> tuple[str, DeliveryRecord | None]:
        """Apply one status line: (``applied`` | ``out_of_order`` | ``unknown_delivery``, the delivery or None)."""
        record = self.deliveries.find_by_provider_message(status.message_id, "sms")
        if record is None:
            return UNKNOWN_DELIVERY, None
        if status.destination and status.destination != record.address:
            # The id matched but not the number: not ours to record (it would put a stranger's outcome on it).
            return UNKNOWN_DELIVERY, record
        outcome = self.deliveries.record_outcome(
            record,
            kind=status.kind,
            code=status.code,
            detail=status.detail or status.status,
            at=status.timestamp,
            provider_message_id=status.message_id,
        )
        # An SMS found through its SNS id has its sender's outcome already (the id is written with it).
        return (APPLIED if outcome == APPLIED else OUT_OF_ORDER), record

    def handle_status_lines(self, messages: Iterable[str]) -> dict[str, int]:
        """The sms_status function's work for one CloudWatch Logs event: every line parsed and recorded.

        A malformed line is logged with its reason and counted; the others still count (no retry would read it
        any better). An unknown message id (an SMS not sent by this platform, or an index not yet caught up) is
        logged and counted, not retried. DynamoDB errors raise: Lambda retries the asynchronous invocation, and
        every write is idempotent (a repeated line is ``out_of_order``).
        """
        outcomes: dict[str, int] = {}
        for message in messages:
            try:
                status = parse_status_line(message)
            except MalformedSmsFeedback as exc:
                outcomes[MALFORMED] = outcomes.get(MALFORMED, 0) + 1
                metrics.add_metric(name="sms_status_malformed", unit=MetricUnit.Count, value=1)
                logger.warning("SMS delivery status line not understood", extra={"reason": str(exc)})
                continue
            outcome, record = self.record_status(status)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            log = {
                "sms_status": status.status,
                "outcome": outcome,
                "sns_message_id": status.message_id,
                "delivery_id": record.delivery_id if record else None,
                "org_id": record.org_id if record else None,
                "to": mask(status.destination or ""),
                "provider_response": status.detail[:200],
            }
            metrics.add_metric(name=f"sms_status_{status.kind}", unit=MetricUnit.Count, value=1)
            if outcome == UNKNOWN_DELIVERY:
                metrics.add_metric(name="sms_status_unknown_delivery", unit=MetricUnit.Count, value=1)
                logger.warning("SMS delivery status for an unknown delivery", extra=log)
            else:
                logger.info("SMS delivery status recorded", extra=log)
        return outcomes

    # ------------------------------------------------------------------------------------------- replies
    def resolve_scope(self, inbound: InboundSms) -> tuple[str, str, DeliveryRecord | None]:
        """Which org a reply is about: (org id or ``EVERY_ORG``, how, the delivery or None).

        The message they answered (``previousPublishedMessageId``), found through ``by_provider_message``, names
        the org. When it names nothing of ours (no id, an id we never stored, a delivery to another number), a
        STOP opts the number out of *every* org: every org texts from the same two-way number, so the person
        cannot know which business they are stopping, and carrier rules and the law (TCPA / CTIA, GDPR objection
        to direct marketing) require that STOP stops further texts from that number. Sending one more SMS after
        a STOP is a violation; missing one notification of an org that was not meant is not.
        """
        record = None
        if inbound.previous_message_id:
            record = self.deliveries.find_by_provider_message(inbound.previous_message_id, "sms")
        if record is not None and record.address == inbound.origination:
            return record.org_id, MAPPED, record
        return EVERY_ORG, UNMAPPED, None

    def handle_inbound_body(self, body: str) -> dict[str, Any]:
        """The sms_inbound function's work for one SQS record: parse, act on STOP/START, log and count."""
        assert self.suppressions is not None, "sms_inbound is built with the suppressions table"
        try:
            inbound = parse_inbound(body)
        except MalformedSmsFeedback as exc:
            # Raised on: the record is retried up to the queue's maxReceiveCount, then kept in the alarmed DLQ.
            # A STOP we could not read must reach a person, not vanish.
            metrics.add_metric(name="sms_inbound_malformed", unit=MetricUnit.Count, value=1)
            logger.warning("inbound SMS not understood", extra={"reason": str(exc)})
            raise
        if inbound is None:
            logger.info("SNS bookkeeping message ignored")
            return {"outcome": "ignored"}
        action = inbound.action
        log: dict[str, Any] = {
            "from": mask(inbound.origination),
            "inbound_message_id": inbound.inbound_message_id,
            "previous_message_id": inbound.previous_message_id,
            "action": action,
        }
        if action is None:
            # An ordinary reply: nothing to do. Its text is not logged (personal data).
            metrics.add_metric(name="sms_inbound_ignored", unit=MetricUnit.Count, value=1)
            logger.info("inbound SMS is not a keyword: ignored", extra=log)
            return {"outcome": "ignored"}
        scope, how, record = self.resolve_scope(inbound)
        log.update(scope=scope, attribution=how, delivery_id=record.delivery_id if record else None)
        detail = f"SMS reply ({inbound.inbound_message_id or 'no id'}) to {how} message {inbound.previous_message_id}"
        if action == OPT_OUT:
            self.suppressions.opt_out(scope, inbound.origination, detail=detail)
            changed = True
        else:
            _, changed = self.suppressions.opt_in(scope, inbound.origination)
            if how == MAPPED and self.suppressions.suppressed(scope, [("sms", inbound.origination)]):
                # A START attributed to one org does not lift an every-org STOP (other orgs never heard it).
                log["still_suppressed"] = "every org"
        log["changed"] = changed
        metrics.add_metric(name=f"sms_inbound_{action}", unit=MetricUnit.Count, value=1)
        logger.info("SMS opt-out updated from a reply", extra=log)
        return {"outcome": action, "scope": scope, "attribution": how, "changed": changed}
