"""Mobevo (products.md §4), end to end: an accounting office's account managers, caretakers, users and
configured summary addresses.

Events go in as Mobevo's services would publish them (plain boto3 PutEvents on the bus); what comes
out is read from the runtime's SES store, the delivery log and the members' in-app inboxes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

ORG = "biuro-rachunkowe"

# Members: every user has an email address (Mobevo's setup requires it).
EMAILS = {
    "u-marta": "marta@biuro.example",  # account manager of c1
    "u-piotr": "piotr@biuro.example",  # accounting caretaker of c1
    "u-ola": "ola@biuro.example",  # HR caretaker of c1
    "u-tomek": "tomek@biuro.example",  # HR caretaker of c1
    "u-anna": "anna@biuro.example",  # c2's account manager and its caretaker in both departments
    "u-szef": "szef@biuro.example",  # the owner, an admin: reached only through the fixed addresses
}
SUPERVISOR = "kierownik@biuro.example"  # configured address, not a member
OWNER = EMAILS["u-szef"]

KOWALSKI = "Kowalski Sp. z o.o."
DASH = "\u2013"  # an en dash: the templates print a period as "start <en dash> end"


def office_settings(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "org_id": ORG,
        "name": "Biuro Rachunkowe Lis",
        "email_from": "powiadomienia@biuro.example",
        "members": [
            {"user_id": "u-marta", "name": "Marta Zielińska", "email": "Marta@Biuro.example"},
            {"user_id": "u-piotr", "name": "Piotr Lis", "email": EMAILS["u-piotr"], "permissions": ["accounting:edit"]},
            {"user_id": "u-ola", "name": "Ola Wójcik", "email": EMAILS["u-ola"], "permissions": ["hr:edit"]},
            {"user_id": "u-tomek", "name": "Tomek Kamiński", "email": EMAILS["u-tomek"], "permissions": ["hr:edit"]},
            {"user_id": "u-anna", "name": "Anna Nowak", "email": EMAILS["u-anna"]},
            {"user_id": "u-szef", "name": "Jerzy Lis", "email": OWNER, "roles": ["admin"]},
        ],
        "clients": [
            {
                "id": "c1",
                "name": KOWALSKI,
                "account_manager": "u-marta",
                "caretakers": {"accounting": ["u-piotr"], "hr": ["u-ola", "u-tomek"]},
            },
            {
                "id": "c2",
                "name": "Nowak i Syn s.c.",
                "account_manager": "u-anna",
                "caretakers": {"accounting": ["u-anna"], "hr": ["u-anna"]},
            },
        ],
        "subscriptions": [
            # products.md §4: summary and absence notifications go to one or more configured addresses.
            {"group": "activity.summary", "addresses": {"email": ["Kierownik@Biuro.example", OWNER]}},
            {"group": "absence.added", "addresses": {"email": [SUPERVISOR]}},
        ],
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def office(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(office_settings())
    return notify_runtime


def event(
    event_id: str,
    data: dict[str, Any],
    *,
    subject_type: str = "client",
    subject_id: str = "c1",
    client_id: str | None = "c1",
    **extra: Any,
) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": subject_type, "id": subject_id}
    if client_id:
        subject["client_id"] = client_id
    return make_detail(event_id, data, org=ORG, subject=subject, **extra)


def publish(rt, *events: tuple[str, dict[str, Any]]):  # type: ignore[no-untyped-def]
    for detail_type, detail in events:
        put_event(rt, detail_type, detail)
    rt.wait_idle()
    return rt.outbox()


def email_recipients(out) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(a for e in out.emails for a in e.to)


def inboxes(rt) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every member's in-app inbox that holds something."""
    return {u: items for u in EMAILS if (items := rt.inbox(ORG, u))}


HR_ACTIVITY = {
    "client_name": KOWALSKI,
    "activity": "absence added",
    "detail": "Jan Wiśniewski, 2026-03-09 to 2026-03-13",
    "performed_by": "Maria Kowalska",
}
ACCOUNTING_ACTIVITY = {"client_name": KOWALSKI, "activity": "sales invoice added", "detail": "FV 12/03/2026"}


# ----------------------------------------------------------------------------------- caretakers


def test_client_activity_for_hr_reaches_the_hr_caretakers_and_not_the_accounting_caretaker(office):
    out = publish(office, ("client.activity_hr", event("c1-hr-1", HR_ACTIVITY)))
    assert email_recipients(out) == ["ola@biuro.example", "tomek@biuro.example"]
    [email] = out.emails_to("ola@biuro.example")
    assert email.sender == "powiadomienia@biuro.example"
    assert email.subject == f"{KOWALSKI}: absence added (HR)"
    assert "Hello Ola Wójcik" in email.html and "By: Maria Kowalska" in email.html
    assert {d["address"]: d["reasons"] for d in out.deliveries_with(status="sent")} == {
        "ola@biuro.example": ["caretaker:hr:c1"],
        "tomek@biuro.example": ["caretaker:hr:c1"],
    }
    boxes = inboxes(office)
    assert sorted(boxes) == ["u-ola", "u-tomek"]  # not Piotr (accounting), not Marta (account manager)
    assert boxes["u-ola"][0]["title"] == f"{KOWALSKI}: absence added (HR)"
    assert boxes["u-ola"][0]["reasons"] == ["caretaker:hr:c1"]


