"""A fault storm on the local runtime: many deliveries, ~30% faults on every dependency, then an account of each.

Where the faults are injected (every botocore call of the handlers passes ``LocalRuntime.around_aws_call``, so
DynamoDB through PynamoDB's client as well as boto3's):

- **providers**: SES ``SendEmail`` and SNS ``Publish`` answer throttling / 5xx on ``fault_rate`` of the calls (their
  clients make one attempt: a provider call is never retried inside the SDK);
- **every other AWS dependency** (DynamoDB, SQS, S3, SSM): each *attempt* fails with ``fault_rate``; the SDK's
  standard retries (``SDK_ATTEMPTS``) are played in the hook, so an error reaches our code only when every attempt
  failed (0.3³ ≈ 2.7% of calls). A failed write attempt is, half the time, one that DynamoDB applied and whose
  answer was lost: the next attempt runs for real against what the first one wrote;
- **the event source poller**: its DeleteMessageBatch fails on ``fault_rate`` of the batches (the messages come
  back: a redelivery of work already done);
- **Lambda timeouts**: ``timeout_rate`` of the sender invocations die after their provider calls answered and before
  the outcome write (the invocation raises; the whole batch comes back);
- **webhook receivers**: 500/502/503/429 or an answer too late (a timeout) on ``fault_rate`` of the calls. Every
  other endpoint declares that it deduplicates by webhook-id (``retry_unanswered``), so both rules are exercised.
- every ``attachment_every``-th event carries a document the email sender reads from S3.

The account counts what each provider accepted *by delivery id* (SES by its ``delivery_id`` tag, SNS by the
event named in the text, receivers by ``webhook-id``) and compares with the log: nothing lost, nothing accepted
twice, nothing ``dead`` that a provider accepted, every ``unknown`` / ``dead`` listed with its reason.

Used by ``tests/e2e/test_fault_injection.py`` (2,000 deliveries, asserts) and ``scripts/bench_storm.py``
(10,000 by default, prints). The account is a list of violations rather than asserts so both can use it.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from notify_core.domain.delivery import delivery_id
from notify_local import aws_calls
from tests.conftest import put_event, recent

ORG = "storm"
PROVIDER_FAULTS = [("Throttling", 400), ("ServiceUnavailable", 503), ("InternalFailure", 500)]
DEPENDENCY_FAULTS = {
    "dynamodb": [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("InternalServerError", 500),
    ],
    "sqs": [("RequestThrottled", 400), ("ServiceUnavailable", 503), ("InternalError", 500)],
    "s3": [("SlowDown", 503), ("InternalError", 500)],
    "ssm": [("ThrottlingException", 400), ("InternalServerError", 500)],
}
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SDK_ATTEMPTS = 3  # notify_core.adapters.aws.SDK_CONFIG (standard mode); PynamoDB's own default makes 4
DOCUMENT = b"%PDF-1.4 storm receipt"


class SimulatedLambdaTimeout(Exception):
    """The invocation died here (Lambda's timeout): nothing after this point ran, the batch comes back whole."""


@dataclass(frozen=True)
class StormPlan:
    events: int = 20
    emails: int = 40
    phones: int = 30
    endpoints: int = 30
    fault_rate: float = 0.3
    timeout_rate: float = 0.03  # sender invocations killed between the provider's answers and the outcome write
    attachment_every: int = 4
    # Events published before the runtime is let drain: moto's SQS slows down with every message left in a queue.
    wave: int = 4
    webhook_timeout_s: float = 0.25  # a receiver "timeout" answers after timeout_delay_s
    timeout_delay_s: float = 0.6

    @property
    def deliveries(self) -> int:
        return self.events * (self.emails + self.phones + self.endpoints)


@dataclass
class Faults:
    """What was injected, by ``"<service>:<Operation>"`` (attempts) and what reached the platform's code."""

    attempts: Counter = field(default_factory=Counter)  # failed attempts, SDK retries included
    surfaced: Counter = field(default_factory=Counter)  # calls whose every attempt failed: our code saw an error
    applied_then_lost: int = 0  # write attempts DynamoDB applied whose answer never came back
    lambda_timeouts: int = 0
    poller_deletes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class StormReport:
    plan: StormPlan
    statuses: Counter
    faults: Faults
    retried: int  # deliveries that needed more than one attempt
    webhook_repeats: int  # accepted receipts of a webhook-id already accepted (on endpoints that drop them)
    unresolved: list[tuple[str, str, str, str]]  # (delivery_id, channel, status, reason) of unknown and dead ones
    aws_calls: Counter
    elapsed_s: float
    violations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        f = self.faults
        return (
            f"{sum(self.statuses.values())} deliveries: {dict(self.statuses)}; faults injected: "
            f"{sum(f.attempts.values())} failed attempts on {len({k.split(':')[0] for k in f.attempts})} services "
            f"({sum(f.surfaced.values())} reached our code), {f.applied_then_lost} applied writes with lost answers, "
            f"{f.lambda_timeouts} Lambda timeouts, {f.poller_deletes} failed poller deletes; {self.retried} retried; "
            f"webhook repeats dropped by webhook-id: {self.webhook_repeats}; violations: {len(self.violations)}"
        )


def storm_settings(plan: StormPlan, receiver_url: str) -> dict[str, Any]:
    return {
        "org_id": ORG,
        "name": "Storm Ltd",
        "email_from": "notifications@storm.example",
        "contacts": [
            *(
                {"id": f"e{i}", "name": f"E{i}", "emails": [{"address": f"e{i}@storm.example"}]}
                for i in range(plan.emails)
            ),
            *({"id": f"p{i}", "name": f"P{i}", "phones": [{"number": f"+4851234{i:04d}"}]} for i in range(plan.phones)),
        ],
        "webhook_endpoints": [
            {"id": f"w{i}", "url": f"{receiver_url}/faults/w{i}", "retry_unanswered": i % 2 == 0}
            for i in range(plan.endpoints)
        ],
        "subscriptions": [
            {
                "group": "payment.paid_or_reversed",
                "channels": {
                    "email": [f"e{i}" for i in range(plan.emails)],
                    "sms": [f"p{i}" for i in range(plan.phones)],
                    "webhook": [f"w{i}" for i in range(plan.endpoints)],
                },
            }
        ],
    }


def _client_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


@contextlib.contextmanager
def provider_faults(
    rt: Any, service: str, operation: str, rate: float, rng: random.Random, faults: Faults
) -> Iterator[None]:
    def maybe_fail(call: Any, params: Any, function: str) -> Any:
        if rng.random() < rate:
            code, status = rng.choice(PROVIDER_FAULTS)
            with faults.lock:
                faults.attempts[f"{service}:{operation}"] += 1
                faults.surfaced[f"{service}:{operation}"] += 1
            raise _client_error(code, status, operation)
        return call(params)

    undo = rt.around_aws_call(service, operation, maybe_fail)
    try:
        yield
    finally:
        undo()


@contextlib.contextmanager
def dependency_faults(rt: Any, rate: float, rng: random.Random, faults: Faults) -> Iterator[None]:
    """Every call of every dependency: each SDK attempt fails with ``rate``; the call fails when all of them did."""

    def maybe_fail(call: Any, params: Any, function: str) -> Any:
        key = aws_calls.current_call()
        service, operation = key.split(":")
        for _ in range(SDK_ATTEMPTS):
            if rng.random() >= rate:
                return call(params)  # this attempt got through (the failed ones before it were retried by the SDK)
            code, status = rng.choice(DEPENDENCY_FAULTS[service])
            with faults.lock:
                faults.attempts[key] += 1
            if service == "dynamodb" and operation in DYNAMODB_WRITES and rng.random() < 0.5:
                with contextlib.suppress(Exception):
                    call(params)  # applied, but its answer was lost: the retry meets what it wrote
                with faults.lock:
                    faults.applied_then_lost += 1
        with faults.lock:
            faults.surfaced[key] += 1
        raise _client_error(code, status, operation)

    undoes = [rt.around_aws_call(service, "*", maybe_fail) for service in DEPENDENCY_FAULTS]
    try:
        yield
    finally:
        for undo in undoes:
            undo()


@contextlib.contextmanager
def lambda_timeouts(rt: Any, rate: float, rng: random.Random, faults: Faults) -> Iterator[None]:
    """A sender's outcome write (its one BatchWriteItem, after every provider call of the batch) never starts."""

    def maybe_die(call: Any, params: Any, function: str) -> Any:
        if function.startswith("send_") and rng.random() < rate:
            with faults.lock:
                faults.lambda_timeouts += 1
            raise SimulatedLambdaTimeout(f"{function} timed out before writing its outcomes")
        return call(params)

    undo = rt.around_aws_call("dynamodb", "BatchWriteItem", maybe_die)
    try:
        yield
    finally:
        undo()


@contextlib.contextmanager
def accepted_by_providers(rt: Any) -> Iterator[dict[str, Counter]]:
    """What SES and SNS accepted, by delivery id (registered first: outermost, it sees only calls that succeeded)."""
    accepted: dict[str, Counter] = {"email": Counter(), "sms": Counter()}
    lock = threading.Lock()

    def ses(call: Any, params: Any, function: str) -> Any:
        response = call(params)
        tags = {t["Name"]: t["Value"] for t in params.get("EmailTags", [])}
        with lock:
            accepted["email"][tags.get("delivery_id", "?")] += 1
        return response

    def sns(call: Any, params: Any, function: str) -> Any:
        response = call(params)
        event = re.search(r"account (storm-\d+)", params.get("Message", ""))
        with lock:
            accepted["sms"][
                delivery_id(ORG, event.group(1), "sms", params.get("PhoneNumber", "")) if event else "?"
            ] += 1
        return response

    undoes = [rt.around_aws_call("sesv2", "SendEmail", ses), rt.around_aws_call("sns", "Publish", sns)]
    try:
        yield accepted
    finally:
        for undo in undoes:
            undo()


def _event(plan: StormPlan, n: int) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "org_id": ORG,
        "event_id": f"storm-{n}",
        "occurred_at": recent(),
        "subject": {"type": "payment", "id": f"pay-{n}"},
        # The account names the event in the SMS text: how SNS's accepted messages are told apart.
        "data": {"amount": f"{100 + n}.00", "currency": "EUR", "payment_id": f"pay-{n}", "account": f"storm-{n}"},
    }
    if plan.attachment_every and n % plan.attachment_every == 0:
        detail["attachments"] = [
            {"key": f"{ORG}/receipts/storm-{n}.pdf", "filename": f"receipt-{n}.pdf", "content_type": "application/pdf"}
        ]
    return detail


