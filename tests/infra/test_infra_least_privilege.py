"""Each function's role holds exactly what its ``wiring.Access`` asks for, and nothing broader."""

from __future__ import annotations

import pytest
from infra_template import Synth, actions, allowed_actions, as_list, referenced_ids, resources_of

from notify_infra import wiring
from notify_infra.constructs.access import DYNAMODB_READ_ACTIONS, DYNAMODB_WRITE_ACTIONS

pytestmark = pytest.mark.infra

FUNCTIONS = pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _functions_allowed(synth: Synth, action: str) -> set[str]:
    return {fn.key for fn in wiring.FUNCTIONS if action in allowed_actions(synth.statements(fn.key))}


def test_router_cannot_send_email_or_sms_or_read_secrets(synth: Synth) -> None:
    granted = allowed_actions(synth.statements("router"))
    assert not granted & {"ses:SendEmail", "ses:SendRawEmail", "sns:Publish", "ssm:GetParameter"}


def test_send_email_cannot_write_settings_nor_send_to_queues(synth: Synth) -> None:
    statements = synth.statements("send_email")
    settings = synth.tables()["settings"]
    for action in DYNAMODB_WRITE_ACTIONS:
        assert settings not in resources_of(statements, action), action
    assert not {a for a in allowed_actions(statements) if a.startswith("sqs:Send")}


def test_only_the_senders_holding_secrets_read_secret_parameters(synth: Synth) -> None:
    expected = {fn.key for fn in wiring.FUNCTIONS if fn.access.ssm_prefix}
    # webhook signing secrets, Slack webhook URLs and bot tokens, the unsubscribe links' signing key (the email
    # sender signs links, the admin API's /public/unsubscribe verifies them)
    assert expected == {"send_webhook", "send_chat", "send_email", "api"}
    assert wiring.function("send_email").access.ssm_prefix == wiring.UNSUBSCRIBE_KEY_PREFIX
    assert wiring.function("api").access.ssm_prefix == wiring.UNSUBSCRIBE_KEY_PREFIX
    # The admin API stores an imported document's secrets: GetParameter only learns whether one exists (without
    # kms:Decrypt a SecureString's value cannot be read), PutParameter writes it.
    writers = {fn.key for fn in wiring.FUNCTIONS if fn.access.ssm_write_prefixes}
    assert writers == {"api"}
    assert _functions_allowed(synth, "ssm:GetParameter") == expected
    assert _functions_allowed(synth, "ssm:PutParameter") == writers
    assert _functions_allowed(synth, "kms:Decrypt") == expected


def test_ses_and_sms_only_where_the_wiring_grants_them(synth: Synth) -> None:
    senders = {f.key for f in wiring.FUNCTIONS if f.access.ses_send}
    assert _functions_allowed(synth, "ses:SendEmail") == senders
    assert _functions_allowed(synth, "sns:Publish") == {f.key for f in wiring.FUNCTIONS if f.access.sns_sms}


@FUNCTIONS
def test_dynamodb_grants_match_access(synth: Synth, fn: wiring.Function) -> None:
    statements = synth.statements(fn.key)
    tables = synth.tables()
    writable = {tables[k] for k in fn.access.tables_write}
    readable = {tables[k] for k in (*fn.access.tables_read, *fn.access.tables_write)}
    updatable = {tables[k] for k in fn.access.tables_update}  # UpdateItem only
    for action in DYNAMODB_WRITE_ACTIONS:
        expected = writable | updatable if action == "dynamodb:UpdateItem" else writable
        assert resources_of(statements, action) == expected, action
    for action in DYNAMODB_READ_ACTIONS:
        assert resources_of(statements, action) == readable, action
    # Table-wide reads across tenants are never granted.
    assert "dynamodb:Scan" not in allowed_actions(statements)


@FUNCTIONS
def test_sqs_send_and_consume_match_wiring(synth: Synth, fn: wiring.Function) -> None:
    statements = synth.statements(fn.key)
    queues = synth.queues()
    # The queues it sends to, and its on-failure destination (Lambda puts failed asynchronous invocations there
    # with the function's role).
    sent_to = {*fn.access.queues_send, *([fn.on_failure_queue] if fn.on_failure_queue else [])}
    assert resources_of(statements, "sqs:SendMessage") == {queues[k] for k in sent_to}
    consumed = {queues[wiring.queue(s.queue).dlq_key or "" if s.dead_letter else s.queue] for s in fn.sources}
    assert resources_of(statements, "sqs:ReceiveMessage") == consumed
    assert resources_of(statements, "sqs:DeleteMessage") == consumed


@FUNCTIONS
def test_logs_only_to_its_own_group(synth: Synth, fn: wiring.Function) -> None:
    statements = synth.statements(fn.key)
    own_group = referenced_ids(synth.function(fn.key)["LoggingConfig"]["LogGroup"])
    logs_actions = {a for a in allowed_actions(statements) if a.startswith("logs:")}
    assert logs_actions == {"logs:CreateLogStream", "logs:PutLogEvents"}
    for action in logs_actions:
        assert resources_of(statements, action) == own_group


@FUNCTIONS
def test_no_managed_policies(synth: Synth, fn: wiring.Function) -> None:
    role = synth.resources[synth.role_of(fn.key)]["Properties"]
    assert not role.get("ManagedPolicyArns"), "e.g. AWSLambdaBasicExecutionRole grants logs on every group"


@FUNCTIONS
def test_wildcards_only_where_unavoidable(synth: Synth, fn: wiring.Function) -> None:
    allowed_star = set(XRAY) | ({"sns:Publish"} if fn.access.sns_sms else set())
    for statement in synth.statements(fn.key):
        if statement["Effect"] != "Allow":
            continue
        assert not any("*" in a for a in actions(statement)), statement
        if "*" in as_list(statement["Resource"]):
            assert actions(statement) <= allowed_star, statement


def test_ses_limited_to_identities_and_the_feedback_configuration_set(synth: Synth) -> None:
    config_set = f":configuration-set/{wiring.EMAIL_FEEDBACK.configuration_set}"
    for fn in wiring.FUNCTIONS:
        for statement in synth.statements(fn.key):
            if actions(statement) & {"ses:SendEmail", "ses:SendRawEmail"}:
                tails = {resource["Fn::Join"][1][-1] for resource in as_list(statement["Resource"])}
                assert tails == {":identity/*", config_set}, statement


def test_secret_parameters_limited_to_the_wiring_prefix(synth: Synth) -> None:
    fn = wiring.function("send_webhook")
    assert fn.access.ssm_prefix
    for statement in synth.statements(fn.key):
        if "ssm:GetParameter" in actions(statement):
            tail = statement["Resource"]["Fn::Join"][1][-1]
            assert tail == f":parameter{fn.access.ssm_prefix}*"
        if "kms:Decrypt" in actions(statement):
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
            assert "kms:EncryptionContext:PARAMETER_ARN" in statement["Condition"]["StringLike"]
