"""Realistic SES event notifications (event publishing to SNS, as AWS documents them) for the tests.

moto never publishes SES events, so the tests build them: ``mail.tags`` carries the ``org_id`` and
``delivery_id`` tags the email channel sets, next to SES's own ``ses:*`` tags.
"""

from __future__ import annotations

import json

DELIVERY_ID = "dlv_0f3c9a"
ORG = "hutki"


def mail(to: str = "olga@buyer.example", delivery_id: str | None = DELIVERY_ID, org_id: str | None = ORG) -> dict:
    """The ``mail`` object SES puts in every event (abridged headers, our tags + SES's own)."""
    return {
        "timestamp": "2026-11-23T10:00:00.000Z",
        "source": "notifications@hutki.example",
        "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/hutki.example",
        "sendingAccountId": "123456789012",
        "messageId": "0102018c0b3f7e2a-6f1c2f2e-1d7a-4c42-9d51-1b2e3f4a5b6c-000000",
        "destination": [to],
        "headersTruncated": False,
        "headers": [{"name": "From", "value": "notifications@hutki.example"}, {"name": "To", "value": to}],
        "commonHeaders": {"from": ["notifications@hutki.example"], "to": [to], "subject": "Payment received"},
        "tags": {
            "ses:configuration-set": ["notify-feedback"],
            "ses:source-ip": ["192.0.2.10"],
            "ses:from-domain": ["hutki.example"],
            "ses:caller-identity": ["notify-send-email"],
            **({"org_id": [org_id]} if org_id else {}),
            **({"delivery_id": [delivery_id]} if delivery_id else {}),
        },
    }


def delivery_event(to: str = "olga@buyer.example", **ids: str | None) -> dict:
    return {
        "eventType": "Delivery",
        "mail": mail(to, **ids),
        "delivery": {
            "timestamp": "2026-11-23T10:00:01.234Z",
            "processingTimeMillis": 1234,
            "recipients": [to],
            "smtpResponse": "250 2.0.0 OK  1700000000 x1si123 - gsmtp",
            "reportingMTA": "a6-42.smtp-out.eu-west-1.amazonses.com",
            "remoteMtaIp": "198.51.100.7",
        },
    }


def bounce_event(
    bounce_type: str = "Permanent", sub_type: str = "General", to: str = "olga@buyer.example", **ids: str | None
) -> dict:
    return {
        "eventType": "Bounce",
        "mail": mail(to, **ids),
        "bounce": {
            "feedbackId": "0102018c0b3f80aa-1b2c3d4e-000000",
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [
                {
                    "emailAddress": to,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2026-11-23T10:00:02.000Z",
            "reportingMTA": "dsn; a6-42.smtp-out.eu-west-1.amazonses.com",
        },
    }


def complaint_event(to: str = "olga@buyer.example", **ids: str | None) -> dict:
    return {
        "eventType": "Complaint",
        "mail": mail(to, **ids),
        "complaint": {
            "feedbackId": "0102018c0b3f9b1c-000000",
            "complaintSubType": None,
            "complainedRecipients": [{"emailAddress": to}],
            "timestamp": "2026-11-23T11:00:00.000Z",
            "userAgent": "Yahoo!-Mail-Feedback/2.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": "2026-11-23T10:59:00.000Z",
        },
    }


def reject_event(to: str = "olga@buyer.example", **ids: str | None) -> dict:
    return {"eventType": "Reject", "mail": mail(to, **ids), "reject": {"reason": "Bad content"}}


def delay_event(to: str = "olga@buyer.example", **ids: str | None) -> dict:
    return {
        "eventType": "DeliveryDelay",
        "mail": mail(to, **ids),
        "deliveryDelay": {
            "timestamp": "2026-11-23T10:30:00.000Z",
            "delayType": "TransientCommunicationFailure",
            "expirationTime": "2026-11-24T10:00:00.000Z",
            "delayedRecipients": [
                {
                    "emailAddress": to,
                    "status": "4.4.1",
                    "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
                }
            ],
        },
    }


def sns_envelope(event: dict) -> str:
    """What the feedback queue receives: SNS's envelope (raw message delivery off) around the event."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "5a1b2c3d-0000-4000-8000-000000000001",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:notify-feedback",
            "Message": json.dumps(event),
            "Timestamp": "2026-11-23T10:00:02.500Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem",
            "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=example",
        }
    )
