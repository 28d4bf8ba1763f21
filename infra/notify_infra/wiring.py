"""The one description of how the platform is wired.

Read by the CDK stack (``notify_infra.stack``) to build AWS resources and by the embedded local
runtime (``notify_local.runtime``) to create the same bus, rules, queues and tables on moto and to
drive the same handlers with the same event shapes. Nothing else may describe these joints, so the
two cannot drift.

Environment variables are the contract between the wiring and the handlers: every resource a function
touches reaches it as an environment variable. Their names belong to ``notify_core.config`` (imported here, never
spelled twice), and each function's settings model there says which it needs: ``function_environment`` builds
a function's environment for the CDK stack and for the local runtime alike, and an infra test validates every
synthesized environment against the function's model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from notify_core import config as env_names
from notify_core.config import FUNCTION_SETTINGS, FunctionSettings
from notify_core.domain import activity, appointments, due_dates, reminders

BUS_NAME = env_names.DEFAULT_BUS_NAME
# Events the platform publishes itself (reminders, alerts) use this source; they are routed too. Its functions may
# publish only these types (IAM on AWS, a hook in the local runtime), and nobody else may use the source (bus policy).
PLATFORM_SOURCE = env_names.PLATFORM_SOURCE
PLATFORM_EVENT_TYPES = env_names.PLATFORM_EVENT_TYPES
METRICS_NAMESPACE = env_names.METRICS_NAMESPACE

KeyType = Literal["S", "N"]


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: tuple[str, KeyType]
    sort_key: tuple[str, KeyType] | None = None
    # ALL copies every attribute into the index; KEYS_ONLY holds the keys (a lookup index whose reader
    # fetches the item itself costs no second copy of the delivery log); INCLUDE adds ``include``.
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publisher:
    """A principal that may put events on the bus, and the sources it may use (the bus policy; README "Publishers").

    ``principal``: an AWS account id (any of its principals) or an IAM role ARN. EventBridge checks
    ``events:source`` against ``sources`` on every entry, so a product cannot publish as another product; an org's
    settings document then names the sources that may speak for it.
    """

    principal: str
    sources: tuple[str, ...]
    purpose: str = ""

    @property
    def is_account(self) -> bool:
        return self.principal.isdigit() and len(self.principal) == 12


@dataclass(frozen=True)
class Table:
    key: str  # logical name, used in code and as the local physical name suffix
    env: str  # environment variable carrying the physical table name
    partition_key: tuple[str, KeyType]
    sort_key: tuple[str, KeyType] | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    purpose: str = ""


@dataclass(frozen=True)
class Queue:
    key: str
    env: str  # environment variable carrying the queue URL
    visibility_timeout_s: int
    max_receive_count: int | None  # None: no dead-letter queue (the queue is itself a final stop)
    retention_days: int = 4
    purpose: str = ""
    # FIFO, high-throughput mode, one message group per delivery: no two receives of one delivery run at once,
    # and a delivery queued twice within five minutes is queued once (see domain.delivery). Its DLQ is FIFO too.
    fifo: bool = False

    @property
    def dlq_key(self) -> str | None:
        return f"{self.key}-dlq" if self.max_receive_count else None


@dataclass(frozen=True)
class Rule:
    key: str
    event_pattern: dict
    target_queue: str
    purpose: str = ""


@dataclass(frozen=True)
class Topic:
    """An SNS topic whose messages reach SQS queues (as SNS envelopes: ``Message`` holds the payload)."""

    key: str
    queues: tuple[str, ...]  # wiring queues subscribed to it
    purpose: str = ""


@dataclass(frozen=True)
class EmailFeedback:
    """The SES configuration set every email is sent with, and where its events go."""

    configuration_set: str  # SES configuration set name (account/region-unique)
    env: str  # environment variable carrying the name to the email sender
    topic: str  # wiring topic the event destination publishes to
    # SES event types always published (CloudFormation MatchingEventTypes spelling): what changes a delivery's fate.
    event_types: tuple[str, ...] = ("bounce", "complaint", "reject", "deliveryDelay")
    # Published only when a deployment asks (``DeploymentOptions.ses_delivery_events``): one per email sent, each
    # costing the feedback function its calls and the delivery its write, for a "delivered" most teams never read.
    optional_event_types: tuple[str, ...] = ("delivery",)


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket the platform owns. Products write objects under ``<org_id>/``; functions read them."""

    key: str  # logical name; the local physical name is notify-<key>
    env: str  # environment variable carrying the bucket name
    expiration_days: int  # objects are deleted this long after upload (lifecycle rule)
    purpose: str = ""


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source mapping: the function receives SQS batch events from this queue."""

    queue: str
    batch_size: int = 10
    max_batching_window_s: int = 0
    dead_letter: bool = False  # consume the queue's DLQ instead of the queue itself


@dataclass(frozen=True)
class LogSource:
    """A CloudWatch Logs subscription filter: the function receives the log group's events.

    Lambda gets them as ``{"awslogs": {"data": <base64 of gzipped JSON with logEvents>}}``, invoked
    asynchronously by CloudWatch Logs (no queue, no batch item failures). The log group is created by
    the stack (so the filter can attach before the writer's first line) with ``retention_days``.
    """

    log_group: str  # name; "{region}" and "{account}" are filled in per deployment
    retention_days: int = 30
    filter_pattern: str = ""  # "" = every event


@dataclass(frozen=True)
class Access:
    """What a function may touch. The stack turns this into least-privilege grants."""

    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()
    queues_send: tuple[str, ...] = ()
    ses_send: bool = False
    sns_sms: bool = False
    ssm_prefix: str | None = None  # SecureString parameters under this path (webhook secrets)
    # UpdateItem only (no Put/Delete, no reads): the webhook sender's endpoint health on settings items
    tables_update: tuple[str, ...] = ()
    events_put: bool = False  # PutEvents on the platform's bus, with the platform's source
    # ...and only these of the platform's event types (its IAM condition; the local runtime checks the same)
    platform_events: tuple[str, ...] = ("url_notification.failed",)
    buckets_read: tuple[str, ...] = ()  # s3:GetObject (HeadObject rides on it) on the bucket's objects, nothing else
    # states:StartExecution and states:StopExecution on these state machines' executions (reminder steps)
    state_machines: tuple[str, ...] = ()
    # states:StartExecution alone on these state machines (the router holding an SMS for quiet hours: it never stops)
    state_machines_start: tuple[str, ...] = ()
    # ssm:PutParameter (and GetParameter without decryption: "does a secret exist?") under these paths: the admin
    # API stores an imported document's secrets there; it never reads one back.
    ssm_write_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StateMachine:
    """A Step Functions Standard state machine: its ASL (JSONPath), the one the stack deploys and the local runtime
    executes on moto; ``${<Placeholder>}`` names the function ARNs it invokes (``invokes``: placeholder -> key)."""

    key: str  # the physical name is notify-<key> (fixed: functions build its ARN from it without a reference)
    env: str  # environment variable carrying its ARN
    definition_file: str  # under infra/notify_infra/state_machines/
    invokes: dict[str, str]
    purpose: str = ""

    @property
    def name(self) -> str:
        return f"notify-{self.key}"

    def definition(self) -> dict[str, Any]:
        return json.loads((Path(__file__).parent / "state_machines" / self.definition_file).read_text())

    def definition_string(self, function_arn: Callable[[str], str]) -> str:
        """The ASL with each placeholder replaced by the ARN of the function it names (as the stack's
        DefinitionSubstitutions do)."""
        text = json.dumps(self.definition(), indent=2)
        for placeholder, key in self.invokes.items():
            text = text.replace("${" + placeholder + "}", function_arn(key))
        return text


@dataclass(frozen=True)
class Schedule:
    """A recurring EventBridge Scheduler schedule invoking a function of the wiring (the stack deploys it; the local
    runtime fires it on its clock: moto's Scheduler stores schedules but never fires them)."""

    key: str  # the physical name is notify-<key>
    function: str
    every_minutes: int  # rate(...) in the stack; locally the ticks fall on multiples of it from midnight UTC
    purpose: str = ""
    # The scheduled time reaches the function in its input (Scheduler's context attribute), for its logs.
    input: str = '{"scheduled_time": "<aws.scheduler.scheduled-time>"}'

    @property
    def name(self) -> str:
        return f"notify-{self.key}"

    @property
    def expression(self) -> str:
        """On the hour (or its fractions) rather than rate(): every org's report instant is on a whole hour."""
        if self.every_minutes >= 60:
            return f"cron(0 */{self.every_minutes // 60} * * ? *)" if self.every_minutes > 60 else "cron(0 * * * ? *)"
        return f"cron(0/{self.every_minutes} * * * ? *)"


@dataclass(frozen=True)
class Function:
    key: str  # folder under functions/ and the local handler name
    purpose: str
    sources: tuple[QueueSource, ...]
    access: Access
    env: dict[str, str] = field(default_factory=dict)  # static settings beyond resource names
    memory_mb: int = 256
    timeout_s: int = 30
    # A deliberate cap on how many copies run at once, and why that number (every function has one): the
    # maximum concurrency of each of its SQS event source mappings, or, for a function no queue feeds (invoked by
    # CloudWatch Logs), its reserved concurrency.
    max_concurrency: int | None = None
    concurrency_reason: str = ""
    log_sources: tuple[LogSource, ...] = ()  # CloudWatch Logs subscriptions that invoke it
    # Asynchronous invocations (CloudWatch Logs) that still fail after Lambda's two retries go to this wiring
    # queue (a final stop, alarmed), rather than vanishing.
    on_failure_queue: str | None = None

    def __post_init__(self) -> None:
        if not self.max_concurrency or not self.concurrency_reason:
            raise ValueError(f"{self.key}: every function needs max_concurrency and the concurrency_reason for it")
        if self.sources and self.max_concurrency < 2:
            raise ValueError(f"{self.key}: an SQS event source's maximum concurrency is at least 2")
        if self.log_sources and not self.on_failure_queue:
            raise ValueError(f"{self.key}: a function invoked asynchronously needs an on_failure_queue")

    @property
    def reserved_concurrency(self) -> int | None:
        """The cap as reserved concurrency: for a function no SQS queue feeds (ESM maximums cap the others)."""
        return None if self.sources else self.max_concurrency

    @property
    def code_dir(self) -> str:
        return f"functions/{self.key}"

    @property
    def settings_model(self) -> type[FunctionSettings]:
        """The function's settings model (``notify_core.config``): what its environment must satisfy."""
        return FUNCTION_SETTINGS[self.key]

    handler: str = "app.handler"


TABLES: tuple[Table, ...] = (
    Table(
        key="settings",
        env=env_names.SETTINGS_TABLE,
        partition_key=("org_id", "S"),
        sort_key=("sk", "S"),
        indexes=(
            # The orgs with activity reports, by their next report instant (sparse: only profiles with reports carry
            # reports_key): the report tick's one Query for the orgs due, never a Scan of all orgs.
            Index("reports_due", ("reports_key", "S"), ("reports_due_at", "S"), projection="KEYS_ONLY"),
        ),
        purpose="per-org settings: profile, contacts, webhook endpoints, subscriptions",
    ),
    Table(
        key="deliveries",
        env=env_names.DELIVERIES_TABLE,
        partition_key=("delivery_id", "S"),
        indexes=(
            # The one reporting index (<org_id>#<channel>, created_at): the sent SMS report, a recipient's history
            # (filtered on the projected address), replay of a window, the monthly cost report. An item enters it
            # once, when its first outcome is written; the projection is what those filters read.
            Index(
                "by_org_channel",
                ("org_channel", "S"),
                ("created_at", "S"),
                projection="INCLUDE",
                include=("address", "status", "sg"),  # sg: an SMS's billed segments (the cost report)
            ),
            # An SMS's SNS MessageId -> our delivery: SMS delivery status and STOP replies name only SNS's id.
            # Sparse (SMS only) and keys only: the reader fetches the item itself.
            Index("by_sms_message", ("sms_message_id", "S"), projection="KEYS_ONLY"),
        ),
        ttl_attribute="expires_at",
        purpose="delivery log: one item per delivery with its attempts; also the senders' idempotency store",
    ),
    Table(
        key="users",
        env=env_names.USERS_TABLE,
        partition_key=("user_id", "S"),
        purpose="user-level settings that span every org the user belongs to (the global email switch)",
    ),
    Table(
        key="inbox",
        env=env_names.INBOX_TABLE,
        partition_key=("inbox_id", "S"),  # <org_id>#<user_id>: a member's inbox in one org
        sort_key=("sk", "S"),  # <occurred_at>#<delivery_id>: newest first with ScanIndexForward=False
        ttl_attribute="expires_at",
        purpose="the in-app inbox: per member, newest first, read/unread",
    ),
    Table(
        key="suppressions",
        env=env_names.SUPPRESSIONS_TABLE,
        partition_key=("address_key", "S"),  # <channel>#<normalised address>
        sort_key=("scope", "S"),  # "*" (every org: bounces, complaints) or an org id (SMS opt-out)
        purpose="addresses not to send to, and why",
    ),
    Table(
        key="routing",
        env=env_names.ROUTING_TABLE,
        partition_key=("org_id", "S"),
        sort_key=("sk", "S"),  # <event_id>#<outcome>[#<reason>]: an event's records are one begins_with Query
        ttl_attribute="expires_at",
        purpose="per-event routing records: an event's configuration problems, or why it was refused",
    ),
    Table(
        key="items",
        env=env_names.ITEMS_TABLE,
        partition_key=("org_id", "S"),
        sort_key=("item_key", "S"),  # <item type>#<item id>: an org's pending items are one Query
        ttl_attribute="expires_at",
        purpose="pending items (awaiting a client's action), their reminder series and audit trail",
    ),
    Table(
        key="activity",
        env=env_names.ACTIVITY_TABLE,
        partition_key=("org_id", "S"),
        sort_key=("sk", "S"),  # d#<YYYY-MM-DD>#<user_id>: a period of an org's days is one key range
        ttl_attribute="expires_at",
        purpose="activity counters of the reports: one item per org, local day and user, one UpdateItem ADD per "
        "counted event",
    ),
    Table(
        key="idempotency",
        env=env_names.IDEMPOTENCY_TABLE,
        partition_key=("id", "S"),
        ttl_attribute="expiration",
        purpose="router idempotency records (event id)",
    ),
)

# Sender visibility timeouts are 6x the function timeout, as AWS recommends for SQS sources.
QUEUES: tuple[Queue, ...] = (
    Queue(
        "events",
        env_names.EVENTS_QUEUE_URL,
        visibility_timeout_s=360,  # 6x the router's 60 s timeout
        max_receive_count=5,
        purpose="product events from the bus, consumed by the router",
    ),
    Queue(
        "email",
        env_names.EMAIL_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=5,
        purpose="email deliveries",
        fifo=True,
    ),
    Queue(
        "sms",
        env_names.SMS_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=5,
        purpose="SMS deliveries",
        fifo=True,
    ),
    # 14 attempts over 1-2 days: see WEBHOOK_RETRY_ENV.
    Queue(
        "webhook",
        env_names.WEBHOOK_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=14,
        purpose="webhook deliveries",
        fifo=True,
    ),
    Queue(
        "chat",
        env_names.CHAT_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=8,
        purpose="chat deliveries (Slack, Telegram)",
        fifo=True,
    ),
    Queue(
        "feedback",
        env_names.FEEDBACK_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=5,
        retention_days=14,
        purpose="SES email events (delivery, bounce, complaint, reject, delay) from the feedback topic",
    ),
    Queue(
        "sms-inbound",
        env_names.SMS_INBOUND_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=5,
        retention_days=14,
        purpose="SMS replies to our two-way number (STOP/START) from the sms-inbound topic",
    ),
    Queue(
        "sms-status-failed",
        env_names.SMS_STATUS_FAILED_QUEUE_URL,
        visibility_timeout_s=30,
        max_receive_count=None,
        retention_days=14,
        purpose="SMS delivery-status batches sms_status failed on after Lambda's retries (its on-failure destination)",
    ),
    Queue(
        "timers",
        env_names.TIMERS_QUEUE_URL,
        visibility_timeout_s=180,
        max_receive_count=5,
        purpose="the events that start, end and change reminder series, consumed by the timers function",
    ),
    Queue(
        "quarantine",
        env_names.QUARANTINE_QUEUE_URL,
        visibility_timeout_s=30,
        max_receive_count=None,
        retention_days=14,
        purpose="events that failed validation, each with its reason",
    ),
)

DELIVERY_QUEUES: dict[str, str] = {
    "email": "email",
    "sms": "sms",
    "webhook": "webhook",
    "slack": "chat",
    "telegram": "chat",
}

RULES: tuple[Rule, ...] = (
    Rule(
        key="product-events",
        # Every event on the bus goes to the router, known type or not: an unknown detail-type must be
        # quarantined with its reason, not dropped by a narrower pattern.
        event_pattern={"source": [{"exists": True}]},
        target_queue="events",
        purpose="all product events on the bus to the router",
    ),
    Rule(
        key="timer-events",
        # The products' events that start, end or change a reminder series; never the platform's own (a reminder
        # is a start event again, and must not start a series of its own).
        event_pattern={
            "source": [{"anything-but": [env_names.PLATFORM_SOURCE]}],
            "detail-type": sorted(reminders.TIMER_EVENT_TYPES | appointments.EVENT_TYPES | due_dates.EVENT_TYPES),
        },
        target_queue="timers",
        purpose="events that start, end or change reminder series, to the timers function",
    ),
)

# What the timer functions publish: the reminders of pending items (their start events again), appointment reminders.
PLATFORM_TIMER_EVENTS = tuple(sorted({*reminders.REMINDER_EVENT_TYPES, appointments.REMINDER, *due_dates.ANNOUNCED}))

STATE_MACHINES: tuple[StateMachine, ...] = (
    StateMachine(
        key="reminders",
        env=env_names.REMINDER_STATE_MACHINE_ARN,
        definition_file="reminder_step.asl.json",
        invokes={"RemindFunctionArn": "remind"},
        purpose="one step of a reminder series: wait until due, then remind (2 state transitions per reminder)",
    ),
)

# The platform-wide tick (README "Activity reports and schedules"): one schedule for every org, rather than a schedule
# per org: each org's report instant sits in the settings table's reports_due index, which the tick reads.
SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        key="tick",
        function="schedules",
        every_minutes=60,
        purpose="hourly: the activity reports whose local hour has come, for every org at once",
    ),
)

