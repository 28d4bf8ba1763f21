"""Signed HTTPS webhooks (Standard Webhooks headers), SSRF-guarded, 15 s timeout (see channels.http)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from notify_core import signing, ssrf
from notify_core.channels import http
from notify_core.channels.base import SendResult
from notify_core.config import get_config
from notify_core.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from notify_core.observability import logger
from notify_core.templates import Rendered

_SSM_SAFE = re.compile(r"[A-Za-z0-9.-]")


def _ssm_escape(value: str) -> str:
    # Injective: every character SSM names cannot hold, and "_" itself, becomes "_" + two hex digits per
    # UTF-8 byte, so two different ids can never share a parameter (and so a secret).
    return "".join(c if _SSM_SAFE.fullmatch(c) else "".join(f"_{b:02x}" for b in c.encode()) for c in value)


def secret_parameter_name(org_id: str, endpoint_id: str, prefix: str | None = None) -> str:
    """Where an endpoint's whsec_ secret lives in SSM: derived from the tenant, never from input."""
    prefix = prefix or get_config().webhook_secret_prefix
    return f"{prefix}{_ssm_escape(org_id)}/{_ssm_escape(endpoint_id)}"


def ssm_secret(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    # Cached for 5 minutes per warm container: one SSM call per endpoint, not per delivery.
    return str(parameters.get_parameter(name, decrypt=True, max_age=300))


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        secret_lookup: Callable[[str], str] = ssm_secret,
        resolver: ssrf.Resolver = ssrf.system_resolver,
        health: Any = None,
    ) -> None:
        self._secret_lookup = secret_lookup
        self._resolver = resolver
        # notify_core.endpoint_health.EndpointHealth in the sender: failure streaks, auto-disable, alerts.
        self._health = health

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        secret = self._secret_lookup(secret_parameter_name(message["org_id"], message["endpoint_id"]))
        body = rendered["body"]
        # webhook-id is the delivery id: the same on every retry, so receivers can deduplicate.
        headers = signing.headers(secret, message["delivery_id"], int(time.time()), body)
        try:
            result = http.post_json(message["address"], body, headers, resolver=self._resolver)
        except DeliveryError as exc:
            disabled = self._record(message, exc)
            if disabled and isinstance(exc, TransientDeliveryError):
                # This failure disabled the endpoint: stop retrying it (replay it once the endpoint is back).
                raise PermanentDeliveryError(
                    "endpoint_disabled", f"{disabled}; last error {exc.code}: {exc.detail}", http_status=exc.http_status
                ) from exc
            raise
        self._record(message, None)
        return result

    def _record(self, message: dict[str, Any], exc: DeliveryError | None) -> str | None:
        """Feed the endpoint's health; return why the endpoint was disabled by this outcome, if it was."""
        if self._health is None or not message.get("endpoint_id"):
            return None
        try:
            if exc is None:
                self._health.success(message)
                return None
            return self._health.failure(message, code=exc.code, detail=exc.detail, http_status=exc.http_status)
        except Exception:  # the delivery's outcome stands whatever happens to the health bookkeeping
            logger.exception(
                "could not record webhook endpoint health",
                extra={"org_id": message.get("org_id"), "endpoint_id": message.get("endpoint_id")},
            )
            return None
