"""Playing Lambda's SQS event source mappings: the real handlers, in-process, with real event shapes.

moto routes EventBridge rules to SQS targets and SNS topics to SQS subscriptions, but it never runs a
function for a queue. A driver thread does what the event source mapping does on AWS: it receives a
batch, invokes the handler with an SQS batch event (records shaped as Lambda shapes them) and deletes
the messages the handler did not report in ``batchItemFailures``; a handler that raises leaves the whole
batch to come back after its visibility timeout. Handlers run one at a time (the ``busy`` lock), so a
test can pause the driver and play a batch by hand (``take_batch`` + ``invoke``) without a race.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from notify_infra import wiring
from notify_local.aws_calls import handler_running
from notify_local.names import ACCOUNT, physical_name, queue_arn


def _print_progress(pending: dict[str, int], waited_s: float) -> None:
    import sys

    left = ", ".join(f"{name.removeprefix('notify-')} {n:,}" for name, n in sorted(pending.items()))
    print(f"  ... {waited_s:4.0f} s: still in the queues: {left}", file=sys.stderr, flush=True)


class _LambdaContext:
    """What Powertools reads from a Lambda context."""

    def __init__(self, fn: wiring.Function) -> None:
        self.function_name = physical_name(fn.key)
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = fn.memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:local:{ACCOUNT}:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + fn.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class EventSource:
    """One event source mapping: a queue feeding a function in batches of up to ``batch_size``."""

    fn: wiring.Function
    queue_url: str
    queue_arn: str
    batch_size: int


def event_sources(queue_urls: dict[str, str], region: str) -> list[EventSource]:
    """The wiring's event source mappings (a dead-letter source reads its queue's DLQ)."""
    return [
        EventSource(
            fn,
            queue_urls[f"{s.queue}-dlq" if s.dead_letter else s.queue],
            queue_arn(region, f"{s.queue}-dlq" if s.dead_letter else s.queue),
            s.batch_size,
        )
        for fn in wiring.FUNCTIONS
        for s in fn.sources
    ]


class Driver:
    """The thread that plays every event source mapping, and the way to invoke a handler by hand.

    ``errors`` is shared with the runtime: a crashed handler is recorded there rather than stopping
    the thread. ``output`` is asked for on every invocation, so the runtime's ``handler_output`` can
    change between calls.
    """

    def __init__(self, region: str, errors: list[str], output: Callable[[], Any]) -> None:
        self.region = region
        self.errors = errors
        self.sources: list[EventSource] = []
        self._output = output
        self.clock: Callable[[], Any] | None = None  # what the handlers that read the time are built with
        self.quiet_hours: Callable[[], bool] | None = None  # whether business hours are kept (the clock says)
        self._handlers: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._busy = threading.Lock()
        # Asked before each DeleteMessageBatch the poller makes (function key -> fail it?): a failed delete leaves
        # the handled messages to come back after their visibility timeout, as on AWS.
        self.delete_fault: Callable[[str], bool] | None = None

    # ---------------------------------------------------------------- lifecycle
    def load_handlers(self, environment: Callable[[wiring.Function], dict[str, str]], *only: str) -> None:
        """Build every wiring function's handler (or ``only`` these) with its own environment, as a cold start
        on AWS would: the entry point ``functions/<key>/app.py`` names (``LazyHandler(build)``), built here with
        the function's environment instead of the process's."""
        for fn in wiring.FUNCTIONS:
            if only and fn.key not in only:
                continue
            module = importlib.import_module(f"functions.{fn.key}.{fn.handler.split('.')[0]}")
            entry = getattr(module, fn.handler.split(".")[1])
            # A builder that reads the time takes ``clock``: here it is the runtime's, which tests can move.
            takes_clock = "clock" in inspect.signature(entry.build).parameters
            extra: dict[str, Any] = {"clock": self.clock} if takes_clock and self.clock is not None else {}
            # ...and one that keeps business hours asks whether they are on (``LocalClock.quiet_hours``).
            if "quiet_hours" in inspect.signature(entry.build).parameters and self.quiet_hours is not None:
                extra["quiet_hours"] = self.quiet_hours
            self._handlers[fn.key] = entry.build(environment(fn), **extra)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._drive, name="notify-local-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the driver between batches: no handler runs until the block ends."""
        self._paused.set()
        with self._busy:
            try:
                yield
            finally:
                self._paused.clear()

    # ---------------------------------------------------------------- invoking
    def invoke(self, function_key: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke one handler as Lambda would, counting the AWS calls it makes."""
        fn = wiring.function(function_key)
        with handler_running(function_key):
            output = self._output()
            if output is None:
                return self._handlers[function_key](event, _LambdaContext(fn)) or {}
            with contextlib.redirect_stdout(output):
                return self._handlers[function_key](event, _LambdaContext(fn)) or {}

    def invoke_exclusively(self, function_key: str, event: dict[str, Any]) -> dict[str, Any]:
        """``invoke``, but never alongside a batch the driver thread is running."""
        with self._busy:
            return self.invoke(function_key, event)

    def take_batch(self, queue_url: str, max_messages: int = 10) -> dict[str, Any]:
        """Receive messages as the event source mapping would, without deleting them."""
        import boto3

        source = next(s for s in self.sources if s.queue_url == queue_url)
        messages = self._receive(boto3.client("sqs"), source, max_messages)
        return {"Records": [self._record(m, source) for m in messages]}

    # ------------------------------------------------------------------ driving
    def _drive(self) -> None:
        import boto3

        sqs = boto3.client("sqs")
        while not self._stop.is_set():
            if self._paused.is_set():
                time.sleep(0.01)
                continue
            worked = False
            with self._busy:
                for source in self.sources:
                    if self._stop.is_set() or self._paused.is_set():
                        break
                    try:
                        worked |= self._poll(sqs, source)
                    except Exception as exc:  # keep driving: a crash is visible in errors and logs
                        self.errors.append(f"{source.fn.key}: {type(exc).__name__}: {exc}")
            if not worked:
                time.sleep(0.02)

    def _poll(self, sqs: Any, source: EventSource) -> bool:
        messages = self._receive(sqs, source, source.batch_size)
        if not messages:
            return False
        try:
            result = self.invoke(source.fn.key, {"Records": [self._record(m, source) for m in messages]})
        except Exception as exc:
            # As in Lambda: the whole batch returns to the queue after its visibility timeout.
            self.errors.append(f"{source.fn.key}: {type(exc).__name__}: {exc}")
            return True
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done and self.delete_fault is not None and self.delete_fault(source.fn.key):
            return True  # the poller's delete failed: every handled message of the batch comes back
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=entries)
        return True

    @staticmethod
    def _receive(sqs: Any, source: EventSource, max_messages: int) -> list[dict[str, Any]]:
        resp = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return resp.get("Messages", [])

    def _record(self, m: dict[str, Any], source: EventSource) -> dict[str, Any]:
        """An SQS message as Lambda hands it to a function (camelCase keys, string attributes)."""
        attrs = m.get("Attributes", {})
        return {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attrs.get("SentTimestamp", "0"),
                "SenderId": attrs.get("SenderId", ACCOUNT),
                "ApproximateFirstReceiveTimestamp": attrs.get("ApproximateFirstReceiveTimestamp", "0"),
                # What Lambda adds for a FIFO queue's records.
                **{k: attrs[k] for k in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber") if k in attrs},
            },
            "messageAttributes": {
                k: {
                    "stringValue": v.get("StringValue"),
                    "dataType": v.get("DataType"),
                    "stringListValues": [],
                    "binaryListValues": [],
                }
                for k, v in m.get("MessageAttributes", {}).items()
            },
            "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": source.queue_arn,
            "awsRegion": self.region,
        }

    # ------------------------------------------------------------------ waiting
    def wait_idle(self, timeout_s: float = 30.0, *, progress: Any = None, every_s: float = 10.0) -> None:
        """Return once every queue a handler consumes is empty and no handler is running (see the runtime's)."""
        import boto3

        sqs = boto3.client("sqs")
        started = time.monotonic()
        deadline, next_report = started + timeout_s, started + every_s
        report = _print_progress if progress is True else progress
        quiet = 0
        while time.monotonic() < deadline:
            with self._busy:
                pending = self.pending(sqs)
            quiet = quiet + 1 if not pending else 0
            if quiet >= 2:
                return
            if report and pending and time.monotonic() >= next_report:
                report(pending, time.monotonic() - started)
                next_report = time.monotonic() + every_s
            time.sleep(0.03)
        raise TimeoutError(f"still busy after {timeout_s}s: {self.pending(sqs)}; errors: {self.errors[-5:]}")

    def pending(self, sqs: Any) -> dict[str, int]:
        """Messages still in (or in flight from, or delayed on) each consumed queue, by queue name."""
        pending = {}
        for source in self.sources:
            a = sqs.get_queue_attributes(QueueUrl=source.queue_url, AttributeNames=["All"])["Attributes"]
            n = sum(
                int(a.get(k, 0))
                for k in (
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                )
            )
            if n:
                pending[source.queue_url.rsplit("/", 1)[-1]] = n
        return pending
