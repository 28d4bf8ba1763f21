"""What happened to one event, kept where people look: the per-event routing record.

Logs are where engineers look; the people who run an org look at what the platform recorded. A routed event
whose audience had configuration problems (a subscription naming an unknown contact, an audience the org switched
off, a contact without an address, a recipient that does not fit the contract, nobody to tell at all) and an
event refused for the org it named (quarantined with its reason) each leave one record, keyed by org and event
id (``RoutingRecords``; ``notify events show ORG EVENT_ID``). An event routed without a problem leaves none: its
deliveries are its record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

ROUTED, QUARANTINED = "routed", "quarantined"


class SeenEvent(NamedTuple):
    """What the router remembers of an event id it met before: begun (cut off mid-routing) or routed."""

    event_type: str
    fingerprint: str
    routed: bool


@dataclass(frozen=True)
class Problem:
    reason: str  # unknown_contact | audience_disabled | no_address | invalid_recipient | no_recipients | ...
    detail: str


@dataclass(frozen=True)
class EventRecord:
    org_id: str
    event_id: str
    event_type: str
    source: str
    outcome: str  # routed | quarantined
    reason: str | None = None  # why it was quarantined
    detail: str | None = None
    problems: tuple[Problem, ...] = ()
    # routed: how many deliveries were queued, written in-app, failed and skipped at routing
    counts: Mapping[str, int] = field(default_factory=dict)
    recorded_at: str = ""

    @property
    def key(self) -> str:
        """The record's place among the org's records: one per outcome (and reason) of an event id, so a retry
        rewrites its own record and a reused id's refusal never hides the first event's."""
        suffix = self.outcome if self.outcome == ROUTED else f"{self.outcome}#{self.reason}"
        return f"{self.event_id}#{suffix}"
