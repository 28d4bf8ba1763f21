"""Who hears about an event, on which channels, and why: one event -> deduplicated deliveries.

Pure: the caller loads the slice of the org's settings the event needs (``SettingsReader.load_for_event``)
and the users' cross-org settings, and this module decides. Every delivery has a stable id derived from
(org, event, channel, normalised address), so routing the same event again yields the same ids and the
senders' idempotency makes it a no-op.

Audiences (the catalog names them per event type):
- ``subscribers``: the org's subscriptions for the event's group at the subject's scope or above: the
  contacts, endpoints and fixed addresses of each channel cell;
- ``permission:<section>:<level>``: every member holding it (an admin holds every permission);
- ``relation:<name>``: the members the subject names under that relation (executor, manager, author);
- ``caretaker:<department>``, ``account_manager``: members attached to the subject's client account;
- ``client_contacts``: the client's contacts whose NOTIFY flag is on;
- ``actor``: the member who did it;
- ``event_recipients``: addresses carried on the event, for the events they opted into, on the channels
  the org enabled for buyer events.

Scope rule (products.md §3): an event about a point of sale reaches the subscribers of that point, of its
service and of the organisation; an event about a service, those of the service and the organisation.

Preferences and consent are applied after resolution: members are reached in-app always, by email
unless they switched email off (a user-level switch that spans every org), by SMS (Telegram) where the
event type allows it and they have a phone (a chat id); a contact is reached on a channel only with its consent (client
contacts must have agreed; for contacts an admin subscribed, only an explicit "no" excludes);
buyers only on the channels the org enabled for that buyer event; Telegram only for an org that set up
its bot (``telegram_enabled``). An excluded recipient is not dropped:
it becomes a delivery with ``skip_reason``, recorded in the delivery log as skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from notify_core.domain import erasure, template_overrides, unsubscribe
from notify_core.domain.addresses import InvalidAddress, normalise_email, normalise_phone, normalise_telegram_chat_id
from notify_core.domain.catalog import (
    ACCOUNT_MANAGER,
    ACTOR,
    CLIENT_CONTACTS,
    EVENT_RECIPIENTS,
    SUBSCRIBERS,
    EventType,
)
from notify_core.domain.delivery import delivery_id
from notify_core.domain.envelope import ProductEvent, RejectedRecipient
from notify_core.domain.org_settings import Contact, OrgSettings
from notify_core.domain.quiet_hours import BusinessHours, describe

MEMBER_CHANNELS = frozenset({"email", "sms", "inapp", "telegram"})
CONTACT_CHANNELS = frozenset({"email", "sms", "telegram"})
# Telegram goes out through the org's own bot: an org that has not set one up sends nothing there.
TELEGRAM_NOT_ENABLED = "telegram_not_enabled"
# A recipient on the event that does not fit the contract (envelope.RejectedRecipient): it fails alone.
INVALID_RECIPIENT = "invalid_recipient"
# An address kept as given (invalid): no valid one is longer (email: 320), and the log's index keys are bounded.
MAX_KEPT_ADDRESS = 320


@dataclass
class Delivery:
    delivery_id: str
    channel: str
    # normalised: lower-case email, E.164 phone, endpoint URL, user id (in-app), org id (Slack), chat id (Telegram)
    address: str
    locale: str
    recipient_name: str | None = None
    endpoint_id: str | None = None
    user_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    error_code: str | None = None  # cannot be sent at all (invalid_address)
    error_detail: str | None = None
    skip_reason: str | None = None  # excluded by a preference, consent, org setting or suppression
    time_zone: str | None = None  # the recipient's own (IANA), if they carry one: their SMS's quiet hours
    held_until: str | None = None  # an SMS held for quiet hours: when it goes (ISO, UTC; set by the router)

    @property
    def status(self) -> str:
        if self.error_code:
            return "failed"
        return "skipped" if self.skip_reason else "held" if self.held_until else "queued"


@dataclass(frozen=True)
class Skipped:
    """A would-be recipient with no address or channel to record a delivery on (logged; never silent)."""

    reason: str  # unknown_contact | unknown_endpoint | unknown_member | endpoint_disabled | no_address | ...
    detail: str


@dataclass
class RoutingResult:
    deliveries: list[Delivery]
    skipped: list[Skipped]

    @property
    def sendable(self) -> list[Delivery]:
        """Deliveries for the senders' queues."""
        return [d for d in self.deliveries if d.status == "queued" and d.channel != "inapp"]

    @property
    def inapp(self) -> list[Delivery]:
        """In-app messages the router writes to the inbox itself."""
        return [d for d in self.deliveries if d.status == "queued" and d.channel == "inapp"]

    @property
    def held(self) -> list[Delivery]:
        """SMS held for quiet hours (``hold_sms``): logged ``held`` now, queued when business hours start."""
        return [d for d in self.deliveries if d.status == "held"]

    def hold_sms(self, hours: BusinessHours, now: datetime) -> None:
        """Quiet hours: an SMS that would leave outside business hours in its recipient's time zone (theirs, else
        the org's: ``hours``) is held until they start there. Only SMS: an email or an in-app message at night
        wakes nobody, and a webhook or chat post is read by machines or when people choose to."""
        for d in self.deliveries:
            if d.status == "queued" and d.channel == "sms":
                zone = hours.in_zone(d.time_zone)
                until = zone.release_at(now)
                if until is not None:
                    d.held_until = until.strftime("%Y-%m-%dT%H:%M:%SZ")
                    d.error_detail = f"held until {describe(until, zone)}"

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == "failed"]

    @property
    def excluded(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == "skipped"]

    def apply_suppressions(self, suppressed: dict[tuple[str, str], str], *, group: str | None = None) -> None:
        """``group``: the event type's group, when a person may unsubscribe from it (``domain.unsubscribe``): an
        email address unsubscribed from that group in this org is skipped too."""
        unsubscribed = unsubscribe.group_channel(group) if group else None
        for d in self.deliveries:
            if d.status != "queued":
                continue
            reason = suppressed.get((d.channel, d.address))
            if reason:
                d.skip_reason = f"suppressed:{reason}"
                if reason == erasure.ERASED:  # the log records the skip without the person (domain.erasure)
                    d.address, d.recipient_name = erasure.ERASED_ADDRESS, None
            elif unsubscribed and d.channel == "email" and (unsubscribed, d.address) in suppressed:
                d.skip_reason = f"unsubscribed:{group}"


