"""Per-org settings in one DynamoDB table (PynamoDB, single-table design), read and written as domain values.

Every item's partition key is the org id, so every read names its tenant: an org's subscription can only ever
reach that org's contacts and endpoints. Item kinds (sort key):

- ``ORG``                          the org's profile: name, locale, sender identity
- ``CONTACT#<id>``                 a person: emails and phones, each tagged work/personal; a Telegram chat id
- ``ENDPOINT#<id>``                a webhook endpoint: URL; its secret lives in SSM, never here
- ``SUB#<group>#<scope>``          a subscription cell set: channel -> chosen contacts/endpoints and fixed
                                   addresses, at scope ``org``, ``service#<id>`` or ``point#<id>``
- ``MEMBER#<user_id>``             a member: roles, permissions, addresses
- ``PERM#<permission>#<user_id>``  who holds a permission, with the member's addresses copied in, so the
                                   holders of ``invoices:edit`` are one (paged) Query away
- ``CLIENT#<id>``                  a client account: account manager, caretakers per department, contacts
- ``TPL#<event>#<channel>#<locale>`` an org's own template (``domain.org_templates``), written by the admin API
- ``TEMPLATES``                    the index of those (a string set of ``event/channel/locale``): read with the
                                   profile in the router's one BatchGetItem, so routing learns which deliveries use
                                   an override without another call. Settings documents neither write nor remove
                                   these two kinds (``replace_directory`` keeps them).

Resolving an event costs a fixed number of round trips whatever the org's size (each paged): the group's
subscriptions and the permission holders (Queries), then the profile, contacts, endpoints, client and related
members (BatchGetItem, 100 keys a call), then the client's caretakers and contacts.

The PynamoDB models are defined per table binding (``SettingsTable(name)``): each built function gets its own
classes and connection, named by its validated settings, instead of module-level models reading the
environment at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from notify_core.adapters.dynamodb.binding import endpoint
from notify_core.domain import activity
from notify_core.domain.org_settings import (
    Branding,
    Client,
    Contact,
    Member,
    OrgDirectory,
    OrgProfile,
    OrgSettings,
    PermissionGrant,
    Subscription,
    Tagged,
    WebhookEndpoint,
)
from notify_core.domain.publishers import Publishers
from notify_core.domain.quiet_hours import DEFAULT_END, DEFAULT_START
from notify_core.domain.template_overrides import INDEX_SK, OrgTemplate

ORG_SK = "ORG"


def contact_sk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def endpoint_sk(endpoint_id: str) -> str:
    return f"ENDPOINT#{endpoint_id}"


def subscription_sk(group: str, scope: str) -> str:
    return f"SUB#{group}#{scope}"


def member_sk(user_id: str) -> str:
    return f"MEMBER#{user_id}"


def grant_sk(permission: str, user_id: str) -> str:
    return f"PERM#{permission}#{user_id}"


def client_sk(client_id: str) -> str:
    return f"CLIENT#{client_id}"


TEMPLATE_PREFIX = "TPL#"


def template_sk(override: str) -> str:
    """``payment.paid/email/ru`` -> ``TPL#payment.paid#email#ru``."""
    return TEMPLATE_PREFIX + override.replace("/", "#")


def _kept_by_documents(sk: str) -> bool:
    """Items a settings document does not hold, so its apply neither rewrites nor deletes them."""
    return sk == INDEX_SK or sk.startswith(TEMPLATE_PREFIX)


def _as_dict(value: object) -> dict[str, Any]:
    return value.as_dict() if isinstance(value, MapAttribute) else dict(value or {})  # type: ignore[call-overload]


def _tuples(value: object) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _as_dict(value).items()}


def _strs(value: object) -> tuple[str, ...]:
    """A PynamoDB list of strings (typed as attributes by PynamoDB's stubs) as a tuple of str."""
    return tuple(str(v) for v in value or ())  # type: ignore[attr-defined]


