"""One-click unsubscribe end to end on the local runtime: the email carries RFC 8058 headers and a footer saying why,
its URL is POSTed as a mail client does (to the admin API's /public/unsubscribe, served by the local runtime as API
Gateway serves it), and the next event reaches that
address no more (logged ``skipped`` with the reason) while the others still get it; a tampered or expired link is
refused and changes nothing; a receipt (``always_send``) carries no header at all."""

from __future__ import annotations

import time

import pytest

from notify_core.domain import unsubscribe
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

GROUP = "payment.paid_or_reversed"


def _anna_email(out):
    [email] = out.emails_to("anna@hutki.example")
    return email


def test_one_click_unsubscribe_stops_that_address_for_that_group_only(hutki):
    rt = hutki
    put_event(rt, "payment.paid", make_detail("pay-u1", service="water", point="shop-1"))
    rt.wait_idle()
    email = _anna_email(rt.outbox())
    assert email.headers["From"] == "Hutki Water <notifications@hutki.example>"
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = email.unsubscribe_url
    assert url and url.startswith("https://notify.localhost/public/unsubscribe?t=")
    assert f'<a href="{url}" target="_blank"' in email.html  # the footer's link is the same
    assert "You get this because you subscribed to payment paid or reversed at Hutki Water." in email.html
    assert email.text and "Unsubscribe: " + url in email.text

    # A tampered or expired link is refused and changes nothing.
    body, mac = url.split("?t=", 1)[1].split(".")
    tampered = rt.unsubscribe(f"{url.split('?t=')[0]}?t={body[:-4]}AAAA.{mac}")
    assert tampered["statusCode"] == 400
    target = unsubscribe.verify(url.split("?t=", 1)[1], rt.admin.unsubscriber.key(), now=time.time())
    old = unsubscribe.sign(target, rt.admin.unsubscriber.key(), now=time.time() - unsubscribe.TTL_S - 60)
    expired = rt.unsubscribe(f"https://notify.localhost/public/unsubscribe?t={old}")
    assert expired["statusCode"] == 400 and "expired" in expired["body"]

    # A GET (a link scanner, a person) only asks; the POST (the mail client's one click) unsubscribes.
    assert rt.unsubscribe(url, method="GET")["statusCode"] == 200
    done = rt.unsubscribe(url)
    assert done["statusCode"] == 200 and "You are unsubscribed." in done["body"]
    assert "already" in rt.unsubscribe(url)["body"]  # idempotent

    put_event(rt, "payment.paid", make_detail("pay-u2", service="water", point="shop-1"))
    rt.wait_idle()
    out = rt.outbox()
    to_anna = out.deliveries_with(event_id="pay-u2", channel="email", address="anna@hutki.example")
    assert [(d["status"], d["error_code"]) for d in to_anna] == [("skipped", f"unsubscribed:{GROUP}")]
    assert [e for e in out.emails_to("anna@hutki.example")] == [email]  # nothing new for anna
    for other in ("boris@hutki.example", "shop1@hutki.example"):
        assert len(out.emails_to(other)) == 2, other  # both events
    assert len(out.sms_to("+375291234567")) == 2  # her SMS consent is another rule: untouched


def test_a_receipt_must_always_go_and_carries_no_unsubscribe(hutki):
    rt = hutki
    detail = make_detail(
        "inv-u1",
        {"amount": "45.00", "currency": "BYN", "invoice_number": "42"},
        recipients=[{"name": "Olga", "email": "olga@buyer.example", "channels": ["email"], "events": ["invoice.paid"]}],
    )
    detail["subject"] = {"type": "invoice", "id": "inv-u1"}
    put_event(rt, "invoice.paid", detail)
    rt.wait_idle()
    [email] = rt.outbox().emails_to("olga@buyer.example")
    assert "List-Unsubscribe" not in email.headers and email.unsubscribe_url is None
    assert "You get this because you asked Hutki Water to tell you about this invoice." in email.html


def test_without_the_signing_key_an_email_is_never_sent_without_its_link(hutki):
    import boto3

    from notify_infra import wiring

    rt = hutki
    boto3.client("ssm", endpoint_url=rt.endpoint_url, region_name=rt.region).delete_parameter(
        Name=wiring.UNSUBSCRIBE_KEY_PARAMETER
    )
    put_event(rt, "payment.paid", make_detail("pay-nokey"))
    rt.wait_idle()
    out = rt.outbox()
    assert out.emails_to("anna@hutki.example") == []
    [d] = out.deliveries_with(event_id="pay-nokey", channel="email", address="anna@hutki.example")
    assert (d["status"], d["error_code"]) == ("dead", "unsubscribe_key_unavailable")
    assert len(out.sms_to("+375291234567")) == 1  # other channels unaffected
