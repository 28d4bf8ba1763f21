"""The configuration contract between the wiring (``infra/notify_infra/wiring.py``) and the functions.

Two halves, both owned here and imported by the wiring, so neither side spells a name the other reads:

- **names**: every environment variable a function may read, and the platform's constants (the source its own
  events carry, the metrics namespace). The wiring builds each function's environment from these names; the
  CDK stack and the local runtime both use that one builder.
- **one settings model per function** (``ROUTER``, ``SEND_EMAIL`` …, keyed like ``wiring.FUNCTIONS``): a frozen
  pydantic model validated from the function's environment when its handler is *built* (first invocation on
  AWS, ``LocalRuntime`` start locally), never at import. Resource names have no defaults: a function missing one
  fails at once, with the variable's name, on AWS and locally alike; an infra test validates every
  synthesized function environment against its model.

Pure: pydantic, the standard library and the domain's constants only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from notify_core.domain import publishers

# ------------------------------------------------------------------------------------------------- constants
DEFAULT_BUS_NAME = "notify"
# The source of the events the platform publishes itself (alerts), and the only event types it may publish.
PLATFORM_SOURCE = publishers.PLATFORM_SOURCE
PLATFORM_EVENT_TYPES = publishers.PLATFORM_EVENT_TYPES
METRICS_NAMESPACE = "Notify"

# --------------------------------------------------------------------------------- environment variable names
# Tables (physical names: CDK names tables itself, so every one must reach the function).
SETTINGS_TABLE = "SETTINGS_TABLE"
DELIVERIES_TABLE = "DELIVERIES_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
USERS_TABLE = "USERS_TABLE"
INBOX_TABLE = "INBOX_TABLE"
SUPPRESSIONS_TABLE = "SUPPRESSIONS_TABLE"
ROUTING_TABLE = "ROUTING_TABLE"
ITEMS_TABLE = "ITEMS_TABLE"  # pending items and their reminder series (README "Timers")
ACTIVITY_TABLE = "ACTIVITY_TABLE"  # activity counters of the reports (README "Activity reports and schedules")
# Step Functions (ARNs).
REMINDER_STATE_MACHINE_ARN = "REMINDER_STATE_MACHINE_ARN"
# Queues (URLs).
EVENTS_QUEUE_URL = "EVENTS_QUEUE_URL"
FANOUT_PAGE_SIZE = "FANOUT_PAGE_SIZE"
EMAIL_QUEUE_URL = "EMAIL_QUEUE_URL"
SMS_QUEUE_URL = "SMS_QUEUE_URL"
WEBHOOK_QUEUE_URL = "WEBHOOK_QUEUE_URL"
CHAT_QUEUE_URL = "CHAT_QUEUE_URL"
FEEDBACK_QUEUE_URL = "FEEDBACK_QUEUE_URL"
SMS_INBOUND_QUEUE_URL = "SMS_INBOUND_QUEUE_URL"
QUARANTINE_QUEUE_URL = "QUARANTINE_QUEUE_URL"
TIMERS_QUEUE_URL = "TIMERS_QUEUE_URL"
SMS_STATUS_FAILED_QUEUE_URL = "SMS_STATUS_FAILED_QUEUE_URL"  # sms_status's on-failure destination (Lambda's)
# Buckets.
ATTACHMENTS_BUCKET = "ATTACHMENTS_BUCKET"
# Everything else a function is told.
NOTIFY_BUS_NAME = "NOTIFY_BUS_NAME"
NOTIFY_TEMPLATES_DIR = "NOTIFY_TEMPLATES_DIR"
DEFAULT_EMAIL_FROM = "DEFAULT_EMAIL_FROM"
SES_CONFIGURATION_SET = "SES_CONFIGURATION_SET"
RETRY_BASE_DELAY_S = "RETRY_BASE_DELAY_S"
RETRY_MAX_DELAY_S = "RETRY_MAX_DELAY_S"
DELIVERY_RETENTION_DAYS = "DELIVERY_RETENTION_DAYS"
WEBHOOK_SECRET_PREFIX = "WEBHOOK_SECRET_PREFIX"
CHAT_SECRET_PREFIX = "CHAT_SECRET_PREFIX"
WEBHOOK_TIMEOUT_S = "WEBHOOK_TIMEOUT_S"
WEBHOOK_DISABLE_AFTER_S = "WEBHOOK_DISABLE_AFTER_S"
# How long a webhook sender keeps an endpoint's secrets and their rotation state (a rotation shows within it).
WEBHOOK_SECRET_CACHE_S = "WEBHOOK_SECRET_CACHE_S"
SECRET_CACHE_DEFAULT_S = 60
TELEGRAM_API_BASE = "TELEGRAM_API_BASE"
NOTIFY_ALLOW_LOOPBACK_WEBHOOKS = "NOTIFY_ALLOW_LOOPBACK_WEBHOOKS"  # only the local runtime sets it
MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT"
ATTACHMENT_MAX_FILE_BYTES = "ATTACHMENT_MAX_FILE_BYTES"
ATTACHMENT_MAX_TOTAL_BYTES = "ATTACHMENT_MAX_TOTAL_BYTES"
# One-click unsubscribe (README "One-click unsubscribe"): the endpoint's https URL (empty: no links, a deployment that
# has not set -c notify:unsubscribeUrl) and the SSM SecureString holding the HMAC key that signs its tokens.
UNSUBSCRIBE_URL = "UNSUBSCRIBE_URL"
UNSUBSCRIBE_KEY_PARAMETER = "UNSUBSCRIBE_KEY_PARAMETER"
# "1": an org whose settings name no publishers hears from none (domain.publishers; README "Publishers").
PUBLISHERS_REQUIRED = "PUBLISHERS_REQUIRED"
# Ports a webhook or Slack URL may name, comma-separated (README "Webhooks": 443 unless the deployment says more).
WEBHOOK_ALLOWED_PORTS = "WEBHOOK_ALLOWED_PORTS"
API_MAX_BODY_BYTES = "API_MAX_BODY_BYTES"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"


class ConfigurationError(RuntimeError):
    """A function's environment does not satisfy its settings model (names every missing or bad variable)."""


