"""Creating on moto, from ``notify_infra.wiring``, what the CDK stack creates on AWS.

Both read the same wiring, so the local platform cannot drift from the deployed one: the same tables
(with their GSIs and TTL), queues (with their DLQs and redrive), bus, rules and SQS targets, topics
and subscriptions, SES configuration set, log groups and buckets. Calls go out in a fixed order
(tables, queues, bus and rules, topics and SES, log groups, buckets) so a run is reproducible.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from notify_infra import wiring
from notify_local.names import ACCOUNT, log_group_name, physical_name, queue_arn, queue_name


@dataclass
class Provisioned:
    """What was created, by wiring key: what handlers' environment and the simulators point at."""

    queue_urls: dict[str, str] = field(default_factory=dict)
    topic_arns: dict[str, str] = field(default_factory=dict)
    bucket_names: dict[str, str] = field(default_factory=dict)
    # Log group name -> the functions its subscription filters feed (moto never invokes them itself).
    log_subscribers: dict[str, list[wiring.Function]] = field(default_factory=dict)


def provision(
    region: str, visibility_timeout_s: int, options: wiring.DeploymentOptions = wiring.DEFAULT_OPTIONS
) -> Provisioned:
    """Create every wiring resource on the moto server ``AWS_ENDPOINT_URL`` points at.

    ``visibility_timeout_s`` caps each queue's visibility timeout: after a handler crashes outright a
    local batch comes back in seconds rather than after the function's real timeout.
    """
    import boto3

    made = Provisioned()
    ddb = boto3.client("dynamodb")
    for t in wiring.TABLES:
        create_table(ddb, t)
    _create_queues(boto3.client("sqs"), region, visibility_timeout_s, made)
    _create_bus_and_rules(boto3.client("events"), region)
    _create_email_feedback(region, made, options)
    _create_log_sources(boto3.client("logs"), region, made)
    _create_buckets(boto3.client("s3"), region, made)
    _create_state_machines(boto3.client("stepfunctions"), region)
    _create_unsubscribe_key(boto3.client("ssm"))
    return made


def _create_state_machines(sfn: Any, region: str) -> None:
    """The wiring's state machines, with the definitions the stack deploys (their function ARNs filled in); moto
    executes them (``execute_state_machine``, set by the runtime) on the local clock (``notify_local.clock``)."""
    from notify_local.names import function_arn

    for machine in wiring.STATE_MACHINES:
        sfn.create_state_machine(
            name=machine.name,
            definition=machine.definition_string(lambda key: function_arn(region, key)),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{machine.name}",
            type="STANDARD",
        )


# One random key per process: the same after every reset (the senders' parameter cache outlives a reset).
_LOCAL_KEY = secrets.token_hex(32)


def _create_unsubscribe_key(ssm: Any) -> None:
    """The one-click unsubscribe signing key, as an operator creates it on AWS (a random SecureString, 32 bytes)."""
    ssm.put_parameter(Name=wiring.UNSUBSCRIBE_KEY_PARAMETER, Value=_LOCAL_KEY, Type="SecureString", Overwrite=True)


def create_table(ddb: Any, t: wiring.Table) -> None:
    keys = [t.partition_key] + ([t.sort_key] if t.sort_key else [])
    attrs = {name: typ for name, typ in keys}
    for ix in t.indexes:
        for name, typ in [ix.partition_key] + ([ix.sort_key] if ix.sort_key else []):
            attrs[name] = typ

    def schema(pk: tuple[str, str], sk: tuple[str, str] | None) -> list[dict[str, str]]:
        return [{"AttributeName": pk[0], "KeyType": "HASH"}] + (
            [{"AttributeName": sk[0], "KeyType": "RANGE"}] if sk else []
        )

    kwargs: dict[str, Any] = {
        "TableName": physical_name(t.key),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": ty} for n, ty in attrs.items()],
        "KeySchema": schema(t.partition_key, t.sort_key),
    }
    if t.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": schema(ix.partition_key, ix.sort_key),
                "Projection": {"ProjectionType": ix.projection}
                | ({"NonKeyAttributes": list(ix.include)} if ix.include else {}),
            }
            for ix in t.indexes
        ]
    ddb.create_table(**kwargs)
    if t.ttl_attribute:
        ddb.update_time_to_live(
            TableName=physical_name(t.key), TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute}
        )


