"""One-click unsubscribe: the token (signed, single-purpose, expiring), what a link may turn off, the service and its
Powertools router (GET confirms, POST unsubscribes, a bad token is refused), and routing honouring it."""

from __future__ import annotations

import base64
import json

import pytest

from notify_core.domain import catalog, unsubscribe
from notify_core.domain.routing import Delivery, RoutingResult
from notify_core.domain.unsubscribe import InvalidToken, Target, sign, target_for, verify
from notify_core.handlers.unsubscribe_http import resolver_for
from notify_core.services.unsubscribe import Unsubscriber

pytestmark = pytest.mark.unit

KEY = b"k" * 32
NOW = 1_780_000_000.0
TARGET = Target(
    "hutki",
    "anna@hutki.example",
    "payment.paid_or_reversed",
    ("subscription:payment.paid_or_reversed@org",),
    delivery_id="dlv_1",
)


def email(**over) -> dict:
    return {"channel": "email", "org_id": "hutki", "address": "anna@hutki.example", "delivery_id": "dlv_1",
            "event_type": "payment.paid", "reasons": ["subscription:payment.paid_or_reversed@org"], **over}  # fmt: skip


# --- the token -------------------------------------------------------------------------------------------------
def test_a_token_round_trips_until_it_expires():
    token = sign(TARGET, KEY, now=NOW)
    assert verify(token, KEY, now=NOW + 3600) == TARGET
    with pytest.raises(InvalidToken, match="expired"):
        verify(token, KEY, now=NOW + unsubscribe.TTL_S)


@pytest.mark.parametrize("where", ["body", "mac"])
def test_a_tampered_token_is_refused(where):
    body, mac = sign(TARGET, KEY, now=NOW).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if where == "body":  # someone else's address, same MAC
        payload["a"] = "boris@hutki.example"
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    else:
        mac = mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")
    with pytest.raises(InvalidToken, match="bad_signature"):
        verify(f"{body}.{mac}", KEY, now=NOW)
    with pytest.raises(InvalidToken, match="bad_signature"):
        verify(sign(TARGET, KEY, now=NOW), b"x" * 32, now=NOW)  # another deployment's key


def test_a_token_for_another_purpose_is_refused_even_when_signed():
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(json.dumps({"p": "login", "e": NOW + 10}).encode()).rstrip(b"=").decode()
    mac = base64.urlsafe_b64encode(
        hmac.new(KEY, f"{unsubscribe.PURPOSE}.{body}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=")
    with pytest.raises(InvalidToken, match="wrong_purpose"):
        verify(f"{body}.{mac.decode()}", KEY, now=NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 2000 + ".y", "%%%.%%%"])
def test_a_malformed_token_is_refused(token):
    with pytest.raises(InvalidToken) as exc:
        verify(token, KEY, now=NOW)
    assert exc.value.reason in ("malformed", "bad_signature")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        sign(TARGET, b"short", now=NOW)


# --- what a link turns off ---------------------------------------------------------------------------------------
def test_emails_that_must_always_go_carry_no_target():
    assert catalog.lookup("invoice.paid").always_send and catalog.lookup("url_notification.failed").always_send
    assert target_for(email(), "g", always_send=True) is None
    assert target_for(email(channel="sms"), "g", always_send=False) is None
    assert target_for(email(reasons=["permission:invoices:edit"]), "g", always_send=False) is None  # no user
    member = target_for(email(reasons=["permission:invoices:edit"], user_id="u-anna"), "g", always_send=False)
    assert member is not None and member.member_rules == ("permission:invoices:edit",)
    assert target_for(email(reasons=["event_recipient"]), "buyer.invoice", always_send=False).group_rules


class Store:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], str] = {}
        self.switched: dict[str, str] = {}

    def record_unsubscribe(self, org_id: str, channel: str, address: str, detail: str) -> bool:
        if (org_id, channel, address) in self.rows:
            return False  # the first who and when stand
        self.rows[(org_id, channel, address)] = detail
        return True

    def switch_email_off(self, user_id: str, detail: str) -> bool:
        if user_id in self.switched:
            return False
        self.switched[user_id] = detail
        return True


def service(store: Store) -> Unsubscriber:
    return Unsubscriber(store=store, users=store, key=lambda: KEY, base_url="https://api.notify.example/unsubscribe",
                        clock=lambda: NOW)  # fmt: skip


