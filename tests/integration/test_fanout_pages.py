"""A large audience routes in pages on the local runtime: each later page is a message of its own on the events
queue, routed by its own invocation of the router, and every holder hears once (moto, real SQS and DynamoDB).

The page size is 2 here (``FANOUT_PAGE_SIZE``, 1,000 by default) so that 7 holders take 4 pages.
"""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from notify_infra import wiring
from tests.conftest import make_detail, recent

pytestmark = pytest.mark.integration

HOLDERS = 7
OVERDUE = {"invoice_number": "INV-7", "due_date": "2026-11-01", "amount": "10.00", "currency": "EUR", "days_overdue": 3}


def org_doc() -> dict:
    return {
        "org_id": "acme",
        "name": "Acme",
        "email_from": "n@acme.example",
        "members": [
            {
                "user_id": f"u{i}",
                "name": f"User {i}",
                "email": f"user{i}@acme.example",
                "permissions": ["invoices:edit"],
            }
            for i in range(HOLDERS)
        ],
    }


def test_every_holder_hears_once_across_pages_each_routed_by_its_own_invocation(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(org_doc())
    detail = {**make_detail("overdue-big", OVERDUE, org="acme"), "occurred_at": recent(5)}
    with rt.override_env("router", FANOUT_PAGE_SIZE="2"):
        rt.publish("invoice.overdue", detail)
        rt.publish("invoice.overdue", detail)  # the same event again (a product's retry): routed once
        rt.wait_idle()
    out = rt.outbox()
    emails = Counter(a for e in out.emails for a in e.to)
    assert emails == {f"user{i}@acme.example": 1 for i in range(HOLDERS)}
    assert all("INV-7" in e.subject for e in out.emails)
    for i in range(HOLDERS):
        [item] = rt.admin.inbox.list_items("acme", f"u{i}")
        assert "INV-7" in item.title and item.reasons == ["permission:invoices:edit"]
    assert out.quarantined == []
    # Each later page was routed, and is remembered, on its own (a repeat of a page is dropped alone).
    records = boto3.resource("dynamodb").Table("notify-" + wiring.table("idempotency").key).scan()["Items"]
    pages = sorted(r["id"].rsplit(":", 1)[1] for r in records if "#page:invoices:edit:" in r["id"])
    assert pages == ["2", "3", "4"] and all("state" not in r for r in records)
