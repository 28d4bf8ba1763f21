"""The event contract (DESIGN.md): an EventBridge envelope whose ``detail`` says who, what and for whom.

Validation happens in steps so that a quarantined event carries a precise reason: ``too_large`` / ``too_deep``
(the bounds every event is held to, ``domain.bounds``), ``malformed_envelope`` (not an EventBridge event),
``unknown_event_type`` (detail-type not in the catalog), ``invalid_detail`` (the contract fields),
``attachment_outside_tenant`` (a document key not under the event's ``<org_id>/``), ``invalid_data`` (the event
type's own schema) and ``occurred_at_out_of_window`` (``check_occurred_at``: too old to be told about, or from
the future).

A recipient carried on the event that does not fit the contract fails alone (``RejectedRecipient``: routing
records its delivery ``failed`` / ``invalid_recipient``): one buyer's typo never costs the other buyers their
notification.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from notify_core.domain import bounds
from notify_core.domain.errors import InvalidEventError
from notify_core.domain.quiet_hours import known_time_zone

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@/-]+$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]

# Documents an email may carry (the attachments bucket, see Attachment). SES refuses a message with more
# than 40 MB after encoding; the sender's byte limits (ATTACHMENT_MAX_*_BYTES) keep well under it.
MAX_ATTACHMENTS = 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# type/subtype as RFC 2045 tokens, lower case, no parameters (the sender adds none either).
_CONTENT_TYPE = re.compile(r"^(application|audio|font|image|model|text|video)/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# File types SES refuses to send as attachments ("Unsupported attachment types", SES developer guide):
# refused here so the event is quarantined with a reason instead of every delivery failing at SES.
_SES_BLOCKED = (
    "ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its js jse ksh "
    "lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh msh1 msh2 mshxml "
    "msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr sct shb shs sys ps1 ps1xml ps2 ps2xml psc1 "
    "psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vws xnk"
)
SES_BLOCKED_EXTENSIONS = frozenset(_SES_BLOCKED.split())

# When an event may say it happened (``check_occurred_at``): no older than the router remembers event ids for
# (an older one could be a replay it can no longer recognise; ``adapters.dynamodb.event_once`` keeps them at
# least this long), and no later than a producer's clock may run ahead of ours.
MAX_EVENT_AGE = timedelta(days=7)
MAX_CLOCK_SKEW = timedelta(minutes=15)
# ISO 8601 / RFC 3339 date and time: an epoch number or a bare date is not an instant anyone meant.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$")
# How much of a rejected recipient's address the delivery log keeps (an email address is at most 320).
_KEPT_ADDRESS_CHARS = 320


class Envelope(BaseModel):
    """An EventBridge event as a rule target receives it (the fields the router reads, checked).

    Our own model rather than Powertools' ``EventBridgeModel``: the domain stays free of the Lambda toolkit,
    and moto's envelopes carry no ``account`` (AWS's always do; the router needs neither). ``detail-type`` is
    read by its EventBridge name only: a body spelling it ``detail_type`` is not an EventBridge event.
    """

    version: str
    id: str
    source: str
    account: str | None = None
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


class Scope(BaseModel):
    """Where the subject sits in the org's hierarchy: organisation -> service -> point of sale."""

    service_id: Identifier | None = None
    point_id: Identifier | None = None


class Subject(BaseModel):
    """What the event is about, where it sits, and who is related to it.

    ``relations`` names members by role on this subject (``{"executor": ["u7"], "author": ["u2"]}``);
    ``client_id`` names the client account it belongs to (its caretakers, account manager, contacts).
    """

    model_config = ConfigDict(extra="allow")
    type: Identifier
    id: Identifier
    scope: Scope = Field(default_factory=Scope)
    client_id: Identifier | None = None
    relations: dict[Identifier, list[Identifier]] = Field(default_factory=dict)


