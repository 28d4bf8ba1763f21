"""Email attachments against moto: documents read from the attachments bucket, sent as raw MIME through
SES v2 with the configuration set and tags, refused when too large, quarantined when another org's."""

from __future__ import annotations

import boto3
import pytest

from notify_core import config
from tests.conftest import ORG, inject_aws_error, make_detail, put_event

pytestmark = pytest.mark.integration

ANNA = "anna@hutki.example"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
KEY = f"{ORG}/receipts/pay-1.pdf"
ATTACHMENT = {"key": KEY, "filename": "Квитанция №1.pdf", "content_type": "application/pdf"}


def upload(rt, key: str, body: bytes) -> None:
    boto3.client("s3").put_object(Bucket=rt.bucket_names["attachments"], Key=key, Body=body)


def ses_requests(rt) -> list[dict]:
    """The parameters of every sesv2 SendEmail the sender makes (moto keeps neither tags nor the set)."""
    seen: list[dict] = []

    def record(call, params, function):
        seen.append(dict(params))
        return call(params)

    rt.around_aws_call("sesv2", "SendEmail", record)
    return seen


def test_email_with_a_pdf_attachment_is_sent_as_raw_mime_with_the_set_and_tags(hutki):
    upload(hutki, KEY, PDF)
    sent = ses_requests(hutki)
    put_event(hutki, "payment.paid", make_detail("pay-attach", attachments=[ATTACHMENT]))
    hutki.wait_idle()
    out = hutki.outbox()

    [email] = out.emails_to(ANNA)
    assert email.to == [ANNA]
    assert email.sender == "notifications@hutki.example"
    assert [(a.filename, a.content_type, a.data) for a in email.attachments] == [
        ("Квитанция №1.pdf", "application/pdf", PDF)
    ]
    assert "120.50" in email.text and "120.50" in email.html  # both bodies, rendered from the template
    assert "&lt;b&gt;Petrov&lt;/b&gt;" in email.html  # still autoescaped on the raw path

    [request] = [r for r in sent if r["Destination"]["ToAddresses"] == [ANNA]]
    assert set(request["Content"]) == {"Raw"}
    assert request["ConfigurationSetName"] == "notify-feedback"
    [delivery] = out.deliveries_with(channel="email", address=ANNA)
    assert delivery["status"] == "sent"
    assert {t["Name"]: t["Value"] for t in request["EmailTags"]} == {
        "org_id": ORG,
        "delivery_id": delivery["delivery_id"],
    }
    # The other channels got the event, not the document.
    assert out.sms and all("pdf" not in s.text.lower() for s in out.sms)
    [hook] = out.webhooks
    assert "payment.paid" in hook.body and KEY not in hook.body and "attachments" not in hook.body


def test_one_attachment_costs_a_head_a_get_and_one_send(hutki):
    upload(hutki, KEY, PDF)
    with hutki.paused():
        put_event(hutki, "payment.paid", make_detail("pay-calls", attachments=[ATTACHMENT]))
        assert hutki.invoke("router", hutki.take_batch("events")) == {"batchItemFailures": []}
        hutki.aws_calls.clear()
        assert hutki.invoke("send_email", hutki.take_batch("email")) == {"batchItemFailures": []}
    calls = hutki.aws_calls
    assert (calls["s3:HeadObject"], calls["s3:GetObject"], calls["sesv2:SendEmail"]) == (1, 1, 1)
    assert not [c for c in calls if c.startswith("s3:") and c not in {"s3:HeadObject", "s3:GetObject"}]


def test_without_attachments_no_document_is_read_and_the_one_mime_path_has_no_attachment(hutki):
    # Every email is raw MIME now (display-name From, Reply-To, List-Unsubscribe); without documents no S3 call.
    sent = ses_requests(hutki)
    put_event(hutki, "payment.paid", make_detail("pay-plain"))
    hutki.wait_idle()
    [email] = hutki.outbox().emails_to(ANNA)
    assert email.raw is not None and email.attachments == []
    assert email.headers["From"] == "Hutki Water <notifications@hutki.example>"
    assert not [c for c in hutki.aws_calls if c.startswith("s3:")]
    [request] = [r for r in sent if r["Destination"]["ToAddresses"] == [ANNA]]
    assert set(request["Content"]) == {"Raw"}
    assert request["ConfigurationSetName"] == "notify-feedback"


