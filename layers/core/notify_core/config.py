"""Runtime configuration, read once from the environment the wiring description sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path


def _default_templates_dir() -> str:
    # In Lambda the layer puts templates under /opt/templates (NOTIFY_TEMPLATES_DIR says so);
    # in a checkout they sit at the repository root, three levels above this file.
    return str(Path(__file__).resolve().parents[3] / "templates")


@dataclass(frozen=True)
class Config:
    settings_table: str
    deliveries_table: str
    idempotency_table: str
    users_table: str
    inbox_table: str
    suppressions_table: str
    chat_secret_prefix: str
    queue_urls: dict[str, str]  # queue key -> url
    templates_dir: str
    default_email_from: str
    retry_base_delay_s: int
    retry_max_delay_s: int
    allow_loopback_webhooks: bool
    webhook_secret_prefix: str
    webhook_timeout_s: float
    delivery_retention_days: int
    ses_configuration_set: str = ""  # every email is sent with it: its events come back as feedback
    webhook_disable_after_s: int = 5 * 86400  # only failures for this long: the endpoint is disabled
    bus_name: str = "notify"  # where the platform publishes its own events (alerts)
    telegram_api_base: str = "https://api.telegram.org"  # the local runtime points it at its receiver
    attachments_bucket: str = ""  # the platform's documents bucket (objects under <org_id>/)
    # Attachment limits, raw bytes. Base64 grows them by 4/3: 10 MiB total is ~14 MB of message, well under
    # the 40 MB SES v2 accepts, and keeps a 256 MB sender's memory (bytes + MIME copy) comfortable.
    attachment_max_file_bytes: int = 5 * 1024 * 1024
    attachment_max_total_bytes: int = 10 * 1024 * 1024

    def queue_url(self, key: str) -> str:
        try:
            return self.queue_urls[key]
        except KeyError:
            raise RuntimeError(f"queue {key!r} is not configured for this function") from None


_QUEUE_ENV = {
    "events": "EVENTS_QUEUE_URL",
    "email": "EMAIL_QUEUE_URL",
    "sms": "SMS_QUEUE_URL",
    "webhook": "WEBHOOK_QUEUE_URL",
    "chat": "CHAT_QUEUE_URL",
    "quarantine": "QUARANTINE_QUEUE_URL",
}


@cache
def get_config() -> Config:
    env = os.environ
    return Config(
        settings_table=env.get("SETTINGS_TABLE", "notify-settings"),
        deliveries_table=env.get("DELIVERIES_TABLE", "notify-deliveries"),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", "notify-idempotency"),
        users_table=env.get("USERS_TABLE", "notify-users"),
        inbox_table=env.get("INBOX_TABLE", "notify-inbox"),
        suppressions_table=env.get("SUPPRESSIONS_TABLE", "notify-suppressions"),
        chat_secret_prefix=env.get("CHAT_SECRET_PREFIX", "/notify/chat-secrets/"),
        queue_urls={k: env[v] for k, v in _QUEUE_ENV.items() if env.get(v)},
        templates_dir=env.get("NOTIFY_TEMPLATES_DIR") or _default_templates_dir(),
        default_email_from=env.get("DEFAULT_EMAIL_FROM", "notifications@notify.example"),
        retry_base_delay_s=int(env.get("RETRY_BASE_DELAY_S", "30")),
        retry_max_delay_s=int(env.get("RETRY_MAX_DELAY_S", "3600")),
        # Only the embedded local runtime sets this: its webhook receiver listens on 127.0.0.1.
        allow_loopback_webhooks=env.get("NOTIFY_ALLOW_LOOPBACK_WEBHOOKS") == "1",
        webhook_secret_prefix=env.get("WEBHOOK_SECRET_PREFIX", "/notify/webhook-secrets/"),
        webhook_timeout_s=float(env.get("WEBHOOK_TIMEOUT_S", "15")),
        delivery_retention_days=int(env.get("DELIVERY_RETENTION_DAYS", "400")),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET", ""),
        webhook_disable_after_s=int(env.get("WEBHOOK_DISABLE_AFTER_S", str(5 * 86400))),
        bus_name=env.get("NOTIFY_BUS_NAME", "notify"),
        telegram_api_base=env.get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"),
        attachments_bucket=env.get("ATTACHMENTS_BUCKET", ""),
        attachment_max_file_bytes=int(env.get("ATTACHMENT_MAX_FILE_BYTES", str(5 * 1024 * 1024))),
        attachment_max_total_bytes=int(env.get("ATTACHMENT_MAX_TOTAL_BYTES", str(10 * 1024 * 1024))),
    )
