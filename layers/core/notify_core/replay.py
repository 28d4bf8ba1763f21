"""Replay: send a dead (or permanently failed) delivery again, with the same delivery id, at most once.

The stored queue message (``payload``: kept on dead deliveries and on failed ones) goes back on its
channel's queue unchanged, so the receiver sees the same ``webhook-id`` and the sender's idempotency
(the delivery log item) still guards it. Before queueing, one conditional UpdateItem moves the item
from ``dead``/``failed`` to ``retrying`` and releases its idempotency claim; the condition makes a
delivery that did go out (``sent``), was skipped, or is already being replayed untouchable: replaying
it does nothing, however often it is asked for.

Bulk replay reads an org's deliveries through the ``by_org`` index (org_id, created_at >= since),
never a Scan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import UpdateError

from notify_core import clients
from notify_core.config import get_config
from notify_core.delivery_log import DEAD, FAILED, RETRYING, Delivery, _is_condition_failure, get, utcnow_iso
from notify_core.queueing import CHANNEL_QUEUES

REPLAYABLE = (DEAD, FAILED)


@dataclass
class ReplayResult:
    replayed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # delivery id -> why it was not replayed

    def as_dict(self) -> dict[str, Any]:
        return {"replayed": self.replayed, "skipped": self.skipped}


def replay_delivery(org_id: str, delivery_id: str) -> ReplayResult:
    """Replay one delivery of this org (a delivery of another org is as good as missing)."""
    result = ReplayResult()
    item = get(delivery_id, org_id)
    if item is None:
        result.skipped[delivery_id] = "not_found"
    else:
        _replay(item, result)
    return result


def replay_since(
    org_id: str, since: str, *, endpoint_id: str | None = None, statuses: tuple[str, ...] = REPLAYABLE
) -> ReplayResult:
    """Replay every dead/failed delivery of an org created at or after ``since`` (ISO 8601), optionally
    only those to one webhook endpoint."""
    result = ReplayResult()
    condition = Delivery.status.is_in(*statuses) & Delivery.payload.exists()
    if endpoint_id:
        condition &= Delivery.endpoint_id == endpoint_id
    for item in Delivery.by_org.query(org_id, Delivery.created_at >= since, filter_condition=condition):
        # The index is eventually consistent: the conditional update below decides on the table's truth.
        _replay(item, result)
    return result


def _replay(item: Delivery, result: ReplayResult) -> None:
    if item.status not in REPLAYABLE:
        result.skipped[item.delivery_id] = f"status_{item.status}"
        return
    if not item.payload:
        # Failed at routing (an invalid address, a suppressed one): never queued, nothing to send again.
        result.skipped[item.delivery_id] = "no_stored_message"
        return
    if item.channel == "webhook" and item.endpoint_id and not _endpoint_enabled(item.org_id, item.endpoint_id):
        result.skipped[item.delivery_id] = "endpoint_disabled"
        return
    D = Delivery
    previous = item.status
    try:
        item.update(
            actions=[
                D.status.set(RETRYING),
                D.replay_count.add(1),
                D.replayed_at.set(utcnow_iso()),
                D.updated_at.set(utcnow_iso()),
                D.idem_status.remove(),
                D.idem_expiry.remove(),
                D.idem_in_progress_expiry.remove(),
                D.idem_response.remove(),
            ],
            # The table's truth, not the index's: a delivery that went out is never sent again.
            condition=(D.org_id == item.org_id) & D.status.is_in(*REPLAYABLE),
        )
    except UpdateError as exc:
        if not _is_condition_failure(exc):
            raise
        result.skipped[item.delivery_id] = "not_replayable_now"
        return
    try:
        clients.client("sqs").send_message(
            QueueUrl=get_config().queue_url(CHANNEL_QUEUES[item.channel]), MessageBody=item.payload
        )
    except Exception:
        # Not queued: put the status back so the delivery stays visible (and replayable) as it was.
        item.update(actions=[D.status.set(previous)], condition=D.status == RETRYING)
        raise
    result.replayed.append(item.delivery_id)


def _endpoint_enabled(org_id: str, endpoint_id: str) -> bool:
    from notify_core.settings_store import SettingsItem, WebhookEndpoint, endpoint_sk

    try:
        endpoint = SettingsItem.get(org_id, endpoint_sk(endpoint_id))
    except SettingsItem.DoesNotExist:
        return False
    return isinstance(endpoint, WebhookEndpoint) and bool(endpoint.enabled)


def message_of(item: Delivery) -> dict[str, Any] | None:
    return json.loads(item.payload) if item.payload else None
