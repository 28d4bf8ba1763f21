"""SNS SMS delivery status -> delivery log (``delivered`` / ``failed``).

Invoked by the CloudWatch Logs subscription filters on SNS's DirectPublishToPhoneNumber log groups. The event is
base64 gzip of the log batch; a batch that cannot be decoded is logged and dropped (Lambda would only retry the
same bytes), a malformed line is logged and skipped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.compose import Env, lambda_handler
from notify_core.config import SmsStatusSettings
from notify_core.domain.sms_events import MALFORMED
from notify_core.handlers.entry import Handler
from notify_core.observability import logger, metrics
from notify_core.services.sms_feedback import SmsFeedback


def build(env: Env) -> Handler:
    s = SmsStatusSettings.from_env(env)
    service = SmsFeedback(deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days))

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            data = CloudWatchLogsEvent(event).parse_logs_data()
            messages = [e.message for e in data.log_events]
        except Exception as exc:  # not a CloudWatch Logs event: nothing a retry could read better
            metrics.add_metric(name="sms_status_malformed", unit=MetricUnit.Count, value=1)
            logger.warning("not a CloudWatch Logs event", extra={"reason": f"{type(exc).__name__}: {exc}"})
            return {"outcomes": {MALFORMED: 1}}
        if data.message_type != "DATA_MESSAGE":
            return {"outcomes": {}}  # CONTROL_MESSAGE: CloudWatch Logs checking the destination is reachable
        return {"outcomes": service.handle_status_lines(messages)}

    return lambda_handler(handler)
