"""Builders for unit tests: realistic EventBridge envelopes and in-memory org settings (no AWS)."""

from __future__ import annotations

import copy
from typing import Any

from notify_core.domain import catalog
from notify_core.domain.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.domain.org_settings import Contact, OrgProfile, OrgSettings, Subscription, Tagged, WebhookEndpoint

ORG_ID = "org-hutki"
PAID_OR_REVERSED = "payment.paid_or_reversed"

_SOURCES = {"payment": "payments", "refund": "payments.refunds", "invoice": "invoicing"}


def detail(
    event_type: str = "payment.paid",
    *,
    org_id: str = ORG_ID,
    event_id: str = "evt-0001",
    data: dict[str, Any] | None = None,
    service_id: str | None = None,
    point_id: str | None = None,
    recipients: list[dict[str, Any]] | None = None,
    locale: str | None = None,
    actor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    scope = {k: v for k, v in (("service_id", service_id), ("point_id", point_id)) if v}
    d: dict[str, Any] = {
        "org_id": org_id,
        "event_id": event_id,
        "occurred_at": "2026-03-01T10:15:00Z",
        "subject": {"type": event_type.split(".")[0], "id": "subj-981", "scope": scope},
        "data": copy.deepcopy(catalog.CATALOG[event_type].example) if data is None else data,
    }
    if recipients is not None:
        d["recipients"] = recipients
    if locale is not None:
        d["locale"] = locale
    if actor is not None:
        d["actor"] = actor
    return d


def envelope(event_type: str = "payment.paid", event_detail: Any = None, **detail_kwargs: Any) -> dict[str, Any]:
    """An EventBridge event as AWS delivers it to a rule target."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": event_type,
        "source": _SOURCES.get(event_type.split(".")[0], event_type.split(".")[0]),
        "account": "111122223333",
        "time": "2026-03-01T10:15:01Z",
        "region": "eu-central-1",
        "resources": [],
        "detail": detail(event_type, **detail_kwargs) if event_detail is None else event_detail,
    }


def product_event(event_type: str = "payment.paid", **detail_kwargs: Any) -> ProductEvent:
    """An event validated the way the router validates it: envelope, then contract, then data schema."""
    env = parse_envelope(envelope(event_type, **detail_kwargs))
    return validate_detail(env, catalog.CATALOG[event_type].data_model)


def profile(
    *,
    name: str = "Hutki Water",
    locale: str = "en",
    email_from: str | None = "billing@hutki.example",
    default_phone_region: str | None = "BY",
    **extra: Any,
) -> OrgProfile:
    return OrgProfile(
        name=name, locale=locale, email_from=email_from, default_phone_region=default_phone_region, **extra
    )


def contact(
    contact_id: str,
    *,
    name: str | None = None,
    emails: list[tuple[str, str]] | None = None,
    phones: list[tuple[str, str]] | None = None,
    locale: str | None = None,
    **extra: Any,
) -> Contact:
    """emails/phones: (value, kind) pairs, kind work|personal."""
    return Contact(
        contact_id=contact_id,
        name=name or contact_id.title(),
        locale=locale,
        emails=tuple(Tagged(a, k) for a, k in emails or []),
        phones=tuple(Tagged(n, k) for n, k in phones or []),
        **extra,
    )


def endpoint(
    endpoint_id: str, url: str, *, enabled: bool = True, org_id: str = ORG_ID, **extra: Any
) -> WebhookEndpoint:
    return WebhookEndpoint(
        endpoint_id=endpoint_id,
        url=url,
        enabled=enabled,
        secret_parameter=f"/notify/webhook-secrets/{org_id}/{endpoint_id}",
        **extra,
    )


def subscription(
    channels: dict[str, list[str]],
    *,
    group: str = PAID_OR_REVERSED,
    scope: str = "org",
    addresses: dict[str, list[str]] | None = None,
) -> Subscription:
    return Subscription(
        group=group,
        scope=scope,
        channels={k: tuple(v) for k, v in channels.items()},
        addresses={k: tuple(v) for k, v in (addresses or {}).items()},
    )


def settings(
    *,
    subscriptions: list[Subscription] | None = None,
    contacts: list[Contact] | None = None,
    endpoints: list[WebhookEndpoint] | None = None,
    org_profile: OrgProfile | None = None,
    no_profile: bool = False,
    org_id: str = ORG_ID,
) -> OrgSettings:
    """What SettingsReader.load_for_event returns: the group's subscriptions and what they name."""
    return OrgSettings(
        org_id=org_id,
        profile=None if no_profile else (org_profile or profile()),
        subscriptions=list(subscriptions or []),
        contacts={c.contact_id: c for c in contacts or []},
        endpoints={e.endpoint_id: e for e in endpoints or []},
    )
