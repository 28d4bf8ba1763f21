"""The environment every function runs with locally: the stack's, with local resource names.

Environment variables are the contract between the wiring and the handlers (``notify_core.config``
reads them). One process plays every function, and resource names are the same for all of them, so
the runtime sets the union of every function's environment once, plus the local knobs (immediate
retries, loopback webhooks, log level).
"""

from __future__ import annotations

from typing import Any

from notify_infra import wiring
from notify_local.names import physical_name


def function_environment(
    queue_urls: dict[str, str],
    *,
    retry_base_delay_s: int,
    webhook_timeout_s: float,
    allow_loopback_webhooks: bool,
    log_level: str,
    receiver: Any = None,
) -> dict[str, str]:
    """The union of every function's environment: resource names are the same for all of them."""
    env = dict(wiring.COMMON_ENV)
    for t in wiring.TABLES:
        env[t.env] = physical_name(t.key)
    for q in wiring.QUEUES:
        env[q.env] = queue_urls[q.key]
    for b in wiring.BUCKETS:
        env[b.env] = physical_name(b.key)
    for fn in wiring.FUNCTIONS:
        env.update(fn.env)
    env.update(
        RETRY_BASE_DELAY_S=str(retry_base_delay_s),
        WEBHOOK_TIMEOUT_S=str(webhook_timeout_s),
        NOTIFY_ALLOW_LOOPBACK_WEBHOOKS="1" if allow_loopback_webhooks else "0",
        WEBHOOK_SECRET_PREFIX=wiring.WEBHOOK_SECRET_PREFIX,
        POWERTOOLS_LOG_LEVEL=log_level,
        # One process plays every function: logs say "notify-local" (on AWS, the function's key).
        POWERTOOLS_SERVICE_NAME="notify-local",
        POWERTOOLS_METRICS_NAMESPACE=wiring.METRICS_NAMESPACE,
    )
    if receiver is not None:
        env["TELEGRAM_API_BASE"] = receiver.telegram_api_base  # the receiver plays the Bot API
    return env
