"""Due dates (products.md §1, §3; README "Timers") on the local runtime with the clock moved on: invoice.overdue the day
after an invoice's due_date unless paid first, invoice.expiring before a buyer invoice's validity ends, cheque.due on a
recorded cheque's date. Published with plain boto3 put_events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.e2e

ORG = "ergo"
OWNER = "owner@ergo.example"
BUYER = "olga@buyer.example"


@pytest.fixture
def ergo(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(
        {
            "org_id": ORG,
            "name": "Ergo Consulting",
            "email_from": "billing@ergo.example",
            "members": [{"user_id": "u-owner", "name": "Owner", "email": OWNER, "roles": ["admin"]}],
            "buyer_channels": {"invoice.issued": ["email"], "invoice.expiring": ["email"], "invoice.paid": ["email"]},
        }
    )
    return notify_runtime


def publish(rt, event_type: str, event_id: str, subject: str, data: dict[str, Any], **extra: Any) -> None:
    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": subject.split("-")[0], "id": subject},
        "data": data,
        **extra,
    }
    entry = {"Source": "invoicing", "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": "notify"}
    assert not boto3.client("events").put_events(Entries=[entry]).get("FailedEntryCount")
    rt.wait_idle()


def day(rt, days: int) -> str:
    return (rt.now() + timedelta(days=days)).strftime("%Y-%m-%d")


def subjects(rt, address: str) -> list[str]:
    return [e.subject for e in rt.outbox().emails_to(address)]


def invoice(rt, number: str, **dates: str) -> dict[str, Any]:
    return {"amount": "120.00", "currency": "EUR", "invoice_number": number, **dates}


BUYERS = [{"name": "Olga", "email": BUYER, "channels": ["email"], "events": ["invoice.issued", "invoice.expiring"]}]


def test_an_unpaid_invoice_is_overdue_the_day_after_its_due_date(ergo):
    publish(ergo, "invoice.issued", "inv-1", "invoice-1", invoice(ergo, "INV-1", due_date=day(ergo, 2)))
    ergo.advance(days=2)
    assert not [s for s in subjects(ergo, OWNER) if "INV-1" in s]
    ergo.advance(days=1)  # past midnight after the due date
    [overdue] = [s for s in subjects(ergo, OWNER) if "INV-1" in s]
    assert "overdue" in overdue.lower()
    it = ergo.admin.items.get(ORG, "invoice", "invoice-1")
    assert [e.what for e in it.audit] == ["created", "announced"] and it.audit[-1].event_id == "inv-1.invoice.overdue"


def test_paying_first_stops_the_overdue_notice(ergo):
    publish(ergo, "invoice.issued", "inv-2", "invoice-2", invoice(ergo, "INV-2", due_date=day(ergo, 2)))
    publish(
        ergo,
        "invoice.paid",
        "inv-2-paid",
        "invoice-2",
        {"amount": "120.00", "currency": "EUR", "invoice_number": "INV-2"},
    )
    ergo.advance(days=5)
    assert not [s for s in subjects(ergo, OWNER) if "overdue" in s.lower()]
    assert ergo.admin.items.get(ORG, "invoice", "invoice-2").done_reason == "paid"


def test_a_buyer_hears_three_days_before_the_invoice_expires(ergo):
    data = invoice(ergo, "INV-3", valid_until=day(ergo, 10))
    publish(ergo, "invoice.issued", "inv-3", "invoice-3", data, recipients=BUYERS)
    ergo.advance(days=6)
    assert len(subjects(ergo, BUYER)) == 1  # the invoice itself
    ergo.advance(days=1)  # 00:00 three days before valid_until
    assert len(subjects(ergo, BUYER)) == 2


def test_a_recorded_cheque_falls_due_on_its_date(ergo):
    cheque = {"cheque_number": "700123", "due_date": day(ergo, 4), "amount": "1500.00", "currency": "EUR"}
    publish(ergo, "cheque.recorded", "chq-1", "cheque-1", cheque)
    ergo.advance(days=3)
    assert not [s for s in subjects(ergo, OWNER) if "700123" in s]
    ergo.advance(days=1)
    assert [s for s in subjects(ergo, OWNER) if "700123" in s]


@pytest.mark.parametrize("due", ["next friday", "2026-13-45"])
def test_an_unreadable_due_date_plans_nothing_and_says_why(ergo, due):
    publish(ergo, "invoice.issued", "inv-bad", "invoice-bad", invoice(ergo, "INV-BAD", due_date=due))
    it = ergo.admin.items.get(ORG, "invoice", "invoice-bad")
    assert (it.state, it.done_reason) == ("done", "nothing_ahead")
    assert "is not a date (YYYY-MM-DD): nothing planned" in it.audit[0].detail
    assert ergo.executions() == []


def test_a_due_date_already_past_is_skipped_not_announced_late(ergo):
    publish(ergo, "invoice.issued", "inv-old", "invoice-old", invoice(ergo, "INV-OLD", due_date=day(ergo, -5)))
    ergo.advance(days=2)
    assert not [s for s in subjects(ergo, OWNER) if "overdue" in s.lower()]
    assert "1 already past: skipped" in ergo.admin.items.get(ORG, "invoice", "invoice-old").audit[0].detail


def test_an_unpaid_bill_is_overdue_the_day_after_unless_paid_first(ergo):
    bill = {"amount": "148.80", "currency": "EUR", "bill_number": "B-1", "due_date": day(ergo, 1)}
    publish(ergo, "bill.recorded", "bill-1", "bill-1", bill)
    publish(ergo, "bill.recorded", "bill-2", "bill-2", {**bill, "bill_number": "B-2"})
    publish(ergo, "bill.paid", "bill-2-paid", "bill-2", {**bill, "bill_number": "B-2"})
    ergo.advance(days=2)
    overdue = [s for s in subjects(ergo, OWNER) if "overdue" in s.lower()]
    assert len(overdue) == 1 and "B-1" in overdue[0]
    assert ergo.admin.items.get(ORG, "bill", "bill-2").done_reason == "paid"
