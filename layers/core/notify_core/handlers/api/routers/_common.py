"""What every authenticated route needs: the service, the verified caller and their access to the org."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from notify_core.domain.admin_api import Access, Caller, Unauthorized
from notify_core.services.admin_api import AdminApi

OrgId = Annotated[str, Path(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@-]+$", description="the org")]
LimitQ = Annotated[int, Query(ge=1, le=100, description="items per page")]
CursorQ = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]

# What a route that answers 4xx documents (every route may answer these; the API's own errors use ``Error``).
# (``app.openapi_document`` gives every 4xx/5xx the ``Error`` body.)
OK: dict[int, OpenAPIResponse] = {200: {"description": "OK"}}
ERRORS: dict[int, OpenAPIResponse] = {
    400: {"description": "invalid request (field-level messages)"},
    401: {"description": "no valid token (API Gateway's authorizer answers it)"},
    403: {"description": "a member who may not write, or a token that may not do this"},
    404: {"description": "not found (also: an org the caller does not belong to, and its resources)"},
    413: {"description": "the body is too large"},
    429: {"description": "throttled (API Gateway's stage limits)"},
    500: {"description": "our failure: the message carries the request id, never details"},
}


def service(router: Router) -> AdminApi:
    api: AdminApi = router.context["api"]
    return api


def caller(router: Router) -> Caller:
    """From the claims API Gateway's JWT authorizer verified (``requestContext.authorizer.jwt``), never the request."""
    event: Any = router.current_event  # an APIGatewayProxyEventV2 (this resolver's event type)
    jwt = event.request_context.authorizer.get("jwt")
    if not isinstance(jwt, dict):
        raise Unauthorized("no verified token")
    return Caller.from_claims(jwt.get("claims"), jwt.get("scopes"))


def org(router: Router, org_id: str) -> Access:
    return service(router).access(caller(router), org_id)
