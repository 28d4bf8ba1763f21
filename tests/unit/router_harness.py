"""The router (``services.dispatch.Dispatcher``) on in-memory ports, at a fixed clock: for the tests of what it does
with hostile, malformed and mistaken events (and the property-based fuzz)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from unit_factories import ORG_ID, contact, envelope, profile, subscription

from notify_core.domain.org_settings import Member, OrgDirectory, OrgProfile, PermissionGrant
from notify_core.services.dispatch import Dispatcher
from tests.fakes import (
    FakeDeliveryLog,
    FakeEventRecords,
    FakeInbox,
    FakePages,
    FakeQuarantine,
    FakeQueues,
    FakeRenderer,
    FakeRoutingRecords,
    FakeSettings,
    FakeSuppressions,
    FakeUsers,
)

# The factories' events happened at 2026-03-01T10:15:00Z: the router reads them five minutes later.
NOW = datetime(2026, 3, 1, 10, 20, tzinfo=UTC)


def org(org_profile: OrgProfile | None = None) -> OrgDirectory:
    anna = contact("anna", emails=[("anna@org.example", "work")], phones=[("+375 29 123-45-67", "work")])
    return OrgDirectory(
        org_id=ORG_ID,
        profile=org_profile or profile(buyer_channels={"invoice.issued": ("email", "sms")}),
        contacts=[anna],
        subscriptions=[subscription({"email": ["anna"], "sms": ["anna"]})],
        members=[Member("u-ivan", "Ivan", email="ivan@org.example")],
        grants=[PermissionGrant("payments:edit", "u-ivan", "Ivan", email="ivan@org.example")],
    )


class RouterHarness:
    def __init__(
        self, *, org_profile: OrgProfile | None = None, publishers_required: bool = False, now: datetime = NOW
    ) -> None:
        self.settings = FakeSettings(org(org_profile))
        self.log = FakeDeliveryLog()
        self.inbox = FakeInbox()
        self.queues = FakeQueues()
        self.quarantine = FakeQuarantine()
        self.records = FakeRoutingRecords()
        self.now = now
        self.dispatcher = Dispatcher(
            settings=self.settings,
            users=FakeUsers(),
            suppressions=FakeSuppressions(),
            deliveries=self.log,
            inbox=self.inbox,
            queues=self.queues,
            quarantine=self.quarantine,
            renderer=FakeRenderer(),
            pages=FakePages(),
            events=FakeEventRecords(),
            records=self.records,
            publishers_required=publishers_required,
            clock=lambda: self.now,
        )

    def body(self, body: str) -> dict[str, Any]:
        return self.dispatcher.handle_body(body, message_id="m-1")

    def event(self, event_type: str = "payment.paid", *, source: str | None = None, **detail: Any) -> dict[str, Any]:
        raw = envelope(event_type, **detail)
        if source is not None:
            raw["source"] = source
        return self.body(json.dumps(raw))

    @property
    def reasons(self) -> list[str]:
        return [q["reason"] for q in self.quarantine.events]