# Who may put events on the bus (the bus policy). Empty: the deployment's own account, through IAM, as before; any
# publisher listed here (or in the CDK context "publishers": [{"principal": ..., "sources": [...]}]) may publish with
# its sources only, and once one is listed no other principal may publish at all. The platform's functions may
# always publish platform events, and only they may use the platform's source.
PUBLISHERS: tuple[Publisher, ...] = ()

# Webhook secrets live in SSM SecureString parameters under this path: <prefix><org_id>/<endpoint_id>.
WEBHOOK_SECRET_PREFIX = "/notify/webhook-secrets/"
# An org's Slack incoming-webhook URL and Telegram bot token are secrets too: <prefix><org_id>/slack, .../telegram.
CHAT_SECRET_PREFIX = "/notify/chat-secrets/"

# SES publishes email events of the configuration set to this topic; the feedback function reads its queue.
TOPICS: tuple[Topic, ...] = (
    Topic("feedback", queues=("feedback",), purpose="SES email events of the notify-feedback configuration set"),
    # AWS End User Messaging SMS publishes what people text to our two-way number here (its "destination").
    Topic("sms-inbound", queues=("sms-inbound",), purpose="inbound SMS to the two-way number (STOP/START)"),
)
SMS_INBOUND_TOPIC = "sms-inbound"

