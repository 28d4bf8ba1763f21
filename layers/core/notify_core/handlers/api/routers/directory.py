"""Members and contacts of the org: listed by any member, changed by an admin (each edit is checked as a whole
settings document would be)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, ConfigDict

from notify_core.domain.settings_document import ContactDoc, MemberDoc
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org, service

router = Router()
EntryId = Annotated[str, Path(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@-]+$")]


class MemberPage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[MemberDoc]
    next_cursor: str | None = None


class ContactPage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ContactDoc]
    next_cursor: str | None = None


@router.get(
    "/orgs/<org_id>/members", summary="The org's members, by user id", tags=["directory"], responses={**OK, **ERRORS}
)
def list_members(org_id: OrgId, limit: LimitQ = 50, cursor: CursorQ = None) -> MemberPage:
    page = service(router).list_entries(org(router, org_id), "members", limit=limit, cursor=cursor)
    return MemberPage.model_validate(page)


@router.put(
    "/orgs/<org_id>/members/<user_id>",
    summary="Add or replace a member",
    description="Admins only. roles: [admin] makes a service administrator; the last admin cannot be demoted (409).",
    tags=["directory"],
    responses={**OK, **ERRORS, 409: {"description": "the org would have no admin left"}},
)
def put_member(org_id: OrgId, user_id: EntryId, member: Annotated[MemberDoc, Body()]) -> MemberDoc:
    entry = service(router).put_entry(
        org(router, org_id), "members", user_id, member.model_dump(mode="json", exclude_unset=True)
    )
    return MemberDoc.model_validate(entry)


@router.delete(
    "/orgs/<org_id>/members/<user_id>",
    summary="Remove a member",
    tags=["directory"],
    responses={204: {"description": "removed"}, **ERRORS, 409: {"description": "the last admin, or still named"}},
)
def delete_member(org_id: OrgId, user_id: EntryId) -> Response[None]:
    service(router).delete_entry(org(router, org_id), "members", user_id)
    return Response(204)


@router.get(
    "/orgs/<org_id>/contacts", summary="The org's contacts, by id", tags=["directory"], responses={**OK, **ERRORS}
)
def list_contacts(org_id: OrgId, limit: LimitQ = 50, cursor: CursorQ = None) -> ContactPage:
    page = service(router).list_entries(org(router, org_id), "contacts", limit=limit, cursor=cursor)
    return ContactPage.model_validate(page)


@router.put(
    "/orgs/<org_id>/contacts/<contact_id>",
    summary="Add or replace a contact",
    description="Admins only. Every address is checked (the message names which one is wrong).",
    tags=["directory"],
    responses={**OK, **ERRORS},
)
def put_contact(org_id: OrgId, contact_id: EntryId, contact: Annotated[ContactDoc, Body()]) -> ContactDoc:
    entry = service(router).put_entry(
        org(router, org_id), "contacts", contact_id, contact.model_dump(mode="json", exclude_unset=True)
    )
    return ContactDoc.model_validate(entry)


@router.delete(
    "/orgs/<org_id>/contacts/<contact_id>",
    summary="Remove a contact",
    description="Admins only. A contact still chosen in a subscription cell or named by a client is refused (409).",
    tags=["directory"],
    responses={204: {"description": "removed"}, **ERRORS, 409: {"description": "still chosen somewhere"}},
)
def delete_contact(org_id: OrgId, contact_id: EntryId) -> Response[None]:
    service(router).delete_entry(org(router, org_id), "contacts", contact_id)
    return Response(204)
