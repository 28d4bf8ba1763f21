"""SMS feedback in the stack: the provider-message index, SNS delivery-status log groups -> sms_status,
the inbound SMS topic -> sms-inbound queue -> sms_inbound, and what those two functions may touch."""

from __future__ import annotations

import pytest
from infra_template import Synth, actions, allowed_actions, referenced_ids, resources_of

from notify_infra import wiring
from notify_infra.constructs.access import DYNAMODB_READ_ACTIONS, DYNAMODB_WRITE_ACTIONS
from notify_infra.constructs.sms_feedback import TAG as LOG_SOURCE_TAG

pytestmark = pytest.mark.infra

_TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
SMS_VOICE = {"Service": "sms-voice.amazonaws.com"}


def _join(value: object) -> str:
    """A Fn::Join of literals and pseudo-parameter refs, flattened: 'sns/<AWS::Region>/...'."""
    assert isinstance(value, dict) and "Fn::Join" in value, value
    sep, parts = value["Fn::Join"]
    return sep.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


def _log_groups(synth: Synth) -> dict[str, str]:
    return synth.by_tag("AWS::Logs::LogGroup", LOG_SOURCE_TAG)


def test_deliveries_have_two_narrow_indexes_the_sms_one_sparse_and_keys_only(synth: Synth) -> None:
    # Every index write costs a write unit: only what reports and SMS feedback read is indexed and projected.
    props = synth.resources[synth.tables()["deliveries"]]["Properties"]
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_org_channel", "by_sms_message"}
    sms = indexes["by_sms_message"]
    assert sms["KeySchema"] == [{"AttributeName": "sms_message_id", "KeyType": "HASH"}]
    assert sms["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    report = indexes["by_org_channel"]
    assert report["KeySchema"] == [
        {"AttributeName": "org_channel", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    # sg: an SMS's billed segments, which the cost report sums from the index without reading items
    assert report["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["address", "status", "sg"]}


def test_the_sns_delivery_status_log_groups_exist_with_a_retention(synth: Synth) -> None:
    groups = _log_groups(synth)
    assert set(groups) == set(wiring.SMS_STATUS_LOG_GROUPS)
    names = {_join(synth.resources[lid]["Properties"]["LogGroupName"]) for lid in groups.values()}
    assert names == {
        "sns/<AWS::Region>/<AWS::AccountId>/DirectPublishToPhoneNumber",
        "sns/<AWS::Region>/<AWS::AccountId>/DirectPublishToPhoneNumber/Failure",
    }
    for lid in groups.values():
        assert synth.resources[lid]["Properties"]["RetentionInDays"] == 30


def test_subscription_filters_feed_every_line_of_both_groups_to_sms_status_only(synth: Synth) -> None:
    groups, functions = _log_groups(synth), synth.functions()
    function_of = {lid: key for key, lid in functions.items()}
    actual = set()
    for f in synth.of_type("AWS::Logs::SubscriptionFilter").values():
        props = f["Properties"]
        assert props["FilterPattern"] == ""  # every line
        (group,) = referenced_ids(props["LogGroupName"])
        (fn,) = referenced_ids(props["DestinationArn"])
        actual.add((function_of[fn], group))
    expected = {(fn.key, groups[s.log_group]) for fn in wiring.FUNCTIONS for s in fn.log_sources}
    assert actual == expected
    assert {key for key, _ in actual} == {"sms_status"}
    # CloudWatch Logs may invoke sms_status, and only from these groups.
    permissions = [
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "logs.amazonaws.com"
    ]
    assert {
        (function_of[referenced_ids(p["FunctionName"]).pop()], referenced_ids(p["SourceArn"]).pop())
        for p in permissions
    } == expected


def test_sns_may_write_only_the_two_delivery_status_groups(synth: Synth) -> None:
    groups = set(_log_groups(synth).values())
    roles = [
        lid
        for lid, r in synth.of_type("AWS::IAM::Role").items()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sns.amazonaws.com"}
    ]
    assert len(roles) == 1
    (role,) = roles
    statements = [
        s
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert allowed_actions(statements) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    for statement in statements:
        assert referenced_ids(statement["Resource"]) == groups
        assert "*" not in statement["Resource"]
    outputs = synth.template_json["Outputs"]
    assert referenced_ids(outputs["SmsDeliveryStatusRoleArn"]["Value"]) == {role}


def _inbound_topic(synth: Synth) -> str:
    return synth.by_tag("AWS::SNS::Topic", "notify:topic")[wiring.SMS_INBOUND_TOPIC]


def test_inbound_topic_admits_end_user_messaging_of_this_account_over_tls_only(synth: Synth) -> None:
    topic = _inbound_topic(synth)
    (policy,) = [
        p for p in synth.of_type("AWS::SNS::TopicPolicy").values() if {"Ref": topic} in p["Properties"]["Topics"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s.get("Condition") == _TLS_ONLY for s in statements)
    [allow] = [s for s in statements if s.get("Principal") == SMS_VOICE]
    assert (allow["Effect"], allow["Action"]) == ("Allow", "sns:Publish")
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert _join(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:*"
    )
    assert synth.template_json["Outputs"]["SmsInboundTopicArn"]["Value"] == {"Ref": topic}


def test_inbound_topic_is_encrypted_with_a_key_end_user_messaging_may_use(synth: Synth) -> None:
    props = synth.resources[_inbound_topic(synth)]["Properties"]
    (key_lid,) = referenced_ids(props["KmsMasterKeyId"])
    key = synth.resources[key_lid]["Properties"]
    assert key["EnableKeyRotation"] is True
    [stmt] = [s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == SMS_VOICE]
    assert set(stmt["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert set(stmt["Condition"]) == {"StringEquals", "ArnLike"}


def test_sms_status_reads_deliveries_through_the_index_and_only_updates_them(synth: Synth) -> None:
    statements = synth.statements("sms_status")
    deliveries = synth.tables()["deliveries"]
    assert resources_of(statements, "dynamodb:UpdateItem") == {deliveries}
    for action in set(DYNAMODB_WRITE_ACTIONS) - {"dynamodb:UpdateItem"}:
        assert resources_of(statements, action) == set(), action
    for action in DYNAMODB_READ_ACTIONS:
        assert resources_of(statements, action) == {deliveries}, action
    index_tails = {
        r["Fn::Join"][1][-1]
        for s in statements
        if "dynamodb:Query" in actions(s)
        for r in s["Resource"]
        if isinstance(r, dict) and "Fn::Join" in r
    }
    assert "/index/by_sms_message" in index_tails
    granted = allowed_actions(statements)
    assert not {a for a in granted if a.startswith(("ses:", "sns:", "ssm:", "kms:", "events:"))}
    # Its one queue: the on-failure destination its failed invocations land in (sending, nothing else).
    sqs_actions = {a for a in granted if a.startswith("sqs:")}
    assert sqs_actions == {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    for action in sqs_actions:
        assert resources_of(statements, action) == {synth.queues()["sms-status-failed"]}, action
    assert synth.function("sms_status")["Environment"]["Variables"]["DELIVERIES_TABLE"] == {"Ref": deliveries}


def test_sms_inbound_reads_deliveries_writes_suppressions_and_consumes_its_queue(synth: Synth) -> None:
    statements = synth.statements("sms_inbound")
    tables, queues = synth.tables(), synth.queues()
    for action in DYNAMODB_WRITE_ACTIONS:
        assert resources_of(statements, action) == {tables["suppressions"]}, action
    assert resources_of(statements, "dynamodb:Query") == {tables["deliveries"], tables["suppressions"]}
    assert resources_of(statements, "sqs:ReceiveMessage") == {queues["sms-inbound"]}
    granted = allowed_actions(statements)
    assert not {a for a in granted if a.startswith(("ses:", "sns:", "ssm:", "kms:", "events:", "sqs:Send"))}


def test_inbound_dead_letters_are_alarmed(synth: Synth) -> None:
    dlq = synth.queues()[wiring.queue("sms-inbound").dlq_key or ""]
    alarmed = set()
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        (dimension,) = alarm["Properties"]["Dimensions"]
        alarmed |= referenced_ids(dimension["Value"])
    assert dlq in alarmed
