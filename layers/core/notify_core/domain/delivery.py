"""A delivery's states and the facts every part of the platform agrees on about them.

``queued`` at routing, then ``sending`` (a sender holds its claim) → ``sent`` | ``failed`` (for good) |
``retrying`` (a transient failure; SQS redelivers) → … → ``dead`` (retries exhausted, kept for replay); or
``skipped`` / ``failed`` at routing, never queued. After a provider accepted it, what it reported:
``delivered`` < ``bounced`` = ``rejected`` = ``failed`` < ``complained`` (ranked: a later, weaker report never
replaces a stronger one, so a bounce never turns into "delivered").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

SENDING, SENT, FAILED, RETRYING, DEAD, SKIPPED = "sending", "sent", "failed", "retrying", "dead", "skipped"
DELIVERED, BOUNCED, COMPLAINED, REJECTED, DELAYED = "delivered", "bounced", "complained", "rejected", "delayed"
# What a provider reported after accepting a message (SES feedback): the message did go out, so final too.
FEEDBACK = (DELIVERED, BOUNCED, COMPLAINED, REJECTED)
# No sender may claim a delivery in one of these again (a dead one is claimable: that is replay).
FINAL = frozenset({SENT, FAILED, DEAD, SKIPPED, *FEEDBACK})
NEVER_CLAIMED_AGAIN = (SENT, FAILED, SKIPPED, *FEEDBACK)
# A status may replace the current one only if it ranks higher (DELAYED changes no status). Shared by SES
# feedback and SMS delivery status: a failure is never turned into "delivered".
RANK = {DELIVERED: 1, BOUNCED: 2, REJECTED: 2, FAILED: 2, COMPLAINED: 3}
REPLAYABLE = (DEAD, FAILED)


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
    claim_until_ms: int | None = None  # while a sender holds it (epoch ms)


# ---------------------------------------------------------------------------------------- the sender's claim
@dataclass(frozen=True)
class Claimed:
    """This sender holds the delivery now; ``attempt`` counts every claim it ever had."""

    attempt: int


@dataclass(frozen=True)
class AlreadyFinal:
    """The delivery is in a state no sender may claim (sent, failed, skipped, feedback): nothing to do."""

    status: str


@dataclass(frozen=True)
class HeldElsewhere:
    """Another sender's claim has not expired: try again later (never send alongside it)."""

    until_ms: int


Claim = Claimed | AlreadyFinal | HeldElsewhere


@dataclass(frozen=True)
class SendResult:
    """What a channel's provider answered when it accepted a message."""

    provider_message_id: str | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class Outcome:
    """How a claimed attempt ended for good: ``sent`` or ``failed``."""

    status: str
    provider_message_id: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    error_detail: str | None = None
