"""Per-org settings in one DynamoDB table (PynamoDB, single-table design).

Every item's partition key is the org id, so every read names its tenant: an org's subscription can
only ever reach that org's contacts and endpoints. Item kinds (sort key):

- ``ORG``                          the org's profile: name, locale, sender identity
- ``CONTACT#<id>``                 a person: emails and phones, each tagged work/personal
- ``ENDPOINT#<id>``                a webhook endpoint: URL; its secret lives in SSM, never here
- ``SUB#<group>#<scope>``          a subscription cell set: channel -> chosen contacts/endpoints,
                                   at scope ``org``, ``service#<id>`` or ``point#<id>``

Resolving an event costs two calls: one Query for the group's subscriptions, one BatchGetItem for
the profile plus every contact and endpoint they name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

ORG_SK = "ORG"


def contact_sk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def endpoint_sk(endpoint_id: str) -> str:
    return f"ENDPOINT#{endpoint_id}"


def scope_key(level: str, scope_id: str | None = None) -> str:
    if level == "org":
        return "org"
    if level in ("service", "point") and scope_id:
        return f"{level}#{scope_id}"
    raise ValueError(f"scope must be org, service#<id> or point#<id>, not {level!r}")


def subscription_sk(group: str, scope: str) -> str:
    return f"SUB#{group}#{scope}"


class SettingsItem(Model):
    class Meta:
        table_name = os.environ.get("SETTINGS_TABLE", "notify-settings")

    org_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class OrgProfile(SettingsItem, discriminator="org"):
    name = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")
    email_from = UnicodeAttribute(null=True)
    default_phone_region = UnicodeAttribute(null=True)  # e.g. BY: lets contacts keep national numbers


class EmailAddress(MapAttribute):
    address = UnicodeAttribute()
    kind = UnicodeAttribute(default="work")


class PhoneNumber(MapAttribute):
    number = UnicodeAttribute()
    kind = UnicodeAttribute(default="work")


class Contact(SettingsItem, discriminator="contact"):
    contact_id = UnicodeAttribute()
    name = UnicodeAttribute()
    position = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    emails = ListAttribute(of=EmailAddress, default=list)
    phones = ListAttribute(of=PhoneNumber, default=list)

    def preferred_email(self) -> str | None:
        return _preferred([(e.address, e.kind) for e in self.emails])

    def preferred_phone(self) -> str | None:
        return _preferred([(p.number, p.kind) for p in self.phones])


def _preferred(values: list[tuple[str, str]]) -> str | None:
    # A subscription reaches a person once per channel: their work address if they have one.
    for value, kind in values:
        if kind == "work":
            return value
    return values[0][0] if values else None


class WebhookEndpoint(SettingsItem, discriminator="endpoint"):
    endpoint_id = UnicodeAttribute()
    url = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    secret_parameter = UnicodeAttribute()  # SSM SecureString name holding the whsec_ secret


class Subscription(SettingsItem, discriminator="subscription"):
    group = UnicodeAttribute()
    scope = UnicodeAttribute()  # org | service#<id> | point#<id>
    # channel -> ids of contacts (email, sms) or endpoints (webhook)
    channels = MapAttribute(default=dict)

    def targets(self) -> dict[str, list[str]]:
        return {ch: list(ids) for ch, ids in self.channels.as_dict().items()}


@dataclass
class OrgSettings:
    """What the router needs to resolve one event, loaded in two calls."""

    org_id: str
    profile: OrgProfile | None
    subscriptions: list[Subscription] = field(default_factory=list)
    contacts: dict[str, Contact] = field(default_factory=dict)
    endpoints: dict[str, WebhookEndpoint] = field(default_factory=dict)


def load_for_event(org_id: str, group: str) -> OrgSettings:
    subs = list(Subscription.query(org_id, Subscription.sk.startswith(f"SUB#{group}#")))
    contact_ids: set[str] = set()
    endpoint_ids: set[str] = set()
    for sub in subs:
        for channel, ids in sub.targets().items():
            (endpoint_ids if channel == "webhook" else contact_ids).update(ids)
    keys = [(org_id, ORG_SK)]
    keys += [(org_id, contact_sk(c)) for c in sorted(contact_ids)]
    keys += [(org_id, endpoint_sk(e)) for e in sorted(endpoint_ids)]
    settings = OrgSettings(org_id=org_id, profile=None, subscriptions=subs)
    for item in _batch_get(keys):
        if isinstance(item, OrgProfile):
            settings.profile = item
        elif isinstance(item, Contact):
            settings.contacts[item.contact_id] = item
        elif isinstance(item, WebhookEndpoint):
            settings.endpoints[item.endpoint_id] = item
    return settings


def _batch_get(keys: Iterable[tuple[str, str]]) -> Iterable[SettingsItem]:
    # PynamoDB pages BatchGetItem by 100 keys and retries unprocessed keys itself.
    return SettingsItem.batch_get(list(keys))
