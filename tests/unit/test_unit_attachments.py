"""Email attachments: the contract (tenant prefix, filename, content type, count), what the router queues,
the MIME message the sender builds and the size limits it enforces."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from unit_factories import ORG_ID, contact, detail, envelope, settings, subscription

from notify_core.domain import catalog, routing
from notify_core.domain.envelope import MAX_ATTACHMENTS, parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError, PermanentDeliveryError
from notify_core.domain.mime import Document, build_message, check_sizes

pytestmark = pytest.mark.unit

PDF = {"key": f"{ORG_ID}/invoices/INV-7.pdf", "filename": "INV-7.pdf", "content_type": "application/pdf"}


def _validate(attachments, *, org_id: str = ORG_ID):
    d = detail("payment.paid", org_id=org_id)
    d["attachments"] = attachments
    return validate_detail(
        parse_envelope(envelope("payment.paid", event_detail=d)), catalog.CATALOG["payment.paid"].data_model
    )


def _rejected(attachments, **kw) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        _validate(attachments, **kw)
    return info.value


# --- the contract --------------------------------------------------------------------------------------


def test_attachments_are_optional_and_parsed_when_present():
    assert _validate([]).detail.attachments == []
    [a] = _validate([{**PDF, "content_type": "Application/PDF"}]).detail.attachments
    assert (a.key, a.filename, a.content_type) == (PDF["key"], "INV-7.pdf", "application/pdf")


def test_a_key_of_another_org_is_refused_with_its_own_reason():
    err = _rejected([PDF, {**PDF, "key": "org-elorus/invoices/INV-7.pdf"}])
    assert err.reason == "attachment_outside_tenant"
    assert "attachments.1.key" in err.detail and "org-elorus/invoices/INV-7.pdf" in err.detail
    assert f"{ORG_ID}/" in err.detail


@pytest.mark.parametrize(
    "key",
    [
        f"{ORG_ID}-evil/invoices/INV-7.pdf",  # shares the org id as a string prefix, not as a folder
        f"{ORG_ID}/",  # the prefix itself, no object
        "INV-7.pdf",  # no prefix at all
    ],
)
def test_only_keys_under_the_org_folder_are_accepted(key):
    assert _rejected([{**PDF, "key": key}]).reason == "attachment_outside_tenant"


def test_an_org_id_with_a_slash_cannot_attach_since_its_folder_nests_in_another_orgs():
    err = _rejected([{**PDF, "key": "org-hutki/b/x.pdf"}], org_id="org-hutki/b")
    assert err.reason == "attachment_outside_tenant" and "contains '/'" in err.detail
    # Without attachments such an org is as welcome as before.
    assert _validate([], org_id="org-hutki/b").detail.attachments == []


@pytest.mark.parametrize(
    "key",
    [f"{ORG_ID}/../org-elorus/x.pdf", f"/{ORG_ID}/x.pdf", f"{ORG_ID}//x.pdf", f"{ORG_ID}/a\nb.pdf", f"{ORG_ID}\\x.pdf"],
)
def test_keys_that_look_like_paths_out_are_invalid(key):
    err = _rejected([{**PDF, "key": key}])
    assert err.reason == "invalid_detail" and "attachments.0.key" in err.detail


@pytest.mark.parametrize(
    "filename",
    ["../INV-7.pdf", "invoices/INV-7.pdf", "C:\\INV-7.pdf", "INV\r\n-7.pdf", "INV-7\u202efdp.exe", "..", "", "run.EXE"],
)
def test_filenames_must_be_bare_names_of_a_type_ses_sends(filename):
    err = _rejected([{**PDF, "filename": filename}])
    assert err.reason == "invalid_detail" and "attachments.0.filename" in err.detail


@pytest.mark.parametrize("content_type", ["pdf", "application/pdf; name=x.pdf", "application/", "x-evil/pdf", ""])
def test_content_type_must_be_a_plain_media_type(content_type):
    err = _rejected([{**PDF, "content_type": content_type}])
    assert err.reason == "invalid_detail" and "attachments.0.content_type" in err.detail


def test_at_most_ten_attachments_and_no_unknown_fields():
    ok = [{**PDF, "key": f"{ORG_ID}/doc-{i}.pdf"} for i in range(MAX_ATTACHMENTS)]
    assert len(_validate(ok).detail.attachments) == MAX_ATTACHMENTS == 10
    too_many = _rejected([*ok, PDF])
    assert too_many.reason == "invalid_detail" and "attachments" in too_many.detail
    assert _rejected([{**PDF, "bytes": "JVBERi0="}]).reason == "invalid_detail"


# --- the router queues references, for email only --------------------------------------------------


def test_only_email_messages_carry_the_references():
    event = _validate([PDF])
    org = settings(
        subscriptions=[subscription({"email": ["anna"], "sms": ["anna"]})],
        contacts=[contact("anna", emails=[("anna@hutki.example", "work")], phones=[("+375291234567", "work")])],
    )
    result = routing.route(event, catalog.CATALOG["payment.paid"], org)
    messages = {d.channel: routing.queue_message(event, d, org) for d in result.sendable}
    assert set(messages) == {"email", "sms"}
    assert messages["email"]["attachments"] == [PDF]
    assert "attachments" not in messages["sms"]

    plain = _validate([])
    [email] = [
        routing.queue_message(plain, d, org)
        for d in routing.route(plain, catalog.CATALOG["payment.paid"], org).sendable
        if d.channel == "email"
    ]
    assert "attachments" not in email  # an email without documents: the message is as before


# --- the MIME message ----------------------------------------------------------------------------------

BINARY = bytes(range(256)) * 40 + b"%%EOF"


def _build(**kw) -> bytes:
    args = dict(
        sender="Hutki <notifications@hutki.example>",
        to="olga@buyer.example",
        subject="Счёт № 7 выставлен",
        text="Здравствуйте, Ольга! Счёт во вложении.",
        html="<p>Здравствуйте, <b>Ольга</b>!</p>",
        documents=[
            Document("Счёт №7 (копия).pdf", "application/pdf", BINARY),
            Document("a.png", "image/png", b"\x89PNG"),
        ],
    )
    return build_message(**{**args, **kw})


def test_mixed_message_with_both_alternatives_and_the_attachments():
    raw = _build()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg.get_content_type() == "multipart/mixed"
    body, *files = msg.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    plain, html = body.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content().strip() == "Здравствуйте, Ольга! Счёт во вложении."
    assert html.get_content().strip() == "<p>Здравствуйте, <b>Ольга</b>!</p>"
    assert msg["Subject"] == "Счёт № 7 выставлен"
    assert msg["To"] == "olga@buyer.example" and "notifications@hutki.example" in msg["From"]
    assert msg["Date"] and msg["MIME-Version"] == "1.0"

    assert [(f.get_filename(), f.get_content_type(), f.get_content_disposition()) for f in files] == [
        ("Счёт №7 (копия).pdf", "application/pdf", "attachment"),
        ("a.png", "image/png", "attachment"),
    ]
    assert files[0].get_payload(decode=True) == BINARY  # every byte value survives
    assert files[1].get_payload(decode=True) == b"\x89PNG"


def test_message_is_seven_bit_with_encoded_headers_and_one_line_subject():
    raw = _build(subject="Invoice\n  INV-7\r\nBcc: someone@evil.example")
    assert max(raw) < 128, "non-ASCII must be encoded (RFC 2047/2231, quoted-printable, base64)"
    assert b"\r\n" in raw
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Subject"] == "Invoice INV-7 Bcc: someone@evil.example"
    assert msg["Bcc"] is None
    assert "filename*=utf-8''" in raw.decode().replace("\r\n ", "").replace("filename*0*", "filename*")


# --- size limits ---------------------------------------------------------------------------------------


def test_sizes_within_the_limits_pass():
    check_sizes([("a.pdf", 5), ("b.pdf", 5)], max_file_bytes=5, max_total_bytes=10)


def test_a_file_over_the_per_file_limit_is_named_with_its_size():
    with pytest.raises(PermanentDeliveryError) as info:
        check_sizes(
            [("a.pdf", 10), ("big scan.pdf", 6 * 1024 * 1024)],
            max_file_bytes=5 * 1024 * 1024,
            max_total_bytes=100 * 1024 * 1024,
        )
    assert info.value.code == "attachment_too_large"
    assert "'big scan.pdf' is 6.0 MB (6291456 bytes), over the 5.0 MB per-file limit" in info.value.detail


def test_files_within_the_per_file_limit_can_still_be_too_large_together():
    with pytest.raises(PermanentDeliveryError) as info:
        check_sizes([("a.pdf", 6), ("b.pdf", 5)], max_file_bytes=6, max_total_bytes=10)
    assert info.value.code == "attachment_too_large"
    assert "total" in info.value.detail and "'a.pdf'" in info.value.detail and "'b.pdf'" in info.value.detail


def test_the_sender_checks_the_tenant_prefix_again_before_any_s3_call():
    # A queue message can also come from a replay of a stored payload: the sender does not trust it blindly.
    from notify_core.adapters.s3_attachments import AttachmentStore

    class NoS3:
        def __getattr__(self, name):  # any S3 call at all fails the test
            raise AssertionError(f"S3 {name} called before the tenant check")

    store = AttachmentStore(NoS3(), "notify-attachments", max_file_bytes=10, max_total_bytes=10)
    message = {"org_id": ORG_ID, "attachments": [PDF, {**PDF, "key": "org-elorus/x.pdf", "filename": "x.pdf"}]}
    with pytest.raises(PermanentDeliveryError) as info:
        store.fetch(message)
    assert info.value.code == "attachment_outside_tenant" and "'x.pdf'" in info.value.detail


@pytest.mark.parametrize(
    "subject", ["Поступил платёж: 120.50 BYN (лицевой счёт 10042)", "Payment received", "A" * 120 + " ł"]
)
def test_headers_read_back_exactly_display_name_reply_to_and_one_click_unsubscribe(subject):
    from email import policy as email_policy
    from email.parser import BytesParser

    raw = build_message(
        sender="notifications@hutki.example",
        display_name='Водоканал "Хуткі", ООО',  # noqa: RUF001 (Cyrillic, as an org names itself)
        reply_to="support@hutki.example",
        to="anna@hutki.example",
        subject=subject,
        text="Привет",
        html="<p>Привет</p>",
        documents=[],
        unsubscribe_url="https://api.example/public/unsubscribe?t=" + "A" * 400 + ".sig",
    )
    msg = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert str(msg["Subject"]) == subject  # no leading space from a folded first line
    assert msg["From"].addresses[0].display_name == 'Водоканал "Хуткі", ООО'  # noqa: RUF001
    assert msg["From"].addresses[0].addr_spec == "notifications@hutki.example"
    assert str(msg["Reply-To"]) == "support@hutki.example"
    assert str(msg["List-Unsubscribe"]) == "<https://api.example/public/unsubscribe?t=" + "A" * 400 + ".sig>"
    assert str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)).get_content().strip() == "Привет"
    assert raw.isascii()
