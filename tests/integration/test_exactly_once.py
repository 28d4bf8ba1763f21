"""Exactly-once and retry semantics of the router and senders, played by hand against moto.

The runtime's driver is paused so each test decides when a handler runs and with which SQS batch
(the same batch twice = a redelivery). Provider faults are injected on the real boto3 client through
botocore's event hooks: the request never reaches moto, the error comes back as AWS would send it.
"""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import inject_aws_error, make_detail

pytestmark = pytest.mark.integration


def publish_and_route(rt, event_id: str) -> None:
    """Publish an event and run the router on it, leaving the deliveries queued."""
    rt.publish("payment.paid", make_detail(event_id))
    result = rt.invoke("router", rt.take_batch("events"))
    assert result == {"batchItemFailures": []}


def sent_emails(rt) -> list:
    return rt.outbox().emails


def test_a_redelivered_message_is_sent_once(hutki):
    with hutki.paused():
        publish_and_route(hutki, "pay-redeliver")
        batch = hutki.take_batch("email")
        assert len(batch["Records"]) == 1
        first = hutki.invoke("send_email", batch)
        # The sender finished but (say) crashed before SQS deleted the message: SQS redelivers it.
        second = hutki.invoke("send_email", batch)
    assert first == second == {"batchItemFailures": []}
    assert len(sent_emails(hutki)) == 1
    [d] = hutki.outbox().deliveries_with(channel="email")
    assert d["status"] == "sent" and d["attempt_count"] == 1 and len(d["attempts"]) == 1


def test_a_router_retry_after_a_crash_does_not_duplicate_deliveries(hutki):
    with hutki.paused():
        hutki.publish("payment.paid", make_detail("pay-router-crash"))
        batch = hutki.take_batch("events")
        hutki.invoke("router", batch)
        # The router crashed after queueing: its idempotency record never completed and was cleared.
        ddb = boto3.client("dynamodb")
        for item in ddb.scan(TableName="notify-idempotency")["Items"]:
            ddb.delete_item(TableName="notify-idempotency", Key={"id": item["id"]})
        hutki.invoke("router", batch)  # routes again: every delivery is queued a second time...
        attrs = boto3.client("sqs").get_queue_attributes(
            QueueUrl=hutki.queue_urls["email"], AttributeNames=["ApproximateNumberOfMessages"]
        )
        # ...and the FIFO channel queue drops the repeat (same delivery id within its deduplication window).
        assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"
    hutki.wait_idle()
    out = hutki.outbox()
    assert len(out.emails) == 1 and len(out.sms) == 1 and len(out.webhooks) == 1


def test_a_duplicate_event_is_not_routed_twice(hutki):
    with hutki.paused():
        hutki.publish("payment.paid", make_detail("pay-twice"))
        hutki.publish("payment.paid", make_detail("pay-twice"))
        batch = hutki.take_batch("events")
        assert len(batch["Records"]) == 2
        hutki.aws_calls.clear()
        hutki.invoke("router", batch)
        # One routing: the second record returned the stored result without queueing anything.
        assert hutki.aws_calls["sqs:SendMessageBatch"] == 3  # email, sms, webhook queues, once each


def test_ses_throttling_is_retried_with_backoff_and_delivered_once(hutki):
    with hutki.paused():
        publish_and_route(hutki, "pay-throttle")
        inject_aws_error(hutki, "sesv2", "SendEmail", "TooManyRequestsException", times=1, status=429)
        batch = hutki.take_batch("email")
        hutki.aws_calls.clear()
        result = hutki.invoke("send_email", batch)
        assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][0]["messageId"]}]}
        assert hutki.aws_calls["sqs:ChangeMessageVisibilityBatch"] == 1  # the backoff was applied
        [d] = hutki.outbox().deliveries_with(channel="email")
        assert d["status"] == "retrying" and d["error_code"] == "provider:TooManyRequestsException"
    hutki.wait_idle()
    [d] = hutki.outbox().deliveries_with(channel="email")
    assert d["status"] == "sent"
    assert [a["outcome"] for a in d["attempts"]] == ["retrying", "sent"]
    assert len(sent_emails(hutki)) == 1


def test_a_provider_that_keeps_failing_ends_in_the_dlq_then_dead_in_the_log(hutki):
    inject_aws_error(hutki, "sns", "Publish", "InternalError", times=100, status=500)
    hutki.publish("payment.paid", make_detail("pay-sns-down"))
    hutki.wait_idle()
    [d] = hutki.outbox().deliveries_with(channel="sms")
    assert d["status"] == "dead"
    assert d["error_code"] == "provider:InternalError"
    assert d["attempt_count"] == 5  # the sms queue's maxReceiveCount
    assert json.loads(d["payload"])["address"] == "+375291234567"
    assert hutki.outbox().sms == []


def test_ses_rejection_is_a_permanent_failure(notify_runtime):
    # The org's sender identity was never verified: SES answers MessageRejected; retrying cannot help.
    from notify_core.domain import settings_document
    from tests.conftest import hutki_settings

    notify_runtime.admin.settings.apply(
        settings_document.SettingsDocument.model_validate(hutki_settings(notify_runtime.receiver.url))
    )
    notify_runtime.publish("payment.paid", make_detail("pay-unverified"))
    notify_runtime.wait_idle()
    [d] = notify_runtime.outbox().deliveries_with(channel="email")
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("failed", "rejected:MessageRejected", 1)


def test_a_message_for_a_sent_delivery_reaching_the_dlq_does_not_mark_it_dead(hutki):
    hutki.publish("payment.paid", make_detail("pay-late-dlq"))
    hutki.wait_idle()
    [d] = hutki.outbox().deliveries_with(channel="email")
    message = {k: d[k] for k in ("delivery_id", "org_id", "event_id", "event_type", "channel", "address")}
    assert hutki.admin.deliveries.settle_dead_letter(message, source_queue="notify-email-dlq.fifo") is None
    [after] = hutki.outbox().deliveries_with(channel="email")
    assert after["status"] == "sent" and "payload" not in after


def test_the_dead_letter_handler_keeps_unreadable_messages_in_the_dlq(hutki):
    sqs = boto3.client("sqs")
    with hutki.paused():
        sqs.send_message(
            QueueUrl=hutki.queue_urls["email-dlq"],
            MessageBody="not json",
            MessageGroupId="g",
            MessageDeduplicationId="d",
        )
        batch = hutki.take_batch("email-dlq")
        result = hutki.invoke("dead_letter", batch)
    assert result["batchItemFailures"] == [{"itemIdentifier": batch["Records"][0]["messageId"]}]
    sqs.purge_queue(QueueUrl=hutki.queue_urls["email-dlq"])
