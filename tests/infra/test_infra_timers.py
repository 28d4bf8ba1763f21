"""Timers in the stack (README "Timers"): the reminder state machine is the ASL the local runtime executes, its role
invokes only the remind function, the timer functions may start and stop only its executions, and the rule feeds the
timers queue with the products' timer events only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from notify_core.domain import reminders
from notify_infra import wiring

pytestmark = pytest.mark.infra


def _resources(template: Any, kind: str) -> dict[str, dict[str, Any]]:
    return template.find_resources(kind)


def _state_machine(template: Any) -> dict[str, Any]:
    [machine] = _resources(template, "AWS::StepFunctions::StateMachine").values()
    return machine["Properties"]


def _function_logical_id(template: Any, key: str) -> str:
    for logical_id, fn in _resources(template, "AWS::Lambda::Function").items():
        tags = {t["Key"]: t["Value"] for t in fn["Properties"].get("Tags", [])}
        if tags.get("notify:function") == key:
            return logical_id
    raise AssertionError(f"no function {key}")


def test_the_deployed_definition_is_the_one_the_local_runtime_executes(template):
    props = _state_machine(template)
    machine = wiring.state_machine("reminders")
    deployed = json.loads(props["DefinitionString"])
    # Exactly the file, placeholders and all (the local runtime fills them with its ARNs, the stack by substitution).
    assert deployed == machine.definition()
    assert props["DefinitionSubstitutions"] == {
        "RemindFunctionArn": {"Fn::GetAtt": [_function_logical_id(template, "remind"), "Arn"]}
    }
    assert (props["StateMachineName"], props["StateMachineType"]) == ("notify-reminders", "STANDARD")
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_a_step_is_a_wait_and_one_task_two_transitions(template):
    definition = wiring.state_machine("reminders").definition()
    states = definition["States"]
    assert definition["QueryLanguage"] == "JSONPath"  # moto executes JSONPath, not JSONata
    assert [s["Type"] for s in states.values()] == ["Wait", "Task"]
    assert states["WaitUntilDue"]["TimestampPath"] == "$.next_at"
    assert states["Remind"]["End"] is True


def test_the_state_machine_role_invokes_only_the_remind_function(template):
    props = _state_machine(template)
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in _resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoke = [s for s in statements if "lambda:InvokeFunction" in json.dumps(s["Action"])]
    assert invoke == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_function_logical_id(template, "remind"), "Arn"]},
            "Sid": "InvokeOwnFunctions",
        }
    ]
    assert not [s for s in statements if "states:" in json.dumps(s["Action"])]


@pytest.mark.parametrize("key", ["timers", "remind"])
def test_the_timer_functions_start_and_stop_only_reminder_steps(template, key):
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in _resources(template, "AWS::IAM::Policy").items()
        if "StepsReminders" in logical_id and f"{key}Access" in logical_id
    ]
    [statements] = policies
    text = json.dumps(statements)
    assert [s["Action"] for s in statements] == ["states:StartExecution", "states:StopExecution"]
    assert "stateMachine:notify-reminders" in text and "execution:notify-reminders:*" in text
    others = [
        (lid, s)
        for lid, p in _resources(template, "AWS::IAM::Policy").items()
        if "StepsReminders" not in lid
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "states:" in json.dumps(s.get("Action"))
    ]
    # Besides them only the router, which starts a held SMS's wait (quiet hours) and never stops one.
    assert [(s["Action"], "routerAccess" in lid) for lid, s in others] == [("states:StartExecution", True)]
    assert "stateMachine:notify-reminders" in json.dumps(others[0][1]["Resource"])


def test_remind_may_send_only_to_the_sms_queue(template):
    """Quiet hours: the remind function puts a held SMS on its queue, and may send to no other queue."""
    sends = [
        s
        for lid, p in _resources(template, "AWS::IAM::Policy").items()
        if "remindAccess" in lid
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sqs:SendMessage" in json.dumps(s.get("Action"))
    ]
    [send] = sends
    assert json.dumps(send["Resource"]).count("Fn::GetAtt") == 1
    queue_id = send["Resource"]["Fn::GetAtt"][0]
    assert _resources(template, "AWS::SQS::Queue")[queue_id]["Properties"]["FifoQueue"] is True
    assert queue_id in json.dumps(_remind_env(template)[wiring.queue("sms").env])  # the queue it is told is the SMS one


def _remind_env(template: Any) -> dict[str, Any]:
    fn = _resources(template, "AWS::Lambda::Function")[_function_logical_id(template, "remind")]
    return fn["Properties"]["Environment"]["Variables"]


def test_the_timer_rule_takes_the_products_timer_events_to_the_timers_queue(template):
    rules = [r["Properties"] for r in _resources(template, "AWS::Events::Rule").values()]
    timer_events = sorted(
        reminders.TIMER_EVENT_TYPES
        | {"appointment.scheduled", "appointment.rescheduled", "appointment.cancelled"}
        | {"invoice.issued", "invoice.paid", "cheque.recorded", "bill.recorded", "bill.paid"}
    )
    [rule] = [r for r in rules if r["EventPattern"].get("detail-type") == timer_events]
    assert rule["EventPattern"]["source"] == [{"anything-but": [wiring.PLATFORM_SOURCE]}]
    [target] = rule["Targets"]
    assert "TimersQueue" in json.dumps(target["Arn"]) or "timers" in json.dumps(target["Arn"]).lower()


def test_failed_executions_are_alarmed(template):
    """A release whose task failed all its retries leaves an SMS held, a reminder unsent: someone must hear of it."""
    [machine_id] = _resources(template, "AWS::StepFunctions::StateMachine")
    alarms = [
        a["Properties"]
        for a in _resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/States"
    ]
    [alarm] = alarms
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "ExecutionsFailed",
        0,
        "GreaterThanThreshold",
    )
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine_id}}]
    assert alarm["AlarmActions"] and alarm["OKActions"]
