"""Email through SES v2: subject, text and autoescaped HTML (``Content.Simple``), or, when the delivery
carries documents, the same bodies plus attachments as one raw MIME message (``Content.Raw``).

Both paths send with the feedback configuration set and the ``org_id``/``delivery_id`` tags.
"""

from __future__ import annotations

import re
from typing import Any

from notify_core import attachments, clients, mime, suppression
from notify_core.addresses import InvalidAddress, normalise_email
from notify_core.channels.base import SendResult, classify_aws_error
from notify_core.config import get_config
from notify_core.errors import PermanentDeliveryError
from notify_core.templates import Rendered

_PERMANENT = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
    "NotFoundException",
    "InvalidParameterValue",
}
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def tag_value(value: str) -> str:
    """How an id is written into an SES message tag, and so how SES feedback gives it back."""
    return _TAG_UNSAFE.sub("_", value)[:256]


class EmailChannel:
    name = "email"

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        try:
            to = normalise_email(message["address"])
        except InvalidAddress as exc:
            raise PermanentDeliveryError("invalid_address", str(exc)) from None
        # Checked at routing time too; a bounce or complaint may have arrived since the message was queued.
        suppression.ensure_not_suppressed("email", message["org_id"], to)
        sender = message["org"].get("email_from") or get_config().default_email_from
        # The configuration set publishes this email's delivery, bounce and complaint events (feedback).
        config_set = get_config().ses_configuration_set
        extra: dict[str, Any] = {"ConfigurationSetName": config_set} if config_set else {}
        if message.get("attachments"):
            documents = attachments.fetch(message)
            raw = mime.build_message(
                sender=sender,
                to=to,
                subject=rendered["subject"],
                text=rendered["text"],
                html=rendered["html"],
                documents=documents,
            )
            content: dict[str, Any] = {"Raw": {"Data": raw}}
        else:
            content = {
                "Simple": {
                    "Subject": {"Data": rendered["subject"], "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": rendered["text"], "Charset": "UTF-8"},
                        "Html": {"Data": rendered["html"], "Charset": "UTF-8"},
                    },
                }
            }
        try:
            resp = clients.client("sesv2").send_email(
                **extra,
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content=content,
                # Tags come back in SES feedback events: they tie a bounce to its delivery.
                EmailTags=[
                    {"Name": "org_id", "Value": tag_value(message["org_id"])},
                    {"Name": "delivery_id", "Value": tag_value(message["delivery_id"])},
                ],
            )
        except Exception as exc:
            raise classify_aws_error(exc, _PERMANENT) from exc
        return SendResult(provider_message_id=resp.get("MessageId"))
