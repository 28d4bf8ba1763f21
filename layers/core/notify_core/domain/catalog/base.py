"""What every product's part of the catalog is built from: data bases, audiences, channels, ``EventType``.

Pure on purpose (pydantic and the standard library only): product teams import the catalog, and the
committed JSON schemas are generated from it, without the AWS SDK, PynamoDB or Powertools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Data(BaseModel):
    # Product services may send more facts than the schema names; templates can use them.
    model_config = ConfigDict(extra="allow")


# Amounts people are told about: at most a quadrillion, to a ten-thousandth (no currency has more minor units).
MAX_AMOUNT_DIGITS = 15
MAX_AMOUNT_DECIMALS = 4


class Money(_Data):
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @field_validator("amount")
    @classmethod
    def _an_amount(cls, v: Decimal) -> Decimal:
        """Finite and bounded (``1E+999999999`` is a valid Decimal, and no payment), written out in full (never
        ``1.2E+3``), and never ``-0``: templates print what this returns."""
        if not v.is_finite():
            raise ValueError("amount must be a finite number")
        if not v.is_zero() and v.adjusted() + 1 > MAX_AMOUNT_DIGITS:
            raise ValueError(f"amount has more than {MAX_AMOUNT_DIGITS} digits before the decimal point")
        decimals = max(0, -int(v.normalize().as_tuple().exponent))
        if decimals > MAX_AMOUNT_DECIMALS:
            raise ValueError(f"amount has more than {MAX_AMOUNT_DECIMALS} decimal places")
        return Decimal(format(abs(v) if v.is_zero() else v, "f"))


# Audiences: who an event type reaches, before preferences and consent (routing.py resolves them).
SUBSCRIBERS = "subscribers"  # contacts, endpoints and fixed addresses named by the org's subscriptions
EVENT_RECIPIENTS = "event_recipients"  # addresses carried on the event, filtered by their opt-ins
ACTOR = "actor"  # the member who did it (e.g. their own activity summary)
ACCOUNT_MANAGER = "account_manager"  # the subject client's account manager (a member)
CLIENT_CONTACTS = "client_contacts"  # the subject client's contacts whose NOTIFY flag is on


def permission(perm: str) -> str:
    """Members holding a permission, e.g. ``invoices:edit`` (an admin holds every permission)."""
    return f"permission:{perm}"


def relation(name: str) -> str:
    """Members named on the event's subject under ``subject.relations[name]`` (executor, author, ...)."""
    return f"relation:{name}"


def caretaker(department: str) -> str:
    """The subject client's caretakers in a department (accounting, hr)."""
    return f"caretaker:{department}"


# Channels an event type may name. Email, SMS, webhook, Slack and Telegram are queued to senders; in-app is
# written to the inbox by the router itself, for members only, and cannot be switched off.
CHANNELS = frozenset({"email", "sms", "webhook", "inapp", "slack", "telegram"})
# Sections whose permissions gate member audiences (products.md §1): "<section>:edit" / "<section>:view".
SECTIONS = (
    "invoices",
    "estimates",
    "credit_notes",
    "expenses",
    "clients",
    "cheques",
    "account",
    "payments",
    "orders",
    "requests",
    "tasks",
    "documents",
    "hr",
    "accounting",
)


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    group: str
    channels: frozenset[str]
    data_model: type[BaseModel]
    example: dict[str, Any]
    audiences: tuple[str, ...] = (SUBSCRIBERS,)
    # What the event type is for, as sections of docs/products.md ("products.md §3 paid"): the first names its product.
    seeds: tuple[str, ...] = field(default=())
    # The version of the data schema producers code against (schemas/events/<name>.json). Bump it only for a
    # change that refuses data producers could send before; the committed schema of the old version stays.
    version: int = 1
    # Why its emails must always go (a receipt, an alert about the org's own integration): they carry no
    # unsubscribe link or List-Unsubscribe header (domain.unsubscribe). Empty: a person may turn them off.
    always_send: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.channels) - CHANNELS
        if unknown:
            raise ValueError(f"{self.name}: unknown channels {sorted(unknown)}")
        if self.version < 1:
            raise ValueError(f"{self.name}: version must be 1 or more, not {self.version}")
