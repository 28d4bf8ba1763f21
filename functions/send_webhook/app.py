"""Sender for the webhook channel: one delivery per SQS message, exactly once, retried with backoff."""

from notify_core.channels.webhook import WebhookChannel
from notify_core.endpoint_health import EndpointHealth
from notify_core.sending import sqs_handler

# Outcomes feed each endpoint's health: 410 Gone or sustained failure disables it and alerts the org.
handler = sqs_handler(WebhookChannel(health=EndpointHealth()))
