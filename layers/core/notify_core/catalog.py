"""The event catalog: every event type the platform routes, in one place.

Each entry names its data schema, an example, the subscription group it belongs to, the channels it
may use and its audience. Default templates live in templates/<event type>/<channel>[.<locale>].j2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


# Audiences the router knows (later issues add permissions, relationships, fixed addresses).
SUBSCRIBERS = "subscribers"  # contacts/endpoints named by the org's subscriptions for the group
EVENT_RECIPIENTS = "event_recipients"  # addresses carried on the event, filtered by their opt-ins


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


_PAID_OR_REVERSED = "payment.paid_or_reversed"

CATALOG: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType(
            "payment.paid",
            "A payment for the org's service was received.",
            _PAID_OR_REVERSED,
            frozenset({"email", "sms", "webhook"}),
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
            frozenset({"email", "sms", "webhook"}),
            PaymentFailedData,
            {
                "amount": "99.00",
                "currency": "EUR",
                "invoice_number": "INV-2026-042",
                "reason": "card declined",
                "attempt_id": "att-7",
            },
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
            frozenset({"email", "sms"}),
            InvoicePaidData,
            {"amount": "45.00", "currency": "BYN", "invoice_number": "42", "issuer_name": "Hutki Water"},
            audiences=(EVENT_RECIPIENTS, SUBSCRIBERS),
            seeds=("SEEDS §3 buyers: invoice paid", "SEEDS §1 client paid an invoice"),
        ),
    )
}


def lookup(event_type: str) -> EventType | None:
    return CATALOG.get(event_type)


def groups() -> set[str]:
    return {e.group for e in CATALOG.values()}

