"""A delivery item stays under the write unit it is designed for: 1 KB for what nearly every delivery is (sent, then
a feedback report), 2 KB for the worst a delivery goes through without failing (the most attempts a queue allows,
each with its provider's words). Every write of the item pays for its size, so a few bytes over 1 KB double the
price of every delivery. Sizes are DynamoDB's own accounting (``tests/ddb_size.py``) of the item read back.

DynamoDB is moto in-process (``mock_aws``), the table created from the wiring as the stack creates it.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.domain.delivery import DEAD, RETRYING, SENT, UNKNOWN, Outcome, OutcomeWrite
from notify_infra import wiring
from tests.ddb_size import KB, item_size

pytestmark = pytest.mark.integration

# Long everything a real org may have: a 64-character event id, a long name, a long address, two reasons.
LONG = {
    "delivery_id": "dlv_" + "f" * 32,
    "org_id": "org_01HZX7Q2W9E3R4T5Y6U7I8O9P0",
    "event_id": "evt_" + "7" * 60,
    "event_type": "document.signature_requested",
    "address": "konstantin.konstantinopolsky-vasilievsky@accounting-department.example-holding.com",
    "recipient_name": "Konstantin Konstantinopolsky-Vasilievsky (Chief Accountant, Minsk)",
    "reasons": ["subscription:document.signature_requested@org", "permission:documents:sign"],
    "routed_at": "2026-11-30T10:00:00.000Z",
}
SES_ID = "0102018c0b3f7e2a-6f1c2f2e-1d7a-4c42-9d51-1b2e3f4a5b6c-000000"
PROVIDER_WORDS = "Maximum sending rate exceeded. " * 10  # longer than any attempt keeps


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DeliveryLog, object]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
    ):
        monkeypatch.setenv(name, value)
    with mock_aws():
        from notify_local.provisioning import create_table

        client = boto3.client("dynamodb")
        create_table(client, wiring.table("deliveries"))
        yield DeliveryLog("notify-deliveries", retention_days=90), client


def size_of(client, delivery_id: str) -> int:
    item = client.get_item(TableName="notify-deliveries", Key={"delivery_id": {"S": delivery_id}})["Item"]
    return item_size(item)


def write(log: DeliveryLog, message: dict, outcome: Outcome, receive: int) -> None:
    previous = log.read_many([message["delivery_id"]]).get(message["delivery_id"])
    message_id = f"0f8fad5b-d9cb-469f-a165-7086772895{receive:02d}"  # an SQS message id's length
    log.write_outcomes([OutcomeWrite(message, previous, outcome, message_id, receive)])


def test_a_sent_email_with_its_feedback_fits_one_write_unit(table):
    log, client = table
    message = {**LONG, "channel": "email"}
    write(log, message, Outcome(SENT, provider_message_id=SES_ID), 1)
    record = log.get(message["delivery_id"], message["org_id"])
    log.record_outcome(
        record,
        kind="delivered",
        code="delivery",
        detail="250 2.0.0 OK " + "x" * 60,
        at=None,
        provider_message_id=SES_ID,
    )
    size = size_of(client, message["delivery_id"])
    print(f"\nsent email + feedback, long names: {size} bytes")
    assert size <= KB


def test_a_sent_sms_with_its_segments_and_delivery_status_fits_one_write_unit(table):
    log, client = table
    message = {**LONG, "channel": "sms", "address": "+375291234567"}
    outcome = Outcome(SENT, provider_message_id="5f1d8c2e-9a41-5b7e-8c3d-2f6a1b0e9d47", sms_segments=2,
                      sms_encoding="ucs2")  # fmt: skip
    write(log, message, outcome, 1)
    record = log.get(message["delivery_id"], message["org_id"])
    assert (record.sms_segments, record.sms_encoding) == (2, "ucs2")
    log.record_outcome(record, kind="delivered", code="carrier_accepted", detail="Message has been accepted by phone",
                       at=None, provider_message_id=outcome.provider_message_id)  # fmt: skip
    size = size_of(client, message["delivery_id"])
    print(f"\nsent SMS + delivery status, segments kept, long names: {size} bytes")
    assert size <= KB


@pytest.mark.parametrize("channel", ["email", "webhook"])
def test_the_most_attempts_a_queue_allows_then_sent_fit_two_write_units(table, channel):
    log, client = table
    message = {**LONG, "channel": channel}
    receives = wiring.queue(wiring.DELIVERY_QUEUES[channel]).max_receive_count
    for receive in range(1, receives):
        write(
            log,
            message,
            Outcome(RETRYING, http_status=503, error_code="http_503", error_detail=PROVIDER_WORDS),
            receive,
        )
    write(log, message, Outcome(SENT, provider_message_id=SES_ID, http_status=200), receives)
    size = size_of(client, message["delivery_id"])
    print(f"\n{channel}: {receives - 1} failures then sent: {size} bytes")
    assert size <= 2 * KB


@pytest.mark.parametrize("status", [DEAD, UNKNOWN])
def test_a_delivery_kept_for_replay_carries_its_message_and_fits_its_budget(table, status):
    # The queue message is kept (a person may replay it): a typical payment.paid message is under 1 KB, so such an
    # item stays under 3 KB even after the most attempts; it is written once more at most (its last outcome).
    log, client = table
    message = {
        **LONG,
        "channel": "webhook",
        "endpoint_id": "erp-main",
        "org": {"name": "Hutki Accounting LLC", "email_from": "notifications@hutki.example"},
        "event": {
            "source": "payments",
            "occurred_at": "2026-11-30T09:59:58Z",
            "subject": {"type": "payment", "id": "pay_" + "3" * 28, "client_id": "client-42"},
            "actor": None,
            "data": {
                "amount": "1250.00",
                "currency": "EUR",
                "payment_id": "pay_" + "3" * 28,
                "invoice": "INV-2026-0042",
            },
        },
    }
    receives = wiring.queue(wiring.DELIVERY_QUEUES["webhook"]).max_receive_count
    for receive in range(1, receives):
        write(
            log,
            message,
            Outcome(RETRYING, http_status=503, error_code="http_503", error_detail=PROVIDER_WORDS),
            receive,
        )
    write(log, message, Outcome(status, http_status=503, error_code="http_503", error_detail=PROVIDER_WORDS), receives)
    size = size_of(client, message["delivery_id"])
    print(f"\nwebhook {status} after {receives} receives, message kept: {size} bytes")
    assert size <= 3 * KB
