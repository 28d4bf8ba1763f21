"""End to end on the embedded local runtime: boto3 PutEvents in, SES/SNS/HTTP out."""

from __future__ import annotations

import json

import boto3
import pytest

from notify_core.adapters.dynamodb.deliveries_table import MAX_ATTEMPTS_KEPT
from notify_infra import wiring
from tests.conftest import ERP_SECRET, ORG, hutki_settings, make_detail, put_event

pytestmark = pytest.mark.e2e


def test_payment_paid_becomes_email_sms_and_signed_webhook(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-1"))
    hutki.wait_idle()
    out = hutki.outbox()

    [email] = out.emails_to("anna@hutki.example")  # work address, normalised; not the personal one
    assert email.sender == "notifications@hutki.example"
    assert email.subject == "Payment received: 120.50 BYN (account 10042)"
    assert "Ivan &lt;b&gt;Petrov&lt;/b&gt; &amp; Sons" in email.html  # event data never becomes markup
    assert "<b>Petrov" not in email.html
    assert not out.emails_to("anna.personal@mail.example")

    [sms] = out.sms_to("+375291234567")
    assert sms.text == "Hutki Water: payment 120.50 BYN received, account 10042."

    [hook] = out.webhooks
    assert hook.path == "/hooks/erp" and hook.status == 200
    assert hook.verified is True  # checked by the reference standardwebhooks library
    body = hook.json()
    assert body["type"] == "payment.paid"
    assert body["data"]["org_id"] == ORG and body["data"]["event_id"] == "pay-1"
    assert body["data"]["data"]["amount"] == "120.50"
    assert hook.headers["webhook-id"].startswith("dlv_")

    sent = out.deliveries_with(status="sent")
    assert sorted(d["channel"] for d in sent) == ["email", "sms", "webhook"]
    for d in sent:
        assert d["org_id"] == ORG and d["event_id"] == "pay-1" and d["attempt_count"] == 1
        assert d["attempts"][0]["outcome"] == "sent"
    assert next(d for d in sent if d["channel"] == "webhook")["attempts"][0]["http_status"] == 200


def test_point_of_sale_event_reaches_point_service_and_org_subscribers_once_each(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-2", service="water", point="shop-1"))
    hutki.wait_idle()
    out = hutki.outbox()
    assert sorted(a for e in out.emails for a in e.to) == [
        "anna@hutki.example",
        "boris@hutki.example",
        "shop1@hutki.example",
    ]
    # Boris reads Russian: the ru template, chosen by his contact locale.
    assert out.emails_to("boris@hutki.example")[0].subject.startswith("Поступил платёж: 120.50 BYN")
    [anna] = [d for d in out.deliveries if d["address"] == "anna@hutki.example"]
    assert sorted(anna["reasons"]) == [
        "subscription:payment.paid_or_reversed@org",
        "subscription:payment.paid_or_reversed@point#shop-1",
    ]


def test_other_point_does_not_reach_shop_1_cashier(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-3", service="gas", point="shop-9"))
    hutki.wait_idle()
    assert sorted(a for e in hutki.outbox().emails for a in e.to) == ["anna@hutki.example"]


def test_refund_events_reach_email_and_sms_subscribers_of_paid_reversed_but_not_the_url(hutki):
    put_event(
        hutki,
        "refund.created",
        make_detail("ref-1", {"amount": "20.00", "currency": "BYN", "refund_id": "ref-1", "payment_id": "pay-1"}),
    )
    hutki.wait_idle()
    out = hutki.outbox()
    assert [e.subject for e in out.emails_to("anna@hutki.example")] == ["Refund request ref-1 created"]
    assert [s.to for s in out.sms] == ["+375291234567"]
    assert out.webhooks == []


def test_buyer_on_the_invoice_gets_only_the_events_they_opted_into(hutki):
    buyer = {
        "name": "Olga",
        "email": "olga@buyer.example",
        "phone": "+375447001122",
        "locale": "ru-BY",
        "channels": ["email"],
        "events": ["invoice.issued"],
    }
    issued = make_detail(
        "inv-42-issued",
        {"amount": "45.00", "currency": "BYN", "invoice_number": "42", "issuer_name": "Hutki Water"},
        recipients=[buyer],
    )
    paid = make_detail(
        "inv-42-paid", {"amount": "45.00", "currency": "BYN", "invoice_number": "42"}, recipients=[buyer]
    )
    put_event(hutki, "invoice.issued", issued, source="invoicing")
    put_event(hutki, "invoice.paid", paid, source="invoicing")
    hutki.wait_idle()
    out = hutki.outbox()
    assert [e.subject for e in out.emails_to("olga@buyer.example")] == ["Счёт 42 от Hutki Water"]
    assert out.sms == []  # she ticked email only


def test_the_same_event_published_twice_is_delivered_once(hutki):
    put_event(hutki, "payment.paid", make_detail("pay-dup"))
    put_event(hutki, "payment.paid", make_detail("pay-dup"))
    hutki.wait_idle()
    put_event(hutki, "payment.paid", make_detail("pay-dup"))  # and again, after the first was delivered
    hutki.wait_idle()
    out = hutki.outbox()
    assert len(out.emails) == 1 and len(out.sms) == 1 and len(out.webhooks) == 1
    assert len(out.deliveries) == 3


@pytest.mark.parametrize(
    ("detail_type", "detail", "reason", "says"),
    [
        ("payment.paid", {k: v for k, v in make_detail("x").items() if k != "org_id"}, "invalid_detail", "org_id"),
        ("payment.paid", {k: v for k, v in make_detail("x").items() if k != "event_id"}, "invalid_detail", "event_id"),
        ("payment.exploded", make_detail("x"), "unknown_event_type", "payment.exploded"),
        (
            "payment.paid",
            make_detail("x", {"amount": "lots", "currency": "BYN", "payment_id": "p"}),
            "invalid_data",
            "amount",
        ),
        ("payment.paid", {**make_detail("x"), "occurred_at": "yesterday"}, "invalid_detail", "occurred_at"),
        ("payment.paid", {**make_detail("x"), "subject": "pay-1"}, "invalid_detail", "subject"),
    ],
    ids=["no-org", "no-event-id", "unknown-type", "bad-data", "bad-date", "bad-subject"],
)
def test_bad_events_are_quarantined_with_their_reason_and_counted(hutki, capsys, detail_type, detail, reason, says):
    put_event(hutki, detail_type, detail)
    hutki.wait_idle()
    out = hutki.outbox()
    [q] = out.quarantined
    assert q["reason"] == reason
    assert says in q["detail"] or says in q["event"]
    assert json.loads(q["event"])["detail-type"] == detail_type  # the original event is kept
    assert out.emails == [] and out.sms == [] and out.webhooks == [] and out.deliveries == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any(m.get("events_quarantined") == [1.0] or m.get("events_quarantined") == 1.0 for m in emf)


def test_invalid_address_is_recorded_failed_not_retried_and_others_still_receive(hutki):
    buyers = [
        {"email": "typo@@buyer", "events": ["invoice.issued"]},
        {"phone": "+37512", "events": ["invoice.issued"]},
        {"email": "ok@buyer.example", "events": ["invoice.issued"]},
    ]
    put_event(
        hutki,
        "invoice.issued",
        make_detail("inv-7", {"amount": "1.00", "currency": "BYN", "invoice_number": "7"}, recipients=buyers),
    )
    hutki.wait_idle()
    out = hutki.outbox()
    failed = out.deliveries_with(status="failed")
    assert sorted((d["channel"], d["address"], d["error_code"]) for d in failed) == [
        ("email", "typo@@buyer", "invalid_address"),
        ("sms", "+37512", "invalid_address"),
    ]
    assert all(d["attempt_count"] == 0 for d in failed)  # never queued, never tried
    assert [a for e in out.emails for a in e.to] == ["ok@buyer.example"]
    assert out.sms == []


def test_webhook_5xx_is_retried_then_dead_lettered_with_the_last_error(hutki):
    hutki.receiver.respond("/hooks/erp", 503)
    put_event(hutki, "payment.paid", make_detail("pay-5xx"))
    hutki.wait_idle()
    out = hutki.outbox()
    max_receive = wiring.queue("webhook").max_receive_count
    assert len(out.webhooks) == max_receive  # every attempt really went over HTTP
    assert len({w.headers["webhook-id"] for w in out.webhooks}) == 1  # same id on every retry
    [d] = out.deliveries_with(channel="webhook")
    assert d["status"] == "dead"
    assert d["error_code"] == "http_503"
    assert d["attempt_count"] == max_receive
    # The sender writes "dead" itself on the last receive; only the last MAX_ATTEMPTS_KEPT attempts are kept.
    kept = ["retrying"] * (max_receive - 1) + ["dead"]
    assert [a["outcome"] for a in d["attempts"]] == kept[-MAX_ATTEMPTS_KEPT:]
    assert json.loads(d["payload"])["delivery_id"] == d["delivery_id"]  # kept for replay
    assert len(out.emails) == 1 and len(out.sms) == 1  # other channels unaffected


def test_webhook_4xx_fails_without_retry(hutki):
    hutki.receiver.respond("/hooks/erp", 422)
    put_event(hutki, "payment.paid", make_detail("pay-4xx"))
    hutki.wait_idle()
    out = hutki.outbox()
    assert len(out.webhooks) == 1
    [d] = out.deliveries_with(channel="webhook")
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("failed", "http_422", 1)


def test_webhook_429_is_retried_and_then_delivered(hutki):
    # The receiver throttles the first call only.
    receiver = hutki.receiver
    receiver.respond("/hooks/erp", 429, headers={"Retry-After": "0"})
    put_event(hutki, "payment.paid", make_detail("pay-429"))
    # wait for the first (throttled) attempt, then let the receiver recover
    for _ in range(200):
        if receiver.received("/hooks/erp"):
            break
        import time

        time.sleep(0.02)
    receiver.respond("/hooks/erp", 200)
    hutki.wait_idle()
    statuses = [w.status for w in receiver.received("/hooks/erp")]
    assert statuses[0] == 429 and statuses[-1] == 200
    [d] = hutki.outbox().deliveries_with(channel="webhook")
    assert d["status"] == "sent" and d["attempts"][0]["code"] == "http_429"


def test_webhook_to_a_private_address_is_refused_outside_local_mode(hutki):
    with hutki.override_env("send_webhook", NOTIFY_ALLOW_LOOPBACK_WEBHOOKS="0"):
        put_event(hutki, "payment.paid", make_detail("pay-ssrf"))
        hutki.wait_idle()
    out = hutki.outbox()
    assert out.webhooks == []  # nothing left the sender
    [d] = out.deliveries_with(channel="webhook")
    assert (d["status"], d["error_code"]) == ("failed", "unsafe_url")
    # The receiver's URL is http on a random port: refused before its host is even resolved.
    assert d["error_detail"] == "webhook URLs must use https"


def test_webhook_secret_lives_in_ssm_not_in_the_table(hutki):
    table = boto3.client("dynamodb").scan(TableName="notify-settings")["Items"]
    assert ERP_SECRET not in json.dumps(table)
    param = boto3.client("ssm").get_parameter(Name=f"{wiring.WEBHOOK_SECRET_PREFIX}{ORG}/erp", WithDecryption=True)
    assert param["Parameter"]["Type"] == "SecureString" and param["Parameter"]["Value"] == ERP_SECRET


def test_a_webhook_whose_answer_never_came_is_unknown_not_sent_twice(hutki):
    hutki.receiver.respond("/hooks/erp", 200, delay_s=0.5)
    # 15 s on AWS; short here so the series plays fast
    with hutki.override_env("send_webhook", WEBHOOK_TIMEOUT_S="0.2"):
        put_event(hutki, "payment.paid", make_detail("pay-slow"))
        hutki.wait_idle(timeout_s=60)
    [d] = hutki.outbox().deliveries_with(channel="webhook")
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("unknown", "timeout", 1)
    assert len(hutki.receiver.received("/hooks/erp")) == 1  # the receiver got it once; a person may replay it


def test_a_webhook_timeout_is_retried_for_a_receiver_that_deduplicates_and_ends_unknown_never_dead(hutki):
    # Every unanswered request may have been acted on: when the retries run out, the outcome is unknown (replayable
    # by a person), not dead (which would say it never went out).
    doc = hutki_settings(hutki.receiver.url)
    doc["webhook_endpoints"][0]["retry_unanswered"] = True
    hutki.apply_settings(doc)
    hutki.receiver.respond("/hooks/erp", 200, delay_s=0.5)
    with hutki.override_env("send_webhook", WEBHOOK_TIMEOUT_S="0.2"):
        put_event(hutki, "payment.paid", make_detail("pay-slow"))
        hutki.wait_idle(timeout_s=60)
    [d] = hutki.outbox().deliveries_with(channel="webhook")
    assert (d["status"], d["error_code"]) == ("unknown", "timeout")
    assert d["attempt_count"] == wiring.queue("webhook").max_receive_count
    assert len(hutki.receiver.received("/hooks/erp")) == d["attempt_count"]  # each one went out: the receiver dedups