# SNS SMS delivery status (account SMS attributes DeliveryStatusIAMRole + DeliveryStatusSuccessSamplingRate=100)
# writes one JSON line per SMS to these groups; SNS names them, we create them so the subscriptions can attach.
SMS_STATUS_LOG_GROUPS = (
    "sns/{region}/{account}/DirectPublishToPhoneNumber",
    "sns/{region}/{account}/DirectPublishToPhoneNumber/Failure",
)
SMS_STATUS_SAMPLING_RATE = 100  # percent of successful SMS logged: every one, or "delivered" is never known
EMAIL_FEEDBACK = EmailFeedback(
    configuration_set="notify-feedback", env=env_names.SES_CONFIGURATION_SET, topic="feedback"
)

# Documents attached to emails (event detail ``attachments``): one bucket for every org, each org's objects
# under <org_id>/ (the router refuses any other key). Kept long enough for retries and a replay of dead
# deliveries within the month; products keep their own originals.
BUCKETS: tuple[Bucket, ...] = (
    Bucket(
        "attachments",
        env_names.ATTACHMENTS_BUCKET,
        expiration_days=30,
        purpose="documents attached to emails, written by product services under <org_id>/",
    ),
)
# Raw bytes; base64 makes them 4/3 larger in the message, which SES v2 caps at 40 MB.
ATTACHMENT_LIMITS_ENV = {
    env_names.ATTACHMENT_MAX_FILE_BYTES: str(5 * 1024 * 1024),
    env_names.ATTACHMENT_MAX_TOTAL_BYTES: str(10 * 1024 * 1024),
}

