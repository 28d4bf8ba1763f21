"""The event contract (DESIGN.md): an EventBridge envelope whose ``detail`` says who, what and for whom.

Validation happens in three steps so that a quarantined event carries a precise reason:
``malformed_envelope`` (not an EventBridge event), ``unknown_event_type`` (detail-type not in the
catalog), ``invalid_detail`` (the contract fields) and ``invalid_data`` (the event type's own schema).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from notify_core.errors import InvalidEventError

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:@/-]+$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]



class Envelope(EventBridgeModel):
    # moto's envelopes carry no account; AWS's always do. The router needs neither.
    account: str | None = None  # type: ignore[assignment]
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
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    locale: Locale | None = None
    channels: list[str] | None = None  # None: every channel it has an address for
    events: list[str] | None = None  # None: every event it is carried on

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            unknown = sorted(set(v) - {"email", "sms"})
            if unknown:
                raise ValueError(f"recipients on an event may use email and sms only, not {unknown}")
        return v


class EventDetail(BaseModel):
    org_id: Identifier
    event_id: Identifier
    occurred_at: datetime
    subject: Subject
    data: dict[str, Any] = Field(default_factory=dict)
    recipients: list[EventRecipient] = Field(default_factory=list, max_length=50)
    locale: Locale | None = None
    actor: Actor | None = None

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

    @property
    def org_id(self) -> str:
        return self.detail.org_id

    @property
    def event_id(self) -> str:
        return self.detail.event_id


def _summarise(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "(root)"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def parse_envelope(raw: str | dict[str, Any]) -> Envelope:
    try:
        body = json.loads(raw) if isinstance(raw, str) else raw
        return Envelope.model_validate(body)
    except (ValueError, TypeError) as exc:
        detail = _summarise(exc) if isinstance(exc, ValidationError) else str(exc)[:300]
        raise InvalidEventError("malformed_envelope", detail) from None


def validate_detail(envelope: Envelope, data_model: type[BaseModel]) -> ProductEvent:
    """Validate the contract fields, then the event type's data schema."""
    try:
        detail = EventDetail.model_validate(envelope.detail)
    except ValidationError as exc:
        raise InvalidEventError("invalid_detail", _summarise(exc)) from None
    try:
        data = data_model.model_validate(detail.data).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidEventError("invalid_data", _summarise(exc)) from None
    detail = detail.model_copy(update={"data": data})
    return ProductEvent(source=envelope.source, event_type=envelope.detail_type, detail=detail)
