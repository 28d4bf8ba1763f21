"""An SNS topic an AWS service publishes to (SES events, inbound SMS), feeding wiring queues.

Encrypted with its own customer managed key, because a service cannot use the AWS-managed ``aws/sns`` key,
whose policy cannot be extended; TLS only. The service may use the key only under the confused-deputy
conditions given (source account, source ARN).

A function, not a construct: the key and topic keep the construct ids ("TopicKey", "Topic") they had in
their owner's scope, so deployed stacks see no replacement.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import Queues

TAG = "notify:topic"


def service_topic(
    scope: Construct,
    *,
    topic_key: str,
    queues: Queues,
    principal: iam.ServicePrincipal,
    conditions: dict[str, Any],
    sid: str,
    name: str,
    allow_publish: bool,
) -> tuple[kms.Key, sns.Topic]:
    """``allow_publish``: add the topic policy statement for the service (an L2 like SES's may add its own)."""
    spec = wiring.topic(topic_key)
    key = kms.Key(scope, "TopicKey", description=f"{name} topic encryption", enable_key_rotation=True)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[principal],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],  # in a key policy "*" means this key
            conditions=conditions,
        )
    )
    topic = sns.Topic(scope, "Topic", display_name=name, master_key=key, enforce_ssl=True)
    Tags.of(topic).add(TAG, spec.key)
    if allow_publish:
        # enforce_ssl writes a topic policy, which replaces SNS's default one: admit the service explicitly.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[principal],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=conditions,
            )
        )
    for queue_key in spec.queues:
        # Not raw: the queue gets SNS envelopes (Type, MessageId, Message), as the local runtime does.
        topic.add_subscription(subscriptions.SqsSubscription(queues.queue(queue_key)))
    return key, topic
