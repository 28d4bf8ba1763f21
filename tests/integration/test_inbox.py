"""The in-app inbox on DynamoDB (moto): per member and org, newest first, read/unread, tenant-scoped."""

from __future__ import annotations

import pytest

from tests.conftest import make_detail, recent

pytestmark = pytest.mark.integration

OVERDUE = {
    "invoice_number": "INV-{n}",
    "due_date": "2026-11-01",
    "amount": "10.00",
    "currency": "EUR",
    "days_overdue": 3,
}


def org_doc(org: str) -> dict:
    return {
        "org_id": org,
        "name": org.title(),
        "email_from": f"n@{org}.example",
        "members": [{"user_id": "u1", "name": "Ann", "email": "ann@example.com", "roles": ["admin"]}],
    }


def overdue(rt, org: str, n: int, minute: int) -> None:
    detail = make_detail(f"overdue-{org}-{n}", {**OVERDUE, "invoice_number": f"INV-{n}"}, org=org)
    detail["occurred_at"] = recent(minutes_ago=60 - minute)
    rt.publish("invoice.overdue", detail)


def test_newest_first_unread_count_and_mark_read(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(org_doc("acme"))
    for n, minute in ((1, 5), (2, 30), (3, 15)):
        overdue(rt, "acme", n, minute)
    rt.wait_idle()
    items = rt.admin.inbox.list_items("acme", "u1")
    assert len(items) == 3
    # newest first: 10:30 (INV-2), 10:15 (INV-3), 10:05 (INV-1)
    assert ["INV-2" in items[0].title, "INV-3" in items[1].title, "INV-1" in items[2].title] == [True] * 3
    assert rt.admin.inbox.unread_count("acme", "u1") == 3
    rt.admin.inbox.mark_read("acme", "u1", items[0].sk)
    assert rt.admin.inbox.unread_count("acme", "u1") == 2
    assert [i.sk for i in rt.admin.inbox.list_items("acme", "u1", unread_only=True)] == [items[1].sk, items[2].sk]
    assert items[0].reasons == ["permission:invoices:edit"]


def test_one_users_inbox_in_one_org_never_shows_another_orgs_items(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(org_doc("acme"))
    rt.apply_settings(org_doc("globex"))  # the same user u1 belongs to both
    overdue(rt, "acme", 1, 1)
    rt.wait_idle()
    assert len(rt.admin.inbox.list_items("acme", "u1")) == 1
    assert rt.admin.inbox.list_items("globex", "u1") == [] and rt.admin.inbox.unread_count("globex", "u1") == 0


def test_marking_an_item_that_does_not_exist_fails_instead_of_creating_it(notify_runtime):
    rt = notify_runtime
    from pynamodb.exceptions import UpdateError

    with pytest.raises(UpdateError):
        rt.admin.inbox.mark_read("acme", "u1", "2026-11-23T10:00:00+00:00#dlv_nope")
    assert rt.admin.inbox.list_items("acme", "u1") == []
