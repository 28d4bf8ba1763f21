"""The synthesized stack matches the wiring: functions, queues, tables, the rule, event sources, alarms."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match, Template
from infra_template import Synth, referenced_ids

from notify_infra import wiring
from notify_infra.app_builder import build_app
from notify_infra.constructs.bus import BUS_NAME_CONTEXT_KEY

pytestmark = pytest.mark.infra

DAY = 24 * 3600
_TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}  # the condition of a deny-plain-HTTP statement


# --- drift: the template holds exactly the wiring's resources -------------------------------------------


def test_queues_tables_functions_equal_the_wiring(synth: Synth) -> None:
    expected_queues = {q.key for q in wiring.QUEUES} | {q.dlq_key for q in wiring.QUEUES if q.dlq_key}
    assert set(synth.queues()) == expected_queues
    # No untagged queue slipped in beside them (e.g. a hand-made target DLQ).
    assert len(synth.of_type("AWS::SQS::Queue")) == len(expected_queues)

    assert set(synth.tables()) == {t.key for t in wiring.TABLES}
    assert len(synth.of_type("AWS::DynamoDB::Table")) == len(wiring.TABLES)

    assert set(synth.functions()) == {f.key for f in wiring.FUNCTIONS}
    assert len(synth.of_type("AWS::Lambda::Function")) == len(wiring.FUNCTIONS)

    assert len(synth.of_type("AWS::Events::Rule")) == len(wiring.RULES)


def test_event_source_mappings_equal_the_wiring(synth: Synth) -> None:
    queue_of = {lid: key for key, lid in synth.queues().items()}
    function_of = {lid: key for key, lid in synth.functions().items()}
    actual = set()
    for esm in synth.of_type("AWS::Lambda::EventSourceMapping").values():
        props = esm["Properties"]
        (queue_lid,) = referenced_ids(props["EventSourceArn"])
        (function_lid,) = referenced_ids(props["FunctionName"])
        actual.add((function_of[function_lid], queue_of[queue_lid]))
    expected = {
        (fn.key, wiring.queue(s.queue).dlq_key if s.dead_letter else s.queue)
        for fn in wiring.FUNCTIONS
        for s in fn.sources
    }
    assert actual == expected


# --- functions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_function_is_arm64_python3_with_wiring_settings(synth: Synth, fn: wiring.Function) -> None:
    props = synth.function(fn.key)
    assert props["Architectures"] == ["arm64"]
    match = re.fullmatch(r"python3\.(\d+)", props["Runtime"])
    assert match and int(match.group(1)) >= 12, props["Runtime"]
    assert props["Handler"] == fn.handler == "app.handler"
    assert props["MemorySize"] == fn.memory_mb
    assert props["Timeout"] == fn.timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    # Capped by reserved concurrency only where no queue's event source mapping caps it (wiring).
    assert props.get("ReservedConcurrentExecutions") == fn.reserved_concurrency

    # Its own log group, with a retention.
    (log_group,) = referenced_ids(props["LoggingConfig"]["LogGroup"])
    assert synth.resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert synth.resources[log_group]["Properties"]["RetentionInDays"] > 0

    # The shared core layer, built for the same runtime and architecture.
    (layer,) = referenced_ids(props["Layers"])
    layer_props = synth.resources[layer]["Properties"]
    assert props["Runtime"] in layer_props["CompatibleRuntimes"]
    assert layer_props["CompatibleArchitectures"] == ["arm64"]


def test_one_layer_shared_by_all_functions(synth: Synth) -> None:
    assert len(synth.of_type("AWS::Lambda::LayerVersion")) == 1


def test_each_function_has_its_own_log_group(synth: Synth) -> None:
    configs = [synth.function(fn.key)["LoggingConfig"] for fn in wiring.FUNCTIONS]
    groups = {tuple(referenced_ids(config["LogGroup"])) for config in configs}
    assert len(groups) == len(wiring.FUNCTIONS)


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_function_environment_names_its_resources(synth: Synth, fn: wiring.Function) -> None:
    env = synth.function(fn.key)["Environment"]["Variables"]
    tables, queues = synth.tables(), synth.queues()
    (bus,) = synth.of_type("AWS::Events::EventBus")

    by_kind = {"table": tables, "queue": queues, "bucket": synth.buckets()}
    expected_resources = {}
    machines = set()
    for name, ref in wiring.function_env_names(fn).items():
        kind, key = ref.split(":")
        if kind == "state_machine":
            # Built from its fixed name, not a Ref (the state machine refers to the remind function: a cycle).
            assert f":stateMachine:{wiring.state_machine(key).name}" in json.dumps(env[name])
            machines.add(name)
            continue
        expected_resources[name] = {"Ref": by_kind[kind][key]}
    # UNSUBSCRIBE_URL: the admin API's stage URL + /public/unsubscribe (test_infra_deployment_options)
    derived = {"NOTIFY_BUS_NAME", "UNSUBSCRIBE_URL"}
    resource_env = {k: v for k, v in env.items() if isinstance(v, dict) and k not in derived and k not in machines}
    assert resource_env == expected_resources

    for name, value in {**wiring.COMMON_ENV, **fn.env}.items():
        assert env[name] == value
    if fn.access.events_put:  # only a function that publishes is told the bus
        assert env["NOTIFY_BUS_NAME"] == {"Ref": bus}
    else:
        assert "NOTIFY_BUS_NAME" not in env
    assert env["POWERTOOLS_SERVICE_NAME"] == fn.key
    # Only functions that render templates are told where the layer put them.
    renders = "NOTIFY_TEMPLATES_DIR" in fn.settings_model.known_env()
    assert env.get("NOTIFY_TEMPLATES_DIR") == ("/opt/templates" if renders else None)


def test_dead_letter_function_knows_only_the_deliveries_table(synth: Synth) -> None:
    env = synth.function("dead_letter")["Environment"]["Variables"]
    resource_names = {k for k, v in env.items() if isinstance(v, dict) and k != "NOTIFY_BUS_NAME"}
    assert resource_names == {wiring.table("deliveries").env}


# --- event sources -------------------------------------------------------------------------------------


def test_every_event_source_reports_batch_item_failures(synth: Synth) -> None:
    mappings = synth.of_type("AWS::Lambda::EventSourceMapping")
    assert mappings
    for esm in mappings.values():
        assert esm["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("fn", wiring.FUNCTIONS, ids=lambda f: f.key)
def test_event_sources_follow_wiring_batching_and_concurrency(synth: Synth, fn: wiring.Function) -> None:
    function_lid = synth.functions()[fn.key]
    queues = synth.queues()
    for source in fn.sources:
        queue_key = wiring.queue(source.queue).dlq_key if source.dead_letter else source.queue
        props = {
            "FunctionName": {"Ref": function_lid},
            "EventSourceArn": {"Fn::GetAtt": [queues[queue_key], "Arn"]},
            "BatchSize": source.batch_size,
        }
        if fn.max_concurrency:
            props["ScalingConfig"] = {"MaximumConcurrency": fn.max_concurrency}
        if source.max_batching_window_s:
            props["MaximumBatchingWindowInSeconds"] = source.max_batching_window_s
        synth.template.has_resource_properties("AWS::Lambda::EventSourceMapping", props)


# --- queues --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", wiring.QUEUES, ids=lambda q: q.key)
def test_queue_redrive_retention_and_visibility(synth: Synth, spec: wiring.Queue) -> None:
    queues = synth.queues()
    props = synth.resources[queues[spec.key]]["Properties"]
    assert props["VisibilityTimeout"] == spec.visibility_timeout_s
    assert props["MessageRetentionPeriod"] == spec.retention_days * DAY
    if spec.max_receive_count:
        assert spec.dlq_key
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [queues[spec.dlq_key], "Arn"]},
            "maxReceiveCount": spec.max_receive_count,
        }
        dlq = synth.resources[queues[spec.dlq_key]]["Properties"]
        assert dlq["MessageRetentionPeriod"] == 14 * DAY
    else:
        assert "RedrivePolicy" not in props


def test_queues_are_encrypted_and_refuse_plain_http(synth: Synth) -> None:
    policies = synth.of_type("AWS::SQS::QueuePolicy").values()
    for key, lid in synth.queues().items():
        assert synth.resources[lid]["Properties"]["SqsManagedSseEnabled"] is True, key
        denies_http = [
            s
            for p in policies
            if {"Ref": lid} in p["Properties"]["Queues"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s.get("Condition") == _TLS_ONLY
        ]
        assert denies_http, f"{key} accepts requests without TLS"


def test_dlq_visibility_covers_its_consumer(synth: Synth) -> None:
    queues = synth.queues()
    for fn in wiring.FUNCTIONS:
        for source in fn.sources:
            if source.dead_letter:
                dlq_key = wiring.queue(source.queue).dlq_key
                assert dlq_key is not None
                props = synth.resources[queues[dlq_key]]["Properties"]
                assert props.get("VisibilityTimeout", 30) >= 6 * fn.timeout_s


# --- tables --------------------------------------------------------------------------------------------


def _key_schema(partition: tuple[str, str], sort: tuple[str, str] | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition[0], "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort[0], "KeyType": "RANGE"})
    return schema


@pytest.mark.parametrize("spec", wiring.TABLES, ids=lambda t: t.key)
def test_table_is_on_demand_pitr_encrypted_with_wiring_keys(synth: Synth, spec: wiring.Table) -> None:
    resource = synth.resources[synth.tables()[spec.key]]
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"
    assert props["KeySchema"] == _key_schema(spec.partition_key, spec.sort_key)

    attribute_types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    for name, kind in filter(None, [spec.partition_key, spec.sort_key]):
        assert attribute_types[name] == kind

    indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i.name for i in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == _key_schema(index.partition_key, index.sort_key)

    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props


# --- bus and rules -------------------------------------------------------------------------------------


def test_bus_is_named_from_wiring(template: Template) -> None:
    template.resource_count_is("AWS::Events::EventBus", 1)
    template.has_resource_properties("AWS::Events::EventBus", {"Name": wiring.BUS_NAME})


@pytest.mark.parametrize("rule", wiring.RULES, ids=lambda r: r.key)
def test_rule_routes_wiring_pattern_to_its_queue_with_a_dlq(synth: Synth, rule: wiring.Rule) -> None:
    (bus,) = synth.of_type("AWS::Events::EventBus")
    queues = synth.queues()
    target_queue = wiring.queue(rule.target_queue)
    assert target_queue.dlq_key, "the test expects the target queue's own DLQ to catch undeliverable events"
    synth.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": {"Ref": bus},
            "EventPattern": rule.event_pattern,
            "State": "ENABLED",
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [queues[rule.target_queue], "Arn"]},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [queues[target_queue.dlq_key], "Arn"]}},
                    }
                )
            ],
        },
    )


def test_product_events_reach_the_events_queue(synth: Synth) -> None:
    # The concrete route the design depends on, spelled out once.
    rule = next(r for r in wiring.RULES if r.target_queue == "events")
    [rule_resource] = [
        r for r in synth.of_type("AWS::Events::Rule").values() if r["Properties"]["EventPattern"] == rule.event_pattern
    ]
    assert referenced_ids(rule_resource["Properties"]["Targets"][0]["Arn"]) == {synth.queues()["events"]}


def test_event_bridge_may_send_to_the_events_queue(synth: Synth) -> None:
    events_queue = synth.queues()["events"]
    statements = [
        s
        for p in synth.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": events_queue} in p["Properties"]["Queues"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    events = {"Service": "events.amazonaws.com"}
    assert any(s["Effect"] == "Allow" and s.get("Principal") == events for s in statements)


def test_bus_name_can_be_overridden_by_context() -> None:
    # Construction only (no synthesis): cheap, and the name is a plain property of the L1 bus.
    _, stack = build_app({"aws:cdk:bundling-stacks": [], BUS_NAME_CONTEXT_KEY: "notify-staging"}, nag=False)
    bus = stack.routing.bus.node.default_child
    assert stack.resolve(bus.name) == "notify-staging"  # type: ignore[union-attr]


# --- alarms --------------------------------------------------------------------------------------------


def _alarm_topic(synth: Synth) -> str:
    """The alarm topic's logical id: the one SNS topic that is not a wiring topic (those are tagged)."""
    wiring_topics = set(synth.by_tag("AWS::SNS::Topic", "notify:topic").values())
    (topic,) = set(synth.of_type("AWS::SNS::Topic")) - wiring_topics
    return topic