def test_too_large_fails_for_good_with_the_file_and_sizes_and_nothing_is_sent(hutki):
    limit = int(hutki.function_environment("send_email")[config.ATTACHMENT_MAX_FILE_BYTES])
    assert limit == 5 * 1024 * 1024  # the wiring's default
    upload(hutki, KEY, PDF)
    upload(hutki, f"{ORG}/scans/big.pdf", b"0" * (limit + 1))
    big = {"key": f"{ORG}/scans/big.pdf", "filename": "big scan.pdf", "content_type": "application/pdf"}
    put_event(hutki, "payment.paid", make_detail("pay-big", attachments=[ATTACHMENT, big]))
    hutki.wait_idle()
    out = hutki.outbox()

    assert out.emails == []  # no email to anyone: every email delivery carried the same documents
    failed = out.deliveries_with(channel="email")
    assert failed and {d["status"] for d in failed} == {"failed"}
    for d in failed:
        assert d["error_code"] == "attachment_too_large"
        assert "'big scan.pdf' is 5.0 MB (5242881 bytes), over the 5.0 MB per-file limit" in d["error_detail"]
        assert d["attempt_count"] == 1  # permanent: not retried
    assert hutki.aws_calls["s3:GetObject"] == 0  # refused on HeadObject, nothing downloaded
    assert out.sms  # the SMS went out as usual


def test_a_missing_document_is_retried_then_dead_as_attachment_missing(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-missing", attachments=[ATTACHMENT]))
    hutki.wait_idle()
    out = hutki.outbox()
    assert out.emails == []
    [d] = out.deliveries_with(channel="email", address=ANNA)
    assert d["status"] == "dead"
    assert d["error_code"] == "attachment_missing"
    assert d["attempt_count"] == 5  # the email queue's maxReceiveCount: an upload racing the event gets time
    assert d["payload"]  # kept for `notify replay` once the document is there


def test_a_document_uploaded_after_the_first_try_is_sent_on_a_retry(hutki):
    with hutki.paused():
        put_event(hutki, "payment.paid", make_detail("pay-race", attachments=[ATTACHMENT]))
        hutki.invoke("router", hutki.take_batch("events"))
        batch = hutki.take_batch("email")
        first = hutki.invoke("send_email", batch)
        assert len(first["batchItemFailures"]) == len(batch["Records"])  # not there yet: retry
        upload(hutki, KEY, PDF)
    hutki.wait_idle()
    [email] = hutki.outbox().emails_to(ANNA)
    assert email.attachments[0].data == PDF
    [d] = hutki.outbox().deliveries_with(channel="email", address=ANNA)
    assert d["status"] == "sent"
    assert d["attempts"][0]["code"] == "attachment_missing"


def test_s3_throttling_is_retried(hutki):
    upload(hutki, KEY, PDF)
    inject_aws_error(hutki, "s3", "GetObject", "SlowDown", status=503)
    put_event(hutki, "payment.paid", make_detail("pay-slow", attachments=[ATTACHMENT]))
    hutki.wait_idle()
    [email] = hutki.outbox().emails_to(ANNA)
    assert email.attachments[0].data == PDF
    [d] = hutki.outbox().deliveries_with(channel="email", address=ANNA)
    assert d["status"] == "sent"
    assert [a.get("code") for a in d["attempts"]] == ["attachment_unavailable:SlowDown", None]


def test_another_orgs_document_is_quarantined_and_nothing_is_sent(hutki):
    other = "elorus-a/invoices/INV-9.pdf"
    upload(hutki, other, PDF)  # it exists: only the tenant check stands in the way
    steal = {"key": other, "filename": "INV-9.pdf", "content_type": "application/pdf"}
    put_event(hutki, "payment.paid", make_detail("pay-steal", attachments=[steal]))
    hutki.wait_idle()
    out = hutki.outbox()
    assert out.emails == [] and out.sms == [] and out.webhooks == [] and out.deliveries == []
    [q] = out.quarantined
    assert q["reason"] == "attachment_outside_tenant"
    assert other in q["detail"] and f"'{ORG}/'" in q["detail"]
    assert not [c for c in hutki.aws_calls if c.startswith("s3:")]