def _fifo(q: wiring.Queue) -> dict[str, str]:
    # The attributes the CDK stack gives a FIFO queue (constructs/queues.py): high-throughput mode.
    if not q.fifo:
        return {}
    return {"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}


def _create_queues(sqs: Any, region: str, visibility_timeout_s: int, made: Provisioned) -> None:
    """Each queue after its DLQ, whose ARN its redrive policy names."""
    for q in wiring.QUEUES:
        visibility = str(min(q.visibility_timeout_s, visibility_timeout_s))
        attrs: dict[str, str] = {
            "VisibilityTimeout": visibility,
            "MessageRetentionPeriod": str(q.retention_days * 86400),
        }
        if q.dlq_key:
            dlq_url = sqs.create_queue(
                QueueName=queue_name(q.dlq_key), Attributes={"VisibilityTimeout": visibility, **_fifo(q)}
            )["QueueUrl"]
            made.queue_urls[q.dlq_key] = dlq_url
            attrs["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": queue_arn(region, q.dlq_key), "maxReceiveCount": q.max_receive_count}
            )
        made.queue_urls[q.key] = sqs.create_queue(QueueName=queue_name(q.key), Attributes={**attrs, **_fifo(q)})[
            "QueueUrl"
        ]


def _create_bus_and_rules(events: Any, region: str) -> None:
    """The bus and its rules with SQS targets: moto routes those as AWS does (not Lambda targets)."""
    events.create_event_bus(Name=wiring.BUS_NAME)
    for rule in wiring.RULES:
        events.put_rule(Name=rule.key, EventBusName=wiring.BUS_NAME, EventPattern=json.dumps(rule.event_pattern))
        events.put_targets(
            Rule=rule.key,
            EventBusName=wiring.BUS_NAME,
            Targets=[{"Id": rule.target_queue, "Arn": queue_arn(region, rule.target_queue)}],
        )


def _create_email_feedback(region: str, made: Provisioned, options: wiring.DeploymentOptions) -> None:
    """The wiring's topics (with their SQS subscriptions) and the SES configuration set.

    moto stores the configuration set and its SNS event destination but never publishes SES events;
    tests put realistic SES events on the feedback topic themselves (``publish_ses_event``).
    """
    import boto3

    sns = boto3.client("sns")
    for t in wiring.TOPICS:
        arn = sns.create_topic(Name=physical_name(t.key))["TopicArn"]
        made.topic_arns[t.key] = arn
        for q in t.queues:
            # Not raw: the queue gets SNS envelopes, as the stack's subscription delivers them.
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn(region, q))
    fb = wiring.EMAIL_FEEDBACK
    boto3.client("sesv2").create_configuration_set(ConfigurationSetName=fb.configuration_set)
    boto3.client("ses").create_configuration_set_event_destination(
        ConfigurationSetName=fb.configuration_set,
        EventDestination={
            "Name": fb.topic,
            "Enabled": True,
            "MatchingEventTypes": list(options.ses_event_types()),
            "SNSDestination": {"TopicARN": made.topic_arns[fb.topic]},
        },
    )


def _create_log_sources(logs: Any, region: str, made: Provisioned) -> None:
    """The log groups the wiring's functions subscribe to, created as the stack creates them.

    moto stores subscription filters but never invokes a Lambda for them (and SNS never writes SMS
    delivery status): ``simulators.deliver_sms_status`` writes the line and invokes the subscribers.
    """
    for fn in wiring.FUNCTIONS:
        for source in fn.log_sources:
            name = log_group_name(region, source.log_group)
            if name not in made.log_subscribers:
                logs.create_log_group(logGroupName=name)
                logs.put_retention_policy(logGroupName=name, retentionInDays=source.retention_days)
            made.log_subscribers.setdefault(name, []).append(fn)


def _create_buckets(s3: Any, region: str, made: Provisioned) -> None:
    # S3 refuses a LocationConstraint of us-east-1 (its default region): that one goes without.
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    for b in wiring.BUCKETS:
        made.bucket_names[b.key] = physical_name(b.key)
        s3.create_bucket(Bucket=made.bucket_names[b.key], **location)
