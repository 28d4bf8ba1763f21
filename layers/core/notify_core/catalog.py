"""The event catalog: every event type the platform routes, in one place.

Each entry names its data schema, an example, the subscription group it belongs to, the channels it
may use and its audience. Default templates live in templates/<event type>/<channel>[.<locale>].j2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Data(BaseModel):
    # Product services may send more facts than the schema names; templates can use them.
    model_config = ConfigDict(extra="allow")


class Money(_Data):
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class PaymentData(Money):
    payment_id: str
    account: str | None = None  # the payer's account number with the service (ERIP)
    invoice_number: str | None = None
    payer_name: str | None = None
    service_name: str | None = None


class PaymentReversedData(PaymentData):
    reason: str | None = None


class PaymentFailedData(Money):
    invoice_number: str
    reason: str
    attempt_id: str | None = None


class RefundCreatedData(Money):
    refund_id: str
    payment_id: str
    reason: str | None = None


class RefundStatusChangedData(_Data):
    refund_id: str
    payment_id: str | None = None
    status: str
    previous_status: str | None = None


class InvoiceIssuedData(Money):
    invoice_number: str
    due_date: str | None = None
    pay_url: str | None = None
    issuer_name: str | None = None


class InvoicePaidData(Money):
    invoice_number: str
    paid_at: str | None = None
    issuer_name: str | None = None


# --- Elorus (SEEDS §1): what clients did in the portal, documents falling due, the account ----------


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


class SubscriptionChangedData(_Data):
    plan: str
    previous_plan: str
    effective_date: str | None = None


class InvitationAnsweredData(_Data):
    invitee_name: str
    invitee_email: str
    role: str | None = None


# --- RemOnline (SEEDS §2): orders, requests (leads), tasks and appointments of a service shop ------


class OrderStatusChangedData(_Data):
    order_number: str
    status: str
    previous_status: str | None = None
    total: Decimal | None = Field(default=None, ge=0)  # what the client pays on pickup
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    ready_message: str | None = None  # the shop's own words for a ready order (pickup hours, ...)
    device: str | None = None


class RequestStatusChangedData(_Data):
    request_number: str
    status: str
    previous_status: str | None = None
    ask_to_contact: bool | None = None  # e.g. "couldn't reach": ask the client to get in touch
    contact_phone: str | None = None  # the shop's number to call back


class OrderContractorAssignedData(_Data):
    order_number: str
    description: str
    device: str | None = None
    client_name: str | None = None
    due_date: str | None = None


class RequestManagerAssignedData(_Data):
    request_number: str
    client_name: str
    client_phone: str | None = None
    note: str | None = None


class TaskCreatedData(_Data):
    task_title: str
    order_number: str | None = None
    due_date: str | None = None
    author_name: str | None = None


class TaskCompletedData(_Data):
    task_title: str
    order_number: str | None = None
    executor_name: str | None = None


class AppointmentReminderData(_Data):
    starts_at: str  # ISO 8601 local date and time, with or without an offset: templates show it as is
    place: str | None = None
    service_name: str | None = None
    order_number: str | None = None

    @field_validator("starts_at")
    @classmethod
    def _iso(cls, v: str) -> str:
        if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", v):
            raise ValueError("starts_at must be an ISO 8601 date and time, e.g. 2026-03-05T14:30:00+01:00")
        datetime.fromisoformat(v)  # a ValueError here is a validation error too
        return v


# --- Hutkigrosh / ERIP (SEEDS §3): the organisation's own technical notices, buyers' invoices ------


class UrlNotificationFailedData(_Data):
    url: str
    last_error: str
    attempts: int = Field(ge=1)
    endpoint_id: str
    payment_id: str | None = None
    notification_type: str | None = None  # the event type the URL notification carried, e.g. payment.paid
    http_status: int | None = None


class FtpListProcessedData(_Data):
    file_name: str
    result: str  # "accepted" | "rejected" | "partially_accepted" | the service's own word
    records_total: int = Field(ge=0)
    records_failed: int = Field(ge=0)
    errors: list[str] | None = None  # the first few, as the service reported them
    processed_at: str | None = None

    @model_validator(mode="after")
    def _failed_within_total(self) -> FtpListProcessedData:
        if self.records_failed > self.records_total:
            raise ValueError("records_failed exceeds records_total")
        return self


class InvoiceExpiringData(Money):
    invoice_number: str
    expires_on: str
    issuer_name: str | None = None
    account: str | None = None
    pay_url: str | None = None


# --- Mobevo (SEEDS §4): an accounting office's clients, caretakers and activity reports ---------------

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


# --- TaxDome Lite (SEEDS §5): items awaiting the client's action in the portal, and their reminders ---


class _PortalItemData(_Data):
    # Set on a reminder (automatic or a manual resend): "reminder 2 of 3". Absent on the first notice.
    reminder_number: int | None = Field(default=None, ge=1)
    reminders_total: int | None = Field(default=None, ge=1)
    portal_url: str | None = None

    @model_validator(mode="after")
    def _number_within_total(self) -> _PortalItemData:
        if self.reminder_number and self.reminders_total and self.reminder_number > self.reminders_total:
            raise ValueError("reminder_number exceeds reminders_total")
        return self


class ChatMessageReceivedData(_PortalItemData):
    thread_id: str
    sender_name: str
    excerpt: str  # the thread's last message, shortened
    thread_title: str | None = None


class SignatureRequestedData(_PortalItemData):
    document_name: str
    due_date: str | None = None


class ApprovalRequestedData(_PortalItemData):
    document_name: str
    message: str | None = None  # the firm's own words, e.g. when re-requesting pending approvals in bulk


# Audiences: who an event type reaches, before preferences and consent (routing.py resolves them).
SUBSCRIBERS = "subscribers"  # contacts, endpoints and fixed addresses named by the org's subscriptions
EVENT_RECIPIENTS = "event_recipients"  # addresses carried on the event, filtered by their opt-ins
ACTOR = "actor"  # the member who did it (e.g. their own activity summary)
ACCOUNT_MANAGER = "account_manager"  # the subject client's account manager (a member)
CLIENT_CONTACTS = "client_contacts"  # the subject client's contacts whose NOTIFY flag is on


def permission(perm: str) -> str:
    """Members holding a permission, e.g. ``invoices:edit`` (an admin holds every permission)."""
    return f"permission:{perm}"


def relation(name: str) -> str:
    """Members named on the event's subject under ``subject.relations[name]`` (executor, author, ...)."""
    return f"relation:{name}"