# The sender identity of orgs whose settings name none (verify it in SES before real sending).
DEFAULT_EMAIL_FROM = "notifications@notify.example"
# Senders read no settings: the router puts everything they need into the queue message.
_SENDER_TABLES: tuple[str, ...] = ("deliveries",)
# Backoff for retryable failures: delay = min(base * 2 ** (attempt - 1), cap) seconds, with jitter.
RETRY_ENV = {env_names.RETRY_BASE_DELAY_S: "30", env_names.RETRY_MAX_DELAY_S: "3600"}
# Webhooks retry for more than a day (Standard Webhooks / Svix practice): delays of 1, 2, 4 ... 512 min,
# then 12 h (SQS's visibility ceiling), each with equal jitter (half to all of it). 14 attempts on the
# webhook queue put 13 waits between the first and the last: 26.5 h at least, 53 h at most.
WEBHOOK_RETRY_ENV = {env_names.RETRY_BASE_DELAY_S: "60", env_names.RETRY_MAX_DELAY_S: "43200"}
# An endpoint that has only failed for this long (no success since its first failure) is disabled.
WEBHOOK_DISABLE_AFTER_S = 5 * 86400
# Whether an org whose settings document names no publishers hears from none (README "Publishers"). Today's
# documents name none, so False keeps them working; once every org's document names its publishers, set it (CDK
# context "publishersRequired": true, or here). The router is told PUBLISHERS_REQUIRED by the deployment: the stack
# from this or its context, the local runtime from LocalRuntime(publishers_required=...).
PUBLISHERS_REQUIRED = False
# The ports webhook and Slack URLs may name (README "Webhooks"): 443 only. A deployment whose receivers listen
# elsewhere lists them here, e.g. "443,8443"; the SSRF guard refuses every other port before resolving the host.
WEBHOOK_ALLOWED_PORTS = "443"


