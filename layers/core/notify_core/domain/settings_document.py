"""The org settings document: contacts, members, clients, webhook endpoints and subscriptions of one org.

The same document is loaded by ``notify settings apply FILE`` (locally or on AWS) and will be exported and
imported by the admin API ("Copy data", products.md §3). This module is the pure half: the document's schema
and its checks, and its translation to and from the org's settings as values (``OrgDirectory``).
``services.settings_admin`` applies it (secrets to SSM, items to the settings table) and exports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from notify_core.domain import catalog
from notify_core.domain.activity import ActivityReports
from notify_core.domain.addresses import InvalidAddress, normalise_email, normalise_phone, normalise_telegram_chat_id
from notify_core.domain.catalog.taxdome import ReminderSettings
from notify_core.domain.envelope import Identifier, Locale
from notify_core.domain.org_settings import (
    Branding,
    Client,
    Contact,
    Member,
    OrgDirectory,
    OrgProfile,
    PermissionGrant,
    Subscription,
    Tagged,
    WebhookEndpoint,
)
from notify_core.domain.publishers import PLATFORM_SOURCE, Publishers
from notify_core.domain.quiet_hours import DEFAULT_END, DEFAULT_START, known_time_zone, parse_hhmm, valid_time_zone
from notify_core.domain.ssrf import MAX_URL_BYTES

SUBSCRIBABLE_CHANNELS = ("email", "sms", "webhook")
_SCOPE_ID = re.compile(r"[A-Za-z0-9_.:@/-]{1,256}")  # the event contract's Identifier
# An EventBridge source (a product) and an AWS account id, as a document names its publishers.
Source = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._/-]+$")]
Account = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmailEntry(_Doc):
    address: str
    kind: Literal["work", "personal"] = "work"


class PhoneEntry(_Doc):
    number: str
    kind: Literal["work", "personal"] = "work"


def _telegram_chat_id(v: str | int | None) -> str | None:
    if v is None:
        return None
    try:
        return normalise_telegram_chat_id(v)
    except InvalidAddress as exc:
        raise ValueError(str(exc)) from None


# A person's own time zone (IANA): the quiet hours of their SMS count in it; absent, the org's.
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ContactDoc(_Doc):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    position: str | None = None
    locale: Locale | None = None
    emails: list[EmailEntry] = Field(default_factory=list)
    phones: list[PhoneEntry] = Field(default_factory=list)
    # The chat the org's bot writes to: the person must have started the bot (Telegram's rule), and a client
    # contact must also have agreed (consent.telegram), as for SMS.
    telegram: str | int | None = None
    consent: dict[Literal["email", "sms", "telegram"], bool] = Field(default_factory=dict)
    notify: bool = True
    time_zone: TimeZone | None = None

    check_telegram = field_validator("telegram")(_telegram_chat_id)
    check_time_zone = field_validator("time_zone")(known_time_zone)


class MemberDoc(_Doc):
    user_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    telegram: str | int | None = None  # a Telegram chat id, where the org's bot reaches the member
    locale: Locale | None = None
    time_zone: TimeZone | None = None
    roles: list[str] = Field(default_factory=list)  # "admin" holds every permission
    permissions: list[str] = Field(default_factory=list)  # "<section>:edit" | "<section>:view"

    @field_validator("permissions")
    @classmethod
    def _known_permissions(cls, v: list[str]) -> list[str]:
        bad = [
            p
            for p in v
            if not (p.count(":") == 1 and p.split(":")[0] in catalog.SECTIONS and p.split(":")[1] in ("edit", "view"))
        ]
        if bad:
            raise ValueError(
                f"unknown permissions {bad}; use <section>:edit or <section>:view with a section "
                f"of {list(catalog.SECTIONS)}"
            )
        return v

    check_telegram = field_validator("telegram")(_telegram_chat_id)
    check_time_zone = field_validator("time_zone")(known_time_zone)

    def reach(self) -> dict[str, Any]:
        """Who the member is and where to reach them: on the member item and copied into each grant."""
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "telegram": self.telegram,
            "locale": self.locale,
            "time_zone": self.time_zone,
        }

    def all_permissions(self) -> list[str]:
        if "admin" in self.roles:
            return [f"{s}:{level}" for s in catalog.SECTIONS for level in ("edit", "view")]
        # Who can edit a section can also view it.
        implied = {p.replace(":edit", ":view") for p in self.permissions if p.endswith(":edit")}
        return sorted(set(self.permissions) | implied)


class ClientDoc(_Doc):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    account_manager: Identifier | None = None  # a member's user id
    caretakers: dict[Identifier, list[Identifier]] = Field(default_factory=dict)  # department -> user ids
    contacts: list[Identifier] = Field(default_factory=list)  # the client's people, as org contacts


class SlackDoc(_Doc):
    enabled: bool = True
    # An incoming-webhook URL is a credential: stored in SSM (SecureString), never in the table.
    webhook_url: str | None = Field(default=None, pattern=r"^https?://", max_length=MAX_URL_BYTES, repr=False)


class SmsDoc(_Doc):
    # Everything in GSM-7 Latin letters: 160 characters a segment instead of 70 ("Wiśniewska" -> "Wisniewska").
    transliterate: bool = False


_HTTPS_URL = r"^https://[^\s/?#]+\.[^\s/?#]+(/[^\s]*)?$"


class BrandingDoc(_Doc):
    """How the org's emails look (README "Email layout and branding")."""

    display_name: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[^\r\n<>\"]+$")
    logo_url: str | None = Field(default=None, pattern=_HTTPS_URL, max_length=MAX_URL_BYTES)
    color: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    postal_address: str | None = Field(default=None, min_length=1, max_length=300)
    reply_to: str | None = None
    preferences_url: str | None = Field(default=None, pattern=_HTTPS_URL, max_length=MAX_URL_BYTES)

    @field_validator("reply_to")
    @classmethod
    def _an_address(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            return normalise_email(v)
        except InvalidAddress as exc:
            raise ValueError(f"reply_to {v[:80]!r} is not an email address: {exc}") from None

    @field_validator("color")
    @classmethod
    def _lower(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class TelegramDoc(_Doc):
    enabled: bool = True
    # The org's bot token (from @BotFather) is a credential: stored in SSM (SecureString), never in the table,
    # never exported. Its shape is checked so that it can sit in the Bot API's URL path unquoted.
    bot_token: str | None = Field(default=None, pattern=r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$", repr=False)


class EndpointDoc(_Doc):
    id: Identifier
    url: str = Field(pattern=r"^https?://", max_length=MAX_URL_BYTES)
    description: str | None = None
    enabled: bool = True
    secret: str | None = Field(default=None, pattern=r"^whsec_[A-Za-z0-9+/=]+$", repr=False)
    event_types: list[str] | None = None  # only these event types reach the endpoint (None: all)
    # True for a receiver that deduplicates by webhook-id: a request whose answer never came is sent again.
    retry_unanswered: bool = False

    @field_validator("event_types")
    @classmethod
    def _known_event_types(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        unknown = sorted({t for t in v if catalog.lookup(t) is None})
        if unknown:
            raise ValueError(f"unknown event types {unknown}")
        no_webhook = sorted({t for t in v if "webhook" not in catalog.CATALOG[t].channels})
        if no_webhook:
            raise ValueError(f"event types {no_webhook} are never sent to webhooks")
        return sorted(set(v))


class SubscriptionDoc(_Doc):
    group: str
    scope: str = "org"  # org | service:<id> | point:<id>
    channels: dict[str, list[Identifier]] = Field(default_factory=dict)
    addresses: dict[Literal["email", "sms"], list[str]] = Field(default_factory=dict)  # fixed addresses

    @field_validator("group")
    @classmethod
    def _known_group(cls, v: str) -> str:
        if v not in catalog.groups():
            raise ValueError(f"unknown subscription group {v!r}; known: {sorted(catalog.subscribable_groups())}")
        if v not in catalog.subscribable_groups():
            # Accepting it would store a subscription the router never reads: refuse it, and say why.
            raise ValueError(
                f"nobody can subscribe to {v!r}: its events reach "
                f"{sorted({a for e in catalog.CATALOG.values() if e.group == v for a in e.audiences})}, "
                "not subscribers"
            )
        return v

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: str) -> str:
        if v == "org":
            return v
        level, _, scope_id = v.partition(":")
        if level not in ("service", "point") or not _SCOPE_ID.fullmatch(scope_id):
            raise ValueError(
                "scope is 'org', 'service:<id>' or 'point:<id>', the id as events carry it "
                "(letters, digits and _ . : @ / -)"
            )
        return v

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(v) - set(SUBSCRIBABLE_CHANNELS))
        if unknown:
            raise ValueError(f"unknown channels {unknown}; subscriptions use {list(SUBSCRIBABLE_CHANNELS)}")
        return v

    @property
    def scope_key(self) -> str:
        return "org" if self.scope == "org" else self.scope.replace(":", "#", 1)


class PublishersDoc(_Doc):
    """Who may publish events for the org (``domain.publishers``): the products' EventBridge sources and, on AWS,
    the accounts they publish from. Events for the org from anyone else are quarantined ``source_not_allowed``."""

    sources: list[Source]
    accounts: list[Account] | None = None  # None: any account the bus admits

    @field_validator("sources")
    @classmethod
    def _product_sources(cls, v: list[str]) -> list[str]:
        if PLATFORM_SOURCE in v:
            raise ValueError(f"{PLATFORM_SOURCE!r} is the platform's own source: it speaks for every org, unlisted")
        if any(s.startswith("aws.") for s in v):
            raise ValueError("sources starting with 'aws.' are AWS's own events, never a product's")
        return sorted(set(v))


class BusinessHoursDoc(_Doc):
    """When SMS leave and timers fire, in the org's time zone (README "Time zones and quiet hours")."""

    start: str = DEFAULT_START
    end: str = DEFAULT_END

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        parse_hhmm(v)  # raises with what is expected
        return v

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHoursDoc:
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end} (hours that span midnight: not yet)")
        return self


class SettingsDocument(_Doc):
    org_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    locale: Locale = "en"
    email_from: str | None = None
    default_phone_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    # The org's IANA time zone: where its days start (schedules, digests, business and quiet hours).
    time_zone: str = Field(default="UTC", max_length=64)
    # Default 08:00-20:00: an SMS outside them (in its recipient's time zone) is held, a timer waits for them.
    business_hours: BusinessHoursDoc | None = None
    contacts: list[ContactDoc] = Field(default_factory=list)
    members: list[MemberDoc] = Field(default_factory=list)
    clients: list[ClientDoc] = Field(default_factory=list)
    webhook_endpoints: list[EndpointDoc] = Field(default_factory=list)
    subscriptions: list[SubscriptionDoc] = Field(default_factory=list)
    slack: SlackDoc | None = None
    telegram: TelegramDoc | None = None
    buyer_channels: dict[str, list[Literal["email", "sms"]]] = Field(default_factory=dict)
    disabled_audiences: dict[str, list[str]] = Field(default_factory=dict)
    # None: the document names nobody (README "Publishers": any publisher, unless the deployment requires them)
    publishers: PublishersDoc | None = None
    sms: SmsDoc | None = None
    branding: BrandingDoc | None = None
    # Automatic reminders of pending items, per item type (README "Timers"): what an event's own `reminders` leaves
    # out comes from here, then from the defaults (every 3 days, 1 reminder).
    reminders: dict[Literal["chat", "signature", "approval"], ReminderSettings] = Field(default_factory=dict)
    # Activity reports (README "Activity reports and schedules"): which go, at what local hour.
    activity_reports: ActivityReports | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, v: str) -> str:
        if not valid_time_zone(v):
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. Europe/Warsaw, America/New_York, UTC)")
        return v

    @model_validator(mode="after")
    def _references(self) -> SettingsDocument:
        """Every id the document names exists in it, every event-type switch fits the catalog, and every address
        is one (checked here, on apply, rather than failing each delivery later)."""
        problems = (
            self._address_problems()
            + self._duplicate_ids()
            + self._unknown_subscription_targets()
            + self._unknown_client_references()
            + self._buyer_channel_problems()
            + self._disabled_audience_problems()
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _address_problems(self) -> list[str]:
        """Each email address and phone number, named by where it sits in the document."""
        emails: list[tuple[str, str]] = [("email_from", self.email_from)] if self.email_from else []
        phones: list[tuple[str, str]] = []
        for i, c in enumerate(self.contacts):
            emails += [(f"contacts[{i}].emails[{j}].address", e.address) for j, e in enumerate(c.emails)]
            phones += [(f"contacts[{i}].phones[{j}].number", p.number) for j, p in enumerate(c.phones)]
        for i, m in enumerate(self.members):
            emails += [(f"members[{i}].email", m.email)] if m.email else []
            phones += [(f"members[{i}].phone", m.phone)] if m.phone else []
        for i, sub in enumerate(self.subscriptions):
            emails += [
                (f"subscriptions[{i}].addresses.email[{j}]", a) for j, a in enumerate(sub.addresses.get("email", []))
            ]
            phones += [
                (f"subscriptions[{i}].addresses.sms[{j}]", a) for j, a in enumerate(sub.addresses.get("sms", []))
            ]
        problems = []
        for where, value in emails:
            try:
                normalise_email(value)
            except InvalidAddress as exc:
                problems.append(f"{where} {value[:80]!r} is not an email address: {exc}")
        for where, value in phones:
            try:
                normalise_phone(value, self.default_phone_region)
            except InvalidAddress as exc:
                hint = (
                    ""
                    if self.default_phone_region or value.strip().startswith("+")
                    else (" (a national number needs default_phone_region, or write it with +country code)")
                )
                problems.append(f"{where} {value[:40]!r} is not a phone number: {exc}{hint}")
        return problems

    def _duplicate_ids(self) -> list[str]:
        problems = []
        for kind, ids in (
            ("contact", [c.id for c in self.contacts]),
            ("endpoint", [e.id for e in self.webhook_endpoints]),
            ("member", [m.user_id for m in self.members]),
            ("client", [c.id for c in self.clients]),
        ):
            dups = sorted({i for i in ids if ids.count(i) > 1})
            if dups:
                problems.append(f"duplicate {kind} ids {dups}")
        return problems

    def _unknown_subscription_targets(self) -> list[str]:
        contacts = {c.id for c in self.contacts}
        endpoints = {e.id for e in self.webhook_endpoints}
        problems = []
        for i, sub in enumerate(self.subscriptions):
            for channel, ids in sub.channels.items():
                known = endpoints if channel == "webhook" else contacts
                missing = sorted(set(ids) - known)
                if missing:
                    kind = "endpoints" if channel == "webhook" else "contacts"
                    problems.append(f"subscriptions[{i}] ({sub.group} {channel}) names unknown {kind} {missing}")
        return problems

    def _unknown_client_references(self) -> list[str]:
        contacts = {c.id for c in self.contacts}
        members = {m.user_id for m in self.members}
        problems = []
        for c in self.clients:
            named = {u for us in c.caretakers.values() for u in us}
            named |= {c.account_manager} if c.account_manager else set()
            if named - members:
                problems.append(f"client {c.id} names users who are not members: {sorted(named - members)}")
            if set(c.contacts) - contacts:
                problems.append(f"client {c.id} names unknown contacts {sorted(set(c.contacts) - contacts)}")
        return problems

    def _buyer_channel_problems(self) -> list[str]:
        problems = []
        for event_type, channels in self.buyer_channels.items():
            et = catalog.lookup(event_type)
            if et is None or catalog.EVENT_RECIPIENTS not in et.audiences:
                problems.append(f"buyer_channels: {event_type!r} is not an event buyers can be notified of")
            elif set[str](channels) - et.channels:
                problems.append(f"buyer_channels: {event_type} cannot use {sorted(set[str](channels) - et.channels)}")
        return problems

    def _disabled_audience_problems(self) -> list[str]:
        problems = []
        for event_type, audiences in self.disabled_audiences.items():
            et = catalog.lookup(event_type)
            if et is None:
                problems.append(f"disabled_audiences: unknown event type {event_type!r}")
            elif set(audiences) - set(et.audiences):
                problems.append(
                    f"disabled_audiences: {event_type} has no audiences "
                    f"{sorted(set(audiences) - set(et.audiences))} (it has {list(et.audiences)})"
                )
        return problems


@dataclass
class ApplyResult:
    org_id: str
    written: int
    deleted: int
    generated_secrets: dict[str, str] = field(default_factory=dict)  # endpoint id -> whsec_ (shown once)


def parse(text: str) -> SettingsDocument:
    """YAML or JSON (JSON is YAML)."""
    import yaml

    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("a settings document is a mapping (org_id, name, contacts, ...)")
    return SettingsDocument.model_validate(data)


def to_directory(doc: SettingsDocument, secret_parameter: Callable[[str, str], str]) -> OrgDirectory:
    """The document as the org's settings (``secret_parameter(org_id, endpoint_id)`` names where each endpoint's
    signing secret lives). Several entries for the same group and scope become one subscription."""
    org = doc.org_id
    directory = OrgDirectory(
        org_id=org,
        profile=OrgProfile(
            name=doc.name,
            locale=doc.locale,
            email_from=doc.email_from,
            default_phone_region=doc.default_phone_region,
            time_zone=doc.time_zone,
            business_hours=(doc.business_hours.start, doc.business_hours.end)
            if doc.business_hours
            else (DEFAULT_START, DEFAULT_END),
            slack_enabled=bool(doc.slack and doc.slack.enabled),
            telegram_enabled=bool(doc.telegram and doc.telegram.enabled),
            buyer_channels={k: tuple(v) for k, v in doc.buyer_channels.items()},
            disabled_audiences={k: tuple(v) for k, v in doc.disabled_audiences.items()},
            publishers=None
            if doc.publishers is None
            else Publishers(
                sources=tuple(doc.publishers.sources),
                accounts=None if doc.publishers.accounts is None else tuple(doc.publishers.accounts),
            ),
            sms_latin=bool(doc.sms and doc.sms.transliterate),
            branding=Branding(**doc.branding.model_dump()) if doc.branding else None,
            reminders={k: v.model_dump(exclude_none=True) for k, v in doc.reminders.items()},
            activity_reports=doc.activity_reports.model_dump() if doc.activity_reports else {},
        ),
    )
    for c in doc.contacts:
        directory.contacts.append(
            Contact(
                contact_id=c.id,
                name=c.name,
                position=c.position,
                locale=c.locale,
                emails=tuple(Tagged(e.address, e.kind) for e in c.emails),
                phones=tuple(Tagged(p.number, p.kind) for p in c.phones),
                telegram=c.telegram if c.telegram is None else str(c.telegram),
                consent={str(k): v for k, v in c.consent.items()},
                notify=c.notify,
                time_zone=c.time_zone,
            )
        )
    for m in doc.members:
        reach = m.reach()
        directory.members.append(
            Member(user_id=m.user_id, **reach, roles=tuple(m.roles), permissions=tuple(m.permissions))
        )
        # The permission index: who holds what, addresses copied in (one Query per permission at routing).
        directory.grants += [PermissionGrant(permission=p, user_id=m.user_id, **reach) for p in m.all_permissions()]
    for cl in doc.clients:
        directory.clients.append(
            Client(
                client_id=cl.id,
                name=cl.name,
                account_manager=cl.account_manager,
                caretakers={k: tuple(v) for k, v in cl.caretakers.items()},
                contact_ids=tuple(cl.contacts),
            )
        )
    for e in doc.webhook_endpoints:
        directory.endpoints.append(
            WebhookEndpoint(
                endpoint_id=e.id,
                url=e.url,
                description=e.description,
                enabled=e.enabled,
                secret_parameter=secret_parameter(org, e.id),
                event_types=None if e.event_types is None else tuple(e.event_types),
                retry_unanswered=e.retry_unanswered,
            )
        )
    cells: dict[tuple[str, str], tuple[dict[str, set[str]], dict[str, set[str]]]] = {}
    for s in doc.subscriptions:
        channels, addresses = cells.setdefault((s.group, s.scope_key), ({}, {}))
        for channel, ids in s.channels.items():
            channels.setdefault(channel, set()).update(ids)
        for channel, fixed in s.addresses.items():
            addresses.setdefault(channel, set()).update(fixed)
    for (group, scope), (channels, addresses) in cells.items():
        directory.subscriptions.append(
            Subscription(
                group=group,
                scope=scope,
                channels={ch: tuple(sorted(ids)) for ch, ids in channels.items()},
                addresses={ch: tuple(sorted(a)) for ch, a in addresses.items()},
            )
        )
    return directory


def _present(pairs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return {k: v for k, v in pairs if v}


def _time_doc(p: OrgProfile) -> dict[str, Any]:
    """The org's time zone and business hours, when not the defaults (the defaults are not written out)."""
    doc: dict[str, Any] = {} if p.time_zone == "UTC" else {"time_zone": p.time_zone}
    if p.business_hours != (DEFAULT_START, DEFAULT_END):
        doc["business_hours"] = {"start": p.business_hours[0], "end": p.business_hours[1]}
    return doc


def _profile_doc(p: OrgProfile) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": p.name, "locale": p.locale}
    doc |= _present((("email_from", p.email_from), ("default_phone_region", p.default_phone_region)))
    doc |= _time_doc(p)
    if p.slack_enabled:
        doc["slack"] = {"enabled": True}  # the webhook URL stays in SSM
    if p.telegram_enabled:
        doc["telegram"] = {"enabled": True}  # the bot token stays in SSM
    for key, value in (("buyer_channels", p.buyer_channels), ("disabled_audiences", p.disabled_audiences)):
        if value:
            doc[key] = {k: list(v) for k, v in value.items()}
    if p.publishers is not None and p.publishers.sources is not None:
        doc["publishers"] = {"sources": list(p.publishers.sources)}
        if p.publishers.accounts is not None:
            doc["publishers"]["accounts"] = list(p.publishers.accounts)
    return doc | _more_doc(p)


def _more_doc(p: OrgProfile) -> dict[str, Any]:
    """SMS, branding, and the settings of what the platform does on time: reminders, activity reports."""
    doc: dict[str, Any] = {}
    if p.sms_latin:
        doc["sms"] = {"transliterate": True}
    if p.branding and p.branding.as_dict():
        doc["branding"] = p.branding.as_dict()
    if p.reminders:
        doc["reminders"] = {k: dict(v) for k, v in p.reminders.items()}
    if p.activity_reports:
        doc["activity_reports"] = dict(p.activity_reports)
    return doc


def _contact_doc(c: Contact) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": c.contact_id, "name": c.name}
    doc |= _present((("position", c.position), ("locale", c.locale)))
    doc["emails"] = [{"address": e.value, "kind": e.kind} for e in c.emails]
    doc["phones"] = [{"number": p.value, "kind": p.kind} for p in c.phones]
    doc |= _present((("telegram", c.telegram), ("consent", dict(c.consent))))
    if not c.notify:
        doc["notify"] = False
    if c.time_zone:
        doc["time_zone"] = c.time_zone
    return doc


def _member_doc(m: Member) -> dict[str, Any]:
    doc = _present(
        (
            ("user_id", m.user_id),
            ("name", m.name),
            ("email", m.email),
            ("phone", m.phone),
            ("telegram", m.telegram),
            ("locale", m.locale),
            ("time_zone", m.time_zone),
        )
    )
    return doc | {"roles": list(m.roles), "permissions": list(m.permissions)}


def _client_doc(c: Client) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": c.client_id, "name": c.name}
    doc |= _present((("account_manager", c.account_manager),))
    return doc | {"caretakers": {k: list(v) for k, v in c.caretakers.items()}, "contacts": list(c.contact_ids)}


def _endpoint_doc(e: WebhookEndpoint) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": e.endpoint_id, "url": e.url, "enabled": e.enabled}
    doc |= _present((("description", e.description),))
    if e.event_types is not None:
        doc["event_types"] = list(e.event_types)
    if e.retry_unanswered:
        doc["retry_unanswered"] = True
    return doc


def _subscription_doc(s: Subscription) -> dict[str, Any]:
    scope = "org" if s.scope == "org" else s.scope.replace("#", ":", 1)
    doc: dict[str, Any] = {"group": s.group, "scope": scope, "channels": {k: list(v) for k, v in s.channels.items()}}
    if s.addresses:
        doc["addresses"] = {k: list(v) for k, v in s.addresses.items()}
    return doc


def from_directory(directory: OrgDirectory) -> dict[str, Any]:
    """The org's settings as a document (secrets are not part of them: they stay in SSM)."""
    doc: dict[str, Any] = {"org_id": directory.org_id, **_profile_doc(directory.profile)}
    doc["contacts"] = [_contact_doc(c) for c in directory.contacts]
    doc["webhook_endpoints"] = [_endpoint_doc(e) for e in directory.endpoints]
    doc["subscriptions"] = [_subscription_doc(s) for s in directory.subscriptions]
    if directory.members:
        doc["members"] = [_member_doc(m) for m in directory.members]
    if directory.clients:
        doc["clients"] = [_client_doc(c) for c in directory.clients]
    return doc
