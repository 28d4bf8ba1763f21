"""What each function runs with locally: exactly the environment the stack gives it, with local names.

``wiring.function_environment`` builds a function's environment for the CDK stack and for this runtime alike;
here resources are named as the runtime created them on moto, and a few local knobs are added, each only to the
functions whose settings model reads it (immediate retries, loopback webhooks, the receiver playing the Telegram
Bot API): a function the wiring gives no queue URL gets none here either, and fails to build as it would on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notify_core import config
from notify_infra import wiring
from notify_local.names import physical_name, state_machine_arn


def local_knobs(
    *,
    retry_base_delay_s: int,
    webhook_timeout_s: float,
    allow_loopback_webhooks: bool,
    publishers_required: bool = False,
    receiver: Any = None,
) -> dict[str, str]:
    knobs = {
        config.RETRY_BASE_DELAY_S: str(retry_base_delay_s),
        config.WEBHOOK_TIMEOUT_S: str(webhook_timeout_s),
        config.NOTIFY_ALLOW_LOOPBACK_WEBHOOKS: "1" if allow_loopback_webhooks else "0",
        config.PUBLISHERS_REQUIRED: "1" if publishers_required else "0",
    }
    if receiver is not None:
        knobs[config.TELEGRAM_API_BASE] = receiver.telegram_api_base  # the receiver plays the Bot API
    return knobs


def function_environment(
    fn: wiring.Function,
    queue_urls: Mapping[str, str],
    knobs: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
    options: wiring.DeploymentOptions = wiring.DEFAULT_OPTIONS,
    region: str = "eu-west-1",
) -> dict[str, str]:
    """``fn``'s environment as the stack builds it, resources named locally, knobs it reads, then ``overrides``."""

    def resource(kind: str, key: str) -> str:
        if kind == "state_machine":
            return state_machine_arn(region, key)
        return queue_urls[key] if kind == "queue" else physical_name(key)

    known = fn.settings_model.known_env()
    extra = {name: value for name, value in knobs.items() if name in known}
    return {**wiring.function_environment(fn, resource, extra=extra, options=options), **(overrides or {})}


def admin_environment(queue_urls: Mapping[str, str]) -> dict[str, str]:
    """Every table, queue and secret prefix the operator's tools (``compose.admin.Admin``) may need."""
    env = {t.env: physical_name(t.key) for t in wiring.TABLES}
    env |= {q.env: queue_urls[q.key] for q in wiring.QUEUES if q.key in queue_urls}
    env[config.WEBHOOK_SECRET_PREFIX] = wiring.WEBHOOK_SECRET_PREFIX
    env[config.CHAT_SECRET_PREFIX] = wiring.CHAT_SECRET_PREFIX
    env[config.UNSUBSCRIBE_KEY_PARAMETER] = wiring.UNSUBSCRIBE_KEY_PARAMETER
    return env
