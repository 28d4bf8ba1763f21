"""The org settings document: contacts, webhook endpoints and subscriptions of one org.

The same document is loaded by ``notify settings apply FILE`` (locally or on AWS) and will be
exported/imported by the admin API ("Copy data" in SEEDS §3). Applying it *replaces* the org's
settings: items not in the document are deleted. Webhook secrets never go into the table: a
``secret`` in the document is written to SSM as a SecureString; an endpoint without one gets a
generated secret (returned once, so it can be handed to the receiver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from notify_core import catalog, clients, signing
from notify_core.envelope import Identifier, Locale
from notify_core.settings_store import (
    ORG_SK,
    Contact,
    EmailAddress,
    OrgProfile,
    PhoneNumber,
    SettingsItem,
    Subscription,
    WebhookEndpoint,
    contact_sk,
    endpoint_sk,
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


class ContactDoc(_Doc):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    position: str | None = None
    locale: Locale | None = None
    emails: list[EmailEntry] = Field(default_factory=list)
    phones: list[PhoneEntry] = Field(default_factory=list)


class EndpointDoc(_Doc):
    id: Identifier
    url: str = Field(pattern=r"^https?://")
    description: str | None = None
    enabled: bool = True
    secret: str | None = Field(default=None, pattern=r"^whsec_[A-Za-z0-9+/=]+$", repr=False)


class SubscriptionDoc(_Doc):
    group: str
    scope: str = "org"  # org | service:<id> | point:<id>
    channels: dict[str, list[Identifier]]

    @field_validator("group")
    @classmethod
    def _known_group(cls, v: str) -> str:
        if v not in catalog.groups():
            raise ValueError(f"unknown subscription group {v!r}; known: {sorted(catalog.groups())}")
        return v

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: str) -> str:
        if v == "org":
            return v
        level, _, scope_id = v.partition(":")
        if level not in ("service", "point") or not _SCOPE_ID.fullmatch(scope_id):
            raise ValueError("scope is 'org', 'service:<id>' or 'point:<id>', the id as events carry it "
                             "(letters, digits and _ . : @ / -)")
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
    webhook_endpoints: list[EndpointDoc] = Field(default_factory=list)
    subscriptions: list[SubscriptionDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> SettingsDocument:
        contacts = {c.id for c in self.contacts}
        endpoints = {e.id for e in self.webhook_endpoints}
        problems = []
        for dup_kind, ids in (
            ("contact", [c.id for c in self.contacts]),
            ("endpoint", [e.id for e in self.webhook_endpoints]),
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
            )
        )
    # Several document entries for the same group and scope become one item (one Query hit).
    cells: dict[tuple[str, str], dict[str, set[str]]] = {}
    for s in doc.subscriptions:
        channels = cells.setdefault((s.group, s.scope_key), {})
        for channel, ids in s.channels.items():
            channels.setdefault(channel, set()).update(ids)
    for (group, scope), channels in cells.items():
        items.append(
            Subscription(
                org_id=org,
                sk=subscription_sk(group, scope),
                group=group,
                scope=scope,
                channels={ch: sorted(ids) for ch, ids in channels.items()},
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
        elif isinstance(item, Contact):
            c: dict[str, Any] = {"id": item.contact_id, "name": item.name}
            if item.position:
                c["position"] = item.position
            if item.locale:
                c["locale"] = item.locale
            c["emails"] = [{"address": e.address, "kind": e.kind} for e in item.emails]
            c["phones"] = [{"number": p.number, "kind": p.kind} for p in item.phones]
            doc["contacts"].append(c)
        elif isinstance(item, WebhookEndpoint):
            e: dict[str, Any] = {"id": item.endpoint_id, "url": item.url, "enabled": item.enabled}
            if item.description:
                e["description"] = item.description
            doc["webhook_endpoints"].append(e)
        elif isinstance(item, Subscription):
            scope = "org" if item.scope == "org" else item.scope.replace("#", ":", 1)
            doc["subscriptions"].append({"group": item.group, "scope": scope, "channels": item.targets()})
    return doc
