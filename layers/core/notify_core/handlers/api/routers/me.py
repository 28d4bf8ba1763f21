"""The calling person's own preferences: the email switch that spans every org they belong to (docs/products.md §1)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from notify_core.handlers.api.models import EmailSwitch, Me
from notify_core.handlers.api.routers._common import ERRORS, OK, caller, service

router = Router()


@router.get("/me", summary="Who the token says you are, and your email switch", tags=["me"], responses={**OK, **ERRORS})
def get_me() -> Me:
    return Me.model_validate(service(router).me(caller(router)))


@router.put(
    "/me/email",
    summary="Switch email on or off in every org you belong to",
    description="In-app messages keep coming; only email stops (or starts again).",
    tags=["me"],
    responses={**OK, **ERRORS},
)
def put_email(switch: Annotated[EmailSwitch, Body()]) -> Me:
    return Me.model_validate(service(router).set_email(caller(router), switch.enabled))
