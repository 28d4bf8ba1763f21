"""Least-privilege IAM for one function, built from its ``wiring.Access``.

Every capability that needs a wildcard resource lives in its own ``iam.Policy`` so that the cdk-nag
acknowledgment sits on exactly that policy and cannot hide a wildcard added elsewhere.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.attachments import Buckets
from notify_infra.constructs.queues import Queues
from notify_infra.constructs.tables import Tables

# Every read in the platform is scoped by org_id (a key or index lookup); Scan is deliberately absent.
DYNAMODB_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
DYNAMODB_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
SES_SEND_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")
IAM5 = "AwsSolutions::AwsSolutions-IAM5"


def _arn(service: str, resource: str) -> str:
    """A regional ARN in this stack's account: the shape cdk-nag reports as ``_nag_arn``."""
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def _nag_arn(service: str, resource: str) -> str:
    """How cdk-nag flattens ``_arn(service, resource)`` in an IAM5 finding id."""
    return f"arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"


def state_machine_arn(key: str) -> str:
    """A wiring state machine's ARN, from its fixed name (``wiring.StateMachine.name``)."""
    return _arn("states", f"stateMachine:{wiring.state_machine(key).name}")


def platform_events_only(fn: wiring.Function) -> dict[str, dict[str, object]]:
    """The IAM condition that keeps a platform function's PutEvents to the platform's own events it publishes."""
    return {
        "ForAllValues:StringEquals": {
            "events:source": [wiring.PLATFORM_SOURCE],
            "events:detail-type": sorted(fn.access.platform_events),
        },
        "Null": {"events:source": "false", "events:detail-type": "false"},
    }


