"""One-click unsubscribe (RFC 8058): a verified token turns off exactly the rules that sent its email.

``Unsubscriber.unsubscribe(token)``: the token is verified (``domain.unsubscribe.verify``: signature, purpose,
expiry), then for each rule it names:

- a group rule (a subscription, a fixed address, a client contact's consent, a buyer's opt-in): the address's
  emails of that group in that org are suppressed (suppressions table, channel ``email-group:<group>``, scope the
  org), conditionally, so the first who and when stand and a repeat writes nothing;
- a member's rule: the member's email switch goes off (users table), recording that a one-click unsubscribe did it.

Idempotent: the same token again (a mail client's prefetch, a second click) changes nothing and says so. Routing
and the email sender read the same suppression (``dispatch``, ``sending``): the next event logs the delivery
``skipped`` / ``unsubscribed:<group>``; other addresses, groups and orgs are untouched.

``links(message)`` is the email sender's half: the signed https link of an email that a person may turn off
(None for one that must always go).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from notify_core.domain import catalog
from notify_core.domain import unsubscribe as rules
from notify_core.domain.unsubscribe import InvalidToken, Target
from notify_core.observability import logger

__all__ = ["InvalidToken", "Target", "Unsubscribed", "Unsubscriber"]


class UnsubscribeStore(Protocol):
    def record_unsubscribe(self, org_id: str, channel: str, address: str, detail: str) -> bool: ...


class EmailSwitch(Protocol):
    def switch_email_off(self, user_id: str, detail: str) -> bool: ...


@dataclass(frozen=True)
class Unsubscribed:
    target: Target
    turned_off: tuple[str, ...]  # what this call changed ("group:<group>", "email_switch:<user>")
    already: tuple[str, ...]  # what was off before it (a repeat)


class Unsubscriber:
    def __init__(
        self,
        *,
        store: UnsubscribeStore | None,
        users: EmailSwitch | None,
        key: Callable[[], bytes],
        base_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``key()``: the signing key (SSM, read through a cache); ``base_url``: the https URL of the one-click
        endpoint (``GET/POST /unsubscribe`` on the admin API). A sender needs no store; the endpoint no base URL."""
        self.store = store
        self.users = users
        self.key = key
        self.base_url = base_url
        self.clock = clock

    # ------------------------------------------------------------------------------------------ the email sender
    def link(self, message: dict[str, Any]) -> str | None:
        et = catalog.lookup(str(message.get("event_type")))
        if et is None or not self.base_url:
            return None
        target = rules.target_for(message, et.group, always_send=bool(et.always_send))
        if target is None:
            return None
        return rules.link(self.base_url, rules.sign(target, self.key(), now=self.clock()))

    # ------------------------------------------------------------------------------------------ the endpoint
    def describe(self, token: str) -> Target:
        """What the token would turn off (the confirm page), or ``InvalidToken``."""
        return rules.verify(token, self.key(), now=self.clock())

    def unsubscribe(self, token: str) -> Unsubscribed:
        target = self.describe(token)
        assert self.store is not None and self.users is not None, "the endpoint is built with its store"
        done: list[str] = []
        before: list[str] = []
        detail = f"one-click unsubscribe by {target.address} from {target.delivery_id or 'an email'}"
        if target.group_rules:
            what = f"group:{target.group}"
            changed = self.store.record_unsubscribe(
                target.org_id, rules.group_channel(target.group), target.address, f"{detail} ({target.group_rules[0]})"
            )
            (done if changed else before).append(what)
        if target.member_rules and target.user_id:
            what = f"email_switch:{target.user_id}"
            changed = self.users.switch_email_off(target.user_id, f"{detail} ({target.member_rules[0]})")
            (done if changed else before).append(what)
        logger.info(
            "unsubscribed",
            extra={"org_id": target.org_id, "delivery_id": target.delivery_id, "turned_off": done, "already": before},
        )
        return Unsubscribed(target, tuple(done), tuple(before))
