"""Elorus (products.md §1, invoicing): what clients did in the portal, documents falling due, the account.

Audiences: the members who can edit the section concerned; always in-app, email and Slack by preference.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from notify_core.domain.catalog.base import EventType, Money, _Data, permission

_ELORUS = frozenset({"email", "inapp", "slack"})  # products.md §1: in-app always, email and Slack by preference


class InvoiceViewedData(_Data):
    invoice_number: str
    client_name: str
    viewed_at: str | None = None
    url: str | None = None  # the document in the product's app


class EstimateViewedData(_Data):
    estimate_number: str
    client_name: str
    viewed_at: str | None = None
    url: str | None = None


class CreditNoteViewedData(_Data):
    credit_note_number: str
    client_name: str
    viewed_at: str | None = None
    url: str | None = None


class EstimateDecisionData(_Data):
    estimate_number: str
    client_name: str
    amount: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    comment: str | None = None  # what the client wrote when accepting or rejecting
    url: str | None = None


class ClientDetailsChangedData(_Data):
    client_name: str
    changed_fields: list[str] = Field(min_length=1)
    url: str | None = None


class InvoiceOverdueData(Money):
    invoice_number: str
    due_date: str
    days_overdue: int = Field(ge=1)
    client_name: str | None = None
    url: str | None = None


class BillOverdueData(Money):
    bill_number: str
    due_date: str
    days_overdue: int = Field(ge=1)
    supplier_name: str | None = None
    url: str | None = None


class RecurringInvoiceGeneratedData(Money):
    invoice_number: str
    client_name: str
    issue_date: str | None = None
    schedule_name: str | None = None
    url: str | None = None


class RecurringBillGeneratedData(Money):
    bill_number: str
    supplier_name: str
    issue_date: str | None = None
    schedule_name: str | None = None
    url: str | None = None


class ChequeDueData(Money):
    cheque_number: str
    due_date: str
    direction: Literal["received", "issued"] | None = None
    counterparty_name: str | None = None
    bank: str | None = None


class BillRecordedData(Money):
    """A purchase document recorded (or paid: ``bill.paid``): the platform announces ``bill.overdue`` the day after
    ``due_date`` unless paid first (README "Timers")."""

    bill_number: str
    due_date: str | None = None
    supplier_name: str | None = None


class ChequeRecordedData(ChequeDueData):
    """A post-dated cheque recorded: the platform announces ``cheque.due`` on its ``due_date`` (README "Timers")."""


class InvoiceApprovedData(_Data):
    """An invoice approved by a member (Elorus-like approval flow): counted per approving user for the activity
    reports (README "Activity reports and schedules")."""

    invoice_number: str
    approved_by: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@/-]+$")  # the member's user id
    approved_by_name: str | None = Field(default=None, max_length=200)
    client_name: str | None = None


class SubscriptionChangedData(_Data):
    plan: str
    previous_plan: str
    effective_date: str | None = None


class InvitationAnsweredData(_Data):
    invitee_name: str
    invitee_email: str
    role: str | None = None


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "invoice.viewed",
        "A client viewed an invoice in the client portal.",
        "invoice.viewed",
        _ELORUS,
        InvoiceViewedData,
        {
            "invoice_number": "INV-2026-118",
            "client_name": "Papadopoulos S.A.",
            "viewed_at": "2026-03-01T10:12:00Z",
            "url": "https://app.elorus.example/invoices/118",
        },
        audiences=(permission("invoices:edit"),),
        seeds=("products.md §1 client viewed an invoice",),
    ),
    EventType(
        "estimate.viewed",
        "A client viewed an estimate in the client portal.",
        "estimate.viewed",
        _ELORUS,
        EstimateViewedData,
        {
            "estimate_number": "EST-0057",
            "client_name": "Papadopoulos S.A.",
            "viewed_at": "2026-03-01T10:12:00Z",
            "url": "https://app.elorus.example/estimates/57",
        },
        audiences=(permission("estimates:edit"),),
        seeds=("products.md §1 client viewed an estimate",),
    ),
    EventType(
        "credit_note.viewed",
        "A client viewed a credit note in the client portal.",
        "credit_note.viewed",
        _ELORUS,
        CreditNoteViewedData,
        {
            "credit_note_number": "CN-0009",
            "client_name": "Papadopoulos S.A.",
            "url": "https://app.elorus.example/credit-notes/9",
        },
        audiences=(permission("credit_notes:edit"),),
        seeds=("products.md §1 client viewed a credit note",),
    ),
    EventType(
        "estimate.accepted",
        "A client accepted an estimate.",
        "estimate.accepted",
        _ELORUS,
        EstimateDecisionData,
        {
            "estimate_number": "EST-0057",
            "client_name": "Papadopoulos S.A.",
            "amount": "2480.00",
            "currency": "EUR",
            "url": "https://app.elorus.example/estimates/57",
        },
        audiences=(permission("estimates:edit"),),
        seeds=("products.md §1 client accepted an estimate",),
    ),
    EventType(
        "estimate.rejected",
        "A client rejected an estimate.",
        "estimate.rejected",
        _ELORUS,
        EstimateDecisionData,
        {
            "estimate_number": "EST-0058",
            "client_name": "Papadopoulos S.A.",
            "amount": "960.00",
            "currency": "EUR",
            "comment": "Over budget for this quarter",
            "url": "https://app.elorus.example/estimates/58",
        },
        audiences=(permission("estimates:edit"),),
        seeds=("products.md §1 client rejected an estimate",),
    ),
    EventType(
        "client.details_changed",
        "A client changed their details through the client portal.",
        "client.details_changed",
        _ELORUS,
        ClientDetailsChangedData,
        {
            "client_name": "Papadopoulos S.A.",
            "changed_fields": ["address", "vat_number"],
            "url": "https://app.elorus.example/clients/31",
        },
        audiences=(permission("clients:edit"),),
        seeds=("products.md §1 client changed their details",),
    ),
    EventType(
        "invoice.approved",
        "A member approved an invoice (counted for the activity reports).",
        "invoice.approved",
        frozenset({"inapp"}),  # an approval is routine: in-app for the invoices' editors, the reports do the telling
        InvoiceApprovedData,
        {
            "invoice_number": "INV-2026-130",
            "approved_by": "u-anna",
            "approved_by_name": "Anna Nowak",
            "client_name": "Papadopoulos S.A.",
        },
        audiences=(permission("invoices:edit"),),
        seeds=("products.md §1 invoice approved by a member (counted for products.md §4 activity reports)",),
    ),
    EventType(
        "invoice.overdue",
        "The due date of a sales document has passed.",
        "invoice.overdue",
        _ELORUS,
        InvoiceOverdueData,
        {
            "invoice_number": "INV-2026-097",
            "due_date": "2026-02-20",
            "amount": "620.00",
            "currency": "EUR",
            "days_overdue": 9,
            "client_name": "Papadopoulos S.A.",
            "url": "https://app.elorus.example/invoices/97",
        },
        audiences=(permission("invoices:edit"),),
        seeds=("products.md §1 overdue sales document",),
    ),
    EventType(
        "bill.overdue",
        "The due date of a purchase document has passed.",
        "bill.overdue",
        _ELORUS,
        BillOverdueData,
        {
            "bill_number": "B-3321",
            "due_date": "2026-02-25",
            "amount": "148.80",
            "currency": "EUR",
            "days_overdue": 4,
            "supplier_name": "Cosmote",
            "url": "https://app.elorus.example/bills/3321",
        },
        audiences=(permission("expenses:edit"),),
        seeds=("products.md §1 overdue purchase document",),
    ),
    EventType(
        "recurring_invoice.generated",
        "A sales invoice was generated from a recurring schedule.",
        "recurring_invoice.generated",
        _ELORUS,
        RecurringInvoiceGeneratedData,
        {
            "invoice_number": "INV-2026-121",
            "client_name": "Papadopoulos S.A.",
            "amount": "150.00",
            "currency": "EUR",
            "issue_date": "2026-03-01",
            "schedule_name": "Monthly support",
            "url": "https://app.elorus.example/invoices/121",
        },
        audiences=(permission("invoices:edit"),),
        seeds=("products.md §1 recurring sales invoice generated",),
    ),
    EventType(
        "recurring_bill.generated",
        "A purchase invoice was generated from a recurring schedule.",
        "recurring_bill.generated",
        _ELORUS,
        RecurringBillGeneratedData,
        {
            "bill_number": "B-3340",
            "supplier_name": "Office rent",
            "amount": "900.00",
            "currency": "EUR",
            "issue_date": "2026-03-01",
            "url": "https://app.elorus.example/bills/3340",
        },
        audiences=(permission("expenses:edit"),),
        seeds=("products.md §1 recurring purchase invoice generated",),
    ),
    EventType(
        "cheque.due",
        "A post-dated cheque falls due.",
        "cheque.due",
        _ELORUS,
        ChequeDueData,
        {
            "cheque_number": "70012345",
            "due_date": "2026-03-05",
            "amount": "1500.00",
            "currency": "EUR",
            "direction": "received",
            "counterparty_name": "Papadopoulos S.A.",
            "bank": "Piraeus Bank",
        },
        audiences=(permission("cheques:edit"),),
        seeds=("products.md §1 post-dated cheque falls due",),
    ),
    EventType(
        "subscription.upgraded",
        "The organisation's subscription was upgraded.",
        "subscription.upgraded",
        _ELORUS,
        SubscriptionChangedData,
        {"plan": "Premium", "previous_plan": "Basic", "effective_date": "2026-03-01"},
        audiences=(permission("account:edit"),),
        seeds=("products.md §1 subscription upgraded",),
    ),
    EventType(
        "subscription.downgraded",
        "The organisation's subscription was downgraded.",
        "subscription.downgraded",
        _ELORUS,
        SubscriptionChangedData,
        {"plan": "Basic", "previous_plan": "Premium", "effective_date": "2026-04-01"},
        audiences=(permission("account:edit"),),
        seeds=("products.md §1 subscription downgraded",),
    ),
    EventType(
        "invitation.accepted",
        "An invited user accepted the invitation to the organisation.",
        "invitation.accepted",
        _ELORUS,
        InvitationAnsweredData,
        {"invitee_name": "Maria Georgiou", "invitee_email": "maria@papadopoulos.example", "role": "Accountant"},
        audiences=(permission("account:edit"),),
        seeds=("products.md §1 invited user accepted",),
    ),
    EventType(
        "invitation.declined",
        "An invited user declined the invitation to the organisation.",
        "invitation.declined",
        _ELORUS,
        InvitationAnsweredData,
        {"invitee_name": "Nikos Ioannou", "invitee_email": "nikos@ioannou.example"},
        audiences=(permission("account:edit"),),
        seeds=("products.md §1 invited user declined",),
    ),
    EventType(
        "cheque.recorded",
        "A post-dated cheque was recorded: cheque.due follows on its date.",
        "cheque.recorded",
        frozenset({"inapp"}),
        ChequeRecordedData,
        {
            "cheque_number": "70012345",
            "due_date": "2026-03-05",
            "amount": "1500.00",
            "currency": "EUR",
            "direction": "received",
            "counterparty_name": "Papadopoulos S.A.",
        },
        audiences=(permission("cheques:edit"),),
        seeds=("products.md §1 a post-dated cheque falls due (the platform times it)",),
    ),
    EventType(
        "bill.recorded",
        "A purchase document was recorded: bill.overdue follows the day after its due date, unless paid first.",
        "bill.recorded",
        frozenset({"inapp"}),
        BillRecordedData,
        {
            "bill_number": "B-3321",
            "due_date": "2026-02-25",
            "amount": "148.80",
            "currency": "EUR",
            "supplier_name": "Cosmote",
        },
        audiences=(permission("expenses:edit"),),
        seeds=("products.md §1 overdue purchase document (the platform times it)",),
    ),
    EventType(
        "bill.paid",
        "A purchase document was paid: no overdue notice follows.",
        "bill.paid",
        frozenset({"inapp"}),
        BillRecordedData,
        {"bill_number": "B-3321", "amount": "148.80", "currency": "EUR", "supplier_name": "Cosmote"},
        audiences=(permission("expenses:edit"),),
        seeds=("products.md §1 a paid purchase document is not overdue",),
    ),
)
