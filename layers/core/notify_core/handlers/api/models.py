"""The admin API's request and response bodies (pydantic): what the OpenAPI document publishes.

Documents people edit (the settings document, a member, a contact) are the settings document's own models
(``domain.settings_document``): the API takes and gives exactly what ``notify settings apply`` loads.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from notify_core.domain.envelope import Identifier

Channel = Literal["email", "sms", "webhook", "slack", "telegram"]
Status = Literal[
    "sent", "failed", "retrying", "dead", "unknown", "skipped", "held", "delivered", "bounced", "complained", "rejected"
]
Replayable = Literal["dead", "failed", "unknown"]
Cursor = Annotated[str, Field(max_length=2048)]
Limit = Annotated[int, Field(ge=1, le=100)]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(_Out):
    field: str = Field(description="where: body.<path>, query.<name>, path.<name> or header.<name>")
    message: str


class Error(_Out):
    """Every 4xx and 5xx the API itself answers (API Gateway's own 401/429 bodies are ``{"message": ...}``)."""

    error: str = Field(description="bad_request | invalid | unauthorized | forbidden | not_found | conflict | ...")
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class Change(_Out):
    op: Literal["add", "change", "remove", "replace_secret"]
    path: str = Field(description="<section>/<id> or a top-level field")


class ImportResult(_Out):
    dry_run: bool
    changes: list[Change]
    etag: str = Field(description="the document's ETag after the import (before it, on a dry run)")
    generated_secrets: dict[str, str] = Field(
        description="endpoint id -> the signing secret generated for it: shown once, never again"
    )


class MatrixCell(_Out):
    group: str
    channel: Literal["email", "sms", "webhook"]
    targets: list[str] = Field(description="chosen contact ids (endpoint ids for webhook)")
    addresses: list[str] = Field(default_factory=list, description="fixed addresses (set through the document)")


class MatrixScope(_Out):
    scope: str = Field(description="org | service:<id> | point:<id>")
    cells: list[MatrixCell]


class Matrix(_Out):
    scopes: list[MatrixScope]


class CellEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[Identifier] = Field(max_length=200, description="contact ids (endpoint ids for webhook); [] clears")


class Me(_Out):
    user_id: str
    email_enabled: bool = Field(description="one switch for every org the user belongs to (docs/products.md §1)")


class EmailSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class Attempt(_Out):
    number: int
    at: str
    outcome: str
    code: str | None = None
    detail: str | None = None
    http_status: int | None = None
    provider_message_id: str | None = None


class DeliverySummary(_Out):
    delivery_id: str
    channel: str
    address: str
    status: str
    event_id: str
    event_type: str
    created_at: str
    updated_at: str | None = None
    recipient_name: str | None = None
    endpoint_id: str | None = None
    reasons: list[str] = Field(default_factory=list)
    error_code: str | None = None
    error_detail: str | None = None
    attempt_count: int = 0
    replay_count: int | None = None
    replayable: bool = Field(description="dead, failed or unknown, with its message kept")


class Delivery(DeliverySummary):
    attempts: list[Attempt] = Field(default_factory=list, description="the last attempts, oldest first")


class DeliveryPage(_Out):
    items: list[DeliverySummary]
    next_cursor: str | None = None


class ReplayWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: Annotated[str, Field(min_length=10, max_length=40, description="ISO 8601 date or date and time")]
    until: Annotated[str | None, Field(max_length=40, description="a bare date includes the whole day")] = None
    channel: Channel | None = None
    endpoint_id: Identifier | None = None
    statuses: list[Replayable] | None = Field(default=None, description="default: dead, failed and unknown")


class ReplayResult(_Out):
    replayed: list[str] = Field(description="delivery ids queued again (the same ids: receivers deduplicate)")
    skipped: dict[str, str] = Field(description="delivery id -> why not (status_sent, no_stored_message ...)")


class InboxItem(_Out):
    id: str = Field(description="opaque; POST .../inbox/{id}/read marks it read")
    delivery_id: str
    event_id: str
    event_type: str
    title: str
    body: str
    read: bool
    created_at: str
    reasons: list[str] = Field(default_factory=list)


class InboxPage(_Out):
    items: list[InboxItem]
    next_cursor: str | None = None


class Unread(_Out):
    unread: int


class Marked(_Out):
    marked: int


class QuarantinedEvent(_Out):
    event_id: str
    event_type: str
    source: str
    reason: str | None = None
    detail: str | None = None
    recorded_at: str


class QuarantinePage(_Out):
    items: list[QuarantinedEvent]
    next_cursor: str | None = None


class WebhookEndpoint(_Out):
    id: str
    url: str
    description: str | None = None
    enabled: bool
    event_types: list[str] | None = Field(default=None, description="only these event types (null: all)")
    retry_unanswered: bool = False
    failing_since: str | None = Field(default=None, description="first failure of the current streak")
    last_success_at: str | None = None
    disabled_reason: str | None = Field(default=None, description="gone (410) | sustained_failure")
    disabled_at: str | None = None


class WebhookEndpointPage(_Out):
    items: list[WebhookEndpoint]
    next_cursor: str | None = None


class EndpointSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class EndpointDeliveryPage(_Out):
    items: list[Delivery]
    next_cursor: str | None = None


class ConnectionState(_Out):
    enabled: bool


class Connections(_Out):
    slack: ConnectionState
    telegram: ConnectionState


class ErasureRequest(BaseModel):
    """Exactly one of the three: the person to forget in the org."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, min_length=3, max_length=320, description="an email address")
    phone: str | None = Field(
        default=None, min_length=2, max_length=40, description="E.164, or national in the org's default region"
    )
    user_id: Identifier | None = Field(default=None, description="a member's user id")


class ErasureReport(_Out):
    """What the erasure touched, per table (a second run reports zeros)."""

    contacts: int = Field(description="contacts removed from the settings")
    members: int = Field(description="members removed from the settings")
    references: int = Field(description="subscription cells, fixed addresses and client links that named them")
    deliveries: int = Field(description="delivery-log items anonymised (address, name, message, details)")
    inbox_items: int = Field(description="in-app messages deleted")
    suppressions_added: int = Field(description="addresses now suppressed for the org, as a hash")
    plain_suppressions_removed: int = Field(description="the org's suppressions that held an address in plain")
    addresses: int = Field(description="how many addresses of the person were looked for")


class RotateSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_hours: int = Field(
        default=24, ge=0, le=168, description="how long the current secret keeps signing next to the new one"
    )


class SecretRotation(_Out):
    secret: str = Field(description="the new signing secret (whsec_...): shown this once, never again")
    signs_from: str = Field(description="every delivery carries its signature from then on (the senders' cache)")
    previous_signs_until: str = Field(description="the previous secret's signature goes with it until then")


class PingResult(_Out):
    delivery_id: str = Field(description="the ping's delivery (in the delivery log, event type webhook.ping)")
    status: str = Field(description="sent | failed | unknown, or queued when the sender has not answered yet")
    http_status: int | None = Field(description="what the receiver answered")
    error_code: str | None
    error_detail: str | None


# ------------------------------------------------------------------------------------------ the org's templates
class TemplateSource(BaseModel):
    """An org's own template: Jinja source with the channel's blocks (email ``subject``, ``text``, ``html``; SMS
    ``text``, with an optional ``{# segments: N #}`` budget), rendered in the platform's sandbox."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=20_000)


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(
        default=None, min_length=1, max_length=20_000, description="render this (checked as a save is)"
    )
    data: dict[str, object] | None = Field(
        default=None, description="the event's data (checked against its schema); default: the catalog's example"
    )


class OrgTemplateSummary(_Out):
    event_type: str
    channel: Literal["email", "sms"]
    locale: str
    version: int
    updated_at: str | None = None
    updated_by: str | None = None


class OrgTemplateBody(OrgTemplateSummary):
    source: str


class OrgTemplatePage(_Out):
    items: list[OrgTemplateSummary]
    next_cursor: str | None


class Preview(_Out):
    template: str = Field(description="org:<event>/<channel>.<locale> for the org's own, else the platform's file")
    origin: Literal["posted", "org", "platform"]
    subject: str | None = None
    text: str
    html: str | None = None
    segments: int | None = Field(default=None, description="SMS: the segments it is sent in")
    encoding: Literal["gsm7", "ucs2"] | None = None
    cut: bool | None = Field(default=None, description="SMS: cut to the template's budget")


class TestSend(_Out):
    delivery_id: str
    to: str
    template_override: str | None


class ConnectionTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chat_id: Annotated[str, Field(min_length=1, max_length=40)] | int | None = Field(
        default=None, description="Telegram only: the chat to write to (default: your member's telegram chat)"
    )
