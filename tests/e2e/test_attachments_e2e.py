"""Hutkigrosh (products.md §3) with the invoice PDF: the product uploads the document under its org's folder of
the attachments bucket, publishes ``invoice.issued`` naming it, and the buyer's email carries it."""

from __future__ import annotations

import boto3
import pytest

from tests.conftest import ORG, put_event, recent

pytestmark = pytest.mark.e2e

OLGA = {
    "name": "Olga",
    "email": "olga@buyer.example",
    "phone": "+375447001122",
    "channels": ["email", "sms"],
    "events": ["invoice.issued"],
}
INVOICE = {
    "amount": "45.00",
    "currency": "BYN",
    "invoice_number": "42",
    "due_date": "2026-12-01",
    "issuer_name": "Hutki Water",
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"\x00\xff" * 5000 + b"\n%%EOF\n"


def test_buyer_gets_the_invoice_pdf_by_email_and_a_plain_sms(hutki):
    # What a product service does, with plain boto3: upload, then publish.
    bucket = hutki.bucket_names["attachments"]
    key = f"{ORG}/invoices/2026/42.pdf"
    boto3.client("s3", endpoint_url=hutki.endpoint_url).put_object(
        Bucket=bucket, Key=key, Body=PDF, ContentType="application/pdf"
    )
    detail = {
        "org_id": ORG,
        "event_id": "inv-42-issued",
        "occurred_at": recent(minutes_ago=1),
        "subject": {"type": "invoice", "id": "inv-42"},
        "data": INVOICE,
        "recipients": [OLGA],
        "attachments": [{"key": key, "filename": "Счёт 42.pdf", "content_type": "application/pdf"}],
    }
    put_event(hutki, "invoice.issued", detail, source="invoicing")
    hutki.wait_idle()
    out = hutki.outbox()

    [email] = out.emails_to("olga@buyer.example")
    assert email.subject == "Invoice 42 from Hutki Water"
    assert email.to == ["olga@buyer.example"]
    assert "45.00" in email.text and "45.00" in email.html
    [pdf] = email.attachments
    assert (pdf.filename, pdf.content_type, pdf.data) == ("Счёт 42.pdf", "application/pdf", PDF)
    [sms] = out.sms_to("+375447001122")
    assert "42" in sms.text
    assert {(d["channel"], d["status"]) for d in out.deliveries} == {("email", "sent"), ("sms", "sent")}
    assert out.quarantined == []
