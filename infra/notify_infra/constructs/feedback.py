"""SES feedback wiring from ``wiring.EMAIL_FEEDBACK``: configuration set -> SNS topic -> feedback queue.

The email sender sends with the configuration set; its event destination publishes delivery, bounce,
complaint, reject and delay events to an encrypted, TLS-only SNS topic, which delivers them (as SNS
envelopes) to the ``feedback`` queue consumed by ``functions/feedback``. That queue's DLQ is alarmed with
every other DLQ (``Queues.final_stops``).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import Queues
from notify_infra.constructs.service_topic import service_topic

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
        ses_principal = iam.ServicePrincipal("ses.amazonaws.com")
        from_this_configuration_set = {
            "StringEquals": {
                "aws:SourceAccount": Aws.ACCOUNT_ID,
                "aws:SourceArn": configuration_set_arn(spec.configuration_set),
            }
        }
        # The SES L2 event destination adds the topic policy statement for SES itself (below).
        self.key, self.topic = service_topic(
            self,
            topic_key=spec.topic,
            queues=queues,
            principal=ses_principal,
            conditions=from_this_configuration_set,
            sid="SesEventPublishing",
            name="notify SES feedback",
            allow_publish=False,
        )

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
            events=[_EVENTS[e] for e in wiring.deployment_options(self.node.try_get_context).ses_event_types()],
        )
        self.event_destination.node.add_dependency(self.key)
