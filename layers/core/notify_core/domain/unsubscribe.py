"""One-click unsubscribe (RFC 8058): what an email's link turns off, and the signed token that carries it (pure).

An email that a subscription, an opt-in or a preference produced carries ``List-Unsubscribe: <https://…?t=TOKEN>``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. The token needs no login and is:

- **signed**: HMAC-SHA256 over the payload with the deployment's key (SSM SecureString, read by the email sender and
  the unsubscribe service; never in code, a log line or the delivery log);
- **single-purpose**: the MAC covers a purpose label (``notify.unsubscribe.v1``) and the payload says ``p: unsub``,
  so no other token the platform may sign with the same key verifies here;
- **expiring**: ``e`` (epoch seconds), 60 days after the email by default;
- **exact**: it names the org, the address, the event type's group and the rules that selected this person
  (the delivery's ``reasons``), so the service turns off exactly those and nothing else.

What each rule's unsubscribe turns off (``actions``):

- ``subscription:<group>@<scope>``, ``fixed_address:…``, ``client_contact:<client>``: that address's email for that
  group in that org (a suppression scoped to the org and the group: a settings document applied later does not
  subscribe the person again, as an export/apply would otherwise do);
- ``event_recipient`` (a buyer's opt-in on the event): the same, for the buyer events' group;
- a member's rule (``permission:…``, ``relation:…``, ``caretaker:…``, ``account_manager:…``, ``actor``): the
  member's email switch (one per user, every org: products.md §1), when the delivery names the user.

Event types the catalog marks ``always_send`` (a receipt for a payment the buyer made, the alert that the org's own
integration is failing) carry no link and no header: ``target_for`` returns None.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

PURPOSE = "notify.unsubscribe.v1"
TTL_S = 60 * 24 * 3600
GROUP_CHANNEL_PREFIX = "email-group:"  # the suppression list's channel for an (org, group) unsubscribe
UNSUBSCRIBED = "unsubscribed"  # the suppression reason
GROUP_RULES = ("subscription", "fixed_address", "client_contact", "event_recipient")
MEMBER_RULES = ("permission", "relation", "caretaker", "account_manager", "actor")
MAX_TOKEN_CHARS = 1500


class InvalidToken(ValueError):
    """A token refused: ``reason`` is malformed | bad_signature | wrong_purpose | expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """What one email's unsubscribe link turns off."""

    org_id: str
    address: str  # the normalised email address the delivery went to
    group: str  # the event type's subscription group
    reasons: tuple[str, ...]  # the rules that selected this person
    user_id: str | None = None  # the member, when a member's rule selected them
    delivery_id: str = ""  # which email (who unsubscribed, and from what, is recorded with it)

    @property
    def group_rules(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons if r.split(":", 1)[0] in GROUP_RULES)

    @property
    def member_rules(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons if r.split(":", 1)[0] in MEMBER_RULES)


def group_channel(group: str) -> str:
    """The suppression list's channel for an unsubscribe from one group's emails (scoped to the org)."""
    return f"{GROUP_CHANNEL_PREFIX}{group}"


def target_for(message: dict[str, Any], group: str, *, always_send: bool) -> Target | None:
    """The target of an email delivery's link, or None when there is nothing a person may turn off."""
    if always_send or message.get("channel") != "email":
        return None
    target = Target(
        org_id=str(message["org_id"]),
        address=str(message["address"]),
        group=group,
        reasons=tuple(str(r) for r in message.get("reasons") or ()),
        user_id=message.get("user_id"),
        delivery_id=str(message.get("delivery_id") or ""),
    )
    if target.group_rules or (target.member_rules and target.user_id):
        return target
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, f"{PURPOSE}.{body}".encode(), hashlib.sha256).digest())


def sign(target: Target, key: bytes, *, now: float, ttl_s: int = TTL_S) -> str:
    if len(key) < 32:
        raise ValueError("the unsubscribe signing key must have at least 32 bytes")
    payload = {
        "p": "unsub",
        "o": target.org_id,
        "a": target.address,
        "g": target.group,
        "r": list(target.reasons),
        "u": target.user_id,
        "d": target.delivery_id,
        "e": int(now) + ttl_s,
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_mac(key, body)}"


def verify(token: str, key: bytes, *, now: float) -> Target:
    """The target a token names, or ``InvalidToken`` (checked in this order: shape, MAC, purpose, expiry)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise InvalidToken("malformed")
    body, mac = token.split(".")
    if not hmac.compare_digest(_mac(key, body), mac):
        raise InvalidToken("bad_signature")
    try:
        payload = json.loads(_unb64(body))
        if payload.get("p") != "unsub":
            raise InvalidToken("wrong_purpose")
        target = Target(
            org_id=str(payload["o"]),
            address=str(payload["a"]),
            group=str(payload["g"]),
            reasons=tuple(str(r) for r in payload["r"]),
            user_id=payload.get("u"),
            delivery_id=str(payload.get("d") or ""),
        )
        expires = int(payload["e"])
    except InvalidToken:
        raise
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed") from None
    if now >= expires:
        raise InvalidToken("expired")
    return target


def link(base_url: str, token: str) -> str:
    """The https URL of the one-click endpoint for this token (the token is URL-safe base64 and a dot)."""
    return f"{base_url.rstrip('/')}?t={token}"
