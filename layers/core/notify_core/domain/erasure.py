"""Erasure (a person's right to be forgotten) in one org: who the person is, and what of theirs the org's settings
hold. Pure: ``services.erasure`` reads and writes; this decides.

A person is named by one identifier (an email address, a phone number or a member's user id). The org's settings
document then says who that is: every contact holding the address and every member holding it (or with that user
id). Each of those is removed whole, and **all** their addresses are erased, not only the one given: a person
asking to be forgotten by their email does not expect their phone number to stay in the delivery log.

What stays is a suppression of each address **as a hash** (``suppression_key``), scoped to the org: the senders
and the router look it up next to the plain keys, so a message already queued (SQS messages cannot be edited) is
refused, an event naming the address is skipped, and nobody re-adds the person by accident, while no plain
address remains. The hash is SHA-256 of the channel and the normalised address, unkeyed: it proves nothing to
someone without the address, but whoever holds a candidate address can test it (that is what lets the
senders check it; README "Erasure").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from notify_core.domain.addresses import (
    InvalidAddress,
    normalise_email,
    normalise_phone,
    normalise_telegram_chat_id,
)

ERASED = "erased"  # the suppression reason, and what the log keeps in place of an address
SUPPRESSED_ERASED = f"suppressed:{ERASED}"  # a refused delivery's error detail / skip reason
HASHED_CHANNELS = ("email", "sms")  # the channels the suppression list guards (router and senders)
# What a delivery-log item, a routing record or a queue message keeps in place of the person's address.
ERASED_ADDRESS = "[erased]"


class InvalidSubject(ValueError):
    """The identifier names nobody we could look for (not an address, or several kinds at once)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # email | phone | None (the request as a whole)


class LastAdmin(Exception):
    """The erasure would leave the org without a service administrator (the caller makes another one first)."""


def address_hash(channel: str, address: str) -> str:
    """SHA-256 of ``<channel>:<normalised address>``, hex."""
    return hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()


def suppression_key(channel: str, address: str) -> str:
    """The address part of an erased address's suppression key (``<channel>#sha256:<hex>``)."""
    return f"sha256:{address_hash(channel, address)}"


def scrubbed_message(message: dict[str, Any]) -> dict[str, Any]:
    """A queue message as the log may keep it once its recipient is erased: no address, name or event data."""
    kept = {k: v for k, v in message.items() if k not in ("recipient_name", "event", "user_id")}
    return {**kept, "address": ERASED_ADDRESS}


@dataclass(frozen=True)
class Subject:
    """The identifier a person gave, normalised (exactly one of the three)."""

    email: str | None = None
    phone: str | None = None
    user_id: str | None = None

    @classmethod
    def parse(cls, *, email: str | None, phone: str | None, user_id: str | None, phone_region: str | None) -> Subject:
        email, phone, user_id = (v.strip() if v else None for v in (email, phone, user_id))
        given = [v for v in (email, phone, user_id) if v]
        if len(given) != 1:
            raise InvalidSubject("name exactly one of email, phone or user_id")
        try:
            if email:
                return cls(email=normalise_email(email))
            if phone:
                return cls(phone=normalise_phone(phone, phone_region))
        except InvalidAddress as exc:
            raise InvalidSubject(str(exc), "email" if email else "phone") from None
        return cls(user_id=user_id)

    @property
    def kind(self) -> str:
        return "email" if self.email else "phone" if self.phone else "user_id"


@dataclass
class Found:
    """Who the subject is in one org's settings, and every address of theirs to erase."""

    contact_ids: set[str] = field(default_factory=set)
    user_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    telegram_chats: set[str] = field(default_factory=set)

    def addresses(self) -> list[tuple[str, str]]:
        """(channel, normalised address) for every address of the person, in a stable order."""
        pairs = [("email", a) for a in self.emails] + [("sms", a) for a in self.phones]
        pairs += [("telegram", a) for a in self.telegram_chats]
        return sorted(pairs)


def _quiet(normalise: Any, value: Any, *args: Any) -> str | None:
    try:
        return str(normalise(value, *args))
    except (InvalidAddress, TypeError, ValueError):
        return None


def find(doc: dict[str, Any], subject: Subject) -> Found:
    """Every contact and member of the exported settings document that is the subject, with all their addresses.

    Followed to a fixed point: a member found by user id brings their email, which finds the contact holding it,
    whose phone finds another member holding that number, and so on (a handful of passes at most)."""
    region = doc.get("default_phone_region")
    found = Found()
    found.emails |= {subject.email} if subject.email else set()
    found.phones |= {subject.phone} if subject.phone else set()
    found.user_ids |= {subject.user_id} if subject.user_id else set()  # their inbox, even once not a member
    people = [("contact", c["id"], *_addresses(c, region)) for c in doc.get("contacts", [])]
    people += [("member", m["user_id"], *_addresses(m, region)) for m in doc.get("members", [])]
    size = -1
    while size != _size(found):
        size = _size(found)
        for kind, ident, emails, phones, chat in people:
            if (kind == "member" and ident in found.user_ids) or emails & found.emails or phones & found.phones:
                (found.user_ids if kind == "member" else found.contact_ids).add(ident)
                found.emails |= emails
                found.phones |= phones
                found.telegram_chats |= {chat} if chat else set()
    return found