def run_storm(
    rt: Any, plan: StormPlan = StormPlan(), *, drain_timeout_s: float = 1800, progress: bool = False
) -> StormReport:
    """Publish ``plan.events`` payment.paid events to an org of plan-sized audiences under faults; account.

    ``progress``: a line on stderr per wave published and every 30 s of draining (a long storm is not silent)."""
    receiver = rt.receiver
    applied = rt.apply_settings(storm_settings(plan, receiver.url))
    for endpoint_id, secret in applied.generated_secrets.items():
        receiver.expect_secret(f"/faults/{endpoint_id}", secret)
    receiver.inject_faults("/faults/", plan.fault_rate, seed=7, timeout_delay_s=plan.timeout_delay_s)
    s3 = boto3.client("s3")
    for n in range(0, plan.events, plan.attachment_every or plan.events + 1):
        s3.put_object(Bucket=rt.bucket_names["attachments"], Key=f"{ORG}/receipts/storm-{n}.pdf", Body=DOCUMENT)
    rt.aws_calls.clear()
    faults = Faults()
    poller_rng = random.Random(17)

    def poller_delete_fails(function: str) -> bool:
        if poller_rng.random() < plan.fault_rate:
            faults.poller_deletes += 1
            return True
        return False

    started = time.monotonic()
    undo_poller = rt.fail_poller_deletes(poller_delete_fails)
    try:
        with (
            rt.override_env("send_webhook", WEBHOOK_TIMEOUT_S=str(plan.webhook_timeout_s)),
            accepted_by_providers(rt) as accepted,
            provider_faults(rt, "sesv2", "SendEmail", plan.fault_rate, random.Random(11), faults),
            provider_faults(rt, "sns", "Publish", plan.fault_rate, random.Random(13), faults),
            dependency_faults(rt, plan.fault_rate, random.Random(19), faults),
            lambda_timeouts(rt, plan.timeout_rate, random.Random(23), faults),
        ):
            for n in range(plan.events):
                put_event(rt, "payment.paid", _event(plan, n))
                if n % plan.wave == plan.wave - 1:
                    rt.wait_idle(timeout_s=drain_timeout_s, progress=progress, every_s=30)
                    if progress:
                        done = (n + 1) * plan.deliveries // plan.events
                        print(
                            f"  {n + 1}/{plan.events} events published and drained (~{done:,} deliveries) "
                            f"in {time.monotonic() - started:.0f} s",
                            file=sys.stderr,
                            flush=True,
                        )
            rt.wait_idle(timeout_s=drain_timeout_s, progress=progress, every_s=30)
    finally:
        undo_poller()
    elapsed = time.monotonic() - started
    calls = Counter(rt.aws_calls)
    # Invocations the faults made fail are the point of the storm, not crashes: the account below judges them.
    crashes = [e for e in rt.errors if "injected" not in e and "timed out before writing" not in e]
    rt.errors.clear()
    report = account(rt.outbox(), plan, faults, accepted, calls, elapsed)
    report.violations += [f"handler crashed on something not injected: {e}" for e in crashes[:20]]
    return report


