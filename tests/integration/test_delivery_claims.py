"""The claim protocol on the delivery log (``adapters.dynamodb.claims``), and the unit tests' fake of it: the same
scenarios run against both, so the fake the sender's unit tests rely on cannot drift from DynamoDB's behaviour.

DynamoDB is moto in-process here (``mock_aws``): the protocol's conditions are DynamoDB condition expressions,
evaluated by moto as AWS would.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from notify_core.adapters.dynamodb.claims import DeliveryClaims
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    RETRYING,
    SENDING,
    SENT,
    AlreadyFinal,
    Claimed,
    HeldElsewhere,
    Outcome,
)
from notify_core.domain.errors import TransientDeliveryError
from notify_infra import wiring
from tests.fakes import FakeDeliveryLog

pytestmark = pytest.mark.integration

MESSAGE = {
    "delivery_id": "dlv_claim",
    "org_id": "org-a",
    "event_id": "evt-1",
    "event_type": "payment.paid",
    "channel": "email",
    "address": "anna@org.example",
    "reasons": ["subscription:payment.paid_or_reversed@org"],
}


class Clock:
    def __init__(self) -> None:
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms


class Real:
    """DeliveryClaims + DeliveryLog on a moto table created from the wiring's description."""

    def __init__(self, clock: Clock) -> None:
        from notify_local.provisioning import create_table  # the same table the runtime creates from the wiring

        create_table(boto3.client("dynamodb"), wiring.table("deliveries"))
        self.clock = clock
        self.log = DeliveryLog("notify-deliveries", retention_days=30)
        self.claims = DeliveryClaims(self.log, clock_ms=clock)

    def record(self, delivery_id: str = "dlv_claim"):  # type: ignore[no-untyped-def]
        return self.log.get_any(delivery_id)


class Fake:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.log = FakeDeliveryLog(now_ms=clock)
        self.claims = self.log

    def record(self, delivery_id: str = "dlv_claim"):  # type: ignore[no-untyped-def]
        return self.log.get_any(delivery_id)


@pytest.fixture(params=["dynamodb", "fake"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Real | Fake]:
    clock = Clock()
    if request.param == "fake":
        yield Fake(clock)
        return
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
    ):
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield Real(clock)


def test_a_first_claim_creates_the_delivery_sending_with_attempt_one(store):
    claim = store.claims.claim(MESSAGE, hold_ms=30_000)
    assert claim == Claimed(attempt=1)
    r = store.record()
    assert (r.status, r.attempt_count, r.org_id, r.channel, r.address) == (
        SENDING,
        1,
        "org-a",
        "email",
        MESSAGE["address"],
    )
    assert r.claim_until_ms is not None


def test_a_held_claim_is_refused_until_it_expires_then_taken_over(store):
    store.claims.claim(MESSAGE, hold_ms=30_000)
    assert isinstance(store.claims.claim(MESSAGE, hold_ms=30_000), HeldElsewhere)
    store.clock.ms += 30_001
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == Claimed(attempt=2)


def test_complete_records_sent_with_the_attempt_and_no_one_claims_it_again(store):
    claim = store.claims.claim(MESSAGE, hold_ms=30_000)
    store.claims.complete(MESSAGE, claim, Outcome(SENT, provider_message_id="ses-1"))
    r = store.record()
    assert (r.status, r.provider_message_id, r.claim_until_ms) == (SENT, "ses-1", None)
    assert [(a.number, a.outcome, a.provider_message_id) for a in r.attempts] == [(1, SENT, "ses-1")]
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == AlreadyFinal(SENT)


def test_a_permanent_failure_keeps_the_message_for_replay(store):
    claim = store.claims.claim(MESSAGE, hold_ms=30_000)
    store.claims.complete(MESSAGE, claim, Outcome(FAILED, http_status=410, error_code="http_410", error_detail="gone"))
    r = store.record()
    assert (r.status, r.error_code, r.error_detail) == (FAILED, "http_410", "gone")
    assert r.payload and '"dlv_claim"' in r.payload
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == AlreadyFinal(FAILED)


def test_release_leaves_it_retrying_and_claimable_by_the_redelivery(store):
    claim = store.claims.claim(MESSAGE, hold_ms=30_000)
    store.claims.release(MESSAGE, claim, TransientDeliveryError("provider:Throttling", "slow down", http_status=429))
    r = store.record()
    assert (r.status, r.error_code, r.claim_until_ms) == (RETRYING, "provider:Throttling", None)
    assert [(a.outcome, a.code, a.http_status) for a in r.attempts] == [(RETRYING, "provider:Throttling", 429)]
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == Claimed(attempt=2)


def test_a_feedback_outcome_that_overtook_the_sender_is_kept(store):
    claim = store.claims.claim(MESSAGE, hold_ms=30_000)
    r = store.record()
    assert store.log.record_outcome(r, kind="bounced", code="bounce:Permanent/General", detail="", at=None,
                                    provider_message_id="ses-1")  # fmt: skip
    store.claims.complete(MESSAGE, claim, Outcome(SENT, provider_message_id="ses-1"))
    r = store.record()
    assert r.status == "bounced" and [a.outcome for a in r.attempts] == ["bounced", SENT]


def test_a_dead_delivery_is_claimable_that_is_replay_but_a_sent_one_is_never_marked_dead(store):
    assert store.log.mark_dead(MESSAGE, source_queue="email-dlq").status == DEAD
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == Claimed(attempt=1)
    claim = Claimed(attempt=1)
    store.claims.complete(MESSAGE, claim, Outcome(SENT))
    assert store.log.mark_dead(MESSAGE, source_queue="email-dlq") is None
    assert store.record().status == SENT


def test_skipped_at_routing_is_never_claimed(store):
    store.log.record_at_routing([{**MESSAGE, "status": "skipped", "error_code": "preference:email_off"}])
    assert store.claims.claim(MESSAGE, hold_ms=30_000) == AlreadyFinal("skipped")
