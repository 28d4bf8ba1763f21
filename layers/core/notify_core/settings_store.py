"""Per-org settings in one DynamoDB table (PynamoDB, single-table design).

Every item's partition key is the org id, so every read names its tenant: an org's subscription can
only ever reach that org's contacts and endpoints. Item kinds (sort key):

- ``ORG``                          the org's profile: name, locale, sender identity
- ``CONTACT#<id>``                 a person: emails and phones, each tagged work/personal; a Telegram chat id
- ``ENDPOINT#<id>``                a webhook endpoint: URL; its secret lives in SSM, never here
- ``SUB#<group>#<scope>``          a subscription cell set: channel -> chosen contacts/endpoints and
                                   fixed addresses, at scope ``org``, ``service#<id>`` or ``point#<id>``
- ``MEMBER#<user_id>``             a member: roles, permissions, addresses
- ``PERM#<permission>#<user_id>``  who holds a permission, with the member's addresses copied in, so
                                   the holders of ``invoices:edit`` are one (paged) Query away
- ``CLIENT#<id>``                  a client account: account manager, caretakers per department,
                                   linked contacts

Resolving an event costs a fixed number of round trips whatever the org's size (each paged): the
group's subscriptions and the permission holders (Queries), then the profile, contacts, endpoints,
client and related members (BatchGetItem, 100 keys a call), then the client's caretakers and contacts.
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
    slack_enabled = BooleanAttribute(default=False)  # Slack is configured per org (SEEDS §1)
    # The org's Telegram bot (its token in SSM): without it no Telegram message is queued (SEEDS §2)
    telegram_enabled = BooleanAttribute(default=False)
    # event type -> channels buyers (recipients on the event) may be notified on (SEEDS §3)
    buyer_channels = MapAttribute(default=dict)
    # event type -> audiences switched off for this org (e.g. RemOnline's "executors" group of orders)
    disabled_audiences = MapAttribute(default=dict)

    def buyer_channels_for(self, event_type: str) -> set[str]:
        return set(_as_dict(self.buyer_channels).get(event_type, []))

    def audiences_disabled_for(self, event_type: str) -> set[str]:
        return set(_as_dict(self.disabled_audiences).get(event_type, []))


def _as_dict(value: object) -> dict:
    return value.as_dict() if isinstance(value, MapAttribute) else dict(value or {})  # type: ignore[arg-type]


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
    telegram = UnicodeAttribute(null=True)  # a Telegram chat id (normalised), where the org's bot reaches them
    # channel -> agreed (SEEDS §2): a client contact is offered a channel only with its consent
    consent = MapAttribute(default=dict)
    notify = BooleanAttribute(default=True)  # TaxDome's NOTIFY switch on a client's linked user

    def consent_for(self, channel: str) -> bool | None:
        return _as_dict(self.consent).get(channel)

    def address_for(self, channel: str) -> str | None:
        if channel == "email":
            return self.preferred_email()
        if channel == "sms":
            return self.preferred_phone()
        return self.telegram if channel == "telegram" else None

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
    event_types = ListAttribute(of=UnicodeAttribute, null=True)  # only these event types (None: every one)
    # Health, kept by the webhook sender (notify_core.endpoint_health); disabling sets the last two.
    failing_since = UnicodeAttribute(null=True)  # first failure of the current streak of failures
    last_success_at = UnicodeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)  # gone (410) | sustained_failure
    disabled_at = UnicodeAttribute(null=True)

    def accepts(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


class Subscription(SettingsItem, discriminator="subscription"):
    group = UnicodeAttribute()
    scope = UnicodeAttribute()  # org | service#<id> | point#<id>
    # channel -> ids of contacts (email, sms) or endpoints (webhook)
    channels = MapAttribute(default=dict)
    # channel -> fixed addresses (Mobevo's summary recipients: a supervisor, the owner)
    addresses = MapAttribute(default=dict)

    def targets(self) -> dict[str, list[str]]:
        return {ch: list(ids) for ch, ids in _as_dict(self.channels).items()}

    def fixed_addresses(self) -> dict[str, list[str]]:
        return {ch: list(a) for ch, a in _as_dict(self.addresses).items()}


class Member(SettingsItem, discriminator="member"):
    """A user of the org: who they are in it (roles, permissions) and where to reach them."""

    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    telegram = UnicodeAttribute(null=True)  # a Telegram chat id
    locale = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    permissions = ListAttribute(of=UnicodeAttribute, default=list)


class PermissionGrant(SettingsItem, discriminator="grant"):
    """``PERM#<permission>#<user_id>``: a member holding a permission, addresses copied in."""

    permission = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    telegram = UnicodeAttribute(null=True)  # a Telegram chat id
    locale = UnicodeAttribute(null=True)


