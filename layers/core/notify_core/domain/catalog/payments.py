"""Money moving between an org and its customers: payments, refunds and invoices issued to buyers.

Shared by two products, so neither module owns them: Hutkigrosh collects payments and issues buyers'
invoices (products.md §3), Elorus takes online payments of its invoices (products.md §1). ``payment.paid`` and
``invoice.paid`` serve both; each entry's ``seeds`` names the products it serves.
"""

from __future__ import annotations

from notify_core.domain.catalog.base import EVENT_RECIPIENTS, SUBSCRIBERS, EventType, Money, _Data, permission

_PAID_OR_REVERSED = "payment.paid_or_reversed"


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


EVENT_TYPES: tuple[EventType, ...] = (
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
        seeds=("products.md §3 paid", "products.md §1 online payment"),
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
        seeds=("products.md §3 reversed",),
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
        seeds=("products.md §1 failed payment attempts",),
    ),
    # Refund events ride on the paid/reversed subscriptions, but only their email and SMS cells
    # (products.md §3): the URL subscribers of paid/reversed do not get them.
    EventType(
        "refund.created",
        "A refund request was created.",
        _PAID_OR_REVERSED,
        frozenset({"email", "sms"}),
        RefundCreatedData,
        {"amount": "20.00", "currency": "BYN", "refund_id": "ref-17", "payment_id": "pay-981"},
        seeds=("products.md §3 refund request created",),
    ),
    EventType(
        "refund.status_changed",
        "A refund request changed status.",
        _PAID_OR_REVERSED,
        frozenset({"email", "sms"}),
        RefundStatusChangedData,
        {"refund_id": "ref-17", "payment_id": "pay-981", "status": "approved", "previous_status": "pending"},
        seeds=("products.md §3 refund request status changed",),
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
            "pay_url": "https://pay.hutki.example/i/42",
            "issuer_name": "Hutki Water",
        },
        audiences=(EVENT_RECIPIENTS, SUBSCRIBERS),
        seeds=("products.md §3 buyers: invoice issued",),
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
        seeds=("products.md §3 buyers: invoice paid", "products.md §1 client paid an invoice"),
        always_send="the receipt of a payment the buyer made: proof of payment, not a notice they opted into",
    ),
)
