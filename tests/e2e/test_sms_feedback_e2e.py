"""End to end on the local runtime: SNS SMS delivery status through the CloudWatch Logs subscription shape
(``deliver_sms_status``), and STOP/START replies through moto SNS -> the sms-inbound queue -> sms_inbound
(``publish_sms_inbound``), as AWS would deliver them."""

from __future__ import annotations

import pytest

from notify_infra import wiring
from notify_local import cli
from tests.conftest import ORG, hutki_settings, make_detail, put_event

pytestmark = pytest.mark.e2e

ANNA_PHONE = "+375291234567"
OTHER = "other"


def _sms(rt, event_id: str, org: str = ORG) -> dict:
    [d] = [
        d
        for d in rt.outbox().deliveries_with(channel="sms", address=ANNA_PHONE, org_id=org)
        if d["event_id"] == event_id
    ]
    return d


def test_delivery_status_lands_on_the_delivery_and_in_the_report(hutki, capsys):
    put_event(hutki, "payment.paid", make_detail("e2e-st-1"))
    put_event(hutki, "payment.paid", make_detail("e2e-st-2"))
    hutki.wait_idle()
    ok, ko = _sms(hutki, "e2e-st-1"), _sms(hutki, "e2e-st-2")

    # SNS logs the line in the success or the failure group; both groups exist as the stack creates them.
    import boto3

    groups = {g["logGroupName"] for g in boto3.client("logs").describe_log_groups()["logGroups"]}
    assert {hutki.log_group_name(g) for g in wiring.SMS_STATUS_LOG_GROUPS} <= groups

    assert hutki.deliver_sms_status(ok["provider_message_id"], "SUCCESS") == [{"outcomes": {"applied": 1}}]
    assert hutki.deliver_sms_status(ko["provider_message_id"], "FAILURE", "Invalid phone number") == [
        {"outcomes": {"applied": 1}}
    ]
    # A late success for the failed one changes nothing; an id SNS never gave us is counted, not fatal.
    assert hutki.deliver_sms_status(ko["provider_message_id"], "SUCCESS") == [{"outcomes": {"out_of_order": 1}}]
    assert hutki.deliver_sms_status("not-ours", "SUCCESS", destination=ANNA_PHONE) == [
        {"outcomes": {"unknown_delivery": 1}}
    ]

    assert _sms(hutki, "e2e-st-1")["status"] == "delivered"
    failed = _sms(hutki, "e2e-st-2")
    assert (failed["status"], failed["error_code"], failed["error_detail"]) == (
        "failed",
        "carrier_failure",
        "Invalid phone number",
    )

    assert (
        cli.main(["report", "sms", ORG, "--from", "2000-01-01", "--to", "2999-12-31", "--local", hutki.endpoint_url])
        == 0
    )
    # Handlers print their EMF metrics to the same stdout: keep the CSV lines.
    rows = [line for line in capsys.readouterr().out.splitlines() if line and not line.startswith("{")]
    assert rows[0].startswith("created_at,")
    [row] = rows[1:]  # the failed one did not go out
    assert ok["delivery_id"] in row and ",delivered," in row


def test_stop_reply_suppresses_that_org_only_and_start_re_enables_it(hutki):
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org=OTHER))
    put_event(hutki, "payment.paid", make_detail("e2e-rp-1"))
    hutki.wait_idle()
    answered = _sms(hutki, "e2e-rp-1")

    hutki.publish_sms_inbound(ANNA_PHONE, "Stop", previous_published_message_id=answered["provider_message_id"])
    hutki.wait_idle()
    put_event(hutki, "payment.paid", make_detail("e2e-rp-2"))
    put_event(hutki, "payment.paid", make_detail("e2e-rp-2", org=OTHER))
    hutki.wait_idle()
    stopped = _sms(hutki, "e2e-rp-2")
    assert (stopped["status"], stopped["error_code"]) == ("skipped", "suppressed:opt_out")
    assert _sms(hutki, "e2e-rp-2", OTHER)["status"] == "sent"
    assert len(hutki.outbox().sms_to(ANNA_PHONE)) == 2  # e2e-rp-1 (hutki) and e2e-rp-2 (other)

    hutki.publish_sms_inbound(ANNA_PHONE, "Thanks!", previous_published_message_id=answered["provider_message_id"])
    hutki.publish_sms_inbound(ANNA_PHONE, "START", previous_published_message_id=answered["provider_message_id"])
    hutki.wait_idle()
    put_event(hutki, "payment.paid", make_detail("e2e-rp-3"))
    hutki.wait_idle()
    assert _sms(hutki, "e2e-rp-3")["status"] == "sent"
    assert len(hutki.outbox().sms_to(ANNA_PHONE)) == 3


def test_an_unattributable_stop_silences_every_org(hutki):
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org=OTHER))
    hutki.publish_sms_inbound(ANNA_PHONE, "СТОП")  # no previousPublishedMessageId
    hutki.wait_idle()
    put_event(hutki, "payment.paid", make_detail("e2e-all-1"))
    put_event(hutki, "payment.paid", make_detail("e2e-all-1", org=OTHER))
    hutki.wait_idle()
    assert {_sms(hutki, "e2e-all-1", org)["error_code"] for org in (ORG, OTHER)} == {"suppressed:opt_out"}
    assert hutki.outbox().sms_to(ANNA_PHONE) == []
