"""Reading back what the platform delivered: emails, SMS, webhooks, chat messages, the delivery log.

moto keeps sent mail and SMS only in its backends; its ``/moto-api/data.json`` dump is the one way to
see them from outside the server process. Emails sent as raw MIME (those with attachments) are parsed
back into bodies, attachments and recipients so tests assert on what a person would receive.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any


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
    # The headers a person's mail client reads: From (with its display name), Reply-To, List-Unsubscribe(-Post).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def unsubscribe_url(self) -> str | None:
        value = self.headers.get("List-Unsubscribe", "")
        return value[1:-1] if value.startswith("<") and value.endswith(">") else None


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


def read_outbox(endpoint_url: str, quarantine_url: str, log: Any, receiver: Any = None) -> Outbox:
    """Everything delivered so far, from moto's stores, the local receiver and the delivery log."""
    # moto dumps every backend here: after a 10,000-delivery storm that takes well over 10 s.
    data = json.load(urllib.request.urlopen(f"{endpoint_url}/moto-api/data.json", timeout=300))
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
        webhooks=receiver.received() if receiver else [],
        deliveries=deliveries(log),
        quarantined=quarantined(quarantine_url),
        telegram=receiver.telegram_messages() if receiver else [],
    )


def deliveries(log: Any) -> list[dict[str, Any]]:
    """The whole delivery log (an ``adapters.dynamodb.deliveries_table.DeliveryLog``), oldest first."""
    # A Scan is fine for a local inspection view; production reads go through keys and the by_org index.
    items = [_readable(d) for d in log.Item.scan()]
    return sorted(items, key=lambda d: (d.get("created_at", ""), d["delivery_id"]))


def _readable(item: Any) -> dict[str, Any]:
    """An item by its attributes' names (most are stored under short names: they are paid for on every write), its
    kept message whole (stored without what the item already says)."""
    from notify_core.adapters.dynamodb.deliveries_table import AttemptAttribute, full_payload

    def by_name(model: Any, stored: dict[str, Any]) -> dict[str, Any]:
        names = {a.attr_name: name for name, a in model.get_attributes().items()}
        return {names.get(k, k): v for k, v in stored.items()}

    row = by_name(type(item), item.to_simple_dict())
    row["attempts"] = [by_name(AttemptAttribute, a) for a in row.get("attempts") or []]
    if row.get("payload"):
        row["payload"] = full_payload(item)
    return row


def inbox(table: Any, org_id: str, user_id: str) -> list[dict[str, Any]]:
    """A member's in-app inbox in one org (an ``adapters.dynamodb.inbox_table.InboxTable``), newest first."""
    return [i.to_simple_dict() for i in table.list_items(org_id, user_id, limit=100)]


def quarantined(quarantine_url: str) -> list[dict[str, Any]]:
    """The events that failed validation, each with its reason: peeked at, left on the quarantine queue."""
    import boto3

    sqs = boto3.client("sqs")
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(20):  # peek: VisibilityTimeout=0 leaves every message where it is
        resp = sqs.receive_message(
            QueueUrl=quarantine_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
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
            EmailAttachment(part.get_filename() or "", part.get_content_type(), _payload(part))
            for part in msg.iter_attachments()
        ],
        raw=raw,
        headers={
            name: str(msg[name])
            for name in ("From", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post")
            if msg[name] is not None
        },
    )


def _payload(part: Any) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""
