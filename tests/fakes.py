"""In-memory fakes of the services' ports (``notify_core.services.ports``): the routing and sending rules run as
millisecond unit tests, with no AWS. Each fake keeps the semantics its adapter documents (the claim protocol's
conditions, the ranked feedback write, tenant-scoped reads); ``tests/integration/test_delivery_claims.py`` runs
the same scenarios against the fakes and the real adapters on moto, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    FEEDBACK,
    NEVER_CLAIMED_AGAIN,
    REPLAYABLE,
    RETRYING,
    SENDING,
    AlreadyFinal,
    Attempt,
    Claim,
    Claimed,
    DeliveryRecord,
    HeldElsewhere,
    Outcome,
    SendResult,
    stronger_or_equal,
    utcnow_iso,
)
from notify_core.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.org_settings import OrgDirectory, OrgSettings, WebhookEndpoint
from notify_core.domain.templates import Rendered


class FakeSettings:
    """Org directories in memory; ``load_for_event`` returns the same slice the DynamoDB adapter loads."""

    def __init__(self, *directories: OrgDirectory) -> None:
        self.orgs = {d.org_id: d for d in directories}
        self.loads: list[tuple[str, str]] = []

    def load_for_event(
        self,
        org_id: str,
        group: str,
        *,
        audiences: Iterable[str] = ("subscribers",),
        client_id: str | None = None,
        member_ids: Iterable[str] = (),
    ) -> OrgSettings:
        self.loads.append((org_id, group))
        audiences = tuple(audiences)
        d = self.orgs.get(org_id)
        if d is None:
            return OrgSettings(org_id=org_id, profile=None)
        s = OrgSettings(org_id=org_id, profile=d.profile)
        if "subscribers" in audiences:
            s.subscriptions = [sub for sub in d.subscriptions if sub.group == group]
        for a in audiences:
            if a.startswith("permission:"):
                perm = a.split(":", 1)[1]
                s.grants[perm] = [g for g in d.grants if g.permission == perm]
        named = {i for sub in s.subscriptions for ch, ids in sub.channels.items() if ch != "webhook" for i in ids}
        endpoints = {i for sub in s.subscriptions for ch, ids in sub.channels.items() if ch == "webhook" for i in ids}
        members = set(member_ids)
        client = next((c for c in d.clients if c.client_id == client_id), None) if client_id else None
        s.client = client
        if client is not None:
            if "client_contacts" in audiences:
                named |= set(client.contact_ids)
            if "account_manager" in audiences and client.account_manager:
                members.add(client.account_manager)
            for a in audiences:
                if a.startswith("caretaker:"):
                    members |= set(client.caretakers_in(a.split(":", 1)[1]))
        s.contacts = {c.contact_id: c for c in d.contacts if c.contact_id in named}
        s.endpoints = {e.endpoint_id: e for e in d.endpoints if e.endpoint_id in endpoints}
        s.members = {m.user_id: m for m in d.members if m.user_id in members}
        return s

    def directory(self, org_id: str) -> OrgDirectory | None:
        return self.orgs.get(org_id)

    def replace_directory(self, directory: OrgDirectory) -> tuple[int, int]:
        self.orgs[directory.org_id] = directory
        return 1, 0

    def endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        d = self.orgs.get(org_id)
        return next((e for e in d.endpoints if e.endpoint_id == endpoint_id), None) if d else None


class FakeUsers:
    def __init__(self, email_off: Iterable[str] = ()) -> None:
        self.off = set(email_off)

    def email_off(self, user_ids: Iterable[str]) -> set[str]:
        return self.off & set(user_ids)

    def set_email_enabled(self, user_id: str, enabled: bool) -> None:
        (self.off.discard if enabled else self.off.add)(user_id)


class FakeSuppressions:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, str | None]] = {}  # (channel#address, scope) -> (reason, detail)

    def suppress(
        self, channel: str, address: str, reason: str, org_id: str | None = None, detail: str | None = None
    ) -> None:
        self.items[(f"{channel}#{address}", org_id or "*")] = (reason, detail)

    def suppressed(self, org_id: str, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        found = {}
        for channel, address in set(targets):
            for scope in ("*", org_id):
                hit = self.items.get((f"{channel}#{address}", scope))
                if hit:
                    found[(channel, address)] = hit[0]
        return found

    def opt_out(self, org_id: str, phone: str, default_region: str | None = None, detail: str | None = None) -> str:
        self.suppress("sms", phone, "opt_out", org_id=org_id, detail=detail)
        return phone

    def opt_in(self, org_id: str, phone: str, default_region: str | None = None) -> tuple[str, bool]:
        return phone, self.items.pop((f"sms#{phone}", org_id), None) is not None


@dataclass
class FakeDeliveryLog:
    """The delivery log and its claims in memory, with the conditions ``DeliveryLog``/``DeliveryClaims`` enforce."""

    items: dict[str, DeliveryRecord] = field(default_factory=dict)
    now_ms: Callable[[], int] = field(default=lambda: 1_000_000)

    # -- RoutingLog / DeliveryReader
    def record_at_routing(self, messages: list[dict[str, Any]]) -> None:
        for m in messages:  # only where none exists: a router retry never rewrites a recorded delivery
            if m["delivery_id"] not in self.items:
                self.items[m["delivery_id"]] = self._new(
                    m, m.get("status", FAILED), m["error_code"], m.get("error_detail")
                )

    def get(self, delivery_id: str, org_id: str) -> DeliveryRecord | None:
        r = self.items.get(delivery_id)
        return r if r is not None and r.org_id == org_id else None

    def get_any(self, delivery_id: str) -> DeliveryRecord | None:
        return self.items.get(delivery_id)

    def find_by_provider_message(self, provider_message_id: str, channel: str) -> DeliveryRecord | None:
        return next(
            (r for r in self.items.values() if r.provider_message_id == provider_message_id and r.channel == channel),
            None,
        )

    def by_org_since(
        self, org_id: str, since: str, *, statuses: tuple[str, ...], endpoint_id: str | None = None
    ) -> Iterator[DeliveryRecord]:
        for r in sorted(self.items.values(), key=lambda r: r.created_at):
            wanted = r.org_id == org_id and r.created_at >= since and r.status in statuses and r.payload
            if wanted and endpoint_id in (None, r.endpoint_id):
                yield r

    def by_org_channel(
        self, org_id: str, channel: str, date_from: str, date_to: str, *, statuses: tuple[str, ...]
    ) -> Iterator[DeliveryRecord]:
        for r in sorted(self.items.values(), key=lambda r: r.created_at):
            if (r.org_id, r.channel) == (org_id, channel) and date_from <= r.created_at <= date_to:
                yield from [r] if r.status in statuses else []

    def by_recipient(self, org_id: str, channel: str, address: str, *, limit: int | None) -> Iterator[DeliveryRecord]:
        rows = [r for r in self.items.values() if (r.org_id, r.channel, r.address) == (org_id, channel, address)]
        yield from sorted(rows, key=lambda r: r.created_at, reverse=True)[:limit]

    # -- DeliveryLog
    def mark_dead(self, message: dict[str, Any], *, source_queue: str) -> DeliveryRecord | None:
        r = self.items.get(message["delivery_id"]) or self._new(message, DEAD, None, None)
        if r.status in NEVER_CLAIMED_AGAIN:
            return None
        r = replace(
            r,
            status=DEAD,
            error_code=r.error_code or "retries_exhausted",
            error_detail=r.error_detail or f"retries exhausted on the {source_queue} queue",
            payload=json.dumps(message, separators=(",", ":")),
            claim_until_ms=None,
        )
        self.items[r.delivery_id] = r
        return r

    def record_outcome(
        self,
        record: DeliveryRecord,
        *,
        kind: str,
        code: str,
        detail: str,
        at: str | None,
        provider_message_id: str | None,
    ) -> bool:
        current = self.items.get(record.delivery_id)
        if current is None or current.status in stronger_or_equal(kind):
            return False
        attempt = Attempt(
            max(1, current.attempt_count), at or utcnow_iso(), kind, code, detail or None, None, provider_message_id
        )
        changes: dict[str, Any] = {"attempts": (*current.attempts, attempt)}
        if stronger_or_equal(kind):
            changes["status"] = kind
            if kind != "delivered":
                changes.update(error_code=code, error_detail=detail or code)
        self.items[record.delivery_id] = replace(current, **changes)
        return True

    def reopen_for_replay(self, record: DeliveryRecord) -> bool:
        current = self.items.get(record.delivery_id)
        if current is None or current.org_id != record.org_id or current.status not in REPLAYABLE:
            return False
        self.items[record.delivery_id] = replace(
            current, status=RETRYING, replay_count=(current.replay_count or 0) + 1, claim_until_ms=None
        )
        return True

    def restore_status(self, record: DeliveryRecord) -> None:
        current = self.items[record.delivery_id]
        if current.status == RETRYING:
            self.items[record.delivery_id] = replace(current, status=record.status)

    # -- Claims
    def claim(self, message: dict[str, Any], *, hold_ms: int) -> Claim:
        now = self.now_ms()
        r = self.items.get(message["delivery_id"])
        if r is not None and r.status in NEVER_CLAIMED_AGAIN:
            return AlreadyFinal(r.status)
        if r is not None and r.claim_until_ms is not None and r.claim_until_ms >= now:
            return HeldElsewhere(r.claim_until_ms)
        r = r or self._new(message, SENDING, None, None)
        r = replace(r, status=SENDING, attempt_count=r.attempt_count + 1, claim_until_ms=now + max(hold_ms, 1000))
        self.items[r.delivery_id] = r
        return Claimed(r.attempt_count)

    def complete(self, message: dict[str, Any], claim: Claimed, outcome: Outcome) -> None:
        r = self.items[message["delivery_id"]]
        attempt = Attempt(
            claim.attempt,
            utcnow_iso(),
            outcome.status,
            outcome.error_code,
            outcome.error_detail,
            outcome.http_status,
            outcome.provider_message_id,
        )
        changes: dict[str, Any] = {"claim_until_ms": None, "attempts": (*r.attempts, attempt)}
        if r.status not in FEEDBACK:
            changes["status"] = outcome.status
        if outcome.provider_message_id:
            changes["provider_message_id"] = outcome.provider_message_id
        if outcome.status == FAILED:
            changes["payload"] = json.dumps(message, separators=(",", ":"))
        if outcome.error_code:
            changes.update(error_code=outcome.error_code, error_detail=(outcome.error_detail or "")[:1000])
        self.items[r.delivery_id] = replace(r, **changes)

    def release(self, message: dict[str, Any], claim: Claimed, error: BaseException) -> None:
        r = self.items[message["delivery_id"]]
        code = getattr(error, "code", None) or type(error).__name__
        detail = (getattr(error, "detail", None) or str(error))[:1000]
        attempt = Attempt(claim.attempt, utcnow_iso(), RETRYING, code, detail, getattr(error, "http_status", None))
        self.items[r.delivery_id] = replace(
            r,
            status=RETRYING,
            error_code=code,
            error_detail=detail,
            claim_until_ms=None,
            attempts=(*r.attempts, attempt),
        )

    @staticmethod
    def _new(m: dict[str, Any], status: str, code: str | None, detail: str | None) -> DeliveryRecord:
        return DeliveryRecord(
            delivery_id=m["delivery_id"],
            org_id=m["org_id"],
            channel=m["channel"],
            address=m["address"],
            status=status,
            event_id=m["event_id"],
            event_type=m["event_type"],
            created_at=utcnow_iso(),
            recipient_name=m.get("recipient_name"),
            endpoint_id=m.get("endpoint_id"),
            reasons=tuple(m.get("reasons") or ()),
            error_code=code,
            error_detail=detail,
        )


class FakeInbox:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, items: list[dict[str, Any]]) -> None:
        # Only items not there yet (the adapter's conditional write): a retry leaves a read message read.
        known = {(r["org_id"], r["user_id"], r["delivery_id"]) for r in self.rows}
        self.rows += [i for i in items if (i["org_id"], i["user_id"], i["delivery_id"]) not in known]


class FakeQueues:
    def __init__(self, fail: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = fail

    def enqueue(self, messages: list[dict[str, Any]]) -> int:
        if self.fail:
            raise RuntimeError("SendMessageBatch failed")
        self.messages += messages
        return len(messages)

    def send_one(self, channel: str, body: str) -> None:
        if self.fail:
            raise RuntimeError("SendMessage failed")
        self.messages.append(json.loads(body))


class FakeQuarantine:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None:
        self.events.append({"reason": reason, "detail": detail, "event": raw_body, "source_message_id": message_id})


class FakeOnce:
    """Routes each (org, event id) once; a repeat returns the first summary."""

    def __init__(self) -> None:
        self.done: dict[tuple[str, str], dict[str, Any]] = {}

    def wrap(self, route: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def once(*, event: dict[str, Any]) -> dict[str, Any]:
            key = (event["detail"]["org_id"], event["detail"]["event_id"])
            if key not in self.done:
                self.done[key] = route(event=event)
            return self.done[key]

        return once

    def register_context(self, context: Any) -> None:
        pass


class FakePublisher:
    def __init__(self, published: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        self.published = published if published is not None else []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.published.append((detail_type, detail))


class FakeChannel:
    """A channel whose provider answers from a script: ``ok``, ``permanent:<code>``, ``transient:<code>``."""

    def __init__(self, name: str, *answers: str) -> None:
        self.name = name
        self.answers = list(answers)
        self.sent: list[tuple[dict[str, Any], Rendered]] = []

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer.startswith("permanent:"):
            raise PermanentDeliveryError(answer.split(":", 1)[1], "refused")
        if answer.startswith("transient:"):
            raise TransientDeliveryError(answer.split(":", 1)[1], "try later")
        self.sent.append((message, rendered))
        return SendResult(provider_message_id=f"pm-{len(self.sent)}")


class FakeRenderer:
    """Renders every channel's blocks as ``<channel>:<block>:<event type>`` (or raises what it is told to)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def render_message(self, channel: str, message: dict[str, Any]) -> Rendered:
        if self.error is not None:
            raise self.error
        from notify_core.domain.templates import BLOCKS

        return Rendered(
            f"{message['event_type']}/{channel}.j2",
            {b: f"{channel}:{b}:{message['event_type']}" for b in BLOCKS[channel]},
        )


class FakeRoutingRecords:
    """The per-event routing records in memory, keyed as the table keys them (org, ``EventRecord.key``)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}

    def record(self, record: Any) -> None:
        self.items[(record.org_id, record.key)] = record

    def for_event(self, org_id: str, event_id: str) -> list[Any]:
        return [r for (org, key), r in sorted(self.items.items()) if org == org_id and key.startswith(f"{event_id}#")]

    def for_org(self, org_id: str, *, limit: int | None = None) -> Iterator[Any]:
        yield from [r for (org, _), r in sorted(self.items.items()) if org == org_id][:limit]
