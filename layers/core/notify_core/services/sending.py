"""A sender's core: claim the delivery, render, send through its channel adapter, record the outcome; once.

``Sender.deliver``: a delivery already sent (or failed for good) is not sent again, whether the repeat comes from
a duplicate queue message, a router retry or a replay (``Claims.claim`` says so); one claimed by another sender
right now is retried later; a transient failure releases the claim, logs the attempt and lets SQS retry with
backoff; a permanent one (and a template error) is recorded as ``failed``, its message kept for replay.

A queue may carry several channels (chat: Slack and Telegram): each message goes through the adapter its
``channel`` names, rendered with that channel's templates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain.addresses import mask
from notify_core.domain.delivery import FAILED, SENT, AlreadyFinal, Claimed, HeldElsewhere, Outcome
from notify_core.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.templates import TemplateRenderError
from notify_core.observability import logger, metrics
from notify_core.services.ports import Channel, Claims, Renderer

# A claim lasts as long as the invocation may still run; never less than this (a sender near its timeout).
MIN_HOLD_MS = 1_000


class ClaimHeldElsewhere(TransientDeliveryError):
    """Another sender holds the delivery right now: try again after its claim, never alongside it."""


class Sender:
    def __init__(self, channels: Iterable[Channel], *, claims: Claims, renderer: Renderer) -> None:
        self.channels = {c.name: c for c in channels}
        if not self.channels:
            raise ValueError("a sender needs at least one channel")
        self.claims = claims
        self.renderer = renderer

    def handle_body(self, body: str, *, remaining_ms: int) -> dict[str, Any]:
        message = json.loads(body)
        if message.get("channel") not in self.channels:
            raise ValueError(f"a {message.get('channel')!r} delivery on the {'/'.join(self.channels)} queue")
        return self.deliver(message, remaining_ms=remaining_ms)

    def deliver(self, message: dict[str, Any], *, remaining_ms: int) -> dict[str, Any]:
        claim = self.claims.claim(message, hold_ms=max(remaining_ms, MIN_HOLD_MS))
        if isinstance(claim, AlreadyFinal):
            logger.info("delivery already final", extra={"delivery_id": message["delivery_id"], "status": claim.status})
            return {"status": claim.status, "duplicate": True}
        if isinstance(claim, HeldElsewhere):
            raise ClaimHeldElsewhere("claim_held", f"another sender holds it until {claim.until_ms}")
        try:
            outcome = self._attempt(message)
        except Exception as exc:
            self.claims.release(message, claim, exc)
            raise
        self.claims.complete(message, claim, outcome)
        return {"status": outcome.status, "provider_message_id": outcome.provider_message_id}

    def _attempt(self, message: dict[str, Any]) -> Outcome:
        channel = self.channels[message["channel"]]
        log = {
            "delivery_id": message["delivery_id"],
            "org_id": message["org_id"],
            "event_id": message["event_id"],
            "channel": channel.name,
            "to": mask(message["address"]),
        }
        try:
            rendered = self.renderer.render_message(channel.name, message)
            result = channel.send(message, rendered)
        except TemplateRenderError as exc:
            return self._failed(log, "template_error", str(exc))
        except PermanentDeliveryError as exc:
            return self._failed(log, exc.code, exc.detail, exc.http_status)
        except TransientDeliveryError as exc:
            metrics.add_metric(name=f"{channel.name}_retry", unit=MetricUnit.Count, value=1)
            logger.warning(
                "delivery will be retried", extra={**log, "error_code": exc.code, "error_detail": exc.detail}
            )
            raise
        metrics.add_metric(name=f"{channel.name}_sent", unit=MetricUnit.Count, value=1)
        logger.info(
            "delivered", extra={**log, "provider_message_id": result.provider_message_id, "template": rendered.template}
        )
        return Outcome(SENT, provider_message_id=result.provider_message_id, http_status=result.http_status)

    @staticmethod
    def _failed(log: dict[str, Any], code: str, detail: str, http_status: int | None = None) -> Outcome:
        metrics.add_metric(name=f"{log['channel']}_failed", unit=MetricUnit.Count, value=1)
        logger.warning("delivery failed for good", extra={**log, "error_code": code, "error_detail": detail})
        return Outcome(FAILED, http_status=http_status, error_code=code, error_detail=detail[:1000])


__all__ = ["ClaimHeldElsewhere", "Claimed", "Sender"]