class Actor(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Identifier
    type: str = "user"
    name: str | None = None


class EventRecipient(BaseModel):
    """An address carried on the event itself, with what it opted into (the buyer on an invoice)."""

    name: str | None = Field(default=None, max_length=200)
    # Checked (and normalised) by routing: an invalid address fails alone, ``invalid_address``.
    email: str | None = None
    phone: str | None = None
    locale: Locale | None = None
    # Their IANA time zone: an SMS to them waits for business hours there (else the org's zone); unknown: rejected
    time_zone: str | None = Field(default=None, max_length=64)
    channels: list[str] | None = None  # None: every channel it has an address for

    check_time_zone = field_validator("time_zone")(known_time_zone)
    events: list[str] | None = None  # None: every event it is carried on

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            unknown = sorted(set(v) - {"email", "sms"})
            if unknown:
                raise ValueError(f"recipients on an event may use email and sms only, not {unknown}")
        return v


class Attachment(BaseModel):
    """A document to attach to the event's emails: a reference into the platform's attachments bucket.

    Products upload the object under ``<org_id>/`` (checked against the event's org by ``validate_detail``);
    only the reference travels through the queues, the email sender reads the bytes at send time.
    """

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=1024)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(max_length=255)

    @field_validator("key")
    @classmethod
    def _plain_key(cls, v: str) -> str:
        # S3 keys are literal, but a key with "..", "//" or control characters is never what a product meant
        # and reads like an attempt to leave the org's prefix: refuse it rather than reason about it.
        if _CONTROL.search(v) or v.startswith("/") or "//" in v or ".." in v.split("/") or "\\" in v:
            raise ValueError(
                "key must be a plain S3 key: no leading '/', '//', '..' segments, backslashes or control characters"
            )
        return v

    @field_validator("filename")
    @classmethod
    def _plain_filename(cls, v: str) -> str:
        # Format characters too (Cf): a right-to-left override makes "invoice\u202efdp.exe" read as a PDF.
        hidden = any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in v)
        if hidden or "/" in v or "\\" in v or v.strip() in {"", ".", ".."}:
            raise ValueError("filename must be a bare file name: no path separators or control characters")
        extension = v.rsplit(".", 1)[-1].lower() if "." in v else ""
        if extension in SES_BLOCKED_EXTENSIONS:
            raise ValueError(f"SES does not send .{extension} attachments")
        return v

    @field_validator("content_type")
    @classmethod
    def _media_type(cls, v: str) -> str:
        v = v.strip().lower()
        if not _CONTENT_TYPE.match(v):
            raise ValueError("content_type must be a media type such as application/pdf (no parameters)")
        return v


class RejectedRecipient(BaseModel):
    """A recipient on the event that does not fit ``EventRecipient``: kept to be recorded as failed, alone."""

    index: int  # its place in the event's ``recipients``
    problem: str
    email: str | None = None  # what it carried, cut to what the delivery log keeps
    phone: str | None = None

    @classmethod
    def of(cls, index: int, raw: Any, problem: str) -> RejectedRecipient:
        def address(key: str) -> str | None:
            value = raw.get(key) if isinstance(raw, dict) else None
            return value[:_KEPT_ADDRESS_CHARS] if isinstance(value, str) and value.strip() else None

        return cls(index=index, problem=problem[:500], email=address("email"), phone=address("phone"))


class EventDetail(BaseModel):
    org_id: Identifier
    event_id: Identifier
    occurred_at: datetime
    subject: Subject
    data: dict[str, Any] = Field(default_factory=dict)
    # As many as fit in the event (EventBridge: 256 KB); one that does not fit the contract fails alone.
    recipients: list[EventRecipient] = Field(default_factory=list)
    locale: Locale | None = None
    actor: Actor | None = None
    # Documents for the email deliveries of this event (ignored by the other channels).
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _date_time(cls, v: Any) -> Any:
        if isinstance(v, datetime):
            return v
        if not isinstance(v, str) or not _DATE_TIME.fullmatch(v):
            raise ValueError("occurred_at must be an ISO 8601 date and time such as 2026-11-30T10:15:00Z, not an epoch")
        return v

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("occurred_at needs a timezone (ISO 8601 with Z or an offset)")
        return v


class ProductEvent(BaseModel):
    """A validated event: the envelope's routing facts plus the detail, data checked by its schema."""

    source: str
    event_type: str
    detail: EventDetail
    # The AWS account that put the event (EventBridge sets it; moto does not): publishers may be bound to it.
    account: str | None = None
    rejected_recipients: list[RejectedRecipient] = Field(default_factory=list)

    @property
    def org_id(self) -> str:
        return self.detail.org_id

    @property
    def event_id(self) -> str:
        return self.detail.event_id


