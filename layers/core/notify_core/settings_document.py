"""The org settings document: contacts, webhook endpoints and subscriptions of one org.

The same document is loaded by ``notify settings apply FILE`` (locally or on AWS) and will be
exported/imported by the admin API ("Copy data" in SEEDS §3). Applying it *replaces* the org's
settings: items not in the document are deleted. Secrets never go into the table (the Slack URL and
the Telegram bot token go to SSM; export leaves them out). Webhook secrets: a
``secret`` in the document is written to SSM as a SecureString; an endpoint without one gets a
generated secret (returned once, so it can be handed to the receiver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from notify_core import catalog, clients, signing
from notify_core.addresses import InvalidAddress, normalise_telegram_chat_id
from notify_core.channels.slack import slack_parameter_name
from notify_core.channels.telegram import telegram_parameter_name
from notify_core.envelope import Identifier, Locale
from notify_core.settings_store import (
    ORG_SK,
    Client,
    Contact,
    EmailAddress,
    Member,
    OrgProfile,
    PermissionGrant,
    PhoneNumber,
    SettingsItem,
    Subscription,
    WebhookEndpoint,
    _as_dict,
    client_sk,
    contact_sk,
    endpoint_sk,
    grant_sk,
    member_sk,
    subscription_sk,
)

SUBSCRIBABLE_CHANNELS = ("email", "sms", "webhook")
_SCOPE_ID = re.compile(r"[A-Za-z0-9_.:@/-]{1,256}")  # the event contract's Identifier


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

    check_telegram = field_validator("telegram")(_telegram_chat_id)


class MemberDoc(_Doc):
    user_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    telegram: str | int | None = None  # a Telegram chat id, where the org's bot reaches the member
    locale: Locale | None = None
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

    def reach(self) -> dict[str, Any]:
        """Who the member is and where to reach them: on the member item and copied into each grant."""
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "telegram": self.telegram,
            "locale": self.locale,
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
    webhook_url: str | None = Field(default=None, pattern=r"^https?://", repr=False)


class TelegramDoc(_Doc):
    enabled: bool = True
    # The org's bot token (from @BotFather) is a credential: stored in SSM (SecureString), never in the table,
    # never exported. Its shape is checked so that it can sit in the Bot API's URL path unquoted.
    bot_token: str | None = Field(default=None, pattern=r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$", repr=False)


class EndpointDoc(_Doc):
    id: Identifier
    url: str = Field(pattern=r"^https?://")
    description: str | None = None
    enabled: bool = True
    secret: str | None = Field(default=None, pattern=r"^whsec_[A-Za-z0-9+/=]+$", repr=False)
    event_types: list[str] | None = None  # only these event types reach the endpoint (None: all)

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


class SettingsDocument(_Doc):
    org_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    locale: Locale = "en"
    email_from: str | None = None
    default_phone_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    contacts: list[ContactDoc] = Field(default_factory=list)
    members: list[MemberDoc] = Field(default_factory=list)
    clients: list[ClientDoc] = Field(default_factory=list)
    webhook_endpoints: list[EndpointDoc] = Field(default_factory=list)
    subscriptions: list[SubscriptionDoc] = Field(default_factory=list)
    slack: SlackDoc | None = None
    telegram: TelegramDoc | None = None
    buyer_channels: dict[str, list[Literal["email", "sms"]]] = Field(default_factory=dict)
    disabled_audiences: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> SettingsDocument:
        contacts = {c.id for c in self.contacts}
        endpoints = {e.id for e in self.webhook_endpoints}
        members = {m.user_id for m in self.members}
        problems = []
        for dup_kind, ids in (
            ("contact", [c.id for c in self.contacts]),
            ("endpoint", [e.id for e in self.webhook_endpoints]),
            ("member", [m.user_id for m in self.members]),
            ("client", [c.id for c in self.clients]),
        ):
            dups = sorted({i for i in ids if ids.count(i) > 1})
            if dups:
                problems.append(f"duplicate {dup_kind} ids {dups}")
        for i, sub in enumerate(self.subscriptions):
            for channel, ids in sub.channels.items():
                known = endpoints if channel == "webhook" else contacts
                missing = sorted(set(ids) - known)
                if missing:
                    kind = "endpoints" if channel == "webhook" else "contacts"
                    problems.append(f"subscriptions[{i}] ({sub.group} {channel}) names unknown {kind} {missing}")
        for c in self.clients:
            named = {u for us in c.caretakers.values() for u in us}
            if c.account_manager:
                named.add(c.account_manager)
            if named - members:
                problems.append(f"client {c.id} names users who are not members: {sorted(named - members)}")
            if set(c.contacts) - contacts:
                problems.append(f"client {c.id} names unknown contacts {sorted(set(c.contacts) - contacts)}")
        for event_type, channels in self.buyer_channels.items():
            et = catalog.lookup(event_type)
            if et is None or catalog.EVENT_RECIPIENTS not in et.audiences:
                problems.append(f"buyer_channels: {event_type!r} is not an event buyers can be notified of")
            elif set(channels) - et.channels:
                problems.append(f"buyer_channels: {event_type} cannot use {sorted(set(channels) - et.channels)}")
        for event_type, audiences in self.disabled_audiences.items():
            et = catalog.lookup(event_type)
            if et is None:
                problems.append(f"disabled_audiences: unknown event type {event_type!r}")
            elif set(audiences) - set(et.audiences):
                problems.append(
                    f"disabled_audiences: {event_type} has no audiences "
                    f"{sorted(set(audiences) - set(et.audiences))} (it has {list(et.audiences)})"
                )
        if self.slack and self.slack.enabled and not self.slack.webhook_url:
            pass  # the URL may already be in SSM from an earlier apply
        if problems:
            raise ValueError("; ".join(problems))
        return self


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


def _items(doc: SettingsDocument) -> list[SettingsItem]:
    from notify_core.channels.webhook import secret_parameter_name

    org = doc.org_id
    items: list[SettingsItem] = [
        OrgProfile(
            org_id=org,
            sk=ORG_SK,
            name=doc.name,
            locale=doc.locale,
            email_from=doc.email_from,
            default_phone_region=doc.default_phone_region,
            slack_enabled=bool(doc.slack and doc.slack.enabled),
            telegram_enabled=bool(doc.telegram and doc.telegram.enabled),
            buyer_channels={k: list(v) for k, v in doc.buyer_channels.items()},
            disabled_audiences={k: list(v) for k, v in doc.disabled_audiences.items()},
        )
    ]
    for c in doc.contacts:
        items.append(
            Contact(
                org_id=org,
                sk=contact_sk(c.id),
                contact_id=c.id,
                name=c.name,
                position=c.position,
                locale=c.locale,
                emails=[EmailAddress(address=e.address, kind=e.kind) for e in c.emails],
                phones=[PhoneNumber(number=p.number, kind=p.kind) for p in c.phones],
                telegram=c.telegram,
                consent=dict(c.consent),
                notify=c.notify,
            )
        )
    for m in doc.members:
        items.append(
            Member(
                org_id=org,
                sk=member_sk(m.user_id),
                user_id=m.user_id,
                **m.reach(),
                roles=list(m.roles),
                permissions=list(m.permissions),
            )
        )
        # The permission index: who holds what, addresses copied in (one Query per permission at routing).
        for perm in m.all_permissions():
            items.append(
                PermissionGrant(
                    org_id=org, sk=grant_sk(perm, m.user_id), permission=perm, user_id=m.user_id, **m.reach()
                )
            )
    for cl in doc.clients:
        items.append(
            Client(
                org_id=org,
                sk=client_sk(cl.id),
                client_id=cl.id,
                name=cl.name,
                account_manager=cl.account_manager,
                caretakers={k: list(v) for k, v in cl.caretakers.items()},
                contact_ids=list(cl.contacts),
            )
        )
    for e in doc.webhook_endpoints:
        items.append(
            WebhookEndpoint(
                org_id=org,
                sk=endpoint_sk(e.id),
                endpoint_id=e.id,
                url=e.url,
                description=e.description,
                enabled=e.enabled,
                secret_parameter=secret_parameter_name(org, e.id),
                event_types=e.event_types,
            )
        )
    # Several document entries for the same group and scope become one item (one Query hit).
    cells: dict[tuple[str, str], tuple[dict[str, set[str]], dict[str, set[str]]]] = {}
    for s in doc.subscriptions:
        channels, addresses = cells.setdefault((s.group, s.scope_key), ({}, {}))
        for channel, ids in s.channels.items():
            channels.setdefault(channel, set()).update(ids)
        for channel, fixed in s.addresses.items():
            addresses.setdefault(channel, set()).update(fixed)
    for (group, scope), (channels, addresses) in cells.items():
        items.append(
            Subscription(
                org_id=org,
                sk=subscription_sk(group, scope),
                group=group,
                scope=scope,
                channels={ch: sorted(ids) for ch, ids in channels.items()},
                addresses={ch: sorted(a) for ch, a in addresses.items()},
            )
        )
    return items


def apply(doc: SettingsDocument) -> ApplyResult:
    from notify_core.channels.webhook import secret_parameter_name

    ssm = clients.client("ssm")
    generated: dict[str, str] = {}
    for e in doc.webhook_endpoints:
        name = secret_parameter_name(doc.org_id, e.id)
        if e.secret:
            ssm.put_parameter(Name=name, Value=e.secret, Type="SecureString", Overwrite=True)
            continue
        try:
            ssm.get_parameter(Name=name, WithDecryption=False)
        except ssm.exceptions.ParameterNotFound:
            secret = signing.new_secret()
            ssm.put_parameter(Name=name, Value=secret, Type="SecureString", Overwrite=False)
            generated[e.id] = secret
    if doc.slack and doc.slack.webhook_url:
        ssm.put_parameter(
            Name=slack_parameter_name(doc.org_id), Value=doc.slack.webhook_url, Type="SecureString", Overwrite=True
        )
    if doc.telegram and doc.telegram.bot_token:
        ssm.put_parameter(
            Name=telegram_parameter_name(doc.org_id),
            Value=doc.telegram.bot_token,
            Type="SecureString",
            Overwrite=True,
        )
    items = _items(doc)
    keep = {i.sk for i in items}
    stale = [i for i in SettingsItem.query(doc.org_id) if i.sk not in keep]
    with SettingsItem.batch_write() as batch:
        for item in items:
            batch.save(item)
        for item in stale:
            batch.delete(item)
    return ApplyResult(org_id=doc.org_id, written=len(items), deleted=len(stale), generated_secrets=generated)


def export(org_id: str) -> dict[str, Any]:
    """The org's settings as a document (secrets left out: they stay in SSM)."""
    doc: dict[str, Any] = {"org_id": org_id, "contacts": [], "webhook_endpoints": [], "subscriptions": []}
    for item in SettingsItem.query(org_id):
        if isinstance(item, OrgProfile):
            doc.update(name=item.name, locale=item.locale)
            if item.email_from:
                doc["email_from"] = item.email_from
            if item.default_phone_region:
                doc["default_phone_region"] = item.default_phone_region
            if item.slack_enabled:
                doc["slack"] = {"enabled": True}  # the webhook URL stays in SSM
            if item.telegram_enabled:
                doc["telegram"] = {"enabled": True}  # the bot token stays in SSM
            for key in ("buyer_channels", "disabled_audiences"):
                value = {k: list(v) for k, v in _as_dict(getattr(item, key)).items()}
                if value:
                    doc[key] = value
        elif isinstance(item, Contact):
            c: dict[str, Any] = {"id": item.contact_id, "name": item.name}
            if item.position:
                c["position"] = item.position
            if item.locale:
                c["locale"] = item.locale
            c["emails"] = [{"address": e.address, "kind": e.kind} for e in item.emails]
            c["phones"] = [{"number": p.number, "kind": p.kind} for p in item.phones]
            if item.telegram:
                c["telegram"] = item.telegram
            if _as_dict(item.consent):
                c["consent"] = _as_dict(item.consent)
            if not item.notify:
                c["notify"] = False
            doc["contacts"].append(c)
        elif isinstance(item, Member):
            m = {
                k: v
                for k, v in (
                    ("user_id", item.user_id),
                    ("name", item.name),
                    ("email", item.email),
                    ("phone", item.phone),
                    ("telegram", item.telegram),
                    ("locale", item.locale),
                )
                if v
            }
            m.update(roles=list(item.roles), permissions=list(item.permissions))
            doc.setdefault("members", []).append(m)
        elif isinstance(item, Client):
            cl: dict[str, Any] = {"id": item.client_id, "name": item.name}
            if item.account_manager:
                cl["account_manager"] = item.account_manager
            cl["caretakers"] = {k: list(v) for k, v in _as_dict(item.caretakers).items()}
            cl["contacts"] = list(item.contact_ids)
            doc.setdefault("clients", []).append(cl)
        elif isinstance(item, WebhookEndpoint):
            e: dict[str, Any] = {"id": item.endpoint_id, "url": item.url, "enabled": item.enabled}
            if item.description:
                e["description"] = item.description
            if item.event_types is not None:
                e["event_types"] = list(item.event_types)
            doc["webhook_endpoints"].append(e)
        elif isinstance(item, Subscription):
            scope = "org" if item.scope == "org" else item.scope.replace("#", ":", 1)
            sub: dict[str, Any] = {"group": item.group, "scope": scope, "channels": item.targets()}
            if item.fixed_addresses():
                sub["addresses"] = item.fixed_addresses()
            doc["subscriptions"].append(sub)
    return doc
