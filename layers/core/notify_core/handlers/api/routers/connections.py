"""The org's Slack and Telegram connections: set (the Slack incoming-webhook URL, the Telegram bot token: both go to
SSM through the settings document's apply and are never answered back), switch on / off, test (a message through
the chat sender, tried once: ``domain.probes``), remove."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from notify_core.domain.settings_document import SlackDoc, TelegramDoc
from notify_core.handlers.api.models import Connections, ConnectionTest, PingResult
from notify_core.handlers.api.routers._common import ERRORS, OK, OrgId, org, service

router = Router()
Kind = Annotated[str, Path(pattern=r"^(slack|telegram)$")]


@router.get("/orgs/<org_id>/connections", summary="Slack and Telegram: on or off", tags=["connections"],
            responses={**OK, **ERRORS})  # fmt: skip
def get_connections(org_id: OrgId) -> Connections:
    return Connections.model_validate(service(router).connections(org(router, org_id)))


@router.put(
    "/orgs/<org_id>/connections/slack",
    summary="Connect Slack (an incoming-webhook URL) or switch it on / off",
    description="Admins only. The URL is a credential: it goes to SSM and is never answered back.",
    tags=["connections"],
    responses={**OK, **ERRORS},
)
def put_slack(org_id: OrgId, slack: Annotated[SlackDoc, Body()]) -> Connections:
    settings = slack.model_dump(mode="json", exclude_unset=True)
    return Connections.model_validate(service(router).set_connection(org(router, org_id), "slack", settings))


@router.put(
    "/orgs/<org_id>/connections/telegram",
    summary="Connect the org's Telegram bot (its token) or switch it on / off",
    description="Admins only. The bot token is a credential: it goes to SSM and is never answered back.",
    tags=["connections"],
    responses={**OK, **ERRORS},
)
def put_telegram(org_id: OrgId, telegram: Annotated[TelegramDoc, Body()]) -> Connections:
    settings = telegram.model_dump(mode="json", exclude_unset=True)
    return Connections.model_validate(service(router).set_connection(org(router, org_id), "telegram", settings))


@router.delete(
    "/orgs/<org_id>/connections/<kind>",
    summary="Remove a connection (nothing more goes to that Slack channel or bot)",
    description="Admins only. The stored secret stays in SSM until a new one replaces it (the API may write "
    "secrets, not delete them).",
    tags=["connections"],
    responses={204: {"description": "removed"}, **ERRORS},
)
def delete_connection(org_id: OrgId, kind: Kind) -> Response[None]:
    service(router).remove_connection(org(router, org_id), kind)
    return Response(204)


@router.post(
    "/orgs/<org_id>/connections/<kind>/test",
    summary="Send a test message through the Slack or Telegram connection and answer what the provider said",
    description="Admins only. Goes the way every chat message goes (the chat queue and its sender, with the secret "
    "in SSM), tried once. Telegram writes to chat_id, or to your member's own telegram chat. Answers within about "
    "10 s; status queued when the sender has not answered by then.",
    tags=["connections"],
    responses={**OK, **ERRORS},
)
def test_connection(org_id: OrgId, kind: Kind, test: Annotated[ConnectionTest, Body()]) -> PingResult:
    chat_id = None if test.chat_id is None else str(test.chat_id)
    return PingResult.model_validate(service(router).test_connection(org(router, org_id), kind, chat_id))