def caretaker(department: str) -> str:
    """The subject client's caretakers in a department (accounting, hr)."""
    return f"caretaker:{department}"


# Channels an event type may name. Email, SMS, webhook, Slack and Telegram are queued to senders; in-app is
# written to the inbox by the router itself, for members only, and cannot be switched off.
CHANNELS = frozenset({"email", "sms", "webhook", "inapp", "slack", "telegram"})
# Sections whose permissions gate member audiences (SEEDS §1): "<section>:edit" / "<section>:view".
SECTIONS = (
    "invoices",
    "estimates",
    "credit_notes",
    "expenses",
    "clients",
    "cheques",
    "account",
    "payments",
    "orders",
    "requests",
    "tasks",
    "documents",
    "hr",
    "accounting",
)


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    group: str
    channels: frozenset[str]
    data_model: type[BaseModel]
    example: dict[str, Any]
    audiences: tuple[str, ...] = (SUBSCRIBERS,)
    seeds: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = set(self.channels) - CHANNELS
        if unknown:
            raise ValueError(f"{self.name}: unknown channels {sorted(unknown)}")


_PAID_OR_REVERSED = "payment.paid_or_reversed"
_ELORUS = frozenset({"email", "inapp", "slack"})  # SEEDS §1: in-app always, email and Slack by preference
# SEEDS §2: email, SMS and Telegram (each with its own template), in-app for employees (WhatsApp, Viber: not yet)
_REMONLINE = frozenset({"email", "sms", "inapp", "telegram"})
_MOBEVO = frozenset({"email", "inapp"})  # SEEDS §4: email; in-app too for members
_TAXDOME = frozenset({"email", "inapp"})  # SEEDS §5: an email, and the portal notification

