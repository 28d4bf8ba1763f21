"""The webhook sender: signed HTTPS POSTs, SSRF-guarded; outcomes feed each endpoint's health."""

from __future__ import annotations

from typing import Any

from notify_core.adapters import ssm
from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.webhook import WebhookChannel
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.endpoint_state import EndpointStateTable
from notify_core.adapters.eventbridge import PlatformEvents
from notify_core.compose import Env
from notify_core.compose._sender import http_policy, sender_handler
from notify_core.config import SendWebhookSettings
from notify_core.domain.delivery import Outcome
from notify_core.handlers.entry import Handler
from notify_core.services.alerts import UrlFailureAlerts
from notify_core.services.endpoint_health import EndpointHealth


def build(env: Env) -> Handler:
    s = SendWebhookSettings.from_env(env)
    aws = AwsClients()
    deliveries = DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days)
    alerts = UrlFailureAlerts(publisher=PlatformEvents(aws("events"), s.bus_name), deliveries=deliveries)
    # 410 Gone or sustained failure disables the endpoint and alerts the org.
    health = EndpointHealth(
        state=EndpointStateTable(aws("dynamodb"), s.settings_table),
        alerts=alerts,
        disable_after_s=s.webhook_disable_after_s,
    )
    channel = WebhookChannel(
        ssm.SecretReader(aws("ssm"), max_age_s=s.webhook_secret_cache_s),
        secret_prefix=s.webhook_secret_prefix,
        policy=http_policy(s),
        health=health,
        # A rotation (domain.signing.SecretState) shows within the cache's age (a minute).
        state=ssm.PlainReader(aws("ssm"), max_age_s=s.webhook_secret_cache_s),
    )

    def alert(message: dict[str, Any], outcome: Outcome) -> None:
        # The org hears when a webhook delivery is dead (retries exhausted), as when its endpoint is disabled.
        alerts.publish(
            message,
            event_id=f"delivery-dead:{message['delivery_id']}:{message.get('replay', 0)}",
            last_error=outcome.error_detail or outcome.error_code or "retries exhausted",
            attempts=s.max_receive_count,
            http_status=outcome.http_status,
            reason="delivery_dead",
        )

    return sender_handler(s, aws, channel, on_dead=alert)