def _acknowledge(scope: Construct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{IAM5}[{finding}]", reason=reason))


class FunctionAccess(Construct):
    """The role of one function and every grant it holds."""

    def __init__(  # noqa: C901 - one grant per kind of access in wiring.Access, read as the list it is
        self,
        scope: Construct,
        construct_id: str,
        *,
        fn: wiring.Function,
        tables: Tables,
        queues: Queues,
        buckets: Buckets,
        log_group: logs.ILogGroup,
        bus_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._fn = fn
        # No AWSLambdaBasicExecutionRole (IAM4 and logs:* on every group): log permissions are below.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"notify {fn.key}: {fn.purpose}"[:1000],
        )
        access = fn.access

        # Logs: only this function's own group (the ARN attribute already ends in ":*", covering streams).
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="OwnLogGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )

        # DynamoDB: writes need reads too (conditional idempotency writes, read-modify-write of attempts).
        readable = sorted({*access.tables_read, *access.tables_write})
        if readable:
            resources: list[str] = []
            for key in readable:
                table = tables.table(key)
                resources.append(table.table_arn)
                # Named indexes only, not "<table>/index/*": no wildcard, and a new index is a new grant.
                resources += [f"{table.table_arn}/index/{name}" for name in tables.index_names(key)]
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DynamoDbRead",
                    actions=list(DYNAMODB_READ_ACTIONS),
                    resources=resources,
                )
            )
        if access.tables_write:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DynamoDbWrite",
                    actions=list(DYNAMODB_WRITE_ACTIONS),
                    resources=[tables.table(key).table_arn for key in sorted(access.tables_write)],
                )
            )

        if access.tables_update:
            # UpdateItem alone: no Put/Delete, no reads (the webhook sender's endpoint health).
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DynamoDbUpdateOnly",
                    actions=["dynamodb:UpdateItem"],
                    resources=[tables.table(key).table_arn for key in sorted(access.tables_update)],
                )
            )

        if access.events_put:
            if not bus_name:
                raise ValueError(f"{fn.key}: events_put needs the bus name")
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="PutPlatformEventsOnPlatformBus",
                    actions=["events:PutEvents"],
                    resources=[_arn("events", f"event-bus/{bus_name}")],
                    # Only the platform's own events: its source, its alert types (a compromised sender cannot
                    # speak as a product, nor for an org through a product's source).
                    conditions=platform_events_only(fn),
                )
            )

        for key in access.queues_send:
            queues.queue(key).grant_send_messages(self.role)

        for key in access.buckets_read:
            self._bucket_read(buckets.bucket(key), key)

        for key in access.state_machines:
            self._state_machine_steps(key)
        for key in access.state_machines_start:
            iam.Policy(
                self,
                f"Start{key.capitalize()}",
                roles=[self.role],
                statements=[
                    iam.PolicyStatement(
                        sid="StartSteps", actions=["states:StartExecution"], resources=[state_machine_arn(key)]
                    )
                ],
            )

        if access.ses_send:
            self._ses_send()
        if access.sns_sms:
            self._sms_publish()
        if access.ssm_prefix:
            self._ssm_parameters(access.ssm_prefix)
        if access.ssm_write_prefixes:
            self._ssm_write(access.ssm_write_prefixes)

    def _bucket_read(self, bucket: s3.IBucket, key: str) -> None:
        # s3:GetObject alone (HeadObject is authorised by it): no ListBucket, no writes, no deletes. Its own
        # policy, so the acknowledgment below covers this one object wildcard and nothing added elsewhere.
        policy = iam.Policy(
            self,
            f"Read{key.capitalize()}",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid=f"Read{key.capitalize()}Objects",
                    actions=["s3:GetObject"],
                    resources=[bucket.arn_for_objects("*")],
                )
            ],
        )
        logical_id = Stack.of(self).resolve(Stack.of(self).get_logical_id(bucket.node.default_child))  # type: ignore[arg-type]
        _acknowledge(
            policy,
            f"Resource::<{logical_id}.Arn>/*",
            f"Objects of the {key} bucket are documents products upload per event under <org_id>/, so their "
            "keys are unknown at deploy time. The grant is s3:GetObject on this one bucket's objects only (no "
            "ListBucket, no writes); the router admits only keys under the event's own org.",
        )

    def _state_machine_steps(self, key: str) -> None:
        # Start executions of this one state machine, stop its executions; nothing else (no Describe, no Delete).
        name = wiring.state_machine(key).name
        executions = f"execution:{name}:*"
        policy = iam.Policy(
            self,
            f"Steps{key.capitalize()}",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="StartSteps", actions=["states:StartExecution"], resources=[state_machine_arn(key)]
                ),
                iam.PolicyStatement(
                    sid="StopSteps", actions=["states:StopExecution"], resources=[_arn("states", executions)]
                ),
            ],
        )
        _acknowledge(
            policy,
            f"Resource::{_nag_arn('states', executions)}",
            f"Executions of the {name} state machine are named per pending item and step at runtime "
            "(domain.reminders.execution_name); the grant is StopExecution on that one state machine's executions.",
        )

    def _ses_send(self) -> None:
        # Identities are per org (wildcard); the configuration set is the stack's own (named exactly).
        identities, config_set = "identity/*", f"configuration-set/{wiring.EMAIL_FEEDBACK.configuration_set}"
        policy = iam.Policy(
            self,
            "SesSend",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="SesSend",
                    actions=list(SES_SEND_ACTIONS),
                    resources=[_arn("ses", identities), _arn("ses", config_set)],
                )
            ],
        )
        _acknowledge(
            policy,
            f"Resource::{_nag_arn('ses', identities)}",
            "Each organisation sends from its own verified SES identity (domain or address), created at "
            "runtime by the API, so identities cannot be enumerated at deploy time. The grant is limited "
            "to this account and region and to SendEmail/SendRawEmail.",
        )

    def _sms_publish(self) -> None:
        policy = iam.Policy(
            self,
            "SmsPublish",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(sid="SmsPublish", actions=["sns:Publish"], resources=["*"]),
                # Publish to a phone number names no ARN; to a topic (or a push endpoint) it names one: denied.
                iam.PolicyStatement(
                    sid="NoTopicPublish",
                    effect=iam.Effect.DENY,
                    actions=["sns:Publish"],
                    resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"],
                ),
            ],
        )
        _acknowledge(
            policy,
            "Resource::*",
            "SNS Publish to a phone number (PhoneNumber=...) has no resource ARN, so IAM accepts only "
            "Resource '*' for direct SMS. The policy holds only sns:Publish, and denies it on every SNS ARN "
            "(topics, push endpoints): this function can text a phone and nothing else.",
        )

    def _ssm_parameters(self, prefix: str) -> None:
        # "/notify/webhook-secrets/" -> "parameter/notify/webhook-secrets/*"
        parameters = f"parameter/{prefix.strip('/')}/*"
        keys = "key/*"
        policy = iam.Policy(
            self,
            "SecretParameters",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadSecretParameters",
                    actions=["ssm:GetParameter"],
                    resources=[_arn("ssm", parameters)],
                ),
                iam.PolicyStatement(
                    sid="DecryptSecretParametersViaSsm",
                    actions=["kms:Decrypt"],
                    resources=[_arn("kms", keys)],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"ssm.{Aws.REGION}.amazonaws.com"},
                        # SSM puts the parameter ARN in the encryption context: decrypt only these.
                        "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": _arn("ssm", parameters)},
                    },
                ),
            ],
        )
        _acknowledge(
            policy,
            f"Resource::{_nag_arn('ssm', parameters)}",
            f"Webhook signing secrets are SecureString parameters {prefix}<org_id>/<endpoint_id>, created "
            "at runtime per endpoint; the grant is ssm:GetParameter under that path only.",
        )
        _acknowledge(
            policy,
            f"Resource::{_nag_arn('kms', keys)}",
            "The SecureString key is chosen per parameter (aws/ssm or a customer key) and its id is not "
            "known here; kms:Decrypt is bounded by kms:ViaService=ssm and by the encryption context "
            f"PARAMETER_ARN under {prefix}.",
        )

    def _ssm_write(self, prefixes: tuple[str, ...]) -> None:
        """Store secrets (the admin API's document import): PutParameter, and GetParameter without decryption to
        learn whether one exists; never kms:Decrypt, so no secret is ever read back out."""
        parameters = [f"parameter/{p.strip('/')}/*" for p in prefixes]
        policy = iam.Policy(
            self,
            "SecretParametersWrite",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="WriteSecretParameters",
                    actions=["ssm:PutParameter", "ssm:GetParameter"],
                    resources=[_arn("ssm", p) for p in parameters],
                ),
                iam.PolicyStatement(
                    sid="EncryptSecretParametersViaSsm",
                    actions=["kms:Encrypt", "kms:GenerateDataKey"],
                    resources=[_arn("kms", "key/*")],
                    conditions={"StringEquals": {"kms:ViaService": f"ssm.{Aws.REGION}.amazonaws.com"}},
                ),
            ],
        )
        for prefix, p in zip(prefixes, parameters, strict=True):
            _acknowledge(
                policy,
                f"Resource::{_nag_arn('ssm', p)}",
                f"Secrets of imported settings documents are SecureString parameters {prefix}<org_id>/<name>, "
                "created at runtime; the grant is Put/GetParameter under that path only (no Decrypt).",
            )
        _acknowledge(
            policy,
            f"Resource::{_nag_arn('kms', 'key/*')}",
            "SecureString parameters use the account's aws/ssm key, whose id is not known here; encrypting is "
            "bounded by kms:ViaService=ssm, and nothing here may decrypt.",
        )

    def acknowledge_tracing(self) -> None:
        """Call after the function exists: ``Tracing.ACTIVE`` adds the X-Ray statement to the role."""
        default_policy = self.role.node.try_find_child("DefaultPolicy")
        if default_policy is None:
            raise RuntimeError(f"{self._fn.key}: role has no default policy to acknowledge X-Ray on")
        _acknowledge(
            default_policy,  # type: ignore[arg-type]
            "Resource::*",
            "Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not "
            "support resource-level permissions. Every other statement in this policy names its resources.",
        )
