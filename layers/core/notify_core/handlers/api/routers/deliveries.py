"""The delivery log: filters, one delivery with its attempts, replay (one, or a window of failures), the SMS report."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from notify_core.domain.delivery import REPLAYABLE, DeliveryRecord
from notify_core.handlers.api.models import (
    Channel,
    Delivery,
    DeliveryPage,
    DeliverySummary,
    ReplayResult,
    ReplayWindow,
    Status,
)
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org, service
from notify_core.services.reports import SMS_COLUMNS, to_csv

router = Router()
DeliveryId = Annotated[str, Path(pattern=r"^dlv_[0-9a-f]{1,64}$", description="a delivery id (dlv_...)")]


def _summary(r: DeliveryRecord) -> dict[str, Any]:
    return {
        "delivery_id": r.delivery_id,
        "channel": r.channel,
        "address": r.address,
        "status": r.status,
        "event_id": r.event_id,
        "event_type": r.event_type,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "recipient_name": r.recipient_name,
        "endpoint_id": r.endpoint_id,
        "reasons": list(r.reasons),
        "error_code": r.error_code,
        "error_detail": r.error_detail,
        "attempt_count": r.attempt_count,
        "replay_count": r.replay_count,
        "replayable": r.status in REPLAYABLE and bool(r.payload),
    }


@router.get(
    "/orgs/<org_id>/deliveries",
    summary="The delivery log, newest first",
    description="Filters combine: channel, status, event_type, recipient (an email address, a +phone or a webhook "
    "URL, normalised as the router does), and a created_at range (a bare date in `to` includes the day).",
    tags=["deliveries"],
    responses={**OK, **ERRORS},
)
def list_deliveries(
    org_id: OrgId,
    channel: Annotated[Channel | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
    recipient: Annotated[str | None, Query(max_length=1024)] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}.*$", max_length=40)] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}.*$", max_length=40)] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> DeliveryPage:
    page = service(router).deliveries_page(
        org(router, org_id),
        channel=channel,
        status=status,
        event_type=event_type,
        recipient=recipient,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        cursor=cursor,
    )
    items = [DeliverySummary.model_validate(_summary(r)) for r in page["items"]]
    return DeliveryPage(items=items, next_cursor=page["next_cursor"])


@router.get(
    "/orgs/<org_id>/deliveries/<delivery_id>",
    summary="One delivery with its attempts",
    tags=["deliveries"],
    responses={**OK, **ERRORS},
)
def get_delivery(org_id: OrgId, delivery_id: DeliveryId) -> Delivery:
    r = service(router).delivery(org(router, org_id), delivery_id)
    attempts = [a.__dict__ for a in r.attempts]
    return Delivery.model_validate({**_summary(r), "attempts": attempts})


@router.post(
    "/orgs/<org_id>/deliveries/<delivery_id>/replay",
    summary="Replay one dead, failed or unknown delivery",
    description="Admins only. The same delivery id goes back on its queue; a delivery that was sent (or skipped) is "
    "never sent again: it comes back under `skipped` with the reason.",
    tags=["deliveries"],
    responses={**OK, **ERRORS},
)
def replay_one(org_id: OrgId, delivery_id: DeliveryId) -> ReplayResult:
    return ReplayResult.model_validate(service(router).replay_one(org(router, org_id), delivery_id))


@router.post(
    "/orgs/<org_id>/replays",
    summary="Replay every dead/failed/unknown delivery of a window",
    description="Admins only. Same rule as one replay, for each delivery created in [since, until].",
    tags=["deliveries"],
    responses={**OK, **ERRORS},
)
def replay_window(org_id: OrgId, window: Annotated[ReplayWindow, Body()]) -> ReplayResult:
    result = service(router).replay_window(
        org(router, org_id),
        since=window.since,
        until=window.until,
        channel=window.channel,
        endpoint_id=window.endpoint_id,
        statuses=window.statuses,
    )
    return ReplayResult.model_validate(result)


@router.get(
    "/orgs/<org_id>/reports/sms",
    summary='The "Sent SMS" report (docs/products.md §2) as CSV',
    tags=["deliveries"],
    responses={**ERRORS, 200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def sms_report(
    org_id: OrgId,
    date_from: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}.*$", max_length=40)],
    date_to: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}.*$", max_length=40)],
) -> Response[str]:
    rows = service(router).sms_report(org(router, org_id), date_from, date_to)
    return Response(200, "text/csv; charset=utf-8", to_csv(rows, SMS_COLUMNS))
