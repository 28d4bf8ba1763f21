"""Hutkigrosh / ERIP (products.md §3, payment collection): the organisation's own technical notices, buyers' invoices.

Organisation-level notices go to the contacts chosen in the org's subscriptions. Hutkigrosh's payments,
refunds and buyers' invoice.issued / invoice.paid sit in ``payments``, next to the payment events Elorus shares.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from notify_core.domain.catalog.base import EVENT_RECIPIENTS, SUBSCRIBERS, EventType, Money, _Data


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


EVENT_TYPES: tuple[EventType, ...] = (
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
        seeds=("products.md §3 organisation: error while sending a URL notification",),
        always_send="the org's own integration is failing and payments go unrecorded until someone fixes it",
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
        seeds=("products.md §3 organisation: result of receiving / processing a list over FTP",),
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
            "pay_url": "https://pay.hutki.example/i/42",
        },
        audiences=(EVENT_RECIPIENTS, SUBSCRIBERS),
        seeds=("products.md §3 buyers: invoice validity expiring",),
    ),
)
