"""Shared test data: a Hutkigrosh-like org and an event builder in the shape products publish."""

from __future__ import annotations

import copy
from typing import Any

import pytest

ORG = "hutki"


def recent(minutes_ago: float = 0) -> str:
    """An ``occurred_at`` the router accepts (within its window: at most 7 days old, never ahead of its clock)."""
    from datetime import UTC, datetime, timedelta

    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


PAID_DATA = {
    "amount": "120.50",
    "currency": "BYN",
    "payment_id": "pay-1",
    "account": "10042",
    "payer_name": "Ivan <b>Petrov</b> & Sons",
}


def make_detail(
    event_id: str,
    data: dict[str, Any] | None = None,
    *,
    org: str = ORG,
    service: str | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    scope = {k: v for k, v in (("service_id", service), ("point_id", point)) if v}
    return {
        "org_id": org,
        "event_id": event_id,
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": "payment", "id": event_id, "scope": scope},
        "data": copy.deepcopy(PAID_DATA if data is None else data),
        **extra,
    }


def hutki_settings(receiver_url: str, *, org: str = ORG) -> dict[str, Any]:
    return {
        "org_id": org,
        "name": "Hutki Water",
        "email_from": "notifications@hutki.example",
        "default_phone_region": "BY",
        "contacts": [
            {
                "id": "anna",
                "name": "Anna",
                "emails": [
                    {"address": "anna.personal@mail.example", "kind": "personal"},
                    {"address": "Anna@Hutki.Example", "kind": "work"},
                ],
                "phones": [{"number": "+375 29 123-45-67"}],
            },
            {
                "id": "boris",
                "name": "Boris",
                "locale": "ru",
                "emails": [{"address": "boris@hutki.example"}],
                "phones": [{"number": "8 029 765 43 21"}],
            },
            {"id": "cashier", "name": "Cashier", "emails": [{"address": "shop1@hutki.example"}]},
        ],
        # products.md §3: the admin switches on which channels each buyer event may use.
        "buyer_channels": {"invoice.issued": ["email", "sms"], "invoice.paid": ["email", "sms"]},
        "webhook_endpoints": [
            {"id": "erp", "url": f"{receiver_url}/hooks/erp", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
        ],
        "subscriptions": [
            {
                "group": "payment.paid_or_reversed",
                "scope": "org",
                "channels": {"email": ["anna"], "sms": ["anna"], "webhook": ["erp"]},
            },
            {"group": "payment.paid_or_reversed", "scope": "service:water", "channels": {"email": ["boris"]}},
            {"group": "payment.paid_or_reversed", "scope": "point:shop-1", "channels": {"email": ["cashier", "anna"]}},
        ],
    }


ERP_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def hutki(notify_runtime):  # type: ignore[no-untyped-def]
    """The runtime with the Hutki org applied and its ERP receiver expecting signed webhooks."""
    receiver = notify_runtime.receiver
    notify_runtime.apply_settings(hutki_settings(receiver.url))
    receiver.expect_secret("/hooks/erp", ERP_SECRET)
    return notify_runtime


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One CDK synthesis per run (~10 s, ~0.5 GB): every infra test goes to the same xdist worker.
    for item in items:
        if item.get_closest_marker("infra"):
            item.add_marker(pytest.mark.xdist_group("cdk-synth"))


def put_event(rt, detail_type: str, detail: Any, source: str = "product") -> None:  # type: ignore[no-untyped-def]
    """Publish as a product service does: plain boto3 against the runtime's endpoint, bus 'notify'."""
    import json

    import boto3

    from notify_infra import wiring

    events = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    body = detail if isinstance(detail, str) else json.dumps(detail)
    resp = events.put_events(
        Entries=[{"Source": source, "DetailType": detail_type, "Detail": body, "EventBusName": wiring.BUS_NAME}]
    )
    assert resp["FailedEntryCount"] == 0


@pytest.fixture
def skipped_log():  # type: ignore[no-untyped-def]
    """(reason, detail) of every "recipient skipped" warning the router logs during the test.

    Configuration problems (a relation naming a non-member, an unknown client, a switched-off audience) have
    no recipient to log a delivery for: the router logs them, and this is how a test sees them.
    """
    import logging

    from notify_core.observability import logger

    records: list[tuple[str, str]] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "recipient skipped":
                records.append((getattr(record, "reason", ""), getattr(record, "detail", "")))

    std = logging.getLogger(logger.name)
    handler, level = Capture(logging.WARNING), std.level
    std.addHandler(handler)
    std.setLevel(logging.WARNING)
    try:
        yield records
    finally:
        std.removeHandler(handler)
        std.setLevel(level)


def inject_aws_error(
    rt, service: str, operation: str, code: str, *, times: int = 1, status: int = 400, function: str | None = None
) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Make the next ``times`` calls of service.operation by the handlers fail with ``code``, as AWS would answer.

    Injected where every botocore call passes (boto3's and PynamoDB's clients alike), so the call never reaches
    moto; returns the count still to fail. The runtime's reset removes what is left.
    """
    return rt.inject_aws_error(service, operation, code, times=times, status=status, function=function)
