"""Who hears about an event: one event -> deduplicated deliveries (recipient x channel).

Pure: the caller loads the org's settings (``settings_store.load_for_event``) and this module
decides. Every delivery has a stable id derived from (org, event, channel, normalised address), so
routing the same event again yields the same ids and the senders' idempotency makes it a no-op.

Scope rule (SEEDS §3): an event about a point of sale reaches the subscribers of that point, of its
service and of the organisation; an event about a service reaches the service's and the
organisation's; any event reaches the organisation's.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from notify_core.addresses import InvalidAddress, normalise_email, normalise_phone
from notify_core.catalog import EVENT_RECIPIENTS, SUBSCRIBERS, EventType
from notify_core.envelope import ProductEvent
from notify_core.settings_store import OrgSettings

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    delivery_id: str
    channel: str
    address: str  # normalised: lower-case email, E.164 phone, endpoint URL
    locale: str
    recipient_name: str | None = None
    endpoint_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    error_code: str | None = None  # set when it cannot be sent at all (invalid_address)
    error_detail: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A would-be recipient the event does not reach, with why (logged; never silent)."""

    reason: str  # unknown_contact | unknown_endpoint | endpoint_disabled | no_address | not_opted_in
    detail: str


@dataclass
class RoutingResult:
    deliveries: list[Delivery]
    skipped: list[Skipped]

    @property
    def sendable(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.error_code is None]

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.error_code is not None]


def delivery_id(org_id: str, event_id: str, channel: str, address: str) -> str:
    digest = hashlib.sha256(f"{org_id}\x1f{event_id}\x1f{channel}\x1f{address}".encode()).hexdigest()
    return f"dlv_{digest[:32]}"


def matching_scopes(event: ProductEvent) -> set[str]:
    scope = event.detail.subject.scope
    scopes = {"org"}
    if scope.service_id:
        scopes.add(f"service#{scope.service_id}")
    if scope.point_id:
        scopes.add(f"point#{scope.point_id}")
    return scopes


class _Collector:
    def __init__(self, event: ProductEvent, default_region: str | None) -> None:
        self.event = event
        self.default_region = default_region
        self.by_key: dict[tuple[str, str], Delivery] = {}

    def add(
        self,
        channel: str,
        raw_address: str,
        *,
        reason: str,
        locale: str,
        name: str | None = None,
        endpoint_id: str | None = None,
    ) -> None:
        error: tuple[str, str] | None = None
        try:
            address = self._normalise(channel, raw_address.strip())
            key = (channel, address)
        except InvalidAddress as exc:
            address, error = raw_address, ("invalid_address", str(exc))
            # An invalid address is its own recipient: it must never absorb a valid one.
            key = (f"{channel}:invalid", address)
        existing = self.by_key.get(key)
        if existing:
            if reason not in existing.reasons:
                existing.reasons.append(reason)
            return
        self.by_key[key] = Delivery(
            delivery_id=delivery_id(self.event.org_id, self.event.event_id, channel, address),
            channel=channel,
            address=address,
            locale=locale,
            recipient_name=name,
            endpoint_id=endpoint_id,
            reasons=[reason],
            error_code=error[0] if error else None,
            error_detail=error[1] if error else None,
        )

    def _normalise(self, channel: str, raw: str) -> str:
        if channel == "email":
            return normalise_email(raw)
        if channel == "sms":
            return normalise_phone(raw, self.default_region)
        return raw  # webhook URLs are checked by the sender's SSRF guard at send time


def route(event: ProductEvent, event_type: EventType, settings: OrgSettings) -> RoutingResult:
    profile = settings.profile
    org_locale = (profile.locale if profile else None) or "en"
    default_locale = event.detail.locale or org_locale
    collector = _Collector(event, profile.default_phone_region if profile else None)
    skipped: list[Skipped] = []

    if SUBSCRIBERS in event_type.audiences:
        scopes = matching_scopes(event)
        for sub in settings.subscriptions:
            if sub.scope not in scopes:
                continue
            reason = f"subscription:{sub.group}@{sub.scope}"
            for channel, target_ids in sub.targets().items():
                if channel not in event_type.channels:
                    continue  # e.g. refunds ride on paid/reversed, but not on its URL cells
                for target_id in target_ids:
                    _add_subscriber(collector, settings, channel, target_id, reason, default_locale, skipped)

    if EVENT_RECIPIENTS in event_type.audiences:
        for i, r in enumerate(event.detail.recipients):
            if r.events is not None and event.event_type not in r.events:
                skipped.append(Skipped("not_opted_in", f"recipients[{i}] did not opt into {event.event_type}"))
                continue
            offered = {"email": r.email, "sms": r.phone}
            wanted = r.channels if r.channels is not None else [c for c, a in offered.items() if a]
            for channel in wanted:
                if channel not in event_type.channels:
                    skipped.append(Skipped("channel_not_allowed", f"recipients[{i}]: {channel}"))
                    continue
                address = offered.get(channel)
                if not address:
                    skipped.append(Skipped("no_address", f"recipients[{i}] has no {channel} address"))
                    continue
                collector.add(
                    channel, address, reason="event_recipient", locale=r.locale or default_locale, name=r.name
                )

    return RoutingResult(deliveries=list(collector.by_key.values()), skipped=skipped)


def _add_subscriber(
    collector: _Collector,
    settings: OrgSettings,
    channel: str,
    target_id: str,
    reason: str,
    default_locale: str,
    skipped: list[Skipped],
) -> None:
    if channel == "webhook":
        endpoint = settings.endpoints.get(target_id)
        if endpoint is None:
            skipped.append(Skipped("unknown_endpoint", f"{reason} names endpoint {target_id!r}"))
        elif not endpoint.enabled:
            skipped.append(Skipped("endpoint_disabled", f"endpoint {target_id!r}"))
        else:
            collector.add(channel, endpoint.url, reason=reason, locale=default_locale, endpoint_id=endpoint.endpoint_id)
        return
    contact = settings.contacts.get(target_id)
    if contact is None:
        skipped.append(Skipped("unknown_contact", f"{reason} names contact {target_id!r}"))
        return
    address = contact.preferred_email() if channel == "email" else contact.preferred_phone()
    if not address:
        skipped.append(Skipped("no_address", f"contact {target_id!r} has no {channel} address"))
        return
    collector.add(channel, address, reason=reason, locale=contact.locale or default_locale, name=contact.name)


def queue_message(event: ProductEvent, d: Delivery, settings: OrgSettings) -> dict[str, Any]:
    """What a sender needs, so that it reads nothing else: the event facts and the resolved target."""
    profile = settings.profile
    return {
        "delivery_id": d.delivery_id,
        "org_id": event.org_id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "channel": d.channel,
        "address": d.address,
        "recipient_name": d.recipient_name,
        "endpoint_id": d.endpoint_id,
        "locale": d.locale,
        "reasons": d.reasons,
        "org": {
            "name": profile.name if profile else event.org_id,
            "email_from": profile.email_from if profile else None,
        },
        "event": {
            "source": event.source,
            "occurred_at": event.detail.occurred_at.isoformat(),
            "subject": event.detail.subject.model_dump(mode="json", exclude_none=True),
            "actor": event.detail.actor.model_dump(mode="json") if event.detail.actor else None,
            "data": event.detail.data,
        },
        **({"error_code": d.error_code, "error_detail": d.error_detail} if d.error_code else {}),
    }
