"""In-memory fakes of the services' ports (``notify_core.services.ports``): the routing and sending rules run as
millisecond unit tests, with no AWS. Each fake keeps the semantics its adapter documents (the claim protocol's
conditions, the ranked feedback write, tenant-scoped reads); ``tests/integration/test_delivery_log_protocol.py``
runs the same scenarios against the fake log and the real one on moto, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    FINAL,
    REPLAYABLE,
    REPORTABLE,
    RETRYING,
    UNKNOWN,
    Attempt,
    DeliveryRecord,
    OutcomeWrite,
    SendResult,
    stronger_or_equal,
    utcnow_iso,
)
from notify_core.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.event_records import SeenEvent
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
        holders_per_page: int | None = None,
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
                self._holders(d, s, a.split(":", 1)[1], "", holders_per_page)
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

    def holders_page(self, org_id: str, perm: str, *, after: str, limit: int) -> OrgSettings:
        if not after.startswith(f"PERM#{perm}#"):  # as the adapter checks
            raise ValueError(f"{after!r} is not a position among the holders of {perm!r}")
        self.loads.append((org_id, f"page:{perm}"))
        d = self.orgs.get(org_id)
        s = OrgSettings(org_id=org_id, profile=d.profile if d else None)
        if d is not None:
            self._holders(d, s, perm, after, limit)
        return s

    @staticmethod
    def _holders(d: OrgDirectory, s: OrgSettings, perm: str, after: str, limit: int | None) -> None:
        # In the settings table's order (sort key PERM#<perm>#<user id>), a page at a time as the adapter reads.
        ordered = sorted((f"PERM#{perm}#{g.user_id}", g) for g in d.grants if g.permission == perm)
        rest = [(sk, g) for sk, g in ordered if sk > after]
        page = rest[:limit] if limit is not None else rest
        s.grants[perm] = [g for _, g in page]
        if limit is not None and len(page) >= limit:
            s.more_holders[perm] = page[-1][0]

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
    """The delivery log in memory, with the conditions ``DeliveryLog`` enforces (one write per outcome, the ranked
    feedback write, dead letters settled unknown, replay). ``fail_reads``/``fail_writes``: how many of the next
    batch reads/writes fail, as a DynamoDB outage would."""

    items: dict[str, DeliveryRecord] = field(default_factory=dict)
    fail_reads: int = 0
    fail_writes: int = 0
    reads: int = 0
    writes: int = 0

    # -- senders
    def read_many(self, delivery_ids: Sequence[str], *, deadline: float | None = None) -> dict[str, DeliveryRecord]:
        self.reads += 1
        if self.fail_reads:
            self.fail_reads -= 1
            raise RuntimeError("injected: BatchGetItem failed")
        return {i: self.items[i] for i in delivery_ids if i in self.items}

    def write_outcomes(self, writes: Sequence[OutcomeWrite], *, deadline: float | None = None) -> None:
        self.writes += 1
        if self.fail_writes:
            self.fail_writes -= 1
            raise RuntimeError("injected: BatchWriteItem failed")
        for w in writes:
            prev, o, m = w.previous, w.outcome, w.message
            number = (prev.attempt_count if prev else 0) + 1
            attempt = Attempt(number, utcnow_iso(), o.status, o.error_code, o.error_detail, o.http_status,
                              o.provider_message_id)  # fmt: skip
            self.items[m["delivery_id"]] = replace(
                prev or self._new(m, o.status, None, None),
                status=o.status,
                error_code=o.error_code,
                error_detail=o.error_detail,
                provider_message_id=o.provider_message_id or (prev.provider_message_id if prev else None),
                attempt_count=number,
                attempts=(*(prev.attempts if prev else ()), attempt),
                payload=json.dumps(m, separators=(",", ":")) if o.status in (FAILED, DEAD, UNKNOWN) else None,
                last_message_id=w.message_id,
                last_receive=w.receive,
                maybe_delivered=o.maybe_delivered or bool(prev and prev.maybe_delivered),
                sms_segments=o.sms_segments or (prev.sms_segments if prev else None),
                sms_encoding=o.sms_encoding or (prev.sms_encoding if prev else None),
            )

    # -- RoutingLog / DeliveryReader
    def record_at_routing(self, messages: list[dict[str, Any]], *, fresh: bool = False) -> None:
        # Only where none exists (a router retry never rewrites a recorded delivery); fresh: the adapter's batch
        # write, which would overwrite.
        for m in messages:
            if fresh or m["delivery_id"] not in self.items:
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
        self,
        org_id: str,
        since: str,
        *,
        statuses: tuple[str, ...],
        endpoint_id: str | None = None,
        channels: Sequence[str] = ("email", "sms", "webhook", "slack", "telegram"),
        until: str = "~",
    ) -> Iterator[DeliveryRecord]:
        for r in sorted(self.items.values(), key=lambda r: r.created_at):
            wanted = r.org_id == org_id and since <= r.created_at <= until and r.status in statuses and r.payload
            wanted = wanted and r.channel in channels
            if wanted and endpoint_id in (None, r.endpoint_id):
                yield r

    def by_org_channel(
        self, org_id: str, channel: str, date_from: str, date_to: str, *, statuses: tuple[str, ...]
    ) -> Iterator[DeliveryRecord]:
        for r in sorted(self.items.values(), key=lambda r: r.created_at):
            if (r.org_id, r.channel) == (org_id, channel) and date_from <= r.created_at <= date_to:
                yield from [r] if r.status in statuses else []

    def by_recipient(
        self, org_id: str, channel: str, address: str, *, limit: int | None, since: str = ""
    ) -> Iterator[DeliveryRecord]:
        rows = [r for r in self.items.values() if (r.org_id, r.channel, r.address) == (org_id, channel, address)]
        yield from sorted(rows, key=lambda r: r.created_at, reverse=True)[:limit]

    def count_by_status(self, org_id: str, channel: str, date_from: str, date_to: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.items.values():
            if (r.org_id, r.channel) == (org_id, channel) and date_from <= r.created_at <= date_to:
                counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def sms_segments_by_status(self, org_id: str, date_from: str, date_to: str) -> dict[str, int]:
        segments: dict[str, int] = {}
        for r in self.items.values():
            if (r.org_id, r.channel) == (org_id, "sms") and date_from <= r.created_at <= date_to:
                segments[r.status] = segments.get(r.status, 0) + (r.sms_segments or 1)
        return segments

    # -- DeliveryLog
    def settle_dead_letter(self, message: dict[str, Any], *, source_queue: str) -> DeliveryRecord | None:
        r = self.items.get(message["delivery_id"]) or self._new(message, UNKNOWN, None, None)
        if r.status in FINAL and message["delivery_id"] in self.items:
            return None
        r = replace(
            r,
            status=UNKNOWN,
            error_code="no_outcome",
            error_detail=f"its last receive on the {source_queue} queue ended without an outcome",
            payload=json.dumps(message, separators=(",", ":")),
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
    ) -> str:
        current = self.items.get(record.delivery_id)
        if current is not None and current.status in stronger_or_equal(kind):
            return "out_of_order"
        if current is None or current.status not in REPORTABLE:
            return "not_yet"
        attempt = Attempt(max(1, current.attempt_count), at or utcnow_iso(), kind, code, detail or None, None,
                          provider_message_id)  # fmt: skip
        changes: dict[str, Any] = {"attempts": (*current.attempts, attempt)}
        if stronger_or_equal(kind):
            changes["status"] = kind
            if kind != "delivered":
                changes.update(error_code=code, error_detail=detail or code)
        self.items[record.delivery_id] = replace(current, **changes)
        return "applied"

    def reopen_for_replay(self, record: DeliveryRecord) -> bool:
        current = self.items.get(record.delivery_id)
        if current is None or current.org_id != record.org_id or current.status not in REPLAYABLE:
            return False
        self.items[record.delivery_id] = replace(
            current,
            status=RETRYING,
            replay_count=(current.replay_count or 0) + 1,
            last_message_id=None,
            last_receive=None,
        )
        return True

    def restore_status(self, record: DeliveryRecord) -> None:
        current = self.items[record.delivery_id]
        if current.status == RETRYING:
            self.items[record.delivery_id] = replace(current, status=record.status)

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

    def write(self, items: list[dict[str, Any]], *, fresh: bool = False) -> None:
        # Only items not there yet (the adapter's conditional write): a retry leaves a read message read. Fresh (an
        # event's first receive): the adapter's batch write, which would overwrite.
        def key(r: dict[str, Any]) -> tuple[str, str, str]:
            return (r["org_id"], r["user_id"], r["delivery_id"])

        if fresh:
            new = {key(i) for i in items}
            self.rows = [r for r in self.rows if key(r) not in new]
        known = {key(r) for r in self.rows}
        self.rows += [i for i in items if key(i) not in known]


class FakePages:
    """The events queue, for the router's later pages."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def put(self, bodies: list[str]) -> None:
        self.bodies += bodies


