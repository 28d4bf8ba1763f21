"""Webhook secret rotation over the admin API, checked where it matters: at a real HTTP receiver, with the reference
``standardwebhooks`` verification.

During the grace period every delivery carries two signatures (``webhook-signature: v1,<new> v1,<old>``): a receiver
still holding the old secret and one already switched to the new both verify it. With no grace (or once it is
over) only the new secret signs: the old one fails. The new secret is answered once and never again.
"""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from notify_core.config import WEBHOOK_SECRET_CACHE_S
from notify_core.domain import signing
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

ORG = "rot-org"
OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def document(receiver_url: str) -> dict:
    return {
        "org_id": ORG,
        "name": "Rotation",
        "email_from": "billing@rot.example",
        "publishers": {"sources": ["product"]},
        "webhook_endpoints": [
            {"id": "erp", "url": f"{receiver_url}/hooks/rot-erp", "secret": OLD},
            {"id": "crm", "url": f"{receiver_url}/hooks/rot-crm", "secret": OLD},
        ],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"webhook": ["erp", "crm"]}}],
        "members": [
            {"user_id": "u-admin", "name": "Admin", "roles": ["admin"]},
            {"user_id": "u-reader", "name": "Reader"},
        ],
    }


def verifies(secret: str, hook) -> bool:  # type: ignore[no-untyped-def]
    try:
        Webhook(secret).verify(hook.body, hook.headers)
    except WebhookVerificationError:
        return False
    return True


