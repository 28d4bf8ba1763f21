"""Dead letters: a message whose last receive ended without an outcome; its delivery is recorded unknown.

A message that is not a delivery (unreadable) fails and stays in the DLQ, where the DLQ-depth alarm shows it:
nothing is deleted unseen.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.compose import Env, sqs_handler
from notify_core.config import DeadLetterSettings
from notify_core.handlers.batch import plain_processor
from notify_core.handlers.entry import Handler
from notify_core.services.dead_letters import DeadLetters


def build(env: Env) -> Handler:
    s = DeadLetterSettings.from_env(env)
    dead = DeadLetters(deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days))

    def handle(record: SQSRecord) -> dict[str, Any]:
        return dead.handle(record.body, source_queue=record.event_source_arn.rsplit(":", 1)[-1])

    return sqs_handler(handle, plain_processor())