def _report_schedule(p: OrgProfile, now: datetime) -> dict[str, Any]:
    """The profile's activity reports and the first instant they fall due: from an hour ago, so a document applied
    just after its report hour (before the tick got to it) still has that report sent; a report already sent is
    not sent again (its event id is the period's)."""
    if not p.activity_reports:
        return {"activity_reports": None, "reports_key": None, "reports_due_at": None}
    reports = activity.ActivityReports.model_validate(dict(p.activity_reports))
    due = activity.next_due(reports, p.time_zone, now - timedelta(hours=1))
    return {
        "activity_reports": json.dumps(reports.model_dump()),
        "reports_key": activity.SCHEDULE_KEY if due else None,
        "reports_due_at": activity.iso(due) if due else None,
    }


class _Models:
    """The item classes of one settings table (a fresh set per binding: own connection, own discriminator map)."""

    def __init__(self, bound_table: str) -> None:
        class SettingsItem(Model):
            class Meta:
                table_name = bound_table

            org_id = UnicodeAttribute(hash_key=True)
            sk = UnicodeAttribute(range_key=True)
            kind = DiscriminatorAttribute()

        class EmailAddress(MapAttribute):
            address = UnicodeAttribute()
            kind = UnicodeAttribute(default="work")

        class PhoneNumber(MapAttribute):
            number = UnicodeAttribute()
            kind = UnicodeAttribute(default="work")

        class ProfileItem(SettingsItem, discriminator="org"):
            name = UnicodeAttribute()
            locale = UnicodeAttribute(default="en")
            email_from = UnicodeAttribute(null=True)
            default_phone_region = UnicodeAttribute(null=True)
            time_zone = UnicodeAttribute(null=True)  # absent: UTC
            business_hours = UnicodeAttribute(null=True)  # "HH:MM-HH:MM"; absent: 08:00-20:00
            slack_enabled = BooleanAttribute(default=False)
            telegram_enabled = BooleanAttribute(default=False)
            buyer_channels: MapAttribute[str, Any] = MapAttribute(default=dict)
            disabled_audiences: MapAttribute[str, Any] = MapAttribute(default=dict)
            # Who may publish for the org (domain.publishers); absent: the document names nobody.
            publisher_sources = ListAttribute(of=UnicodeAttribute, null=True)
            publisher_accounts = ListAttribute(of=UnicodeAttribute, null=True)
            sms_latin = BooleanAttribute(null=True)
            branding: MapAttribute[str, Any] = MapAttribute(null=True)
            reminders = UnicodeAttribute(null=True)  # JSON: item type -> {enabled, every_days, count}
            activity_reports = UnicodeAttribute(null=True)  # JSON: {daily, weekly, monthly, summary, hour}
            # The org's next activity-report instant (UTC ISO) under the sparse index reports_due (README "Activity
            # reports and schedules"): the tick's one Query for the orgs whose reports are due; absent: no reports.
            reports_key = UnicodeAttribute(null=True)
            reports_due_at = UnicodeAttribute(null=True)

        class ContactItem(SettingsItem, discriminator="contact"):
            contact_id = UnicodeAttribute()
            name = UnicodeAttribute()
            position = UnicodeAttribute(null=True)
            locale = UnicodeAttribute(null=True)
            emails = ListAttribute(of=EmailAddress, default=list)
            phones = ListAttribute(of=PhoneNumber, default=list)
            telegram = UnicodeAttribute(null=True)
            consent: MapAttribute[str, Any] = MapAttribute(default=dict)
            notify = BooleanAttribute(default=True)
            time_zone = UnicodeAttribute(null=True)  # absent: the org's

        class EndpointItem(SettingsItem, discriminator="endpoint"):
            endpoint_id = UnicodeAttribute()
            url = UnicodeAttribute()
            description = UnicodeAttribute(null=True)
            enabled = BooleanAttribute(default=True)
            secret_parameter = UnicodeAttribute()
            event_types = ListAttribute(of=UnicodeAttribute, null=True)
            retry_unanswered = BooleanAttribute(default=False)
            # Health, kept by the webhook sender with plain UpdateItem calls (services.endpoint_health).
            failing_since = UnicodeAttribute(null=True)
            last_success_at = UnicodeAttribute(null=True)
            disabled_reason = UnicodeAttribute(null=True)
            disabled_at = UnicodeAttribute(null=True)

        class SubscriptionItem(SettingsItem, discriminator="subscription"):
            group = UnicodeAttribute()
            scope = UnicodeAttribute()
            channels: MapAttribute[str, Any] = MapAttribute(default=dict)
            addresses: MapAttribute[str, Any] = MapAttribute(default=dict)

        class MemberItem(SettingsItem, discriminator="member"):
            user_id = UnicodeAttribute()
            name = UnicodeAttribute()
            email = UnicodeAttribute(null=True)
            phone = UnicodeAttribute(null=True)
            telegram = UnicodeAttribute(null=True)
            locale = UnicodeAttribute(null=True)
            time_zone = UnicodeAttribute(null=True)
            roles = ListAttribute(of=UnicodeAttribute, default=list)
            permissions = ListAttribute(of=UnicodeAttribute, default=list)

        class GrantItem(SettingsItem, discriminator="grant"):
            permission = UnicodeAttribute()
            user_id = UnicodeAttribute()
            name = UnicodeAttribute()
            email = UnicodeAttribute(null=True)
            phone = UnicodeAttribute(null=True)
            telegram = UnicodeAttribute(null=True)
            locale = UnicodeAttribute(null=True)
            time_zone = UnicodeAttribute(null=True)

        class ClientItem(SettingsItem, discriminator="client"):
            client_id = UnicodeAttribute()
            name = UnicodeAttribute()
            account_manager = UnicodeAttribute(null=True)
            caretakers: MapAttribute[str, Any] = MapAttribute(default=dict)
            contact_ids = ListAttribute(of=UnicodeAttribute, default=list)

        class TemplateItem(SettingsItem, discriminator="template"):
            event_type = UnicodeAttribute()
            channel = UnicodeAttribute()
            locale = UnicodeAttribute()
            source = UnicodeAttribute()
            version = NumberAttribute(default=1)
            updated_at = UnicodeAttribute(null=True)
            updated_by = UnicodeAttribute(null=True)

        class TemplateIndexItem(SettingsItem, discriminator="template_index"):
            overrides = UnicodeSetAttribute(null=True)  # event/channel/locale; ADD and DELETE keep it exact

        self.Item = SettingsItem
        self.Template, self.TemplateIndex = TemplateItem, TemplateIndexItem
        self.EmailAddress, self.PhoneNumber = EmailAddress, PhoneNumber
        self.Profile, self.Contact, self.Endpoint = ProfileItem, ContactItem, EndpointItem
        self.Subscription, self.Member, self.Grant, self.Client = SubscriptionItem, MemberItem, GrantItem, ClientItem


