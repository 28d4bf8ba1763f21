"""Erasure: forget one person in one org (``POST /orgs/{org}/erasure``, ``notify erase``). Rules in
``domain.erasure``; this orders the writes.

1. **Suppress first**, as a hash, each of the person's email addresses and phone numbers for the org (and delete
   the org's plain entries for them: an SMS opt-out, one-click unsubscribes). From that write on, the router skips
   the address and the senders refuse what was already queued (both read the suppression list per batch), and
   record either without the address.
2. **Settings**: the person's contacts and members leave the org's settings document, with every reference to
   them (subscription cells, fixed addresses, client links), through the document's own apply: nothing can route
   to them any more. Refused (409) when it would leave the org without a service administrator.
3. **Delivery log**: each address is anonymised in the org's deliveries (``DeliveryLog.anonymise``).
4. **Inbox**: each of their user ids' in-app messages in the org are deleted.

Everything is keyed by the org: another org's settings, deliveries, inboxes and suppressions are never read or
written. Idempotent: a second run finds nothing and reports zeros (its suppressions already exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from notify_core.domain import catalog, erasure
from notify_core.domain.admin_api import ADMIN_ROLE
from notify_core.domain.settings_document import ApplyResult, SettingsDocument


class Documents(Protocol):
    def apply(self, doc: SettingsDocument) -> ApplyResult: ...

    def export(self, org_id: str) -> dict[str, Any]: ...


class ErasableLog(Protocol):
    def anonymise(self, org_id: str, channel: str, address: str) -> int: ...


class ErasableInbox(Protocol):
    def erase(self, org_id: str, user_id: str) -> int: ...


class ErasedSuppressions(Protocol):
    def remember_erased(self, org_id: str, channel: str, address: str) -> bool: ...

    def forget_plain(self, org_id: str, channel: str, address: str, groups: Iterable[str] = ...) -> int: ...


class Eraser:
    def __init__(
        self,
        *,
        documents: Documents,
        deliveries: ErasableLog,
        inbox: ErasableInbox,
        suppressions: ErasedSuppressions,
    ) -> None:
        self.documents = documents
        self.deliveries = deliveries
        self.inbox = inbox
        self.suppressions = suppressions

    def subject(self, org_id: str, *, email: str | None, phone: str | None, user_id: str | None) -> erasure.Subject:
        """The identifier, normalised (a national phone number in the org's default region). Raises
        ``erasure.InvalidSubject``."""
        region = self.documents.export(org_id).get("default_phone_region") if phone else None
        return erasure.Subject.parse(email=email, phone=phone, user_id=user_id, phone_region=region)

    def erase(self, org_id: str, subject: erasure.Subject) -> erasure.Report:
        doc = self.documents.export(org_id)
        found = erasure.find(doc, subject)
        changes = erasure.remove(doc, found)
        if changes.members and not any(ADMIN_ROLE in m.get("roles", []) for m in doc.get("members", [])):
            raise erasure.LastAdmin("the org would have no service administrator left: make another member admin first")
        added = replaced = 0
        groups = catalog.groups()
        for channel, address in found.addresses():
            if channel in erasure.HASHED_CHANNELS:
                added += int(self.suppressions.remember_erased(org_id, channel, address))
                replaced += self.suppressions.forget_plain(org_id, channel, address, groups)
        if changes.any:
            self.documents.apply(SettingsDocument.model_validate(doc))
        deliveries = sum(self.deliveries.anonymise(org_id, c, a) for c, a in found.addresses())
        inbox = sum(self.inbox.erase(org_id, u) for u in sorted(found.user_ids))
        return erasure.Report(
            contacts=changes.contacts,
            members=changes.members,
            references=changes.references,
            deliveries=deliveries,
            inbox_items=inbox,
            suppressions_added=added,
            plain_suppressions_removed=replaced,
            addresses=len(found.addresses()),
        )