def test_the_service_turns_off_exactly_the_rule_once_and_a_repeat_changes_nothing():
    store = Store()
    svc = service(store)
    link = svc.link(email())
    assert link is not None and link.startswith("https://api.notify.example/unsubscribe?t=")
    token = link.split("?t=", 1)[1]
    first = svc.unsubscribe(token)
    assert first.turned_off == ("group:payment.paid_or_reversed",) and first.already == ()
    assert list(store.rows) == [("hutki", "email-group:payment.paid_or_reversed", "anna@hutki.example")]
    assert "one-click unsubscribe by anna@hutki.example from dlv_1" in next(iter(store.rows.values()))
    again = svc.unsubscribe(token)
    assert again.turned_off == () and again.already == ("group:payment.paid_or_reversed",)
    assert svc.link(email(event_type="invoice.paid")) is None  # a receipt: no link


def test_a_members_rule_switches_their_email_off():
    store = Store()
    svc = service(store)
    token = svc.link(email(reasons=["permission:payments:edit"], user_id="u-anna")).split("?t=", 1)[1]
    assert svc.unsubscribe(token).turned_off == ("email_switch:u-anna",)
    assert store.rows == {} and "permission:payments:edit" in store.switched["u-anna"]


# --- the router --------------------------------------------------------------------------------------------------
def http_event(method: str, token: str | None) -> dict:
    query = {"t": token} if token is not None else None
    return {
        "version": "2.0",
        "routeKey": f"{method} /unsubscribe",
        "rawPath": "/unsubscribe",
        "rawQueryString": f"t={token}" if token else "",
        "queryStringParameters": query,
        "headers": {"content-type": "application/x-www-form-urlencoded"},
        "requestContext": {"http": {"method": method, "path": "/unsubscribe", "sourceIp": "192.0.2.1"},
                           "requestId": "r1", "stage": "$default"},
        "body": "List-Unsubscribe=One-Click" if method == "POST" else None,
        "isBase64Encoded": False,
    }  # fmt: skip


def test_get_confirms_without_changing_anything_and_post_unsubscribes():
    store = Store()
    app = resolver_for(service(store))
    token = sign(TARGET, KEY, now=NOW)
    page = app.resolve(http_event("GET", token), None)
    assert page["statusCode"] == 200 and '<form method="post"' in page["body"]
    assert store.rows == {}
    done = app.resolve(http_event("POST", token), None)
    assert done["statusCode"] == 200 and "You are unsubscribed." in done["body"]
    assert done["headers"]["Cache-Control"] == "no-store"
    assert len(store.rows) == 1
    assert "already unsubscribed" in app.resolve(http_event("POST", token), None)["body"]


@pytest.mark.parametrize(
    "token", [None, "garbage", sign(TARGET, b"z" * 32, now=NOW), sign(TARGET, KEY, now=NOW - 10**8)]
)
def test_a_bad_token_is_refused_with_400_and_nothing_changes(token):
    store = Store()
    app = resolver_for(service(store))
    for method in ("GET", "POST"):
        resp = app.resolve(http_event(method, token), None)
        assert resp["statusCode"] == 400
        assert "not valid" in resp["body"] or "expired" in resp["body"] or "damaged" in resp["body"]
    assert store.rows == {}


# --- routing honours it --------------------------------------------------------------------------------------------
def test_routing_skips_an_address_unsubscribed_from_the_events_group_only():
    def result() -> RoutingResult:
        return RoutingResult(
            deliveries=[
                Delivery("d1", "email", "anna@hutki.example", "en", reasons=["subscription:g@org"]),
                Delivery("d2", "email", "boris@hutki.example", "en", reasons=["subscription:g@org"]),
            ],
            skipped=[],
        )

    found = {(unsubscribe.group_channel("g"), "anna@hutki.example"): "unsubscribed"}
    r = result()
    r.apply_suppressions(found, group="g")
    assert [(d.address, d.skip_reason) for d in r.deliveries] == [
        ("anna@hutki.example", "unsubscribed:g"),
        ("boris@hutki.example", None),
    ]
    other = result()
    other.apply_suppressions(found, group="another")
    assert all(d.skip_reason is None for d in other.deliveries)