def _connection(m: _Models) -> Connection:
    """The models' own connection (region, endpoint), for a transaction over two of their items."""
    connection: Connection = m.Item._get_connection().connection  # PynamoDB has no public accessor
    return connection


@cache
def _models(table_name: str, at: str | None) -> _Models:
    """One set of item classes per (table, endpoint): see ``binding``."""
    return _Models(table_name)


class SettingsTable:
    """The settings table: the slice an event needs (routing), whole directories (settings documents),
    one endpoint (replay)."""

    def __init__(self, table_name: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.table_name = table_name
        self.m = _models(table_name, endpoint())
        # When a document is applied: where its activity reports' first instant is counted from (the local
        # runtime's clock there, real time on AWS).
        self.clock = clock or (lambda: datetime.now(UTC))

    # ------------------------------------------------------------------------------------------ reading
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
        """Load the slice of the org's settings an event needs: never a Scan, never a call per member. With
        ``holders_per_page``, at most that many holders of each permission; where more are left, ``more_holders``
        says where they go on (``holders_page`` reads the next page)."""
        audiences = tuple(audiences)
        settings = OrgSettings(org_id=org_id, profile=None)
        if "subscribers" in audiences:
            settings.subscriptions = [self._value(i) for i in self._query(org_id, f"SUB#{group}#")]
        for perm in _needs(audiences, "permission:"):
            self._holders(settings, perm, after=None, limit=holders_per_page)
        contact_ids: set[str] = set()
        endpoint_ids: set[str] = set()
        for sub in settings.subscriptions:
            for channel, ids in sub.channels.items():
                (endpoint_ids if channel == "webhook" else contact_ids).update(ids)
        keys = [(org_id, ORG_SK), (org_id, INDEX_SK)]  # the org's template overrides: same call, no extra trip
        keys += [(org_id, contact_sk(c)) for c in sorted(contact_ids)]
        keys += [(org_id, endpoint_sk(e)) for e in sorted(endpoint_ids)]
        keys += [(org_id, member_sk(u)) for u in sorted(set(member_ids))]
        if client_id:
            keys.append((org_id, client_sk(client_id)))
        self._collect(settings, self._batch_get(keys))
        if settings.client is not None:
            # Who the client names (its contacts, account manager, caretakers) is known only once it is read.
            second = _client_keys(org_id, settings.client, audiences) - set(keys)
            if second:
                self._collect(settings, self._batch_get(sorted(second)))
        return settings

    def holders_page(self, org_id: str, perm: str, *, after: str, limit: int) -> OrgSettings:
        """The org's profile and the next ``limit`` holders of ``perm`` after the sort key ``after`` (a later page of a
        large audience); ``more_holders`` says whether more are left."""
        if not after.startswith(f"PERM#{perm}#"):
            raise ValueError(f"{after!r} is not a position among the holders of {perm!r}")
        settings = OrgSettings(org_id=org_id, profile=None)
        self._holders(settings, perm, after=after, limit=limit)
        self._collect(settings, self._batch_get([(org_id, ORG_SK), (org_id, INDEX_SK)]))
        return settings

    def _holders(self, settings: OrgSettings, perm: str, *, after: str | None, limit: int | None) -> None:
        item = self.m.Item
        start = {"org_id": {"S": settings.org_id}, "sk": {"S": after}} if after else None
        found = item.query(settings.org_id, item.sk.startswith(f"PERM#{perm}#"), limit=limit, last_evaluated_key=start)
        grants = [g for g in found if isinstance(g, self.m.Grant)]
        settings.grants[perm] = [self._value(g) for g in grants]
        if limit is not None and len(grants) >= limit and found.last_evaluated_key:
            settings.more_holders[perm] = found.last_evaluated_key["sk"]["S"]

    def profile(self, org_id: str) -> OrgProfile | None:
        """The org's profile alone (one consistent GetItem): who may publish for it (the timers function)."""
        try:
            item = self.m.Item.get(org_id, ORG_SK, consistent_read=True)
        except self.m.Item.DoesNotExist:
            return None
        value = self._value(item)
        return value if isinstance(value, OrgProfile) else None

    def endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        try:
            item = self.m.Item.get(org_id, endpoint_sk(endpoint_id))
        except self.m.Item.DoesNotExist:
            return None
        return self._value(item) if isinstance(item, self.m.Endpoint) else None

    def member(self, org_id: str, user_id: str) -> Member | None:
        """One member of the org (the admin API's access check: one consistent GetItem, the org in the key)."""
        try:
            item = self.m.Item.get(org_id, member_sk(user_id), consistent_read=True)
        except self.m.Item.DoesNotExist:
            return None
        return self._value(item) if isinstance(item, self.m.Member) else None

    def directory(self, org_id: str) -> OrgDirectory | None:
        """Everything the org's settings document holds (None: the org has no profile)."""
        values = [self._value(i) for i in self.m.Item.query(org_id)]
        profile = next((v for v in values if isinstance(v, OrgProfile)), None)
        if profile is None:
            return None
        d = OrgDirectory(org_id=org_id, profile=profile)
        for v in values:
            for kind, bucket in (
                (Contact, d.contacts),
                (WebhookEndpoint, d.endpoints),
                (Subscription, d.subscriptions),
                (Member, d.members),
                (Client, d.clients),
                (PermissionGrant, d.grants),
            ):
                if isinstance(v, kind):
                    bucket.append(v)
        return d

    # ------------------------------------------------------------------------------------------ writing
    def replace_directory(self, directory: OrgDirectory) -> tuple[int, int]:
        """Make the org's items exactly the directory's: (items written, stale items deleted)."""
        items = self._items(directory)
        keep = {i.sk for i in items}
        stale = [i for i in self.m.Item.query(directory.org_id) if i.sk not in keep and not _kept_by_documents(i.sk)]
        with self.m.Item.batch_write() as batch:
            for item in items:
                batch.save(item)
            for item in stale:
                batch.delete(item)
        return len(items), len(stale)

    # ------------------------------------------------------------------------------------------ mapping
    def _items(self, d: OrgDirectory) -> list[Any]:
        m, org = self.m, d.org_id
        p = d.profile
        items: list[Any] = [
            m.Profile(
                org_id=org,
                sk=ORG_SK,
                name=p.name,
                locale=p.locale,
                email_from=p.email_from,
                default_phone_region=p.default_phone_region,
                time_zone=None if p.time_zone == "UTC" else p.time_zone,
                business_hours=None if p.business_hours == (DEFAULT_START, DEFAULT_END) else "-".join(p.business_hours),
                slack_enabled=p.slack_enabled,
                telegram_enabled=p.telegram_enabled,
                buyer_channels={k: list(v) for k, v in p.buyer_channels.items()},
                disabled_audiences={k: list(v) for k, v in p.disabled_audiences.items()},
                publisher_sources=_listed(p.publishers.sources if p.publishers else None),
                publisher_accounts=_listed(p.publishers.accounts if p.publishers else None),
                sms_latin=True if p.sms_latin else None,
                branding=(p.branding.as_dict() or None) if p.branding else None,
                reminders=json.dumps({k: dict(v) for k, v in p.reminders.items()}) if p.reminders else None,
                **_report_schedule(p, self.clock()),
            )
        ]
        for c in d.contacts:
            items.append(
                m.Contact(
                    org_id=org,
                    sk=contact_sk(c.contact_id),
                    contact_id=c.contact_id,
                    name=c.name,
                    position=c.position,
                    locale=c.locale,
                    emails=[m.EmailAddress(address=e.value, kind=e.kind) for e in c.emails],
                    phones=[m.PhoneNumber(number=t.value, kind=t.kind) for t in c.phones],
                    telegram=c.telegram,
                    consent=dict(c.consent),
                    notify=c.notify,
                    time_zone=c.time_zone,
                )
            )
        for mb in d.members:
            items.append(
                m.Member(
                    org_id=org,
                    sk=member_sk(mb.user_id),
                    user_id=mb.user_id,
                    **_reach(mb),
                    roles=list(mb.roles),
                    permissions=list(mb.permissions),
                )
            )
        for g in d.grants:
            items.append(
                m.Grant(
                    org_id=org, sk=grant_sk(g.permission, g.user_id), permission=g.permission, user_id=g.user_id,
                    **_reach(g),
                )
            )  # fmt: skip
        for cl in d.clients:
            items.append(
                m.Client(
                    org_id=org,
                    sk=client_sk(cl.client_id),
                    client_id=cl.client_id,
                    name=cl.name,
                    account_manager=cl.account_manager,
                    caretakers={k: list(v) for k, v in cl.caretakers.items()},
                    contact_ids=list(cl.contact_ids),
                )
            )
        for e in d.endpoints:
            items.append(
                m.Endpoint(
                    org_id=org,
                    sk=endpoint_sk(e.endpoint_id),
                    endpoint_id=e.endpoint_id,
                    url=e.url,
                    description=e.description,
                    enabled=e.enabled,
                    secret_parameter=e.secret_parameter,
                    event_types=None if e.event_types is None else list(e.event_types),
                    retry_unanswered=e.retry_unanswered,
                )
            )
        for s in d.subscriptions:
            items.append(
                m.Subscription(
                    org_id=org,
                    sk=subscription_sk(s.group, s.scope),
                    group=s.group,
                    scope=s.scope,
                    channels={k: list(v) for k, v in s.channels.items()},
                    addresses={k: list(v) for k, v in s.addresses.items()},
                )
            )
        return items

    def _value(self, item: Any) -> Any:
        m = self.m
        if isinstance(item, m.Profile):
            return OrgProfile(
                name=item.name,
                locale=item.locale or "en",
                email_from=item.email_from,
                default_phone_region=item.default_phone_region,
                time_zone=item.time_zone or "UTC",
                business_hours=_hours(item.business_hours),
                slack_enabled=bool(item.slack_enabled),
                telegram_enabled=bool(item.telegram_enabled),
                buyer_channels=_tuples(item.buyer_channels),
                disabled_audiences=_tuples(item.disabled_audiences),
                publishers=None
                if item.publisher_sources is None
                else Publishers(
                    sources=_strs(item.publisher_sources),
                    accounts=None if item.publisher_accounts is None else _strs(item.publisher_accounts),
                ),
                sms_latin=bool(item.sms_latin),
                branding=_branding(item.branding),
                reminders=json.loads(item.reminders) if item.reminders else {},
                activity_reports=json.loads(item.activity_reports) if item.activity_reports else {},
            )
        if isinstance(item, m.Contact):
            return Contact(
                contact_id=item.contact_id,
                name=item.name,
                position=item.position,
                locale=item.locale,
                emails=tuple(Tagged(e.address, e.kind) for e in item.emails or []),
                phones=tuple(Tagged(p.number, p.kind) for p in item.phones or []),
                telegram=item.telegram,
                consent={k: bool(v) for k, v in _as_dict(item.consent).items()},
                notify=bool(item.notify),
                time_zone=item.time_zone,
            )
        if isinstance(item, m.Endpoint):
            return WebhookEndpoint(
                endpoint_id=item.endpoint_id,
                url=item.url,
                secret_parameter=item.secret_parameter,
                description=item.description,
                enabled=bool(item.enabled),
                event_types=None if item.event_types is None else _strs(item.event_types),
                retry_unanswered=bool(item.retry_unanswered),
                failing_since=item.failing_since,
                last_success_at=item.last_success_at,
                disabled_reason=item.disabled_reason,
                disabled_at=item.disabled_at,
            )
        if isinstance(item, m.Subscription):
            return Subscription(
                group=item.group,
                scope=item.scope,
                channels=_tuples(item.channels),
                addresses=_tuples(item.addresses),
            )
        if isinstance(item, m.Member):
            return Member(
                user_id=item.user_id,
                **_reach(item),
                roles=_strs(item.roles),
                permissions=_strs(item.permissions),
            )
        if isinstance(item, m.Grant):
            return PermissionGrant(permission=item.permission, user_id=item.user_id, **_reach(item))
        if isinstance(item, m.Client):
            return Client(
                client_id=item.client_id,
                name=item.name,
                account_manager=item.account_manager,
                caretakers=_tuples(item.caretakers),
                contact_ids=_strs(item.contact_ids),
            )
        if isinstance(item, m.Template):
            return self._template(item)
        if isinstance(item, m.TemplateIndex):
            return frozenset(_strs(item.overrides))
        raise ValueError(f"unknown settings item kind {type(item).__name__}")

    @staticmethod
    def _template(item: Any) -> OrgTemplate:
        return OrgTemplate(
            org_id=item.org_id,
            event_type=item.event_type,
            channel=item.channel,
            locale=item.locale,
            source=item.source,
            version=int(item.version or 1),
            updated_at=item.updated_at,
            updated_by=item.updated_by,
        )

    # ----------------------------------------------------------------------------------- the org's templates
    def templates(self, org_id: str) -> list[OrgTemplate]:
        """The org's own templates, by key (one paged Query under the org's partition)."""
        return [self._template(i) for i in self._query(org_id, TEMPLATE_PREFIX) if isinstance(i, self.m.Template)]

    def template(self, org_id: str, override: str) -> OrgTemplate | None:
        try:
            item = self.m.Item.get(org_id, template_sk(override), consistent_read=True)
        except self.m.Item.DoesNotExist:
            return None
        return self._template(item) if isinstance(item, self.m.Template) else None

    def templates_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], OrgTemplate]:
        """(org id, override) -> the template, for a sender's batch: one BatchGetItem (each key names its org)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        found = self._batch_get([(org, template_sk(o)) for org, o in wanted])
        values = [self._template(i) for i in found if isinstance(i, self.m.Template)]
        return {(t.org_id, t.key): t for t in values}

    def put_template(self, t: OrgTemplate, *, replaces: int | None = None) -> bool:
        """Store the template and name it in the org's index, in one transaction (routing never sees one without
        the other). ``replaces``: the version the caller edited (0: none may exist yet); False if it changed since."""
        m = self.m
        item = m.Template(
            org_id=t.org_id, sk=template_sk(t.key), event_type=t.event_type, channel=t.channel, locale=t.locale,
            source=t.source, version=t.version, updated_at=t.updated_at, updated_by=t.updated_by,
        )  # fmt: skip
        condition: Any = None
        if replaces == 0:
            condition = m.Item.sk.does_not_exist()
        elif replaces is not None:
            condition = m.Template.version == replaces
        index = m.TemplateIndex(org_id=t.org_id, sk=INDEX_SK)
        added: list[Any] = [m.TemplateIndex.overrides.add({t.key}), m.TemplateIndex.kind.set(m.TemplateIndex)]
        try:
            with TransactWrite(connection=_connection(m)) as tx:
                tx.save(item, condition=condition)
                tx.update(index, actions=added)
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise
        return True

    def delete_template(self, org_id: str, override: str) -> bool:
        """Remove it and its name from the index; False when the org has no such template."""
        m = self.m
        try:
            with TransactWrite(connection=_connection(m)) as tx:
                tx.delete(m.Template(org_id=org_id, sk=template_sk(override)), condition=m.Item.sk.exists())
                tx.update(
                    m.TemplateIndex(org_id=org_id, sk=INDEX_SK), actions=[m.TemplateIndex.overrides.delete({override})]
                )
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise
        return True

    def _collect(self, settings: OrgSettings, items: Iterable[Any]) -> None:
        for item in items:
            value = self._value(item)
            if isinstance(value, OrgProfile):
                settings.profile = value
            elif isinstance(value, Contact):
                settings.contacts[value.contact_id] = value
            elif isinstance(value, WebhookEndpoint):
                settings.endpoints[value.endpoint_id] = value
            elif isinstance(value, Member):
                settings.members[value.user_id] = value
            elif isinstance(value, Client):
                settings.client = value
            elif isinstance(value, frozenset):
                settings.template_overrides = value

    def _query(self, org_id: str, prefix: str) -> list[Any]:
        # One call per 1 MB page: a permission held by 10,000 members is a couple of pages.
        return list(self.m.Item.query(org_id, self.m.Item.sk.startswith(prefix)))

    def _batch_get(self, keys: list[tuple[str, str]]) -> list[Any]:
        # PynamoDB pages BatchGetItem by 100 keys and retries unprocessed keys itself.
        return list(self.m.Item.batch_get(keys))


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    # An empty list is a choice (nobody may publish), stored as such: DynamoDB keeps empty lists.
    return None if values is None else list(values)


def _reach(m: Any) -> dict[str, Any]:
    """Who a member is and where to reach them: on the member item and copied into each of its grants."""
    return {
        "name": m.name,
        "email": m.email,
        "phone": m.phone,
        "telegram": m.telegram,
        "locale": m.locale,
        "time_zone": m.time_zone,
    }


def _hours(stored: str | None) -> tuple[str, str]:
    if not stored:
        return (DEFAULT_START, DEFAULT_END)
    start, _, end = stored.partition("-")
    return (start, end)


def _client_keys(org_id: str, client: Client, audiences: tuple[str, ...]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    if "client_contacts" in audiences:
        keys.update((org_id, contact_sk(c)) for c in client.contact_ids)
    if "account_manager" in audiences and client.account_manager:
        keys.add((org_id, member_sk(client.account_manager)))
    for department in _needs(audiences, "caretaker:"):
        keys.update((org_id, member_sk(u)) for u in client.caretakers_in(department))
    return keys


def _needs(audiences: Iterable[str], prefix: str) -> list[str]:
    return [a.split(":", 1)[1] for a in audiences if a.startswith(prefix)]


def _branding(value: Any) -> Branding | None:
    raw = value.as_dict() if isinstance(value, MapAttribute) else value
    if not raw:
        return None
    known = set(Branding.__dataclass_fields__)
    return Branding(**{k: str(v) for k, v in raw.items() if k in known})
