"""A delivery's states, and the rule that keeps a delivery from being sent twice (the README's state table).

A queued delivery has no item yet. Each receive of its queue message either sends it or does not; the outcome
is then written once: ``sent`` | ``failed`` (for good) | ``retrying`` (the provider did not take it; SQS
redelivers) → … → ``dead`` (the last receive failed too, kept for replay) | ``unknown`` (it may have gone out:
never sent again automatically, replayable by a person). Or ``skipped`` / ``failed`` at routing, never queued.
After a provider accepted it, what it reported: ``delivered`` < ``bounced`` = ``rejected`` = ``failed`` <
``complained`` (ranked: a later, weaker report never replaces a stronger one, so a bounce never turns into
"delivered").

Nothing is written before the provider call (that is the cost of a delivery: one read per batch, one write per
outcome). Two things make that safe: the channel queues are FIFO with one message group per delivery, so no two
receives of one delivery ever run at once; and every receive that does not end in a final state records which
message and which receive it was (``last_message_id``, ``last_receive``). A receive that finds its message's
previous receive unrecorded knows that receive ended without a word (a crash, a timeout, a write that never
landed) and may have reached the provider: it records ``unknown`` instead of sending (``decide``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SENDING, SENT, FAILED, RETRYING, DEAD, SKIPPED = "sending", "sent", "failed", "retrying", "dead", "skipped"
UNKNOWN = "unknown"  # may have gone out: never sent again automatically
DELIVERED, BOUNCED, COMPLAINED, REJECTED, DELAYED = "delivered", "bounced", "complained", "rejected", "delayed"
# What a provider reported after accepting a message (SES feedback): the message did go out, so final too.
FEEDBACK = (DELIVERED, BOUNCED, COMPLAINED, REJECTED)
# A delivery in one of these is never attempted again by a queue message: only a replay (a person) reopens the
# replayable ones.
FINAL = frozenset({SENT, FAILED, DEAD, SKIPPED, UNKNOWN, *FEEDBACK})
NEVER_CLAIMED_AGAIN = (SENT, FAILED, SKIPPED, *FEEDBACK)
# A status may replace the current one only if it ranks higher (DELAYED changes no status). Shared by SES
# feedback and SMS delivery status: a failure is never turned into "delivered".
RANK = {DELIVERED: 1, BOUNCED: 2, REJECTED: 2, FAILED: 2, COMPLAINED: 3}
REPLAYABLE = (DEAD, FAILED, UNKNOWN)
# What a provider reported may be recorded on a delivery only once its sender recorded that it went out (or might
# have): a report that overtakes the sender's own write waits for it (the feedback record is retried).
REPORTABLE = frozenset({SENT, UNKNOWN, *FEEDBACK})


def utcnow_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def delivery_id(org_id: str, event_id: str, channel: str, address: str) -> str:
    """Stable per (org, event, channel, normalised address): routing an event again yields the same ids."""
    digest = hashlib.sha256(f"{org_id}\x1f{event_id}\x1f{channel}\x1f{address}".encode()).hexdigest()
    return f"dlv_{digest[:32]}"


def stronger_or_equal(kind: str) -> list[str]:
    """The statuses a report of ``kind`` may not replace (itself and every stronger one)."""
    if kind not in RANK:
        return []
    return [s for s, rank in RANK.items() if rank >= RANK[kind]]


@dataclass(frozen=True)
class Attempt:
    """One try, as the delivery log keeps it: when, how it ended, the provider's words and ids."""

    number: int
    at: str
    outcome: str  # sent | failed | retrying | a feedback kind (delivered, bounced …) | delayed
    code: str | None = None
    detail: str | None = None
    http_status: int | None = None
    provider_message_id: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    """A delivery as the log holds it (what replay, reports and feedback read)."""

    delivery_id: str
    org_id: str
    channel: str
    address: str
    status: str
    event_id: str = ""
    event_type: str = ""
    created_at: str = ""
    updated_at: str | None = None
    recipient_name: str | None = None
    endpoint_id: str | None = None
    reasons: tuple[str, ...] = ()
    error_code: str | None = None
    error_detail: str | None = None
    provider_message_id: str | None = None
    attempt_count: int = 0
    attempts: tuple[Attempt, ...] = ()
    payload: str | None = None  # the queue message, kept once a delivery is dead or failed at the sender (replay)
    replay_count: int | None = None
    # Which queue message's receive wrote the last outcome (see ``decide``).
    last_message_id: str | None = None
    last_receive: int | None = None
    maybe_delivered: bool = False  # some attempt went unanswered: if it ends without an answer, it is unknown
    # SMS: the billed segments and the encoding (gsm7 | ucs2) of the text that went out (domain.sms_text)
    sms_segments: int | None = None
    sms_encoding: str | None = None


# ------------------------------------------------------------------------------------------- the sender's rule
ATTEMPT, DUPLICATE, RECORD_UNKNOWN = "attempt", "duplicate", "record_unknown"


@dataclass(frozen=True)
class Decision:
    """What one receive of a delivery's queue message does: ``attempt`` it, drop it as a ``duplicate`` of a final
    delivery, or ``record_unknown`` because an earlier receive of the same message ended without a record."""

    action: str
    reason: str = ""


def decide(record: DeliveryRecord | None, *, message_id: str, receive: int) -> Decision:
    """The one rule every sender applies before touching a provider (pure; the README's state table)."""
    if record is not None and record.status in FINAL:
        return Decision(DUPLICATE, record.status)
    if receive > 1:
        recorded = record is not None and record.last_message_id == message_id
        if not recorded or record is None or record.last_receive != receive - 1:
            return Decision(RECORD_UNKNOWN, f"receive {receive - 1} of this message left no outcome")
    return Decision(ATTEMPT)


@dataclass(frozen=True)
class SendResult:
    """What a channel's provider answered when it accepted a message."""

    provider_message_id: str | None = None
    http_status: int | None = None
    sms_segments: int | None = None  # SMS: what the provider bills (domain.sms_text.measure)
    sms_encoding: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How one receive of a delivery ended, as it is written: ``sent``, ``failed``, ``retrying``, ``dead`` or
    ``unknown``, with the provider's words."""

    status: str
    provider_message_id: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    error_detail: str | None = None
    retry_after_s: int | None = None  # for a retry: never sooner than the provider asked
    maybe_delivered: bool = False  # a request went unanswered (a receiver that takes repeats): never ``dead``
    sms_segments: int | None = None
    sms_encoding: str | None = None


@dataclass(frozen=True)
class OutcomeWrite:
    """One receive's outcome, to be written whole: the queue message, what the log held when its batch began,
    the outcome, and which receive of which SQS message it was (what ``decide`` reads next time)."""

    message: dict[str, Any]
    previous: DeliveryRecord | None
    outcome: Outcome
    message_id: str
    receive: int