class FakeQueues:
    def __init__(self, fail: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = fail
        self.calls = 0

    def enqueue(self, messages: list[dict[str, Any]]) -> int:
        self.calls += 1
        if self.fail:
            raise RuntimeError("SendMessageBatch failed")
        self.messages += messages
        return len(messages)

    def send_one(self, channel: str, body: str, *, dedup_suffix: str = "") -> None:
        if self.fail:
            raise RuntimeError("SendMessage failed")
        self.messages.append(json.loads(body))


class FakeQuarantine:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None:
        self.events.append({"reason": reason, "detail": detail, "event": raw_body, "source_message_id": message_id})


class FakeEventRecords:
    """What the router remembers of routed events, in memory."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], SeenEvent] = {}

    def seen(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], SeenEvent]:
        return {k: self.records[k] for k in keys if k in self.records}

    def begin(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        for org_id, event_id, event_type, fingerprint in events:
            self.records[(org_id, event_id)] = SeenEvent(event_type, fingerprint, routed=False)

    def remember(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        for org_id, event_id, event_type, fingerprint in events:
            self.records[(org_id, event_id)] = SeenEvent(event_type, fingerprint, routed=True)


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

    def render_message(self, channel: str, message: dict[str, Any], *, source: Any = None) -> Rendered:
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
