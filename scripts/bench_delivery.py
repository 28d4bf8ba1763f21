"""What a delivery costs: AWS calls, write units and dollars per million, measured on the embedded local runtime.

Scenarios (each handler played by hand in batches of up to 10, as Lambda's SQS event source mapping hands them):

- one ``invoice.overdue`` to 1, 100 and 1,000 members (email + in-app): AWS calls per delivered email;
- the small-event mix: ``BENCH_EVENTS`` (100) ``payment.paid`` events, each 1 email + 1 SMS + 1 signed webhook:
  AWS calls per delivered notification;
- write and read units per delivery, by table, from the items written (``scripts/metering.py``);
- dollars per million deliveries by channel, from ``scripts/prices.py`` (dated), next to the floor.

Counting: every call a handler makes (``LocalRuntime.aws_calls``), plus Lambda's SQS poller estimated as one
ReceiveMessage and one DeleteMessageBatch per batch (empty long polls are a fixed cost per queue, not per delivery).
The Lambda duration is a model: the handler's measured CPU time plus each AWS call at a typical in-region latency
(``LATENCY_MS``, stated below) and each webhook at a 100 ms receiver; moto's own latency is not AWS's and is not used.

Run: ``make bench`` (with the other benchmarks) or ``make cost`` (this one).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import prices
from metering import Meter, Metering, moto_sqs_without_quadratic_counts

from tests.conftest import hutki_settings, make_detail, recent

EVENTS = int(os.environ.get("BENCH_EVENTS", "100"))
FANOUT = [int(n) for n in os.environ.get("BENCH_FANOUT", "1,100,1000").split(",")]
# Typical in-region latencies (ms) of the calls the handlers make: a model input, stated, not measured here.
LATENCY_MS = {"dynamodb": 6, "sqs": 10, "sesv2": 40, "sns": 30, "s3": 15, "ssm": 8, "events": 15}
WEBHOOK_MS = 100
SENDERS = {"email": "send_email", "sms": "send_sms", "webhook": "send_webhook", "chat": "send_chat"}
QUEUE_OF = {"router": "events", **{fn: q for q, fn in SENDERS.items()}}


@dataclass
class Run:
    label: str
    meter: Meter
    delivered: Counter  # channel -> deliveries sent
    events: int
    webhooks: int = 0
    notes: list[str] = field(default_factory=list)

    def poller_calls(self) -> int:
        return 2 * sum(self.meter.invocations.values())

    def calls(self, functions: set[str] | None = None) -> int:
        return sum(n for (fn, _), n in self.meter.calls.items() if functions is None or fn in functions)


def drain(rt: Any, metering: Metering, fn: str) -> int:
    import boto3

    sqs, queue, records = boto3.client("sqs"), QUEUE_OF[fn], 0
    while True:
        batch = rt.take_batch(queue)
        if not batch["Records"]:
            return records
        result = metering.invoke(fn, batch)
        assert not result.get("batchItemFailures"), result
        records += len(batch["Records"])
        sqs.delete_message_batch(
            QueueUrl=rt.queue_urls[queue],
            Entries=[{"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(batch["Records"])],
        )


def play(rt: Any, sink: io.StringIO, label: str, publish: Any, events: int) -> Run:
    """Publish with the driver paused, then play router and senders batch by batch, metered."""
    metering = Metering(rt, sink)
    try:
        with rt.paused(), moto_sqs_without_quadratic_counts():
            publish()
            rt.aws_calls.clear()
            drain(rt, metering, "router")
            for fn in SENDERS.values():
                drain(rt, metering, fn)
    finally:
        metering.close()
    sent = Counter(d["channel"] for d in rt.outbox().deliveries if d["status"] == "sent")
    return Run(label, metering.meter, sent, events, webhooks=len(rt.receiver.received()) if rt.receiver else 0)


def member_org(org: str, members: int) -> dict[str, Any]:
    return {
        "org_id": org,
        "name": f"Org with {members} members",
        "email_from": f"notifications@{org}.example",
        "members": [
            {
                "user_id": f"u{i}",
                "name": f"User {i}",
                "email": f"user{i}@{org}.example",
                "permissions": ["invoices:edit"],
            }
            for i in range(members)
        ],
    }


def overdue(org: str, n: int = 0) -> dict[str, Any]:
    return {
        "org_id": org,
        "event_id": f"overdue-{org}-{n}",
        "occurred_at": recent(minutes_ago=5),
        "subject": {"type": "invoice", "id": f"inv-{n}"},
        "data": {
            "invoice_number": f"INV-{n}",
            "due_date": "2026-11-01",
            "amount": "100.00",
            "currency": "EUR",
            "days_overdue": 22,
            "client_name": "Acme",
        },
    }


# ------------------------------------------------------------------------------------------------ cost model
def lambda_seconds(run: Run, fn: str) -> float:
    m = run.meter
    wait_ms = sum(n * LATENCY_MS.get(op.split(":")[0], 10) for (f, op), n in m.calls.items() if f == fn)
    if fn == "send_webhook":
        wait_ms += WEBHOOK_MS * run.webhooks
    return m.cpu_s[fn] + wait_ms / 1000


def dollars(run: Run, functions: set[str]) -> dict[str, float]:
    """What ``functions`` cost in ``run``, by AWS service, DynamoDB apart (the poller's SQS calls included)."""
    from notify_infra import wiring

    m = run.meter
    sqs = sum(n for (f, op), n in m.calls.items() if f in functions and op.startswith("sqs:"))
    sqs += 2 * sum(m.invocations[f] for f in functions)
    s3_gets = sum(n for (f, op), n in m.calls.items() if f in functions and op.startswith("s3:"))
    return {
        "sqs": sqs * prices.SQS_FIFO_REQUEST,  # FIFO's price for every call: an upper bound for the events queue
        "lambda": sum(
            m.invocations[f] * prices.LAMBDA_REQUEST
            + lambda_seconds(run, f) * wiring.function(f).memory_mb / 1024 * prices.LAMBDA_GB_SECOND_ARM
            for f in functions
        ),
        "logs": sum(m.log_bytes[f] for f in functions) / 1e9 * prices.LOGS_INGESTED_GB,
        "events": prices.EVENTBRIDGE_EVENT * run.events if "router" in functions else 0.0,
        "s3": s3_gets * prices.S3_GET_REQUEST,  # SSM standard parameters: no charge for standard throughput
    }


def dynamodb_dollars(run: Run, functions: set[str]) -> float:
    m = run.meter
    writes = sum(u for (f, _), u in m.write_units.items() if f in functions)
    reads = sum(u for (f, _), u in m.read_units.items() if f in functions)
    return writes * prices.DYNAMODB_WRITE_UNIT + reads * prices.DYNAMODB_READ_UNIT


def floor_per_delivery(recipients_per_event: float) -> float:
    """What any design that queues each delivery, sends it from a function and logs it once must pay: its share of
    one SendMessageBatch, one ReceiveMessage and one DeleteMessageBatch (10 per call, FIFO price), one write unit
    (a 1 KB log item, no index), a tenth of a Lambda request, and its share of the event's EventBridge publish."""
    return (
        0.3 * prices.SQS_FIFO_REQUEST
        + prices.DYNAMODB_WRITE_UNIT
        + 0.1 * prices.LAMBDA_REQUEST
        + prices.EVENTBRIDGE_EVENT / recipients_per_event
    )


def send_path_floor() -> float:
    """The floor of the send path alone: receive and delete shares, one write unit, a tenth of a Lambda request."""
    return 0.2 * prices.SQS_FIFO_REQUEST + prices.DYNAMODB_WRITE_UNIT + 0.1 * prices.LAMBDA_REQUEST


# ------------------------------------------------------------------------------------------------ printing
def print_calls(run: Run, unit: str, count: int) -> None:
    m = run.meter
    router = run.calls({"router"})
    senders = {fn for fn in SENDERS.values() if m.invocations[fn]}
    sender_calls = run.calls(senders)
    poller = run.poller_calls()
    total = router + sender_calls + poller
    print(
        f"  {run.label:34} {total / count:5.2f} per {unit}   (router {router / count:.2f}, senders "
        f"{sender_calls / count:.2f}, SQS poller ~{poller / count:.2f}; {count:,} {unit}s, "
        f"{sum(m.invocations.values())} invocations)"
    )


def print_units(run: Run, count: int) -> None:
    m = run.meter
    tables = sorted({t for _, t in m.write_units} | {t for _, t in m.read_units})
    for table in tables:
        sizes = m.sizes.get(table, [])
        size = f", items {min(sizes)}-{max(sizes)} B" if sizes else ""
        writes = sum(u for (_, t), u in m.write_units.items() if t == table)
        reads = sum(u for (_, t), u in m.read_units.items() if t == table)
        print(f"    {table:12} {writes / count:5.2f} write units, {reads / count:5.2f} read units per delivery{size}")


def print_costs(mix: Run, feedback: Run | None) -> None:
    deliveries = sum(mix.delivered.values())
    per_million = prices.PER_MILLION
    router = dollars(mix, {"router"})
    router_ddb = dynamodb_dollars(mix, {"router"})
    print(f"\n$ per million delivered notifications (prices of {prices.PRICES_AS_OF}, {prices.REGION}), the small mix")
    print(f"  {'channel':8} {'SQS':>6} {'Lambda':>6} {'DynamoDB':>8} {'logs':>5} {'events':>6} {'total':>6}  floor"
          f"   | send path alone  floor")  # fmt: skip
    recipients = deliveries / mix.events
    for channel, fn in SENDERS.items():
        n = mix.delivered[channel]
        if not n:
            continue
        own = {k: v / n for k, v in dollars(mix, {fn}).items()}
        own_ddb = dynamodb_dollars(mix, {fn}) / n
        row = {k: own[k] + router[k] / deliveries for k in own}
        row["dynamodb"] = own_ddb + router_ddb / deliveries
        total = sum(row.values())
        send_path = sum(own.values()) + own_ddb
        print(
            f"  {channel:8} {row['sqs'] * per_million:6.2f} {row['lambda'] * per_million:6.2f} "
            f"{row['dynamodb'] * per_million:8.2f} {row['logs'] * per_million:5.2f} {row['events'] * per_million:6.2f} "
            f"{total * per_million:6.2f}  {floor_per_delivery(recipients) * per_million:5.2f}"
            f"   | {send_path * per_million:15.2f}  {send_path_floor() * per_million:5.2f}"
        )
    if feedback is not None:
        emails = feedback.meter.records["feedback"]
        fb = sum(dollars(feedback, {"feedback"}).values()) + dynamodb_dollars(feedback, {"feedback"})
        fb += prices.SNS_PUBLISH * emails  # SES publishes each event to the feedback topic
        print(
            f"  feedback, per email with an SES event (bounce, complaint, reject; Delivery only if the deployment "
            f"records it): ${fb / emails * per_million:.2f} per million events"
        )
    print(
        f"  provider's own price apart: SES ${prices.SES_EMAIL * per_million:,.0f}, "
        f"SNS SMS (US) ${prices.SNS_SMS_US * per_million:,.0f} per million"
    )
    print(
        "  model: Lambda time = measured handler CPU + calls x typical latency "
        f"{LATENCY_MS} ms + webhooks x {WEBHOOK_MS} ms; memory from the wiring; arm64. Floor: see floor_per_delivery."
    )


def feedback_run(rt: Any, sink: Any, events: int) -> Run:
    """One SES Delivery event per email sent, handed to the feedback function in batches of 10, metered."""
    from tests.ses_events import delivery_event, sns_envelope

    sent = [d for d in rt.outbox().deliveries if d["channel"] == "email" and d["status"] == "sent"]
    metering = Metering(rt, sink)
    try:
        for start in range(0, len(sent), 10):
            bodies = [
                sns_envelope(delivery_event(d["address"], delivery_id=d["delivery_id"], org_id=d["org_id"]))
                for d in sent[start : start + 10]
            ]
            records = [
                {"messageId": f"fb-{start}-{i}", "receiptHandle": "bench", "body": b, "attributes": {}}
                for i, b in enumerate(bodies)
            ]
            assert not metering.invoke("feedback", {"Records": records}).get("batchItemFailures")
    finally:
        metering.close()
    return Run("feedback", metering.meter, Counter(email=len(sent)), events)


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from notify_local.runtime import LocalRuntime

    sink = io.StringIO()
    with LocalRuntime(port=0, log_level="INFO", handler_output=sink) as rt:
        receiver = rt.start_receiver()
        print("AWS calls per delivered email: one invoice.overdue to N members (email + in-app)")
        for n in FANOUT:
            rt.reset()
            org = f"org{n}"
            rt.apply_settings(member_org(org, n))
            run = play(rt, sink, f"1 -> {n:,}", lambda org=org: rt.publish("invoice.overdue", overdue(org)), 1)
            emails = run.delivered["email"]
            print_calls(run, "email", emails)
        rt.reset()
        rt.apply_settings(member_org("solo", 1))
        run = play(
            rt,
            sink,
            f"{EVENTS} events of 1 -> 1 each",
            lambda: [rt.publish("invoice.overdue", overdue("solo", i)) for i in range(EVENTS)],
            EVENTS,
        )
        print_calls(run, "email", run.delivered["email"])

        rt.reset()
        # Quiet hours stay on, with business hours all day: the daytime path at any hour of the bench (the hold
        # decision is pure; what a held SMS adds at night: scripts/bench_quiet_hours.py).
        rt.apply_settings(hutki_settings(receiver.url) | {"business_hours": {"start": "00:00", "end": "23:59"}})
        receiver.clear()
        mix = play(
            rt,
            sink,
            f"{EVENTS} events x (email+SMS+webhook)",
            lambda: [rt.publish("payment.paid", make_detail(f"bench-{i}")) for i in range(EVENTS)],
            EVENTS,
        )
        deliveries = sum(mix.delivered.values())
        print("\nAWS calls per delivered notification: the small-event mix")
        print_calls(mix, "notification", deliveries)
        for (fn, op), count in sorted(mix.meter.calls.items(), key=lambda kv: -kv[1]):
            print(f"    {fn:13} {op:34} {count / deliveries:5.2f}")
        print("\nwrite and read units per delivered notification, by table (DynamoDB's size rules, items written)")
        print_units(mix, deliveries)
        feedback = feedback_run(rt, sink, EVENTS)
        print_costs(mix, feedback)
        own_templates_run(rt, sink, receiver)
    return 0


OWN_EMAIL = (
    "{% block subject %}Paid {{ data.amount }}{% endblock %}{% block text %}Paid by {{ data.payer_name }}{% endblock %}"
    "{% block html %}<p>Paid by {{ data.payer_name }}</p>{% endblock %}"
)
OWN_SMS = "{% block text %}{{ org.name }}: paid {{ data.amount }} {{ data.currency }}{% endblock %}"


def own_templates_run(rt: Any, sink: io.StringIO, receiver: Any) -> None:
    """The small mix again, the org having its own email and SMS templates for every locale its recipients use: what
    the senders' one extra read per batch costs (orgs without them: the mix above, unchanged)."""
    from notify_core.adapters.dynamodb.settings_table import SettingsTable
    from notify_core.domain.template_overrides import OrgTemplate
    from notify_local.names import physical_name

    rt.reset()
    doc = hutki_settings(receiver.url) | {"business_hours": {"start": "00:00", "end": "23:59"}}  # as the mix above
    rt.apply_settings(doc)
    receiver.clear()
    table = SettingsTable(physical_name("settings"))
    for locale in ("en", "ru"):
        for channel, source in (("email", OWN_EMAIL), ("sms", OWN_SMS)):
            table.put_template(OrgTemplate(doc["org_id"], "payment.paid", channel, locale, source))
    run = play(
        rt,
        sink,
        f"{EVENTS} events x (email+SMS+webhook)",
        lambda: [rt.publish("payment.paid", make_detail(f"own-{i}")) for i in range(EVENTS)],
        EVENTS,
    )
    own = sum(1 for e in rt.outbox().emails if e.subject.startswith("Paid "))
    print(f"\nAWS calls per delivered notification: the same mix, the org's own templates ({own} emails used one)")
    print_calls(run, "notification", sum(run.delivered.values()))
    for fn in ("send_email", "send_sms"):
        reads = run.meter.calls.get((fn, "dynamodb:BatchGetItem"), 0) / max(run.delivered[SENDER_CHANNEL[fn]], 1)
        print(f"    {fn:13} dynamodb:BatchGetItem (log, suppressions, templates) {reads:5.2f} per delivery")


SENDER_CHANNEL = {fn: channel for channel, fn in SENDERS.items()}


if __name__ == "__main__":
    sys.exit(main())
