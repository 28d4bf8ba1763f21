"""The report tick in the stack (README "Activity reports and schedules"): one EventBridge Scheduler schedule invoking
the schedules function hourly, its role invoking only that function; the function may read the settings and activity
tables, move an org on (UpdateItem), and publish only the report event types; the router may only UpdateItem the
activity counters; the settings table carries the sparse reports_due index the tick queries."""

from __future__ import annotations

from typing import Any

import pytest
from infra_template import Synth, actions, allowed_actions, as_list, referenced_ids

from notify_core.domain import activity
from notify_infra import wiring

pytestmark = pytest.mark.infra


def _schedule(synth: Synth) -> dict[str, Any]:
    [schedule] = synth.of_type("AWS::Scheduler::Schedule").values()
    return schedule["Properties"]


def test_one_hourly_schedule_invokes_the_schedules_function(synth):
    props = _schedule(synth)
    function_id = synth.functions()["schedules"]
    assert props["Name"] == "notify-tick"
    assert props["ScheduleExpression"] == "cron(0 * * * ? *)" == wiring.SCHEDULES[0].expression
    assert props["ScheduleExpressionTimezone"] == "UTC"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["Target"]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert props["Target"]["Input"] == '{"scheduled_time": "<aws.scheduler.scheduled-time>"}'
    assert props["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"] == 3600
    # its role: assumed by Scheduler, may invoke exactly that function
    role_id = props["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    statements = [
        s
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert [(actions(s), referenced_ids(s["Resource"])) for s in statements] == [
        ({"lambda:InvokeFunction"}, {function_id})
    ]


def test_the_schedules_function_reads_updates_and_publishes_only_reports(synth):
    statements = synth.statements("schedules")
    granted = allowed_actions(statements)
    assert "dynamodb:PutItem" not in granted and "dynamodb:DeleteItem" not in granted and "dynamodb:Scan" not in granted
    [update] = [s for s in statements if actions(s) == {"dynamodb:UpdateItem"}]
    assert referenced_ids(update["Resource"]) == {synth.tables()["settings"]}
    [put] = [s for s in statements if "events:PutEvents" in actions(s)]
    types = put["Condition"]["ForAllValues:StringEquals"]["events:detail-type"]
    assert sorted(as_list(types)) == sorted(activity.REPORT_EVENT_TYPES)
    env = synth.function("schedules")["Environment"]["Variables"]
    assert {"SETTINGS_TABLE", "ACTIVITY_TABLE", "NOTIFY_BUS_NAME"} <= set(env)
    assert synth.function("schedules")["ReservedConcurrentExecutions"] == 1


def test_the_router_only_adds_to_the_activity_counters(synth):
    activity_id = synth.tables()["activity"]
    touching = [s for s in synth.statements("router") if activity_id in referenced_ids(s["Resource"])]
    assert [actions(s) for s in touching] == [{"dynamodb:UpdateItem"}]


def test_the_tables_of_the_reports(synth):
    settings = synth.resources[synth.tables()["settings"]]["Properties"]
    [index] = settings["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "reports_due"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["reports_key", "reports_due_at"]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    counters = synth.resources[synth.tables()["activity"]]["Properties"]
    assert counters["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