def test_client_activity_for_accounting_reaches_the_accounting_caretaker_and_not_the_hr_ones(office):
    out = publish(office, ("client.activity_accounting", event("c1-acc-1", ACCOUNTING_ACTIVITY)))
    assert email_recipients(out) == ["piotr@biuro.example"]
    [email] = out.emails
    assert email.subject == f"{KOWALSKI}: sales invoice added (Accounting)"
    assert "Details: FV 12/03/2026" in email.html
    assert [d["reasons"] for d in out.deliveries] == [["caretaker:accounting:c1"]]
    assert sorted(inboxes(office)) == ["u-piotr"]


def test_documents_delivered_reach_the_accounting_caretaker(office):
    data = {"client_name": KOWALSKI, "documents_count": 14, "delivered_at": "2026-03-01T09:40:00Z", "period": "2026-02"}
    out = publish(office, ("documents.delivered", event("c1-docs-1", data)))
    assert email_recipients(out) == ["piotr@biuro.example"]
    [email] = out.emails
    assert email.subject == f"{KOWALSKI} delivered 14 documents"
    assert "delivered 14 documents for 2026-02 on 2026-03-01" in email.html
    assert [d["reasons"] for d in out.deliveries] == [["caretaker:accounting:c1"]]
    boxes = inboxes(office)
    assert sorted(boxes) == ["u-piotr"]
    assert boxes["u-piotr"][0]["title"] == f"Documents delivered: {KOWALSKI}"


def test_audit_finished_reaches_the_clients_account_manager_only(office):
    data = {"client_name": KOWALSKI, "module": "VAT", "findings": 3, "report_url": "https://app.mobevo.example/a/881"}
    out = publish(office, ("audit.finished", event("c1-audit-881", data)))
    assert email_recipients(out) == ["marta@biuro.example"]  # her address as the outbox normalises it
    [email] = out.emails
    assert email.subject == f"Audit finished: {KOWALSKI}"
    assert "Findings: 3" in email.html and 'href="https://app.mobevo.example/a/881"' in email.html
    assert [d["reasons"] for d in out.deliveries] == [["account_manager:c1"]]
    boxes = inboxes(office)
    assert sorted(boxes) == ["u-marta"]  # caretakers, the owner and the other client's manager: nothing
    assert boxes["u-marta"][0]["body"] == "Module VAT. Findings: 3."


def test_a_caretaker_who_is_also_the_account_manager_gets_one_email_per_event(office):
    c2 = {"client_name": "Nowak i Syn s.c."}
    out = publish(
        office,
        ("audit.finished", event("c2-audit", c2, subject_id="c2", client_id="c2")),
        ("documents.delivered", event("c2-docs", {**c2, "documents_count": 1}, subject_id="c2", client_id="c2")),
        ("client.activity_hr", event("c2-hr", {**c2, "activity": "document sent"}, subject_id="c2", client_id="c2")),
        (
            "client.activity_accounting",
            event("c2-acc", {**c2, "activity": "scans sent"}, subject_id="c2", client_id="c2"),
        ),
    )
    assert email_recipients(out) == ["anna@biuro.example"] * 4
    assert sorted(e.subject for e in out.emails) == [
        "Audit finished: Nowak i Syn s.c.",
        "Nowak i Syn s.c. delivered 1 document",
        "Nowak i Syn s.c.: document sent (HR)",
        "Nowak i Syn s.c.: scans sent (Accounting)",
    ]
    assert sorted(d["event_id"] for d in out.deliveries) == ["c2-acc", "c2-audit", "c2-docs", "c2-hr"]
    assert len(office.inbox(ORG, "u-anna")) == 4
    assert sorted(inboxes(office)) == ["u-anna"]


def test_a_caretaker_listed_twice_gets_one_email_and_one_inbox_item(notify_runtime):
    # Piotr is c1's account manager too, and listed twice among its accounting caretakers.
    rt = notify_runtime
    settings = office_settings()
    settings["clients"][0].update(account_manager="u-piotr", caretakers={"accounting": ["u-piotr", "u-piotr"]})
    rt.apply_settings(settings)
    data = {"client_name": KOWALSKI, "documents_count": 2}
    out = publish(rt, ("documents.delivered", event("c1-docs-twice", data)))
    assert email_recipients(out) == ["piotr@biuro.example"]
    [d] = out.deliveries
    assert d["reasons"] == ["caretaker:accounting:c1"]
    assert len(rt.inbox(ORG, "u-piotr")) == 1


