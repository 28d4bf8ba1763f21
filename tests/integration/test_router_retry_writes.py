"""A router retry never rewrites what an earlier attempt wrote: in-app items keep their ``read``, a recorded
delivery keeps its status.

Before: the inbox and the routing-time delivery log were batch-written (BatchWriteItem carries no condition), so
a retry of an event reset ``read`` on every in-app item and could overwrite a ``sent`` delivery with ``skipped``.
DynamoDB is moto in-process (``mock_aws``), the tables created from the wiring.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from notify_core.adapters.dynamodb.create_only import create_all
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_core.domain.delivery import SENT, SKIPPED, Outcome, OutcomeWrite
from notify_infra import wiring
from tests.conftest import make_detail, recent

pytestmark = pytest.mark.integration


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from notify_local.provisioning import create_table

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
    ):
        monkeypatch.setenv(name, value)
    with mock_aws():
        for key in ("inbox", "deliveries"):
            create_table(boto3.client("dynamodb"), wiring.table(key))
        yield


def inapp(n: int, title: str = "Invoice overdue") -> dict[str, Any]:
    return {
        "org_id": "acme",
        "user_id": f"u{n}",
        "delivery_id": f"dlv_{n}",
        "event_id": "evt-1",
        "event_type": "invoice.overdue",
        "occurred_at": "2026-11-23T10:00:00Z",
        "title": title,
        "body": "body",
        "reasons": ["permission:invoices:edit"],
    }


def test_a_retried_inbox_write_leaves_a_read_item_read(tables):
    inbox = InboxTable("notify-inbox")
    inbox.write([inapp(1)])
    [item] = inbox.list_items("acme", "u1")
    inbox.mark_read("acme", "u1", item.sk)
    inbox.write([inapp(1, title="Rendered again"), inapp(2)])  # the router's retry, and a member new this time
    [again] = inbox.list_items("acme", "u1")
    assert (again.read, again.title) == (True, "Invoice overdue")
    assert len(inbox.list_items("acme", "u2")) == 1


def test_many_items_some_existing_only_the_missing_are_written(tables):
    inbox = InboxTable("notify-inbox")
    inbox.write([inapp(n) for n in range(0, 250, 2)])  # every other one exists already
    for n in range(0, 250, 2):
        inbox.mark_read("acme", f"u{n}", f"2026-11-23T10:00:00Z#dlv_{n}")
    written = create_all(inbox.Item, [inbox.Item(**_row(inapp(n))) for n in range(250)])
    assert written == 125
    read = [inbox.list_items("acme", f"u{n}")[0].read for n in range(250)]
    assert read == [n % 2 == 0 for n in range(250)]


def test_the_same_key_twice_in_one_write_is_written_once(tables):
    inbox = InboxTable("notify-inbox")
    inbox.write([inapp(1), inapp(1, title="second")])
    assert [i.title for i in inbox.list_items("acme", "u1")] == ["second"]


def test_a_routing_retry_never_overwrites_a_sent_delivery_with_skipped(tables):
    log = DeliveryLog("notify-deliveries", retention_days=30)
    message = {
        "delivery_id": "dlv_x",
        "org_id": "acme",
        "event_id": "evt-1",
        "event_type": "payment.paid",
        "channel": "email",
        "address": "anna@acme.example",
        "reasons": ["subscription:payment.paid_or_reversed@org"],
    }
    log.write_outcomes([OutcomeWrite(message, None, Outcome(SENT, provider_message_id="ses-1"), "m-1", 1)])
    # The retry: the address bounced in between, so routing now says "skipped". The delivery went out.
    log.record_at_routing(
        [
            {**message, "status": SKIPPED, "error_code": "suppressed:bounce"},
            {**message, "delivery_id": "dlv_y", "status": SKIPPED, "error_code": "no_consent:email"},
        ]
    )
    assert (log.get_any("dlv_x").status, log.get_any("dlv_x").provider_message_id) == (SENT, "ses-1")
    assert log.get_any("dlv_y").status == SKIPPED


def _row(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "inbox_id": f"{i['org_id']}#{i['user_id']}",
        "sk": f"{i['occurred_at']}#{i['delivery_id']}",
        "org_id": i["org_id"],
        "user_id": i["user_id"],
        "delivery_id": i["delivery_id"],
        "event_id": i["event_id"],
        "event_type": i["event_type"],
        "title": "again",
        "body": i["body"],
        "created_at": "now",
    }


def test_through_the_router_a_replayed_event_keeps_the_inbox_as_its_members_left_it(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(
        {
            "org_id": "acme",
            "name": "Acme",
            "members": [{"user_id": "u1", "name": "Ann", "email": "ann@example.com", "roles": ["admin"]}],
        }
    )
    overdue = {
        "invoice_number": "INV-1",
        "due_date": "2026-11-01",
        "amount": "10",
        "currency": "EUR",
        "days_overdue": 3,
    }
    detail = {**make_detail("ov-1", overdue, org="acme"), "occurred_at": recent(5)}
    rt.publish("invoice.overdue", detail)
    rt.wait_idle()
    [item] = rt.admin.inbox.list_items("acme", "u1")
    rt.admin.inbox.mark_read("acme", "u1", item.sk)
    # The first attempt was cut off after its writes, before the event counted as routed (a crash, a timeout):
    # its record says begun, not routed. The same event again routes again, writing only what is missing.
    records = boto3.resource("dynamodb").Table("notify-" + wiring.table("idempotency").key)
    [record] = records.scan()["Items"]
    begun = {"UpdateExpression": "SET #s = :b", "ExpressionAttributeNames": {"#s": "state"}}
    records.update_item(Key={"id": record["id"]}, ExpressionAttributeValues={":b": "routing"}, **begun)
    rt.publish("invoice.overdue", detail)
    rt.wait_idle()
    [again] = rt.admin.inbox.list_items("acme", "u1")
    assert again.read is True and rt.outbox().quarantined == []
    assert "state" not in records.get_item(Key={"id": record["id"]})["Item"]  # routed again, and now routed


def test_the_occurred_at_window_is_no_longer_than_the_router_remembers_event_ids():
    # An event older than the idempotency record could be a replay the router no longer recognises: refused.
    from notify_core.adapters.dynamodb.event_records import KEPT
    from notify_core.domain.envelope import MAX_EVENT_AGE

    assert KEPT >= MAX_EVENT_AGE