CATALOG: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType(
            "payment.paid",
            "A payment for the org's service was received.",
            _PAID_OR_REVERSED,
            frozenset({"email", "sms", "webhook", "inapp", "slack"}),
            PaymentData,
            {
                "amount": "120.50",
                "currency": "BYN",
                "payment_id": "pay-981",
                "account": "10042",
                "invoice_number": "42",
                "payer_name": "Ivan Petrov",
                "service_name": "Water supply",
            },
            audiences=(SUBSCRIBERS, permission("payments:edit")),
            seeds=("SEEDS §3 paid", "SEEDS §1 online payment"),
        ),
        EventType(
            "payment.reversed",
            "A payment was reversed.",
            _PAID_OR_REVERSED,
            frozenset({"email", "sms", "webhook"}),
            PaymentReversedData,
            {
                "amount": "120.50",
                "currency": "BYN",
                "payment_id": "pay-981",
                "account": "10042",
                "reason": "payer request",
            },
            seeds=("SEEDS §3 reversed",),
        ),
        EventType(
            "payment.failed",
            "An online payment attempt failed.",
            "payment.failed",
            frozenset({"email", "sms", "webhook", "inapp", "slack"}),
            PaymentFailedData,
            {
                "amount": "99.00",
                "currency": "EUR",
                "invoice_number": "INV-2026-042",
                "reason": "card declined",
                "attempt_id": "att-7",
            },
            audiences=(SUBSCRIBERS, permission("payments:edit")),
            seeds=("SEEDS §1 failed payment attempts",),
        ),
        # Refund events ride on the paid/reversed subscriptions, but only their email and SMS cells
        # (SEEDS §3): the URL subscribers of paid/reversed do not get them.
        EventType(
            "refund.created",
            "A refund request was created.",
            _PAID_OR_REVERSED,
            frozenset({"email", "sms"}),
            RefundCreatedData,
            {"amount": "20.00", "currency": "BYN", "refund_id": "ref-17", "payment_id": "pay-981"},
            seeds=("SEEDS §3 refund request created",),
        ),
        EventType(
            "refund.status_changed",
            "A refund request changed status.",
            _PAID_OR_REVERSED,
            frozenset({"email", "sms"}),
            RefundStatusChangedData,
            {"refund_id": "ref-17", "payment_id": "pay-981", "status": "approved", "previous_status": "pending"},
            seeds=("SEEDS §3 refund request status changed",),
        ),
        EventType(
            "invoice.issued",
            "An invoice was issued to a buyer.",
            "buyer.invoice",
            frozenset({"email", "sms"}),
            InvoiceIssuedData,
            {
                "amount": "45.00",
                "currency": "BYN",
                "invoice_number": "42",
                "due_date": "2026-12-01",
                "issuer_name": "Hutki Water",
            },
            audiences=(EVENT_RECIPIENTS, SUBSCRIBERS),
            seeds=("SEEDS §3 buyers: invoice issued",),
        ),
        EventType(
            "invoice.paid",
            "An invoice was paid.",
            "buyer.invoice",
            # buyers on the event get email/SMS only; members who edit invoices also see it in-app and on Slack
            frozenset({"email", "sms", "inapp", "slack"}),
            InvoicePaidData,
            {"amount": "45.00", "currency": "BYN", "invoice_number": "42", "issuer_name": "Hutki Water"},
            audiences=(EVENT_RECIPIENTS, SUBSCRIBERS, permission("invoices:edit")),
            seeds=("SEEDS §3 buyers: invoice paid", "SEEDS §1 client paid an invoice"),
        ),
        # --- Elorus (SEEDS §1): members who can edit the section concerned; always in-app ---------------
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
            seeds=("SEEDS §1 client viewed an invoice",),
        ),
        EventType(
            "estimate.viewed",
            "A client viewed an estimate in the client portal.",
            "estimate.viewed",
            _ELORUS,
            EstimateViewedData,
            {"estimate_number": "EST-0057", "client_name": "Papadopoulos S.A.", "viewed_at": "2026-03-01T10:12:00Z"},
            audiences=(permission("estimates:edit"),),
            seeds=("SEEDS §1 client viewed an estimate",),
        ),
        EventType(
            "credit_note.viewed",
            "A client viewed a credit note in the client portal.",
            "credit_note.viewed",
            _ELORUS,
            CreditNoteViewedData,
            {"credit_note_number": "CN-0009", "client_name": "Papadopoulos S.A."},
            audiences=(permission("credit_notes:edit"),),
            seeds=("SEEDS §1 client viewed a credit note",),
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
            seeds=("SEEDS §1 client accepted an estimate",),
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
            },
            audiences=(permission("estimates:edit"),),
            seeds=("SEEDS §1 client rejected an estimate",),
        ),
        EventType(
            "client.details_changed",
            "A client changed their details through the client portal.",
            "client.details_changed",
            _ELORUS,
            ClientDetailsChangedData,
            {"client_name": "Papadopoulos S.A.", "changed_fields": ["address", "vat_number"]},
            audiences=(permission("clients:edit"),),
            seeds=("SEEDS §1 client changed their details",),
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
            seeds=("SEEDS §1 overdue sales document",),
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
            },
            audiences=(permission("expenses:edit"),),
            seeds=("SEEDS §1 overdue purchase document",),
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
            },
            audiences=(permission("invoices:edit"),),
            seeds=("SEEDS §1 recurring sales invoice generated",),
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
            },
            audiences=(permission("expenses:edit"),),
            seeds=("SEEDS §1 recurring purchase invoice generated",),
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
            seeds=("SEEDS §1 post-dated cheque falls due",),
        ),
        EventType(
            "subscription.upgraded",
            "The organisation's subscription was upgraded.",
            "subscription.upgraded",
            _ELORUS,
            SubscriptionChangedData,
            {"plan": "Premium", "previous_plan": "Basic", "effective_date": "2026-03-01"},
            audiences=(permission("account:edit"),),
            seeds=("SEEDS §1 subscription upgraded",),
        ),
        EventType(
            "subscription.downgraded",
            "The organisation's subscription was downgraded.",
            "subscription.downgraded",
            _ELORUS,
            SubscriptionChangedData,
            {"plan": "Basic", "previous_plan": "Premium", "effective_date": "2026-04-01"},
            audiences=(permission("account:edit"),),
            seeds=("SEEDS §1 subscription downgraded",),
        ),
        EventType(
            "invitation.accepted",
            "An invited user accepted the invitation to the organisation.",
            "invitation.accepted",
            _ELORUS,
            InvitationAnsweredData,
            {"invitee_name": "Maria Georgiou", "invitee_email": "maria@papadopoulos.example", "role": "Accountant"},
            audiences=(permission("account:edit"),),
            seeds=("SEEDS §1 invited user accepted",),
        ),
        EventType(
            "invitation.declined",
            "An invited user declined the invitation to the organisation.",
            "invitation.declined",
            _ELORUS,
            InvitationAnsweredData,
            {"invitee_name": "Nikos Ioannou", "invitee_email": "nikos@ioannou.example"},
            audiences=(permission("account:edit"),),
            seeds=("SEEDS §1 invited user declined",),
        ),
        # --- RemOnline (SEEDS §2): clients (with consent), executors, managers, task authors -------------
        EventType(
            "order.status_changed",
            "A repair order changed status (e.g. ready for pickup, with the amount due).",
            "order.status_changed",
            _REMONLINE,
            OrderStatusChangedData,
            {
                "order_number": "A-1042",
                "status": "Ready",
                "previous_status": "In repair",
                "total": "350.00",
                "currency": "PLN",
                "ready_message": "Pick up Mon-Fri 9:00-18:00.",
                "device": "iPhone 12",
            },
            audiences=(CLIENT_CONTACTS, relation("executor"), relation("manager")),
            seeds=("SEEDS §2 order status changed to Ready",),
        ),
        EventType(
            "request.status_changed",
            "A request (lead) changed status (e.g. couldn't reach: the client is asked to get in touch).",
            "request.status_changed",
            _REMONLINE,
            RequestStatusChangedData,
            {
                "request_number": "R-317",
                "status": "Couldn't reach",
                "previous_status": "New",
                "ask_to_contact": True,
                "contact_phone": "+48 22 123 45 67",
            },
            audiences=(CLIENT_CONTACTS, relation("manager")),
            seeds=("SEEDS §2 request status couldn't reach",),
        ),
        EventType(
            "order.contractor_assigned",
            "A contractor (executor) was assigned to an order.",
            "order.contractor_assigned",
            _REMONLINE,
            OrderContractorAssignedData,
            {
                "order_number": "A-1042",
                "description": "Replace the screen, check the battery",
                "device": "iPhone 12",
                "client_name": "Jan Kowalski",
                "due_date": "2026-03-04",
            },
            audiences=(relation("executor"),),
            seeds=("SEEDS §2 contractor assigned to an order",),
        ),
        EventType(
            "request.manager_assigned",
            "A manager was assigned to a request and should call the client.",
            "request.manager_assigned",
            _REMONLINE,
            RequestManagerAssignedData,
            {
                "request_number": "R-317",
                "client_name": "Jan Kowalski",
                "client_phone": "+48 601 234 567",
                "note": "Asks about a laptop keyboard repair",
            },
            audiences=(relation("manager"),),
            seeds=("SEEDS §2 manager assigned to a request",),
        ),
        EventType(
            "task.created",
            "A task was created for its executor.",
            "task.created",
            _REMONLINE,
            TaskCreatedData,
            {
                "task_title": "Order a replacement screen",
                "order_number": "A-1042",
                "due_date": "2026-03-03",
                "author_name": "Piotr Nowak",
            },
            audiences=(relation("executor"),),
            seeds=("SEEDS §2 task created: to the executor",),
        ),
        EventType(
            "task.completed",
            "A task was completed; its author is told.",
            "task.completed",
            _REMONLINE,
            TaskCompletedData,
            {"task_title": "Order a replacement screen", "order_number": "A-1042", "executor_name": "Kasia Wiśniewska"},
            audiences=(relation("author"),),
            seeds=("SEEDS §2 task completed: to the author",),
        ),
        EventType(
            "appointment.reminder",
            "A reminder of the client's appointment, sent a chosen time before it.",
            "appointment.reminder",
            frozenset({"email", "sms", "telegram"}),
            AppointmentReminderData,
            {
                "starts_at": "2026-03-05T14:30:00+01:00",
                "place": "ul. Marszałkowska 10, Warszawa",
                "service_name": "Screen replacement",
                "order_number": "A-1042",
            },
            audiences=(CLIENT_CONTACTS,),
            seeds=("SEEDS §2 appointment reminder",),
        ),
        # --- Hutkigrosh (SEEDS §3): organisation-level notices (chosen contacts), buyers' invoices ---------
        EventType(
            "url_notification.failed",
            "A URL (webhook) notification could not be delivered to the organisation's endpoint.",
            "url_notification.failed",
            frozenset({"email"}),
            UrlNotificationFailedData,
            {
                "url": "https://erp.hutki.example/erip/notify",
                "last_error": "HTTP 503 Service Unavailable",
                "attempts": 5,
                "endpoint_id": "erp",
                "payment_id": "pay-981",
                "notification_type": "payment.paid",
                "http_status": 503,
            },
            seeds=("SEEDS §3 organisation: error while sending a URL notification",),
        ),
        EventType(
            "ftp_list.processed",
            "A list received over FTP was processed: accepted, rejected or partly accepted.",
            "ftp_list.processed",
            frozenset({"email"}),
            FtpListProcessedData,
            {
                "file_name": "invoices_20260301.xml",
                "result": "partially_accepted",
                "records_total": 120,
                "records_failed": 2,
                "errors": ["record 17: unknown account 10999", "record 64: amount must be positive"],
                "processed_at": "2026-03-01T10:14:00Z",
            },
            seeds=("SEEDS §3 organisation: result of receiving / processing a list over FTP",),
        ),
        EventType(
            "invoice.expiring",
            "An invoice issued to a buyer is about to expire unpaid.",
            "buyer.invoice",
            frozenset({"email"}),
            InvoiceExpiringData,
            {
                "amount": "45.00",
                "currency": "BYN",
                "invoice_number": "42",
                "expires_on": "2026-12-01",
                "issuer_name": "Hutki Water",
                "account": "10042",
            },
            audiences=(EVENT_RECIPIENTS, SUBSCRIBERS),
            seeds=("SEEDS §3 buyers: invoice validity expiring",),
        ),
        # --- Mobevo (SEEDS §4): account managers, caretakers, the user, configured addresses -------------
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
            seeds=("SEEDS §4 module Audit finished: to the account manager",),
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
            seeds=("SEEDS §4 client delivered documents: to the accounting caretaker",),
        ),
        EventType(
            "user.activity",
            "A user's own activity for the day, week or month: invoices they approved.",
            "user.activity",
            _MOBEVO,
            UserActivityData,
            {"period": "weekly", "invoices_approved": 37, "period_start": "2026-02-23", "period_end": "2026-03-01"},
            audiences=(ACTOR,),
            seeds=("SEEDS §4 user activity: daily, weekly, monthly",),
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
            seeds=("SEEDS §4 all users' activity (summary): to configured addresses",),
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
            seeds=("SEEDS §4 client activity for HR: to HR caretakers",),
        ),
        EventType(
            "client.activity_accounting",
            "Something a client did that concerns accounting (sales invoice added, scans sent...).",
            "client.activity_accounting",
            _MOBEVO,
            ClientActivityData,
            {"client_name": "Kowalski Sp. z o.o.", "activity": "sales invoice added", "detail": "FV 12/03/2026"},
            audiences=(caretaker("accounting"),),
            seeds=("SEEDS §4 client activity for accounting: to accounting caretakers",),
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
            seeds=("SEEDS §4 absences: to configured addresses",),
        ),
        # --- TaxDome Lite (SEEDS §5): the client's users with NOTIFY on; reminders repeat the event -------
        EventType(
            "chat.message_received",
            "A chat message awaits the client (first notice or a reminder about the thread's last message).",
            "chat.message_received",
            _TAXDOME,
            ChatMessageReceivedData,
            {
                "thread_id": "thr-5521",
                "thread_title": "Tax return 2025",
                "sender_name": "Laura Bianchi",
                "excerpt": "Could you upload your 2025 CU certificate by Friday?",
                "reminder_number": 2,
                "reminders_total": 3,
                "portal_url": "https://portal.studiorossi.example/chats/thr-5521",
            },
            audiences=(CLIENT_CONTACTS,),
            seeds=("SEEDS §5 unread chat message and its reminders",),
        ),
        EventType(
            "signature.requested",
            "A document awaits the client's signature (first notice or a reminder).",
            "signature.requested",
            _TAXDOME,
            SignatureRequestedData,
            {
                "document_name": "Engagement letter 2026.pdf",
                "due_date": "2026-03-10",
                "portal_url": "https://portal.studiorossi.example/documents/8812",
            },
            audiences=(CLIENT_CONTACTS,),
            seeds=("SEEDS §5 document awaiting signature and its reminders",),
        ),
        EventType(
            "approval.requested",
            "A document awaits the client's approval (first notice, a reminder or a manual resend).",
            "approval.requested",
            _TAXDOME,
            ApprovalRequestedData,
            {
                "document_name": "Balance sheet 2025.pdf",
                "reminder_number": 1,
                "reminders_total": 1,
                "message": "Please approve by the end of the week so we can file on time.",
                "portal_url": "https://portal.studiorossi.example/documents/8820",
            },
            audiences=(CLIENT_CONTACTS,),
            seeds=("SEEDS §5 document awaiting approval, reminders and bulk re-request",),
        ),
    )
}


def lookup(event_type: str) -> EventType | None:
    return CATALOG.get(event_type)


def groups() -> set[str]:
    return {e.group for e in CATALOG.values()}


def subscribable_groups() -> set[str]:
    """Groups an org can subscribe contacts or endpoints to: those with an event reaching subscribers."""
    return {e.group for e in CATALOG.values() if SUBSCRIBERS in e.audiences}
