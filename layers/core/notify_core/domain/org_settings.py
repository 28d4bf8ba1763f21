"""An org's settings as plain values: what routing decides on and what a settings document describes.

The settings table adapter (``adapters.dynamodb.settings_table``) maps its items into these and back; nothing
here knows how or where they are stored. Frozen: routing reads them, it never changes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from notify_core.domain.publishers import Publishers
from notify_core.domain.quiet_hours import DEFAULT_END, DEFAULT_START, BusinessHours

ORG_SCOPE = "org"
WORK, PERSONAL = "work", "personal"


def scope_key(level: str, scope_id: str | None = None) -> str:
    """``org``, ``service#<id>`` or ``point#<id>``: where a subscription sits in the org's hierarchy."""
    if level == ORG_SCOPE:
        return ORG_SCOPE
    if level in ("service", "point") and scope_id:
        return f"{level}#{scope_id}"
    raise ValueError(f"scope must be org, service#<id> or point#<id>, not {level!r}")


@dataclass(frozen=True)
class Tagged:
    """An email address or phone number of a contact, marked work or personal."""

    value: str
    kind: str = WORK


def _preferred(values: tuple[Tagged, ...]) -> str | None:
    # A subscription reaches a person once per channel: their work address if they have one.
    for v in values:
        if v.kind == WORK:
            return v.value
    return values[0].value if values else None


