"""SMS delivery status and STOP/START replies against moto.

The sms_status handler is fed CloudWatch Logs events built here in the shape CloudWatch Logs gives a
subscribed Lambda (SNS never writes delivery status on moto); the sms_inbound handler is fed SQS records
whose body is the SNS envelope around an AWS End User Messaging SMS inbound payload.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid

import pytest

from notify_infra import wiring
from tests.conftest import ORG, hutki_settings, make_detail

pytestmark = pytest.mark.integration

ANNA_PHONE = "+375291234567"
OTHER = "other"


def status_line(
    message_id: str, status: str = "SUCCESS", response: str | None = None, destination: str = ANNA_PHONE
) -> str:
    return json.dumps(
        {
            "notification": {"messageId": message_id, "timestamp": "2026-11-23 10:00:01.250"},
            "delivery": {
                "phoneCarrier": "A1",
                "mnc": 1,
                "mcc": 257,
                "destination": destination,
                "priceInUSD": 0.05,
                "smsType": "Transactional",
                "dwellTimeMs": 599,
                "providerResponse": response or "Message has been accepted by phone carrier",
            },
            "status": status,
        }
    )


def logs_event(*lines: str, group: str | None = None) -> dict:
    group = group or wiring.SMS_STATUS_LOG_GROUPS[0].format(region="eu-west-1", account="123456789012")
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": "s",
        "subscriptionFilters": ["f"],
        "logEvents": [{"id": str(i), "timestamp": 1795000000000, "message": line} for i, line in enumerate(lines)],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


def inbound_record(payload: dict | str) -> dict:
    message = payload if isinstance(payload, str) else json.dumps(payload)
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:notify-sms-inbound",
        "Message": message,
    }
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "local",
        "body": json.dumps(envelope),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:notify-sms-inbound",
        "awsRegion": "eu-west-1",
    }


def reply(text: str, previous: str | None, origination: str = ANNA_PHONE) -> dict:
    return {
        "originationNumber": origination,
        "destinationNumber": "+12125550101",
        "messageKeyword": "KEYWORD",
        "messageBody": text,
        "inboundMessageId": str(uuid.uuid4()),
        "previousPublishedMessageId": previous,
    }


def sms_of(rt, event_id: str, org: str = ORG) -> dict:
    [d] = [
        d
        for d in rt.outbox().deliveries_with(channel="sms", address=ANNA_PHONE, org_id=org)
        if d["event_id"] == event_id
    ]
    return d


def sent_sms(rt, event_id: str, org: str = ORG) -> dict:
    rt.publish("payment.paid", make_detail(event_id, org=org))
    rt.wait_idle()
    d = sms_of(rt, event_id, org)
    assert d["status"] == "sent" and d["provider_message_id"]
    return d


# ------------------------------------------------------------------------------------------ delivery status


def test_the_provider_message_index_finds_the_sms(hutki):
    find_by_provider_message = hutki.admin.deliveries.find_by_provider_message
    d = sent_sms(hutki, "st-index")
    assert [s.message_id for s in hutki.outbox().sms_to(ANNA_PHONE)] == [d["provider_message_id"]]
    found = find_by_provider_message(d["provider_message_id"], "sms")
    assert found is not None and found.delivery_id == d["delivery_id"]
    assert find_by_provider_message(d["provider_message_id"], "email") is None
    assert find_by_provider_message("no-such-id", "sms") is None


def test_success_marks_delivered_and_the_sent_sms_report_shows_it(hutki):
    d = sent_sms(hutki, "st-ok")
    result = hutki.invoke("sms_status", logs_event(status_line(d["provider_message_id"])))
    assert result == {"outcomes": {"applied": 1}}
    after = sms_of(hutki, "st-ok")
    assert after["status"] == "delivered"
    assert [(a["outcome"], a.get("code")) for a in after["attempts"]] == [
        ("sent", None),
        ("delivered", "carrier_accepted"),
    ]
    assert after["attempts"][-1]["at"] == "2026-11-23T10:00:01.250Z"
    assert after["attempts"][-1]["detail"] == "Message has been accepted by phone carrier"
    [row] = hutki.admin.reports.sent_sms(ORG, "2000-01-01", "2999-12-31")
    assert (row["delivery_id"], row["status"], row["provider_message_id"]) == (
        d["delivery_id"],
        "delivered",
        d["provider_message_id"],
    )


def test_failure_marks_failed_with_the_carrier_reason_and_success_after_it_does_not_flip_it(hutki):
    d = sent_sms(hutki, "st-fail")
    failure = status_line(d["provider_message_id"], "FAILURE", "Phone is currently unreachable/unavailable")
    assert hutki.invoke("sms_status", logs_event(failure)) == {"outcomes": {"applied": 1}}
    after = sms_of(hutki, "st-fail")
    assert (after["status"], after["error_code"], after["error_detail"]) == (
        "failed",
        "carrier_failure",
        "Phone is currently unreachable/unavailable",
    )

    late = hutki.invoke("sms_status", logs_event(status_line(d["provider_message_id"])))
    assert late == {"outcomes": {"out_of_order": 1}}
    final = sms_of(hutki, "st-fail")
    assert final["status"] == "failed"
    assert [a["outcome"] for a in final["attempts"]] == ["sent", "failed"]
    # A failed SMS is not in the "sent" report.
    assert hutki.admin.reports.sent_sms(ORG, "2000-01-01", "2999-12-31") == []


def test_failure_after_success_in_one_batch_wins_and_a_repeat_is_a_no_op(hutki):
    d = sent_sms(hutki, "st-batch")
    mid = d["provider_message_id"]
    result = hutki.invoke(
        "sms_status",
        logs_event(status_line(mid), status_line(mid, "FAILURE", "Blocked"), status_line(mid, "FAILURE", "Blocked")),
    )
    assert result == {"outcomes": {"applied": 2, "out_of_order": 1}}
    after = sms_of(hutki, "st-batch")
    assert (after["status"], after["error_detail"]) == ("failed", "Blocked")
    assert [a["outcome"] for a in after["attempts"]] == ["sent", "delivered", "failed"]


def test_unknown_ids_are_counted_malformed_lines_skipped_and_the_rest_recorded(hutki):
    d = sent_sms(hutki, "st-mixed")
    event = logs_event(
        "not json",
        json.dumps({"notification": {"messageId": "x"}, "delivery": {}, "status": "PENDING"}),
        json.dumps({"status": "SUCCESS"}),
        status_line("an-sms-someone-else-sent"),
        status_line(d["provider_message_id"], destination="+375297654321"),  # id ours, number not: refused
        status_line(d["provider_message_id"]),
    )
    assert hutki.invoke("sms_status", event) == {"outcomes": {"malformed": 3, "unknown_delivery": 2, "applied": 1}}
    assert sms_of(hutki, "st-mixed")["status"] == "delivered"


def test_an_event_that_is_not_cloudwatch_logs_is_dropped_not_raised(hutki):
    assert hutki.invoke("sms_status", {"awslogs": {"data": "bm90IGd6aXA="}}) == {"outcomes": {"malformed": 1}}
    assert hutki.invoke("sms_status", {"Records": []}) == {"outcomes": {"malformed": 1}}


def test_an_email_with_the_same_provider_id_is_not_touched(hutki):
    # Email deliveries carry SES message ids in the same index; an SMS status line never lands on one.
    sent_sms(hutki, "st-email")
    [email] = [
        d
        for d in hutki.outbox().deliveries_with(channel="email", event_id="st-email")
        if d["address"] == "anna@hutki.example"
    ]
    assert email["provider_message_id"]
    result = hutki.invoke("sms_status", logs_event(status_line(email["provider_message_id"])))
    assert result == {"outcomes": {"unknown_delivery": 1}}
    assert hutki.admin.deliveries.get_any(email["delivery_id"]).status == "sent"


# ------------------------------------------------------------------------------------------------ replies


def test_stop_reply_opts_out_of_that_org_only_and_start_opts_back_in(hutki):
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org=OTHER))
    d = sent_sms(hutki, "rp-1")
    sent_sms(hutki, "rp-1", org=OTHER)

    assert hutki.invoke("sms_inbound", {"Records": [inbound_record(reply(" stop ", d["provider_message_id"]))]}) == {
        "batchItemFailures": []
    }
    assert hutki.admin.suppressions.suppressed(ORG, [("sms", ANNA_PHONE)]) == {("sms", ANNA_PHONE): "opt_out"}
    assert hutki.admin.suppressions.suppressed(OTHER, [("sms", ANNA_PHONE)]) == {}

    sms_before = len(hutki.outbox().sms_to(ANNA_PHONE))
    hutki.publish("payment.paid", make_detail("rp-2"))
    hutki.publish("payment.paid", make_detail("rp-2", org=OTHER))
    hutki.wait_idle()
    ours, theirs = sms_of(hutki, "rp-2"), sms_of(hutki, "rp-2", OTHER)
    assert (ours["status"], ours["error_code"]) == ("skipped", "suppressed:opt_out")
    assert theirs["status"] == "sent"
    assert len(hutki.outbox().sms_to(ANNA_PHONE)) == sms_before + 1

    hutki.invoke("sms_inbound", {"Records": [inbound_record(reply("Start", d["provider_message_id"]))]})
    assert hutki.admin.suppressions.suppressed(ORG, [("sms", ANNA_PHONE)]) == {}
    hutki.publish("payment.paid", make_detail("rp-3"))
    hutki.wait_idle()
    assert sms_of(hutki, "rp-3")["status"] == "sent"


def test_a_stop_that_maps_to_nothing_opts_out_of_every_org_until_an_unmapped_start(hutki):
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org=OTHER))
    for previous in (None, "never-sent-by-us"):
        hutki.invoke("sms_inbound", {"Records": [inbound_record(reply("СТОП", previous))]})
        for org in (ORG, OTHER, "an-org-created-later"):
            assert hutki.admin.suppressions.suppressed(org, [("sms", ANNA_PHONE)]) == {("sms", ANNA_PHONE): "opt_out"}
        hutki.invoke("sms_inbound", {"Records": [inbound_record(reply("START", previous))]})
        assert hutki.admin.suppressions.suppressed(ORG, [("sms", ANNA_PHONE)]) == {}


def test_a_reply_naming_a_delivery_to_another_number_is_not_attributed_to_its_org(hutki):
    d = sent_sms(hutki, "rp-other-number")
    hutki.invoke(
        "sms_inbound",
        {"Records": [inbound_record(reply("STOP", d["provider_message_id"], origination="+375297654321"))]},
    )
    # Not Anna: the stop is for +375297654321, from every org (we cannot tell which one it meant).
    assert hutki.admin.suppressions.suppressed(ORG, [("sms", ANNA_PHONE)]) == {}
    assert hutki.admin.suppressions.suppressed(OTHER, [("sms", "+375297654321")]) == {
        ("sms", "+375297654321"): "opt_out"
    }


def test_ordinary_texts_are_ignored_and_malformed_payloads_fail_their_record_only(hutki):
    d = sent_sms(hutki, "rp-garbage")
    records = [
        inbound_record(reply("Thanks, see you at 5", d["provider_message_id"])),
        inbound_record(reply("End of the month is fine", d["provider_message_id"])),
        inbound_record("not json"),
        inbound_record({"messageBody": "STOP"}),  # no originationNumber
        inbound_record(reply("STOP", None, origination="12345")),  # a short code is not a phone number
    ]
    result = hutki.invoke("sms_inbound", {"Records": records})
    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records[2:]]}
    assert hutki.admin.suppressions.suppressed(ORG, [("sms", ANNA_PHONE)]) == {}
