"""A fault storm on the local runtime: many deliveries, ~30% provider faults, then an account of every one.

Faults: SES and SNS answer throttling / 5xx errors on a seeded share of calls (injected where every botocore
call of the handlers passes: ``LocalRuntime.around_aws_call``); webhook receivers answer 500/502/503/429 or too late (a
timeout) on the same share. Retries are immediate on the local runtime, so a storm plays out in minutes.

Used by ``tests/e2e/test_fault_injection.py`` (2,000 deliveries, asserts) and ``scripts/bench_storm.py``
(10,000 by default, prints). The account is a list of violations rather than asserts so both can use it.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from tests.conftest import put_event, recent

PROVIDER_FAULTS = [("Throttling", 400), ("ServiceUnavailable", 503), ("InternalFailure", 500)]


@dataclass(frozen=True)
class StormPlan:
    events: int = 20
    emails: int = 40
    phones: int = 30
    endpoints: int = 30
    fault_rate: float = 0.3
    # Events published before the runtime is let drain: moto's SQS slows down with every message left in a queue.
    wave: int = 4
    webhook_timeout_s: float = 0.25  # a receiver "timeout" answers after timeout_delay_s
    timeout_delay_s: float = 0.6

    @property
    def deliveries(self) -> int:
        return self.events * (self.emails + self.phones + self.endpoints)


@dataclass
class StormReport:
    plan: StormPlan
    statuses: Counter
    ses_faults: Counter
    sns_faults: Counter
    retried: int  # deliveries that needed more than one attempt
    webhook_repeats: int  # 2xx receipts of a webhook-id already answered (a receiver drops them)
    aws_calls: Counter
    elapsed_s: float
    violations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{sum(self.statuses.values())} deliveries: {dict(self.statuses)}; "
            f"SES faults {dict(self.ses_faults)}, SNS faults {dict(self.sns_faults)}; "
            f"{self.retried} retried; webhook receipts a receiver would drop by webhook-id: "
            f"{self.webhook_repeats}; violations: {len(self.violations)}"
        )


def storm_settings(plan: StormPlan, receiver_url: str) -> dict[str, Any]:
    return {
        "org_id": "storm",
        "name": "Storm Ltd",
        "email_from": "notifications@storm.example",
        "contacts": [
            *(
                {"id": f"e{i}", "name": f"E{i}", "emails": [{"address": f"e{i}@storm.example"}]}
                for i in range(plan.emails)
            ),
            *({"id": f"p{i}", "name": f"P{i}", "phones": [{"number": f"+4851234{i:04d}"}]} for i in range(plan.phones)),
        ],
        "webhook_endpoints": [{"id": f"w{i}", "url": f"{receiver_url}/faults/w{i}"} for i in range(plan.endpoints)],
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


@contextlib.contextmanager
def provider_faults(rt: Any, service: str, operation: str, rate: float, rng: random.Random) -> Iterator[Counter]:
    injected: Counter = Counter()

    def maybe_fail(call: Any, params: Any, function: str) -> Any:
        if rng.random() < rate:
            code, status = rng.choice(PROVIDER_FAULTS)
            injected[code] += 1
            raise ClientError(
                {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                operation,
            )
        return call(params)

    undo = rt.around_aws_call(service, operation, maybe_fail)
    try:
        yield injected
    finally:
        undo()


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
    rt.aws_calls.clear()
    started = time.monotonic()
    with (
        rt.override_env("send_webhook", WEBHOOK_TIMEOUT_S=str(plan.webhook_timeout_s)),
        provider_faults(rt, "sesv2", "SendEmail", plan.fault_rate, random.Random(11)) as ses_faults,
        provider_faults(rt, "sns", "Publish", plan.fault_rate, random.Random(13)) as sns_faults,
    ):
        for n in range(plan.events):
            # A distinct amount per event makes every (recipient, event) message recognisable in moto's stores.
            put_event(
                rt,
                "payment.paid",
                {
                    "org_id": "storm",
                    "event_id": f"storm-{n}",
                    "occurred_at": recent(minutes_ago=1),
                    "subject": {"type": "payment", "id": f"pay-{n}"},
                    "data": {"amount": f"{100 + n}.00", "currency": "EUR", "payment_id": f"pay-{n}"},
                },
            )
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
    elapsed = time.monotonic() - started
    calls = Counter(rt.aws_calls)
    return account(rt.outbox(), plan, ses_faults, sns_faults, calls, elapsed)


def account(  # noqa: C901 - one check per way a delivery can go wrong, listed as the violations they are
    out: Any, plan: StormPlan, ses_faults: Counter, sns_faults: Counter, calls: Counter, elapsed_s: float
) -> StormReport:
    """Every delivery delivered exactly once or dead with its reason; anything else is a violation."""
    deliveries = out.deliveries
    by_id = {d["delivery_id"]: d for d in deliveries}
    statuses = Counter(d["status"] for d in deliveries)
    v: list[str] = []
    if len(deliveries) != plan.deliveries:
        v.append(f"{len(deliveries)} deliveries logged, {plan.deliveries} expected (lost at routing)")
    if not set(statuses) <= {"sent", "dead"}:
        v.append(f"deliveries left in between: {statuses}")  # neither delivered nor dead = lost
    for d in deliveries:
        outcomes = [a["outcome"] for a in d["attempts"]]
        if d["status"] == "sent" and not (outcomes.count("sent") == 1 and outcomes[-1] == "sent"):
            v.append(f"{d['delivery_id']}: sent, attempts {outcomes}")
        if d["status"] == "dead" and (
            "sent" in outcomes or not d.get("error_code") or json.loads(d["payload"])["delivery_id"] != d["delivery_id"]
        ):
            # dead: every attempt failed, the last error is kept, the message is kept for replay
            v.append(f"{d['delivery_id']}: dead without its reason or message, attempts {outcomes}")
    sent = {i for i, d in by_id.items() if d["status"] == "sent"}
    dead = {i for i, d in by_id.items() if d["status"] == "dead"}

    def sent_on(channel: str) -> int:
        return sum(1 for i in sent if by_id[i]["channel"] == channel)

    # Exactly once at the providers: no (recipient, message) twice, and one per sent delivery.
    emails = Counter((tuple(e.to), e.subject) for e in out.emails)
    if emails and max(emails.values()) > 1:
        v.append(f"{sum(n - 1 for n in emails.values())} emails sent twice")
    if len(emails) != sent_on("email"):
        v.append(f"{len(emails)} distinct emails at SES, {sent_on('email')} logged as sent")
    texts = Counter((s.to, s.text) for s in out.sms)
    if texts and max(texts.values()) > 1:
        v.append(f"{sum(n - 1 for n in texts.values())} SMS sent twice")
    if len(texts) != sent_on("sms"):
        v.append(f"{len(texts)} distinct SMS at SNS, {sent_on('sms')} logged as sent")
    # Webhooks are at-least-once by nature: an answer the sender did not see in time (a timeout) makes it try
    # again, so a receiver can get the same delivery twice. Standard Webhooks gives it the means to drop the
    # repeat: webhook-id is the delivery id on every attempt. So: every 2xx receipt belongs to a delivery the
    # platform recorded as sent (or dead, answered too late), every sent webhook delivery reached its receiver,
    # and the platform itself recorded exactly one success per delivery (checked above).
    webhook_sent = {i for i in sent if by_id[i]["channel"] == "webhook"}
    answered = Counter(w.headers["webhook-id"] for w in out.webhooks if w.status == 200)
    if stray := set(answered) - webhook_sent - dead:
        v.append(f"{len(stray)} webhook receipts of deliveries the log doesn't know as sent")
    if missing := webhook_sent - set(answered):
        v.append(f"{len(missing)} webhooks logged as sent that no receiver answered")
    if unverified := sum(1 for w in out.webhooks if not w.verified):
        v.append(f"{unverified} webhook receipts failed signature verification")
    return StormReport(
        plan=plan,
        statuses=statuses,
        ses_faults=ses_faults,
        sns_faults=sns_faults,
        retried=sum(1 for d in deliveries if d["attempt_count"] > 1),
        webhook_repeats=sum(n - 1 for n in answered.values()),
        aws_calls=calls,
        elapsed_s=elapsed_s,
        violations=v,
    )
