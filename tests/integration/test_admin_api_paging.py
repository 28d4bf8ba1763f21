"""The admin API's paged reads on DynamoDB (moto): the delivery log merged across channels a page at a time
(complete, newest first, no repeats, entries of equal time included, another org never), and the inbox's pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog, org_channel_key
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_infra import wiring

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


def delivery(log: DeliveryLog, org: str, n: int, channel: str, created_at: str, status: str) -> str:
    delivery_id = f"dlv_{org}_{n:03d}"
    log.Item(
        delivery_id=delivery_id,
        org_id=org,
        created_at=created_at,
        event_id=f"e{n}",
        event_type="payment.paid",
        channel=channel,
        address=f"a{n}@x.example" if channel == "email" else "+375291234567",
        status=status,
        org_channel=org_channel_key(org, channel),
    ).save()
    return delivery_id


def test_the_delivery_log_pages_across_channels_completely_and_in_order(tables):
    log = DeliveryLog("notify-deliveries", retention_days=90)
    made = []
    for n in range(23):
        channel = ("email", "sms", "webhook")[n % 3]
        # Several deliveries share a time (one event's fan-out), within and across channels.
        created_at = f"2026-11-30T10:{n // 4:02d}:00.000Z"
        made.append((created_at, delivery(log, "acme", n, channel, created_at, "dead" if n % 5 == 0 else "sent")))
    for n in range(5):
        delivery(log, "globex", n, "email", f"2026-11-30T10:0{n}:30.000Z", "dead")
    channels = ("email", "sms", "webhook", "slack", "telegram")

    def read_all(limit: int, **filters: object) -> list[str]:
        seen: list[str] = []
        positions = None
        for _ in range(50):
            records, positions = log.page(
                "acme",
                channels,
                date_from="0",
                date_to="~",
                limit=limit,
                positions=positions,
                **filters,  # type: ignore[arg-type]
            )
            assert len(records) <= limit
            seen += [r.delivery_id for r in records]
            if positions is None:
                return seen
            positions = json.loads(json.dumps(positions))  # as a cursor carries it
        raise AssertionError("never ended")

    for limit in (1, 4, 7, 100):
        seen = read_all(limit)
        assert sorted(seen) == sorted(d for _, d in made), limit  # complete, nothing twice, no other org
        times = [next(t for t, d in made if d == i) for i in seen]
        assert times == sorted(times, reverse=True), limit  # newest first
    dead = read_all(2, statuses=("dead",))
    assert sorted(dead) == sorted(d for n, (_, d) in enumerate(made) if n % 5 == 0)


def test_the_inbox_pages_newest_first_and_filters_unread(tables):
    inbox = InboxTable("notify-inbox")
    inbox.write(
        [
            {
                "org_id": "acme",
                "user_id": "u1",
                "occurred_at": f"2026-11-30T10:0{n}:00Z",
                "delivery_id": f"dlv_{n}",
                "event_id": f"e{n}",
                "event_type": "invoice.overdue",
                "title": f"T{n}",
                "body": "b",
                "reasons": [],
            }
            for n in range(7)
        ]
    )
    pages, after = [], None
    while True:
        items, after = inbox.page("acme", "u1", limit=3, after=after)
        pages.append([i.delivery_id for i in items])
        if after is None:
            break
    assert pages == [["dlv_6", "dlv_5", "dlv_4"], ["dlv_3", "dlv_2", "dlv_1"], ["dlv_0"]]
    first = inbox.page("acme", "u1", limit=10)[0]
    assert inbox.mark_one_read("acme", "u1", first[0].sk) is True
    assert inbox.mark_one_read("acme", "u1", "2026-11-30T10:09:00Z#dlv_nope") is False  # nothing created
    unread, _ = inbox.page("acme", "u1", limit=10, unread_only=True)
    assert [i.delivery_id for i in unread] == [f"dlv_{n}" for n in range(5, -1, -1)]
    assert inbox.mark_all_read("acme", "u1") == 6 and inbox.unread_count("acme", "u1") == 0
    assert inbox.page("globex", "u1", limit=10) == ([], None)
