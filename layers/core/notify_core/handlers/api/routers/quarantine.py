"""The org's quarantined events: refused for a reason, kept with it (the org's routing records)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from notify_core.handlers.api.models import QuarantinedEvent, QuarantinePage
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org, service

router = Router()


@router.get(
    "/orgs/<org_id>/quarantine",
    summary="Events of this org that were refused, with their reasons",
    description="Only events that named this org (and an event id) are here: a body that names no org stays in the "
    "platform's quarantine queue, which no org can read.",
    tags=["quarantine"],
    responses={**OK, **ERRORS},
)
def list_quarantine(org_id: OrgId, limit: LimitQ = 50, cursor: CursorQ = None) -> QuarantinePage:
    page = service(router).quarantined(org(router, org_id), limit=limit, cursor=cursor)
    items = [
        QuarantinedEvent(
            event_id=r.event_id,
            event_type=r.event_type,
            source=r.source,
            reason=r.reason,
            detail=r.detail,
            recorded_at=r.recorded_at,
        )
        for r in page["items"]
    ]
    return QuarantinePage(items=items, next_cursor=page["next_cursor"])
