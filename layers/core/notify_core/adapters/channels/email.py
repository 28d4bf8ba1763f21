"""Email through SES v2: subject, text and autoescaped HTML (``Content.Simple``), or, when the delivery
carries documents, the same bodies plus attachments as one raw MIME message (``Content.Raw``).

Both paths send with the feedback configuration set and the ``org_id``/``delivery_id`` tags.
"""

from __future__ import annotations

from typing import Any

from notify_core.adapters.channels.base import SendResult, classify_aws_error
from notify_core.adapters.s3_attachments import AttachmentStore
from notify_core.domain import mime
from notify_core.domain.addresses import InvalidAddress, normalise_email
from notify_core.domain.errors import PermanentDeliveryError
from notify_core.domain.feedback_events import tag_value
from notify_core.domain.rendered import Rendered

_PERMANENT = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
    "NotFoundException",
    "InvalidParameterValue",
}


class EmailChannel:
    name = "email"

    def __init__(
        self,
        ses: Any,
        *,
        attachments: AttachmentStore,
        default_from: str,
        configuration_set: str,
    ) -> None:
        self.ses = ses
        self.attachments = attachments
        self.default_from = default_from
        # Every email is sent with it: its delivery, bounce and complaint events come back as feedback.
        self.configuration_set = configuration_set

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        try:
            to = normalise_email(message["address"])
        except InvalidAddress as exc:
            raise PermanentDeliveryError("invalid_address", str(exc)) from None
        sender = message["org"].get("email_from") or self.default_from
        if message.get("attachments"):
            documents = self.attachments.fetch(message)
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
            resp = self.ses.send_email(
                ConfigurationSetName=self.configuration_set,
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
