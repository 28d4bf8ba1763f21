"""What AWS would do that moto does not: the provider side of email and SMS feedback.

moto accepts an SES configuration set's SNS destination but never publishes SES events, SNS never
writes SMS delivery-status lines to CloudWatch Logs, and no carrier ever texts back. Each function
here plays one of those on the same resources the stack wires, with the payload shape AWS documents,
so the feedback, sms_status and sms_inbound handlers run on what they would get on AWS.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from notify_infra import wiring
from notify_local.driver import Driver
from notify_local.names import ACCOUNT, log_group_name


def deliver_sms_status(
    driver: Driver,
    queue_urls: dict[str, str],
    log_subscribers: dict[str, list[wiring.Function]],
    region: str,
    message_id: str,
    status: str,
    provider_response: str | None,
    destination: str | None,
    timestamp: str | None,
) -> list[dict[str, Any]]:
    """One SNS SMS delivery-status line, written and handed to the log group's subscribed functions.

    SNS writes it to the success or the failure log group once a carrier answers; each subscription
    filter hands it to its function as a CloudWatch Logs event (base64 of gzipped JSON), asynchronously: a
    handler that fails is invoked twice more, then the event goes to its on-failure queue as Lambda's destination
    record. Returns what each subscribed handler returned (``{"on_failure": <queue>, "error": ...}`` for one that
    failed every time).
    """
    import base64
    import gzip

    import boto3

    success_group, failure_group = (log_group_name(region, g) for g in wiring.SMS_STATUS_LOG_GROUPS)
    group = success_group if status == "SUCCESS" else failure_group
    now = datetime.now(UTC)
    line = json.dumps(
        {
            "notification": {
                "messageId": message_id,
                "timestamp": timestamp or now.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            },
            "delivery": {
                "phoneCarrier": "Local Carrier",
                "mnc": 1,
                "mcc": 257,
                "destination": destination,
                "priceInUSD": 0.00645,
                "smsType": "Transactional",
                "providerResponse": provider_response
                or ("Message has been accepted by phone carrier" if status == "SUCCESS" else "Unknown error"),
                "dwellTimeMs": 599,
                "dwellTimeMsUntilDeviceAck": 1344,
            },
            "status": status,
        }
    )
    epoch_ms = int(now.timestamp() * 1000)
    stream = f"{now:%Y/%m/%d}/{uuid.uuid4().hex}"
    logs = boto3.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": epoch_ms, "message": line}])
    results = []
    for fn in log_subscribers.get(group, []):
        payload = {
            "messageType": "DATA_MESSAGE",
            "owner": ACCOUNT,
            "logGroup": group,
            "logStream": stream,
            "subscriptionFilters": [f"{fn.key}-subscription"],
            "logEvents": [{"id": str(uuid.uuid4().int)[:56], "timestamp": epoch_ms, "message": line}],
        }
        data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
        results.append(invoke_async(driver, queue_urls, fn, {"awslogs": {"data": data}}))
    return results


ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries


def invoke_async(driver: Driver, queue_urls: dict[str, str], fn: wiring.Function, event: dict[str, Any]) -> Any:
    """An asynchronous invocation as Lambda plays it: retried twice, then the on-failure destination's record."""
    import boto3

    error: Exception | None = None
    for _ in range(ASYNC_ATTEMPTS):
        try:
            # One handler at a time, as the driver thread runs them.
            return driver.invoke_exclusively(fn.key, event)
        except Exception as exc:  # what Lambda sees as a function error
            error = exc
    assert error is not None
    if not fn.on_failure_queue:
        raise error
    record = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:local:{ACCOUNT}:function:{fn.key}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": ASYNC_ATTEMPTS,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:1000]},
    }
    boto3.client("sqs").send_message(QueueUrl=queue_urls[fn.on_failure_queue], MessageBody=json.dumps(record))
    return {"on_failure": fn.on_failure_queue, "error": f"{type(error).__name__}: {error}"[:300]}


def publish_sms_inbound(
    topic_arns: dict[str, str],
    origination: str,
    body: str,
    *,
    previous_published_message_id: str | None,
    keyword: str | None,
    destination: str,
) -> None:
    """Publish an SMS someone texted to the two-way number, as AWS End User Messaging SMS would."""
    import boto3

    payload = {
        "originationNumber": origination,
        "destinationNumber": destination,
        "messageKeyword": keyword,  # the number's registered keyword AWS associated (we read the body)
        "messageBody": body,
        "inboundMessageId": str(uuid.uuid4()),
        "previousPublishedMessageId": previous_published_message_id,
    }
    boto3.client("sns").publish(TopicArn=topic_arns[wiring.SMS_INBOUND_TOPIC], Message=json.dumps(payload))


def publish_ses_event(topic_arns: dict[str, str], event: dict[str, Any]) -> None:
    """Publish an SES event notification on the feedback topic, as SES would on AWS."""
    import boto3

    boto3.client("sns").publish(TopicArn=topic_arns[wiring.EMAIL_FEEDBACK.topic], Message=json.dumps(event))
