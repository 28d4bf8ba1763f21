"""The admin API's orchestration: every route's work, built with its ports injected (the HTTP layer is
``handlers.api``; the rules are ``domain.admin_api``).

Every org-scoped call starts with ``access(caller, org_id)``: the caller's member item in that org (one GetItem
with the org in the key) says read or write; no member item, no org (404). Everything after reads and writes with
that org id only, so a resource of another org is never reached, let alone answered.

Edits of the org's directory (a member, a contact, a matrix cell) go through the settings document, the same
one ``notify settings apply`` loads: the current document, the change, every check of a document (references,
addresses), then the same apply. An edit can never store what an import of the whole document would refuse.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from notify_core.config import SECRET_CACHE_DEFAULT_S
from notify_core.domain import admin_api as rules
from notify_core.domain import probes, signing
from notify_core.domain.addresses import (
    InvalidAddress,
    normalise_email,
    normalise_phone,
    normalise_telegram_chat_id,
)
from notify_core.domain.admin_api import Access, Caller, Conflict, Invalid, NotFound
from notify_core.domain.delivery import REPLAYABLE, DeliveryRecord
from notify_core.domain.erasure import InvalidSubject, LastAdmin, Subject
from notify_core.domain.erasure import Report as ErasureReport
from notify_core.domain.event_records import EventRecord
from notify_core.domain.org_settings import Member, OrgDirectory
from notify_core.domain.settings_document import ApplyResult, SettingsDocument

CHANNELS = ("email", "sms", "webhook", "slack", "telegram")
SECRET_FIELDS = (("slack", "webhook_url"), ("telegram", "bot_token"))


# ------------------------------------------------------------------------------------------------------- ports
class Directory(Protocol):
    def member(self, org_id: str, user_id: str) -> Member | None: ...

    def directory(self, org_id: str) -> OrgDirectory | None: ...


class Documents(Protocol):
    """``services.settings_admin.SettingsAdmin``: the settings document's apply and export."""

    def apply(self, doc: SettingsDocument) -> ApplyResult: ...

    def export(self, org_id: str) -> dict[str, Any]: ...


class ReplayOutcome(Protocol):
    replayed: list[str]
    skipped: dict[str, str]


class Replays(Protocol):
    """``services.replay.Replayer``: the one way a delivery is sent again (same id, never after ``sent``)."""

    def replay_delivery(self, org_id: str, delivery_id: str) -> ReplayOutcome: ...

    def replay_since(
        self,
        org_id: str,
        since: str,
        *,
        endpoint_id: str | None = ...,
        statuses: tuple[str, ...] = ...,
        until: str | None = ...,
        channels: tuple[str, ...] | None = ...,
    ) -> ReplayOutcome: ...


class DeliveryPages(Protocol):
    def get(self, delivery_id: str, org_id: str) -> DeliveryRecord | None: ...

    def page(
        self,
        org_id: str,
        channels: Sequence[str],
        *,
        date_from: str,
        date_to: str,
        limit: int,
        positions: dict[str, Any] | None = ...,
        statuses: Sequence[str] = ...,
        address: str | None = ...,
    ) -> tuple[list[DeliveryRecord], dict[str, Any] | None]: ...


class Inbox(Protocol):
    def page(
        self, org_id: str, user_id: str, *, limit: int, after: str | None = ..., unread_only: bool = ...
    ) -> tuple[list[Any], str | None]: ...

    def unread_count(self, org_id: str, user_id: str) -> int: ...

    def mark_one_read(self, org_id: str, user_id: str, sk: str) -> bool: ...

    def mark_all_read(self, org_id: str, user_id: str) -> int: ...


class Users(Protocol):
    def email_enabled(self, user_id: str) -> bool: ...

    def set_email_enabled(self, user_id: str, enabled: bool) -> None: ...


