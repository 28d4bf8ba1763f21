"""The notification platform stack: every resource comes from ``notify_infra.wiring``."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from notify_core import config as env_names
from notify_infra import wiring
from notify_infra.constructs import Buckets, DeadLetterAlarms, EventRouting, Functions, Queues, Tables
from notify_infra.constructs.admin_api import AdminApi
from notify_infra.constructs.bus import PUBLISHERS_CONTEXT_KEY, publishers_from_context
from notify_infra.constructs.feedback import EmailFeedback
from notify_infra.constructs.schedules import Schedules
from notify_infra.constructs.sending_identities import CONTEXT_KEY as SENDING_DOMAINS_CONTEXT_KEY
from notify_infra.constructs.sending_identities import SendingIdentities, domains_from_context
from notify_infra.constructs.sms_feedback import SmsDeliveryStatus, SmsInbound
from notify_infra.constructs.state_machines import StateMachines

PUBLISHERS_REQUIRED_CONTEXT_KEY = "publishersRequired"


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "yes"))


class NotifyStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tables = Tables(self, "Tables")
        self.queues = Queues(self, "Queues")
        self.buckets = Buckets(self, "Buckets")
        self.routing = EventRouting(self, "Routing", queues=self.queues)
        self.feedback = EmailFeedback(self, "EmailFeedback", queues=self.queues)
        # The domains orgs send from: Easy DKIM, custom MAIL FROM, the DNS records to add as outputs (README "Sender
        # authentication").
        self.identities = SendingIdentities(
            self,
            "SendingIdentities",
            domains=domains_from_context(self.node.try_get_context(SENDING_DOMAINS_CONTEXT_KEY)),
            configuration_set=self.feedback.configuration_set,
        )
        self.sms_status = SmsDeliveryStatus(self, "SmsDeliveryStatus")
        self.sms_inbound = SmsInbound(self, "SmsInbound", queues=self.queues)
        self.functions = Functions(
            self,
            "Functions",
            tables=self.tables,
            queues=self.queues,
            buckets=self.buckets,
            bus_name=self.routing.bus.event_bus_name,
            log_groups=self.sms_status.log_groups,
            publishers_required=_flag(self.node.try_get_context(PUBLISHERS_REQUIRED_CONTEXT_KEY))
            or wiring.PUBLISHERS_REQUIRED,
        )
        # Who may put events on the bus, and the platform's functions (the only ones that may use its source).
        self.routing.restrict_publishers(
            publishers_from_context(self.node.try_get_context(PUBLISHERS_CONTEXT_KEY)),
            [self.functions.access[fn.key].role for fn in wiring.FUNCTIONS if fn.access.events_put],
        )
        # Reminder steps: the ASL the local runtime executes, invoking the remind function.
        self.state_machines = StateMachines(self, "StateMachines", functions=self.functions.functions)
        # The platform-wide tick (EventBridge Scheduler), invoking the schedules function: the activity reports.
        self.schedules = Schedules(self, "Schedules", functions=self.functions.functions)
        # The admin API in front of the api function (Cognito user pool, JWT authorizer, throttling, access logs).
        self.admin_api = AdminApi(self, "AdminApi", function=self.functions.functions[wiring.HTTP_API.function])
        # One-click unsubscribe links point at this API's public route, unless the deployment names another URL
        # (-c notify:unsubscribeUrl, e.g. behind a custom domain).
        options = wiring.deployment_options(self.node.try_get_context)
        if not options.unsubscribe_url:
            self.functions.functions["send_email"].add_environment(
                env_names.UNSUBSCRIBE_URL, Fn.join("", [self.admin_api.stage.url, "public/unsubscribe"])
            )
        # SES refuses a send naming a configuration set that does not exist yet.
        self.functions.functions["send_email"].node.add_dependency(self.feedback.configuration_set)
        self.alarms = DeadLetterAlarms(
            self, "Alarms", queues=self._final_stops(), state_machines=self.state_machines.machines
        )

        CfnOutput(self, "BusName", value=self.routing.bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarms.topic.topic_arn)
        CfnOutput(self, "FeedbackTopicArn", value=self.feedback.topic.topic_arn)
        # The two-way number's destination (AWS End User Messaging SMS -> two-way SMS -> SNS topic).
        CfnOutput(self, "SmsInboundTopicArn", value=self.sms_inbound.topic.topic_arn)
        # Account SMS attribute DeliveryStatusIAMRole (README: "SMS delivery status", one deploy step).
        CfnOutput(self, "SmsDeliveryStatusRoleArn", value=self.sms_status.role.role_arn)
        # What the notify CLI needs on AWS (`notify replay ... --stack <name>` reads them back by these names).
        for t in wiring.TABLES:
            CfnOutput(self, wiring.output_id(t.key, "TableName"), value=self.tables.table(t.key).table_name)
        for q in wiring.QUEUES:
            CfnOutput(self, wiring.output_id(q.key, "QueueUrl"), value=self.queues.queue(q.key).queue_url)
        # Product services upload documents to attach under <org_id>/ of this bucket (s3:PutObject in their stacks).
        for b in wiring.BUCKETS:
            CfnOutput(self, wiring.output_id(b.key, "BucketName"), value=self.buckets.bucket(b.key).bucket_name)

    def _final_stops(self) -> dict[str, sqs.IQueue]:
        stops: dict[str, sqs.IQueue] = dict(self.queues.final_stops())
        known = {id(queue) for queue in stops.values()}
        # A rule target's DLQ is normally its queue's DLQ (already here); a dedicated one needs an alarm too.
        for rule_key, dlq in self.routing.target_dead_letter_queues.items():
            if id(dlq) not in known:
                stops[f"{rule_key}-target-dlq"] = dlq
        return stops
