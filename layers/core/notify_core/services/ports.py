"""The ports the services are built with: small interfaces the adapters implement (and the unit tests' in-memory
fakes too). Services depend on these, never on an adapter class, so the rules they orchestrate run in
milliseconds without AWS, and the moto integration tests prove each adapter once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from notify_core.domain.activity import Tally
from notify_core.domain.delivery import DeliveryRecord, SendResult
from notify_core.domain.event_records import EventRecord
from notify_core.domain.org_settings import OrgDirectory, OrgSettings, WebhookEndpoint
from notify_core.domain.rendered import OrgSource, Rendered


class SettingsReader(Protocol):
    def load_for_event(
        self,
        org_id: str,
        group: str,
        *,
        audiences: Iterable[str] = ...,
        client_id: str | None = ...,
        member_ids: Iterable[str] = ...,
        holders_per_page: int | None = ...,
    ) -> OrgSettings: ...

    def holders_page(self, org_id: str, perm: str, *, after: str, limit: int) -> OrgSettings: ...


class SettingsStore(Protocol):
    def directory(self, org_id: str) -> OrgDirectory | None: ...

    def replace_directory(self, directory: OrgDirectory) -> tuple[int, int]: ...

    def endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...


class UserPreferences(Protocol):
    def email_off(self, user_ids: Iterable[str]) -> set[str]: ...


class SuppressionList(Protocol):
    def suppressed(self, org_id: str, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]: ...


class Suppressions(SuppressionList, Protocol):
    def suppress(
        self, channel: str, address: str, reason: str, org_id: str | None = ..., detail: str | None = ...
    ) -> None: ...

    def opt_out(self, org_id: str, phone: str, default_region: str | None = ..., detail: str | None = ...) -> str: ...

    def opt_in(self, org_id: str, phone: str, default_region: str | None = ...) -> tuple[str, bool]: ...


class RoutingLog(Protocol):
    def record_at_routing(self, messages: list[dict[str, Any]], *, fresh: bool = ...) -> None: ...


class DeliveryReader(Protocol):
    def get(self, delivery_id: str, org_id: str) -> DeliveryRecord | None: ...

    def get_any(self, delivery_id: str) -> DeliveryRecord | None: ...

    def find_by_provider_message(self, provider_message_id: str, channel: str) -> DeliveryRecord | None: ...

    def by_org_since(
        self,
        org_id: str,
        since: str,
        *,
        statuses: tuple[str, ...],
        endpoint_id: str | None = ...,
        channels: Sequence[str] = ...,
        until: str = ...,
    ) -> Iterator[DeliveryRecord]: ...

    def by_org_channel(
        self, org_id: str, channel: str, date_from: str, date_to: str, *, statuses: tuple[str, ...]
    ) -> Iterator[DeliveryRecord]: ...

    def by_recipient(
        self, org_id: str, channel: str, address: str, *, limit: int | None
    ) -> Iterator[DeliveryRecord]: ...

    def count_by_status(self, org_id: str, channel: str, date_from: str, date_to: str) -> dict[str, int]: ...

    def sms_segments_by_status(self, org_id: str, date_from: str, date_to: str) -> dict[str, int]: ...


class DeliveryLog(RoutingLog, DeliveryReader, Protocol):
    def settle_dead_letter(self, message: dict[str, Any], *, source_queue: str) -> DeliveryRecord | None: ...

    def record_outcome(
        self,
        record: DeliveryRecord,
        *,
        kind: str,
        code: str,
        detail: str,
        at: str | None,
        provider_message_id: str | None,
    ) -> str: ...

    def reopen_for_replay(self, record: DeliveryRecord) -> bool: ...

    def restore_status(self, record: DeliveryRecord) -> None: ...


class InboxWriter(Protocol):
    def write(self, items: list[dict[str, Any]], *, fresh: bool = ...) -> None: ...


class PageQueue(Protocol):
    """Where the router puts the later pages of a large audience (its own events queue)."""

    def put(self, bodies: list[str]) -> None: ...


class DeliveryQueues(Protocol):
    def enqueue(self, messages: list[dict[str, Any]]) -> int: ...

    def send_one(self, channel: str, body: str, *, dedup_suffix: str = ...) -> None: ...


class HeldSms(Protocol):
    """Quiet hours: a held SMS's timer (``adapters.stepfunctions.HeldDeliveries``): its queue message goes on the SMS
    queue at ``until``. Idempotent per delivery (a router retry starts nothing new)."""

    def hold(self, holds: list[tuple[dict[str, Any], str]]) -> None: ...


class Quarantine(Protocol):
    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None: ...


class RoutingRecords(Protocol):
    """What happened to an event, where people look (``adapters.dynamodb.routing_table``): its configuration
    problems, or why it was refused; keyed by org and event id."""

    def record(self, record: EventRecord) -> None: ...


class RoutingRecordReader(Protocol):
    def for_event(self, org_id: str, event_id: str) -> list[EventRecord]: ...

    def for_org(self, org_id: str, *, limit: int | None) -> Iterator[EventRecord]: ...


class Publisher(Protocol):
    """Publishes the platform's own events on its bus."""

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class Renderer(Protocol):
    def render_message(self, channel: str, message: dict[str, Any], *, source: OrgSource | None = ...) -> Rendered: ...


class Channel(Protocol):
    name: str

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        """Send one delivery. Raise PermanentDeliveryError or TransientDeliveryError on failure."""
        ...


class ActivityCounter(Protocol):
    """The activity counters (``adapters.dynamodb.activity_table``): the router adds, the report tick sums."""

    def add(self, org_id: str, day: date, user_id: str, counter: str, name: str | None) -> None: ...

    def tallies(self, org_id: str, start: date, end: date) -> list[Tally]: ...


class ReportSchedulePort(Protocol):
    def due(self, now: datetime) -> Iterator[tuple[str, datetime]]: ...

    def move(self, org_id: str, was: datetime, to: datetime | None) -> bool: ...
