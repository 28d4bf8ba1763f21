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

Writes are plain UpdateItem calls (``ReturnValues`` never ``ALL_*``) on the settings table; a failure to
record health is logged and never changes the delivery's own outcome.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core import clients
from notify_core.config import get_config
from notify_core.delivery_log import utcnow_iso
from notify_core.observability import logger, metrics
from notify_core.settings_store import endpoint_sk

GONE, SUSTAINED_FAILURE = "gone", "sustained_failure"
ALREADY_DISABLED = "already_disabled"  # the endpoint was disabled (or deleted) before this failure
SUCCESS_REFRESH_S = 3600
DISABLED_MEMORY_S = 300  # an endpoint this container disabled is not written to again for a while
PLATFORM_SOURCE = "notify.platform"  # wiring.PLATFORM_SOURCE (the layer cannot import infra)
URL_FAILED = "url_notification.failed"


@dataclass
class _Known:
    failing_since: str | None = None
    success_written_at: float | None = None  # monotonic
    disabled_at: float | None = None  # monotonic; the endpoint may be re-enabled by its org later


def _seconds_since(iso: str) -> float:
    return time.time() - datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class EndpointHealth:
    def __init__(self) -> None:
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
        now = utcnow_iso()
        if self._update(key, "SET last_success_at = :now REMOVE failing_since", {":now": {"S": now}}) is not None:
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
            attrs = self._update(
                key,
                "SET failing_since = if_not_exists(failing_since, :now)",
                {":now": {"S": utcnow_iso()}, ":true": {"BOOL": True}},
                condition="enabled = :true",
                returns="UPDATED_NEW",
            )
            if attrs is None:  # disabled by another sender, by its org, or deleted: stop retrying it
                self._known[key] = _Known(disabled_at=time.monotonic())
                return ALREADY_DISABLED
            known = self._known[key] = _Known(failing_since=attrs["failing_since"]["S"])
        assert known.failing_since is not None
        if _seconds_since(known.failing_since) < get_config().webhook_disable_after_s:
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
        condition = "enabled = :true"
        values: dict[str, Any] = {
            ":true": {"BOOL": True},
            ":false": {"BOOL": False},
            ":why": {"S": reason},
            ":now": {"S": now},
        }
        if failing_since is not None:
            condition += " AND failing_since = :since"
            values[":since"] = {"S": failing_since}
        done = self._update(
            key,
            "SET enabled = :false, disabled_reason = :why, disabled_at = :now",
            values,
            condition=condition,
        )
        if done is None:
            return None
        self._known[key] = _Known(failing_since=failing_since, disabled_at=time.monotonic())
        metrics.add_metric(name="webhook_endpoint_disabled", unit=MetricUnit.Count, value=1)
        logger.warning(
            "webhook endpoint disabled",
            extra={"org_id": key[0], "endpoint_id": key[1], "reason": reason, "failing_since": failing_since},
        )
        publish_url_failure(
            message,
            event_id=f"endpoint-disabled:{key[1]}:{now}",
            last_error=last_error,
            attempts=_attempts(message),
            http_status=http_status,
            reason=f"endpoint_disabled:{reason}",
        )
        return reason

    @staticmethod
    def _update(
        key: tuple[str, str], expression: str, values: dict[str, Any], *, condition: str = "", returns: str = "NONE"
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem on the endpoint item; None if the item is gone or the condition failed."""
        org_id, endpoint_id = key
        ddb = clients.client("dynamodb")
        cond = "attribute_exists(sk)" + (f" AND {condition}" if condition else "")
        try:
            resp = ddb.update_item(
                TableName=get_config().settings_table,
                Key={"org_id": {"S": org_id}, "sk": {"S": endpoint_sk(endpoint_id)}},
                UpdateExpression=expression,
                ConditionExpression=cond,
                ExpressionAttributeValues=values,
                ReturnValues=returns,
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return None
        return resp.get("Attributes", {})


def _attempts(message: dict[str, Any]) -> int:
    """How many times this delivery was attempted (read once, only when alerting)."""
    from notify_core.delivery_log import Delivery

    try:
        return max(1, int(Delivery.get(message["delivery_id"], consistent_read=True).attempt_count or 1))
    except Exception:  # an alert with an approximate count beats no alert
        return 1


def publish_url_failure(
    message: dict[str, Any], *, event_id: str, last_error: str, attempts: int, http_status: int | None, reason: str
) -> bool:
    """Publish ``url_notification.failed`` (SEEDS §3) for a webhook delivery on the platform's bus.

    The org's contacts subscribed to it get an email. It cannot loop: the event type goes by email only,
    and an alert is only ever raised for a webhook delivery that is not itself an alert.
    """
    if message.get("channel") != "webhook" or message.get("event_type") == URL_FAILED:
        return False
    data: dict[str, Any] = {
        "url": message["address"],
        "last_error": last_error or "unknown",
        "attempts": max(1, attempts),
        "endpoint_id": message.get("endpoint_id") or "",
        "notification_type": message.get("event_type"),
        "delivery_id": message["delivery_id"],
        "reason": reason,
    }
    if http_status:
        data["http_status"] = http_status
    payment_id = ((message.get("event") or {}).get("data") or {}).get("payment_id")
    if payment_id:
        data["payment_id"] = str(payment_id)
    detail = {
        "org_id": message["org_id"],
        "event_id": event_id,
        "occurred_at": utcnow_iso(),
        "subject": {"type": "webhook_endpoint", "id": message.get("endpoint_id") or "unknown", "scope": {}},
        "data": data,
    }
    resp = clients.client("events").put_events(
        Entries=[
            {
                "Source": PLATFORM_SOURCE,
                "DetailType": URL_FAILED,
                "Detail": json.dumps(detail),
                "EventBusName": get_config().bus_name,
            }
        ]
    )
    if resp.get("FailedEntryCount"):
        raise RuntimeError(f"could not publish {URL_FAILED}: {resp.get('Entries')}")
    metrics.add_metric(name="url_failure_alerts", unit=MetricUnit.Count, value=1)
    logger.info(
        "url failure alert published", extra={"org_id": message["org_id"], "event_id": event_id, "reason": reason}
    )
    return True
