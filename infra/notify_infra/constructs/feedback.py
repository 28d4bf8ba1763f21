"""SES feedback wiring from ``wiring.EMAIL_FEEDBACK``: configuration set -> SNS topic -> feedback queue.

The email sender sends with the configuration set; its event destination publishes delivery, bounce,
complaint, reject and delay events to an encrypted, TLS-only SNS topic, which delivers them (as SNS
envelopes) to the ``feedback`` queue consumed by ``functions/feedback``. That queue's DLQ is alarmed with
every other DLQ (``Queues.final_stops``).
"""

from __future__ import annotations

from aws_cdk import Aws, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import Queues

TAG = "notify:topic"
# CloudFormation MatchingEventTypes spelling (wiring) -> the L2 enum.
_EVENTS = {
    "send": ses.EmailSendingEvent.SEND,
    "reject": ses.EmailSendingEvent.REJECT,
    "bounce": ses.EmailSendingEvent.BOUNCE,
    "complaint": ses.EmailSendingEvent.COMPLAINT,
    "delivery": ses.EmailSendingEvent.DELIVERY,
    "deliveryDelay": ses.EmailSendingEvent.DELIVERY_DELAY,
}


def configuration_set_arn(name: str) -> str:
    return f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:configuration-set/{name}"


class EmailFeedback(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, queues: Queues) -> None:
        super().__init__(scope, construct_id)
        spec = wiring.EMAIL_FEEDBACK
        topic_spec = wiring.topic(spec.topic)
        ses_principal = iam.ServicePrincipal("ses.amazonaws.com")
        from_this_configuration_set = {
            "StringEquals": {
                "aws:SourceAccount": Aws.ACCOUNT_ID,
                "aws:SourceArn": configuration_set_arn(spec.configuration_set),
            }
        }
        # A customer managed key: SES cannot use the AWS-managed aws/sns key, whose policy we cannot extend.
        self.key = kms.Key(self, "TopicKey", description="notify SES feedback topic encryption",
                           enable_key_rotation=True)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SesEventPublishing",
                principals=[ses_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy "*" means this key
                conditions=from_this_configuration_set,
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="notify SES feedback",
            master_key=self.key,
            enforce_ssl=True,
        )
        Tags.of(self.topic).add(TAG, topic_spec.key)
        for queue_key in topic_spec.queues:
            # Not raw: the queue gets SNS envelopes (Type, MessageId, Message), as the local runtime does.
            self.topic.add_subscription(subscriptions.SqsSubscription(queues.queue(queue_key)))

        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=spec.configuration_set,
            reputation_metrics=True,
        )
        # The L2 adds the topic policy statement for ses.amazonaws.com (SourceAccount + SourceArn of this
        # configuration set) and makes the destination wait for it.
        self.event_destination = ses.ConfigurationSetEventDestination(
            self,
            "EventDestination",
            configuration_set=self.configuration_set,
            configuration_set_event_destination_name=spec.topic,
            destination=ses.EventDestination.sns_topic(self.topic),
            events=[_EVENTS[e] for e in spec.event_types],
        )
        self.event_destination.node.add_dependency(self.key)
