"""The settings document: export and import ("copy data", products.md §3), the same as ``notify settings apply``."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query

from notify_core.domain.settings_document import SettingsDocument
from notify_core.handlers.api.models import ImportResult
from notify_core.handlers.api.routers._common import ERRORS, OK, OrgId, caller, org, service

router = Router()


@router.get(
    "/orgs/<org_id>/settings",
    summary="Export the org's settings document",
    description="Secrets (webhook secrets, the Slack URL, the Telegram token) stay in SSM and are never returned. "
    "The ETag header goes back as If-Match on the import.",
    tags=["settings"],
    responses={
        **ERRORS,
        200: {"description": "the document", "content": {"application/json": {"model": SettingsDocument}}},
    },
)
def export_settings(org_id: OrgId) -> Response[Any]:
    access = org(router, org_id)
    doc, tag = service(router).export(access)
    return Response(200, "application/json", doc, headers={"ETag": tag})


@router.put(
    "/orgs/<org_id>/settings",
    summary="Import the org's settings document (replaces it), or list what would change",
    description="Admins only. With dry_run=true nothing is stored and no If-Match is needed. Otherwise If-Match "
    "must carry the ETag of the export the document was edited from: 409 when it changed since, 428 without it. "
    "A platform operator (Cognito group notify-operators) creates an org by importing its first document, which "
    "must name a member with roles [admin]; from then on the org is its members' alone.",
    tags=["settings"],
    responses={
        **OK,
        **ERRORS,
        409: {"description": "the document changed since it was read"},
        428: {"description": "no If-Match"},
    },
)
def import_settings(
    org_id: OrgId,
    document: Annotated[SettingsDocument, Body()],
    if_match: Annotated[str | None, Header(alias="if-match", max_length=200)] = None,
    dry_run: Annotated[bool, Query(description="only list the changes")] = False,
) -> ImportResult:
    body = document.model_dump(mode="json", exclude_unset=True)
    result = service(router).import_as(caller(router), org_id, body, if_match=if_match, dry_run=dry_run)
    return ImportResult.model_validate(result)