def test_alarm_on_every_dlq_and_quarantine(synth: Synth) -> None:
    queues = synth.queues()
    final_stops = {q.dlq_key for q in wiring.QUEUES if q.dlq_key} | {
        q.key for q in wiring.QUEUES if not q.max_receive_count
    }
    assert "quarantine" in final_stops
    topic = _alarm_topic(synth)
    alarmed = set()
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props["Namespace"] == "AWS/States":
            continue  # failed executions (tests/infra/test_infra_timers.py)
        assert props["Namespace"] == "AWS/SQS"
        assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["Threshold"] == 0
        assert props["AlarmActions"] == [{"Ref": topic}]
        (dimension,) = props["Dimensions"]
        alarmed |= referenced_ids(dimension["Value"])
    assert alarmed == {queues[key] for key in final_stops}


def test_alarm_topic_is_encrypted_and_refuses_plain_http(synth: Synth) -> None:
    topic_lid = _alarm_topic(synth)
    topic = synth.resources[topic_lid]
    (key_lid,) = referenced_ids(topic["Properties"]["KmsMasterKeyId"])
    assert synth.resources[key_lid]["Properties"]["EnableKeyRotation"] is True
    key_policy = synth.resources[key_lid]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for s in key_policy)

    (policy,) = [
        p for p in synth.of_type("AWS::SNS::TopicPolicy").values() if {"Ref": topic_lid} in p["Properties"]["Topics"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s.get("Condition") == _TLS_ONLY for s in statements)
    # The topic policy replaces SNS's default one: CloudWatch must be allowed explicitly.
    assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for s in statements)


def test_outputs_name_what_the_cli_needs(template):
    outputs = template.to_json()["Outputs"]
    assert {
        "BusName",
        "SettingsTableName",
        "DeliveriesTableName",
        "IdempotencyTableName",
        "QuarantineQueueUrl",
        "AlarmTopicArn",
    } <= set(outputs)
    # `notify ... --stack NAME` reads every table name and queue URL back from these outputs.
    env = wiring.env_from_stack_outputs({key: f"<{key}>" for key in outputs})
    assert env == {
        **{t.env: f"<{wiring.output_id(t.key, 'TableName')}>" for t in wiring.TABLES},
        **{q.env: f"<{wiring.output_id(q.key, 'QueueUrl')}>" for q in wiring.QUEUES},
    }
    assert {"EMAIL_QUEUE_URL", "SMS_QUEUE_URL", "WEBHOOK_QUEUE_URL", "CHAT_QUEUE_URL"} <= set(env)


def test_the_router_queues_each_channel_where_the_wiring_says():
    from notify_core.adapters.sqs import CHANNEL_QUEUES

    assert CHANNEL_QUEUES == wiring.DELIVERY_QUEUES
    assert set(CHANNEL_QUEUES.values()) <= {q.key for q in wiring.QUEUES}
