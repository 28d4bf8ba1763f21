"""The delivery log's protocol (``adapters.dynamodb.deliveries_table``), and the unit tests' fake of it: the same
scenarios run against both, so the fake the sender's unit tests rely on cannot drift from DynamoDB's behaviour.

DynamoDB is moto in-process here (``mock_aws``), the table created from the wiring as the stack creates it.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.domain.delivery import (
    DEAD,
    FAILED,
    RETRYING,
    SENT,
    UNKNOWN,
    Outcome,
    OutcomeWrite,
)
from notify_infra import wiring
from tests.fakes import FakeDeliveryLog

pytestmark = pytest.mark.integration

MESSAGE = {
    "delivery_id": "dlv_proto",
    "org_id": "org-a",
    "event_id": "evt-1",
    "event_type": "payment.paid",
    "channel": "sms",
    "address": "+48512345678",
    "reasons": ["subscription:payment.paid_or_reversed@org"],
}


@pytest.fixture(params=["dynamodb", "fake"])
def log(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeliveryLog | FakeDeliveryLog]:
    if request.param == "fake":
        yield FakeDeliveryLog()
        return
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
    ):
        monkeypatch.setenv(name, value)
    with mock_aws():
        from notify_local.provisioning import create_table  # the table the runtime creates from the wiring

        create_table(boto3.client("dynamodb"), wiring.table("deliveries"))
        yield DeliveryLog("notify-deliveries", retention_days=30)


def write(log, outcome: Outcome, *, message_id: str = "m-1", receive: int = 1, message: dict | None = None) -> None:
    message = message or MESSAGE
    previous = log.read_many([message["delivery_id"]]).get(message["delivery_id"])
    log.write_outcomes([OutcomeWrite(message, previous, outcome, message_id, receive)])


def test_a_delivery_has_no_item_until_its_first_outcome_is_written(log):
    assert log.read_many(["dlv_proto"]) == {}
    write(log, Outcome(SENT, provider_message_id="sns-1"))
    [r] = log.read_many(["dlv_proto", "other"]).values()
    assert (r.status, r.attempt_count, r.provider_message_id) == (SENT, 1, "sns-1")
    assert (r.last_message_id, r.last_receive) == ("m-1", 1)
    assert r.payload is None  # nothing to replay


def test_outcomes_accumulate_attempts_and_keep_the_message_only_where_a_person_may_replay(log):
    write(log, Outcome(RETRYING, http_status=503, error_code="http_503", error_detail="HTTP 503"))
    write(log, Outcome(FAILED, http_status=410, error_code="http_410", error_detail="gone"), receive=2)
    r = log.get_any("dlv_proto")
    assert [(a.number, a.outcome, a.code) for a in r.attempts] == [(1, RETRYING, "http_503"), (2, FAILED, "http_410")]
    assert (r.status, r.error_detail, r.last_receive) == (FAILED, "gone", 2) and '"dlv_proto"' in r.payload


def test_an_sms_is_found_by_its_sns_message_id_once_sent(log):
    write(log, Outcome(SENT, provider_message_id="sns-42"))
    assert log.find_by_provider_message("sns-42", "sms").delivery_id == "dlv_proto"
    assert log.find_by_provider_message("sns-42", "email") is None
    assert log.find_by_provider_message("nope", "sms") is None


def test_a_report_waits_for_the_senders_outcome_then_ranks(log):
    write(log, Outcome(RETRYING, error_code="x"))
    r = log.get_any("dlv_proto")
    assert log.record_outcome(r, kind="delivered", code="c", detail="", at=None, provider_message_id=None) == "not_yet"
    write(log, Outcome(SENT, provider_message_id="sns-1"), receive=2)
    r = log.get_any("dlv_proto")
    assert log.record_outcome(r, kind="failed", code="carrier_failure", detail="unreachable", at=None,
                              provider_message_id="sns-1") == "applied"  # fmt: skip
    r = log.get_any("dlv_proto")
    assert r.status == FAILED and r.error_code == "carrier_failure"
    # A later, weaker report never downgrades it.
    assert log.record_outcome(r, kind="delivered", code="c", detail="", at=None, provider_message_id=None) == (
        "out_of_order"
    )
    assert log.get_any("dlv_proto").status == FAILED


def test_an_unknown_delivery_can_be_resolved_by_the_providers_report(log):
    write(log, Outcome(UNKNOWN, error_code="provider_no_answer"))
    r = log.get_any("dlv_proto")
    assert log.record_outcome(r, kind="delivered", code="c", detail="", at=None, provider_message_id=None) == "applied"
    assert log.get_any("dlv_proto").status == "delivered"


def test_a_dead_letter_is_settled_unknown_unless_the_delivery_is_final(log):
    settled = log.settle_dead_letter(MESSAGE, source_queue="notify-sms-dlq.fifo")
    assert settled.status == UNKNOWN and settled.payload
    assert log.settle_dead_letter(MESSAGE, source_queue="q") is None  # unknown is final
    other = {**MESSAGE, "delivery_id": "dlv_sent"}
    write(log, Outcome(SENT), message=other)
    assert log.settle_dead_letter(other, source_queue="q") is None
    assert log.get_any("dlv_sent").status == SENT


def test_replay_reopens_dead_failed_and_unknown_only(log):
    write(log, Outcome(DEAD, error_code="http_503"))
    r = log.get_any("dlv_proto")
    assert log.reopen_for_replay(r) is True
    r = log.get_any("dlv_proto")
    assert (r.status, r.replay_count, r.last_message_id) == (RETRYING, 1, None)
    assert log.reopen_for_replay(r) is False  # already being replayed
    write(log, Outcome(SENT), message_id="m-replay")
    assert log.reopen_for_replay(log.get_any("dlv_proto")) is False  # went out: untouchable


def test_a_tenant_scoped_read_hides_other_orgs_deliveries(log):
    write(log, Outcome(SENT))
    assert log.get("dlv_proto", "org-a") is not None and log.get("dlv_proto", "org-b") is None
