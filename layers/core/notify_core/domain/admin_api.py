"""The pure rules behind the admin API: who the caller is, what an org lets them do, and the values the API shows.

- **Callers** come from a token the API Gateway JWT authorizer verified (``Caller.from_claims``): a person (the
  Cognito user name is the user id members carry in every org) or a product service (the client-credentials grant:
  its app client id and scopes). Nothing in a request's path, query or body can say who the caller is.
- **Access** is decided by the org's own directory (``access_for``): a member may read, a member with the ``admin``
  role may also write (products.md §3, the service administrator); an org the caller does not belong to is *not found*,
  exactly as an org that does not exist, so an id of another org tells nothing.
- **Cursors** are opaque to clients (base64url of the store's position) and bound to the org and the list they came
  from: a cursor replayed on another org or another list is refused, never used to start someone else's query.
- **ETags** of an editable document are a hash of its canonical JSON: an import carrying a stale ``If-Match``
  conflicts (409) instead of overwriting what someone else saved in between.
- **The subscription matrix** (docs/products.md §3): per scope, event group x channel -> chosen contacts (endpoints for
  webhooks), and the check that a chosen contact has the address the channel needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notify_core.domain import catalog
from notify_core.domain.org_settings import Contact, Member, OrgDirectory

ADMIN_ROLE = "admin"
# The platform's operators (a Cognito group of the user pool): they may create an org by importing its first
# document, naming its first admin. Nothing else: an existing org is its members' alone.
OPERATORS_GROUP = "notify-operators"
SEND_SCOPE = "notify/send"
# Channels a subscription cell may name (settings_document.SUBSCRIBABLE_CHANNELS) and what a contact needs for each.
CELL_CHANNELS = ("email", "sms", "webhook")


# ------------------------------------------------------------------------------------------------------ errors
class ApiError(Exception):
    """An outcome the API answers with a 4xx and this message (never a stack trace, never another org's data)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class Invalid(ApiError):
    status, code = 400, "invalid"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class TooLarge(ApiError):
    status, code = 413, "too_large"


class PreconditionRequired(ApiError):
    status, code = 428, "precondition_required"


# ----------------------------------------------------------------------------------------------------- callers
@dataclass(frozen=True)
class Caller:
    """Who is calling, from verified token claims only."""

    kind: str  # "user" | "client"
    id: str  # user id (Cognito user name) | app client id
    scopes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # Cognito groups of a person (``cognito:groups``)

    @property
    def is_operator(self) -> bool:
        return self.is_user and OPERATORS_GROUP in self.groups

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None, scopes: Iterable[str] | None = None) -> Caller:
        """A Cognito access token: ``username`` for a person, only ``client_id`` for the client-credentials grant.
        (An ID token carries ``cognito:username``; either works.) No usable claim: 401."""
        claims = claims or {}
        raw_scopes = scopes if scopes is not None else str(claims.get("scope", "")).split()
        granted = frozenset(s for s in raw_scopes if s)
        user = claims.get("username") or claims.get("cognito:username")
        if isinstance(user, str) and user:
            return cls("user", user, granted, _claim_list(claims.get("cognito:groups")))
        client = claims.get("client_id")
        if isinstance(client, str) and client:
            return cls("client", client, granted)
        raise Unauthorized("the token names no user and no client")


def _claim_list(value: Any) -> frozenset[str]:
    """A list claim as API Gateway hands it on (a string ``"[a b]"``), or as a JSON array or list."""
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        return frozenset()
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(part.strip().strip('"') for part in text.replace(",", " ").split() if part.strip().strip('"'))


@dataclass(frozen=True)
class Access:
    """What one caller may do in one org."""

    org_id: str
    caller: Caller
    can_write: bool
    member: Member | None = None

    def require_write(self) -> None:
        if not self.can_write:
            raise Forbidden(f"only a service administrator of {self.org_id} may change this (you may read it)")

    def require_user(self) -> Member:
        if self.member is None:
            raise Forbidden("this resource belongs to a person: sign in as a member")
        return self.member


