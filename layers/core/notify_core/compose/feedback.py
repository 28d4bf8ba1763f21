"""SES feedback: delivery, bounce, complaint, reject and delay events -> delivery log and suppressions.

A record that is not an SES event at all fails and, after the queue's retries, waits in the feedback DLQ
(alarmed); an event for a delivery we do not know is logged and counted, not retried.
"""

from __future__ import annotations

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.compose import Env, sqs_handler
from notify_core.config import FeedbackSettings
from notify_core.handlers.batch import plain_processor
from notify_core.handlers.entry import Handler
from notify_core.services.feedback import FeedbackRecorder


def build(env: Env) -> Handler:
    s = FeedbackSettings.from_env(env)
    recorder = FeedbackRecorder(
        deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days),
        suppressions=SuppressionsTable(s.suppressions_table),
    )
    return sqs_handler(lambda record: recorder.handle_body(record.body), plain_processor())
