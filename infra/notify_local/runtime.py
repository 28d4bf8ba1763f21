"""The embedded local runtime: the whole platform on moto, without an AWS account.

It starts moto in server mode, creates the bus, rules, queues (with their DLQs and redrive) and
tables that ``notify_infra.wiring`` describes, and drives the real Lambda handlers in-process with
the event shapes AWS would give them: EventBridge puts events on the events queue (moto routes
rules to SQS targets as AWS does), and a driver thread plays the SQS event source mappings,
receiving batches, invoking handlers with SQS batch events and deleting what they did not report
as failed. What was delivered can be read back: emails from moto's SES store, SMS from its SNS
store, webhooks, Slack and Telegram messages from the local receiver (which also plays the Telegram
Bot API: ``TELEGRAM_API_BASE`` points at it), and the delivery log.

Each function's handler is built from its entry point with exactly the environment the CDK stack gives it
(``environment``), so a function the wiring forgot to give a table fails here as it would on AWS;
``override_env`` changes one function's environment for a test. ``inject_aws_error`` and ``around_aws_call``
put faults on any AWS call the handlers make (boto3 and PynamoDB alike).

Usable from Python (a context manager) and from pytest (the ``notify_runtime`` fixture).

``LocalRuntime`` is the one public entry point; it owns the moto server and composes the parts:
``provisioning`` (the wiring's resources on moto), ``environment`` (what each function is given),
``driver`` (the event source mappings and handler invocation), ``simulators`` (what AWS does that
moto does not), ``outbox`` (reading deliveries back) and ``aws_calls`` (counting handlers' calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notify_infra import wiring
from notify_local import aws_calls, bus_policy, clock, environment, names, outbox, provisioning, simulators
from notify_local.aws_calls import install_call_counter
from notify_local.driver import Driver, event_sources

# Importable from here as before the split: tests, scripts, the CLI and product teams use these names.
from notify_local.names import ACCOUNT, NAME_PREFIX, physical_name
from notify_local.outbox import Email, EmailAttachment, Outbox, Sms

__all__ = [
    "ACCOUNT",
    "NAME_PREFIX",
    "Email",
    "EmailAttachment",
    "LocalRuntime",
    "Outbox",
    "Sms",
    "iso_now",
    "physical_name",
]


# Where local emails' one-click links point: the admin API's public route (``LocalRuntime.unsubscribe`` sends the
# request to the API this runtime serves, whatever port it is on).
LOCAL_UNSUBSCRIBE_URL = "https://notify.localhost/public/unsubscribe"


@dataclass
class LocalRuntime:
    """The platform on moto. ``with LocalRuntime() as rt: rt.publish(...); rt.wait_idle(); rt.outbox()``."""

    host: str = "127.0.0.1"
    port: int = 4566  # 0: any free port
    region: str = "eu-west-1"
    # Local retries are immediate by default so a retry series plays out in milliseconds.
    retry_base_delay_s: int = 0
    # How long a message stays hidden after a handler crashed outright (AWS: the wiring's timeout).
    visibility_timeout_s: int = 2
    webhook_timeout_s: float = 15.0
    allow_loopback_webhooks: bool = True
    # Whether an org whose settings name no publishers hears from none (wiring.PUBLISHERS_REQUIRED on AWS).
    publishers_required: bool = wiring.PUBLISHERS_REQUIRED
    log_level: str = "WARNING"
    # Where handlers' output (Powertools JSON logs and EMF metrics) goes; None leaves it on the process's stdout.
    handler_output: Any = None
    # What a deployment chooses with ``cdk deploy -c notify:...`` (retention, SES Delivery events).
    # Locally every email a person may turn off carries its one-click link (rt.unsubscribe(url) follows it).
    options: wiring.DeploymentOptions = field(
        default_factory=lambda: wiring.DeploymentOptions(unsubscribe_url=LOCAL_UNSUBSCRIBE_URL)
    )
    aws_calls: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._server: Any = None
        self.queue_urls: dict[str, str] = {}
        self.topic_arns: dict[str, str] = {}
        self.bucket_names: dict[str, str] = {}
        self.log_subscribers: dict[str, list[wiring.Function]] = {}
        self.endpoint_url = ""
        self.receiver: Any = None
        self.errors: list[str] = []
        self._overrides: dict[str, dict[str, str]] = {}
        self._admin: Any = None
        self.user_pool: Any = None  # notify_local.cognito.UserPool: the admin API's sign-in, on moto
        self.api_server: Any = None
        self._driver = Driver(self.region, self.errors, output=lambda: self.handler_output)
        self.clock = clock.CLOCK
        self._driver.clock = self.clock.now
        self._driver.quiet_hours = lambda: self.clock.quiet_hours

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> LocalRuntime:
        from moto.server import ThreadedMotoServer

        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SESSION_TOKEN="testing",
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
        )
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        # Step Functions SDK tasks in moto call back to localhost:$MOTO_PORT.
        os.environ.update(AWS_ENDPOINT_URL=self.endpoint_url, MOTO_PORT=str(port))
        install_call_counter(self.aws_calls)
        from notify_core.observability import logger

        # The core's logger was built when first imported: give it this runtime's level (and stream) now.
        logger.setLevel(self.log_level)
        if self.handler_output is not None:
            # Its handler writes to the stream it was built with; metrics are printed (redirected per call).
            logger.registered_handler.setStream(self.handler_output)  # type: ignore[attr-defined]
        # The bus policy and the functions' PutEvents conditions, as AWS would apply them.
        aws_calls.enforce("events", "PutEvents", "bus-policy", bus_policy.check_put_events)
        # Step Functions: moto executes the stack's state machines, their waits on the clock, their tasks here.
        clock.install()
        for machine in wiring.STATE_MACHINES:
            for key in machine.invokes.values():
                clock.register_function(names.physical_name(key), self._invoker(key))
        self.provision()
        self._driver.load_handlers(self.function_environment)
        self._driver.start()
        return self

    def _invoker(self, key: str) -> Any:
        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            try:
                return self._driver.invoke_exclusively(key, event)
            except Exception as exc:
                self.errors.append(f"{key}: {type(exc).__name__}: {exc}")
                raise

        return invoke

    def stop(self) -> None:
        self._stop_executions()
        if self.api_server is not None:
            self.api_server.stop()
            self.api_server = None
        self._driver.stop()
        if self._server:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every event, delivery and setting; keep the server and handlers (fast, for tests)."""
        self._stop_executions()
        self.clock.reset()
        with self.paused():
            req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
            urllib.request.urlopen(req, timeout=10).read()
            aws_calls.clear_hooks()
            self._driver.delete_fault = None
            self._overrides.clear()
            self.provision()
            self._driver.load_handlers(self.function_environment)
            self.aws_calls.clear()
            self.errors.clear()
            if self.receiver:
                self.receiver.clear()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No handler runs inside this block: play batches by hand (``take_batch``, ``invoke``)."""
        with self._driver.paused():
            yield

    # ------------------------------------------------------------- provisioning
    def provision(self) -> None:
        """Create from the wiring what the CDK stack creates on AWS."""
        config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/config", data=config, method="POST")
        urllib.request.urlopen(req, timeout=10).read()
        made = provisioning.provision(self.region, self.visibility_timeout_s, self.options)
        self.queue_urls.update(made.queue_urls)
        self.topic_arns = made.topic_arns
        self.log_subscribers = made.log_subscribers
        self.bucket_names.update(made.bucket_names)
        # Powertools reads these from the process (one process plays every function: logs say "notify-local").
        os.environ.update(
            POWERTOOLS_LOG_LEVEL=self.log_level,
            POWERTOOLS_SERVICE_NAME="notify-local",
            POWERTOOLS_METRICS_NAMESPACE=wiring.METRICS_NAMESPACE,
        )
        self._admin = None
        self._driver.sources = event_sources(self.queue_urls, self.region)
        from notify_local import cognito

        self.user_pool = cognito.create_user_pool(self.region, self.endpoint_url)

    def function_environment(self, fn: wiring.Function | str) -> dict[str, str]:
        """The environment ``fn`` runs with: the stack's, with local names and knobs, and any ``override_env``."""
        fn = wiring.function(fn) if isinstance(fn, str) else fn
        knobs = environment.local_knobs(
            retry_base_delay_s=self.retry_base_delay_s,
            webhook_timeout_s=self.webhook_timeout_s,
            allow_loopback_webhooks=self.allow_loopback_webhooks,
            publishers_required=self.publishers_required,
            receiver=self.receiver,
        )
        return environment.function_environment(
            fn, self.queue_urls, knobs, self._overrides.get(fn.key), options=self.options, region=self.region
        )

    @contextlib.contextmanager
    def override_env(self, function_key: str, **variables: str) -> Iterator[None]:
        """Run one function with some variables changed (a short webhook timeout, a disable window...): its
        handler is rebuilt with them, and rebuilt as it was when the block ends."""
        with self.paused():
            previous = self._overrides.get(function_key)
            self._overrides[function_key] = {**(previous or {}), **variables}
            self._driver.load_handlers(self.function_environment, function_key)
        try:
            yield
        finally:
            with self.paused():
                if previous is None:
                    self._overrides.pop(function_key, None)
                else:
                    self._overrides[function_key] = previous
                self._driver.load_handlers(self.function_environment, function_key)

    @property
    def admin(self) -> Any:
        """The operator's adapters and services on this runtime (``notify_core.compose.admin.Admin``): settings
        documents, replay, reports, suppressions, users' email switch, inboxes, the delivery log."""
        if self._admin is None:
            from notify_core.compose.admin import Admin

            self._admin = Admin.from_env(environment.admin_environment(self.queue_urls), clock=self.clock.now)
        return self._admin

    # ------------------------------------------------------------------ faults
    def inject_aws_error(
        self,
        service: str,
        operation: str,
        code: str,
        *,
        times: int = 1,
        status: int = 400,
        function: str | None = None,
    ) -> dict[str, int]:
        """Make the next ``times`` calls of ``service.operation`` by the handlers (by ``function``'s only, when
        given) fail with ``code`` as AWS would answer; boto3 and PynamoDB clients alike. Returns the count still
        to fail (``{"n": ...}``); ``reset()`` removes what is left."""
        from botocore.exceptions import ClientError

        left = {"n": times}

        def fail(call: Any, params: Any, caller: str) -> Any:
            if left["n"] > 0 and function in (None, caller):
                left["n"] -= 1
                raise ClientError(
                    {
                        "Error": {"Code": code, "Message": f"injected {code}"},
                        "ResponseMetadata": {"HTTPStatusCode": status},
                    },
                    operation,
                )
            return call(params)

        aws_calls.around(service, operation, fail)
        return left

    def around_aws_call(self, service: str, operation: str, hook: Any) -> Any:
        """Run ``hook(call, params, function)`` in place of the handlers' ``service.operation`` calls (it may call
        ``call(params)`` itself). Returns the undo; ``reset()`` removes every hook."""
        return aws_calls.around(service, operation, hook)

    def fail_poller_deletes(self, fault: Any) -> Any:
        """Ask ``fault(function_key)`` before each DeleteMessageBatch the event source poller makes; when it answers
        True the delete fails and the batch's handled messages come back (a redelivery, as after an SQS fault on
        AWS). Returns the undo; ``reset()`` removes it."""
        self._driver.delete_fault = fault

        def undo() -> None:
            self._driver.delete_fault = None

        return undo

    def queue_arn(self, key: str) -> str:
        return names.queue_arn(self.region, key)

    def log_group_name(self, template: str) -> str:
        """A wiring log group name (``wiring.LogSource.log_group``) in this runtime's region and account."""
        return names.log_group_name(self.region, template)

    # ------------------------------------------------------------------ driving
    def invoke(self, function_key: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke one handler as Lambda would, counting the AWS calls it makes."""
        return self._driver.invoke(function_key, event)

    def take_batch(self, queue_key: str, max_messages: int = 10) -> dict[str, Any]:
        """Receive messages from a queue as the event source mapping would, without deleting them.

        For tests that play a handler by hand (use inside ``paused()``): the same batch can be handed
        to ``invoke`` twice to play a redelivery.
        """
        return self._driver.take_batch(self.queue_urls[queue_key], max_messages)

    def wait_idle(self, timeout_s: float = 30.0, *, progress: Any = None, every_s: float = 10.0) -> None:
        """Return once every queue a handler consumes is empty, no handler is running, and every Step Functions
        execution waits for a time the clock has not reached (or has ended).

        ``progress``: called every ``every_s`` seconds with what is still pending (queue name -> messages) and the
        seconds waited so far; ``True`` prints a line to stderr.
        """
        import time

        deadline = time.monotonic() + timeout_s
        quiet = 0
        while True:
            self._driver.wait_idle(max(deadline - time.monotonic(), 0.1), progress=progress, every_s=every_s)
            busy = self._running_executions() - self.clock.blocked()
            quiet = quiet + 1 if not busy else 0
            if quiet >= 2:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"executions still running after {timeout_s}s: {sorted(busy)}; {self.errors[-5:]}")
            time.sleep(0.05)

    # -------------------------------------------------------------------- time
    def now(self) -> datetime:
        """Where the runtime's clock is (UTC): real time plus every ``advance`` so far."""
        return self.clock.now()

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0, timeout_s: float = 120.0
    ) -> datetime:
        """Move the clock on and let everything that fell due on the way happen (reminder steps, the events they
        publish, their deliveries, the schedules' ticks); returns the new time. ``rt.advance(days=3)`` plays three
        days in seconds.

        The stack's schedules (``wiring.SCHEDULES``, EventBridge Scheduler on AWS; moto's never fire) fire here: the
        clock stops at each tick time on the way and the runtime invokes the schedule's function as Scheduler would.
        """
        target = self.clock.now() + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        for at, schedule in self._ticks(self.clock.now(), target):
            self.clock.advance(max(at - self.clock.now(), timedelta()))
            self.fire_schedule(schedule.key, at)
        self.clock.advance(max(target - self.clock.now(), timedelta()))
        self.wait_idle(timeout_s)
        return self.now()

    def fire_schedule(self, key: str = "tick", at: datetime | None = None) -> dict[str, Any]:
        """Invoke a schedule's function now, as EventBridge Scheduler does at each of its times (a test may fire it
        twice to play a duplicate invocation); waits until what it published has been routed and delivered."""
        spec = next(s for s in wiring.SCHEDULES if s.key == key)
        scheduled = (at or self.clock.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = json.loads(spec.input.replace("<aws.scheduler.scheduled-time>", scheduled))
        try:
            result = self._driver.invoke_exclusively(spec.function, event)
        except Exception as exc:  # as Scheduler would, keep going: the next tick finds what is still due
            self.errors.append(f"{spec.function}: {type(exc).__name__}: {exc}")
            return {}
        if result.get("published"):
            self.wait_idle()
        return result

    @staticmethod
    def _ticks(start: datetime, end: datetime) -> list[tuple[datetime, wiring.Schedule]]:
        """Each schedule's times in (start, end]: multiples of its period from midnight UTC, in time order."""
        ticks: list[tuple[datetime, wiring.Schedule]] = []
        for spec in wiring.SCHEDULES:
            step = timedelta(minutes=spec.every_minutes)
            midnight = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            at = midnight + ((start - midnight) // step + 1) * step
            while at <= end:
                ticks.append((at, spec))
                at += step
        return sorted(ticks, key=lambda t: t[0])

    def _running_executions(self) -> set[str]:
        import boto3

        sfn = boto3.client("stepfunctions")
        running: set[str] = set()
        for machine in wiring.STATE_MACHINES:
            arn = names.state_machine_arn(self.region, machine.key)
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter="RUNNING"):
                running |= {e["executionArn"] for e in page["executions"]}
        return running

    def _stop_executions(self) -> None:
        """Stop every running execution (their threads end): before a reset, which forgets them, and at the end."""
        if not self.endpoint_url:
            return
        import boto3

        sfn = boto3.client("stepfunctions")
        try:
            for arn in self._running_executions():
                sfn.stop_execution(executionArn=arn, cause="local runtime reset")
        except Exception:  # best effort: a server already stopped has nothing running
            return

    def execution_history(self, execution_arn: str) -> list[dict[str, Any]]:
        import boto3

        sfn = boto3.client("stepfunctions")
        events: list[dict[str, Any]] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            events += page["events"]
        return events

    def executions(self, machine: str = "reminders") -> list[dict[str, Any]]:
        """Every execution of a wiring state machine (newest first, as Step Functions lists them)."""
        import boto3

        sfn = boto3.client("stepfunctions")
        arn = names.state_machine_arn(self.region, machine)
        return [e for p in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn) for e in p["executions"]]

    # ------------------------------------------------------------------- using
    def publish(self, detail_type: str, detail: dict[str, Any] | str, source: str = "local.demo") -> str:
        """Publish one event on the bus, exactly as a product service would (boto3 PutEvents)."""
        import boto3

        body = detail if isinstance(detail, str) else json.dumps(detail)
        resp = boto3.client("events").put_events(
            Entries=[{"Source": source, "DetailType": detail_type, "Detail": body, "EventBusName": wiring.BUS_NAME}]
        )
        if resp.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents failed: {resp['Entries']}")
        return resp["Entries"][0]["EventId"]

    def apply_settings(self, document: dict[str, Any] | str | Path) -> Any:
        """Load an org settings document, and verify its sender identity in moto's SES."""
        import boto3

        from notify_core.domain import settings_document

        if isinstance(document, Path):
            document = document.read_text()
        doc = (
            settings_document.parse(document)
            if isinstance(document, str)
            else settings_document.SettingsDocument.model_validate(document)
        )
        result = self.admin.settings.apply(doc)
        sender = doc.email_from or wiring.DEFAULT_EMAIL_FROM
        boto3.client("ses").verify_email_identity(EmailAddress=sender)
        return result

    def start_receiver(self, port: int = 0) -> Any:
        from notify_local.receiver import WebhookReceiver

        if self.receiver is None:
            self.receiver = WebhookReceiver(self.host, port).start()
            # The chat sender now talks to the receiver playing the Telegram Bot API.
            with self.paused():
                self._driver.load_handlers(self.function_environment)
        return self.receiver

    # ---------------------------------------------------------------- admin API
    def start_api(self, port: int = wiring.HTTP_API.local_port) -> Any:
        """Serve the admin API on ``host:port`` (0: any free port) as API Gateway would, JWT authorizer included;
        returns the server (``.url``)."""
        from notify_local.api_server import ApiServer

        if self.api_server is None:
            self.api_server = ApiServer(
                lambda event: self._driver.invoke("api", event),
                lambda: self.user_pool,
                self.host,
                port,
                outbox=self.outbox_summary,
            ).start()
        return self.api_server

    def token(self, user_id: str, *, operator: bool = False) -> str:
        """A Cognito access token for ``user_id``, signed by this runtime's user pool (``notify local token``);
        ``operator``: in the ``notify-operators`` group (may create orgs)."""
        from notify_local import cognito

        return cognito.token(self.user_pool, user_id, groups=(cognito.OPERATORS_GROUP,) if operator else ())

    def api_client(self, user: str | None = None, *, operator: bool = False) -> Any:
        """A client of the admin API signed in as ``user`` (None: no token); starts the API on a free port if it
        is not served yet. ``client.get("/orgs/acme/deliveries").json()``."""
        from notify_local.api_server import ApiClient

        server = self.api_server or self.start_api(port=0)
        return ApiClient(server.url, self.token(user, operator=operator) if user else None)

    def unsubscribe(self, url: str, method: str = "POST") -> dict[str, Any]:
        """A mail client's one-click POST (or a person's GET) of an email's ``List-Unsubscribe`` URL, sent to the
        admin API this runtime serves (``/public/unsubscribe``, no token, as on AWS; started on a free port if it
        is not served yet): ``{"statusCode", "headers", "body"}``."""
        import urllib.error
        from urllib.parse import urlsplit

        server = self.api_server or self.start_api(port=0)
        parts = urlsplit(url)
        request = urllib.request.Request(
            f"{server.url}{parts.path}?{parts.query}",
            method=method,
            data=b"List-Unsubscribe=One-Click" if method == "POST" else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, headers, body = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, dict(exc.headers), exc.read()
        return {"statusCode": status, "headers": headers, "body": body.decode()}

    def set_email_enabled(self, user_id: str, enabled: bool) -> None:
        """A user's email switch, for every org they belong to (``notify users email-off|email-on``)."""
        self.admin.users.set_email_enabled(user_id, enabled)

    # ------------------------------------------------------ what AWS would do
    def deliver_sms_status(
        self,
        message_id: str,
        status: str = "SUCCESS",
        provider_response: str | None = None,
        *,
        destination: str | None = None,
        timestamp: str | None = None,
    ) -> list[dict[str, Any]]:
        """What SNS does once a carrier answers for an SMS: one delivery-status line in the success or the
        failure log group, which its subscription filters hand to their functions (CloudWatch Logs event:
        base64 of gzipped JSON). Returns what each subscribed handler returned.

        ``destination`` defaults to the number moto's SNS store holds for ``message_id``.
        """
        if destination is None:
            destination = next((s.to for s in self.outbox().sms if s.message_id == message_id), None)
        return simulators.deliver_sms_status(
            self._driver,
            self.queue_urls,
            self.log_subscribers,
            self.region,
            message_id,
            status,
            provider_response,
            destination,
            timestamp,
        )

    def publish_sms_inbound(
        self,
        origination: str,
        body: str,
        *,
        previous_published_message_id: str | None = None,
        keyword: str | None = None,
        destination: str = "+12125550101",
    ) -> None:
        """Publish an SMS someone texted to the two-way number, as AWS End User Messaging SMS would."""
        simulators.publish_sms_inbound(
            self.topic_arns,
            origination,
            body,
            previous_published_message_id=previous_published_message_id,
            keyword=keyword,
            destination=destination,
        )

    def publish_ses_event(self, event: dict[str, Any]) -> None:
        """Publish an SES event notification on the feedback topic, as SES would on AWS."""
        simulators.publish_ses_event(self.topic_arns, event)

    # ----------------------------------------------------------------- reading
    def outbox(self) -> Outbox:
        """Everything delivered so far: emails, SMS, webhooks, Telegram, the delivery log, quarantine."""
        return outbox.read_outbox(
            self.endpoint_url, self.queue_urls["quarantine"], self.admin.deliveries, self.receiver
        )

    def outbox_summary(self) -> dict[str, Any]:
        """What was delivered, as plain JSON for the console's local outbox tab (newest last)."""
        out = self.outbox()
        return {
            "emails": [
                {"to": e.to, "sender": e.sender, "subject": e.subject, "html": e.html, "text": e.text}
                for e in out.emails
            ],
            "sms": [{"to": s.to, "text": s.text} for s in out.sms],
            "webhooks": [{"path": w.path, "status": w.status, "body": w.body[:4000]} for w in out.webhooks],
            "telegram": [{"chat_id": str(t.chat_id), "text": t.text} for t in out.telegram],
        }

    def deliveries(self) -> list[dict[str, Any]]:
        return outbox.deliveries(self.admin.deliveries)

    def inbox(self, org_id: str, user_id: str) -> list[dict[str, Any]]:
        """A member's in-app inbox in one org, newest first."""
        return outbox.inbox(self.admin.inbox, org_id, user_id)

    def quarantined(self) -> list[dict[str, Any]]:
        return outbox.quarantined(self.queue_urls["quarantine"])


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
