"""Signed HTTPS webhooks (Standard Webhooks headers), SSRF-guarded, 15 s timeout (see channels.http)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from notify_core.adapters import ssm
from notify_core.adapters.channels import http
from notify_core.adapters.channels.base import SendResult
from notify_core.domain import probes, signing
from notify_core.domain.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.rendered import Rendered
from notify_core.observability import logger


class EndpointHealthRecorder(Protocol):
    """What the webhook sender reports each outcome to (``services.endpoint_health.EndpointHealth``)."""

    def success(self, message: dict[str, Any]) -> None: ...

    def failure(self, message: dict[str, Any], *, code: str, detail: str, http_status: int | None) -> str | None: ...


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        secrets: Callable[[str], str],
        *,
        secret_prefix: str,
        policy: http.HttpPolicy,
        health: EndpointHealthRecorder | None = None,
        state: Callable[[str], str | None] | None = None,
    ) -> None:
        self._secrets = secrets
        # The rotation state of an endpoint's secret (a plain parameter; None: never rotated, slot "a" alone).
        self._state = state
        self._secret_prefix = secret_prefix
        self._policy = policy
        # Failure streaks, auto-disable and alerts (the webhook sender composes services.endpoint_health).
        self._health = health

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        base = ssm.parameter_name(self._secret_prefix, message["org_id"], message["endpoint_id"])
        now = int(time.time())
        # Every secret that signs now: the current one, and a rotated-out one during its grace period.
        state = signing.SecretState.parse(self._state(signing.state_name(base)) if self._state else None)
        keys = [self._secrets(signing.slot_name(base, slot)) for slot in state.signing_slots(now)]
        body = rendered["body"]
        # webhook-id is the delivery id: the same on every retry, so receivers can deduplicate.
        headers = signing.headers(keys, message["delivery_id"], now, body)
        try:
            policy = replace(self._policy, retry_unanswered=True) if message.get("retry_unanswered") else self._policy
            result = http.post_json(message["address"], body, headers, policy=policy)
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
        if self._health is None or not message.get("endpoint_id") or probes.is_probe(message):
            return None  # a test ping leaves the endpoint's health alone
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
