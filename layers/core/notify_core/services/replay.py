"""Replay: send a dead (or permanently failed) delivery again, with the same delivery id, at most once.

The stored queue message (``payload``: kept on dead, failed and unknown deliveries) goes back on its channel's
queue unchanged, so the receiver sees the same ``webhook-id``. Before queueing, one conditional write moves the
delivery from ``dead``/``failed``/``unknown`` to ``retrying``; the condition makes a delivery that did go out
(``sent``), was skipped, or is already being replayed untouchable: replaying it does nothing, however often it
is asked for. A person replays an ``unknown`` delivery after checking it did not arrive: that is the one way such
a delivery is ever sent again.

Bulk replay reads an org's deliveries through the ``by_org`` index (org_id, created_at >= since), never a Scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notify_core.domain.delivery import REPLAYABLE, DeliveryRecord
from notify_core.services.ports import DeliveryLog, DeliveryQueues, SettingsStore


@dataclass
class ReplayResult:
    replayed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # delivery id -> why it was not replayed

    def as_dict(self) -> dict[str, Any]:
        return {"replayed": self.replayed, "skipped": self.skipped}


class Replayer:
    def __init__(self, *, deliveries: DeliveryLog, queues: DeliveryQueues, settings: SettingsStore) -> None:
        self.deliveries = deliveries
        self.queues = queues
        self.settings = settings

    def replay_delivery(self, org_id: str, delivery_id: str) -> ReplayResult:
        """Replay one delivery of this org (a delivery of another org is as good as missing)."""
        result = ReplayResult()
        record = self.deliveries.get(delivery_id, org_id)
        if record is None:
            result.skipped[delivery_id] = "not_found"
        else:
            self._replay(record, result)
        return result

    def replay_since(
        self,
        org_id: str,
        since: str,
        *,
        endpoint_id: str | None = None,
        statuses: tuple[str, ...] = REPLAYABLE,
        until: str | None = None,
        channels: tuple[str, ...] | None = None,
    ) -> ReplayResult:
        """Replay every dead/failed delivery of an org created at or after ``since`` (ISO 8601) and, when given, no
        later than ``until``, optionally only those of some channels or to one webhook endpoint."""
        result = ReplayResult()
        window: dict[str, Any] = {"until": until} if until else {}
        if channels:
            window["channels"] = channels
        for record in self.deliveries.by_org_since(org_id, since, statuses=statuses, endpoint_id=endpoint_id, **window):
            # The index is eventually consistent: the conditional update decides on the table's truth.
            self._replay(record, result)
        return result

    def _replay(self, record: DeliveryRecord, result: ReplayResult) -> None:
        if record.status not in REPLAYABLE:
            result.skipped[record.delivery_id] = f"status_{record.status}"
            return
        if not record.payload:
            # Failed at routing (an invalid address, a suppressed one): never queued, nothing to send again.
            result.skipped[record.delivery_id] = "no_stored_message"
            return
        if record.channel == "webhook" and record.endpoint_id:
            endpoint = self.settings.endpoint(record.org_id, record.endpoint_id)
            if endpoint is None or not endpoint.enabled:
                result.skipped[record.delivery_id] = "endpoint_disabled"
                return
        if not self.deliveries.reopen_for_replay(record):
            result.skipped[record.delivery_id] = "not_replayable_now"
            return
        try:
            # A new message (its own FIFO deduplication id): the first one may still be in the queue's window.
            self.queues.send_one(
                record.channel, record.payload, dedup_suffix=f"replay-{(record.replay_count or 0) + 1}"
            )
        except Exception:
            # Not queued: put the status back so the delivery stays visible (and replayable) as it was.
            self.deliveries.restore_status(record)
            raise
        result.replayed.append(record.delivery_id)
