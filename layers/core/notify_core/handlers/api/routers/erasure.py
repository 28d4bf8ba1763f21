"""Erasure: forget one person in the org (``services.erasure``; README "Erasure")."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from notify_core.handlers.api.models import ErasureReport, ErasureRequest
from notify_core.handlers.api.routers._common import ERRORS, OK, OrgId, org, service

router = Router()


@router.post(
    "/orgs/<org_id>/erasure",
    summary="Forget a person in this org (right to be forgotten)",
    description="Admins only. Name exactly one of email, phone or user_id. Every contact and member of the org "
    "holding it leaves the settings with all their addresses; those addresses are anonymised in the delivery log "
    "and suppressed for the org as a hash (messages already queued are refused); their inbox is deleted. Answers "
    "what it touched; running it again answers zeros. 409 when it would remove the last administrator.",
    tags=["erasure"],
    responses={**OK, 409: {"description": "it would leave the org without an administrator"}, **ERRORS},
)
def erase(org_id: OrgId, request: Annotated[ErasureRequest, Body()]) -> ErasureReport:
    report = service(router).erase(
        org(router, org_id), email=request.email, phone=request.phone, user_id=request.user_id
    )
    return ErasureReport.model_validate(report)