class Client(SettingsItem, discriminator="client"):
    """A client account of the org (an accounting office's client, a repair shop's customer)."""

    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    account_manager = UnicodeAttribute(null=True)  # a member's user id
    caretakers = MapAttribute(default=dict)  # department (accounting, hr) -> member user ids
    contact_ids = ListAttribute(of=UnicodeAttribute, default=list)  # its people, as org contacts

    def caretakers_in(self, department: str) -> list[str]:
        return list(_as_dict(self.caretakers).get(department, []))


def member_sk(user_id: str) -> str:
    return f"MEMBER#{user_id}"


def grant_sk(permission: str, user_id: str) -> str:
    return f"PERM#{permission}#{user_id}"


def client_sk(client_id: str) -> str:
    return f"CLIENT#{client_id}"


@dataclass
class OrgSettings:
    """What the router needs to resolve one event, loaded in a fixed number of round trips."""

    org_id: str
    profile: OrgProfile | None
    subscriptions: list[Subscription] = field(default_factory=list)
    contacts: dict[str, Contact] = field(default_factory=dict)
    endpoints: dict[str, WebhookEndpoint] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)  # by user id
    grants: dict[str, list[PermissionGrant]] = field(default_factory=dict)  # permission -> holders
    client: Client | None = None


def _needs(audiences: Iterable[str], prefix: str) -> list[str]:
    return [a.split(":", 1)[1] for a in audiences if a.startswith(prefix)]


def load_for_event(
    org_id: str,
    group: str,
    *,
    audiences: Iterable[str] = ("subscribers",),
    client_id: str | None = None,
    member_ids: Iterable[str] = (),
) -> OrgSettings:
    """Load the slice of the org's settings an event needs: never a Scan, never a call per member."""
    audiences = tuple(audiences)
    settings = OrgSettings(org_id=org_id, profile=None)
    if "subscribers" in audiences:
        settings.subscriptions = list(_query(settings.org_id, f"SUB#{group}#"))
    for perm in _needs(audiences, "permission:"):
        settings.grants[perm] = [g for g in _query(settings.org_id, f"PERM#{perm}#") if isinstance(g, PermissionGrant)]
    contact_ids: set[str] = set()
    endpoint_ids: set[str] = set()
    for sub in settings.subscriptions:
        for channel, ids in sub.targets().items():
            (endpoint_ids if channel == "webhook" else contact_ids).update(ids)
    keys = [(org_id, ORG_SK)]
    keys += [(org_id, contact_sk(c)) for c in sorted(contact_ids)]
    keys += [(org_id, endpoint_sk(e)) for e in sorted(endpoint_ids)]
    keys += [(org_id, member_sk(u)) for u in sorted(set(member_ids))]
    if client_id:
        keys.append((org_id, client_sk(client_id)))
    _collect(settings, _batch_get(keys))
    client = settings.client
    if client is not None:
        second: set[tuple[str, str]] = set()
        if "client_contacts" in audiences:
            second.update((org_id, contact_sk(c)) for c in client.contact_ids)
        if "account_manager" in audiences and client.account_manager:
            second.add((org_id, member_sk(client.account_manager)))
        for department in _needs(audiences, "caretaker:"):
            second.update((org_id, member_sk(u)) for u in client.caretakers_in(department))
        second -= set(keys)
        if second:
            _collect(settings, _batch_get(sorted(second)))
    return settings


def _collect(settings: OrgSettings, items: Iterable[SettingsItem]) -> None:
    for item in items:
        if isinstance(item, OrgProfile):
            settings.profile = item
        elif isinstance(item, Contact):
            settings.contacts[item.contact_id] = item
        elif isinstance(item, WebhookEndpoint):
            settings.endpoints[item.endpoint_id] = item
        elif isinstance(item, Member):
            settings.members[item.user_id] = item
        elif isinstance(item, Client):
            settings.client = item


def _query(org_id: str, prefix: str) -> list[SettingsItem]:
    # One call per 1 MB page: a permission held by 10,000 members is a couple of pages.
    return list(SettingsItem.query(org_id, SettingsItem.sk.startswith(prefix)))


def _batch_get(keys: list[tuple[str, str]]) -> list[SettingsItem]:
    # PynamoDB pages BatchGetItem by 100 keys and retries unprocessed keys itself.
    return list(SettingsItem.batch_get(keys))
