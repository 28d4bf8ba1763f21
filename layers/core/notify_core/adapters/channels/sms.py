"""SMS through SNS Publish to an E.164 number."""

from __future__ import annotations

from typing import Any

from notify_core.adapters.channels.base import SendResult, classify_aws_error
from notify_core.domain.addresses import InvalidAddress, normalise_phone
from notify_core.domain.errors import PermanentDeliveryError
from notify_core.domain.rendered import Rendered
from notify_core.domain.sms_text import measure

_PERMANENT = {"InvalidParameter", "InvalidParameterValue", "OptedOut", "AuthorizationError"}


class SmsChannel:
    name = "sms"

    def __init__(self, sns: Any) -> None:
        self.sns = sns

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        try:
            number = normalise_phone(message["address"])
        except InvalidAddress as exc:
            raise PermanentDeliveryError("invalid_address", str(exc)) from None
        try:
            resp = self.sns.publish(
                PhoneNumber=number,
                Message=rendered["text"],
                MessageAttributes={
                    # Notifications are transactional: SNS routes them for reliability, not price.
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except Exception as exc:
            raise classify_aws_error(exc, _PERMANENT) from exc
        # What the carrier bills: the text was prepared and fitted to its template's budget when it was rendered.
        size = rendered.sms or measure(rendered["text"])
        return SendResult(
            provider_message_id=resp.get("MessageId"), sms_segments=size.segments, sms_encoding=size.encoding
        )
