"""A sender's core: one SQS batch of deliveries in, each sent at most once, every outcome recorded.

Per batch (``open_batch``): the deliveries' log items in one consistent read, the suppression list for every
email and SMS address in one read. Per message (``deliver``): ``domain.delivery.decide`` says whether to attempt
it — a delivery already final is a duplicate; a message whose previous receive left no outcome may have gone out
and is recorded ``unknown`` instead of sent again — then render, check the suppression list, send through the
channel its ``channel`` names, and stage the outcome. Per batch again (``close_batch``): every staged outcome in
one write. Nothing is written before a provider call; that is safe because no two receives of one delivery run
at once (FIFO queues, one message group per delivery) and because a receive that ended without a record is never
taken for one that did not reach the provider.

Outcomes: accepted -> ``sent``; refused for good (a 4xx, a template error, a suppressed address) -> ``failed``,
the message kept for replay; not taken and worth another try -> ``retrying`` (the record fails, SQS redelivers it
with backoff), or ``dead`` when this was the queue's last receive; no answer although the request went out ->
``unknown``, never sent again by itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain import catalog, erasure, probes, template_overrides, unsubscribe
from notify_core.domain.addresses import mask
from notify_core.domain.delivery import (
    ATTEMPT,
    DEAD,
    DUPLICATE,
    FAILED,
    RETRYING,
    SENT,
    UNKNOWN,
    DeliveryRecord,
    Outcome,
    OutcomeWrite,
    decide,
)
from notify_core.domain.errors import (
    AmbiguousDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnansweredDeliveryError,
)
from notify_core.domain.rendered import OrgSource, TemplateRenderError
from notify_core.domain.template_overrides import OrgTemplate
from notify_core.observability import logger, metrics
from notify_core.services.ports import Channel, Renderer, SuppressionList

OPT_OUT = "opt_out"  # the suppression reason of an SMS opt-out (adapters.dynamodb.suppressions_table.OPT_OUT)
# Leave this much of the invocation for writing the batch's outcomes: a write that cannot land before the timeout
# makes every message of the batch come back (and be recorded unknown where it may have gone out).
WRITE_RESERVE_S = 3.0


class OutcomeLog(Protocol):
    """Where a sender reads and writes deliveries (``adapters.dynamodb.deliveries_table.DeliveryLog``)."""

    def read_many(self, delivery_ids: Sequence[str], *, deadline: float | None = ...) -> dict[str, DeliveryRecord]: ...

    def write_outcomes(self, writes: Sequence[OutcomeWrite], *, deadline: float | None = ...) -> None: ...


class OrgTemplates(Protocol):
    """The orgs' own templates (``adapters.dynamodb.settings_table.SettingsTable``): one batched read."""

    def templates_for(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], OrgTemplate]: ...


@dataclass(frozen=True)
class Received:
    """One SQS record as the sender sees it."""

    message_id: str
    receive: int  # ApproximateReceiveCount: 1 on the first receive
    body: str


class RetryLater(TransientDeliveryError):
    """Fails the record so SQS redelivers it (after the backoff the batch processor applies)."""


@dataclass
class Batch:
    deadline: float
    records: dict[str, DeliveryRecord]
    suppressed: dict[tuple[str, str, str], str]
    staged: list[OutcomeWrite] = field(default_factory=list)
    settled: dict[str, Outcome] = field(default_factory=dict)  # delivery id -> its outcome in this batch
    dead: list[tuple[dict[str, Any], Outcome]] = field(default_factory=list)
    # (org id, override) -> the org's own template, for the messages routing marked ``template_override``
    templates: dict[tuple[str, str], OrgTemplate] = field(default_factory=dict)