# The admin API (README "Admin API"): one HTTP API (API Gateway v2) in front of the ``api`` function, a Cognito user
# pool whose tokens its JWT authorizer verifies, stage throttling, access logs. The local runtime serves the same
# routes on 127.0.0.1:4567 (``notify_local.api_server``) with the same checks.
@dataclass(frozen=True)
class HttpApi:
    function: str
    # Routes under this prefix go without the authorizer (their own proof is in the request: a signed link).
    public_prefix: str
    throttle_rate_per_s: int  # steady requests per second, the whole stage (API Gateway answers 429 beyond)
    throttle_burst: int
    max_body_bytes: int  # API Gateway takes 10 MB; the function refuses more than this with 413
    local_port: int = 4567
    # OAuth scopes of the resource server "notify" (client-credentials clients of product services)
    scopes: tuple[str, ...] = ("send",)
    resource_server: str = "notify"


HTTP_API = HttpApi(
    function="api",
    public_prefix="/public",
    throttle_rate_per_s=50,
    throttle_burst=100,
    max_body_bytes=256 * 1024,
)
# The HMAC key of one-click unsubscribe tokens (domain.unsubscribe): a SecureString an operator creates once
# (README "One-click unsubscribe"; CloudFormation cannot create SecureStrings). The local runtime makes its own.
UNSUBSCRIBE_KEY_PREFIX = "/notify/unsubscribe/"
UNSUBSCRIBE_KEY_PARAMETER = f"{UNSUBSCRIBE_KEY_PREFIX}signing-key"

