"""Mobevo (products.md §4, accounting office software): an office's clients, caretakers and activity reports.

Audiences: account managers, caretakers, the user, configured addresses.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from notify_core.domain.catalog.base import ACCOUNT_MANAGER, ACTOR, EventType, _Data, caretaker

_MOBEVO = frozenset({"email", "inapp"})  # products.md §4: email; in-app too for members


Period = Literal["daily", "weekly", "monthly"]


class AuditFinishedData(_Data):
    client_name: str
    module: str | None = None
    findings: int | None = Field(default=None, ge=0)  # how many issues the audit raised
    report_url: str | None = None


class DocumentsDeliveredData(_Data):
    client_name: str
    documents_count: int = Field(ge=1)
    delivered_at: str | None = None
    period: str | None = None  # the accounting period the documents belong to, e.g. 2026-02


class UserActivityData(_Data):
    period: Period
    invoices_approved: int = Field(ge=0)
    period_start: str
    period_end: str


class UserApprovals(_Data):
    name: str
    invoices_approved: int = Field(ge=0)


class ActivitySummaryData(_Data):
    period: Period
    invoices_approved_total: int = Field(ge=0)
    by_user: list[UserApprovals]
    period_start: str | None = None
    period_end: str | None = None


class ClientActivityData(_Data):
    client_name: str
    activity: str  # what happened, e.g. "absence added", "document downloaded", "sales invoice added"
    detail: str | None = None
    performed_by: str | None = None


class AbsenceAddedData(_Data):
    employee_name: str
    from_date: str
    to_date: str
    kind: str | None = None  # sick leave, holiday, ...
    client_name: str | None = None


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "audit.finished",
        "An audit of a client's books finished.",
        "audit.finished",
        _MOBEVO,
        AuditFinishedData,
        {
            "client_name": "Kowalski Sp. z o.o.",
            "module": "VAT",
            "findings": 3,
            "report_url": "https://app.mobevo.example/audits/881",
        },
        audiences=(ACCOUNT_MANAGER,),
        seeds=("products.md §4 module Audit finished: to the account manager",),
    ),
    EventType(
        "documents.delivered",
        "A client delivered documents (registered through delivery confirmation).",
        "documents.delivered",
        _MOBEVO,
        DocumentsDeliveredData,
        {
            "client_name": "Kowalski Sp. z o.o.",
            "documents_count": 14,
            "delivered_at": "2026-03-01T09:40:00Z",
            "period": "2026-02",
        },
        audiences=(caretaker("accounting"),),
        seeds=("products.md §4 client delivered documents: to the accounting caretaker",),
    ),
    EventType(
        "user.activity",
        "A user's own activity for the day, week or month: invoices they approved.",
        "user.activity",
        _MOBEVO,
        UserActivityData,
        {"period": "weekly", "invoices_approved": 37, "period_start": "2026-02-23", "period_end": "2026-03-01"},
        audiences=(ACTOR,),
        seeds=("products.md §4 user activity: daily, weekly, monthly",),
    ),
    EventType(
        "activity.summary",
        "All users' activity for the period: invoices approved by everyone.",
        "activity.summary",
        _MOBEVO,
        ActivitySummaryData,
        {
            "period": "monthly",
            "invoices_approved_total": 212,
            "by_user": [
                {"name": "Anna Nowak", "invoices_approved": 128},
                {"name": "Piotr Zieliński", "invoices_approved": 84},
            ],
            "period_start": "2026-02-01",
            "period_end": "2026-02-28",
        },
        seeds=("products.md §4 all users' activity (summary): to configured addresses",),
    ),
    EventType(
        "client.activity_hr",
        "Something a client did that concerns HR (absence added, document sent or downloaded...).",
        "client.activity_hr",
        _MOBEVO,
        ClientActivityData,
        {
            "client_name": "Kowalski Sp. z o.o.",
            "activity": "document downloaded",
            "detail": "Employment certificate, Jan Wiśniewski",
            "performed_by": "Maria Kowalska",
        },
        audiences=(caretaker("hr"),),
        seeds=("products.md §4 client activity for HR: to HR caretakers",),
    ),
    EventType(
        "client.activity_accounting",
        "Something a client did that concerns accounting (sales invoice added, scans sent...).",
        "client.activity_accounting",
        _MOBEVO,
        ClientActivityData,
        {"client_name": "Kowalski Sp. z o.o.", "activity": "sales invoice added", "detail": "FV 12/03/2026"},
        audiences=(caretaker("accounting"),),
        seeds=("products.md §4 client activity for accounting: to accounting caretakers",),
    ),
    EventType(
        "absence.added",
        "An absence was recorded.",
        "absence.added",
        _MOBEVO,
        AbsenceAddedData,
        {
            "employee_name": "Jan Wiśniewski",
            "from_date": "2026-03-09",
            "to_date": "2026-03-13",
            "kind": "holiday",
            "client_name": "Kowalski Sp. z o.o.",
        },
        seeds=("products.md §4 absences: to configured addresses",),
    ),
)
