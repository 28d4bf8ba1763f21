"""Infra of the hardening issue: a deliberate concurrency cap on every function, sms_status's failures alarmed,
send_sms unable to publish to topics, the platform's functions publishing only platform events, the bus policy.

Before: router, feedback, sms_inbound, dead_letter and sms_status had no cap; sms_status had no on-failure
destination, DLQ or alarm; send_sms could sns:Publish to any topic; anyone with events:PutEvents on the bus (the
webhook sender's role included) could publish anything, for any org.
"""

from __future__ import annotations

import json

import pytest
from infra_template import Synth, allowed_actions, referenced_ids

from notify_core.domain import reminders
from notify_infra import wiring

pytestmark = pytest.mark.infra


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_every_function_has_a_deliberate_concurrency_cap_with_its_reason(synth: Synth, fn: wiring.Function) -> None:
    assert fn.max_concurrency and len(fn.concurrency_reason) > 40
    function_lid = synth.functions()[fn.key]
    mappings = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_lid}
    ]
    assert len(mappings) == len(fn.sources)
    if fn.sources:
        assert all(m["ScalingConfig"] == {"MaximumConcurrency": fn.max_concurrency} for m in mappings)
    else:
        assert synth.function(fn.key)["ReservedConcurrentExecutions"] == fn.max_concurrency


def test_a_function_without_a_cap_or_a_reason_is_refused_by_the_wiring() -> None:
    with pytest.raises(ValueError, match="needs max_concurrency and the concurrency_reason"):
        wiring.Function(key="x", purpose="x", sources=(), access=wiring.Access(), max_concurrency=3)


def test_sms_status_failures_land_in_an_alarmed_queue(synth: Synth) -> None:
    [config] = synth.of_type("AWS::Lambda::EventInvokeConfig").values()
    props = config["Properties"]
    assert props["FunctionName"] == {"Ref": synth.functions()["sms_status"]}
    assert props["MaximumRetryAttempts"] == 2
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    failed_queue = synth.queues()["sms-status-failed"]
    assert destination == {"Fn::GetAtt": [failed_queue, "Arn"]}
    alarmed = [
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if failed_queue in json.dumps(a["Properties"]["Dimensions"])
    ]
    assert len(alarmed) == 1 and alarmed[0]["AlarmActions"]


def test_send_sms_may_text_phones_and_never_publish_to_a_topic(synth: Synth) -> None:
    statements = synth.statements("send_sms")
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert len(denies) == 1 and denies[0]["Action"] == "sns:Publish"
    assert json.dumps(denies[0]["Resource"]).endswith(':sns:*:*:*"]]}')
    [allow] = [s for s in statements if s["Effect"] == "Allow" and s["Action"] == "sns:Publish"]
    assert allow["Resource"] == "*"  # a phone number has no ARN; every ARN is denied above


@pytest.mark.parametrize("fn", [f for f in wiring.FUNCTIONS if f.access.events_put], ids=lambda f: f.key)
def test_platform_functions_may_put_only_platform_events(synth: Synth, fn: wiring.Function) -> None:
    [statement] = [s for s in synth.statements(fn.key) if s["Action"] == "events:PutEvents"]
    assert statement["Condition"]["ForAllValues:StringEquals"] == {
        "events:source": [wiring.PLATFORM_SOURCE],
        "events:detail-type": sorted(fn.access.platform_events),
    }
    # The webhook sender its alert only; the timer functions the reminders (a reminder is its start event again); the
    # report tick the activity reports.
    timers = sorted(
        {*reminders.REMINDER_EVENT_TYPES, "appointment.reminder", "invoice.overdue", "invoice.expiring"}
        | {"bill.overdue", "cheque.due"}
    )
    expected = {
        "send_webhook": ["url_notification.failed"],
        "schedules": ["activity.summary", "user.activity"],
    }.get(fn.key, timers)
    assert sorted(fn.access.platform_events) == expected
    assert set(fn.access.platform_events) <= wiring.PLATFORM_EVENT_TYPES
    assert statement["Condition"]["Null"] == {"events:source": "false", "events:detail-type": "false"}


