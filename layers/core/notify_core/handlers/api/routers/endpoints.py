"""Webhook endpoints: their health, enable / disable, and the recent deliveries to each with their attempts.

Secrets are set through the settings document or rotated here (SSM; a new one is answered once, never again); a
test ping goes through the webhook sender. A route per endpoint's definition is not built yet (README "Admin API").
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from notify_core.handlers.api.models import (
    Delivery,
    EndpointDeliveryPage,
    EndpointSwitch,
    PingResult,
    RotateSecret,
    SecretRotation,
    WebhookEndpoint,
    WebhookEndpointPage,
)
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org, service
from notify_core.handlers.api.routers.deliveries import delivery_body

router = Router()
EndpointId = Annotated[str, Path(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@-]+$")]


def _endpoint(e: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=e.endpoint_id,
        url=e.url,
        description=e.description,
        enabled=e.enabled,
        event_types=None if e.event_types is None else list(e.event_types),
        retry_unanswered=e.retry_unanswered,
        failing_since=e.failing_since,
        last_success_at=e.last_success_at,
        disabled_reason=e.disabled_reason,
        disabled_at=e.disabled_at,
    )


@router.get(
    "/orgs/<org_id>/webhook-endpoints",
    summary="The org's webhook endpoints and their health",
    tags=["webhooks"],
    responses={**OK, **ERRORS},
)
def list_endpoints(org_id: OrgId, limit: LimitQ = 50, cursor: CursorQ = None) -> WebhookEndpointPage:
    page = service(router).endpoints(org(router, org_id), limit=limit, cursor=cursor)
    return WebhookEndpointPage(items=[_endpoint(e) for e in page["items"]], next_cursor=page["next_cursor"])


@router.put(
    "/orgs/<org_id>/webhook-endpoints/<endpoint_id>/enabled",
    summary="Enable or disable an endpoint",
    description="Admins only. Enabling clears its failure streak (as applying a document does); a disabled "
    "endpoint's deliveries are skipped with reason endpoint_disabled, and replays of them wait for it.",
    tags=["webhooks"],
    responses={**OK, **ERRORS},
)
def set_enabled(org_id: OrgId, endpoint_id: EndpointId, switch: Annotated[EndpointSwitch, Body()]) -> WebhookEndpoint:
    return _endpoint(service(router).set_endpoint_enabled(org(router, org_id), endpoint_id, switch.enabled))


@router.get(
    "/orgs/<org_id>/webhook-endpoints/<endpoint_id>/deliveries",
    summary="The endpoint's recent deliveries, newest first, each with its attempts",
    tags=["webhooks"],
    responses={**OK, **ERRORS},
)
def endpoint_deliveries(
    org_id: OrgId, endpoint_id: EndpointId, limit: LimitQ = 20, cursor: CursorQ = None
) -> EndpointDeliveryPage:
    page = service(router).endpoint_deliveries(org(router, org_id), endpoint_id, limit=limit, cursor=cursor)
    items = [Delivery.model_validate(delivery_body(r)) for r in page["items"]]
    return EndpointDeliveryPage(items=items, next_cursor=page["next_cursor"])


@router.post(
    "/orgs/<org_id>/webhook-endpoints/<endpoint_id>/rotate-secret",
    summary="A new signing secret; the current one keeps signing next to it for a grace period",
    description="Admins only. The new secret is answered this once (it goes to SSM, never back). Each delivery "
    "carries both signatures (webhook-signature: 'v1,<new> v1,<old>') from signs_from until previous_signs_until, "
    "then the new one's only: switch the receiver to the new secret in between. 409 while the previous rotation's "
    "secret still signs.",
    tags=["webhooks"],
    responses={**OK, 409: {"description": "the previous rotation's grace period is still running"}, **ERRORS},
)
def rotate_secret(org_id: OrgId, endpoint_id: EndpointId, rotation: Annotated[RotateSecret, Body()]) -> SecretRotation:
    answer = service(router).rotate_secret(org(router, org_id), endpoint_id, rotation.grace_hours * 3600)
    return SecretRotation.model_validate(answer)


@router.post(
    "/orgs/<org_id>/webhook-endpoints/<endpoint_id>/ping",
    summary="Send a signed webhook.ping to the endpoint and answer what it answered",
    description="Admins only. The ping goes the way every webhook goes (the webhook queue and its sender: the SSRF "
    "check, every current signature) and is tried once: no retries, no alert, the endpoint's health unchanged. "
    "Answers within about 10 s; status queued when the sender has not answered by then (read the delivery later).",
    tags=["webhooks"],
    responses={**OK, **ERRORS},
)
def ping(org_id: OrgId, endpoint_id: EndpointId) -> PingResult:
    return PingResult.model_validate(service(router).ping(org(router, org_id), endpoint_id))
