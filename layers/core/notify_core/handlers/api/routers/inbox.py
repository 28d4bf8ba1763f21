"""The calling member's in-app inbox in one org: newest first, unread count, mark read / all read."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from notify_core.domain.admin_api import NotFound
from notify_core.handlers.api.models import InboxItem, InboxPage, Marked, Unread
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org, service

router = Router()
ItemId = Annotated[str, Path(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_-]+$")]


def item_id(sk: str) -> str:
    """The item's sort key (``<occurred_at>#<delivery_id>``) as a path-safe opaque id."""
    return base64.urlsafe_b64encode(sk.encode()).decode().rstrip("=")


def _sort_key(item: str) -> str:
    try:
        return base64.urlsafe_b64decode(item + "=" * (-len(item) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound(f"no inbox item {item!r}") from None


def _item(i: Any) -> InboxItem:
    return InboxItem(
        id=item_id(i.sk),
        delivery_id=i.delivery_id,
        event_id=i.event_id,
        event_type=i.event_type,
        title=i.title,
        body=i.body,
        read=bool(i.read),
        created_at=i.created_at,
        reasons=[str(r) for r in i.reasons or ()],
    )


@router.get(
    "/orgs/<org_id>/inbox", summary="Your in-app messages, newest first", tags=["inbox"], responses={**OK, **ERRORS}
)
def list_inbox(
    org_id: OrgId,
    unread_only: Annotated[bool, Query()] = False,
    limit: LimitQ = 20,
    cursor: CursorQ = None,
) -> InboxPage:
    page = service(router).inbox_page(org(router, org_id), limit=limit, cursor=cursor, unread_only=unread_only)
    return InboxPage(items=[_item(i) for i in page["items"]], next_cursor=page["next_cursor"])


@router.get(
    "/orgs/<org_id>/inbox/unread-count", summary="How many are unread", tags=["inbox"], responses={**OK, **ERRORS}
)
def unread_count(org_id: OrgId) -> Unread:
    return Unread(unread=service(router).unread(org(router, org_id)))


@router.post(
    "/orgs/<org_id>/inbox/<item>/read", summary="Mark one message read", tags=["inbox"], responses={**OK, **ERRORS}
)
def mark_read(org_id: OrgId, item: ItemId) -> Marked:
    service(router).mark_read(org(router, org_id), _sort_key(item))
    return Marked(marked=1)


@router.post(
    "/orgs/<org_id>/inbox/read-all", summary="Mark every message read", tags=["inbox"], responses={**OK, **ERRORS}
)
def mark_all_read(org_id: OrgId) -> Marked:
    return Marked(marked=service(router).mark_all_read(org(router, org_id)))