FUNCTIONS: tuple[Function, ...] = (
    Function(
        key="router",
        purpose="validate product events, resolve recipients, queue one message per delivery",
        sources=(QueueSource("events", batch_size=10),),
        access=Access(
            tables_read=("settings", "users", "suppressions"),
            tables_write=("deliveries", "idempotency", "inbox", "routing"),
            tables_update=("activity",),  # one UpdateItem ADD per counted event (README "Activity reports")
            # events: the later pages of a large audience, each routed by an invocation of its own
            queues_send=("email", "sms", "webhook", "chat", "quarantine", "events"),
            # quiet hours: an SMS held at night waits on a reminder-step execution (StartExecution only)
            state_machines_start=("reminders",),
        ),
        env=dict(RETRY_ENV),  # and PUBLISHERS_REQUIRED, from the deployment (PUBLISHERS_REQUIRED below)
        memory_mb=512,
        # A large audience routes in pages of FANOUT_PAGE_SIZE (1,000) holders, one invocation each (make bench:
        # peak memory and calls per page of a 100,000-member fan-out).
        timeout_s=60,
        max_concurrency=20,
        concurrency_reason="A burst of product events waits in the events queue instead of scaling the router to "
        "hundreds of copies that would each read the settings table and fan out at once: 20 routers queue ~200 "
        "events at a time, far beyond the senders' own caps downstream.",
    ),
    Function(
        key="send_email",
        purpose="render and send email through SES v2",
        sources=(QueueSource("email"),),
        # Reads suppressions: a bounce or complaint that arrived after the message was queued stops it.
        # Reads settings: an org's own template, when routing marked the delivery (one BatchGetItem per batch).
        # Reads attachments: the documents an email delivery names (GetObject only).
        # Reads the unsubscribe signing key (SSM SecureString under UNSUBSCRIBE_KEY_PREFIX): GetParameter only.
        access=Access(
            tables_write=_SENDER_TABLES,
            tables_read=("suppressions", "settings"),
            ses_send=True,
            buckets_read=("attachments",),
            ssm_prefix=UNSUBSCRIBE_KEY_PREFIX,
        ),
        env={
            **RETRY_ENV,
            EMAIL_FEEDBACK.env: EMAIL_FEEDBACK.configuration_set,
            **ATTACHMENT_LIMITS_ENV,
            env_names.DEFAULT_EMAIL_FROM: DEFAULT_EMAIL_FROM,
            env_names.UNSUBSCRIBE_KEY_PARAMETER: UNSUBSCRIBE_KEY_PARAMETER,
        },
        max_concurrency=10,
        concurrency_reason="SES's sending rate (14/s in a new account, per account and region): 10 senders of one "
        "email at a time stay near it, and throttling retries with backoff instead of failing.",
    ),
    Function(
        key="send_sms",
        purpose="render and send SMS through SNS",
        sources=(QueueSource("sms"),),
        # Reads suppressions: an opt-out that arrived after the message was queued stops it.
        # Reads settings: an org's own template, when routing marked the delivery (one BatchGetItem per batch).
        access=Access(tables_write=_SENDER_TABLES, tables_read=("suppressions", "settings"), sns_sms=True),
        env=dict(RETRY_ENV),
        max_concurrency=5,
        concurrency_reason="SNS SMS throughput per account (20 messages/s by default) and its monthly spend "
        "limit: 5 senders keep well inside the rate.",
    ),
    Function(
        key="send_webhook",
        purpose="sign and POST webhooks (Standard Webhooks), SSRF-guarded",
        sources=(QueueSource("webhook"),),
        access=Access(
            tables_write=_SENDER_TABLES, ssm_prefix=WEBHOOK_SECRET_PREFIX, tables_update=("settings",), events_put=True
        ),
        env={
            **WEBHOOK_RETRY_ENV,
            env_names.WEBHOOK_SECRET_PREFIX: WEBHOOK_SECRET_PREFIX,
            env_names.WEBHOOK_TIMEOUT_S: "15",
            env_names.WEBHOOK_DISABLE_AFTER_S: str(WEBHOOK_DISABLE_AFTER_S),
            env_names.WEBHOOK_ALLOWED_PORTS: WEBHOOK_ALLOWED_PORTS,
        },
        timeout_s=30,
        max_concurrency=20,
        concurrency_reason="Each copy may wait 15 s on a slow receiver: 20 bound the connections the platform "
        "opens to customers' endpoints at once (a retry storm must not look like an attack on them).",
    ),
    Function(
        key="send_chat",
        purpose="post chat messages: Slack incoming webhooks (Block Kit) and Telegram Bot API sendMessage, "
        "SSRF-guarded",
        sources=(QueueSource("chat"),),
        access=Access(tables_write=_SENDER_TABLES, ssm_prefix=CHAT_SECRET_PREFIX),
        env={
            **RETRY_ENV,
            env_names.CHAT_SECRET_PREFIX: CHAT_SECRET_PREFIX,
            env_names.WEBHOOK_TIMEOUT_S: "15",
            env_names.WEBHOOK_ALLOWED_PORTS: WEBHOOK_ALLOWED_PORTS,
        },
        max_concurrency=5,
        concurrency_reason="Slack incoming webhooks take about one message per second per channel and Telegram "
        "about 30 per second per bot: 5 senders stay under both, and 429s retry after their Retry-After.",
    ),
    Function(
        key="feedback",
        purpose="record SES delivery/bounce/complaint/reject events; suppress hard bounces and complaints",
        sources=(QueueSource("feedback"),),
        access=Access(tables_write=("deliveries", "suppressions")),
        max_concurrency=5,
        concurrency_reason="SES events arrive at most as fast as emails go out (10 senders); each is two small "
        "writes, so 5 keep up while a bounce storm queues rather than bursting the delivery log.",
    ),
    Function(
        key="sms_status",
        purpose="record SNS SMS delivery status (carrier accepted / failed) on the delivery log",
        sources=(),
        log_sources=tuple(LogSource(group) for group in SMS_STATUS_LOG_GROUPS),
        # Finds the delivery through by_provider_message, then UpdateItem only: no Put/Delete.
        access=Access(tables_read=("deliveries",), tables_update=("deliveries",)),
        max_concurrency=5,
        concurrency_reason="Invoked by CloudWatch Logs (no queue to cap): reserved concurrency of 5 follows the 5 "
        "SMS senders and leaves the account's pool alone; a throttled invocation is retried by Lambda and, "
        "failing that, lands in the alarmed sms-status-failed queue.",
        on_failure_queue="sms-status-failed",
    ),
    Function(
        key="sms_inbound",
        purpose="act on SMS replies: STOP opts the number out of the org that texted it, START opts back in",
        sources=(QueueSource("sms-inbound"),),
        access=Access(tables_read=("deliveries",), tables_write=("suppressions",)),
        max_concurrency=2,
        concurrency_reason="People texting STOP/START: a handful a minute. 2 (the least an SQS source takes) "
        "is plenty, and a flood of replies queues instead of scaling.",
    ),
    Function(
        key="dead_letter",
        purpose="mark deliveries whose retries are exhausted as dead, keeping the message for replay",
        sources=(
            QueueSource("email", dead_letter=True),
            QueueSource("sms", dead_letter=True),
            QueueSource("webhook", dead_letter=True),
            QueueSource("chat", dead_letter=True),
        ),
        # Only settles (unknown): the webhook sender announces an endpoint's dead deliveries itself.
        access=Access(tables_write=("deliveries",)),
        max_concurrency=2,
        concurrency_reason="Dead letters are the exception: 2 per DLQ drain them, and a provider outage that "
        "leaves thousands of messages without an outcome does not also hammer the delivery log in parallel.",
    ),
    Function(
        key="api",
        purpose="admin API: settings document, members and contacts, the subscription matrix, the delivery log and "
        "replay, inboxes, quarantine (HTTP API, JWT authorizer)",
        sources=(),
        access=Access(
            tables_read=("settings", "deliveries", "users", "inbox", "routing"),
            # suppressions: a one-click unsubscribe (/public/unsubscribe) records the group it turns off
            tables_write=("settings", "users", "inbox", "suppressions"),
            # replay: one conditional UpdateItem per delivery, then the message back on its queue
            tables_update=("deliveries",),
            queues_send=("email", "sms", "webhook", "chat"),
            ssm_write_prefixes=(WEBHOOK_SECRET_PREFIX, CHAT_SECRET_PREFIX),
            ssm_prefix=UNSUBSCRIBE_KEY_PREFIX,  # reads the key that verifies unsubscribe links
        ),
        env={
            env_names.WEBHOOK_SECRET_PREFIX: WEBHOOK_SECRET_PREFIX,
            env_names.CHAT_SECRET_PREFIX: CHAT_SECRET_PREFIX,
            env_names.UNSUBSCRIBE_KEY_PARAMETER: UNSUBSCRIBE_KEY_PARAMETER,
            env_names.API_MAX_BODY_BYTES: str(HTTP_API.max_body_bytes),
        },
        memory_mb=512,
        timeout_s=29,  # API Gateway's integration timeout: an answer later than that reaches nobody
        max_concurrency=20,
        concurrency_reason="People and product services configuring and inspecting orgs: stage throttling (50/s, "
        "burst 100) bounds the requests; 20 copies answer them and keep the settings and delivery tables' "
        "on-demand capacity for the senders.",
    ),
)

