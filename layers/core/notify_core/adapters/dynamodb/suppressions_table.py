"""Addresses we must not send to: hard bounces and complaints (every org), SMS opt-outs (one org).

Checked after recipients are resolved, in one BatchGetItem per 100 keys (per address: two scopes, a one-click
unsubscribe for emails, and the org's erased hash), and once more by the email and SMS channels right before they
send (a bounce, complaint or opt-out may arrive after the
message was queued).

- ``scope = "*"``: every org. SES feedback (``services.feedback``) puts hard-bounced and complaining email
  addresses here: a mailbox that does not exist does not exist for any org, and complaints hurt the sending
  reputation every org shares.
- ``scope = <org id>``: that org only. SMS opt-outs (``opt_out``/``opt_in``, the ``notify sms`` CLI, STOP
  replies to an org's SMS): a person who told one business to stop texting still hears from the others. A
  STOP reply we cannot attribute to one org (``services.sms_feedback``) is an opt-out with scope "*".

Our own list, not SNS's opt-out list: SNS keeps one per account (all orgs), and moto's is a fake.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain import erasure
from notify_core.domain.addresses import normalise_phone
from notify_core.domain.delivery import utcnow_iso
from notify_core.domain.errors import PermanentDeliveryError
from notify_core.domain.unsubscribe import GROUP_CHANNEL_PREFIX

EVERY_ORG = "*"
UNSUBSCRIBED = "unsubscribed"  # a one-click unsubscribe from one group of one org (domain.unsubscribe)
BOUNCE, COMPLAINT, OPT_OUT, MANUAL = "bounce", "complaint", "opt_out", "manual"


class SuppressionItem(Model):
    address_key = UnicodeAttribute(hash_key=True)  # <channel>#<normalised address>
    scope = UnicodeAttribute(range_key=True)  # "*" or an org id
    reason = UnicodeAttribute()  # bounce | complaint | opt_out | manual
    created_at = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)  # e.g. the bounce type and the provider's diagnostic


def key(channel: str, address: str) -> str:
    return f"{channel}#{address}"


class SuppressionsTable:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(SuppressionItem, table_name)

    def suppress(
        self, channel: str, address: str, reason: str, org_id: str | None = None, detail: str | None = None
    ) -> None:
        self.Item(
            address_key=key(channel, address),
            scope=org_id or EVERY_ORG,
            reason=reason,
            created_at=utcnow_iso(),
            detail=(detail or None) and detail[:1000],
        ).save()

    def suppressed(self, org_id: str, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(channel, address) -> reason, for the targets suppressed for this org or for every org."""
        wanted = sorted(set(targets))
        # A one-click unsubscribe from a group (channel "email-group:<group>") is one org's: no every-org key.
        keys = [
            (key(c, a), scope)
            for c, a in wanted
            for scope in ((org_id,) if c.startswith(GROUP_CHANNEL_PREFIX) else (EVERY_ORG, org_id))
        ]
        # An address erased from this org (``domain.erasure``) is kept as a hash only: looked up next to the plain.
        hashed = erasure.hashed_keys(wanted)
        keys += [(key(c, h), org_id) for c, h in hashed]
        found: dict[tuple[str, str], str] = {}
        if not keys:
            return found
        for item in self.Item.batch_get(keys):
            channel, _, address = item.address_key.partition("#")
            found[hashed.get((channel, address), (channel, address))] = item.reason
        return found

    def remember_erased(self, org_id: str, channel: str, address: str) -> bool:
        """Keep an erased address suppressed for this org, as its hash only. False: it already was."""
        try:
            self.Item(
                address_key=key(channel, erasure.suppression_key(channel, address)),
                scope=org_id,
                reason=erasure.ERASED,
                created_at=utcnow_iso(),
            ).save(condition=SuppressionItem.address_key.does_not_exist())
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget_plain(self, org_id: str, channel: str, address: str, groups: Iterable[str] = ()) -> int:
        """Delete this org's entries that hold the address in plain (an SMS opt-out, one-click unsubscribes from
        ``groups``): the hashed suppression stands in for them. Every-org entries (bounces, complaints, an
        unattributed STOP) are the platform's and stay. Returns how many were deleted."""
        channels = [channel] + ([GROUP_CHANNEL_PREFIX + g for g in sorted(groups)] if channel == "email" else [])
        keys = [(key(c, address), org_id) for c in channels]
        n = 0
        for item in self.Item.batch_get(keys):
            item.delete()
            n += 1
        return n

    def ensure_not_suppressed(
        self, channel: str, org_id: str, address: str, opted_out_code: str = "suppressed"
    ) -> None:
        """Raise a permanent delivery failure if the address is suppressed for this org (or every org)."""
        reason = self.suppressed(org_id, [(channel, address)]).get((channel, address))
        if reason:
            raise PermanentDeliveryError(opted_out_code if reason == OPT_OUT else "suppressed", f"suppressed:{reason}")

    def record_unsubscribe(self, org_id: str, channel: str, address: str, detail: str) -> bool:
        """A one-click unsubscribe (``domain.unsubscribe``), once: False if this one was already recorded (the
        first who and when stand)."""
        try:
            self.Item(
                address_key=key(channel, address),
                scope=org_id,
                reason=UNSUBSCRIBED,
                created_at=utcnow_iso(),
                detail=detail[:1000],
            ).save(condition=SuppressionItem.address_key.does_not_exist())
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def opt_out(self, org_id: str, phone: str, default_region: str | None = None, detail: str | None = None) -> str:
        """The number no longer gets SMS from this org (other orgs unaffected). Returns it in E.164.

        ``org_id=EVERY_ORG``: from no org at all (a STOP reply we cannot attribute to one org).
        """
        number = normalise_phone(phone, default_region)
        self.suppress("sms", number, OPT_OUT, org_id=org_id, detail=detail)
        return number

    def opt_in(self, org_id: str, phone: str, default_region: str | None = None) -> tuple[str, bool]:
        """Undo ``opt_out`` for this org: (the number in E.164, whether it was opted out)."""
        number = normalise_phone(phone, default_region)
        try:
            item = self.Item.get(key("sms", number), org_id, consistent_read=True)
        except self.Item.DoesNotExist:
            return number, False
        if org_id == EVERY_ORG and item.reason != OPT_OUT:
            return number, False  # an every-org entry for another reason is not the person's to lift
        item.delete()
        return number, True
