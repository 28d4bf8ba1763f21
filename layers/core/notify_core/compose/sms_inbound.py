"""Inbound SMS to the two-way number: STOP-like replies opt the number out, START-like ones back in.

A payload that cannot be read fails its record: retried, then kept in the alarmed DLQ.
"""

from __future__ import annotations

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.compose import Env, sqs_handler
from notify_core.config import SmsInboundSettings
from notify_core.handlers.batch import plain_processor
from notify_core.handlers.entry import Handler
from notify_core.services.sms_feedback import SmsFeedback


def build(env: Env) -> Handler:
    s = SmsInboundSettings.from_env(env)
    service = SmsFeedback(
        deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days),
        suppressions=SuppressionsTable(s.suppressions_table),
    )
    return sqs_handler(lambda record: service.handle_inbound_body(record.body), plain_processor())
