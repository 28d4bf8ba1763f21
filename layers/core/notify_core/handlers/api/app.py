"""The admin API's resolver: routers per area, one error shape, the OpenAPI document generated from the code.

Errors (``models.Error``): 400 with field-level messages (Powertools' request validation, mapped from its 422, and
the service's own checks), 401 (no verified claims), 403 (a member who may not write), 404 (also another org's
anything), 409, 413 (a body over ``API_MAX_BODY_BYTES``, refused before it is parsed), 428; API Gateway answers
401 itself for a bad token and 429 when its throttling applies. An unexpected failure answers 500 with the request
id only: the traceback goes to the log, never to the caller.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from notify_core.domain.admin_api import ApiError
from notify_core.handlers import unsubscribe_http
from notify_core.handlers.api.models import Error
from notify_core.handlers.api.routers import (
    connections,
    console,
    deliveries,
    directory,
    endpoints,
    erasure,
    inbox,
    me,
    public,
    quarantine,
    settings,
    subscriptions,
    templates,
)
from notify_core.observability import logger

# The API's version (the OpenAPI document's info.version). Bump the major for a change that removes or narrows
# something a client relies on; ``scripts/openapi.py --write`` refuses such a change otherwise.
API_VERSION = "1.0.0"
TITLE = "notify admin API"
PUBLIC_PREFIX = "/public"
ROUTERS = (settings.router, directory.router, subscriptions.router, me.router, deliveries.router, inbox.router,
           quarantine.router, endpoints.router, connections.router, erasure.router, templates.router)  # fmt: skip
PUBLIC_ROUTERS = (public.router, unsubscribe_http.router)  # /public/unsubscribe: RFC 8058 one-click
# Also served without the authorizer: the static console page and its script (``/console``, ``/console/*``).
CONSOLE_PATH = "/console"


def _error(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None) -> Response[str]:
    body = {"error": code, "message": message, "fields": fields or []}
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False))


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts)


def build_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in ROUTERS:
        app.include_router(router)
    for router in PUBLIC_ROUTERS:
        app.include_router(router, prefix=PUBLIC_PREFIX)
    app.include_router(console.router)

    @app.exception_handler(ApiError)
    def api_error(exc: ApiError) -> Response[str]:
        return _error(exc.status, exc.code, exc.message, exc.fields)

    @app.exception_handler(RequestValidationError)
    def invalid(exc: RequestValidationError) -> Response[str]:
        fields = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))[:500]} for e in exc.errors()]
        return _error(400, "invalid", "the request is not valid", fields)

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported(exc: Exception) -> Response[str]:
        return _error(415, "unsupported_media_type", "send the body as application/json")

    allowed = _methods_by_route(app)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        path = app.current_event.path
        methods = sorted({m for pattern, ms in allowed for m in ms if pattern.fullmatch(path)})
        if methods:
            response = _error(405, "method_not_allowed", f"{path} takes {', '.join(methods)}")
            response.headers["Allow"] = ", ".join(methods)
            return response
        return _error(404, "not_found", "no such route")

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[str]:
        logger.exception("admin API request failed")
        request_id = app.current_event.request_context.request_id
        return _error(500, "internal", f"something went wrong on our side (request {request_id})")

    return app


def _methods_by_route(app: APIGatewayHttpResolver) -> list[tuple[re.Pattern[str], set[str]]]:
    """Each route's path as a pattern, with its methods: a known path asked with another method is a 405."""
    found: dict[str, set[str]] = {}
    for route in app._dynamic_routes + app._static_routes:  # the resolver's own table (no public accessor)
        found.setdefault(route.rule.pattern, set()).add(route.method)
    return [(re.compile(pattern), methods) for pattern, methods in found.items()]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the code (committed as ``schemas/openapi.json``; a test keeps them equal)."""
    # Only the document needs the OpenAPI models (~180 ms of imports): the Lambda never builds it.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = build_app()
    security_schemes = {"cognito": HTTPBearer(bearerFormat="JWT", description="a Cognito access token (user pool)")}
    doc = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=API_VERSION,
            description="Configure and inspect the notification platform per org. Every route but /public/* needs "
            "a Cognito access token (Authorization: Bearer ...); what a caller may do in an org comes from that "
            "org's members (admin writes, every member reads); an org you do not belong to answers 404.",
            security_schemes=security_schemes,  # type: ignore[arg-type]
            security=[{"cognito": []}],
        )
    )
    return _as_answered(doc)


def _as_answered(doc: dict[str, Any]) -> dict[str, Any]:
    """What the API really answers: every 4xx/5xx is ``Error`` (request validation is a 400, never the 422
    Powertools documents) unless the route documents a page, a 204 has no body, and ``/public/*`` needs no token."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    error = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error.pop("$defs", {}))
    schemas["Error"] = error
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["GatewayMessage"] = {
        "type": "object",
        "title": "GatewayMessage",
        "description": "what API Gateway answers itself (its authorizer's 401, its throttling's 429)",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    }
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    either = {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/Error"},
                                                        {"$ref": "#/components/schemas/GatewayMessage"}]}}}  # fmt: skip
    for path, ops in doc["paths"].items():
        for op in ops.values():
            responses = op.get("responses", {})
            responses.pop("422", None)
            for status, response in responses.items():
                if int(status) >= 400 and "text/html" not in response.get("content", {}):
                    response["content"] = either if int(status) in (401, 413, 429, 500) else body
                elif int(status) == 204:
                    response.pop("content", None)
            if path.startswith(PUBLIC_PREFIX + "/") or path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/"):
                op["security"] = []
    return doc
