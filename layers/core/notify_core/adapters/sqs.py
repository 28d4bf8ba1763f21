"""SQS: the channel queues (fan-out with SendMessageBatch, 10 messages per call), the quarantine, replays."""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Channel -> queue key; Slack and Telegram ride on the chat queue. tests/infra checks this equals
# wiring.DELIVERY_QUEUES (the layer cannot import the wiring).
CHANNEL_QUEUES = {"email": "email", "sms": "sms", "webhook": "webhook", "slack": "chat", "telegram": "chat"}

MAX_BATCH_BYTES = 256 * 1024  # SQS's limit on a whole batch's payload
SEND_THREADS = 8
# The quarantine keeps the offending event whole up to this many UTF-8 bytes, and its message (the event as a JSON
# string, with the reason) never over SQS's 256 KB: bytes, not characters (a Cyrillic character is two, an escaped
# quote two, a control character six).
MAX_KEPT_BYTES = 200 * 1024
MAX_MESSAGE_BYTES = 250 * 1024  # SQS's 256 KB, less room for the message attributes
# What SQS accepts in a message body (anything else: InvalidMessageContents).
_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class EnqueueError(RuntimeError):
    pass


def _fifo(url: str, delivery_id: str, dedup_suffix: str = "") -> dict[str, str]:
    """A channel queue is FIFO with one message group per delivery: no two receives of one delivery ever run at
    once (what lets a sender write nothing before its provider call), and a delivery queued twice within five
    minutes (a router retry) is queued once."""
    if not url.endswith(".fifo"):
        return {}
    dedup = f"{delivery_id}#{dedup_suffix}" if dedup_suffix else delivery_id
    return {"MessageGroupId": delivery_id, "MessageDeduplicationId": dedup[:128]}


def _chunks(bodies: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    size = 0
    for entry in bodies:
        n = len(entry[1].encode())
        if chunk and (len(chunk) == 10 or size + n > MAX_BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(entry)
        size += n
    if chunk:
        yield chunk


class DeliveryQueues:
    """The channel queues of one function: queue key -> URL (from its settings)."""

    def __init__(self, sqs: Any, queue_urls: Mapping[str, str]) -> None:
        self.sqs = sqs
        self.queue_urls = dict(queue_urls)

    def url_for(self, channel: str) -> str:
        try:
            return self.queue_urls[CHANNEL_QUEUES[channel]]
        except KeyError:
            raise RuntimeError(f"no queue is configured for the {channel!r} channel") from None

    def enqueue(self, messages: list[dict[str, Any]]) -> int:
        """Queue every message on its channel's queue; raise if any could not be queued.

        Raising makes the router's record fail and be retried whole: the deterministic delivery ids and the
        senders' claims turn the messages that did get through into no-ops the second time.
        """
        by_queue: dict[str, list[tuple[str, str]]] = {}
        for m in messages:
            by_queue.setdefault(self.url_for(m["channel"]), []).append(
                (m["delivery_id"], json.dumps(m, separators=(",", ":")))
            )
        batches = [(url, chunk) for url, bodies in by_queue.items() for chunk in _chunks(bodies)]

        def send(batch: tuple[str, list[tuple[str, str]]]) -> None:
            url, chunk = batch
            resp = self.sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "MessageBody": body, **_fifo(url, d)} for i, (d, body) in enumerate(chunk)],
            )
            if resp.get("Failed"):
                failed = ", ".join(f"{f['Id']}:{f.get('Code')}" for f in resp["Failed"])
                raise EnqueueError(f"{len(resp['Failed'])} deliveries not queued ({failed})")

        if len(batches) <= 2:
            for batch in batches:
                send(batch)
        else:
            # A large audience is hundreds of batches: a few threads (boto3 clients are thread-safe) keep one
            # event's fan-out well inside the router's timeout. Any failure re-raises after the others finish.
            with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
                # Each thread runs in a copy of the caller's context (logging keys, call accounting).
                for future in [pool.submit(contextvars.copy_context().run, send, b) for b in batches]:
                    future.result()
        return len(batches)

    def send_one(self, channel: str, body: str, *, dedup_suffix: str = "") -> None:
        """One stored message back on its channel's queue (replay: a ``dedup_suffix`` of its own, so the queue
        does not drop it as a repeat of the original within its five-minute deduplication window)."""
        url = self.url_for(channel)
        delivery_id = json.loads(body)["delivery_id"]
        self.sqs.send_message(QueueUrl=url, MessageBody=body, **_fifo(url, delivery_id, dedup_suffix))


class PageQueue:
    """The events queue, for the router's own messages: the later pages of a large audience (standard queue: a page
    routed twice is harmless, its deliveries are deduplicated downstream and its in-app items written create-only)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def put(self, bodies: list[str]) -> None:
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            resp = self.sqs.send_message_batch(
                QueueUrl=self.queue_url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
            )
            if resp.get("Failed"):
                raise EnqueueError(f"{len(resp['Failed'])} pages not queued")


class QuarantineQueue:
    """Events that cannot be routed, each with its reason, kept 14 days (alarmed when not empty)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None:
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=quarantine_body(raw_body, reason=reason, detail=detail, at=at, message_id=message_id),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
        )


def _cut(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` of at most ``max_bytes`` UTF-8 bytes (never half a character)."""
    return text.encode("utf-8", "replace")[:max_bytes].decode("utf-8", "ignore")


def quarantine_body(raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> str:
    """The quarantine message: the reason and the event, the event cut (by bytes) so the message fits SQS."""
    size = len(raw_body.encode("utf-8", "replace"))
    budget = MAX_KEPT_BYTES
    while True:
        kept = raw_body if size <= budget else _cut(raw_body, budget)
        body = json.dumps(
            {
                "reason": reason,
                "detail": _cut(detail, 4096),
                "quarantined_at": at,
                "source_message_id": message_id,
                "event": kept,
                "event_bytes": size,
                "truncated": kept is not raw_body,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        body = _NOT_SQS_TEXT.sub("\ufffd", body.encode("utf-8", "replace").decode("utf-8"))
        total = len(body.encode())
        if total <= MAX_MESSAGE_BYTES:
            return body
        # Escaping made the event bigger in the message: keep the share of it that fits, a little less each round.
        budget = max(0, int(min(budget, size) * MAX_MESSAGE_BYTES / total) - 1024)
