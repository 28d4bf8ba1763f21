"""An org's own templates per event type x channel x locale: list, read, save (checked: syntax, names against the
catalog, SMS budget, size, the sandbox), delete (the platform's template again), preview, and a test send to the
caller's own email address (``services.org_templates``)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from notify_core.domain.template_overrides import OrgTemplate
from notify_core.handlers.api.models import (
    OrgTemplateBody,
    OrgTemplatePage,
    OrgTemplateSummary,
    Preview,
    PreviewRequest,
    TemplateSource,
    TestSend,
)
from notify_core.handlers.api.routers._common import ERRORS, OK, CursorQ, LimitQ, OrgId, org
from notify_core.services.org_templates import TemplatesAdmin, etag

router = Router()
EventTypeP = Annotated[str, Path(min_length=3, max_length=100, pattern=r"^[a-z_]+\.[a-z_]+$", description="event type")]
ChannelP = Annotated[str, Path(pattern=r"^(email|sms)$", description="email or sms")]
LocaleP = Annotated[str, Path(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="ru, or ru-BY")]
IfMatch = Annotated[str | None, Header(alias="if-match", max_length=200)]
PATH = "/orgs/<org_id>/templates/<event_type>/<channel>/<locale>"


def _templates() -> TemplatesAdmin:
    templates: TemplatesAdmin = router.context["templates"]
    return templates


def _summary(t: OrgTemplate) -> dict[str, Any]:
    return {
        "event_type": t.event_type,
        "channel": t.channel,
        "locale": t.locale,
        "version": t.version,
        "updated_at": t.updated_at,
        "updated_by": t.updated_by,
    }


def _body(t: OrgTemplate) -> dict[str, Any]:
    return OrgTemplateBody(**_summary(t), source=t.source).model_dump(mode="json")


@router.get("/orgs/<org_id>/templates", summary="The org's own templates", tags=["templates"],
            responses={**OK, **ERRORS})  # fmt: skip
def list_templates(org_id: OrgId, limit: LimitQ = 50, cursor: CursorQ = None) -> OrgTemplatePage:
    page = _templates().list(org(router, org_id), limit=limit, cursor=cursor)
    items = [OrgTemplateSummary(**_summary(t)) for t in page["items"]]
    return OrgTemplatePage(items=items, next_cursor=page["next_cursor"])


@router.get(
    PATH,
    summary="One of the org's own templates, with its ETag",
    tags=["templates"],
    responses={**ERRORS, 200: {"description": "the template",
                               "content": {"application/json": {"model": OrgTemplateBody}}}},
)  # fmt: skip
def get_template(org_id: OrgId, event_type: EventTypeP, channel: ChannelP, locale: LocaleP) -> Response[Any]:
    t = _templates().get(org(router, org_id), event_type, channel, locale)
    return Response(200, "application/json", _body(t), headers={"ETag": etag(t)})


@router.put(
    PATH,
    summary="Save the org's own template of this event type, channel and locale",
    description="Admins only. Checked before it is stored, each problem a field-level 400: Jinja syntax, the "
    "channel's blocks, names the template context has (event, data, org, recipient, delivery_id, reasons, "
    "unsubscribe_url), data fields of the event type's schema, no attribute starting with '_', a render with the "
    "catalog's example, and for SMS its segment budget. If-Match (the ETag of a GET) makes the save fail with 409 "
    "when someone saved in between. Deliveries routed from then on use it.",
    tags=["templates"],
    responses={**ERRORS, 200: {"description": "replaced"}, 201: {"description": "created",
               "content": {"application/json": {"model": OrgTemplateBody}}},
               409: {"description": "changed since the If-Match version"}},
)  # fmt: skip
def put_template(
    org_id: OrgId,
    event_type: EventTypeP,
    channel: ChannelP,
    locale: LocaleP,
    body: Annotated[TemplateSource, Body()],
    if_match: IfMatch = None,
) -> Response[Any]:
    t, created = _templates().put(org(router, org_id), event_type, channel, locale, body.source, if_match=if_match)
    return Response(201 if created else 200, "application/json", _body(t), headers={"ETag": etag(t)})


@router.delete(
    PATH,
    summary="Remove the org's own template: the platform's is used again",
    description="Admins only.",
    tags=["templates"],
    responses={204: {"description": "removed"}, **ERRORS},
)
def delete_template(org_id: OrgId, event_type: EventTypeP, channel: ChannelP, locale: LocaleP) -> Response[None]:
    _templates().delete(org(router, org_id), event_type, channel, locale)
    return Response(204)


@router.post(
    PATH + "/preview",
    summary="Render a template as a delivery would",
    description="The posted source (checked as a save is), else the org's saved template, else the platform's; "
    "with the posted data (checked against the event type's schema) or the catalog's example. Email answers "
    "subject, text and the HTML in the platform's layout; SMS the text with its segments and encoding.",
    tags=["templates"],
    responses={**OK, **ERRORS},
)
def preview_template(
    org_id: OrgId,
    event_type: EventTypeP,
    channel: ChannelP,
    locale: LocaleP,
    body: Annotated[PreviewRequest, Body()],
) -> Preview:
    answer = _templates().preview(org(router, org_id), event_type, channel, locale, source=body.source, data=body.data)
    return Preview.model_validate(answer)


@router.post(
    PATH + "/test",
    summary="Send this event type's example email to yourself",
    description="Admins only, email only: one delivery to your own member address in this org, through the "
    "normal email sender with the org's template of this locale if it has one, recorded in the delivery log.",
    tags=["templates"],
    responses={**ERRORS, 202: {"description": "queued", "content": {"application/json": {"model": TestSend}}}},
)  # fmt: skip
def test_send(org_id: OrgId, event_type: EventTypeP, channel: ChannelP, locale: LocaleP) -> Response[Any]:
    answer = _templates().test_send(org(router, org_id), event_type, channel, locale)
    return Response(202, "application/json", TestSend.model_validate(answer).model_dump(mode="json"))
