"""Webhook operations in the stack: who may publish alerts, who may touch endpoint items, the report indexes."""

from __future__ import annotations

import json

import pytest
from infra_template import Synth, allowed_actions, resources_of

from notify_infra import wiring

pytestmark = pytest.mark.infra
PSEUDO = {"AWS::AccountId", "AWS::Partition", "AWS::Region"}


def test_only_the_alerting_function_may_put_events_and_only_on_the_platform_bus(synth: Synth) -> None:
    # The webhook sender announces an endpoint's dead deliveries itself; the dead-letter function only settles.
    # The timer functions publish reminders and resends (README "Timers"); the report tick, the activity reports.
    alerting = {f.key for f in wiring.FUNCTIONS if f.access.events_put}
    assert alerting == {"send_webhook", "timers", "remind", "schedules"}
    (bus,) = synth.of_type("AWS::Events::EventBus")
    for fn in wiring.FUNCTIONS:
        statements = synth.statements(fn.key)
        if fn.key in alerting:
            # arn:<partition>:events:<region>:<account>:event-bus/<the bus's name>
            assert resources_of(statements, "events:PutEvents") - PSEUDO == {bus}
            [statement] = [s for s in statements if "events:PutEvents" in json.dumps(s["Action"])]
            assert statement["Action"] == "events:PutEvents"
            assert ":event-bus/" in json.dumps(statement["Resource"]) and "*" not in json.dumps(statement["Resource"])
        else:
            assert "events:PutEvents" not in allowed_actions(statements), fn.key


def test_the_webhook_sender_may_only_update_settings_items_never_put_delete_or_read_them(synth: Synth) -> None:
    settings = synth.tables()["settings"]
    statements = synth.statements("send_webhook")
    assert settings in resources_of(statements, "dynamodb:UpdateItem")
    for action in (
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
    ):
        assert settings not in resources_of(statements, action), action
    env = synth.function("send_webhook")["Environment"]["Variables"]
    assert env["WEBHOOK_DISABLE_AFTER_S"] == str(5 * 86400)
    assert "SETTINGS_TABLE" in env


def test_report_indexes_are_on_the_deliveries_table_and_readable_by_name(synth: Synth) -> None:
    lid = synth.tables()["deliveries"]
    indexes = {i["IndexName"] for i in synth.resources[lid]["Properties"]["GlobalSecondaryIndexes"]}
    assert indexes == {"by_org_channel", "by_sms_message"}


def test_webhook_retry_schedule_is_in_the_sender_environment(synth: Synth) -> None:
    env = synth.function("send_webhook")["Environment"]["Variables"]
    assert (env["RETRY_BASE_DELAY_S"], env["RETRY_MAX_DELAY_S"]) == ("60", "43200")
    assert synth.function("send_email")["Environment"]["Variables"]["RETRY_MAX_DELAY_S"] == "3600"