def account(  # noqa: C901 - one check per way a delivery can go wrong, listed as the violations they are
    out: Any,
    plan: StormPlan,
    faults: Faults,
    accepted: dict[str, Counter],
    calls: Counter,
    elapsed_s: float,
) -> StormReport:
    """Every delivery sent exactly once, or ``unknown`` / ``dead`` with its reason; anything else is a violation."""
    deliveries = [d for d in out.deliveries if d["org_id"] == ORG]
    by_id = {d["delivery_id"]: d for d in deliveries}
    statuses = Counter(d["status"] for d in deliveries)
    v: list[str] = []
    if len(by_id) != plan.deliveries:
        v.append(f"{len(by_id)} deliveries logged, {plan.deliveries} expected (lost at routing)")
    if out.quarantined:
        v.append(f"{len(out.quarantined)} valid events quarantined")
    if not set(statuses) <= {"sent", "dead", "unknown"}:
        v.append(f"deliveries left in between: {statuses}")  # neither sent, nor settled with a reason = lost
    # What each receiver accepted (a 2xx, in time or too late for the sender), by webhook-id.
    hooks = Counter(w.headers["webhook-id"] for w in out.webhooks if 200 <= w.status < 300)
    if unverified := sum(1 for w in out.webhooks if not w.verified):
        v.append(f"{unverified} webhook receipts failed signature verification")
    dedup_endpoints = {f"w{i}" for i in range(plan.endpoints) if i % 2 == 0}
    repeats = 0
    for d in deliveries:
        i, channel, status = d["delivery_id"], d["channel"], d["status"]
        outcomes = [a["outcome"] for a in d["attempts"]]
        times = hooks[i] if channel == "webhook" else accepted[channel][i]
        drops_repeats = channel == "webhook" and d.get("endpoint_id") in dedup_endpoints
        if times > 1 and drops_repeats:
            repeats += times - 1
        elif times > 1:
            v.append(f"{i} ({channel}): accepted {times} times")
        if status == "sent" and (times < 1 or outcomes.count("sent") != 1 or outcomes[-1] != "sent"):
            v.append(f"{i} ({channel}): sent, accepted {times} times, attempts {outcomes}")
        if status == "dead" and times:
            v.append(f"{i} ({channel}): dead, yet its provider accepted it {times} times")
        if status in ("dead", "unknown") and (
            not d.get("error_code") or json.loads(d.get("payload") or "{}").get("delivery_id") != i
        ):
            v.append(f"{i} ({channel}): {status} without its reason or its message for a replay")
    strays = (set(hooks) | set(accepted["email"]) | set(accepted["sms"])) - set(by_id)
    if strays:
        v.append(f"{len(strays)} provider receipts of deliveries the log does not know")
    unresolved = sorted(
        (d["delivery_id"], d["channel"], d["status"], f"{d.get('error_code')}: {d.get('error_detail') or ''}"[:120])
        for d in deliveries
        if d["status"] in ("dead", "unknown")
    )
    return StormReport(
        plan=plan,
        statuses=statuses,
        faults=faults,
        retried=sum(1 for d in deliveries if d["attempt_count"] > 1),
        webhook_repeats=repeats,
        unresolved=unresolved,
        aws_calls=calls,
        elapsed_s=elapsed_s,
        violations=v,
    )
