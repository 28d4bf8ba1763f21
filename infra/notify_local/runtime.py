"""The embedded local runtime: the whole platform on moto, without an AWS account.

It starts moto in server mode, creates the bus, rules, queues (with their DLQs and redrive) and
tables that ``notify_infra.wiring`` describes, and drives the real Lambda handlers in-process with
the event shapes AWS would give them: EventBridge puts events on the events queue (moto routes
rules to SQS targets as AWS does), and a driver thread plays the SQS event source mappings,
receiving batches, invoking handlers with SQS batch events and deleting what they did not report
as failed. What was delivered can be read back: emails from moto's SES store, SMS from its SNS
store, webhooks, Slack and Telegram messages from the local receiver (which also plays the Telegram
Bot API: ``TELEGRAM_API_BASE`` points at it), and the delivery log.

Usable from Python (a context manager) and from pytest (the ``notify_runtime`` fixture).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import json
import os
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notify_infra import wiring

ACCOUNT = "123456789012"
NAME_PREFIX = "notify-"
# Set while a handler runs (a ContextVar, so threads a handler starts with its context count too).
_in_handler: contextvars.ContextVar[bool] = contextvars.ContextVar("notify_in_handler", default=False)


def physical_name(key: str) -> str:
    return f"{NAME_PREFIX}{key}"


@dataclass
class EmailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Email:
    to: list[str]
    sender: str
    subject: str
    html: str
    message_id: str
    # Read from raw MIME messages (emails with attachments); moto keeps only the HTML of a Simple email.
    text: str | None = None
    attachments: list[EmailAttachment] = field(default_factory=list)
    raw: bytes | None = None


@dataclass
class Sms:
    to: str
    text: str
    message_id: str


@dataclass
class Outbox:
    emails: list[Email]
    sms: list[Sms]
    webhooks: list[Any]
    deliveries: list[dict[str, Any]]
    quarantined: list[dict[str, Any]]
    telegram: list[Any] = field(default_factory=list)  # notify_local.receiver.TelegramMessage

    def telegram_to(self, chat_id: int | str) -> list[Any]:
        return [m for m in self.telegram if str(m.chat_id) == str(chat_id)]

    def emails_to(self, address: str) -> list[Email]:
        return [e for e in self.emails if address in e.to]

    def sms_to(self, number: str) -> list[Sms]:
        return [s for s in self.sms if s.to == number]

    def deliveries_with(self, **attrs: Any) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if all(d.get(k) == v for k, v in attrs.items())]


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
class _Source:
    fn: wiring.Function
    queue_url: str
    queue_arn: str
    batch_size: int


@dataclass
class LocalRuntime:
    """The platform on moto. ``with LocalRuntime() as rt: rt.publish(...); rt.wait_idle(); rt.outbox()``."""

    host: str = "127.0.0.1"
    port: int = 4566  # 0: any free port
    region: str = "eu-west-1"
    # Local retries are immediate by default so a retry series plays out in milliseconds.
    retry_base_delay_s: int = 0
    # How long a message stays hidden after a handler crashed outright (AWS: the wiring's timeout).
    visibility_timeout_s: int = 2
    webhook_timeout_s: float = 15.0
    allow_loopback_webhooks: bool = True
    log_level: str = "WARNING"
    # Where handlers' stdout (Powertools EMF metrics) goes; None leaves it on the process's stdout.
    handler_output: Any = None
    aws_calls: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._busy = threading.Lock()
        self._handlers: dict[str, Any] = {}
        self._sources: list[_Source] = []
        self.queue_urls: dict[str, str] = {}
        self.topic_arns: dict[str, str] = {}
        self.bucket_names: dict[str, str] = {}
        self.endpoint_url = ""
        self.receiver: Any = None
        self.errors: list[str] = []

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> LocalRuntime:
        from moto.server import ThreadedMotoServer

        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SESSION_TOKEN="testing",
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
        )
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        # Step Functions SDK tasks in moto call back to localhost:$MOTO_PORT.
        os.environ.update(AWS_ENDPOINT_URL=self.endpoint_url, MOTO_PORT=str(port))
        _install_call_counter(self.aws_calls)
        self.provision()
        self._load_handlers()
        self._stop.clear()
        self._thread = threading.Thread(target=self._drive, name="notify-local-driver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        if self._server:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every event, delivery and setting; keep the server and handlers (fast, for tests)."""
        with self.paused():
            req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
            urllib.request.urlopen(req, timeout=10).read()
            self.provision()
            self._load_handlers()
            self.aws_calls.clear()
            self.errors.clear()
            if self.receiver:
                self.receiver.clear()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self._paused.set()
        with self._busy:
            try:
                yield
            finally:
                self._paused.clear()

    # ------------------------------------------------------------- provisioning
    def provision(self) -> None:
        """Create from the wiring what the CDK stack creates on AWS, and point the handlers at it."""
        import boto3

        from notify_core import clients
        from notify_core.config import get_config

        ddb = boto3.client("dynamodb")
        for t in wiring.TABLES:
            _create_table(ddb, t)
        sqs = boto3.client("sqs")
        for q in wiring.QUEUES:
            visibility = str(min(q.visibility_timeout_s, self.visibility_timeout_s))
            attrs: dict[str, str] = {
                "VisibilityTimeout": visibility,
                "MessageRetentionPeriod": str(q.retention_days * 86400),
            }
            if q.dlq_key:
                dlq_url = sqs.create_queue(
                    QueueName=physical_name(q.dlq_key), Attributes={"VisibilityTimeout": visibility}
                )["QueueUrl"]
                self.queue_urls[q.dlq_key] = dlq_url
                attrs["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": self.queue_arn(q.dlq_key), "maxReceiveCount": q.max_receive_count}
                )
            self.queue_urls[q.key] = sqs.create_queue(QueueName=physical_name(q.key), Attributes=attrs)["QueueUrl"]
        events = boto3.client("events")
        events.create_event_bus(Name=wiring.BUS_NAME)
        for rule in wiring.RULES:
            events.put_rule(Name=rule.key, EventBusName=wiring.BUS_NAME, EventPattern=json.dumps(rule.event_pattern))
            events.put_targets(
                Rule=rule.key,
                EventBusName=wiring.BUS_NAME,
                Targets=[{"Id": rule.target_queue, "Arn": self.queue_arn(rule.target_queue)}],
            )
        self._provision_email_feedback()
        self._provision_log_sources()
        s3 = boto3.client("s3")
        for b in wiring.BUCKETS:
            self.bucket_names[b.key] = physical_name(b.key)
            location = (
                {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
            )
            s3.create_bucket(Bucket=self.bucket_names[b.key], **location)
        os.environ.update(self.function_environment())
        get_config.cache_clear()
        clients.reset()
        self._sources = [
            _Source(
                fn,
                self.queue_urls[f"{s.queue}-dlq" if s.dead_letter else s.queue],
                self.queue_arn(f"{s.queue}-dlq" if s.dead_letter else s.queue),
                s.batch_size,
            )
            for fn in wiring.FUNCTIONS
            for s in fn.sources
        ]

    def _provision_email_feedback(self) -> None:
        """The wiring's topics (with their SQS subscriptions) and the SES configuration set.

        moto stores the configuration set and its SNS event destination but never publishes SES events;
        tests put realistic SES events on the feedback topic themselves (``publish_ses_event``).
        """
        import boto3

        sns = boto3.client("sns")
        self.topic_arns = {}
        for t in wiring.TOPICS:
            arn = sns.create_topic(Name=physical_name(t.key))["TopicArn"]
            self.topic_arns[t.key] = arn
            for q in t.queues:
                # Not raw: the queue gets SNS envelopes, as the stack's subscription delivers them.
                sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=self.queue_arn(q))
        fb = wiring.EMAIL_FEEDBACK
        boto3.client("sesv2").create_configuration_set(ConfigurationSetName=fb.configuration_set)
        boto3.client("ses").create_configuration_set_event_destination(
            ConfigurationSetName=fb.configuration_set,
            EventDestination={
                "Name": fb.topic,
                "Enabled": True,
                "MatchingEventTypes": list(fb.event_types),
                "SNSDestination": {"TopicARN": self.topic_arns[fb.topic]},
            },
        )

    def log_group_name(self, template: str) -> str:
        """A wiring log group name (``wiring.LogSource.log_group``) in this runtime's region and account."""
        return template.format(region=self.region, account=ACCOUNT)

    def _provision_log_sources(self) -> None:
        """The log groups the wiring's functions subscribe to, created as the stack creates them.

        moto stores subscription filters but never invokes a Lambda for them (and SNS never writes SMS
        delivery status): ``deliver_sms_status`` writes the line and invokes the subscribers itself.
        """
        import boto3

        logs = boto3.client("logs")
        self.log_subscribers: dict[str, list[wiring.Function]] = {}
        for fn in wiring.FUNCTIONS:
            for source in fn.log_sources:
                name = self.log_group_name(source.log_group)
                if name not in self.log_subscribers:
                    logs.create_log_group(logGroupName=name)
                    logs.put_retention_policy(logGroupName=name, retentionInDays=source.retention_days)
                self.log_subscribers.setdefault(name, []).append(fn)

    def deliver_sms_status(
        self,
        message_id: str,
        status: str = "SUCCESS",
        provider_response: str | None = None,
        *,
        destination: str | None = None,
        timestamp: str | None = None,
    ) -> list[dict[str, Any]]:
        """What SNS does once a carrier answers for an SMS: one delivery-status line in the success or the
        failure log group, which its subscription filters hand to their functions (CloudWatch Logs event:
        base64 of gzipped JSON). Returns what each subscribed handler returned.

        ``destination`` defaults to the number moto's SNS store holds for ``message_id``.
        """
        import base64
        import gzip

        import boto3

        success_group, failure_group = (self.log_group_name(g) for g in wiring.SMS_STATUS_LOG_GROUPS)
        group = success_group if status == "SUCCESS" else failure_group
        if destination is None:
            destination = next((s.to for s in self.outbox().sms if s.message_id == message_id), None)
        now = datetime.now(UTC)
        line = json.dumps(
            {
                "notification": {
                    "messageId": message_id,
                    "timestamp": timestamp or now.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                },
                "delivery": {
                    "phoneCarrier": "Local Carrier",
                    "mnc": 1,
                    "mcc": 257,
                    "destination": destination,
                    "priceInUSD": 0.00645,
                    "smsType": "Transactional",
                    "providerResponse": provider_response
                    or ("Message has been accepted by phone carrier" if status == "SUCCESS" else "Unknown error"),
                    "dwellTimeMs": 599,
                    "dwellTimeMsUntilDeviceAck": 1344,
                },
                "status": status,
            }
        )
        epoch_ms = int(now.timestamp() * 1000)
        stream = f"{now:%Y/%m/%d}/{uuid.uuid4().hex}"
        logs = boto3.client("logs")
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": epoch_ms, "message": line}]
        )
        results = []
        for fn in self.log_subscribers.get(group, []):
            payload = {
                "messageType": "DATA_MESSAGE",
                "owner": ACCOUNT,
                "logGroup": group,
                "logStream": stream,
                "subscriptionFilters": [f"{fn.key}-subscription"],
                "logEvents": [{"id": str(uuid.uuid4().int)[:56], "timestamp": epoch_ms, "message": line}],
            }
            data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
            with self._busy:  # one handler at a time, as the driver thread runs them
                results.append(self.invoke(fn.key, {"awslogs": {"data": data}}))
        return results

    def publish_sms_inbound(
        self,
        origination: str,
        body: str,
        *,
        previous_published_message_id: str | None = None,
        keyword: str | None = None,
        destination: str = "+12125550101",
    ) -> None:
        """Publish an SMS someone texted to the two-way number, as AWS End User Messaging SMS would."""
        import boto3

        payload = {
            "originationNumber": origination,
            "destinationNumber": destination,
            "messageKeyword": keyword,  # the number's registered keyword AWS associated (we read the body)
            "messageBody": body,
            "inboundMessageId": str(uuid.uuid4()),
            "previousPublishedMessageId": previous_published_message_id,
        }
        boto3.client("sns").publish(TopicArn=self.topic_arns[wiring.SMS_INBOUND_TOPIC], Message=json.dumps(payload))

    def publish_ses_event(self, event: dict[str, Any]) -> None:
        """Publish an SES event notification on the feedback topic, as SES would on AWS."""
        import boto3

        boto3.client("sns").publish(TopicArn=self.topic_arns[wiring.EMAIL_FEEDBACK.topic], Message=json.dumps(event))

    def function_environment(self) -> dict[str, str]:
        """The union of every function's environment: resource names are the same for all of them."""
        env = dict(wiring.COMMON_ENV)
        for t in wiring.TABLES:
            env[t.env] = physical_name(t.key)
        for q in wiring.QUEUES:
            env[q.env] = self.queue_urls[q.key]
        for b in wiring.BUCKETS:
            env[b.env] = physical_name(b.key)
        for fn in wiring.FUNCTIONS:
            env.update(fn.env)
        env.update(
            RETRY_BASE_DELAY_S=str(self.retry_base_delay_s),
            WEBHOOK_TIMEOUT_S=str(self.webhook_timeout_s),
            NOTIFY_ALLOW_LOOPBACK_WEBHOOKS="1" if self.allow_loopback_webhooks else "0",
            WEBHOOK_SECRET_PREFIX=wiring.WEBHOOK_SECRET_PREFIX,
            POWERTOOLS_LOG_LEVEL=self.log_level,
            # One process plays every function: logs say "notify-local" (on AWS, the function's key).
            POWERTOOLS_SERVICE_NAME="notify-local",
            POWERTOOLS_METRICS_NAMESPACE=wiring.METRICS_NAMESPACE,
        )
        if self.receiver is not None:
            env["TELEGRAM_API_BASE"] = self.receiver.telegram_api_base  # the receiver plays the Bot API
        return env

    def queue_arn(self, key: str) -> str:
        return f"arn:aws:sqs:{self.region}:{ACCOUNT}:{physical_name(key)}"

    def _load_handlers(self) -> None:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        for fn in wiring.FUNCTIONS:
            module_name = f"functions.{fn.key}.{fn.handler.split('.')[0]}"
            module = importlib.import_module(module_name)
            # A fresh module per start: handler-level singletons must not keep another run's clients.
            module = importlib.reload(module)
            self._handlers[fn.key] = getattr(module, fn.handler.split(".")[1])

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
                for source in self._sources:
                    if self._stop.is_set() or self._paused.is_set():
                        break
                    try:
                        worked |= self._poll(sqs, source)
                    except Exception as exc:  # keep driving: a crash is visible in errors and logs
                        self.errors.append(f"{source.fn.key}: {type(exc).__name__}: {exc}")
            if not worked:
                time.sleep(0.02)

    def _poll(self, sqs: Any, source: _Source) -> bool:
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
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=entries)
        return True

    @staticmethod
    def _receive(sqs: Any, source: _Source, max_messages: int) -> list[dict[str, Any]]:
        resp = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return resp.get("Messages", [])

    def invoke(self, function_key: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke one handler as Lambda would, counting the AWS calls it makes."""
        fn = wiring.function(function_key)
        token = _in_handler.set(True)
        try:
            if self.handler_output is None:
                return self._handlers[function_key](event, _LambdaContext(fn)) or {}
            with contextlib.redirect_stdout(self.handler_output):
                return self._handlers[function_key](event, _LambdaContext(fn)) or {}
        finally:
            _in_handler.reset(token)

    def take_batch(self, queue_key: str, max_messages: int = 10) -> dict[str, Any]:
        """Receive messages from a queue as the event source mapping would, without deleting them.

        For tests that play a handler by hand (use inside ``paused()``): the same batch can be handed
        to ``invoke`` twice to play a redelivery.
        """
        import boto3

        source = next(s for s in self._sources if s.queue_url == self.queue_urls[queue_key])
        messages = self._receive(boto3.client("sqs"), source, max_messages)
        return {"Records": [self._record(m, source) for m in messages]}

    def _record(self, m: dict[str, Any], source: _Source) -> dict[str, Any]:
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

    # ------------------------------------------------------------------- using
    def publish(self, detail_type: str, detail: dict[str, Any] | str, source: str = "local.demo") -> str:
        """Publish one event on the bus, exactly as a product service would (boto3 PutEvents)."""
        import boto3

        body = detail if isinstance(detail, str) else json.dumps(detail)
        resp = boto3.client("events").put_events(
            Entries=[{"Source": source, "DetailType": detail_type, "Detail": body, "EventBusName": wiring.BUS_NAME}]
        )
        if resp.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents failed: {resp['Entries']}")
        return resp["Entries"][0]["EventId"]

    def apply_settings(self, document: dict[str, Any] | str | Path) -> Any:
        """Load an org settings document, and verify its sender identity in moto's SES."""
        import boto3

        from notify_core import settings_document

        if isinstance(document, Path):
            document = document.read_text()
        doc = (
            settings_document.parse(document)
            if isinstance(document, str)
            else settings_document.SettingsDocument.model_validate(document)
        )
        result = settings_document.apply(doc)
        sender = doc.email_from or wiring.COMMON_ENV["DEFAULT_EMAIL_FROM"]
        boto3.client("ses").verify_email_identity(EmailAddress=sender)
        return result

    def start_receiver(self, port: int = 0) -> Any:
        from notify_local.receiver import WebhookReceiver

        if self.receiver is None:
            from notify_core.config import get_config

            self.receiver = WebhookReceiver(self.host, port).start()
            os.environ["TELEGRAM_API_BASE"] = self.receiver.telegram_api_base
            get_config.cache_clear()
        return self.receiver

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Return once every queue a handler consumes is empty and no handler is running."""
        import boto3

        sqs = boto3.client("sqs")
        deadline = time.monotonic() + timeout_s
        quiet = 0
        while time.monotonic() < deadline:
            with self._busy:
                pending = self._pending(sqs)
            quiet = quiet + 1 if not pending else 0
            if quiet >= 2:
                return
            time.sleep(0.03)
        raise TimeoutError(f"still busy after {timeout_s}s: {self._pending(sqs)}; errors: {self.errors[-5:]}")

    def _pending(self, sqs: Any) -> dict[str, int]:
        pending = {}
        for source in self._sources:
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

    def outbox(self) -> Outbox:
        # moto dumps every backend here: after a 10,000-delivery storm that takes well over 10 s.
        data = json.load(urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=300))
        emails = [
            Email(
                to=m["destinations"].get("ToAddresses", []),
                sender=m["source"],
                subject=m.get("subject", ""),
                html=m.get("body", ""),
                message_id=m["id"],
            )
            for m in data.get("ses", {}).get("Message", [])
        ]
        emails += [_raw_email(m) for m in data.get("ses", {}).get("RawMessage", [])]
        sms = [
            Sms(to=s["phone_number"], text=s["message"], message_id=s["message_id"])
            for s in data.get("sns", {}).get("SMS", [])
        ]
        return Outbox(
            emails=emails,
            sms=sms,
            webhooks=self.receiver.received() if self.receiver else [],
            deliveries=self.deliveries(),
            quarantined=self.quarantined(),
            telegram=self.receiver.telegram_messages() if self.receiver else [],
        )

    def deliveries(self) -> list[dict[str, Any]]:
        from notify_core.delivery_log import Delivery

        # A Scan is fine for a local inspection view; production reads go through keys and the by_org index.
        items = [d.to_simple_dict() for d in Delivery.scan()]
        return sorted(items, key=lambda d: (d.get("created_at", ""), d["delivery_id"]))

    def inbox(self, org_id: str, user_id: str) -> list[dict[str, Any]]:
        """A member's in-app inbox in one org, newest first."""
        from notify_core import inbox

        return [i.to_simple_dict() for i in inbox.list_items(org_id, user_id, limit=100)]

    def quarantined(self) -> list[dict[str, Any]]:
        import boto3

        sqs = boto3.client("sqs")
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(20):  # peek: VisibilityTimeout=0 leaves every message where it is
            resp = sqs.receive_message(
                QueueUrl=self.queue_urls["quarantine"], MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
            )
            msgs = resp.get("Messages", [])
            new = [m for m in msgs if m["MessageId"] not in seen]
            for m in new:
                seen[m["MessageId"]] = json.loads(m["Body"])
            if not new:
                break
        return list(seen.values())


def _raw_email(stored: dict[str, Any]) -> Email:
    """An email sent as raw MIME (SES v2 ``Content.Raw``), parsed back: bodies, attachments, recipients."""
    from email import policy
    from email.parser import BytesParser
    from email.utils import getaddresses

    raw = stored["raw_data"].encode()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    # moto lists a recipient twice (Destination and the To header): once each here.
    to = list(dict.fromkeys(addr for _, addr in getaddresses(stored["destinations"]) if addr))
    return Email(
        to=to,
        sender=stored["source"],
        subject=str(msg.get("Subject", "")),
        html=html.get_content() if html is not None else "",
        message_id=stored["id"],
        text=text.get_content() if text is not None else None,
        attachments=[
            EmailAttachment(part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True) or b"")
            for part in msg.iter_attachments()
        ],
        raw=raw,
    )


