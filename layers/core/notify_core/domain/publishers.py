"""Who may speak for an org: an event's ``org_id`` is a claim, believed only from the publishers the org named.

An org's settings document names the product sources (EventBridge ``source``) that publish for it and, on AWS,
the accounts they publish from (the envelope's ``account``, which EventBridge sets and no producer can). The bus
policy (``wiring.PUBLISHERS``) pins each principal to its own sources, so a source is as good as the principal
behind it; this module decides, for one event and the org it claims, whether to believe it. Anything else is
quarantined ``source_not_allowed`` before it can use the org's settings, sender identity, buyer channels or
attachments.

- The platform's own source (``PLATFORM_SOURCE``) speaks for every org, and only with ``PLATFORM_EVENT_TYPES``
  (its alerts); the bus policy lets no one else use that source.
- An org whose document names ``publishers`` hears only from those sources (and accounts, when named; an envelope
  without an account, as moto's are, is judged by its source alone: AWS always sets one).
- An org whose document names none: every publisher the bus admits, unless the deployment requires documents to
  name them (``required``; README "Publishers": today's documents name none, so the default keeps them working
  until each org's document does).

Pure: the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

PLATFORM_SOURCE = "notify.platform"  # the source of the events the platform publishes itself
# What the platform publishes (its functions may put nothing else on the bus: IAM there, a hook locally).
# Its alert, and the reminders of pending items (domain.reminders: a reminder is the start event again).
PLATFORM_EVENT_TYPES = frozenset(
    {
        "url_notification.failed",
        "chat.message_received",
        "signature.requested",
        "approval.requested",
        "appointment.reminder",
        "invoice.overdue",
        "invoice.expiring",
        "bill.overdue",
        "cheque.due",
        "user.activity",  # the activity reports (README "Activity reports and schedules")
        "activity.summary",
    }
)
SOURCE_NOT_ALLOWED = "source_not_allowed"


@dataclass(frozen=True)
class Publishers:
    """What an org's document says about who publishes for it (None: it names nothing)."""

    sources: tuple[str, ...] | None = None
    accounts: tuple[str, ...] | None = None


def platform_refusal(source: str, event_type: str) -> str | None:
    """The platform's source carries only the platform's own events (checked before anything is read)."""
    if source == PLATFORM_SOURCE and event_type not in PLATFORM_EVENT_TYPES:
        return f"the platform's source {PLATFORM_SOURCE!r} publishes only {sorted(PLATFORM_EVENT_TYPES)}"
    return None


def refusal(
    *,
    org_id: str,
    source: str,
    event_type: str,
    account: str | None,
    publishers: Publishers | None,
    required: bool,
) -> str | None:
    """Why this event may not speak for ``org_id`` (None: it may)."""
    if source == PLATFORM_SOURCE:
        return platform_refusal(source, event_type)
    sources = publishers.sources if publishers else None
    if sources is None:
        if required:
            return f"org {org_id!r} names no publishers, and this deployment requires every org to name them"
        return None
    if source not in sources:
        return f"source {source!r} does not publish for org {org_id!r} (its settings name {sorted(sources)})"
    accounts = publishers.accounts if publishers else None
    if accounts is not None and account is not None and account not in accounts:
        return f"account {account} does not publish for org {org_id!r} (its settings name {sorted(accounts)})"
    return None
