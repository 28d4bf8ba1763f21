"""The hardening issue end to end, on the local runtime with plain boto3 PutEvents: poison events land in the
quarantine (never the events DLQ), a reused event id is refused naming both types, recipients on an event fail
alone, publishers are bound to their orgs (and the platform's source to its functions), configuration problems are
recorded where people look, sms_status failures land in their alarmed queue.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from notify_infra import wiring
from tests.conftest import ORG, make_detail, put_event

pytestmark = pytest.mark.e2e


def _dlq_depth(rt, key: str) -> int:
    attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=rt.queue_urls[key], AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_an_event_nested_260_levels_deep_is_quarantined_not_retried_into_the_dlq(hutki):
    detail = json.dumps(make_detail("deep-1")).replace('"payment_id"', '"meter": ' + "[" * 260 + "]" * 260 + ', "x"')
    put_event(hutki, "payment.paid", detail)
    hutki.wait_idle()
    [q] = hutki.outbox().quarantined
    assert q["reason"] == "too_deep" and hutki.errors == []
    assert _dlq_depth(hutki, "events-dlq") == 0


def test_a_reused_event_id_is_quarantined_naming_both_types(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-reused"))
    hutki.wait_idle()
    sent = len(hutki.outbox().emails)
    reversed_data = {"amount": "120.50", "currency": "BYN", "payment_id": "pay-1", "reason": "payer request"}
    put_event(hutki, "payment.reversed", make_detail("pay-reused", reversed_data))
    put_event(hutki, "payment.paid", make_detail("pay-reused"))  # the same event again: silent
    hutki.wait_idle()
    out = hutki.outbox()
    [q] = out.quarantined
    assert q["reason"] == "event_id_reused"
    assert "first routed as payment.paid" in q["detail"] and "this payment.reversed" in q["detail"]
    assert len(out.emails) == sent
    [record] = [r for r in hutki.admin.routing.for_event(ORG, "pay-reused") if r.outcome == "quarantined"]
    assert record.reason == "event_id_reused"


def test_three_hundred_buyers_three_with_bad_addresses_reach_the_others(hutki):
    buyers = [{"email": f"buyer{i}@example.com", "channels": ["email"]} for i in range(297)]
    buyers += [{"email": "typo@@example.com"}, {"email": "b" * 400 + "@example.com"}, {"phone": 42, "email": "x@x.x"}]
    data = {"amount": "45.00", "currency": "BYN", "invoice_number": "42"}
    put_event(hutki, "invoice.issued", {**make_detail("inv-300", data), "recipients": buyers}, source="invoicing")
    hutki.wait_idle(timeout_s=300)
    out = hutki.outbox()
    assert out.quarantined == [] and len(out.emails) == 297
    failed = {(d["error_code"], d["address"][:20]) for d in out.deliveries if d["status"] == "failed"}
    assert failed == {
        ("invalid_address", "typo@@example.com"),
        ("invalid_address", "b" * 20),
        ("invalid_recipient", "x@x.x"),
    }


def test_an_org_that_names_its_publishers_hears_from_no_one_else(hutki):
    from tests.conftest import hutki_settings

    hutki.apply_settings({**hutki_settings(hutki.receiver.url), "publishers": {"sources": ["payments"]}})
    put_event(hutki, "payment.paid", make_detail("pay-forged"), source="crm.orders")
    put_event(hutki, "payment.paid", make_detail("pay-real"), source="payments")
    hutki.wait_idle()
    out = hutki.outbox()
    [q] = out.quarantined
    assert q["reason"] == "source_not_allowed" and "source 'crm.orders' does not publish for org 'hutki'" in q["detail"]
    assert {d["event_id"] for d in out.deliveries} == {"pay-real"}
    [record] = hutki.admin.routing.for_event(ORG, "pay-forged")
    assert (record.outcome, record.reason, record.source) == ("quarantined", "source_not_allowed", "crm.orders")
    assert hutki.admin.settings.export(ORG)["publishers"] == {"sources": ["payments"]}


def test_a_deployment_that_requires_publishers_refuses_orgs_that_name_none(hutki):
    with hutki.override_env("router", PUBLISHERS_REQUIRED="1"):
        put_event(hutki, "payment.paid", make_detail("pay-unbound"))
        hutki.wait_idle()
    [q] = hutki.outbox().quarantined
    assert q["reason"] == "source_not_allowed" and "names no publishers" in q["detail"]


def test_only_the_platforms_functions_may_publish_with_its_source(hutki):
    with pytest.raises(ClientError, match="AccessDeniedException"):
        put_event(hutki, "url_notification.failed", make_detail("fake-alert"), source=wiring.PLATFORM_SOURCE)


def test_a_platform_function_may_publish_nothing_but_platform_events(notify_runtime):
    from notify_local.aws_calls import handler_running

    events = boto3.client("events")
    entry = {"Source": "payments", "DetailType": "payment.paid", "Detail": "{}", "EventBusName": wiring.BUS_NAME}
    with handler_running("send_webhook"), pytest.raises(ClientError, match="may publish only the platform's own"):
        events.put_events(Entries=[entry])
    with handler_running("send_email"), pytest.raises(ClientError, match="not authorized to perform: events:PutEvents"):
        events.put_events(
            Entries=[{**entry, "Source": wiring.PLATFORM_SOURCE, "DetailType": "url_notification.failed"}]
        )


def test_configuration_problems_are_recorded_for_the_event(hutki):
    from tests.conftest import hutki_settings

    doc = hutki_settings(hutki.receiver.url)
    doc["contacts"].append({"id": "no-phone", "name": "No Phone", "emails": [{"address": "np@hutki.example"}]})
    doc["subscriptions"][0]["channels"]["sms"].append("no-phone")
    hutki.apply_settings(doc)
    put_event(hutki, "payment.paid", make_detail("pay-problems"))
    hutki.wait_idle()
    [record] = hutki.admin.routing.for_event(ORG, "pay-problems")
    assert [(p.reason, p.detail) for p in record.problems] == [("no_address", "contact 'no-phone' has no sms address")]
    assert record.counts["queued"] == 3  # anna by email and SMS, the ERP webhook


def test_sms_status_failures_land_in_the_alarmed_queue_not_in_silence(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-sms-status"))
    hutki.wait_idle()
    [sms] = hutki.outbox().sms_to("+375291234567")
    hutki.inject_aws_error("dynamodb", "UpdateItem", "InternalServerError", status=500, times=3, function="sms_status")
    [result] = hutki.deliver_sms_status(sms.message_id, "FAILURE", "Phone is unreachable")
    assert result["on_failure"] == "sms-status-failed"
    messages = boto3.client("sqs").receive_message(QueueUrl=hutki.queue_urls["sms-status-failed"])["Messages"]
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted" and "awslogs" in record["requestPayload"]


def test_a_template_error_fails_the_delivery_for_good_with_its_reason(hutki, tmp_path):
    # A real template naming a fact the event does not carry, rendered by the real email sender: no retry, no email,
    # the delivery failed with template_error and its message kept for a replay once the template is fixed.
    (tmp_path / "payment.paid").mkdir()
    (tmp_path / "payment.paid" / "email.j2").write_text(
        "{% block subject %}Paid {{ data.no_such_fact }}{% endblock %}{% block text %}x{% endblock %}"
        "{% block html %}x{% endblock %}",
        encoding="utf-8",
    )
    with hutki.override_env("send_email", NOTIFY_TEMPLATES_DIR=str(tmp_path)):
        put_event(hutki, "payment.paid", make_detail("pay-template"))
        hutki.wait_idle()
    out = hutki.outbox()
    assert out.emails_to("anna@hutki.example") == []
    [d] = out.deliveries_with(channel="email")
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("failed", "template_error", 1)
    assert "no_such_fact" in d["error_detail"] and json.loads(d["payload"])["event_id"] == "pay-template"
    assert out.sms_to("+375291234567")  # the other channels went out