def _create_table(ddb: Any, t: wiring.Table) -> None:
    keys = [t.partition_key] + ([t.sort_key] if t.sort_key else [])
    attrs = {name: typ for name, typ in keys}
    for ix in t.indexes:
        for name, typ in [ix.partition_key] + ([ix.sort_key] if ix.sort_key else []):
            attrs[name] = typ

    def schema(pk: tuple[str, str], sk: tuple[str, str] | None) -> list[dict[str, str]]:
        return [{"AttributeName": pk[0], "KeyType": "HASH"}] + (
            [{"AttributeName": sk[0], "KeyType": "RANGE"}] if sk else []
        )

    kwargs: dict[str, Any] = {
        "TableName": physical_name(t.key),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": ty} for n, ty in attrs.items()],
        "KeySchema": schema(t.partition_key, t.sort_key),
    }
    if t.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": schema(ix.partition_key, ix.sort_key),
                "Projection": {"ProjectionType": ix.projection},
            }
            for ix in t.indexes
        ]
    ddb.create_table(**kwargs)
    if t.ttl_attribute:
        ddb.update_time_to_live(
            TableName=physical_name(t.key), TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute}
        )


_counter_installed: list[Counter] = []
_counter_lock = threading.Lock()


def _install_call_counter(counter: Counter) -> None:
    """Count the AWS API calls handlers make (boto3 and PynamoDB both go through botocore)."""
    from botocore.client import BaseClient

    _counter_installed[:] = [counter]
    if getattr(BaseClient._make_api_call, "_notify_counted", False):
        return
    original = BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        if _in_handler.get() and _counter_installed:
            with _counter_lock:
                _counter_installed[0][f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    counted._notify_counted = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = counted  # type: ignore[method-assign]


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