def test_only_the_platforms_functions_may_use_the_platforms_source(synth: Synth) -> None:
    [policy] = synth.of_type("AWS::Events::EventBusPolicy").values()
    [bus] = synth.of_type("AWS::Events::EventBus")
    statement = policy["Properties"]["Statement"]
    assert policy["Properties"]["EventBusName"] == {"Ref": bus}
    assert (statement["Sid"], statement["Effect"], statement["Action"]) == (
        "cdk-PlatformSourceOnlyFromPlatformFunctions",  # CDK prefixes the sids of bus policies
        "Deny",
        "events:PutEvents",
    )
    assert statement["Condition"]["ForAnyValue:StringEquals"] == {"events:source": [wiring.PLATFORM_SOURCE]}
    roles = {r for arn in statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] for r in referenced_ids(arn)}
    assert roles == {synth.role_of(f.key) for f in wiring.FUNCTIONS if f.access.events_put}


def test_the_router_is_told_whether_publishers_are_required(synth: Synth) -> None:
    env = synth.function("router")["Environment"]["Variables"]
    assert env["PUBLISHERS_REQUIRED"] == ("1" if wiring.PUBLISHERS_REQUIRED else "0")
    assert "PUBLISHERS_REQUIRED" not in synth.function("send_email")["Environment"]["Variables"]


def test_allowed_actions_helper_sees_no_put_events_on_senders(synth: Synth) -> None:
    assert "events:PutEvents" not in allowed_actions(synth.statements("send_email"))


# --- the bus policy with publishers named (a small stack of the bus alone: no second full synthesis) ---------------


def _bus_policy(publishers: list[dict]) -> list[dict]:
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam
    from aws_cdk.assertions import Template

    from notify_infra.constructs.bus import EventRouting, publishers_from_context
    from notify_infra.constructs.queues import Queues

    app = App()
    stack = Stack(app, "BusOnly")
    routing = EventRouting(stack, "Routing", queues=Queues(stack, "Queues"))
    role = iam.Role(stack, "PlatformRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    routing.restrict_publishers(publishers_from_context(publishers), [role])
    policies = Template.from_stack(stack).find_resources("AWS::Events::EventBusPolicy")
    return [p["Properties"]["Statement"] for p in policies.values()]


def test_named_publishers_may_publish_their_own_sources_only_and_nobody_else_may_publish():
    statements = {
        s["Sid"].removeprefix("cdk-"): s
        for s in _bus_policy(
            [
                {"principal": "111122223333", "sources": ["payments", "invoicing"]},
                {"principal": "arn:aws:iam::444455556666:role/crm", "sources": ["crm.orders"]},
            ]
        )
    }
    assert set(statements) == {
        "PlatformSourceOnlyFromPlatformFunctions",
        "Publisher0",
        "Publisher0OwnSourcesOnly",
        "Publisher1",
        "Publisher1OwnSourcesOnly",
        "OnlyListedPublishers",
    }
    allow = statements["Publisher0"]
    assert allow["Effect"] == "Allow" and "111122223333" in json.dumps(allow["Principal"])
    assert allow["Condition"] == {"ForAllValues:StringEquals": {"events:source": ["payments", "invoicing"]}}
    own = statements["Publisher1OwnSourcesOnly"]
    assert own["Effect"] == "Deny" and own["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/crm"},
        "ForAnyValue:StringNotEquals": {"events:source": ["crm.orders"]},
    }
    others = statements["OnlyListedPublishers"]
    assert others["Effect"] == "Deny"
    assert others["Condition"]["StringNotEquals"] == {"aws:PrincipalAccount": ["111122223333"]}
    assert "arn:aws:iam::444455556666:role/crm" in json.dumps(others["Condition"]["ArnNotEquals"])


def test_without_named_publishers_the_policy_only_reserves_the_platforms_source():
    [statement] = _bus_policy([])
    assert statement["Sid"] == "cdk-PlatformSourceOnlyFromPlatformFunctions"
