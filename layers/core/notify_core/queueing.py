"""Fan-out to the per-channel queues with SendMessageBatch (10 messages per call)."""

from __future__ import annotations

import contextvars
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from notify_core import clients
from notify_core.config import get_config

# Channel -> queue key; Slack and Telegram ride on the chat queue. The layer cannot import the wiring:
# tests/infra checks this equals wiring.DELIVERY_QUEUES.
CHANNEL_QUEUES = {"email": "email", "sms": "sms", "webhook": "webhook", "slack": "chat", "telegram": "chat"}

MAX_BATCH_BYTES = 256 * 1024  # SQS's limit on a whole batch's payload
SEND_THREADS = 8


class EnqueueError(RuntimeError):
    pass


def _chunks(bodies: list[tuple[str, str]]):
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


def enqueue(messages: list[dict[str, Any]], channel_queues: dict[str, str] = CHANNEL_QUEUES) -> int:
    """Queue every message on its channel's queue; raise if any could not be queued.

    Raising makes the router's record fail and be retried whole: the deterministic delivery ids and
    the senders' idempotency turn the messages that did get through into no-ops the second time.
    """
    cfg = get_config()
    sqs = clients.client("sqs")
    by_queue: dict[str, list[tuple[str, str]]] = {}
    for m in messages:
        url = cfg.queue_url(channel_queues[m["channel"]])
        by_queue.setdefault(url, []).append((m["delivery_id"], json.dumps(m, separators=(",", ":"))))
    batches = [(url, chunk) for url, bodies in by_queue.items() for chunk in _chunks(bodies)]

    def send(batch: tuple[str, list[tuple[str, str]]]) -> None:
        url, chunk = batch
        resp = sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i, (_, body) in enumerate(chunk)]
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