def access_for(org_id: str, caller: Caller, member: Member | None, *, registered_clients: Iterable[str] = ()) -> Access:
    """The org's directory decides: a member reads, an admin member writes; anyone else finds nothing."""
    if caller.is_user:
        if member is None:
            raise NotFound(f"no org {org_id!r}")
        return Access(org_id, caller, can_write=ADMIN_ROLE in member.roles, member=member)
    if caller.id in set(registered_clients):
        return Access(org_id, caller, can_write=False)
    raise NotFound(f"no org {org_id!r}")


# ----------------------------------------------------------------------------------------------------- cursors
def encode_cursor(org_id: str, kind: str, position: Any) -> str:
    raw = json.dumps({"o": org_id, "k": kind, "p": position}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, org_id: str, kind: str) -> Any:
    """The position a cursor of this org's list ``kind`` holds (None: from the start)."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("o") != org_id or data.get("k") != kind or "p" not in data:
        raise Invalid("cursor is not one this list gave out", fields=[{"field": "query.cursor", "message": "unknown"}])
    return data["p"]


# ------------------------------------------------------------------------------------------------------- etags
def etag(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def check_if_match(if_match: str | None, current: str) -> None:
    if not if_match:
        raise PreconditionRequired("If-Match is required: GET the document first and send its ETag back")
    if if_match.strip() not in (current, "*"):
        raise Conflict("the document changed since you read it: GET it again, apply your change, send it back")


# ------------------------------------------------------------------------------------------ subscription matrix
@dataclass(frozen=True)
class Cell:
    group: str
    channel: str
    targets: tuple[str, ...] = ()  # contact ids (endpoint ids for webhook)
    addresses: tuple[str, ...] = ()  # fixed addresses


@dataclass
class Matrix:
    scopes: dict[str, list[Cell]] = field(default_factory=dict)


def group_channels(group: str) -> tuple[str, ...]:
    """The channels a subscription cell of ``group`` may use: those of its events that subscribers receive."""
    channels: set[str] = set()
    for e in catalog.CATALOG.values():
        if e.group == group and catalog.SUBSCRIBERS in e.audiences:
            channels |= set(e.channels)
    return tuple(c for c in CELL_CHANNELS if c in channels)


def scope_name(key: str) -> str:
    """A stored scope key (``service#water``) as documents and the API spell it (``service:water``)."""
    return key if key == "org" else key.replace("#", ":", 1)


def matrix(directory: OrgDirectory) -> Matrix:
    """Every scope the org subscribes at, with every (group, channel) cell the catalog allows there; the org scope
    always shows, empty cells included, so an admin sees what can be chosen."""
    m = Matrix()
    subs = {(s.group, scope_name(s.scope)): s for s in directory.subscriptions}
    scopes = sorted({scope for _, scope in subs} | {"org"}, key=lambda s: (s != "org", s))
    for scope in scopes:
        cells = []
        for group in sorted(catalog.subscribable_groups()):
            sub = subs.get((group, scope))
            for channel in group_channels(group):
                targets = tuple(sub.channels.get(channel, ())) if sub else ()
                fixed = tuple(sub.addresses.get(channel, ())) if sub else ()
                cells.append(Cell(group, channel, targets, fixed))
        m.scopes[scope] = cells
    return m


def contact_problems(
    channel: str, ids: Iterable[str], contacts: Mapping[str, Contact], endpoints: Iterable[str]
) -> list[dict[str, str]]:
    """Why each chosen id cannot fill a cell of ``channel`` (field-level, naming the contact and what it lacks)."""
    problems = []
    known_endpoints = set(endpoints)
    for i, target in enumerate(ids):
        where = f"body.targets[{i}]"
        if channel == "webhook":
            if target not in known_endpoints:
                problems.append({"field": where, "message": f"no webhook endpoint {target!r} in this org"})
            continue
        contact = contacts.get(target)
        if contact is None:
            problems.append({"field": where, "message": f"no contact {target!r} in this org: add the contact first"})
        elif channel == "email" and not contact.emails:
            problems.append(
                {"field": where, "message": f"contact {target!r} has no email address: add one to the contact first"}
            )
        elif channel == "sms" and not contact.phones:
            problems.append(
                {"field": where, "message": f"contact {target!r} has no phone number: add one to the contact first"}
            )
    return problems
