"""SES feedback and SMS opt-outs against moto: the feedback handler fed SQS records whose body is the SNS
envelope around an SES event (moto never publishes SES events), the delivery log and the suppression list.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from notify_infra import wiring
from tests.conftest import ORG, hutki_settings, make_detail
from tests.ses_events import bounce_event, complaint_event, delay_event, delivery_event, reject_event, sns_envelope

pytestmark = pytest.mark.integration

ANNA = "anna@hutki.example"
ANNA_PHONE = "+375291234567"


def sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "local",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:notify-feedback",
                "awsRegion": "eu-west-1",
            }
            for body in bodies
        ]
    }


def feed(rt, *events: dict) -> dict:
    """Hand SES events to the feedback handler, one SQS record each (SNS envelope bodies)."""
    return rt.invoke("feedback", sqs_event(*(sns_envelope(e) for e in events)))


def email_delivery(rt, address: str = ANNA) -> dict:
    [d] = rt.outbox().deliveries_with(channel="email", address=address)
    return d


def ids(d: dict) -> dict:
    return {"delivery_id": d["delivery_id"], "org_id": d["org_id"]}


def sent_to_anna(rt, event_id: str) -> dict:
    rt.publish("payment.paid", make_detail(event_id))
    rt.wait_idle()
    d = email_delivery(rt)
    assert d["status"] == "sent"
    return d


def test_the_sender_sends_with_the_feedback_configuration_set_and_tags(hutki):
    seen = []

    def record(call, params, function):
        seen.append(dict(params))
        return call(params)

    hutki.around_aws_call("sesv2", "SendEmail", record)
    d = sent_to_anna(hutki, "pay-cs")
    [params] = seen
    assert params["ConfigurationSetName"] == wiring.EMAIL_FEEDBACK.configuration_set
    assert {t["Name"]: t["Value"] for t in params["EmailTags"]} == {"org_id": ORG, "delivery_id": d["delivery_id"]}


def test_a_delivery_event_marks_the_email_delivered(hutki):
    d = sent_to_anna(hutki, "pay-delivered")
    assert feed(hutki, delivery_event(ANNA, **ids(d))) == {"batchItemFailures": []}
    after = email_delivery(hutki)
    assert after["status"] == "delivered"
    assert [a["outcome"] for a in after["attempts"]] == ["sent", "delivered"]
    assert after["attempts"][-1]["detail"].startswith("250 2.0.0 OK")
    assert hutki.admin.suppressions.suppressed(ORG, [("email", ANNA)]) == {}


def test_a_hard_bounce_suppresses_the_address_and_the_next_email_is_not_sent(hutki):
    d = sent_to_anna(hutki, "pay-bounce-1")
    feed(hutki, bounce_event("Permanent", "NoEmail", ANNA, **ids(d)))
    after = email_delivery(hutki)
    assert (after["status"], after["error_code"]) == ("bounced", "bounce:Permanent/NoEmail")
    assert after["error_detail"] == "smtp; 550 5.1.1 user unknown"
    assert after["attempts"][-1]["outcome"] == "bounced"
    # Every org: a mailbox that does not exist does not exist for anyone.
    assert hutki.admin.suppressions.suppressed("another-org", [("email", ANNA)]) == {("email", ANNA): "bounce"}

    hutki.publish("payment.paid", make_detail("pay-bounce-2"))
    hutki.wait_idle()
    assert len(hutki.outbox().emails_to(ANNA)) == 1  # only the first one
    [skipped] = [
        x for x in hutki.outbox().deliveries_with(channel="email", address=ANNA) if x["event_id"] == "pay-bounce-2"
    ]
    assert (skipped["status"], skipped["error_code"]) == ("skipped", "suppressed:bounce")


def test_a_bounce_arriving_after_the_message_was_queued_stops_it_in_the_sender(hutki):
    d = sent_to_anna(hutki, "pay-q-1")
    with hutki.paused():
        hutki.publish("payment.paid", make_detail("pay-q-2"))
        hutki.invoke("router", hutki.take_batch("events"))  # queued while the address was still fine
        feed(hutki, bounce_event("Permanent", "General", ANNA, **ids(d)))
        hutki.invoke("send_email", hutki.take_batch("email"))
    hutki.wait_idle()
    [late] = [x for x in hutki.outbox().deliveries_with(channel="email", address=ANNA) if x["event_id"] == "pay-q-2"]
    assert (late["status"], late["error_code"], late["error_detail"]) == ("failed", "suppressed", "suppressed:bounce")
    assert len(hutki.outbox().emails_to(ANNA)) == 1


def test_a_complaint_marks_complained_and_suppresses(hutki):
    d = sent_to_anna(hutki, "pay-complaint")
    feed(hutki, delivery_event(ANNA, **ids(d)), complaint_event(ANNA, **ids(d)))
    after = email_delivery(hutki)
    assert (after["status"], after["error_code"]) == ("complained", "complaint:abuse")
    assert hutki.admin.suppressions.suppressed(ORG, [("email", ANNA)]) == {("email", ANNA): "complaint"}


def test_a_transient_bounce_is_recorded_but_not_suppressed(hutki):
    d = sent_to_anna(hutki, "pay-soft-1")
    feed(hutki, bounce_event("Transient", "MailboxFull", ANNA, **ids(d)))
    assert email_delivery(hutki)["status"] == "bounced"
    assert hutki.admin.suppressions.suppressed(ORG, [("email", ANNA)]) == {}
    hutki.publish("payment.paid", make_detail("pay-soft-2"))
    hutki.wait_idle()
    assert len(hutki.outbox().emails_to(ANNA)) == 2


@pytest.mark.parametrize("order", ["bounce-then-delivery", "delivery-then-bounce", "same-batch-late-delivery"])
def test_a_bounce_never_shows_as_delivered_whatever_the_order(hutki, order):
    d = sent_to_anna(hutki, f"pay-order-{order}")
    bounce, delivered = bounce_event("Permanent", "General", ANNA, **ids(d)), delivery_event(ANNA, **ids(d))
    if order == "bounce-then-delivery":
        feed(hutki, bounce)
        feed(hutki, delivered)
    elif order == "delivery-then-bounce":
        feed(hutki, delivered)
        feed(hutki, bounce)
    else:
        feed(hutki, bounce, delivered)
    after = email_delivery(hutki)
    assert after["status"] == "bounced"
    assert after["attempts"][-1]["outcome"] == "bounced"


def test_a_repeated_event_is_recorded_once(hutki):
    d = sent_to_anna(hutki, "pay-dup")
    feed(hutki, bounce_event("Permanent", "General", ANNA, **ids(d)))
    feed(hutki, bounce_event("Permanent", "General", ANNA, **ids(d)))  # SNS/SQS deliver at least once
    assert [a["outcome"] for a in email_delivery(hutki)["attempts"]] == ["sent", "bounced"]


def test_reject_and_delay(hutki):
    d = sent_to_anna(hutki, "pay-reject")
    feed(hutki, delay_event(ANNA, **ids(d)))
    assert email_delivery(hutki)["status"] == "sent"  # a delay changes nothing yet
    feed(hutki, reject_event(ANNA, **ids(d)))
    after = email_delivery(hutki)
    assert (after["status"], after["error_detail"]) == ("rejected", "Bad content")
    assert [a["outcome"] for a in after["attempts"]] == ["sent", "delayed", "rejected"]


def test_untagged_or_foreign_feedback_is_counted_not_retried_and_garbage_or_not_yet_recorded_is_retried(hutki):
    d = sent_to_anna(hutki, "pay-unknown")
    no_tags = bounce_event("Permanent", "General", "ghost@elsewhere.example", delivery_id=None, org_id=None)
    unknown_id = delivery_event(ANNA, delivery_id="dlv_does_not_exist", org_id=ORG)
    wrong_org = delivery_event(ANNA, delivery_id=d["delivery_id"], org_id="someone-else")
    bodies = [sns_envelope(no_tags), sns_envelope(unknown_id), sns_envelope(wrong_org), "not json"]
    event = sqs_event(*bodies)
    result = hutki.invoke("feedback", event)
    # Retried (and, if it stays so, parked in the alarmed DLQ): the unreadable record, and the one tagged with our
    # org whose delivery is not on record (yet: its sender may still be writing it).
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][i]["messageId"]} for i in (1, 3)]}
    assert email_delivery(hutki)["status"] == "sent"
    # The hard bounce still suppresses its address, though no delivery of ours matches it.
    assert hutki.admin.suppressions.suppressed(ORG, [("email", "ghost@elsewhere.example")]) == {
        ("email", "ghost@elsewhere.example"): "bounce"
    }


def test_feedback_that_overtakes_the_senders_write_is_retried_until_that_write_landed(hutki):
    # SES can be faster than the sender's own bookkeeping (nothing is written before SES accepts the message):
    # the bounce finds no record yet, so it goes back to its queue instead of being dropped or undone.
    early: list[dict] = []
    with hutki.paused():
        hutki.publish("payment.paid", make_detail("pay-race"))
        hutki.invoke("router", hutki.take_batch("events"))
        batch = hutki.take_batch("email")
        message = json.loads(batch["Records"][0]["body"])
        bounce = bounce_event("Permanent", "General", ANNA, delivery_id=message["delivery_id"], org_id=ORG)

        def send_then_bounce(call, params, function):
            resp = call(params)
            early.append(feed(hutki, bounce))
            return resp

        undo = hutki.around_aws_call("sesv2", "SendEmail", send_then_bounce)
        try:
            hutki.invoke("send_email", batch)
        finally:
            undo()
    assert len(early) == 1 and len(early[0]["batchItemFailures"]) == 1  # retried, not lost
    item = hutki.admin.deliveries.get_any(message["delivery_id"])
    assert item.status == "sent"
    assert feed(hutki, bounce) == {"batchItemFailures": []}  # the retry, once the sender's write landed
    item = hutki.admin.deliveries.get_any(message["delivery_id"])
    assert item.status == "bounced"
    assert [a.outcome for a in item.attempts] == ["sent", "bounced"]


# --- SMS opt-out ---------------------------------------------------------------------------------------


def test_an_opted_out_number_gets_no_sms_from_that_org_only(hutki):
    other = "other-org"
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org=other))
    assert hutki.admin.suppressions.opt_out(ORG, "+375 29 123-45-67") == ANNA_PHONE
    hutki.publish("payment.paid", make_detail("pay-stop", org=ORG))
    hutki.publish("payment.paid", make_detail("pay-stop", org=other))
    hutki.wait_idle()
    out = hutki.outbox()
    [sms] = out.sms_to(ANNA_PHONE)
    assert sms.text.startswith("Hutki Water")
    [ours] = out.deliveries_with(channel="sms", org_id=ORG)
    assert (ours["status"], ours["error_code"]) == ("skipped", "suppressed:opt_out")
    [theirs] = out.deliveries_with(channel="sms", org_id=other)
    assert theirs["status"] == "sent"
    assert len(out.emails_to(ANNA)) == 2  # email is not affected by an SMS opt-out


def test_an_opt_out_after_queueing_stops_the_sms_in_the_sender_and_opt_in_restores(hutki):
    with hutki.paused():
        hutki.publish("payment.paid", make_detail("pay-late-stop"))
        hutki.invoke("router", hutki.take_batch("events"))
        hutki.admin.suppressions.opt_out(ORG, ANNA_PHONE)
        hutki.invoke("send_sms", hutki.take_batch("sms"))
    [d] = hutki.outbox().deliveries_with(channel="sms")
    assert (d["status"], d["error_code"]) == ("failed", "opted_out")
    assert hutki.outbox().sms == []

    assert hutki.admin.suppressions.opt_in(ORG, ANNA_PHONE) == (ANNA_PHONE, True)
    assert hutki.admin.suppressions.opt_in(ORG, ANNA_PHONE) == (ANNA_PHONE, False)
    hutki.publish("payment.paid", make_detail("pay-after-start"))
    hutki.wait_idle()
    assert len(hutki.outbox().sms_to(ANNA_PHONE)) == 1


def test_the_sns_account_opt_out_list_is_not_what_we_rely_on(hutki):
    # Ours is per org and lives in the suppressions table; nothing is written to SNS's account-wide list.
    hutki.admin.suppressions.opt_out(ORG, ANNA_PHONE)
    numbers = boto3.client("sns").list_phone_numbers_opted_out()["phoneNumbers"]
    assert ANNA_PHONE not in numbers
