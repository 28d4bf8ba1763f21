"""SES feedback in the stack: configuration set -> encrypted TLS-only topic -> feedback queue -> function."""

from __future__ import annotations

import pytest
from infra_template import Synth, allowed_actions, referenced_ids, resources_of

from notify_infra import wiring
from notify_infra.constructs.access import DYNAMODB_WRITE_ACTIONS

pytestmark = pytest.mark.infra

FEEDBACK = wiring.EMAIL_FEEDBACK
_TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def _topic(synth: Synth) -> str:
    topics = synth.by_tag("AWS::SNS::Topic", "notify:topic")
    assert set(topics) == {t.key for t in wiring.TOPICS}
    return topics[FEEDBACK.topic]


def test_configuration_set_is_named_from_the_wiring(synth: Synth) -> None:
    (config_set,) = synth.of_type("AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"]["Name"] == FEEDBACK.configuration_set


def test_event_destination_publishes_the_wiring_events_to_the_feedback_topic(synth: Synth) -> None:
    (config_set_lid,) = synth.of_type("AWS::SES::ConfigurationSet")
    (destination,) = synth.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    props = destination["Properties"]
    assert props["ConfigurationSetName"] == {"Ref": config_set_lid}
    event_destination = props["EventDestination"]
    assert event_destination["Enabled"] is True
    # By default every event that changes a delivery's fate, and not SES's one-per-email Delivery event.
    assert event_destination["MatchingEventTypes"] == list(FEEDBACK.event_types)
    assert {"bounce", "complaint", "reject"} <= set(FEEDBACK.event_types) and "delivery" not in FEEDBACK.event_types
    assert event_destination["SnsDestination"] == {"TopicARN": {"Ref": _topic(synth)}}


def test_feedback_topic_is_encrypted_with_a_key_ses_may_use(synth: Synth) -> None:
    topic = synth.resources[_topic(synth)]["Properties"]
    (key_lid,) = referenced_ids(topic["KmsMasterKeyId"])
    key = synth.resources[key_lid]["Properties"]
    assert key["EnableKeyRotation"] is True
    [ses] = [s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert set(ses["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # Only SES acting for this account's feedback configuration set.
    assert set(ses["Condition"]["StringEquals"]) == {"aws:SourceAccount", "aws:SourceArn"}


def test_feedback_topic_refuses_plain_http_and_admits_only_our_configuration_set(synth: Synth) -> None:
    topic_lid = _topic(synth)
    (policy,) = [
        p for p in synth.of_type("AWS::SNS::TopicPolicy").values() if {"Ref": topic_lid} in p["Properties"]["Topics"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s.get("Condition") == _TLS_ONLY for s in statements)
    [ses] = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert ses["Action"] == "sns:Publish" and ses["Effect"] == "Allow"
    source_arn = ses["Condition"]["StringEquals"]["AWS:SourceArn"]
    (config_set_lid,) = synth.of_type("AWS::SES::ConfigurationSet")
    assert config_set_lid in referenced_ids(source_arn)


def test_topic_delivers_envelopes_to_its_wiring_queues(synth: Synth) -> None:
    queues = synth.queues()
    for spec in wiring.TOPICS:
        topic_lid = synth.by_tag("AWS::SNS::Topic", "notify:topic")[spec.key]
        subscriptions = [
            s["Properties"]
            for s in synth.of_type("AWS::SNS::Subscription").values()
            if s["Properties"]["TopicArn"] == {"Ref": topic_lid}
        ]
        assert {referenced_ids(s["Endpoint"]).pop() for s in subscriptions} == {queues[q] for q in spec.queues}
        for s in subscriptions:
            assert s["Protocol"] == "sqs"
            assert not s.get("RawMessageDelivery"), "the feedback handler reads SNS envelopes"
        # SNS may send to the queue, and only from this topic.
        for q in spec.queues:
            statements = [
                st
                for p in synth.of_type("AWS::SQS::QueuePolicy").values()
                if {"Ref": queues[q]} in p["Properties"]["Queues"]
                for st in p["Properties"]["PolicyDocument"]["Statement"]
            ]
            [sns] = [st for st in statements if st.get("Principal") == {"Service": "sns.amazonaws.com"}]
            assert sns["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Ref": topic_lid}


def test_email_sender_sends_with_the_configuration_set_and_waits_for_it(synth: Synth) -> None:
    env = synth.function("send_email")["Environment"]["Variables"]
    assert env[FEEDBACK.env] == FEEDBACK.configuration_set
    (config_set_lid,) = synth.of_type("AWS::SES::ConfigurationSet")
    function = synth.resources[synth.functions()["send_email"]]
    assert config_set_lid in function.get("DependsOn", [])


def test_feedback_function_writes_deliveries_and_suppressions_only(synth: Synth) -> None:
    statements = synth.statements("feedback")
    tables = synth.tables()
    for action in DYNAMODB_WRITE_ACTIONS:
        assert resources_of(statements, action) == {tables["deliveries"], tables["suppressions"]}, action
    granted = allowed_actions(statements)
    assert not {a for a in granted if a.startswith(("ses:", "sns:", "ssm:", "kms:", "events:", "sqs:Send"))}
    assert resources_of(statements, "sqs:ReceiveMessage") == {synth.queues()["feedback"]}


def test_feedback_dead_letters_are_alarmed(synth: Synth) -> None:
    dlq = synth.queues()[wiring.queue("feedback").dlq_key or ""]
    alarmed = set()
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        (dimension,) = alarm["Properties"]["Dimensions"]
        alarmed |= referenced_ids(dimension["Value"])
    assert dlq in alarmed
