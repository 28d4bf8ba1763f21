"""Addresses we must not send to: hard bounces and complaints (every org), SMS opt-outs (one org).

Checked after recipients are resolved, in one BatchGetItem per 50 addresses (two scopes each).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from notify_core.delivery_log import utcnow_iso

EVERY_ORG = "*"


class Suppression(Model):
    class Meta:
        table_name = os.environ.get("SUPPRESSIONS_TABLE", "notify-suppressions")

    address_key = UnicodeAttribute(hash_key=True)  # <channel>#<normalised address>
    scope = UnicodeAttribute(range_key=True)  # "*" or an org id
    reason = UnicodeAttribute()  # bounce | complaint | opt_out | manual
    created_at = UnicodeAttribute()


def key(channel: str, address: str) -> str:
    return f"{channel}#{address}"


def suppress(channel: str, address: str, reason: str, org_id: str | None = None) -> None:
    Suppression(address_key=key(channel, address), scope=org_id or EVERY_ORG, reason=reason,
                created_at=utcnow_iso()).save()


def suppressed(org_id: str, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(channel, address) -> reason, for the targets suppressed for this org or for every org."""
    wanted = sorted(set(targets))
    keys = [(key(c, a), scope) for c, a in wanted for scope in (EVERY_ORG, org_id)]
    found: dict[tuple[str, str], str] = {}
    if not keys:
        return found
    for item in Suppression.batch_get(keys):
        channel, _, address = item.address_key.partition("#")
        found[(channel, address)] = item.reason
    return found
