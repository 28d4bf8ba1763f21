"""SMS after SNS accepted it: the carrier's delivery status, and what people text back (STOP / START).

Delivery status (``functions/sms_status``). With SNS SMS delivery-status logging on (account SMS
attributes ``DeliveryStatusIAMRole`` and ``DeliveryStatusSuccessSamplingRate=100``), SNS writes one JSON
line per SMS to the log groups ``wiring.SMS_STATUS_LOG_GROUPS``; their subscription filters invoke the
function with the CloudWatch Logs event. ``parse_status_line`` reads one line; ``record_status`` finds
the delivery by the SNS MessageId the SMS sender stored (index ``by_provider_message``) and records
``delivered`` or ``failed`` through ``feedback.record_outcome``: the same ranked, conditional write as SES
feedback, so a SUCCESS line arriving after a FAILURE never shows the SMS as delivered.

Replies (``functions/sms_inbound``). AWS End User Messaging SMS publishes what people text to our two-way
number to the ``sms-inbound`` topic (``originationNumber``, ``messageBody``, ``previousPublishedMessageId``
...). ``keyword_action`` reads STOP-like and START-like words; ``handle_inbound_body`` opts the number out
of (or back into) the org whose SMS it answered, through the per-org opt-out store (``suppression``).
A reply we cannot attribute to one org opts the number out of every org: see ``resolve_scope``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from notify_core.feedback import DELIVERED, FAILED, UNKNOWN_DELIVERY

SUCCESS, FAILURE = "SUCCESS", "FAILURE"
MALFORMED = "malformed"
# Codes on the delivery log (error_code for a failure; the attempt's code for both).
CARRIER_ACCEPTED, CARRIER_FAILURE = "carrier_accepted", "carrier_failure"


class MalformedSmsFeedback(ValueError):
    """A delivery-status line or an inbound SMS payload we cannot read."""


# ------------------------------------------------------------------------------------------ delivery status


@dataclass(frozen=True)
class SmsStatus:
    message_id: str  # the SNS MessageId of the Publish call
    kind: str  # delivered | failed
    status: str  # SUCCESS | FAILURE, as SNS wrote it
    timestamp: str | None  # when SNS logged it (ISO 8601 UTC when SNS's format was recognised)
    detail: str  # providerResponse: the carrier's (or SNS's) words
    destination: str | None  # E.164, as SNS logged it

    @property
    def code(self) -> str:
        return CARRIER_ACCEPTED if self.kind == DELIVERED else CARRIER_FAILURE


_SNS_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$")


def _iso(timestamp: Any) -> str | None:
    if not isinstance(timestamp, str) or not timestamp:
        return None
    # SNS writes "2016-06-28 00:40:34.558" (UTC); the delivery log holds ISO 8601 with "Z".
    match = _SNS_TIME.match(timestamp)
    return f"{match.group(1)}T{match.group(2)}Z" if match else timestamp


def parse_status_line(message: str) -> SmsStatus:
    """One SNS SMS delivery-status log line (the ``message`` of a CloudWatch Logs event)."""
    try:
        line = json.loads(message)
    except (TypeError, ValueError) as exc:
        raise MalformedSmsFeedback(f"log line is not JSON: {exc}") from None
    if not isinstance(line, dict):
        raise MalformedSmsFeedback("log line is not a JSON object")
    notification, delivery = line.get("notification"), line.get("delivery")
    if not isinstance(notification, dict) or not isinstance(delivery, dict):
        raise MalformedSmsFeedback("not an SNS SMS delivery status: notification or delivery missing")
    message_id = notification.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedSmsFeedback("notification.messageId missing")
    status = line.get("status")
    if status not in (SUCCESS, FAILURE):
        raise MalformedSmsFeedback(f"status is {status!r}, not SUCCESS or FAILURE")
    destination = delivery.get("destination")
    return SmsStatus(
        message_id=message_id,
        kind=DELIVERED if status == SUCCESS else FAILED,
        status=status,
        timestamp=_iso(notification.get("timestamp")),
        detail=str(delivery.get("providerResponse") or ""),
        destination=destination if isinstance(destination, str) and destination else None,
    )


def record_status(status: SmsStatus) -> tuple[str, Any]:
    """Apply one status line: (``applied`` | ``out_of_order`` | ``unknown_delivery``, the delivery or None)."""
    from notify_core import delivery_log, feedback

    item = delivery_log.find_by_provider_message(status.message_id, "sms")
    if item is None:
        return UNKNOWN_DELIVERY, None
    if status.destination and status.destination != item.address:
        # The id matched but not the number: not ours to record (it would put a stranger's outcome on it).
        return UNKNOWN_DELIVERY, item
    outcome = feedback.record_outcome(
        item,
        kind=status.kind,
        code=status.code,
        detail=status.detail or status.status,
        at=status.timestamp,
        provider_message_id=status.message_id,
    )
    return outcome, item


def handle_status_lines(messages: Iterable[str]) -> dict[str, int]:
    """The sms_status function's work for one CloudWatch Logs event: every line parsed and recorded.

    A malformed line is logged with its reason and counted; the others still count (no retry would read
    it any better). An unknown message id (an SMS not sent by this platform, or an index not yet caught
    up) is logged and counted, not retried. DynamoDB errors raise: Lambda retries the asynchronous
    invocation, and every write is idempotent (a repeated line is ``out_of_order``).
    """
    from aws_lambda_powertools.metrics import MetricUnit

    from notify_core.addresses import mask
    from notify_core.observability import logger, metrics

    outcomes: dict[str, int] = {}
    for message in messages:
        try:
            status = parse_status_line(message)
        except MalformedSmsFeedback as exc:
            outcomes[MALFORMED] = outcomes.get(MALFORMED, 0) + 1
            metrics.add_metric(name="sms_status_malformed", unit=MetricUnit.Count, value=1)
            logger.warning("SMS delivery status line not understood", extra={"reason": str(exc)})
            continue
        outcome, item = record_status(status)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        log = {
            "sms_status": status.status,
            "outcome": outcome,
            "sns_message_id": status.message_id,
            "delivery_id": getattr(item, "delivery_id", None),
            "org_id": getattr(item, "org_id", None),
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


# ------------------------------------------------------------------------------------------------ replies

OPT_OUT, OPT_IN = "opt_out", "opt_in"
# Whole-message keywords (case-insensitive, trimmed): the CTIA / carrier set, plus the words our products'
# users write (Polish texts "STOP" too; Russian "СТОП", "ОТПИСАТЬСЯ").
OPT_OUT_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "стоп", "отписаться", "отписка"}
)
OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes", "старт"})
# Words that also count as the first word of a longer text ("Stop texting me"): unambiguous ones only.
# "End" / "Cancel" / "Yes" open ordinary sentences ("Cancel my order?") and must stand alone.
FIRST_WORD_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "стоп"})
_EDGE = " \t\r\n.,!?;:'\"()\u00ab\u00bb\u2013\u2014-"  # spaces, punctuation, quotes, dashes


def keyword_action(text: str | None) -> str | None:
    """``opt_out``, ``opt_in`` or None (an ordinary reply) for an inbound SMS text."""
    if not isinstance(text, str):
        return None
    words = text.strip(_EDGE).casefold().split()
    if not words:
        return None
    whole = " ".join(words)
    if whole in OPT_OUT_KEYWORDS:
        return OPT_OUT
    if whole in OPT_IN_KEYWORDS:
        return OPT_IN
    if words[0].strip(_EDGE) in FIRST_WORD_OPT_OUT:
        return OPT_OUT
    return None


@dataclass(frozen=True)
class InboundSms:
    origination: str  # the person's number, E.164
    destination: str | None  # our two-way number
    keyword: str | None  # the registered keyword AWS matched, if any
    body: str
    inbound_message_id: str | None
    previous_message_id: str | None  # the id of our message they answered

    @property
    def action(self) -> str | None:
        # The text decides. messageKeyword is "the registered keyword associated with the number" (AWS's
        # own example pairs keyword JOIN with body EXAMPLE): not proof of what this person wrote.
        return keyword_action(self.body)


def parse_inbound(body: str) -> InboundSms | None:
    """An SQS body from the sms-inbound queue (SNS envelope). None for SNS bookkeeping."""
    from notify_core.addresses import InvalidAddress, normalise_phone
    from notify_core.feedback import sns_payload

    payload = sns_payload(body, MalformedSmsFeedback)
    if payload is None:
        return None
    if not isinstance(payload, dict):
        raise MalformedSmsFeedback("inbound SMS is not a JSON object")
    origination = payload.get("originationNumber")
    if not isinstance(origination, str) or not origination:
        raise MalformedSmsFeedback("originationNumber missing")
    try:
        number = normalise_phone(origination)
    except InvalidAddress as exc:
        raise MalformedSmsFeedback(f"originationNumber is not a phone number: {exc}") from None
    text = payload.get("messageBody")

    def opt(name: str) -> str | None:
        value = payload.get(name)
        return value if isinstance(value, str) and value else None

    return InboundSms(
        origination=number,
        destination=opt("destinationNumber"),
        keyword=opt("messageKeyword"),
        body=text if isinstance(text, str) else "",
        inbound_message_id=opt("inboundMessageId"),
        previous_message_id=opt("previousPublishedMessageId"),
    )


MAPPED, UNMAPPED = "mapped", "unmapped"


def resolve_scope(inbound: InboundSms) -> tuple[str, str, Any]:
    """Which org a reply is about: (org id or ``suppression.EVERY_ORG``, how, the delivery or None).

    The message they answered (``previousPublishedMessageId``), found through ``by_provider_message``, names
    the org. When it names nothing of ours (no id, an id we never stored, a delivery to another number),
    a STOP opts the number out of *every* org: every org texts from the same two-way number, so the person
    cannot know which business they are stopping, and carrier rules and the law (TCPA / CTIA, GDPR
    objection to direct marketing) require that STOP stops further texts from that number. Sending one
    more SMS after a STOP is a violation; missing one notification of an org that was not meant is not.
    """
    from notify_core import delivery_log
    from notify_core.suppression import EVERY_ORG

    item = None
    if inbound.previous_message_id:
        item = delivery_log.find_by_provider_message(inbound.previous_message_id, "sms")
    if item is not None and item.address == inbound.origination:
        return item.org_id, MAPPED, item
    return EVERY_ORG, UNMAPPED, None


def handle_inbound_body(body: str) -> dict[str, Any]:
    """The sms_inbound function's work for one SQS record: parse, act on STOP/START, log and count."""
    from aws_lambda_powertools.metrics import MetricUnit

    from notify_core import suppression
    from notify_core.addresses import mask
    from notify_core.observability import logger, metrics

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
    scope, how, item = resolve_scope(inbound)
    log.update(scope=scope, attribution=how, delivery_id=getattr(item, "delivery_id", None))
    detail = f"SMS reply ({inbound.inbound_message_id or 'no id'}) to {how} message {inbound.previous_message_id}"
    if action == OPT_OUT:
        suppression.opt_out(scope, inbound.origination, detail=detail)
        changed = True
    else:
        _, changed = suppression.opt_in(scope, inbound.origination)
        if how == MAPPED and suppression.suppressed(scope, [("sms", inbound.origination)]):
            # A START attributed to one org does not lift an every-org STOP (other orgs never heard it).
            log["still_suppressed"] = "every org"
    log["changed"] = changed
    metrics.add_metric(name=f"sms_inbound_{action}", unit=MetricUnit.Count, value=1)
    logger.info("SMS opt-out updated from a reply", extra=log)
    return {"outcome": action, "scope": scope, "attribution": how, "changed": changed}