FUNCTIONS += (
    Function(
        key="timers",
        purpose="start, stop and change reminder series of pending items from the events products publish",
        sources=(QueueSource("timers"),),
        access=Access(
            tables_read=("settings",),
            tables_write=("items",),
            events_put=True,  # manual resends are published as reminders are
            platform_events=PLATFORM_TIMER_EVENTS,
            state_machines=("reminders",),
        ),
        max_concurrency=2,
        concurrency_reason="One small read and write per event that starts or ends an item: a handful a second "
        "even for a large firm; 2 keep up, and a burst (a bulk re-request) queues.",
    ),
    Function(
        key="schedules",
        purpose="the platform-wide tick: publish the activity reports that fell due (user.activity, activity.summary)",
        sources=(),
        access=Access(
            # The profiles and their reports_due index; the activity counters. Moving an org on is one UpdateItem.
            tables_read=("settings", "activity"),
            tables_update=("settings",),
            events_put=True,
            platform_events=activity.REPORT_EVENT_TYPES,
        ),
        timeout_s=300,
        max_concurrency=1,
        concurrency_reason="Invoked by the one hourly schedule: one copy at a time, so a late tick and the next one "
        "never race over the same orgs (a throttled invocation is retried by Scheduler, and what stays due is "
        "found by the next tick).",
    ),
    Function(
        key="remind",
        purpose="one step of a reminder series: send the reminder if the item is still pending, start the next step; "
        "and the end of a held SMS's quiet hours: its message goes on the SMS queue",
        sources=(),
        access=Access(
            tables_write=("items",),
            queues_send=("sms",),
            events_put=True,
            platform_events=PLATFORM_TIMER_EVENTS,
            state_machines=("reminders",),
        ),
        max_concurrency=5,
        concurrency_reason="Invoked by the reminder state machine (no queue to cap): reserved concurrency of 5 "
        "spreads a morning's steps falling due together over seconds; a throttled invocation is retried by the "
        "state machine's Retry.",
    ),
)

# Environment variables every function gets (besides resource names and its own ``env``).
COMMON_ENV = {env_names.POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE}


@dataclass(frozen=True)
class DeploymentOptions:
    """What one deployment may choose: ``cdk deploy -c notify:<context key>=<value>`` or ``LocalRuntime(options=)``."""

    # Every delivery item carries a TTL this far ahead (DynamoDB deletes it within days after): what the log,
    # the reports and replay can see. 90 days covers a quarter's disputes; longer costs storage linearly.
    delivery_retention_days: int = 90
    # Record SES Delivery events (status "delivered"): off by default, see ``EmailFeedback.optional_event_types``.
    ses_delivery_events: bool = False
    # The one-click unsubscribe endpoint (the admin API's https URL + /unsubscribe); empty: emails carry no link.
    unsubscribe_url: str = ""

    def ses_event_types(self) -> tuple[str, ...]:
        optional = EMAIL_FEEDBACK.optional_event_types if self.ses_delivery_events else ()
        return (*optional, *EMAIL_FEEDBACK.event_types)

    def env(self) -> dict[str, str]:
        env = {env_names.DELIVERY_RETENTION_DAYS: str(self.delivery_retention_days)}
        if self.unsubscribe_url:
            env[env_names.UNSUBSCRIBE_URL] = self.unsubscribe_url
        return env


