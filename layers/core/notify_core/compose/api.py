"""The admin API (``functions/api``): API Gateway HTTP API events -> ``handlers.api`` -> ``services.admin_api``.

Built once per container from ``ApiSettings``. A body over ``API_MAX_BODY_BYTES`` is refused with 413 before the
resolver parses anything.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.adapters import ssm
from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_core.adapters.dynamodb.routing_table import RoutingTable
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.adapters.dynamodb.users_table import UsersTable
from notify_core.adapters.sqs import DeliveryQueues
from notify_core.compose import Env, lambda_handler
from notify_core.compose.unsubscribe import signing_key
from notify_core.config import ApiSettings
from notify_core.handlers import unsubscribe_http
from notify_core.handlers.api.app import PUBLIC_PREFIX, build_app
from notify_core.handlers.entry import Handler
from notify_core.observability import metrics
from notify_core.services.admin_api import AdminApi
from notify_core.services.erasure import Eraser
from notify_core.services.org_templates import TemplatesAdmin
from notify_core.services.replay import Replayer
from notify_core.services.reports import Reports
from notify_core.services.settings_admin import SettingsAdmin
from notify_core.services.unsubscribe import Unsubscriber


def service(s: ApiSettings, aws: AwsClients | None = None, clock: Callable[[], datetime] | None = None) -> AdminApi:
    aws = aws or AwsClients()
    settings = SettingsTable(s.settings_table, clock=clock)
    deliveries = DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days)
    names = ssm.SecretNames(webhook_prefix=s.webhook_secret_prefix, chat_prefix=s.chat_secret_prefix)
    documents = SettingsAdmin(store=settings, secrets=ssm.SecretWriter(aws("ssm")), names=names)
    inbox = InboxTable(s.inbox_table)
    queues = DeliveryQueues(aws("sqs"), s.delivery_queue_urls())
    return AdminApi(
        directory=settings,
        documents=documents,
        deliveries=deliveries,
        replays=Replayer(deliveries=deliveries, queues=queues, settings=settings),
        pings=queues,
        inbox=inbox,
        users=UsersTable(s.users_table),
        quarantine=RoutingTable(s.routing_table, retention_days=s.delivery_retention_days),
        reports=Reports(deliveries),
        secrets=ssm.SecretWriter(aws("ssm")),
        secret_names=names,
        secret_cache_s=s.webhook_secret_cache_s,
        erasure=Eraser(
            documents=documents,
            deliveries=deliveries,
            inbox=inbox,
            suppressions=SuppressionsTable(s.suppressions_table),
        ),
    )


def templates_service(s: ApiSettings, aws: AwsClients | None = None) -> TemplatesAdmin:
    aws = aws or AwsClients()
    return TemplatesAdmin(
        store=SettingsTable(s.settings_table),
        queues=DeliveryQueues(aws("sqs"), s.delivery_queue_urls()),
        templates_dir=s.templates_dir,
    )


def body_bytes(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    return len(body.encode())


def _form_route(event: dict[str, Any]) -> bool:
    """One-click unsubscribe: mail clients post ``List-Unsubscribe=One-Click`` as a form (RFC 8058), and the route
    reads only its query's token, never the body."""
    return str(event.get("rawPath") or "").endswith(PUBLIC_PREFIX + unsubscribe_http.PATH)


def _json_or_no_body(event: dict[str, Any]) -> bool:
    """Bodies are JSON only (Powertools would try form and multipart parsing on other types)."""
    if not event.get("body") or _form_route(event):
        return True
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _unreadable_json(event: dict[str, Any]) -> str | None:
    """Why the body is not JSON text (None: it is, or there is none): answered 400 before the resolver reads it."""
    body = event.get("body")
    if not body or _form_route(event):
        return None
    try:
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "the body is not UTF-8 text"
    except ValueError as exc:
        return f"the body is not JSON: {exc}"[:200]
    return None


def _refuse(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    metrics.add_metric(name="api_4xx", unit=MetricUnit.Count, value=1)
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": code, "message": message, "fields": fields or []}),
    }


def build(env: Env, *, clock: Callable[[], datetime] | None = None) -> Handler:
    """``clock``: when a document is applied (its activity reports' first instant); the local runtime gives its own."""
    s = ApiSettings.from_env(env)
    aws = AwsClients()
    api = service(s, aws, clock)
    templates = templates_service(s, aws)
    unsubscriber = Unsubscriber(
        store=SuppressionsTable(s.suppressions_table),
        users=UsersTable(s.users_table),
        key=signing_key(aws("ssm"), s.unsubscribe_key_parameter),
        base_url="",
    )
    app = build_app()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if body_bytes(event) > s.api_max_body_bytes:
            return _refuse(413, "too_large", f"the body is over {s.api_max_body_bytes} bytes")
        if not _json_or_no_body(event):
            return _refuse(415, "unsupported_media_type", "send the body as application/json")
        problem = _unreadable_json(event)
        if problem:
            return _refuse(400, "invalid", "the request is not valid", [{"field": "body", "message": problem}])
        app.append_context(api=api, unsubscriber=unsubscriber, templates=templates)
        response = app.resolve(event, context)
        # One count per answer class: a rise of 5xx (or of 4xx after a release) shows on the dashboard.
        metrics.add_metric(name=f"api_{str(response.get('statusCode', 500))[0]}xx", unit=MetricUnit.Count, value=1)
        return response

    return lambda_handler(handler)