class Sender:
    def __init__(
        self,
        channels: Iterable[Channel],
        *,
        log: OutcomeLog,
        suppressions: SuppressionList | None,
        renderer: Renderer,
        max_receives: int,
        templates: OrgTemplates | None = None,
        on_dead: Callable[[dict[str, Any], Outcome], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channels = {c.name: c for c in channels}
        if not self.channels:
            raise ValueError("a sender needs at least one channel")
        self.log = log
        self.suppressions = suppressions
        self.renderer = renderer
        self.templates = templates
        self.max_receives = max_receives
        self.on_dead = on_dead
        self.clock = clock

    # ---------------------------------------------------------------------------------------------- a batch
    def open_batch(self, received: Sequence[Received], *, remaining_s: float) -> Batch:
        deadline = self.clock() + max(remaining_s - WRITE_RESERVE_S, 0.5)
        messages = [_parse(r.body) for r in received]
        ids = [m["delivery_id"] for m in messages if m]
        records = self.log.read_many(ids, deadline=deadline)
        # Orgs' own templates: one read for the batch, and only when routing said a message uses one.
        wanted = [(m["org_id"], m["template_override"]) for m in messages if m and m.get("template_override")]
        templates = self.templates.templates_for(wanted) if wanted and self.templates is not None else {}
        return Batch(deadline=deadline, records=records, suppressed=self._suppressed(messages), templates=templates)

    def close_batch(self, batch: Batch) -> None:
        """Write every outcome of the batch (raises if they could not be written: the invocation must fail)."""
        self.log.write_outcomes(batch.staged, deadline=batch.deadline + WRITE_RESERVE_S - 0.5)
        for message, outcome in batch.dead:
            if self.on_dead is not None:
                try:
                    self.on_dead(message, outcome)
                except Exception:  # the delivery is dead and recorded; the alert is best effort, and counted
                    metrics.add_metric(name="dead_alert_failed", unit=MetricUnit.Count, value=1)
                    logger.exception("could not alert about a dead delivery", extra=_log(message))

    def _suppressed(self, messages: Sequence[dict[str, Any] | None]) -> dict[tuple[str, str, str], str]:
        if self.suppressions is None:
            return {}
        found: dict[tuple[str, str, str], str] = {}
        by_org: dict[str, list[tuple[str, str]]] = {}
        for m in messages:
            if m and m.get("channel") in ("email", "sms"):
                by_org.setdefault(m["org_id"], []).append((m["channel"], m["address"]))
                group = unsubscribable_group(m)
                if group:  # a one-click unsubscribe that arrived after the message was queued
                    by_org[m["org_id"]].append((unsubscribe.group_channel(group), m["address"]))
        for org_id, targets in by_org.items():
            for (channel, address), reason in self.suppressions.suppressed(org_id, targets).items():
                found[(org_id, channel, address)] = reason
        return found

    # ---------------------------------------------------------------------------------------------- a message
    def deliver(self, batch: Batch, received: Received) -> dict[str, Any]:
        message = _parse(received.body)
        if message is None or message.get("channel") not in self.channels:
            raise ValueError(f"not a delivery for the {'/'.join(self.channels)} queue")
        delivery_id = message["delivery_id"]
        if delivery_id in batch.settled:  # the same delivery twice in one batch (a router duplicate)
            return {"status": batch.settled[delivery_id].status, "duplicate": True}
        previous = batch.records.get(delivery_id)
        decision = decide(previous, message_id=received.message_id, receive=received.receive)
        if decision.action == DUPLICATE:
            return {"status": decision.reason, "duplicate": True}
        if decision.action == ATTEMPT:
            outcome = self._attempt(batch, message, received, previous)
        else:
            metrics.add_metric(name="deliveries_unknown", unit=MetricUnit.Count, value=1)
            logger.warning("delivery outcome unknown", extra={**_log(message), "reason": decision.reason})
            outcome = Outcome(UNKNOWN, error_code="no_outcome", error_detail=decision.reason)
        if batch.suppressed.get((message["org_id"], message["channel"], message["address"])) == erasure.ERASED:
            # Queued before its recipient was erased (SQS messages cannot be edited): refused above, and logged
            # without the person.
            message = erasure.scrubbed_message(message)
        batch.staged.append(OutcomeWrite(message, previous, outcome, received.message_id, received.receive))
        batch.settled[delivery_id] = outcome
        if outcome.status == DEAD:
            batch.dead.append((message, outcome))
        if outcome.status == RETRYING:
            raise RetryLater(
                outcome.error_code or "retry", outcome.error_detail or "", retry_after_s=outcome.retry_after_s
            )
        return {"status": outcome.status, "provider_message_id": outcome.provider_message_id}

    def _attempt(
        self, batch: Batch, message: dict[str, Any], received: Received, previous: DeliveryRecord | None
    ) -> Outcome:
        channel = self.channels[message["channel"]]
        log = _log(message)
        try:
            self._check_suppressed(batch, message)
            rendered = probes.rendered(message) or self.renderer.render_message(
                channel.name, message, source=self._org_source(batch, message)
            )
            result = channel.send(message, rendered)
        except TemplateRenderError as exc:
            return self._failed(log, "template_error", str(exc))
        except PermanentDeliveryError as exc:
            return self._failed(log, exc.code, exc.detail, exc.http_status)
        except AmbiguousDeliveryError as exc:
            metrics.add_metric(name=f"{channel.name}_unknown", unit=MetricUnit.Count, value=1)
            logger.warning(
                "delivery outcome unknown", extra={**log, "error_code": exc.code, "error_detail": exc.detail}
            )
            return Outcome(UNKNOWN, http_status=exc.http_status, error_code=exc.code, error_detail=exc.detail)
        except TransientDeliveryError as exc:
            if probes.is_probe(message):  # a test ping is tried once: its failure is the answer
                return self._failed(log, exc.code, exc.detail, exc.http_status)
            final = received.receive >= self.max_receives
            # One unanswered request (to a receiver that takes repeats) and the delivery may be out: never dead.
            maybe = isinstance(exc, UnansweredDeliveryError) or bool(previous and previous.maybe_delivered)
            status = (UNKNOWN if maybe else DEAD) if final else RETRYING
            metrics.add_metric(name=f"{channel.name}_{status}", unit=MetricUnit.Count, value=1)
            logger.warning(
                "delivery will be retried" if status == RETRYING else f"retries exhausted: delivery {status}",
                extra={**log, "error_code": exc.code, "error_detail": exc.detail, "receive": received.receive},
            )
            return Outcome(
                status,
                http_status=exc.http_status,
                error_code=exc.code,
                error_detail=exc.detail,
                retry_after_s=exc.retry_after_s,
                maybe_delivered=maybe,
            )
        metrics.add_metric(name=f"{channel.name}_sent", unit=MetricUnit.Count, value=1)
        logger.debug("delivered", extra={**log, "provider_message_id": result.provider_message_id})
        return Outcome(
            SENT,
            provider_message_id=result.provider_message_id,
            http_status=result.http_status,
            sms_segments=result.sms_segments,
            sms_encoding=result.sms_encoding,
        )

    @staticmethod
    def _org_source(batch: Batch, message: dict[str, Any]) -> OrgSource | None:
        """The org's template routing chose, as read for this batch. Deleted since routing: the platform's."""
        override = message.get("template_override")
        found = batch.templates.get((message["org_id"], override)) if override else None
        return OrgSource(name=template_overrides.name_of(found.key), source=found.source) if found else None

    @staticmethod
    def _check_suppressed(batch: Batch, message: dict[str, Any]) -> None:
        # Checked at routing too; a bounce, complaint or opt-out may have arrived since the message was queued.
        reason = batch.suppressed.get((message["org_id"], message["channel"], message["address"]))
        if reason:
            code = "opted_out" if reason == OPT_OUT and message["channel"] == "sms" else "suppressed"
            raise PermanentDeliveryError(code, f"suppressed:{reason}")
        group = unsubscribable_group(message)
        if group and (message["org_id"], unsubscribe.group_channel(group), message["address"]) in batch.suppressed:
            raise PermanentDeliveryError("unsubscribed", f"unsubscribed:{group}")

    @staticmethod
    def _failed(log: dict[str, Any], code: str, detail: str, http_status: int | None = None) -> Outcome:
        metrics.add_metric(name=f"{log['channel']}_failed", unit=MetricUnit.Count, value=1)
        logger.warning("delivery failed for good", extra={**log, "error_code": code, "error_detail": detail})
        return Outcome(FAILED, http_status=http_status, error_code=code, error_detail=detail[:1000])


def unsubscribable_group(message: dict[str, Any]) -> str | None:
    """An email's group a person may unsubscribe from (None: not an email, or one that must always go)."""
    if message.get("channel") != "email":
        return None
    et = catalog.lookup(str(message.get("event_type")))
    return et.group if et is not None and not et.always_send else None


def _parse(body: str) -> dict[str, Any] | None:
    try:
        message = json.loads(body)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "delivery_id" in message else None


def _log(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_id": message.get("delivery_id"),
        "org_id": message.get("org_id"),
        "event_id": message.get("event_id"),
        "channel": message.get("channel"),
        "to": mask(str(message.get("address", ""))),
    }
