"""The SMS sender: SNS Publish to a phone number, the org's opt-outs checked again."""

from __future__ import annotations

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.sms import SmsChannel
from notify_core.compose import Env
from notify_core.compose._sender import provider_client, sender_handler
from notify_core.config import SendSmsSettings
from notify_core.handlers.entry import Handler


def build(env: Env) -> Handler:
    s = SendSmsSettings.from_env(env)
    aws = AwsClients()
    channel = SmsChannel(provider_client(aws, "sns"))
    return sender_handler(s, aws, channel, suppressions_table=s.suppressions_table)