class MemberLike(Protocol):
    """A member as routing reads it: the member item itself, or a permission grant carrying its addresses."""

    @property
    def user_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def telegram(self) -> str | None: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def time_zone(self) -> str | None: ...


def matching_scopes(event: ProductEvent) -> set[str]:
    scope = event.detail.subject.scope
    scopes = {"org"}
    if scope.service_id:
        scopes.add(f"service#{scope.service_id}")
    if scope.point_id:
        scopes.add(f"point#{scope.point_id}")
    return scopes


def member_ids_named(event: ProductEvent, event_type: EventType) -> set[str]:
    """Members the event itself names for this type's audiences (relations, actor): to load by key."""
    ids: set[str] = set()
    relations = event.detail.subject.relations
    for audience in event_type.audiences:
        if audience.startswith("relation:"):
            ids.update(relations.get(audience.split(":", 1)[1], []))
    if ACTOR in event_type.audiences and event.detail.actor:
        ids.add(event.detail.actor.id)
    return ids


class _Collector:
    def __init__(self, event: ProductEvent, event_type: EventType, default_region: str | None) -> None:
        self.event = event
        self.event_type = event_type
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
        user_id: str | None = None,
        skip_reason: str | None = None,
        time_zone: str | None = None,
    ) -> None:
        error: tuple[str, str] | None = None
        try:
            address = self._normalise(channel, raw_address.strip())
            key = (channel, address)
        except InvalidAddress as exc:
            # Kept as given, cut to what an address can be (the delivery log's index keys are bounded).
            address, error = raw_address[:MAX_KEPT_ADDRESS], ("invalid_address", str(exc)[:500])
            # An invalid address is its own recipient: it must never absorb a valid one.
            key = (f"{channel}:invalid", address)
        existing = self.by_key.get(key)
        if existing:
            if reason not in existing.reasons:
                existing.reasons.append(reason)
            if existing.skip_reason and not skip_reason:
                existing.skip_reason = None  # another rule selects it with nothing against it
            existing.user_id = existing.user_id or user_id
            existing.time_zone = existing.time_zone or time_zone
            return
        self.by_key[key] = Delivery(
            delivery_id=delivery_id(self.event.org_id, self.event.event_id, channel, address),
            channel=channel,
            address=address,
            locale=locale,
            recipient_name=name,
            endpoint_id=endpoint_id,
            user_id=user_id,
            reasons=[reason],
            error_code=error[0] if error else None,
            error_detail=error[1] if error else None,
            skip_reason=None if error else skip_reason,
            time_zone=time_zone,
        )

    def failed(self, channel: str, raw_address: str, *, reason: str, locale: str, code: str, detail: str) -> None:
        """A recipient that cannot be reached at all (it does not fit the contract): logged failed, alone."""
        address = raw_address[:MAX_KEPT_ADDRESS]
        key = (f"{channel}:{code}", address)
        if key not in self.by_key:
            self.by_key[key] = Delivery(
                delivery_id=delivery_id(self.event.org_id, self.event.event_id, channel, address),
                channel=channel,
                address=address,
                locale=locale,
                reasons=[reason],
                error_code=code,
                error_detail=detail[:500],
            )

    def _normalise(self, channel: str, raw: str) -> str:
        if channel == "email":
            return normalise_email(raw)
        if channel == "sms":
            return normalise_phone(raw, self.default_region)
        if channel == "telegram":
            return normalise_telegram_chat_id(raw)
        return raw  # webhook URLs are checked by the sender's SSRF guard; in-app/Slack ids are ours


