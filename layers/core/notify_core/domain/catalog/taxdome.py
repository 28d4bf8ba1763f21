"""TaxDome Lite (products.md §5, client portal): items awaiting the client's action in the portal, and their reminders.

Audiences: the client's users with NOTIFY on; a reminder repeats the event with its number.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from notify_core.domain.catalog.base import CLIENT_CONTACTS, EventType, _Data, permission

_TAXDOME = frozenset({"email", "inapp"})  # products.md §5: an email, and the portal notification
_FIRM = frozenset({"inapp"})  # what happened to an item, for the firm's own members
_FIRM_AUDIENCE = (permission("documents:edit"),)

# Reminder series (README "Timers"): every_days between reminders, count of reminders after the first notice.
MAX_EVERY_DAYS = 365
MAX_REMINDERS = 50
ItemType = Literal["chat", "signature", "approval"]


class ReminderSettings(BaseModel):
    """``reminders`` on a start event (or on ``reminders.changed``): what the series does for this one item.

    Fields left out fall back to the org's setting for the item type, then to the defaults (every 3 days, 1
    reminder). Out of range (every_days 0, negative or above 365; count 0 or above 50) is ``invalid_data``.
    """

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    every_days: int | None = Field(default=None, ge=1, le=MAX_EVERY_DAYS)
    count: int | None = Field(default=None, ge=1, le=MAX_REMINDERS)


class _PortalItemData(_Data):
    # Set on a reminder (automatic or a manual resend): "reminder 2 of 3". Absent on the first notice.
    reminder_number: int | None = Field(default=None, ge=1)
    reminders_total: int | None = Field(default=None, ge=1)
    portal_url: str | None = None
    # The product's choice for this item's automatic reminders (start events only; README "Timers").
    reminders: ReminderSettings | None = None

    @model_validator(mode="after")
    def _number_within_total(self) -> _PortalItemData:
        if self.reminder_number and self.reminders_total and self.reminder_number > self.reminders_total:
            raise ValueError("reminder_number exceeds reminders_total")
        return self


class ChatMessageReceivedData(_PortalItemData):
    thread_id: str
    sender_name: str
    excerpt: str  # the thread's last message, shortened
    thread_title: str | None = None


class SignatureRequestedData(_PortalItemData):
    document_name: str
    due_date: str | None = None


class ApprovalRequestedData(_PortalItemData):
    document_name: str
    message: str | None = None  # the firm's own words, e.g. when re-requesting pending approvals in bulk


class DocumentDoneData(_Data):
    document_name: str


class ChatThreadData(_Data):
    thread_id: str
    thread_title: str | None = None
    sender_name: str | None = None
    excerpt: str | None = None


class RemindersChangedData(_Data):
    """Reminders switched on or off for one item, or its every_days / count changed (from the series' next step)."""

    item_type: ItemType
    item_id: str = Field(min_length=1, max_length=256)  # the thread id of a chat, the document's subject id
    enabled: bool
    every_days: int | None = Field(default=None, ge=1, le=MAX_EVERY_DAYS)
    count: int | None = Field(default=None, ge=1, le=MAX_REMINDERS)


class ResendRequestedData(_Data):
    """A manual resend: one more notice at once for each named item (one, or many: a bulk re-request)."""

    item_type: ItemType
    item_ids: list[str] = Field(min_length=1, max_length=100)
    message: str | None = Field(default=None, max_length=2000)  # the firm's edited words, shown on the notice


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "chat.message_received",
        "A chat message awaits the client (first notice or a reminder about the thread's last message).",
        "chat.message_received",
        _TAXDOME,
        ChatMessageReceivedData,
        {
            "thread_id": "thr-5521",
            "thread_title": "Tax return 2025",
            "sender_name": "Laura Bianchi",
            "excerpt": "Could you upload your 2025 CU certificate by Friday?",
            "reminder_number": 2,
            "reminders_total": 3,
            "portal_url": "https://portal.studiorossi.example/chats/thr-5521",
        },
        audiences=(CLIENT_CONTACTS,),
        seeds=("products.md §5 unread chat message and its reminders",),
    ),
    EventType(
        "signature.requested",
        "A document awaits the client's signature (first notice or a reminder).",
        "signature.requested",
        _TAXDOME,
        SignatureRequestedData,
        {
            "document_name": "Engagement letter 2026.pdf",
            "due_date": "2026-03-10",
            "portal_url": "https://portal.studiorossi.example/documents/8812",
        },
        audiences=(CLIENT_CONTACTS,),
        seeds=("products.md §5 document awaiting signature and its reminders",),
    ),
    EventType(
        "approval.requested",
        "A document awaits the client's approval (first notice, a reminder or a manual resend).",
        "approval.requested",
        _TAXDOME,
        ApprovalRequestedData,
        {
            "document_name": "Balance sheet 2025.pdf",
            "reminder_number": 1,
            "reminders_total": 1,
            "message": "Please approve by the end of the week so we can file on time.",
            "portal_url": "https://portal.studiorossi.example/documents/8820",
        },
        audiences=(CLIENT_CONTACTS,),
        seeds=("products.md §5 document awaiting approval, reminders and bulk re-request",),
    ),
    EventType(
        "signature.signed",
        "The client signed a document: its signature reminders stop.",
        "signature.signed",
        _FIRM,
        DocumentDoneData,
        {"document_name": "Engagement letter 2026.pdf"},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 signature reminders stop when the client signed",),
    ),
    EventType(
        "approval.approved",
        "The client approved a document: its approval reminders stop.",
        "approval.approved",
        _FIRM,
        DocumentDoneData,
        {"document_name": "Balance sheet 2025.pdf"},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 approval reminders stop when the client approved",),
    ),
    EventType(
        "chat.replied",
        "The client replied in a chat thread: the thread's reminders stop.",
        "chat.replied",
        _FIRM,
        ChatThreadData,
        {"thread_id": "thr-5521", "thread_title": "Tax return 2025", "sender_name": "Mario Bianchi"},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 chat reminders stop when the client replied",),
    ),
    EventType(
        "chat.thread_archived",
        "A chat thread was archived: its reminders stop.",
        "chat.thread_archived",
        _FIRM,
        ChatThreadData,
        {"thread_id": "thr-5521", "thread_title": "Tax return 2025"},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 chat reminders stop when the thread was archived",),
    ),
    EventType(
        "chat.thread_reopened",
        "An archived chat thread was reopened: its reminders restart as if its last message were new.",
        "chat.thread_reopened",
        _FIRM,
        ChatThreadData,
        {"thread_id": "thr-5521", "thread_title": "Tax return 2025"},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 reopening an archived thread restarts reminders",),
    ),
    EventType(
        "reminders.changed",
        "Automatic reminders of one item were switched on or off, or their interval or count changed.",
        "reminders.changed",
        _FIRM,
        RemindersChangedData,
        {"item_type": "signature", "item_id": "doc-8812", "enabled": False},
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 automatic reminders switched on or off per item",),
    ),
    EventType(
        "reminders.resend_requested",
        "A manual resend of one item, or a bulk re-request of many, with an optional edited message.",
        "reminders.resend_requested",
        _FIRM,
        ResendRequestedData,
        {
            "item_type": "approval",
            "item_ids": ["doc-8820", "doc-8821"],
            "message": "Please approve by Friday so we can file on time.",
        },
        audiences=_FIRM_AUDIENCE,
        seeds=("products.md §5 manual resend and bulk re-request of pending approvals",),
    ),
)
