"""The email sender: SES v2, with documents from the attachments bucket, suppressions checked again."""

from __future__ import annotations

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.email import EmailChannel
from notify_core.adapters.s3_attachments import AttachmentStore
from notify_core.compose import Env
from notify_core.compose._sender import provider_client, sender_handler
from notify_core.compose.unsubscribe import signing_key
from notify_core.config import SendEmailSettings
from notify_core.handlers.entry import Handler
from notify_core.services.unsubscribe import Unsubscriber


def build(env: Env) -> Handler:
    s = SendEmailSettings.from_env(env)
    aws = AwsClients()
    channel = EmailChannel(
        provider_client(aws, "sesv2"),
        attachments=AttachmentStore(
            aws("s3"),
            s.attachments_bucket,
            max_file_bytes=s.attachment_max_file_bytes,
            max_total_bytes=s.attachment_max_total_bytes,
        ),
        default_from=s.default_email_from,
        configuration_set=s.ses_configuration_set,
    )
    links = None
    if s.unsubscribe_url:
        unsubscriber = Unsubscriber(
            store=None, users=None, key=signing_key(aws("ssm"), s.unsubscribe_key_parameter), base_url=s.unsubscribe_url
        )
        links = unsubscriber.link
    return sender_handler(s, aws, channel, suppressions_table=s.suppressions_table, unsubscribe_url=links)