class _Router:
    def __init__(self, event: ProductEvent, event_type: EventType, settings: OrgSettings, email_off: set[str]) -> None:
        self.event = event
        self.event_type = event_type
        self.settings = settings
        self.email_off = email_off
        profile = settings.profile
        self.default_locale = event.detail.locale or (profile.locale if profile else None) or "en"
        self.collector = _Collector(event, event_type, profile.default_phone_region if profile else None)
        self.skipped: list[Skipped] = []
        self.channels = event_type.channels

    def skip(self, reason: str, detail: str) -> None:
        self.skipped.append(Skipped(reason, detail))

    # -- members ----------------------------------------------------------------------------------------
    def member(self, m: MemberLike, reason: str) -> None:
        locale = m.locale or self.default_locale
        for channel in sorted(self.channels & MEMBER_CHANNELS):
            if channel == "inapp":
                self.collector.add("inapp", m.user_id, reason=reason, locale=locale, name=m.name, user_id=m.user_id)
            elif channel == "email" and m.email:
                off = "preference:email_off" if m.user_id in self.email_off else None
                self.collector.add(
                    "email", m.email, reason=reason, locale=locale, name=m.name, user_id=m.user_id, skip_reason=off
                )
            elif channel == "sms" and m.phone:
                self.collector.add(
                    "sms", m.phone, reason=reason, locale=locale, name=m.name, user_id=m.user_id, time_zone=m.time_zone
                )
            elif channel == "telegram" and m.telegram:
                self.collector.add("telegram", m.telegram, reason=reason, locale=locale, name=m.name, user_id=m.user_id)

    def members_by_id(self, user_ids: Iterable[str], reason: str) -> None:
        for user_id in user_ids:
            m = self.settings.members.get(user_id)
            if m is None:
                self.skip("unknown_member", f"{reason} names user {user_id!r}, not a member of the org")
            else:
                self.member(m, reason)

    # -- contacts ---------------------------------------------------------------------------------------
    def contact(self, c: Contact, channel: str, reason: str, *, consent_required: bool) -> None:
        address = c.address_for(channel)
        if not address:
            self.skip("no_address", f"contact {c.contact_id!r} has no {channel} address")
            return
        agreed = c.consent_for(channel)
        exclusion = None
        if agreed is False or (consent_required and agreed is not True):
            exclusion = f"no_consent:{channel}"
        self.collector.add(
            channel,
            address,
            reason=reason,
            locale=c.locale or self.default_locale,
            name=c.name,
            skip_reason=exclusion,
            time_zone=c.time_zone,
        )

    # -- audiences --------------------------------------------------------------------------------------
    def run(self) -> RoutingResult:
        profile = self.settings.profile
        disabled = profile.audiences_disabled_for(self.event.event_type) if profile else set()
        for audience in self.event_type.audiences:
            if audience in disabled:
                self.skip("audience_disabled", f"the org switched {audience} off for {self.event.event_type}")
                continue
            self.audience(audience)
        if "slack" in self.channels and profile is not None and profile.slack_enabled:
            # Slack is configured per org (products.md §1): the org's channel hears about it once.
            self.collector.add("slack", self.event.org_id, reason="org_slack", locale=self.default_locale)
        deliveries = list(self.collector.by_key.values())
        if "telegram" in self.channels and not (profile is not None and profile.telegram_enabled):
            # Recorded as skipped (not dropped): the admin sees who would have been told had the bot been set up.
            for d in deliveries:
                if d.channel == "telegram" and not d.error_code:
                    d.skip_reason = TELEGRAM_NOT_ENABLED
        return RoutingResult(deliveries, self.skipped)

    def audience(self, audience: str) -> None:
        subject = self.event.detail.subject
        if audience == SUBSCRIBERS:
            self.subscribers()
        elif audience == EVENT_RECIPIENTS:
            self.event_recipients()
        elif audience.startswith("permission:"):
            perm = audience.split(":", 1)[1]
            for grant in self.settings.grants.get(perm, []):
                self.member(grant, f"permission:{perm}")
        elif audience.startswith("relation:"):
            name = audience.split(":", 1)[1]
            self.members_by_id(subject.relations.get(name, []), f"relation:{name}")
        elif audience == ACTOR:
            if self.event.detail.actor:
                self.members_by_id([self.event.detail.actor.id], "actor")
        elif audience in (ACCOUNT_MANAGER, CLIENT_CONTACTS) or audience.startswith("caretaker:"):
            self.client_audience(audience)
        else:
            raise ValueError(f"unknown audience {audience!r}")

    def client_audience(self, audience: str) -> None:
        """The people of the subject's client account: its account manager, caretakers, contacts."""
        client = self.settings.client
        if client is None:
            subject = self.event.detail.subject
            self.skip(
                "unknown_client",
                f"{audience}: the subject names no known client ({subject.client_id or 'no client_id'})",
            )
        elif audience == ACCOUNT_MANAGER:
            self.members_by_id(
                [client.account_manager] if client.account_manager else [], f"account_manager:{client.client_id}"
            )
        elif audience == CLIENT_CONTACTS:
            self.client_contacts()
        else:
            department = audience.split(":", 1)[1]
            self.members_by_id(client.caretakers_in(department), f"caretaker:{department}:{client.client_id}")

    def client_contacts(self) -> None:
        client = self.settings.client
        assert client is not None
        reason = f"client_contact:{client.client_id}"
        for contact_id in client.contact_ids:
            c = self.settings.contacts.get(contact_id)
            if c is None:
                self.skip("unknown_contact", f"client {client.client_id!r} names contact {contact_id!r}")
                continue
            for channel in sorted(self.channels & CONTACT_CHANNELS):
                address = c.address_for(channel)
                if not address:
                    continue  # a client's person without, say, a phone is simply not offered SMS
                if c.notify:
                    self.contact(c, channel, reason, consent_required=True)
                else:
                    self.collector.add(
                        channel,
                        address,
                        reason=reason,
                        locale=c.locale or self.default_locale,
                        name=c.name,
                        skip_reason="notify_off",
                    )

    def subscribers(self) -> None:
        scopes = matching_scopes(self.event)
        for sub in self.settings.subscriptions:
            if sub.scope not in scopes:
                continue
            reason = f"subscription:{sub.group}@{sub.scope}"
            for channel, target_ids in sub.channels.items():
                if channel not in self.channels:
                    continue  # e.g. refunds ride on paid/reversed, but not on its URL cells
                for target_id in target_ids:
                    self.subscriber(channel, target_id, reason)
            for channel, addresses in sub.addresses.items():
                if channel in self.channels:
                    for address in addresses:
                        self.collector.add(
                            channel,
                            address,
                            reason=f"fixed_address:{sub.group}@{sub.scope}",
                            locale=self.default_locale,
                        )

    def subscriber(self, channel: str, target_id: str, reason: str) -> None:
        if channel == "webhook":
            endpoint = self.settings.endpoints.get(target_id)
            if endpoint is None:
                self.skip("unknown_endpoint", f"{reason} names endpoint {target_id!r}")
            elif not endpoint.enabled:
                self.skip(
                    "endpoint_disabled",
                    f"endpoint {target_id!r}" + (f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else ""),
                )
            elif not endpoint.accepts(self.event.event_type):
                self.skip("endpoint_filtered", f"endpoint {target_id!r} does not take {self.event.event_type}")
            else:
                self.collector.add(
                    channel, endpoint.url, reason=reason, locale=self.default_locale, endpoint_id=endpoint.endpoint_id
                )
            return
        contact = self.settings.contacts.get(target_id)
        if contact is None:
            self.skip("unknown_contact", f"{reason} names contact {target_id!r}")
        else:
            self.contact(contact, channel, reason, consent_required=False)

    def event_recipients(self) -> None:
        profile = self.settings.profile
        enabled = profile.buyer_channels_for(self.event.event_type) if profile else set()
        rejected = {r.index for r in self.event.rejected_recipients}
        # Indexes as the product sent them: the rejected recipients were taken out of the list.
        places = [i for i in range(len(self.event.detail.recipients) + len(rejected)) if i not in rejected]
        for bad in self.event.rejected_recipients:
            self.rejected_recipient(bad)
        for i, r in zip(places, self.event.detail.recipients, strict=True):
            if r.events is not None and self.event.event_type not in r.events:
                self.skip("not_opted_in", f"recipients[{i}] did not opt into {self.event.event_type}")
                continue
            offered = {"email": r.email, "sms": r.phone}
            wanted = r.channels if r.channels is not None else [c for c, a in offered.items() if a]
            for channel in wanted:
                if channel not in self.channels:
                    self.skip("channel_not_allowed", f"recipients[{i}]: {channel}")
                    continue
                address = offered.get(channel)
                if not address:
                    self.skip("no_address", f"recipients[{i}] has no {channel} address")
                    continue
                exclusion = None if channel in enabled else "channel_not_enabled_for_buyers"
                self.collector.add(
                    channel,
                    address,
                    reason="event_recipient",
                    locale=r.locale or self.default_locale,
                    name=r.name,
                    skip_reason=exclusion,
                    time_zone=r.time_zone,
                )

    def rejected_recipient(self, r: RejectedRecipient) -> None:
        """A recipient that does not fit the contract fails alone, on each channel it gave an address for."""
        detail = f"recipients[{r.index}]: {r.problem}"
        carried = [(ch, a) for ch, a in (("email", r.email), ("sms", r.phone)) if a and ch in self.channels]
        for channel, address in carried:
            self.collector.failed(
                channel,
                address,
                reason="event_recipient",
                locale=self.default_locale,
                code=INVALID_RECIPIENT,
                detail=detail,
            )
        if not carried:
            self.skip(INVALID_RECIPIENT, detail)


