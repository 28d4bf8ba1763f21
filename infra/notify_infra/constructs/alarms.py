"""Alarms on every queue whose messages nobody retries (DLQs, quarantine), and on failed executions of the state
machines (a reminder not sent, a held SMS not released), to an encrypted SNS topic."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

_NOT_RETRIED = "deliveries or events that will not be retried. Inspect, fix, then redrive."


class DeadLetterAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        cloudwatch_principal = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        # A customer managed key: CloudWatch cannot use the AWS-managed aws/sns key, whose policy we
        # cannot extend, so alarms on a topic encrypted with it would never be delivered.
        self.key = kms.Key(
            self,
            "TopicKey",
            description="notify alarm topic encryption",
            enable_key_rotation=True,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="notify alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        alarms_in_this_account = f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
        # enforce_ssl writes a topic policy, which replaces SNS's default one: allow CloudWatch explicitly.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch_principal],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": alarms_in_this_account},
                },
            )
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for key, queue in queues.items():
            alarm = cloudwatch.Alarm(
                self,
                key,
                alarm_description=f"Messages in '{key}': {_NOT_RETRIED}",
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
                ),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                # An idle queue publishes no datapoints: that is the healthy state.
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[key] = alarm
        for key, machine in (state_machines or {}).items():
            # An execution that failed (its task's retries exhausted) is a reminder not sent or a held SMS left
            # "held": nothing retries it by itself.
            alarm = cloudwatch.Alarm(
                self,
                f"{key}-executions-failed",
                alarm_description=f"Failed executions of the {key} state machine: a reminder not sent or a held SMS "
                "not released (its delivery stays 'held'). Inspect the execution, fix, then start it again.",
                metric=machine.metric_failed(period=Duration.minutes(5), statistic=cloudwatch.Stats.SUM),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[f"{key}-executions-failed"] = alarm
