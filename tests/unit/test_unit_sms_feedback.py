"""Reading SNS SMS delivery-status log lines and inbound SMS (STOP / START) payloads."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent

from notify_core.domain import delivery as feedback
from notify_core.domain.sms_events import (
    OPT_IN,
    OPT_OUT,
    MalformedSmsFeedback,
    keyword_action,
    parse_inbound,
    parse_status_line,
)

pytestmark = pytest.mark.unit

# The shapes AWS documents for SNS SMS delivery-status logs (knowledge-center "monitor-sns-texts-cloudwatch").
SUCCESS_LINE = {
    "notification": {"messageId": "34d9b400-c6dd-5444-820d-fbeb0f1f54cf", "timestamp": "2016-06-28 00:40:34.558"},
    "delivery": {
        "phoneCarrier": "My Phone Carrier",
        "mnc": 270,
        "destination": "+15555550100",
        "priceInUSD": 0.00645,
        "smsType": "Transactional",
        "mcc": 310,
        "providerResponse": "Message has been accepted by phone carrier",
        "dwellTimeMs": 599,
        "dwellTimeMsUntilDeviceAck": 1344,
    },
    "status": "SUCCESS",
}
FAILURE_LINE = {
    "notification": {"messageId": "1077257a-92f3-5ca3-bc97-6a915b310625", "timestamp": "2016-06-28 00:40:34.559"},
    "delivery": {
        "mnc": 0,
        "destination": "+15555550100",
        "priceInUSD": 0.00645,
        "smsType": "Transactional",
        "mcc": 0,
        "providerResponse": "Unknown error attempting to reach phone",
        "dwellTimeMs": 1420,
        "dwellTimeMsUntilDeviceAck": 1692,
    },
    "status": "FAILURE",
}


def test_a_success_line_is_delivered_with_the_carrier_words_and_an_iso_timestamp():
    s = parse_status_line(json.dumps(SUCCESS_LINE))
    assert (s.kind, s.status, s.code) == (feedback.DELIVERED, "SUCCESS", "carrier_accepted")
    assert s.message_id == "34d9b400-c6dd-5444-820d-fbeb0f1f54cf"
    assert s.timestamp == "2016-06-28T00:40:34.558Z"
    assert s.detail == "Message has been accepted by phone carrier"
    assert s.destination == "+15555550100"


def test_a_failure_line_is_failed_with_the_provider_response_as_reason():
    s = parse_status_line(json.dumps(FAILURE_LINE))
    assert (s.kind, s.code, s.detail) == (feedback.FAILED, "carrier_failure", "Unknown error attempting to reach phone")
    # Ranked like a bounce: a late "delivered" never replaces it.
    assert feedback.RANK[feedback.FAILED] > feedback.RANK[feedback.DELIVERED]


def test_an_unknown_timestamp_format_is_kept_as_is_and_a_missing_one_is_none():
    line = json.loads(json.dumps(SUCCESS_LINE))
    line["notification"]["timestamp"] = "2016-06-28T00:40:34Z"
    assert parse_status_line(json.dumps(line)).timestamp == "2016-06-28T00:40:34Z"
    del line["notification"]["timestamp"]
    assert parse_status_line(json.dumps(line)).timestamp is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"status": "SUCCESS"}), "notification or delivery missing"),
        (json.dumps({**SUCCESS_LINE, "notification": {"timestamp": "x"}}), "messageId missing"),
        (json.dumps({**SUCCESS_LINE, "status": "PENDING"}), "not SUCCESS or FAILURE"),
        (json.dumps({**SUCCESS_LINE, "status": None}), "not SUCCESS or FAILURE"),
    ],
)
def test_malformed_lines_say_why(line, reason):
    with pytest.raises(MalformedSmsFeedback, match=reason):
        parse_status_line(line)


def test_the_cloudwatch_logs_event_decodes_to_the_lines_sns_wrote():
    # What a subscription filter hands to Lambda: base64 of gzipped JSON (Powertools decodes it).
    batch = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "sns/eu-west-1/123456789012/DirectPublishToPhoneNumber/Failure",
        "logStream": "x",
        "subscriptionFilters": ["f"],
        "logEvents": [{"id": "1", "timestamp": 1467074434559, "message": json.dumps(FAILURE_LINE)}],
    }
    event = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()}}
    data = CloudWatchLogsEvent(event).parse_logs_data()
    [line] = [parse_status_line(e.message) for e in data.log_events]
    assert (line.kind, line.message_id) == (feedback.FAILED, "1077257a-92f3-5ca3-bc97-6a915b310625")


# ------------------------------------------------------------------------------------------------ keywords


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "  Stop \n",
        "STOP.",
        "Stop!",
        "stopall",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "quit",
        "СТОП",
        "стоп",
        " Стоп! ",
        "отписаться",
        "Stop texting me",
        "STOP please",
        "стоп спам",
    ],
)
def test_opt_out_words(text):
    assert keyword_action(text) == OPT_OUT


@pytest.mark.parametrize("text", ["START", "start", " Start ", "unstop", "YES", "yes!", "СТАРТ", "старт"])  # noqa: RUF001 (Russian on purpose)
def test_opt_in_words(text):
    assert keyword_action(text) == OPT_IN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "Thanks!",
        "End of the month is fine",
        "Cancel my order?",
        "Yes, 5 pm works",
        "Start the repair tomorrow",
        "nonstop",
        "S T O P",
        "Не стоит",  # noqa: RUF001 (Russian on purpose)
    ],
)
def test_ordinary_replies_are_not_keywords(text):
    assert keyword_action(text) is None


# ------------------------------------------------------------------------------------------------ payloads

INBOUND = {  # as AWS End User Messaging SMS documents it for SNS topics
    "originationNumber": "+14255550182",
    "destinationNumber": "+12125550101",
    "messageKeyword": "JOIN",
    "messageBody": "EXAMPLE",
    "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
    "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def envelope(message: str, kind: str = "Notification") -> str:
    return json.dumps({"Type": kind, "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": message})


def test_an_inbound_payload_in_its_sns_envelope():
    i = parse_inbound(envelope(json.dumps({**INBOUND, "messageBody": " stop "})))
    assert (i.origination, i.destination, i.body, i.action) == ("+14255550182", "+12125550101", " stop ", OPT_OUT)
    assert (i.inbound_message_id, i.previous_message_id) == (
        INBOUND["inboundMessageId"],
        INBOUND["previousPublishedMessageId"],
    )


def test_the_registered_keyword_does_not_decide_the_body_does():
    assert parse_inbound(envelope(json.dumps({**INBOUND, "messageKeyword": "STOP"}))).action is None
    assert parse_inbound(envelope(json.dumps({**INBOUND, "messageBody": "Стоп"}))).action == OPT_OUT


def test_raw_delivery_null_ids_and_bookkeeping():
    i = parse_inbound(json.dumps({**INBOUND, "previousPublishedMessageId": None, "messageBody": None}))
    assert (i.previous_message_id, i.body, i.action) == (None, "", None)
    assert parse_inbound(envelope("{}", kind="SubscriptionConfirmation")) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        (envelope("not json"), "SNS Message is not JSON"),
        (envelope("null"), "SNS Message is null"),
        (envelope("[]"), "not a JSON object"),
        (envelope(json.dumps({"messageBody": "STOP"})), "originationNumber missing"),
        (envelope(json.dumps({**INBOUND, "originationNumber": "12345"})), "not a phone number"),
    ],
)
def test_malformed_inbound_payloads_say_why(body, reason):
    with pytest.raises(MalformedSmsFeedback, match=reason):
        parse_inbound(body)