def _summarise(err: ValidationError) -> str:
    parts = []
    for e in err.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "(root)"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def parse_envelope(raw: str | dict[str, Any]) -> Envelope:
    """The envelope, read within ``domain.bounds`` (``too_large``, ``too_deep``) and checked for its fields."""
    body = bounds.load_event(raw)
    try:
        return Envelope.model_validate(body)
    except (ValueError, TypeError) as exc:
        detail = _summarise(exc) if isinstance(exc, ValidationError) else str(exc)[:300]
        raise InvalidEventError("malformed_envelope", detail) from None


def check_attachment_tenancy(detail: EventDetail) -> None:
    """Tenant isolation for documents: an event may only attach objects under its own ``<org_id>/``.

    There is one attachments bucket for every org and the email sender may read all of it, so this
    check is what stops org A's event from mailing org B's invoice.
    """
    prefix = f"{detail.org_id}/"
    if detail.attachments and "/" in detail.org_id:
        # Identifiers may hold "/": org "a" would then reach into org "a/b"'s folder. No prefix is safe.
        raise InvalidEventError(
            "attachment_outside_tenant",
            f"org id {detail.org_id!r} contains '/', so {prefix!r} is not a folder of its own: it cannot attach",
        )
    for i, a in enumerate(detail.attachments):
        if not a.key.startswith(prefix) or len(a.key) == len(prefix):
            raise InvalidEventError(
                "attachment_outside_tenant",
                f"attachments.{i}.key {a.key[:200]!r} is not an object under {prefix!r} (the event's org)",
            )


def _split_recipients(detail: dict[str, Any]) -> tuple[dict[str, Any], list[RejectedRecipient]]:
    """The detail with only the recipients that fit the contract, and those that do not (each with its problem)."""
    raw = detail.get("recipients")
    if not isinstance(raw, list):
        return detail, []  # not a list at all: the event's own shape is wrong (invalid_detail)
    kept: list[EventRecipient] = []
    rejected: list[RejectedRecipient] = []
    for i, r in enumerate(raw):
        try:
            kept.append(EventRecipient.model_validate(r))
        except ValidationError as exc:
            rejected.append(RejectedRecipient.of(i, r, _summarise(exc)))
    return {**detail, "recipients": kept}, rejected


def validate_detail(envelope: Envelope, data_model: type[BaseModel]) -> ProductEvent:
    """Validate the contract fields, then the event type's data schema."""
    fields, rejected = _split_recipients(envelope.detail)
    try:
        detail = EventDetail.model_validate(fields)
    except ValidationError as exc:
        raise InvalidEventError("invalid_detail", _summarise(exc)) from None
    check_attachment_tenancy(detail)
    try:
        data = data_model.model_validate(detail.data).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidEventError("invalid_data", _summarise(exc)) from None
    detail = detail.model_copy(update={"data": data})
    return ProductEvent(
        source=envelope.source,
        event_type=envelope.detail_type,
        detail=detail,
        account=envelope.account,
        rejected_recipients=rejected,
    )


def check_occurred_at(detail: EventDetail, now: datetime) -> None:
    """An event says when it happened; one from too long ago or from the future is quarantined.

    Too old: the router no longer remembers whether it routed it (``MAX_EVENT_AGE``). From the future (beyond
    ``MAX_CLOCK_SKEW``): a producer's clock or a forged date, which would also keep an in-app item on top of an
    inbox (sorted by this date) for as long as it likes.
    """
    earliest, latest = now - MAX_EVENT_AGE, now + MAX_CLOCK_SKEW
    if not earliest <= detail.occurred_at <= latest:
        raise InvalidEventError(
            "occurred_at_out_of_window",
            f"occurred_at {detail.occurred_at.isoformat()} is outside {earliest.isoformat(timespec='seconds')} .. "
            f"{latest.isoformat(timespec='seconds')} (at most {MAX_EVENT_AGE.days} days old, "
            f"{int(MAX_CLOCK_SKEW.total_seconds() // 60)} minutes ahead)",
        )


def fingerprint(event: ProductEvent) -> str:
    """What makes two events with the same id the same event: source, type and detail, but not ``occurred_at``
    (a producer that re-sends an event may stamp it anew). Two events of one org with the same id and different
    fingerprints are one id reused for different events (``event_id_reused``)."""
    content = event.model_dump(mode="json", exclude={"detail": {"occurred_at"}})
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
