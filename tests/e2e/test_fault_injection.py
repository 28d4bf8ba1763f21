"""2,000 deliveries with ~30% provider faults: each is delivered exactly once or dead-lettered with its reason.

Faults: SES and SNS answer throttling / 5xx errors on a seeded 30% of calls (injected on the real boto3
clients through botocore's event hooks); webhook receivers answer 500/502/503/429 or too late (a timeout)
on a seeded 30% of calls. Retries are immediate on the local runtime, so the whole storm plays out in a
few minutes. (A larger run belongs in a benchmark script.)
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from notify_core import clients
from notify_core.config import get_config
from tests.conftest import put_event

# Its own xdist group: the storm runs on one worker while the rest of the suite runs on the other.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("storm")]

EVENTS, EMAILS, PHONES, ENDPOINTS = 20, 40, 30, 30  # 20 x (40 + 30 + 30) = 2,000 deliveries
FAULT_RATE = 0.3
PROVIDER_FAULTS = [("Throttling", 400), ("ServiceUnavailable", 503), ("InternalFailure", 500)]


def settings(receiver_url: str) -> dict:
    return {
        "org_id": "storm",
        "name": "Storm Ltd",
        "email_from": "notifications@storm.example",
        "contacts": [
            *({"id": f"e{i}", "name": f"E{i}", "emails": [{"address": f"e{i}@storm.example"}]} for i in range(EMAILS)),
            *({"id": f"p{i}", "name": f"P{i}", "phones": [{"number": f"+4851234{i:04d}"}]} for i in range(PHONES)),
        ],
        "webhook_endpoints": [{"id": f"w{i}", "url": f"{receiver_url}/faults/w{i}"} for i in range(ENDPOINTS)],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {
            "email": [f"e{i}" for i in range(EMAILS)], "sms": [f"p{i}" for i in range(PHONES)],
            "webhook": [f"w{i}" for i in range(ENDPOINTS)]}}],
    }


def inject_provider_faults(service: str, operation: str, rng: random.Random) -> Counter:
    injected: Counter = Counter()

    def maybe_fail(**_kwargs):
        if rng.random() < FAULT_RATE:
            code, status = rng.choice(PROVIDER_FAULTS)
            injected[code] += 1
            raise ClientError({"Error": {"Code": code, "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, operation)

    clients.client(service).meta.events.register(f"before-call.{service}.{operation}", maybe_fail)
    return injected


def test_every_delivery_is_sent_exactly_once_or_dead_with_its_reason(notify_runtime, monkeypatch):
    rt = notify_runtime
    receiver = rt.receiver
    monkeypatch.setenv("WEBHOOK_TIMEOUT_S", "0.25")
    get_config.cache_clear()
    try:
        applied = rt.apply_settings(settings(receiver.url))
        for endpoint_id, secret in applied.generated_secrets.items():
            receiver.expect_secret(f"/faults/{endpoint_id}", secret)
        receiver.inject_faults("/faults/", FAULT_RATE, seed=7, timeout_delay_s=0.6)
        ses_faults = inject_provider_faults("sesv2", "SendEmail", random.Random(11))
        sns_faults = inject_provider_faults("sns", "Publish", random.Random(13))
        for n in range(EVENTS):
            # A distinct amount per event makes every (recipient, event) message recognisable in moto's stores.
            put_event(rt, "payment.paid", {
                "org_id": "storm", "event_id": f"storm-{n}", "occurred_at": "2026-11-23T10:00:00Z",
                "subject": {"type": "payment", "id": f"pay-{n}"},
                "data": {"amount": f"{100 + n}.00", "currency": "EUR", "payment_id": f"pay-{n}"}})
            if n % 4 == 3:
                # In waves of 400 deliveries: moto's SQS slows down with every message left in a queue.
                rt.wait_idle(timeout_s=600)
        rt.wait_idle(timeout_s=600)
    finally:
        monkeypatch.undo()
        get_config.cache_clear()

    out = rt.outbox()
    deliveries = out.deliveries
    assert len(deliveries) == EVENTS * (EMAILS + PHONES + ENDPOINTS) == 2000
    statuses = Counter(d["status"] for d in deliveries)
    assert set(statuses) <= {"sent", "dead"}, statuses  # nothing lost in between
    # faults really happened, and were retried
    assert sum(ses_faults.values()) > 100 and sum(sns_faults.values()) > 100
    assert sum(1 for d in deliveries if d["attempt_count"] > 1) > 400

    sent = {d["delivery_id"]: d for d in deliveries if d["status"] == "sent"}
    for d in deliveries:
        outcomes = [a["outcome"] for a in d["attempts"]]
        if d["status"] == "sent":
            assert outcomes.count("sent") == 1 and outcomes[-1] == "sent", d
        else:  # dead: every attempt failed, the last error is kept, the message is kept for replay
            assert "sent" not in outcomes and d["error_code"] and json.loads(d["payload"])["delivery_id"]

    # Exactly once at the providers: no (recipient, message) twice, and one per sent delivery.
    emails = Counter((tuple(e.to), e.subject) for e in out.emails)
    assert max(emails.values()) == 1 and len(emails) == sum(1 for d in sent.values() if d["channel"] == "email")
    texts = Counter((s.to, s.text) for s in out.sms)
    assert max(texts.values()) == 1 and len(texts) == sum(1 for d in sent.values() if d["channel"] == "sms")
    # Webhooks are at-least-once by nature: an answer the sender did not see in time (a timeout) makes it try
    # again, so a receiver can get the same delivery twice. Standard Webhooks gives it the means to drop the
    # repeat: webhook-id is the delivery id on every attempt. So: every 2xx receipt belongs to a delivery the
    # platform recorded as sent, every sent webhook delivery reached its receiver, and the platform itself
    # recorded exactly one success per delivery (checked above).
    webhook_sent = {i for i, d in sent.items() if d["channel"] == "webhook"}
    answered = Counter(w.headers["webhook-id"] for w in out.webhooks if w.status == 200)
    assert set(answered) - webhook_sent <= {i for i, d in {d["delivery_id"]: d for d in deliveries}.items()
                                            if d["status"] == "dead"}  # a dead one may have been late-answered
    assert webhook_sent <= set(answered)
    assert all(w.verified for w in out.webhooks)
    repeats = sum(n - 1 for n in answered.values())
    print(f"\n{len(deliveries)} deliveries: {statuses}; SES faults {dict(ses_faults)}, SNS faults {dict(sns_faults)}; "
          f"webhook receipts a receiver would drop by webhook-id: {repeats}")