def route(
    event: ProductEvent,
    event_type: EventType,
    settings: OrgSettings,
    email_off: Iterable[str] = (),
    *,
    page_of: str | None = None,
) -> RoutingResult:
    """Resolve every audience of the event type; ``email_off``: users who switched email off everywhere.

    ``page_of="permission:<p>"``: a later page of that audience's holders (``settings`` holds only them): only
    that audience is resolved, and nothing said once per event (the org's Slack channel) is said again."""
    if page_of is None:
        return _Router(event, event_type, settings, set(email_off)).run()
    if page_of not in event_type.audiences:
        raise ValueError(f"{page_of!r} is not an audience of {event.event_type}")
    paged = replace(event_type, audiences=(page_of,), channels=event_type.channels - {"slack"})
    return _Router(event, paged, settings, set(email_off)).run()


def queue_message(event: ProductEvent, d: Delivery, settings: OrgSettings) -> dict[str, Any]:
    """What a sender needs, so that it reads nothing else: the event facts and the resolved target."""
    profile = settings.profile
    message: dict[str, Any] = {
        "delivery_id": d.delivery_id,
        "org_id": event.org_id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "channel": d.channel,
        "address": d.address,
        "recipient_name": d.recipient_name,
        "endpoint_id": d.endpoint_id,
        "user_id": d.user_id,
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
    }
    override = template_overrides.override_for(event.event_type, d.channel, d.locale, settings.template_overrides)
    if override:
        message["template_override"] = override  # the org's own template: the sender reads it once per batch
    if d.channel == "sms" and profile and profile.sms_latin:
        message["org"]["sms_latin"] = True  # the SMS is sent in Latin letters (domain.sms_text.transliterate)
    if d.channel == "email" and profile and profile.branding and profile.branding.as_dict():
        message["org"]["branding"] = profile.branding.as_dict()  # the layout's header, colour, footer, Reply-To
    if (
        d.channel == "webhook"
        and d.endpoint_id in settings.endpoints
        and settings.endpoints[d.endpoint_id].retry_unanswered
    ):
        message["retry_unanswered"] = True  # this receiver deduplicates by webhook-id
    if d.channel == "email" and event.detail.attachments:
        # References only (key, filename, content type): the bytes would not fit SQS's 256 KB and stay in S3
        # until the email sender reads them. Other channels cannot carry documents and never see them.
        message["attachments"] = [a.model_dump(mode="json") for a in event.detail.attachments]
    if d.error_code:
        message.update(error_code=d.error_code, error_detail=d.error_detail)
    if d.skip_reason:
        message.update(error_code=d.skip_reason, error_detail=None)
    return message


QUIET_HOURS = "quiet_hours"  # the delivery log's error_code of a held SMS (its error_detail says until when)