class QuarantineRecords(Protocol):
    def quarantined_page(
        self, org_id: str, *, limit: int, after: str | None = ...
    ) -> tuple[list[EventRecord], str | None]: ...


class RotatingSecrets(Protocol):
    """``adapters.ssm.SecretWriter``: writes secrets, reads only plain (non-secret) parameters."""

    def put(self, name: str, value: str) -> None: ...

    def put_plain(self, name: str, value: str) -> None: ...

    def get_plain(self, name: str) -> str | None: ...


class PingQueue(Protocol):
    """``adapters.sqs.DeliveryQueues``: one message on its channel's queue."""

    def send_one(self, channel: str, body: str, *, dedup_suffix: str = ...) -> None: ...


class SecretNames(Protocol):
    def webhook(self, org_id: str, endpoint_id: str) -> str: ...


class Erasure(Protocol):
    """``services.erasure.Eraser``: forget one person in one org."""

    def subject(self, org_id: str, *, email: str | None, phone: str | None, user_id: str | None) -> Subject: ...

    def erase(self, org_id: str, subject: Subject) -> ErasureReport: ...


class SmsReport(Protocol):
    def sent_sms(self, org_id: str, date_from: str, date_to: str) -> list[dict[str, Any]]: ...


# ----------------------------------------------------------------------------------------------------- service
class AdminApi:
    def __init__(
        self,
        *,
        directory: Directory,
        documents: Documents,
        deliveries: DeliveryPages,
        replays: Replays,
        inbox: Inbox,
        users: Users,
        quarantine: QuarantineRecords,
        reports: SmsReport,
        erasure: Erasure | None = None,
        secrets: RotatingSecrets | None = None,
        secret_names: SecretNames | None = None,
        secret_cache_s: int = SECRET_CACHE_DEFAULT_S,
        pings: PingQueue | None = None,
        ping_wait_s: float = 10.0,
    ) -> None:
        self.directory = directory
        self.documents = documents
        self.deliveries = deliveries
        self.replays = replays
        self.inbox = inbox
        self.users = users
        self.quarantine = quarantine
        self.reports = reports
        self.erasure = erasure
        self.secrets = secrets
        self.secret_names = secret_names
        # How long the webhook senders may keep using what they read (config.WEBHOOK_SECRET_CACHE_S).
        self.secret_cache_s = secret_cache_s
        self.pings = pings
        self.ping_wait_s = ping_wait_s

    # ----------------------------------------------------------------------------------------- who may do what
    def access(self, caller: Caller, org_id: str) -> Access:
        member = self.directory.member(org_id, caller.id) if caller.is_user else None
        return rules.access_for(org_id, caller, member)

    # ---------------------------------------------------------------------------------------- settings document
    def export(self, access: Access) -> tuple[dict[str, Any], str]:
        doc = self.documents.export(access.org_id)
        return doc, rules.etag(doc)

    def import_as(
        self, caller: Caller, org_id: str, body: dict[str, Any], *, if_match: str | None, dry_run: bool
    ) -> dict[str, Any]:
        """Import for a member of the org, or create the org: an operator's first document (naming an admin)."""
        try:
            access = self.access(caller, org_id)
        except NotFound:
            if not caller.is_operator or self.directory.directory(org_id) is not None:
                raise
            return self._create(org_id, body, dry_run=dry_run)
        return self.import_document(access, body, if_match=if_match, dry_run=dry_run)

    def _create(self, org_id: str, body: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
        doc = self._validated(org_id, body)
        if not any(rules.ADMIN_ROLE in m.roles for m in doc.members):
            raise Invalid(
                "a new org needs a service administrator",
                fields=[{"field": "body.members", "message": "name at least one member with roles: [admin]"}],
            )
        empty = {"org_id": org_id, "contacts": [], "webhook_endpoints": [], "subscriptions": []}
        changes = diff_documents(empty, _as_exported(doc), doc)
        if dry_run:
            return {"dry_run": True, "changes": changes, "etag": rules.etag(empty), "generated_secrets": {}}
        result = self.documents.apply(doc)
        tag = rules.etag(self.documents.export(org_id))
        return {"dry_run": False, "changes": changes, "etag": tag, "generated_secrets": result.generated_secrets}

    def import_document(
        self, access: Access, body: dict[str, Any], *, if_match: str | None, dry_run: bool
    ) -> dict[str, Any]:
        """Validate the whole document, list what would change; unless ``dry_run``, apply it when ``If-Match`` is the
        current ETag (a stale one conflicts)."""
        access.require_write()
        doc = self._validated(access.org_id, body)
        current, tag = self.export(access)
        changes = diff_documents(current, _as_exported(doc), doc)
        if dry_run:
            return {"dry_run": True, "changes": changes, "etag": tag, "generated_secrets": {}}
        rules.check_if_match(if_match, tag)
        result = self.documents.apply(doc)
        _, new_tag = self.export(access)
        return {"dry_run": False, "changes": changes, "etag": new_tag, "generated_secrets": result.generated_secrets}

    def _validated(self, org_id: str, body: dict[str, Any]) -> SettingsDocument:
        if body.get("org_id", org_id) != org_id:
            raise Invalid(
                "the document's org_id must be the org in the path",
                fields=[{"field": "body.org_id", "message": f"expected {org_id!r}"}],
            )
        try:
            return SettingsDocument.model_validate({**body, "org_id": org_id})
        except ValidationError as exc:
            raise Invalid("the settings document is not valid", fields=validation_fields(exc)) from None

    def _edit(self, access: Access, change: Any) -> dict[str, Any]:
        """Apply ``change(document)`` to the current document and store it through every check a document gets."""
        access.require_write()
        doc, _ = self.export(access)
        if "name" not in doc:
            raise NotFound(f"org {access.org_id!r} has no settings yet: import a settings document first")
        change(doc)
        self.documents.apply(self._validated(access.org_id, doc))
        return doc

    # ------------------------------------------------------------------------------------------- directory
    def list_entries(self, access: Access, kind: str, *, limit: int, cursor: str | None) -> dict[str, Any]:
        """Members or contacts of the org, by id, a page at a time."""
        doc, _ = self.export(access)
        key = "user_id" if kind == "members" else "id"
        entries = sorted(doc.get(kind, []), key=lambda e: e[key])
        after = rules.decode_cursor(cursor, access.org_id, kind)
        if after is not None:
            entries = [e for e in entries if e[key] > after]
        page = entries[:limit]
        more = len(entries) > limit
        return {"items": page, "next_cursor": rules.encode_cursor(access.org_id, kind, page[-1][key]) if more else None}

    def put_entry(self, access: Access, kind: str, entry_id: str, body: dict[str, Any]) -> dict[str, Any]:
        access.require_write()
        key = "user_id" if kind == "members" else "id"
        if body.get(key, entry_id) != entry_id:
            raise Invalid(f"{key} must be the id in the path", fields=[{"field": f"body.{key}", "message": "mismatch"}])
        entry = {**body, key: entry_id}

        def change(doc: dict[str, Any]) -> None:
            entries = [e for e in doc.get(kind, []) if e[key] != entry_id]
            doc[kind] = [*entries, entry]
            if kind == "members":
                _keep_an_admin(doc)

        self._edit(access, change)
        return entry

    def delete_entry(self, access: Access, kind: str, entry_id: str) -> None:
        access.require_write()
        key = "user_id" if kind == "members" else "id"
        doc, _ = self.export(access)
        if not any(e[key] == entry_id for e in doc.get(kind, [])):
            raise NotFound(f"no {kind[:-1]} {entry_id!r} in {access.org_id}")

        def change(doc: dict[str, Any]) -> None:
            doc[kind] = [e for e in doc.get(kind, []) if e[key] != entry_id]
            if kind == "members":
                _keep_an_admin(doc)
            else:
                _refuse_if_referenced(doc, entry_id)

        self._edit(access, change)

    # ----------------------------------------------------------------------------------------------- matrix
    def matrix(self, access: Access) -> rules.Matrix:
        directory = self.directory.directory(access.org_id)
        if directory is None:
            return rules.Matrix(scopes={"org": rules.matrix(_empty(access.org_id)).scopes["org"]})
        return rules.matrix(directory)

    def put_cell(self, access: Access, scope: str, group: str, channel: str, targets: list[str]) -> rules.Cell:
        access.require_write()
        if channel not in rules.group_channels(group):
            allowed = rules.group_channels(group)
            raise NotFound(f"no cell {group} x {channel}" + (f": {group} uses {list(allowed)}" if allowed else ""))
        directory = self.directory.directory(access.org_id)
        if directory is None:
            raise NotFound(f"org {access.org_id!r} has no settings yet: import a settings document first")
        contacts = {c.contact_id: c for c in directory.contacts}
        problems = rules.contact_problems(channel, targets, contacts, (e.endpoint_id for e in directory.endpoints))
        if problems:
            raise Invalid(f"some of the chosen cannot receive {channel}", fields=problems)

        def change(doc: dict[str, Any]) -> None:
            subs = doc.setdefault("subscriptions", [])
            entry = next((s for s in subs if s["group"] == group and s.get("scope", "org") == scope), None)
            if entry is None:
                entry = {"group": group, "scope": scope, "channels": {}}
                subs.append(entry)
            channels = entry.setdefault("channels", {})
            if targets:
                channels[channel] = list(dict.fromkeys(targets))
            else:
                channels.pop(channel, None)
            if not channels and not entry.get("addresses"):
                subs.remove(entry)

        self._edit(access, change)
        return rules.Cell(group, channel, tuple(dict.fromkeys(targets)))

    # ----------------------------------------------------------------------------------------- webhook endpoints
    def endpoints(self, access: Access, *, limit: int, cursor: str | None) -> dict[str, Any]:
        """The org's webhook endpoints with their health (what the sender keeps: a failure streak, why disabled)."""
        directory = self.directory.directory(access.org_id)
        found = sorted(directory.endpoints if directory else [], key=lambda e: e.endpoint_id)
        after = rules.decode_cursor(cursor, access.org_id, "endpoints")
        if after is not None:
            found = [e for e in found if e.endpoint_id > after]
        page = found[:limit]
        more = len(found) > limit
        nxt = rules.encode_cursor(access.org_id, "endpoints", page[-1].endpoint_id) if more else None
        return {"items": page, "next_cursor": nxt}

    def _endpoint(self, access: Access, endpoint_id: str) -> Any:
        directory = self.directory.directory(access.org_id)
        endpoint = next((e for e in (directory.endpoints if directory else []) if e.endpoint_id == endpoint_id), None)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id!r} in {access.org_id}")
        return endpoint

    def set_endpoint_enabled(self, access: Access, endpoint_id: str, enabled: bool) -> Any:
        """Enable (clearing the failure streak, as applying a document does) or disable an endpoint."""
        access.require_write()
        self._endpoint(access, endpoint_id)

        def change(doc: dict[str, Any]) -> None:
            for e in doc.get("webhook_endpoints", []):
                if e["id"] == endpoint_id:
                    e["enabled"] = enabled

        self._edit(access, change)
        return self._endpoint(access, endpoint_id)

    def endpoint_deliveries(
        self, access: Access, endpoint_id: str, *, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """The endpoint's recent deliveries, newest first, each with its attempts."""
        endpoint = self._endpoint(access, endpoint_id)
        positions = rules.decode_cursor(cursor, access.org_id, f"endpoint:{endpoint_id}")
        records, nxt = self.deliveries.page(
            access.org_id, ("webhook",), date_from="0", date_to="~", limit=limit, positions=positions,
            address=endpoint.url,
        )  # fmt: skip
        return {
            "items": [r for r in records if r.endpoint_id == endpoint_id],
            "next_cursor": rules.encode_cursor(access.org_id, f"endpoint:{endpoint_id}", nxt) if nxt else None,
        }

    def rotate_secret(self, access: Access, endpoint_id: str, grace_s: int) -> dict[str, Any]:
        """A new signing secret for the endpoint, answered this once; the current one keeps signing next to it for
        ``grace_s`` (``domain.signing.SecretState``: the new one goes to the other slot, nothing is read back)."""
        access.require_write()
        self._endpoint(access, endpoint_id)
        if self.secrets is None or self.secret_names is None:
            raise RuntimeError("secret rotation is not composed into this API")
        base = self.secret_names.webhook(access.org_id, endpoint_id)
        now = int(time.time())
        state = signing.SecretState.parse(self.secrets.get_plain(signing.state_name(base)))
        # The slot about to be overwritten must be out of every sender's cache: its grace over, and a cache age more.
        busy_until = (state.previous_until or 0) + self.secret_cache_s
        if now < busy_until:
            raise Conflict(
                f"the previous secret of {endpoint_id!r} still signs until {_iso(busy_until)}: rotate again after "
                "that (to drop it at once next time, rotate with grace_hours 0)"
            )
        secret = signing.new_secret()
        new = state.rotated(now, grace_s)
        self.secrets.put(signing.slot_name(base, new.current), secret)
        self.secrets.put_plain(signing.state_name(base), new.dump())
        return {
            "secret": secret,
            "signs_from": _iso(now + self.secret_cache_s),
            "previous_signs_until": _iso(max(now + grace_s, now + self.secret_cache_s)),
        }

    def ping(self, access: Access, endpoint_id: str) -> dict[str, Any]:
        """A signed ``webhook.ping`` to the endpoint through its sender (``domain.probes``): queued, then its
        outcome read from the delivery log for up to ``ping_wait_s`` (``queued`` if the sender has not answered)."""
        access.require_write()
        endpoint = self._endpoint(access, endpoint_id)
        if self.pings is None:
            raise RuntimeError("pings are not composed into this API")
        directory = self.directory.directory(access.org_id)
        name = directory.profile.name if directory and directory.profile else access.org_id
        message = probes.ping_message(
            org_id=access.org_id, org_name=name, endpoint_id=endpoint_id, url=endpoint.url, at=_iso(int(time.time()))
        )
        return self._probe(access, message)

    def _probe(self, access: Access, message: dict[str, Any]) -> dict[str, Any]:
        """Queue a probe on its channel's queue, then read its outcome until the sender wrote one or time is up."""
        assert self.pings is not None
        self.pings.send_one(message["channel"], json.dumps(message, separators=(",", ":")))
        deadline = time.monotonic() + self.ping_wait_s
        delay = 0.1
        while True:
            record = self.deliveries.get(message["delivery_id"], access.org_id)
            if record is not None and record.status != "retrying":
                return {"delivery_id": record.delivery_id, "status": record.status, "http_status": _http(record),
                        "error_code": record.error_code, "error_detail": record.error_detail}  # fmt: skip
            if time.monotonic() + delay > deadline:
                return {"delivery_id": message["delivery_id"], "status": "queued", "http_status": None,
                        "error_code": None, "error_detail": None}  # fmt: skip
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    # ------------------------------------------------------------------------------------------ chat connections
    def connections(self, access: Access) -> dict[str, dict[str, bool]]:
        """Whether the org's Slack and Telegram are on (their secrets stay in SSM: never read, never answered)."""
        doc, _ = self.export(access)
        return {kind: {"enabled": bool((doc.get(kind) or {}).get("enabled"))} for kind in ("slack", "telegram")}

    def set_connection(self, access: Access, kind: str, settings: dict[str, Any]) -> dict[str, dict[str, bool]]:
        """Connect (the secret goes to SSM through the document's apply), switch on or off."""

        def change(doc: dict[str, Any]) -> None:
            doc[kind] = {k: v for k, v in settings.items() if v is not None}

        self._edit(access, change)
        return self.connections(access)

    def test_connection(self, access: Access, kind: str, chat_id: str | None) -> dict[str, Any]:
        """A test message through the org's Slack or Telegram connection (its sender, tried once: ``domain.probes``).
        Telegram goes to ``chat_id``, or to the calling member's own chat."""
        member = access.require_user()
        access.require_write()
        doc, _ = self.export(access)
        if not doc.get(kind):
            raise NotFound(f"{access.org_id} has no {kind} connection")
        if self.pings is None:
            raise RuntimeError("connection tests are not composed into this API")
        address = access.org_id  # Slack: the org's incoming webhook (the router's address for it)
        if kind == "telegram":
            raw = chat_id if chat_id is not None else member.telegram
            if raw is None:
                raise Invalid(
                    "which Telegram chat?",
                    fields=[{"field": "body.chat_id", "message": "give a chat id, or set your member's telegram chat"}],
                )
            try:
                address = normalise_telegram_chat_id(raw)
            except InvalidAddress as exc:
                raise Invalid("not a Telegram chat", fields=[{"field": "body.chat_id", "message": str(exc)}]) from None
        name = doc.get("name") or access.org_id
        message = probes.chat_test_message(
            org_id=access.org_id, org_name=name, channel=kind, address=address, at=_iso(int(time.time())),
            by=member.name or member.user_id,
        )  # fmt: skip
        return self._probe(access, message)

    def remove_connection(self, access: Access, kind: str) -> None:
        def change(doc: dict[str, Any]) -> None:
            if not doc.pop(kind, None):
                raise NotFound(f"{access.org_id} has no {kind} connection")

        self._edit(access, change)

    # --------------------------------------------------------------------------------------------- the caller
    def me(self, caller: Caller) -> dict[str, Any]:
        if not caller.is_user:
            raise rules.Forbidden("preferences belong to people: this token is a product service's")
        return {"user_id": caller.id, "email_enabled": self.users.email_enabled(caller.id)}

    def set_email(self, caller: Caller, enabled: bool) -> dict[str, Any]:
        """The one email switch that spans every org the user belongs to (products.md §1): the caller's own only."""
        self.me(caller)
        self.users.set_email_enabled(caller.id, enabled)
        return self.me(caller)

    # ------------------------------------------------------------------------------------------- delivery log
    def deliveries_page(
        self,
        access: Access,
        *,
        channel: str | None,
        status: str | None,
        event_type: str | None,
        recipient: str | None,
        date_from: str | None,
        date_to: str | None,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        channels = (channel,) if channel else CHANNELS
        address = _normalised(recipient, channel) if recipient else None
        positions = rules.decode_cursor(cursor, access.org_id, "deliveries")
        records, nxt = self.deliveries.page(
            access.org_id,
            channels,
            date_from=date_from or "0",
            date_to=_upper(date_to) if date_to else "~",
            limit=limit,
            positions=positions,
            statuses=(status,) if status else (),
            address=address,
        )
        if event_type:
            records = [r for r in records if r.event_type == event_type]
        return {
            "items": records,
            "next_cursor": rules.encode_cursor(access.org_id, "deliveries", nxt) if nxt else None,
        }

    def delivery(self, access: Access, delivery_id: str) -> DeliveryRecord:
        record = self.deliveries.get(delivery_id, access.org_id)
        if record is None:
            raise NotFound(f"no delivery {delivery_id!r} in {access.org_id}")
        return record

    def replay_one(self, access: Access, delivery_id: str) -> dict[str, Any]:
        access.require_write()
        self.delivery(access, delivery_id)  # another org's id is as good as missing: 404, not "skipped"
        outcome = self.replays.replay_delivery(access.org_id, delivery_id)
        return {"replayed": list(outcome.replayed), "skipped": dict(outcome.skipped)}

    def replay_window(
        self,
        access: Access,
        *,
        since: str,
        until: str | None,
        channel: str | None,
        endpoint_id: str | None,
        statuses: Sequence[str] | None,
    ) -> dict[str, Any]:
        access.require_write()
        bad = sorted(set(statuses or ()) - set(REPLAYABLE))
        if bad:
            raise Invalid(
                f"only {sorted(REPLAYABLE)} deliveries can be replayed",
                fields=[{"field": "body.statuses", "message": f"not replayable: {bad}"}],
            )
        outcome = self.replays.replay_since(
            access.org_id,
            since,
            endpoint_id=endpoint_id,
            statuses=tuple(statuses) if statuses else REPLAYABLE,
            until=_upper(until) if until else None,
            channels=(channel,) if channel else None,
        )
        return {"replayed": list(outcome.replayed), "skipped": dict(outcome.skipped)}

    def sms_report(self, access: Access, date_from: str, date_to: str) -> list[dict[str, Any]]:
        return self.reports.sent_sms(access.org_id, date_from, date_to)

    # ------------------------------------------------------------------------------------------------ erasure
    def erase(self, access: Access, *, email: str | None, phone: str | None, user_id: str | None) -> dict[str, int]:
        """Forget one person in this org (``services.erasure``): admins only; what it touched, per table."""
        access.require_write()
        if self.erasure is None:
            raise RuntimeError("erasure is not composed into this API")
        try:
            subject = self.erasure.subject(access.org_id, email=email, phone=phone, user_id=user_id)
        except InvalidSubject as exc:
            where = f"body.{exc.field}" if exc.field else "body"
            raise Invalid("name the person to erase", fields=[{"field": where, "message": str(exc)}]) from None
        try:
            return self.erasure.erase(access.org_id, subject).as_dict()
        except LastAdmin as exc:
            raise Conflict(str(exc)) from None

    # -------------------------------------------------------------------------------------------------- inbox
    def inbox_page(self, access: Access, *, limit: int, cursor: str | None, unread_only: bool) -> dict[str, Any]:
        member = access.require_user()
        after = rules.decode_cursor(cursor, access.org_id, "inbox")
        items, nxt = self.inbox.page(access.org_id, member.user_id, limit=limit, after=after, unread_only=unread_only)
        return {"items": items, "next_cursor": rules.encode_cursor(access.org_id, "inbox", nxt) if nxt else None}

    def unread(self, access: Access) -> int:
        return self.inbox.unread_count(access.org_id, access.require_user().user_id)

    def mark_read(self, access: Access, item_id: str) -> None:
        if not self.inbox.mark_one_read(access.org_id, access.require_user().user_id, item_id):
            raise NotFound(f"no inbox item {item_id!r}")

    def mark_all_read(self, access: Access) -> int:
        return self.inbox.mark_all_read(access.org_id, access.require_user().user_id)

    # --------------------------------------------------------------------------------------------- quarantine
    def quarantined(self, access: Access, *, limit: int, cursor: str | None) -> dict[str, Any]:
        after = rules.decode_cursor(cursor, access.org_id, "quarantine")
        records, nxt = self.quarantine.quarantined_page(access.org_id, limit=limit, after=after)
        return {
            "items": records,
            "next_cursor": rules.encode_cursor(access.org_id, "quarantine", nxt) if nxt else None,
        }


# ------------------------------------------------------------------------------------------------------ helpers
def validation_fields(exc: ValidationError, prefix: str = "body") -> list[dict[str, str]]:
    fields = []
    for e in exc.errors():
        where = ".".join([prefix, *(str(p) for p in e["loc"])])
        fields.append({"field": where, "message": str(e["msg"])[:500]})
    return fields


def _as_exported(doc: SettingsDocument) -> dict[str, Any]:
    """The document as an export would show it once applied (how it is compared with the current one)."""
    from notify_core.domain.settings_document import from_directory, to_directory

    return from_directory(to_directory(doc, lambda org, endpoint: f"{org}/{endpoint}"))


def diff_documents(current: dict[str, Any], new: dict[str, Any], doc: SettingsDocument) -> list[dict[str, str]]:
    """What applying ``new`` over ``current`` changes: one line per added, changed or removed entry."""
    changes: list[dict[str, str]] = []
    for section, key in (
        ("contacts", "id"),
        ("members", "user_id"),
        ("clients", "id"),
        ("webhook_endpoints", "id"),
        ("subscriptions", None),
    ):

        def ident(e: dict[str, Any], key: str | None = key) -> str:
            return e[key] if key else f"{e['group']}@{e.get('scope', 'org')}"

        old = {ident(e): e for e in current.get(section, [])}
        now = {ident(e): e for e in new.get(section, [])}
        changes += [{"op": "add", "path": f"{section}/{i}"} for i in sorted(now.keys() - old.keys())]
        changes += [{"op": "remove", "path": f"{section}/{i}"} for i in sorted(old.keys() - now.keys())]
        changes += [
            {"op": "change", "path": f"{section}/{i}"} for i in sorted(now.keys() & old.keys()) if now[i] != old[i]
        ]
    skip = {"contacts", "members", "clients", "webhook_endpoints", "subscriptions"}
    for field in sorted((current.keys() | new.keys()) - skip):
        if current.get(field) != new.get(field):
            op = "add" if field not in current else "remove" if field not in new else "change"
            changes.append({"op": op, "path": field})
    for section, secret in SECRET_FIELDS:
        part = getattr(doc, section)
        if part is not None and getattr(part, secret):
            changes.append({"op": "replace_secret", "path": f"{section}/{secret}"})
    changes += [
        {"op": "replace_secret", "path": f"webhook_endpoints/{e.id}/secret"} for e in doc.webhook_endpoints if e.secret
    ]
    return changes


def _keep_an_admin(doc: dict[str, Any]) -> None:
    if not any(rules.ADMIN_ROLE in m.get("roles", []) for m in doc.get("members", [])):
        raise Conflict("the org would have no service administrator left: make another member admin first")


def _refuse_if_referenced(doc: dict[str, Any], contact_id: str) -> None:
    used = [
        f"{s['group']}@{s.get('scope', 'org')}.{ch}"
        for s in doc.get("subscriptions", [])
        for ch, ids in s.get("channels", {}).items()
        if ch != "webhook" and contact_id in ids
    ]
    used += [f"clients/{c['id']}" for c in doc.get("clients", []) if contact_id in c.get("contacts", [])]
    if used:
        raise Conflict(f"contact {contact_id!r} is still chosen in {sorted(used)}: take it out there first")


def _normalised(recipient: str, channel: str | None) -> str:
    try:
        if "@" in recipient and channel in (None, "email"):
            return normalise_email(recipient)
        if channel in (None, "sms") and recipient.strip().startswith("+"):
            return normalise_phone(recipient, None)
    except InvalidAddress as exc:
        raise Invalid(
            "recipient is not an address", fields=[{"field": "query.recipient", "message": str(exc)}]
        ) from None
    return recipient


def _http(record: DeliveryRecord) -> int | None:
    return record.attempts[-1].http_status if record.attempts else None


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _upper(to: str) -> str:
    # A bare date means the whole day.
    return f"{to}T~" if len(to) == 10 else to


def _empty(org_id: str) -> OrgDirectory:
    from notify_core.domain.org_settings import OrgProfile

    return OrgDirectory(org_id=org_id, profile=OrgProfile(name=org_id))


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
