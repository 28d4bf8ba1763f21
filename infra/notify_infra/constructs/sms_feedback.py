"""SMS feedback wiring: SNS SMS delivery-status logs and the two-way number's inbound topic.

- ``SmsDeliveryStatus``: the log groups SNS writes SMS delivery status to (``wiring.SMS_STATUS_LOG_GROUPS``,
  created here with a retention so the functions' subscription filters can attach before SNS's first
  line) and the IAM role SNS assumes to write them. SNS reads the role from the *account's* SMS attributes
  (``DeliveryStatusIAMRole``, ``DeliveryStatusSuccessSamplingRate``): one deploy step, see the README.
- ``SmsInbound``: the encrypted, TLS-only topic AWS End User Messaging SMS publishes inbound SMS to (the
  two-way number's destination), delivering SNS envelopes to the ``sms-inbound`` queue.
"""

from __future__ import annotations

from aws_cdk import Aws, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import Queues
from notify_infra.constructs.service_topic import service_topic

TAG = "notify:log-source"
# wiring.LogSource.retention_days -> the CDK enum (jsii enums are by name, not by number of days).
_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def log_group_name(template: str) -> str:
    """A wiring log group name in the deploying account and region."""
    return template.format(region=Aws.REGION, account=Aws.ACCOUNT_ID)


class SmsDeliveryStatus(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Every log group a function subscribes to, by its wiring name (template).
        self.log_groups: dict[str, logs.LogGroup] = {}
        for fn in wiring.FUNCTIONS:
            for source in fn.log_sources:
                if source.log_group in self.log_groups:
                    continue
                group = logs.LogGroup(
                    self,
                    f"LogGroup{len(self.log_groups)}",
                    log_group_name=log_group_name(source.log_group),
                    retention=_RETENTION[source.retention_days],
                )
                Tags.of(group).add(TAG, source.log_group)
                self.log_groups[source.log_group] = group

        status_groups = [self.log_groups[name] for name in wiring.SMS_STATUS_LOG_GROUPS]
        self.role = iam.Role(
            self,
            "SnsLoggingRole",
            assumed_by=iam.ServicePrincipal("sns.amazonaws.com"),
            description="SNS writes SMS delivery status (DirectPublishToPhoneNumber) to the notify log groups",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteSmsDeliveryStatus",
                # What AWS documents for the delivery-status role; CreateLogGroup only ever finds ours existing.
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                # The group ARN attributes end in ":*": the groups and their streams, nothing else.
                resources=[group.log_group_arn for group in status_groups],
            )
        )


class SmsInbound(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, queues: Queues) -> None:
        super().__init__(scope, construct_id)
        topic_spec = wiring.topic(wiring.SMS_INBOUND_TOPIC)
        principal = iam.ServicePrincipal("sms-voice.amazonaws.com")
        # Only End User Messaging acting for this account (the confused-deputy conditions AWS recommends).
        from_this_account = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:sms-voice:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"},
        }
        self.key, self.topic = service_topic(
            self,
            topic_key=topic_spec.key,
            queues=queues,
            principal=principal,
            conditions=from_this_account,
            sid="SmsVoicePublish",
            name="notify inbound SMS",
            allow_publish=True,
        )