# ----------------------------------------------------------------------------------- the user


def test_user_activity_reaches_the_user_themself_only(office):
    data = {"period": "weekly", "invoices_approved": 37, "period_start": "2026-02-23", "period_end": "2026-03-01"}
    out = publish(
        office,
        (
            "user.activity",
            event(
                "u-piotr-weekly-2026-09",
                data,
                subject_type="user",
                subject_id="u-piotr",
                client_id=None,
                actor={"id": "u-piotr", "name": "Piotr Lis"},
            ),
        ),
    )
    assert email_recipients(out) == ["piotr@biuro.example"]
    [email] = out.emails
    assert email.subject == "Your weekly activity: 37 invoices approved"
    assert "Invoices you approved: <strong>37</strong>" in email.html
    assert [d["reasons"] for d in out.deliveries] == [["actor"]]
    boxes = inboxes(office)
    assert sorted(boxes) == ["u-piotr"]
    assert boxes["u-piotr"][0]["body"] == f"2026-02-23 {DASH} 2026-03-01: you approved 37 invoices."


# -------------------------------------------------------------------------- configured addresses


def test_activity_summary_goes_to_the_configured_addresses_and_nobody_else(office):
    data = {
        "period": "monthly",
        "invoices_approved_total": 212,
        "by_user": [{"name": "Anna Nowak", "invoices_approved": 128}, {"name": "Piotr Lis", "invoices_approved": 84}],
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
    }
    out = publish(
        office,
        (
            "activity.summary",
            event("summary-2026-02", data, subject_type="report", subject_id="2026-02", client_id=None),
        ),
    )
    assert email_recipients(out) == [SUPERVISOR, OWNER]  # supervisor's address lower-cased
    subjects = {e.subject for e in out.emails}
    assert subjects == {f"Team monthly summary (2026-02-01 {DASH} 2026-02-28): 212 invoices approved"}
    assert "<li>Anna Nowak: 128</li>" in out.emails_to(SUPERVISOR)[0].html
    assert sorted((d["address"], tuple(d["reasons"])) for d in out.deliveries) == [
        (SUPERVISOR, ("fixed_address:activity.summary@org",)),
        (OWNER, ("fixed_address:activity.summary@org",)),
    ]
    # A fixed address is an address, not a member: nobody's in-app inbox gets it, not even the owner's.
    assert inboxes(office) == {}


def test_absences_go_to_the_configured_address_and_nobody_else(office):
    data = {
        "employee_name": "Jan Wiśniewski",
        "from_date": "2026-03-09",
        "to_date": "2026-03-13",
        "kind": "holiday",
        "client_name": KOWALSKI,
    }
    out = publish(office, ("absence.added", event("absence-77", data, subject_type="absence", subject_id="77")))
    # The absence is about client c1, yet its caretakers and account manager are not told: only the address.
    assert email_recipients(out) == [SUPERVISOR]
    [email] = out.emails
    assert email.subject == f"Absence: Jan Wiśniewski, 2026-03-09 {DASH} 2026-03-13"
    assert "An absence (holiday) was added for <strong>Jan Wiśniewski</strong>" in email.html
    assert [d["reasons"] for d in out.deliveries] == [["fixed_address:absence.added@org"]]
    assert inboxes(office) == {}


def test_an_org_without_configured_addresses_sends_summaries_to_nobody(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(office_settings(subscriptions=[]))
    data = {"period": "daily", "invoices_approved_total": 0, "by_user": []}
    out = publish(rt, ("activity.summary", event("summary-empty", data, subject_type="report", client_id=None)))
    assert out.emails == [] and out.deliveries == []
    assert inboxes(rt) == {}


# ------------------------------------------------------------------------------- unknown client


@pytest.mark.parametrize(
    ("detail_type", "data", "audience"),
    [
        ("audit.finished", {"client_name": "Ghost Sp. z o.o."}, "account_manager"),
        ("documents.delivered", {"client_name": "Ghost Sp. z o.o.", "documents_count": 3}, "caretaker:accounting"),
        ("client.activity_hr", {"client_name": "Ghost Sp. z o.o.", "activity": "document sent"}, "caretaker:hr"),
        (
            "client.activity_accounting",
            {"client_name": "Ghost Sp. z o.o.", "activity": "scans sent"},
            "caretaker:accounting",
        ),
    ],
)
def test_an_event_naming_an_unknown_client_delivers_nothing_and_is_logged(
    office, skipped_log, detail_type, data, audience
):
    out = publish(office, (detail_type, event(f"ghost-{detail_type}", data, subject_id="c-ghost", client_id="c-ghost")))
    assert out.emails == [] and out.deliveries == [] and out.quarantined == []
    assert inboxes(office) == {}
    assert skipped_log == [("unknown_client", f"{audience}: the subject names no known client (c-ghost)")]