@dataclass(frozen=True)
class Branding:
    """How the org's emails look and who they come from (validated by the settings document)."""

    display_name: str | None = None  # the From's display name and the header's text; the org's name without it
    logo_url: str | None = None  # https only
    color: str | None = None  # "#RRGGBB": the header band and the button
    postal_address: str | None = None  # the footer's postal address (CAN-SPAM asks for one)
    reply_to: str | None = None  # where replies go (the From is the org's sending identity)
    preferences_url: str | None = None  # https: the org's own page where people manage what they receive

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class OrgProfile:
    name: str
    locale: str = "en"
    email_from: str | None = None
    default_phone_region: str | None = None  # e.g. BY: lets contacts keep national numbers
    time_zone: str = "UTC"  # IANA name, validated by the settings document
    # (start, end) as HH:MM in the org's time zone: when SMS leave and timers fire (domain.quiet_hours)
    business_hours: tuple[str, str] = (DEFAULT_START, DEFAULT_END)
    slack_enabled: bool = False  # Slack is configured per org (products.md §1)
    # The org's Telegram bot (its token in SSM): without it no Telegram message is queued (§2)
    telegram_enabled: bool = False
    # event type -> channels buyers (recipients on the event) may be notified on (§3)
    buyer_channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # event type -> audiences switched off for this org (e.g. RemOnline's "executors" group of orders)
    disabled_audiences: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Who may publish for the org (domain.publishers); None: the document names nobody (the deployment's default)
    publishers: Publishers | None = None
    # SMS in Latin letters (domain.sms_text.transliterate): for countries where carriers and people accept them
    sms_latin: bool = False
    branding: Branding | None = None
    # item type (chat, signature, approval) -> {enabled, every_days, count}: the org's reminder settings
    reminders: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # {daily, weekly, monthly, summary, hour}: the org's activity reports (domain.activity.ActivityReports); empty: none
    activity_reports: Mapping[str, Any] = field(default_factory=dict)

    def hours(self) -> BusinessHours:
        return BusinessHours(self.time_zone, *self.business_hours)

    def buyer_channels_for(self, event_type: str) -> frozenset[str]:
        return frozenset(self.buyer_channels.get(event_type, ()))

    def audiences_disabled_for(self, event_type: str) -> frozenset[str]:
        return frozenset(self.disabled_audiences.get(event_type, ()))


@dataclass(frozen=True)
class Contact:
    """A person of the org or of one of its clients: addresses, consent per channel, the NOTIFY switch."""

    contact_id: str
    name: str
    position: str | None = None
    locale: str | None = None
    emails: tuple[Tagged, ...] = ()
    phones: tuple[Tagged, ...] = ()
    telegram: str | None = None  # a Telegram chat id (normalised), where the org's bot reaches them
    # channel -> agreed (§2): a client contact is offered a channel only with its consent
    consent: Mapping[str, bool] = field(default_factory=dict)
    notify: bool = True  # TaxDome's NOTIFY switch on a client's linked user
    time_zone: str | None = None  # IANA name; None: the org's (quiet hours of their SMS)

    def consent_for(self, channel: str) -> bool | None:
        return self.consent.get(channel)

    def address_for(self, channel: str) -> str | None:
        if channel == "email":
            return _preferred(self.emails)
        if channel == "sms":
            return _preferred(self.phones)
        return self.telegram if channel == "telegram" else None


@dataclass(frozen=True)
class WebhookEndpoint:
    endpoint_id: str
    url: str
    secret_parameter: str  # the SSM SecureString holding its whsec_ secret
    description: str | None = None
    enabled: bool = True
    event_types: tuple[str, ...] | None = None  # only these event types (None: every one)
    # A request that went out but got no answer (a timeout, a dropped connection) is sent again only to a receiver
    # that deduplicates by webhook-id; otherwise the delivery is recorded unknown (it may have been acted on).
    retry_unanswered: bool = False
    # Health, kept by the webhook sender (services.endpoint_health); disabling sets the last two.
    failing_since: str | None = None
    last_success_at: str | None = None
    disabled_reason: str | None = None  # gone (410) | sustained_failure
    disabled_at: str | None = None

    def accepts(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


@dataclass(frozen=True)
class Subscription:
    """The cells of one group at one scope: channel -> contact ids (endpoint ids for webhook), and fixed
    addresses (Mobevo's summary recipients: a supervisor, the owner)."""

    group: str
    scope: str  # org | service#<id> | point#<id>
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    addresses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """A user of the org: who they are in it (roles, permissions) and where to reach them."""

    user_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    telegram: str | None = None
    locale: str | None = None
    time_zone: str | None = None  # IANA name; None: the org's
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PermissionGrant:
    """A member holding a permission, with the member's addresses (the settings table keeps a copy of them
    under the permission, so the holders of ``invoices:edit`` are one Query away)."""

    permission: str
    user_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    telegram: str | None = None
    locale: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class Client:
    """A client account of the org (an accounting office's client, a repair shop's customer)."""

    client_id: str
    name: str
    account_manager: str | None = None  # a member's user id
    caretakers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # department -> member user ids
    contact_ids: tuple[str, ...] = ()  # its people, as org contacts

    def caretakers_in(self, department: str) -> tuple[str, ...]:
        return tuple(self.caretakers.get(department, ()))


@dataclass
class OrgSettings:
    """The slice of an org's settings one event needs (``SettingsReader.load_for_event``)."""

    org_id: str
    profile: OrgProfile | None
    subscriptions: list[Subscription] = field(default_factory=list)
    contacts: dict[str, Contact] = field(default_factory=dict)
    endpoints: dict[str, WebhookEndpoint] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)  # by user id
    grants: dict[str, list[PermissionGrant]] = field(default_factory=dict)  # permission -> holders
    client: Client | None = None
    # Permission -> where its holders go on, when they were read one page at a time (a large audience routes in
    # pages, each its own router invocation): the sort key of the last holder read.
    more_holders: dict[str, str] = field(default_factory=dict)
    # The org's own templates (``event/channel/locale``, domain.template_overrides): read with the profile.
    template_overrides: frozenset[str] = frozenset()


@dataclass
class OrgDirectory:
    """Everything an org's settings document holds, as values (what ``apply`` writes and ``export`` reads)."""

    org_id: str
    profile: OrgProfile
    contacts: list[Contact] = field(default_factory=list)
    endpoints: list[WebhookEndpoint] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    grants: list[PermissionGrant] = field(default_factory=list)  # derived from the members' roles and permissions
