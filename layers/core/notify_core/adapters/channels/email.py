"""Email through SES v2 as one raw MIME message (``Content.Raw``): From ``"Display Name" <identity>``, Reply-To
from the org's branding, subject, text and the laid-out HTML, the documents the delivery carries, and the RFC 8058
one-click unsubscribe headers when a person may turn the email off.

Sent with the feedback configuration set and the ``org_id``/``delivery_id`` tags.
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
        org = message["org"]
        sender = org.get("email_from") or self.default_from
        branding = org.get("branding") or {}
        documents = self.attachments.fetch(message) if message.get("attachments") else []
        raw = mime.build_message(
            sender=sender,
            # Inboxes show the display name: the org's (or its branding's), never a bare "notifications".
            display_name=branding.get("display_name") or org.get("name"),
            reply_to=branding.get("reply_to"),
            to=to,
            subject=rendered["subject"],
            text=rendered["text"],
            html=rendered["html"],
            documents=documents,
            unsubscribe_url=rendered.unsubscribe_url,
        )
        # Raw MIME for every email: the headers SES's Simple content cannot carry everywhere (List-Unsubscribe,
        # List-Unsubscribe-Post, a display-name From), the same bytes on AWS and on moto.
        content: dict[str, Any] = {"Raw": {"Data": raw}}
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