DEFAULT_OPTIONS = DeploymentOptions()
DEPLOYMENT_CONTEXT = {
    "delivery_retention_days": "notify:deliveryRetentionDays",
    "ses_delivery_events": "notify:sesDeliveryEvents",
    "unsubscribe_url": "notify:unsubscribeUrl",
}


def deployment_options(context: Callable[[str], Any]) -> DeploymentOptions:
    """The options a CDK app was given (``context`` is ``node.try_get_context``); a bad value names its key."""
    values: dict[str, Any] = {}
    for name, key in DEPLOYMENT_CONTEXT.items():
        raw = context(key)
        if raw is None:
            continue
        text = str(raw).strip().lower()
        if name == "unsubscribe_url":
            if not re.fullmatch(r"https://[^\s/?#]+\.[^\s?#]+", str(raw).strip()):
                raise ValueError(f"-c {key}={raw!r}: expected the https URL of the /unsubscribe endpoint")
            values[name] = str(raw).strip()
        elif name == "ses_delivery_events":
            if text not in ("true", "false"):
                raise ValueError(f"-c {key}={raw!r}: expected true or false")
            values[name] = text == "true"
        else:
            if not text.isdigit() or not 1 <= int(text) <= 3650:
                raise ValueError(f"-c {key}={raw!r}: expected a number of days from 1 to 3650")
            values[name] = int(text)
    return DeploymentOptions(**values)


def table(key: str) -> Table:
    return next(t for t in TABLES if t.key == key)


def queue(key: str) -> Queue:
    return next(q for q in QUEUES if q.key == key)


def function(key: str) -> Function:
    return next(f for f in FUNCTIONS if f.key == key)


def topic(key: str) -> Topic:
    return next(t for t in TOPICS if t.key == key)


def bucket(key: str) -> Bucket:
    return next(b for b in BUCKETS if b.key == key)


def state_machine(key: str) -> StateMachine:
    return next(m for m in STATE_MACHINES if m.key == key)


def output_id(key: str, kind: Literal["TableName", "QueueUrl", "BucketName"]) -> str:
    """The stack output naming a table, queue or bucket (``SettingsTableName``, ``SmsInboundQueueUrl``...)."""
    return "".join(part.capitalize() for part in key.split("-")) + kind


def env_from_stack_outputs(outputs: dict[str, str]) -> dict[str, str]:
    """Resource environment variables (as the functions get them) from a deployed stack's outputs.

    How the ``notify`` CLI finds tables and queues on AWS with ``--stack``: the stack outputs every table
    name and queue URL under ``output_id``; this reads them back (the CLI needs no bucket).
    """
    env = {t.env: outputs[output_id(t.key, "TableName")] for t in TABLES if output_id(t.key, "TableName") in outputs}
    env |= {q.env: outputs[output_id(q.key, "QueueUrl")] for q in QUEUES if output_id(q.key, "QueueUrl") in outputs}
    return env


def function_environment(
    fn: Function,
    resource: Callable[[str, str], str],
    *,
    bus_name: str = BUS_NAME,
    extra: Mapping[str, str] | None = None,
    options: DeploymentOptions = DEFAULT_OPTIONS,
) -> dict[str, str]:
    """A function's environment, as the CDK stack and the local runtime give it.

    ``resource(kind, key)`` names a table, queue, bucket or state machine of the wiring (``kind``: table | queue |
    bucket | state_machine) in the
    deployment at hand: a CloudFormation token in the stack, a moto name or URL locally. ``extra``: variables that
    deployment adds (the templates' path in Lambda; short timeouts and a receiver locally), each given only to the
    functions whose settings model reads it; it may not shadow a resource name. Nothing is given that the
    function does not read (an infra test holds the stack to that).
    """
    resources = {name: resource(*ref.split(":", 1)) for name, ref in function_env_names(fn).items()}
    known = fn.settings_model.known_env()
    static = {**COMMON_ENV, **fn.env, env_names.POWERTOOLS_SERVICE_NAME: fn.key}
    static |= {name: value for name, value in options.env().items() if name in known}
    static |= {name: value for name, value in (extra or {}).items() if name in known}
    if fn.access.events_put:
        static[env_names.NOTIFY_BUS_NAME] = bus_name
    if env_names.MAX_RECEIVE_COUNT in known:
        # A sender records a delivery dead on its queue's last receive (its retries exhausted there).
        [source] = [s for s in fn.sources if not s.dead_letter]
        static[env_names.MAX_RECEIVE_COUNT] = str(queue(source.queue).max_receive_count)
    clash = resources.keys() & static.keys()
    if clash:
        raise ValueError(f"{fn.key}: static env would shadow resource names {sorted(clash)}")
    return {**static, **resources}


def function_env_names(fn: Function) -> dict[str, str]:
    """Which resource environment variables a function needs: env var name -> 'table|queue|bucket:<key>'."""
    names: dict[str, str] = {}
    a = fn.access
    for key in {*a.tables_read, *a.tables_write, *a.tables_update}:
        names[table(key).env] = f"table:{key}"
    for key in a.queues_send:
        names[queue(key).env] = f"queue:{key}"
    for key in a.buckets_read:
        names[bucket(key).env] = f"bucket:{key}"
    for key in {*a.state_machines, *a.state_machines_start}:
        names[state_machine(key).env] = f"state_machine:{key}"
    return names
