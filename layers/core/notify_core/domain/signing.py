"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

``webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`` where the secret is
the base64 part of ``whsec_<base64>``. Verified in tests against the reference ``standardwebhooks``
library; implemented here because that library's dependencies (httpx & co) do not belong in a layer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("webhook secrets have the form whsec_<base64>")
    return base64.b64decode(secret[len(PREFIX) :])


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str | Sequence[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Signed with each secret: several signatures, space-separated, while a rotated-out secret still signs
    (Standard Webhooks: a receiver accepts the message when any one of them verifies)."""
    keys = [secret] if isinstance(secret, str) else list(secret)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(k, msg_id, timestamp, body) for k in keys),
    }


# ---------------------------------------------------------------------------------------------------- rotation
# An endpoint's secret lives in one of two slots (SSM SecureStrings): slot "a" at the endpoint's parameter name,
# slot "b" next to it; a plain String parameter, its state, says which slot is current and until when the other
# (the rotated-out secret) still signs. A rotation writes the new secret into the other slot and flips the state:
# nothing ever reads a secret to move it (the admin API may write secrets, never read one back). Without a state
# (every endpoint before its first rotation) slot "a" is current, alone.
SLOTS = ("a", "b")


def slot_name(base: str, slot: str) -> str:
    """The parameter of a slot. "_b" and "_state" cannot end an escaped id (``adapters.ssm``: "_" + two hex digits),
    so no endpoint's parameter is ever another's slot."""
    return base if slot == "a" else f"{base}_{slot}"


def state_name(base: str) -> str:
    return f"{base}_state"


@dataclass(frozen=True)
class SecretState:
    current: str = "a"
    previous_until: int | None = None  # epoch seconds: the other slot signs too until then

    @classmethod
    def parse(cls, raw: str | None) -> SecretState:
        """The stored state; none (never rotated) or one that does not read is slot "a" alone."""
        try:
            data = json.loads(raw) if raw else {}
            current = data.get("current", "a")
            until = data.get("previous_until")
            if current in SLOTS and (until is None or isinstance(until, int)):
                return cls(current=current, previous_until=until)
        except (ValueError, AttributeError):
            pass
        return cls()

    def dump(self) -> str:
        return json.dumps({"current": self.current, "previous_until": self.previous_until})

    @property
    def other(self) -> str:
        return SLOTS[1 - SLOTS.index(self.current)]

    def signing_slots(self, now: int) -> list[str]:
        """The current slot, then the rotated-out one while its grace period lasts."""
        if self.previous_until is not None and now < self.previous_until:
            return [self.current, self.other]
        return [self.current]

    def rotated(self, now: int, grace_s: int) -> SecretState:
        """The new secret goes to the other slot; the current one signs on for ``grace_s``."""
        return SecretState(current=self.other, previous_until=now + grace_s)
