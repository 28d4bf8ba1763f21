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
from dataclasses import dataclass
from typing import Any

from notify_core.domain.addresses import InvalidAddress, normalise_phone
from notify_core.domain.delivery import DELIVERED, FAILED
from notify_core.domain.feedback_events import sns_payload

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
