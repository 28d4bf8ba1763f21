"""``GET /console`` and its script: the static console page (``handlers.api.console_page``), served without the
authorizer (the page asks for a token itself; every call it makes carries one)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from notify_core.handlers.api.console_page import CSP, HTML, JS

router = Router()
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


@router.get(
    "/console",
    summary="The console page",
    tags=["console"],
    security=[],
    responses={200: {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def console() -> Response[str]:
    return Response(200, "text/html; charset=utf-8", HTML, headers=HEADERS)


@router.get(
    "/console/app.js",
    summary="The console page's script",
    tags=["console"],
    security=[],
    responses={200: {"description": "the script", "content": {"text/javascript": {"schema": {"type": "string"}}}}},
)
def console_script() -> Response[str]:
    return Response(200, "text/javascript; charset=utf-8", JS, headers=HEADERS)
