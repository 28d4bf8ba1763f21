"""SNS SMS delivery status -> delivery log (``delivered`` / ``failed``).

Invoked by the CloudWatch Logs subscription filters on SNS's DirectPublishToPhoneNumber log groups (see
``notify_core.sms_feedback``). The event is base64 gzip of the log batch; a batch that cannot be decoded is
logged and dropped (Lambda would only retry the same bytes), a malformed line is logged and skipped.
"""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import sms_feedback
from notify_core.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        data = CloudWatchLogsEvent(event).parse_logs_data()
        messages = [e.message for e in data.log_events]
    except Exception as exc:  # not a CloudWatch Logs event: nothing a retry could read better
        metrics.add_metric(name="sms_status_malformed", unit=MetricUnit.Count, value=1)
        logger.warning("not a CloudWatch Logs event", extra={"reason": f"{type(exc).__name__}: {exc}"})
        return {"outcomes": {sms_feedback.MALFORMED: 1}}
    if data.message_type != "DATA_MESSAGE":
        return {"outcomes": {}}  # CONTROL_MESSAGE: CloudWatch Logs checking the destination is reachable
    return {"outcomes": sms_feedback.handle_status_lines(messages)}
