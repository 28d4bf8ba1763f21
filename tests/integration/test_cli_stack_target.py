"""``notify ... --stack NAME``: table names and queue URLs come from the deployed stack's outputs."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from notify_infra import wiring
from notify_local import cli

pytestmark = pytest.mark.integration


@pytest.fixture
def deployed_stack(monkeypatch):  # type: ignore[no-untyped-def]
    """A CloudFormation stack on moto with the outputs the CDK stack declares (values are made up)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # Whatever _stack_env sets is put back after the test: monkeypatch restores what it saw first.
    for name in [t.env for t in wiring.TABLES] + [q.env for q in wiring.QUEUES]:
        monkeypatch.setenv(name, "unset")
    for name in ("WEBHOOK_SECRET_PREFIX", "CHAT_SECRET_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    outputs = {wiring.output_id(t.key, "TableName"): {"Value": f"Notify-{t.key}-table"} for t in wiring.TABLES}
    outputs |= {
        wiring.output_id(q.key, "QueueUrl"): {"Value": f"https://sqs.example/1/Notify-{q.key}"} for q in wiring.QUEUES
    }
    template = {"Resources": {"Bus": {"Type": "AWS::SQS::Queue"}}, "Outputs": outputs}
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName="Notify", TemplateBody=json.dumps(template))
        yield


def test_stack_outputs_name_every_table_and_queue_the_cli_uses(deployed_stack):
    import argparse

    env = cli._stack_env("Notify")
    for t in wiring.TABLES:
        assert env[t.env] == f"Notify-{t.key}-table"
    for q in wiring.QUEUES:
        assert env[q.env] == f"https://sqs.example/1/Notify-{q.key}"
    admin = cli._admin(argparse.Namespace(stack="Notify", local=None))
    assert admin.deliveries.table_name == "Notify-deliveries-table"
    assert admin.settings_table.table_name == "Notify-settings-table"
    assert admin.replayer.queues.queue_urls["webhook"] == "https://sqs.example/1/Notify-webhook"
    assert admin.settings.names.webhook("o", "e") == f"{wiring.WEBHOOK_SECRET_PREFIX}o/e"


def test_an_unknown_stack_is_a_clear_error(deployed_stack):
    with pytest.raises(Exception, match="does not exist"):
        cli._stack_env("NoSuchStack")


def test_local_and_stack_targets_are_exclusive(capsys):
    with pytest.raises(SystemExit):
        cli.main(["replay", "acme", "--delivery", "d1", "--local", "--stack", "Notify"])
    assert "not allowed with argument" in capsys.readouterr().err
