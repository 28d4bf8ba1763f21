"""The chat sender: Slack and Telegram share the chat queue; each message goes through the adapter its channel
names."""

from __future__ import annotations

from notify_core.adapters import ssm
from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.slack import SlackChannel
from notify_core.adapters.channels.telegram import TelegramChannel
from notify_core.compose import Env
from notify_core.compose._sender import http_policy, sender_handler
from notify_core.config import SendChatSettings
from notify_core.handlers.entry import Handler


def build(env: Env) -> Handler:
    s = SendChatSettings.from_env(env)
    aws = AwsClients()
    secrets = ssm.SecretReader(aws("ssm"))
    policy = http_policy(s)
    return sender_handler(
        s,
        aws,
        SlackChannel(secrets, secret_prefix=s.chat_secret_prefix, policy=policy),
        TelegramChannel(secrets, secret_prefix=s.chat_secret_prefix, policy=policy, api_base=s.telegram_api_base),
    )
