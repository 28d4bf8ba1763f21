"""Webhook endpoint health: failure streaks, auto-disable, and the "URL notification failed" alert.

The webhook sender reports each outcome here. Per endpoint, the settings item keeps the first failure
of the current streak of failures (``failing_since``) and the last success (``last_success_at``):

- a failure when no streak is known starts one (``SET failing_since = if_not_exists(...)``, one
  UpdateItem); further failures cost nothing until the streak is older than ``WEBHOOK_DISABLE_AFTER_S``
  (5 days on AWS), then the endpoint is disabled, on condition that the streak is still the same one
  (a success seen by another container in between ends it and wins);
- a success ends a streak (``REMOVE failing_since``, ``SET last_success_at``): one UpdateItem when a
  streak is known, otherwise at most once an hour per container to keep ``last_success_at`` fresh;
- ``410 Gone`` disables the endpoint at once.

Messages already queued for an endpoint when it is disabled are not retried against it for days: a
failure of one of them, once the endpoint is known to be disabled (this container disabled it, or the
streak write finds it disabled or deleted), ends that delivery as ``endpoint_disabled``, replayable once
the org re-enables the endpoint. A success is still a success.

What this container last learned about each endpoint is cached, so a steady state (all successes, or a
streak already recorded) costs no writes. Disabling is conditional (``enabled = true``): of many senders
seeing the same endpoint fail, one disables it and publishes the alert. Every write names the org in the
key: an endpoint of another org cannot be touched.

Writes are plain conditional UpdateItem calls on the settings table; a failure to
record health is logged and never changes the delivery's own outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain.delivery import utcnow_iso
from notify_core.observability import logger, metrics
from notify_core.services.alerts import UrlFailureAlerts

GONE, SUSTAINED_FAILURE = "gone", "sustained_failure"
ALREADY_DISABLED = "already_disabled"  # the endpoint was disabled (or deleted) before this failure
SUCCESS_REFRESH_S = 3600
DISABLED_MEMORY_S = 300  # an endpoint this container disabled is not written to again for a while


class EndpointState(Protocol):
    """Where an endpoint's health is written (``adapters.dynamodb.endpoint_state``)."""

    def record_success(self, org_id: str, endpoint_id: str, now: str) -> bool: ...

    def start_failure_streak(self, org_id: str, endpoint_id: str, now: str) -> str | None: ...

    def disable(self, org_id: str, endpoint_id: str, reason: str, now: str, failing_since: str | None) -> bool: ...


@dataclass
class _Known:
    failing_since: str | None = None
    success_written_at: float | None = None  # monotonic
    disabled_at: float | None = None  # monotonic; the endpoint may be re-enabled by its org later


def _seconds_since(iso: str) -> float:
    return time.time() - datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class EndpointHealth:
    def __init__(self, *, state: EndpointState, alerts: UrlFailureAlerts, disable_after_s: int) -> None:
        self.state = state
        self.alerts = alerts
        self.disable_after_s = disable_after_s
        self._known: dict[tuple[str, str], _Known] = {}

    # ----------------------------------------------------------------------------------- outcomes
    def success(self, message: dict[str, Any]) -> None:
        key = (message["org_id"], message["endpoint_id"])
        known = self._known.get(key)
        if (
            known is not None
            and known.failing_since is None
            and known.success_written_at is not None
            and time.monotonic() - known.success_written_at < SUCCESS_REFRESH_S
        ):
            return
        if self.state.record_success(*key, utcnow_iso()):
            self._known[key] = _Known(success_written_at=time.monotonic())

    def failure(self, message: dict[str, Any], *, code: str, detail: str, http_status: int | None) -> str | None:
        """Record a failed attempt; return why the endpoint is disabled, if it is (None: retry as usual)."""
        key = (message["org_id"], message["endpoint_id"])
        known = self._known.get(key)
        if known is not None and known.disabled_at is not None:
            if time.monotonic() - known.disabled_at < DISABLED_MEMORY_S:
                return ALREADY_DISABLED
            known = self._known[key] = _Known()
        if http_status == 410:
            return self._disable(message, GONE, (detail or "HTTP 410 Gone")[:500], http_status, None)
        if known is None or known.failing_since is None:
            since = self.state.start_failure_streak(*key, utcnow_iso())
            if since is None:  # disabled by another sender, by its org, or deleted: stop retrying it
                self._known[key] = _Known(disabled_at=time.monotonic())
                return ALREADY_DISABLED
            known = self._known[key] = _Known(failing_since=since)
        assert known.failing_since is not None
        if _seconds_since(known.failing_since) < self.disable_after_s:
            return None
        reason = self._disable(message, SUSTAINED_FAILURE, f"{code}: {detail}"[:500], http_status, known.failing_since)
        if reason is None:
            self._known.pop(key, None)  # the streak changed under us: learn it again next time
        return reason

    # ------------------------------------------------------------------------------------ writes
    def _disable(
        self, message: dict[str, Any], reason: str, last_error: str, http_status: int | None, failing_since: str | None
    ) -> str | None:
        key = (message["org_id"], message["endpoint_id"])
        now = utcnow_iso()
        if not self.state.disable(*key, reason, now, failing_since):
            return None
        self._known[key] = _Known(failing_since=failing_since, disabled_at=time.monotonic())
        metrics.add_metric(name="webhook_endpoint_disabled", unit=MetricUnit.Count, value=1)
        logger.warning(
            "webhook endpoint disabled",
            extra={"org_id": key[0], "endpoint_id": key[1], "reason": reason, "failing_since": failing_since},
        )
        self.alerts.publish(
            message,
            event_id=f"endpoint-disabled:{key[1]}:{now}",
            last_error=last_error,
            attempts=self.alerts.attempts(message),
            http_status=http_status,
            reason=f"endpoint_disabled:{reason}",
        )
        return reason
