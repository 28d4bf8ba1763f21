"""SQS: the channel queues (fan-out with SendMessageBatch, 10 messages per call), the quarantine, replays."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Channel -> queue key; Slack and Telegram ride on the chat queue. tests/infra checks this equals
# wiring.DELIVERY_QUEUES (the layer cannot import the wiring).
CHANNEL_QUEUES = {"email": "email", "sms": "sms", "webhook": "webhook", "slack": "chat", "telegram": "chat"}

MAX_BATCH_BYTES = 256 * 1024  # SQS's limit on a whole batch's payload
SEND_THREADS = 8
# The quarantine keeps the offending event whole up to this many bytes (SQS takes 256 KB with the envelope).
MAX_KEPT_BYTES = 200 * 1024


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


class QuarantineQueue:
    """Events that cannot be routed, each with its reason, kept 14 days (alarmed when not empty)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def put(self, raw_body: str, *, reason: str, detail: str, at: str, message_id: str | None) -> None:
        kept: Any = raw_body if len(raw_body.encode()) <= MAX_KEPT_BYTES else raw_body[:MAX_KEPT_BYTES]
        body = json.dumps(
            {"reason": reason, "detail": detail, "quarantined_at": at, "source_message_id": message_id, "event": kept},
            separators=(",", ":"),
        )
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
        )