def test_both_secrets_sign_during_the_grace_period_and_only_the_new_one_after(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    rt.apply_settings(document(receiver.url))
    admin = rt.api_client("u-admin")
    path = f"/orgs/{ORG}/webhook-endpoints"
    assert rt.api_client("u-reader").post(f"{path}/erp/rotate-secret", {}).status == 403

    with rt.override_env("send_webhook", **{WEBHOOK_SECRET_CACHE_S: "0"}):  # no minute's wait for the cache
        graced = admin.post(f"{path}/erp/rotate-secret", {"grace_hours": 24})
        dropped = admin.post(f"{path}/crm/rotate-secret", {"grace_hours": 0})
        assert graced.status == 200 and dropped.status == 200, (graced, dropped)
        new_erp, new_crm = graced.json()["secret"], dropped.json()["secret"]
        assert new_erp.startswith("whsec_") and len({OLD, new_erp, new_crm}) == 3
        put_event(rt, "payment.paid", make_detail("rot-pay-1", org=ORG))
        rt.wait_idle()

    [to_erp] = receiver.received("/hooks/rot-erp")
    assert len(to_erp.headers["webhook-signature"].split(" ")) == 2
    assert verifies(OLD, to_erp) and verifies(new_erp, to_erp)  # the receiver may switch at any time
    [to_crm] = receiver.received("/hooks/rot-crm")
    assert len(to_crm.headers["webhook-signature"].split(" ")) == 1
    assert verifies(new_crm, to_crm) and not verifies(OLD, to_crm)  # no grace: the old one no longer signs
    # Our own signing module agrees with the reference library on each signature.
    ts, msg = int(to_erp.headers["webhook-timestamp"]), to_erp.headers["webhook-id"]
    assert to_erp.headers["webhook-signature"] == " ".join(
        signing.sign(k, msg, ts, to_erp.body) for k in (new_erp, OLD)
    )

    # The secret was answered once: nothing else shows it.
    for answer in (admin.get(path), admin.get(f"/orgs/{ORG}/settings"), admin.get(f"{path}/erp/deliveries")):
        assert new_erp not in answer.text and OLD not in answer.text
    # A second rotation while the previous secret still signs would overwrite a secret in use: refused.
    again = admin.post(f"{path}/erp/rotate-secret", {})
    assert again.status == 409 and "still signs" in again.json()["message"]
    # Another org's endpoint is as missing as one that does not exist.
    assert rt.api_client("u-admin").post("/orgs/other-org/webhook-endpoints/erp/rotate-secret", {}).status == 404
    assert admin.post(f"{path}/nope/rotate-secret", {}).status == 404


def test_a_secret_set_by_the_document_ends_a_rotation(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    rt.apply_settings(document(receiver.url))
    admin = rt.api_client("u-admin")
    assert admin.post(f"/orgs/{ORG}/webhook-endpoints/erp/rotate-secret", {"grace_hours": 1}).status == 200
    rt.apply_settings(document(receiver.url))  # names OLD again: it is the one secret, alone
    with rt.override_env("send_webhook", **{WEBHOOK_SECRET_CACHE_S: "0"}):
        put_event(rt, "payment.paid", make_detail("rot-pay-2", org=ORG))
        rt.wait_idle()
    [to_erp] = receiver.received("/hooks/rot-erp")
    assert len(to_erp.headers["webhook-signature"].split(" ")) == 1 and verifies(OLD, to_erp)


def test_a_ping_is_signed_sent_once_and_answered_with_the_receivers_status(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    rt.apply_settings(document(receiver.url))
    admin = rt.api_client("u-admin")
    path = f"/orgs/{ORG}/webhook-endpoints"
    assert rt.api_client("u-reader").post(f"{path}/erp/ping").status == 403

    ok = admin.post(f"{path}/erp/ping")
    assert ok.status == 200, ok
    assert (ok.json()["status"], ok.json()["http_status"]) == ("sent", 200)
    [hook] = receiver.received("/hooks/rot-erp")
    assert verifies(OLD, hook) and hook.headers["webhook-id"] == ok.json()["delivery_id"]
    assert '"type": "webhook.ping"' in hook.body or '"type":"webhook.ping"' in hook.body

    receiver.respond("/hooks/rot-crm", 503)
    failed = admin.post(f"{path}/crm/ping").json()
    assert (failed["status"], failed["http_status"], failed["error_code"]) == ("failed", 503, "http_503")
    rt.wait_idle()
    assert len(receiver.received("/hooks/rot-crm")) == 1  # tried once: no retries
    [crm] = [e for e in admin.get(path).json()["items"] if e["id"] == "crm"]
    assert crm["enabled"] is True and crm["failing_since"] is None  # its health untouched
    logged = admin.get(f"/orgs/{ORG}/deliveries/{failed['delivery_id']}").json()
    assert logged["event_type"] == "webhook.ping" and logged["attempt_count"] == 1
    assert admin.post(f"{path}/nope/ping").status == 404


BOT_TOKEN = "7012345678:AAF0kq-Serwis_GSM_bot_token_x9X8c7V6"


def test_a_slack_or_telegram_connection_test_goes_through_the_chat_sender(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    doc = document(receiver.url)
    doc["slack"] = {"enabled": True, "webhook_url": f"{receiver.url}/slack/{ORG}"}
    doc["telegram"] = {"enabled": True, "bot_token": BOT_TOKEN}
    doc["members"][0]["telegram"] = 424242
    rt.apply_settings(doc)
    admin = rt.api_client("u-admin")
    base = f"/orgs/{ORG}/connections"
    assert rt.api_client("u-reader").post(f"{base}/slack/test", {}).status == 403

    receiver.respond(f"/slack/{ORG}", 200, body="ok")
    slack = admin.post(f"{base}/slack/test", {}).json()
    assert (slack["status"], slack["http_status"]) == ("sent", 200), slack
    [posted] = receiver.received(f"/slack/{ORG}")
    assert "Test message from notify for Rotation, sent by Admin" in posted.body

    mine = admin.post(f"{base}/telegram/test", {}).json()  # the caller's own chat
    other = admin.post(f"{base}/telegram/test", {"chat_id": "-1001234567890"}).json()
    assert (mine["status"], other["status"]) == ("sent", "sent"), (mine, other)
    assert [m.text[:26] for m in receiver.telegram_messages(424242)] == ["Test message from notify f"]
    assert len(receiver.telegram_messages("-1001234567890")) == 1
    bad = admin.post(f"{base}/telegram/test", {"chat_id": "not a chat"})
    assert bad.status == 400 and bad.json()["fields"][0]["field"] == "body.chat_id"

    # Removed: nothing to test.
    assert admin.delete(f"{base}/slack").status == 204
    assert admin.post(f"{base}/slack/test", {}).status == 404
    # The secrets were never answered.
    assert BOT_TOKEN not in admin.get(f"/orgs/{ORG}/settings").text
