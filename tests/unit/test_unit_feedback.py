"""Parsing SES event notifications, in the shapes AWS documents for event publishing to SNS."""

from __future__ import annotations

import json

import pytest

from notify_core.domain import delivery as feedback
from notify_core.domain.feedback_events import IGNORED, MalformedFeedback, parse_body, parse_event
from tests.ses_events import (
    DELIVERY_ID,
    ORG,
    bounce_event,
    complaint_event,
    delay_event,
    delivery_event,
    mail,
    reject_event,
    sns_envelope,
)

pytestmark = pytest.mark.unit


def test_delivery_is_delivered_with_the_smtp_response_and_our_tags():
    e = parse_body(sns_envelope(delivery_event()))
    assert e.kind == feedback.DELIVERED and e.changes_status
    assert (e.delivery_id, e.org_id) == (DELIVERY_ID, ORG)
    assert e.message_id.startswith("0102018c0b3f7e2a")
    assert e.detail.startswith("250 2.0.0 OK") and e.timestamp == "2026-11-23T10:00:01.234Z"
    assert e.suppress == ()


def test_a_permanent_bounce_suppresses_the_bounced_recipient():
    e = parse_body(sns_envelope(bounce_event()))
    assert e.kind == feedback.BOUNCED
    assert e.code == "bounce:Permanent/General"
    assert e.detail == "smtp; 550 5.1.1 user unknown"
    assert e.suppress == (("olga@buyer.example", "bounce"),)


@pytest.mark.parametrize("sub_type", ["MailboxFull", "General", "MessageTooLarge"])
def test_a_transient_bounce_is_recorded_but_suppresses_nobody(sub_type):
    e = parse_event(bounce_event("Transient", sub_type))
    assert e.kind == feedback.BOUNCED and e.code == f"bounce:Transient/{sub_type}"
    assert e.suppress == ()


def test_an_undetermined_bounce_suppresses_nobody():
    assert parse_event(bounce_event("Undetermined", "Undetermined")).suppress == ()


def test_a_complaint_suppresses_the_complaining_recipient():
    e = parse_body(sns_envelope(complaint_event()))
    assert e.kind == feedback.COMPLAINED and e.code == "complaint:abuse"
    assert e.suppress == (("olga@buyer.example", "complaint"),)


def test_a_complaint_without_recipients_falls_back_to_the_destination():
    event = complaint_event()
    event["complaint"]["complainedRecipients"] = []
    assert parse_event(event).suppress == (("olga@buyer.example", "complaint"),)


def test_reject_and_delay():
    rejected = parse_event(reject_event())
    assert (rejected.kind, rejected.detail) == (feedback.REJECTED, "Bad content")
    delayed = parse_event(delay_event())
    assert delayed.kind == feedback.DELAYED and not delayed.changes_status
    assert delayed.code == "delay:TransientCommunicationFailure" and "421 4.4.1" in delayed.detail


def test_raw_message_delivery_and_the_older_notification_shape_parse_too():
    assert parse_body(json.dumps(bounce_event())).kind == feedback.BOUNCED
    notification = {**bounce_event(), "notificationType": "Bounce"}
    del notification["eventType"]
    assert parse_event(notification).kind == feedback.BOUNCED


def test_missing_tags_leave_the_delivery_unknown_without_failing():
    event = bounce_event()
    event["mail"]["tags"] = {"ses:configuration-set": ["notify-feedback"]}
    e = parse_event(event)
    assert e.delivery_id is None and e.org_id is None
    assert e.suppress == (("olga@buyer.example", "bounce"),)  # the address is dead whoever sent to it


def test_event_types_we_do_not_subscribe_to_are_ignored():
    e = parse_event({"eventType": "Open", "mail": mail(), "open": {"timestamp": "2026-11-23T12:00:00Z"}})
    assert e.kind == IGNORED and not e.changes_status


def test_subscription_confirmations_are_bookkeeping():
    body = json.dumps({"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Token": "x"})
    assert parse_body(body) is None


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"Type": "Notification", "TopicArn": "t", "Message": "nope"}),
        json.dumps({"hello": "world"}),
        json.dumps({"eventType": "Bounce"}),
    ],
)
def test_anything_else_is_malformed(body):
    with pytest.raises(MalformedFeedback):
        parse_body(body)


def test_ranking_never_lets_delivered_replace_a_bounce():
    assert feedback.RANK[feedback.DELIVERED] < feedback.RANK[feedback.BOUNCED] <= feedback.RANK[feedback.COMPLAINED]
