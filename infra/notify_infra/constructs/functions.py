"""The core layer and one Lambda function per ``wiring.Function``, with its event sources and role."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import BundlingOptions, DockerImage, Duration, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_logs_destinations as logs_destinations
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from notify_core import config as env_names
from notify_infra import wiring
from notify_infra.constructs.access import FunctionAccess, state_machine_arn
from notify_infra.constructs.attachments import Buckets
from notify_infra.constructs.queues import Queues
from notify_infra.constructs.tables import Tables
from notify_infra.layer_bundling import LocalLayerBundler
from notify_infra.runtime import (
    ARCHITECTURE,
    LAYER_SOURCE_DIR,
    REPO_ROOT,
    RUNTIME,
    TEMPLATES_DIR_IN_LAMBDA,
)

TAG = "notify:function"
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
_CODE_EXCLUDES = ["__pycache__", "*.pyc"]


def _core_layer_code() -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(LAYER_SOURCE_DIR),
        bundling=BundlingOptions(
            # Never pulled: the local bundler always succeeds, and this machine has no Docker.
            image=DockerImage.from_registry("unused"),
            # jsii checks the interface at run time (@jsii.implements); mypy cannot see it.
            local=LocalLayerBundler(),  # type: ignore[arg-type]
        ),
    )


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Tables,
        queues: Queues,
        buckets: Buckets,
        bus_name: str,
        log_groups: Mapping[str, logs.ILogGroup] | None = None,
        publishers_required: bool = wiring.PUBLISHERS_REQUIRED,
    ) -> None:
        super().__init__(scope, construct_id)
        self._publishers_required = publishers_required
        # Wiring log group name -> the group (``wiring.LogSource``): the stack creates them elsewhere.
        self._log_groups = dict(log_groups or {})
        self.layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            code=_core_layer_code(),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="notify_core, its third-party dependencies and the default templates",
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.access: dict[str, FunctionAccess] = {}
        for fn in wiring.FUNCTIONS:
            self._add(fn, tables=tables, queues=queues, buckets=buckets, bus_name=bus_name)

    def _add(self, fn: wiring.Function, *, tables: Tables, queues: Queues, buckets: Buckets, bus_name: str) -> None:
        unit = Construct(self, fn.key)
        log_group = logs.LogGroup(unit, "Logs", retention=LOG_RETENTION)
        access = FunctionAccess(
            unit, "Access", fn=fn, tables=tables, queues=queues, buckets=buckets, log_group=log_group, bus_name=bus_name
        )
        function = lambda_.Function(
            unit,
            "Function",
            description=fn.purpose[:256],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=fn.handler,
            code=lambda_.Code.from_asset(str(REPO_ROOT / fn.code_dir), exclude=_CODE_EXCLUDES),
            layers=[self.layer],
            memory_size=fn.memory_mb,
            timeout=Duration.seconds(fn.timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=access.role,
            environment=_environment(
                fn,
                tables=tables,
                queues=queues,
                buckets=buckets,
                bus_name=bus_name,
                options=wiring.deployment_options(self.node.try_get_context),
                publishers_required=self._publishers_required,
            ),
            # The wiring's cap for a function no queue feeds (its event source mappings cap the others).
            reserved_concurrent_executions=fn.reserved_concurrency,
        )
        if fn.on_failure_queue:
            # Asynchronous invocations (CloudWatch Logs) failing after Lambda's two retries land in an alarmed queue.
            function.configure_async_invoke(
                on_failure=destinations.SqsDestination(queues.queue(fn.on_failure_queue)), retry_attempts=2
            )
        for source in fn.sources:
            queue = queues.source_queue(source)
            window = source.max_batching_window_s
            if not source.dead_letter:
                _check_visibility(fn, wiring.queue(source.queue))
            # Also grants the role consume rights on exactly this queue.
            function.add_event_source(
                SqsEventSource(
                    queue,
                    batch_size=source.batch_size,
                    max_batching_window=Duration.seconds(window) if window else None,
                    # Handlers return batchItemFailures: only the failed messages are retried.
                    report_batch_item_failures=True,
                    # Bounds the sender's share of provider quotas without reserved concurrency.
                    max_concurrency=fn.max_concurrency,
                )
            )
        for i, log_source in enumerate(fn.log_sources):
            if log_source.log_group not in self._log_groups:
                raise ValueError(f"{fn.key}: no log group {log_source.log_group!r} to subscribe to")
            # LambdaDestination also adds the Lambda permission for logs.amazonaws.com from this group only.
            logs.SubscriptionFilter(
                unit,
                f"LogSource{i}",
                log_group=self._log_groups[log_source.log_group],
                destination=logs_destinations.LambdaDestination(function),
                filter_pattern=(
                    logs.FilterPattern.literal(log_source.filter_pattern)
                    if log_source.filter_pattern
                    else logs.FilterPattern.all_events()
                ),
            )
        access.acknowledge_tracing()
        # The capability policies (SES, SMS, SSM) are siblings of the role: without this the function and
        # its event source mappings could start before they exist and fail their first sends.
        function.node.add_dependency(access)
        Tags.of(function).add(TAG, fn.key)
        self.functions[fn.key] = function
        self.access[fn.key] = access


def _check_visibility(fn: wiring.Function, queue: wiring.Queue) -> None:
    # Lambda refuses an SQS source whose visibility timeout is shorter than the function timeout;
    # failing here names the wiring entry instead of failing a deployment.
    if queue.visibility_timeout_s < fn.timeout_s:
        raise ValueError(
            f"queue {queue.key!r} visibility {queue.visibility_timeout_s}s < {fn.key} timeout {fn.timeout_s}s"
        )


def _environment(
    fn: wiring.Function,
    *,
    tables: Tables,
    queues: Queues,
    buckets: Buckets,
    bus_name: str,
    options: wiring.DeploymentOptions,
    publishers_required: bool,
) -> dict[str, str]:
    def resource(kind: str, key: str) -> str:
        if kind == "table":
            return tables.table(key).table_name
        if kind == "queue":
            return queues.queue(key).queue_url
        if kind == "bucket":
            return buckets.bucket(key).bucket_name
        if kind == "state_machine":
            # Built from the fixed name, not a reference: the state machine refers to the remind function, whose
            # environment would otherwise refer back to it (a cycle CloudFormation refuses).
            return state_machine_arn(key)
        raise ValueError(f"{fn.key}: unknown resource kind {kind!r}")

    extra = {
        env_names.NOTIFY_TEMPLATES_DIR: TEMPLATES_DIR_IN_LAMBDA,
        env_names.PUBLISHERS_REQUIRED: "1" if publishers_required else "0",
    }
    return wiring.function_environment(fn, resource, bus_name=bus_name, extra=extra, options=options)