def _repo_templates_dir() -> str:
    # In Lambda the layer puts templates under /opt/templates and the stack says so (NOTIFY_TEMPLATES_DIR);
    # an installed wheel carries them next to this package; a checkout keeps them at the repository root.
    packaged = Path(__file__).resolve().parent / "templates"
    return str(packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates")


def _flag(value: Any) -> Any:
    return value == "1" if isinstance(value, str) else value


def _ports(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(int(p) for p in value.replace(" ", "").split(",") if p)
    return value


Name = Annotated[str, Field(min_length=1)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Ports = Annotated[tuple[Annotated[int, Field(ge=1, le=65535)], ...], BeforeValidator(_ports), Field(min_length=1)]


def _req(env: str, **kwargs: Any) -> Any:
    return Field(alias=env, **kwargs)


class FunctionSettings(BaseModel):
    """Base of the per-function models: built from an environment mapping, frozen, ignoring what it does not use
    (Lambda and Powertools put their own variables next to ours)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    function: ClassVar[str] = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        try:
            return cls.model_validate(dict(env))
        except ValidationError as exc:
            problems = []
            for e in exc.errors():
                name = ".".join(str(p) for p in e["loc"])
                problems.append(f"{name} is not set" if e["type"] == "missing" else f"{name}: {e['msg']}")
            where = f"the {cls.function} function" if cls.function else cls.__name__
            raise ConfigurationError(f"{where} cannot start: {'; '.join(problems)}") from None

    @classmethod
    def required_env(cls) -> frozenset[str]:
        """The environment variables this function cannot start without."""
        return frozenset(f.alias or name for name, f in cls.model_fields.items() if f.is_required())

    @classmethod
    def known_env(cls) -> frozenset[str]:
        """Every environment variable this function reads."""
        return frozenset(f.alias or name for name, f in cls.model_fields.items())


class _Templates(FunctionSettings):
    templates_dir: Name = Field(alias=NOTIFY_TEMPLATES_DIR, default_factory=_repo_templates_dir)


class _Retry(FunctionSettings):
    """Backoff of retried records: delay = min(base * 2 ** (attempt - 1), cap) seconds, with jitter."""

    retry_base_delay_s: int = _req(RETRY_BASE_DELAY_S, ge=0)
    retry_max_delay_s: int = _req(RETRY_MAX_DELAY_S, ge=0)


class _DeliveryLog(FunctionSettings):
    deliveries_table: Name = _req(DELIVERIES_TABLE)
    # How long a delivery (and so its "sent exactly once" guard) is kept before DynamoDB's TTL removes it.
    delivery_retention_days: int = Field(alias=DELIVERY_RETENTION_DAYS, default=90, ge=1)


class RouterSettings(_Templates, _Retry, _DeliveryLog):
    function: ClassVar[str] = "router"
    settings_table: Name = _req(SETTINGS_TABLE)
    users_table: Name = _req(USERS_TABLE)
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)
    idempotency_table: Name = _req(IDEMPOTENCY_TABLE)
    inbox_table: Name = _req(INBOX_TABLE)
    routing_table: Name = _req(ROUTING_TABLE)
    activity_table: Name = _req(ACTIVITY_TABLE)  # counted events (domain.activity.COUNTED): UpdateItem only
    email_queue_url: Name = _req(EMAIL_QUEUE_URL)
    sms_queue_url: Name = _req(SMS_QUEUE_URL)
    webhook_queue_url: Name = _req(WEBHOOK_QUEUE_URL)
    chat_queue_url: Name = _req(CHAT_QUEUE_URL)
    quarantine_queue_url: Name = _req(QUARANTINE_QUEUE_URL)
    events_queue_url: Name = _req(EVENTS_QUEUE_URL)  # where the router queues the later pages of a large audience
    publishers_required: Flag = Field(alias=PUBLISHERS_REQUIRED, default=False)
    # Quiet hours: a held SMS waits on the reminder state machine (README "Time zones and quiet hours").
    reminder_state_machine_arn: Name = _req(REMINDER_STATE_MACHINE_ARN)
    # Permission holders routed per invocation: a page of 1,000 stays well inside 256 MB and a minute.
    fanout_page_size: int = Field(alias=FANOUT_PAGE_SIZE, default=1000, ge=1, le=5000)

    def delivery_queue_urls(self) -> dict[str, str]:
        """Queue key -> URL of the channel queues (``adapters.sqs.CHANNEL_QUEUES`` maps channels to keys)."""
        return {
            "email": self.email_queue_url,
            "sms": self.sms_queue_url,
            "webhook": self.webhook_queue_url,
            "chat": self.chat_queue_url,
        }


class _Sender(_Templates, _Retry, _DeliveryLog):
    # The channel queue's maxReceiveCount: the receive on which a failed retry makes the delivery dead.
    max_receive_count: int = _req(MAX_RECEIVE_COUNT, ge=1)


class _Http(FunctionSettings):
    webhook_timeout_s: float = _req(WEBHOOK_TIMEOUT_S, gt=0)
    allow_loopback_webhooks: Flag = Field(alias=NOTIFY_ALLOW_LOOPBACK_WEBHOOKS, default=False)
    webhook_allowed_ports: Ports = _req(WEBHOOK_ALLOWED_PORTS)


class SendEmailSettings(_Sender):
    function: ClassVar[str] = "send_email"
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)
    settings_table: Name = _req(SETTINGS_TABLE)  # orgs' own templates (BatchGetItem, only for marked deliveries)
    attachments_bucket: Name = _req(ATTACHMENTS_BUCKET)
    # Every email is sent with it: its events come back as feedback.
    ses_configuration_set: Name = _req(SES_CONFIGURATION_SET)
    default_email_from: Name = _req(DEFAULT_EMAIL_FROM)
    attachment_max_file_bytes: int = _req(ATTACHMENT_MAX_FILE_BYTES, gt=0)
    attachment_max_total_bytes: int = _req(ATTACHMENT_MAX_TOTAL_BYTES, gt=0)
    unsubscribe_key_parameter: Name = _req(UNSUBSCRIBE_KEY_PARAMETER)
    # Off until the deployment names the endpoint (the admin API's /unsubscribe): then every email a person may
    # turn off carries the link and the RFC 8058 headers.
    # (The stack gives the admin API's own https URL; -c notify:unsubscribeUrl is checked when the app reads it, and
    # a link that is not https is never put in an email: domain.email_layout.https_or_none.)
    unsubscribe_url: str = Field(alias=UNSUBSCRIBE_URL, default="")


class SendSmsSettings(_Sender):
    function: ClassVar[str] = "send_sms"
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)
    settings_table: Name = _req(SETTINGS_TABLE)  # orgs' own templates (BatchGetItem, only for marked deliveries)


class SendWebhookSettings(_Sender, _Http):
    function: ClassVar[str] = "send_webhook"
    settings_table: Name = _req(SETTINGS_TABLE)  # endpoint health (UpdateItem only)
    webhook_secret_prefix: Name = _req(WEBHOOK_SECRET_PREFIX)
    webhook_disable_after_s: int = _req(WEBHOOK_DISABLE_AFTER_S, gt=0)
    bus_name: Name = _req(NOTIFY_BUS_NAME)  # the "URL notification failed" alert
    webhook_secret_cache_s: int = Field(alias=WEBHOOK_SECRET_CACHE_S, default=SECRET_CACHE_DEFAULT_S, ge=0, le=300)


class SendChatSettings(_Sender, _Http):
    function: ClassVar[str] = "send_chat"
    chat_secret_prefix: Name = _req(CHAT_SECRET_PREFIX)
    # The local runtime points it at its receiver, which plays the Bot API.
    telegram_api_base: Name = Field(alias=TELEGRAM_API_BASE, default="https://api.telegram.org")


class FeedbackSettings(_DeliveryLog):
    function: ClassVar[str] = "feedback"
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)


class SmsStatusSettings(_DeliveryLog):
    function: ClassVar[str] = "sms_status"


class SmsInboundSettings(_DeliveryLog):
    function: ClassVar[str] = "sms_inbound"
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)


class DeadLetterSettings(_DeliveryLog):
    function: ClassVar[str] = "dead_letter"


class _Timers(FunctionSettings):
    items_table: Name = _req(ITEMS_TABLE)
    reminder_state_machine_arn: Name = _req(REMINDER_STATE_MACHINE_ARN)
    bus_name: Name = _req(NOTIFY_BUS_NAME)  # reminders and resends are published on the platform's bus
    # How long a done item (a tombstone too) is kept: as long as the delivery log keeps deliveries.
    delivery_retention_days: int = Field(alias=DELIVERY_RETENTION_DAYS, default=90, ge=1)


class TimersSettings(_Timers):
    """The events that start, end and change reminder series (the ``timers`` queue)."""

    function: ClassVar[str] = "timers"
    settings_table: Name = _req(SETTINGS_TABLE)  # the org's publishers
    publishers_required: Flag = Field(alias=PUBLISHERS_REQUIRED, default=False)


class RemindSettings(_Timers):
    """One step of a reminder series (invoked by the reminder state machine), or the end of an SMS's quiet hours."""

    function: ClassVar[str] = "remind"
    sms_queue_url: Name = _req(SMS_QUEUE_URL)  # a held SMS goes on its queue when business hours start


class SchedulesSettings(FunctionSettings):
    """The platform-wide tick (EventBridge Scheduler): the activity reports that fell due."""

    function: ClassVar[str] = "schedules"
    settings_table: Name = _req(SETTINGS_TABLE)  # the profiles and their reports_due index
    activity_table: Name = _req(ACTIVITY_TABLE)
    bus_name: Name = _req(NOTIFY_BUS_NAME)  # the reports are published on the platform's bus


class ApiSettings(_Templates, _DeliveryLog):
    """The admin API (``functions/api``): the org's directory, the delivery log and replay, inboxes, the user-level
    email switch, the routing records (quarantine), and where secrets of an imported document go."""

    function: ClassVar[str] = "api"
    settings_table: Name = _req(SETTINGS_TABLE)
    users_table: Name = _req(USERS_TABLE)
    inbox_table: Name = _req(INBOX_TABLE)
    routing_table: Name = _req(ROUTING_TABLE)
    email_queue_url: Name = _req(EMAIL_QUEUE_URL)
    sms_queue_url: Name = _req(SMS_QUEUE_URL)
    webhook_queue_url: Name = _req(WEBHOOK_QUEUE_URL)
    chat_queue_url: Name = _req(CHAT_QUEUE_URL)
    webhook_secret_prefix: Name = _req(WEBHOOK_SECRET_PREFIX)
    chat_secret_prefix: Name = _req(CHAT_SECRET_PREFIX)
    # The webhook senders' cache age (same variable, same default): a rotation waits it out (services.admin_api).
    webhook_secret_cache_s: int = Field(alias=WEBHOOK_SECRET_CACHE_S, default=SECRET_CACHE_DEFAULT_S, ge=0, le=300)
    # A request body over this many bytes is refused with 413 before anything reads it.
    api_max_body_bytes: int = Field(alias=API_MAX_BODY_BYTES, default=256 * 1024, gt=0)
    # One-click unsubscribe (/public/unsubscribe): group unsubscribes go to the suppressions table; the key signs links.
    suppressions_table: Name = _req(SUPPRESSIONS_TABLE)
    unsubscribe_key_parameter: Name = _req(UNSUBSCRIBE_KEY_PARAMETER)

    def delivery_queue_urls(self) -> dict[str, str]:
        return {
            "email": self.email_queue_url,
            "sms": self.sms_queue_url,
            "webhook": self.webhook_queue_url,
            "chat": self.chat_queue_url,
        }


class AdminSettings(FunctionSettings):
    """The operator's tools (the ``notify`` CLI, the local runtime's Python API): every name is optional because
    each command needs only some; ``compose.admin.Admin`` says which one is missing when a command needs it."""

    settings_table: str | None = Field(alias=SETTINGS_TABLE, default=None)
    deliveries_table: str | None = Field(alias=DELIVERIES_TABLE, default=None)
    suppressions_table: str | None = Field(alias=SUPPRESSIONS_TABLE, default=None)
    users_table: str | None = Field(alias=USERS_TABLE, default=None)
    inbox_table: str | None = Field(alias=INBOX_TABLE, default=None)
    routing_table: str | None = Field(alias=ROUTING_TABLE, default=None)
    items_table: str | None = Field(alias=ITEMS_TABLE, default=None)
    email_queue_url: str | None = Field(alias=EMAIL_QUEUE_URL, default=None)
    sms_queue_url: str | None = Field(alias=SMS_QUEUE_URL, default=None)
    webhook_queue_url: str | None = Field(alias=WEBHOOK_QUEUE_URL, default=None)
    chat_queue_url: str | None = Field(alias=CHAT_QUEUE_URL, default=None)
    webhook_secret_prefix: str | None = Field(alias=WEBHOOK_SECRET_PREFIX, default=None)
    chat_secret_prefix: str | None = Field(alias=CHAT_SECRET_PREFIX, default=None)
    delivery_retention_days: int = Field(alias=DELIVERY_RETENTION_DAYS, default=90, ge=1)
    unsubscribe_key_parameter: str | None = Field(alias=UNSUBSCRIBE_KEY_PARAMETER, default=None)
    unsubscribe_url: str = Field(alias=UNSUBSCRIBE_URL, default="")


# Function key (``wiring.Function.key``) -> its settings model. An infra test checks both lists name the same
# functions and that every synthesized environment validates.
FUNCTION_SETTINGS: dict[str, type[FunctionSettings]] = {
    m.function: m
    for m in (
        RouterSettings,
        SendEmailSettings,
        SendSmsSettings,
        SendWebhookSettings,
        SendChatSettings,
        FeedbackSettings,
        SmsStatusSettings,
        SmsInboundSettings,
        DeadLetterSettings,
        TimersSettings,
        RemindSettings,
        SchedulesSettings,
        ApiSettings,
    )
}
