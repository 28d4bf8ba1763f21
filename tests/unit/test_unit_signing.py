"""Standard Webhooks signatures, checked against the reference library."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from notify_core.domain import signing
from notify_core.domain.settings_document import EndpointDoc

pytestmark = pytest.mark.unit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"type":"payment.paid","data":{"amount":"120.50","payer_name":"Іван Пятроў"}}'


def test_headers_verify_with_the_reference_library():
    now = int(time.time())
    headers = signing.headers(SECRET, "dlv_0123", now, BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "dlv_0123"
    assert headers["webhook-timestamp"] == str(now)
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", headers["webhook-signature"])
    assert Webhook(SECRET).verify(BODY, headers) == {
        "type": "payment.paid",
        "data": {"amount": "120.50", "payer_name": "Іван Пятроў"},
    }
    assert Webhook(SECRET).verify(BODY.encode(), headers)["type"] == "payment.paid"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b, h: (b.replace("120.50", "920.50"), h),
        lambda b, h: (b, {**h, "webhook-id": "dlv_other"}),
        lambda b, h: (b, {**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}),
    ],
    ids=["body", "id", "timestamp"],
)
def test_tampering_fails_verification(tamper):
    headers = signing.headers(SECRET, "dlv_0123", int(time.time()), BODY)
    body, headers = tamper(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)


def test_another_secret_fails_verification():
    headers = signing.headers(signing.new_secret(), "dlv_0123", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY, headers)


def test_signature_matches_reference_sign_and_the_spec_vector():
    ts = 1614265330
    expected = Webhook(SECRET).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", datetime.fromtimestamp(ts, tz=UTC), '{"test": 2432232314}'
    )
    assert signing.sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, '{"test": 2432232314}') == expected
    assert expected == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secret_without_prefix_is_refused():
    with pytest.raises(ValueError, match="whsec_"):
        signing.sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}")


def test_new_secret_format():
    secrets = {signing.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for s in secrets:
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", s)
        assert len(base64.b64decode(s.removeprefix("whsec_"), validate=True)) == 24
        # usable by receivers and accepted by the settings document
        Webhook(s)
        assert EndpointDoc(id="erp", url="https://erp.example/hooks", secret=s).secret == s


def test_a_rotation_signs_with_both_secrets_for_its_grace_period_then_the_new_one_alone():
    from notify_core.domain.signing import SecretState

    never = SecretState.parse(None)
    assert never.signing_slots(now=1000) == ["a"]  # every endpoint before its first rotation
    rotated = never.rotated(now=1000, grace_s=3600)
    assert rotated.current == "b" and rotated.signing_slots(now=1000) == ["b", "a"]
    assert rotated.signing_slots(now=4599) == ["b", "a"] and rotated.signing_slots(now=4600) == ["b"]
    assert SecretState.parse(rotated.dump()) == rotated
    assert rotated.rotated(now=5000, grace_s=0).signing_slots(now=5000) == ["a"]  # no grace: dropped at once
    assert SecretState.parse("not json") == never and SecretState.parse('{"current": "z"}') == never
    assert (
        signing.slot_name("/p/org/erp", "a") == "/p/org/erp" and signing.slot_name("/p/org/erp", "b") == "/p/org/erp_b"
    )


def test_several_secrets_give_several_signatures_any_of_which_verifies():

    other = signing.new_secret()
    ts = int(time.time())
    headers = signing.headers([other, SECRET], "dlv_0123", ts, BODY)
    assert (
        headers["webhook-signature"]
        == f"{signing.sign(other, 'dlv_0123', ts, BODY)} {signing.sign(SECRET, 'dlv_0123', ts, BODY)}"
    )
    Webhook(SECRET).verify(BODY, headers)
    Webhook(other).verify(BODY, headers)
