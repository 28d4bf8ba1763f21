"""SES feedback events, read: what happened to an email after SES accepted it (pure; recorded by
``services.feedback``).

Every email goes out with the configuration set of ``wiring.EMAIL_FEEDBACK``, whose event destination
publishes SES events to an SNS topic; the topic delivers them to the ``feedback`` queue as SNS envelopes
(``Message`` holds the SES event JSON) and ``functions/feedback`` hands each body to ``handle_body``.

- ``parse_body`` / ``parse_event`` are pure: an SQS body (SNS envelope or raw SES event) in, a
  ``FeedbackEvent`` out. They read the event-publishing shape (``eventType``: Delivery, Bounce,
  Complaint, Reject, DeliveryDelay; ``mail.tags``) and also the older identity-notification shape
  (``notificationType``).
- ``record`` is the adapter: it finds the delivery through the ``delivery_id`` tag the email channel
  set, records the outcome and an attempt entry on the delivery log item, and puts hard-bounced and
  complaining addresses on the suppression list (every org).

Order does not matter: statuses are ranked (delivered < bounced = rejected = failed < complained) and a write is
conditional on the current status ranking lower, so a Delivery event arriving after a Bounce leaves the
delivery ``bounced``. A repeated event (SNS and SQS deliver at least once) is a no-op.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from notify_core.domain.delivery import BOUNCED, COMPLAINED, DELAYED, DELIVERED, RANK, REJECTED

_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def tag_value(value: str) -> str:
    """How an id is written into an SES message tag (the email channel), and so how SES feedback gives it back."""
    return _TAG_UNSAFE.sub("_", value)[:256]


IGNORED = "ignored"  # an SES event type we do not subscribe to (Send, Open, Click...)
_KINDS = {
    "delivery": DELIVERED,
    "bounce": BOUNCED,
    "complaint": COMPLAINED,
    "reject": REJECTED,
    "deliverydelay": DELAYED,
}


class MalformedFeedback(ValueError):
    """Not an SES event at all: retried, then kept in the feedback DLQ (alarmed) for inspection."""


@dataclass(frozen=True)
class FeedbackEvent:
    kind: str  # delivered | bounced | complained | rejected | delayed | ignored
    event_type: str  # as SES spelled it
    message_id: str | None  # SES message id (mail.messageId)
    delivery_id: str | None  # from our delivery_id tag
    org_id: str | None  # from our org_id tag
    timestamp: str | None  # when SES observed it
    code: str  # e.g. "bounce:Permanent/General", "complaint:abuse", "delivery:250"
    detail: str  # the provider's words: diagnostic code, SMTP response, reject reason
    recipients: tuple[str, ...] = ()  # the recipients this event is about
    # Addresses to suppress for every org, each with its reason (hard bounces, complaints).
    suppress: tuple[tuple[str, str], ...] = field(default=())

    @property
    def changes_status(self) -> bool:
        return self.kind in RANK


def sns_payload(body: str, malformed: type[ValueError] = MalformedFeedback) -> Any:
    """The JSON payload of an SQS body fed by an SNS topic: the envelope's ``Message`` (raw message delivery
    off) or the body itself (on). ``None`` for SNS bookkeeping (a subscription confirmation)."""
    try:
        outer = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise malformed(f"body is not JSON: {exc}") from None
    if not isinstance(outer, dict):
        raise malformed("body is not a JSON object")
    if "Type" in outer and "TopicArn" in outer:  # the SNS envelope
        if outer["Type"] != "Notification":
            return None  # SubscriptionConfirmation / UnsubscribeConfirmation: nothing to record
        try:
            inner = json.loads(outer.get("Message") or "")
        except (TypeError, ValueError) as exc:
            raise malformed(f"SNS Message is not JSON: {exc}") from None
        if inner is None:
            raise malformed("SNS Message is null")
        return inner
    return outer


def parse_body(body: str) -> FeedbackEvent | None:
    """An SQS body from the feedback queue. None for SNS bookkeeping (a subscription confirmation)."""
    payload = sns_payload(body)
    return None if payload is None else parse_event(payload)


def _first_tag(tags: dict[str, Any], name: str) -> str | None:
    value = tags.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _addresses(entries: Any) -> tuple[str, ...]:
    out = []
    for entry in entries or []:
        address = entry.get("emailAddress") if isinstance(entry, dict) else entry
        if isinstance(address, str) and address:
            out.append(address)
    return tuple(out)


def parse_event(event: Any) -> FeedbackEvent:
    """One SES event notification (the SNS ``Message``), in the event-publishing or notification shape."""
    if not isinstance(event, dict):
        raise MalformedFeedback("SES event is not a JSON object")
    event_type = event.get("eventType") or event.get("notificationType")
    mail = event.get("mail")
    if not isinstance(event_type, str) or not isinstance(mail, dict):
        raise MalformedFeedback("not an SES event: eventType/notificationType or mail missing")
    raw_tags = mail.get("tags")
    tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
    common: dict[str, Any] = dict(
        event_type=event_type,
        message_id=mail.get("messageId"),
        delivery_id=_first_tag(tags, "delivery_id"),
        org_id=_first_tag(tags, "org_id"),
    )
    kind = _KINDS.get(event_type.replace(" ", "").lower(), IGNORED)
    if kind == DELIVERED:
        d = event.get("delivery") or {}
        return FeedbackEvent(
            kind=kind,
            **common,
            timestamp=d.get("timestamp"),
            recipients=tuple(d.get("recipients") or ()),
            code="delivery",
            detail=str(d.get("smtpResponse") or ""),
        )
    if kind == BOUNCED:
        b = event.get("bounce") or {}
        bounce_type = str(b.get("bounceType") or "Undetermined")
        sub_type = str(b.get("bounceSubType") or "General")
        recipients = _addresses(b.get("bouncedRecipients"))
        diagnostics = [
            r.get("diagnosticCode") or r.get("status") or r.get("action") or ""
            for r in b.get("bouncedRecipients") or []
            if isinstance(r, dict)
        ]
        # Only a Permanent bounce says the address is dead; Transient (mailbox full, auto-reply) and
        # Undetermined do not: suppressing them would silence recipients who can still read mail.
        suppress = tuple((a, "bounce") for a in recipients) if bounce_type == "Permanent" else ()
        return FeedbackEvent(
            kind=kind,
            **common,
            timestamp=b.get("timestamp"),
            recipients=recipients,
            code=f"bounce:{bounce_type}/{sub_type}",
            detail="; ".join(filter(None, diagnostics)) or sub_type,
            suppress=suppress,
        )
    if kind == COMPLAINED:
        c = event.get("complaint") or {}
        recipients = _addresses(c.get("complainedRecipients")) or tuple(mail.get("destination") or ())
        feedback_type = c.get("complaintFeedbackType") or c.get("complaintSubType") or "complaint"
        return FeedbackEvent(
            kind=kind,
            **common,
            timestamp=c.get("timestamp"),
            recipients=recipients,
            code=f"complaint:{feedback_type}",
            detail=str(c.get("userAgent") or feedback_type),
            suppress=tuple((a, "complaint") for a in recipients),
        )
    if kind == REJECTED:
        r = event.get("reject") or {}
        return FeedbackEvent(
            kind=kind,
            **common,
            timestamp=mail.get("timestamp"),
            recipients=tuple(mail.get("destination") or ()),
            code="reject",
            detail=str(r.get("reason") or ""),
        )
    if kind == DELAYED:
        dd = event.get("deliveryDelay") or {}
        delayed = [r for r in dd.get("delayedRecipients") or [] if isinstance(r, dict)]
        return FeedbackEvent(
            kind=kind,
            **common,
            timestamp=dd.get("timestamp"),
            recipients=_addresses(delayed),
            code=f"delay:{dd.get('delayType') or 'Undetermined'}",
            detail="; ".join(filter(None, (r.get("diagnosticCode") or r.get("status") for r in delayed))),
        )
    return FeedbackEvent(kind=IGNORED, **common, timestamp=mail.get("timestamp"), code=event_type, detail="")


APPLIED, UNKNOWN_DELIVERY, OUT_OF_ORDER = "applied", "unknown_delivery", "out_of_order"