def _size(found: Found) -> int:
    return len(found.contact_ids) + len(found.user_ids) + len(found.emails) + len(found.phones)


def _addresses(entry: dict[str, Any], region: str | None) -> tuple[set[str], set[str], str | None]:
    """A contact's or member's normalised emails, phones and Telegram chat (what cannot be read is skipped)."""
    raw_emails = [e.get("address") for e in entry.get("emails", [])] + [entry.get("email")]
    raw_phones = [p.get("number") for p in entry.get("phones", [])] + [entry.get("phone")]
    emails = {e for e in (_quiet(normalise_email, x) for x in raw_emails if x) if e}
    phones = {p for p in (_quiet(normalise_phone, x, region) for x in raw_phones if x) if p}
    chat = _quiet(normalise_telegram_chat_id, entry["telegram"]) if entry.get("telegram") is not None else None
    return emails, phones, chat


@dataclass
class SettingsChanges:
    contacts: int = 0
    members: int = 0
    references: int = 0  # subscription cells, fixed addresses and client links that named the person

    @property
    def any(self) -> bool:
        return bool(self.contacts or self.members or self.references)


def remove(doc: dict[str, Any], found: Found) -> SettingsChanges:
    """Take the person out of the exported document (in place): their contacts and members, every subscription
    cell choosing such a contact, every fixed subscription address of theirs, every client link to them."""
    changes = SettingsChanges()
    contacts = doc.get("contacts", [])
    doc["contacts"] = [c for c in contacts if c["id"] not in found.contact_ids]
    changes.contacts = len(contacts) - len(doc["contacts"])
    members = doc.get("members", [])
    doc["members"] = [m for m in members if m["user_id"] not in found.user_ids]
    changes.members = len(members) - len(doc["members"])
    changes.references = _unsubscribe(doc, found) + sum(_unlink(c, found) for c in doc.get("clients", []))
    return changes


def _unsubscribe(doc: dict[str, Any], found: Found) -> int:
    """Take the person's contacts out of every subscription cell and their fixed addresses out of every list."""
    region = doc.get("default_phone_region")

    def mine(channel: str, address: str) -> bool:
        if channel == "email":
            return _quiet(normalise_email, address) in found.emails
        return _quiet(normalise_phone, address, region) in found.phones

    n = 0
    for sub in doc.get("subscriptions", []):
        channels = {}
        for channel, ids in sub.get("channels", {}).items():
            kept = ids if channel == "webhook" else [i for i in ids if i not in found.contact_ids]
            n += len(ids) - len(kept)
            if kept:
                channels[channel] = kept
        if channels or "channels" in sub:
            sub["channels"] = channels
        addresses = {}
        for channel, listed in sub.get("addresses", {}).items():
            kept = [a for a in listed if not mine(channel, a)]
            n += len(listed) - len(kept)
            if kept:
                addresses[channel] = kept
        if addresses or "addresses" in sub:
            sub["addresses"] = addresses
    doc["subscriptions"] = [s for s in doc.get("subscriptions", []) if s.get("channels") or s.get("addresses")]
    return n


def _unlink(client: dict[str, Any], found: Found) -> int:
    """Take the person out of a client: its contacts, its account manager, its caretakers."""
    contacts = client.get("contacts", [])
    client["contacts"] = [i for i in contacts if i not in found.contact_ids]
    n = len(contacts) - len(client["contacts"])
    if client.get("account_manager") in found.user_ids:
        client["account_manager"] = None
        n += 1
    for department, users in list(client.get("caretakers", {}).items()):
        kept = [u for u in users if u not in found.user_ids]
        n += len(users) - len(kept)
        client["caretakers"][department] = kept
    return n


@dataclass(frozen=True)
class Report:
    """What one erasure touched, per table (a second run of the same erasure reports zeros)."""

    contacts: int
    members: int
    references: int
    deliveries: int
    inbox_items: int
    suppressions_added: int
    plain_suppressions_removed: int  # the org's entries that held an address in plain (now the hash stands)
    addresses: int  # how many addresses of the person were looked for (not themselves: they are erased)

    def as_dict(self) -> dict[str, int]:
        return {
            "contacts": self.contacts,
            "members": self.members,
            "references": self.references,
            "deliveries": self.deliveries,
            "inbox_items": self.inbox_items,
            "suppressions_added": self.suppressions_added,
            "plain_suppressions_removed": self.plain_suppressions_removed,
            "addresses": self.addresses,
        }

    @property
    def touched(self) -> int:
        return sum(v for k, v in self.as_dict().items() if k != "addresses")


def hashed_keys(targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(channel, hashed address part) -> (channel, address) for the targets the suppression list guards."""
    return {(c, suppression_key(c, a)): (c, a) for c, a in targets if c in HASHED_CHANNELS}
