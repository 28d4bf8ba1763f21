"""TaxDome Lite (products.md §5, client portal): items awaiting the client's action in the portal, and their reminders.

Audiences: the client's users with NOTIFY on; a reminder repeats the event with its number.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from notify_core.domain.catalog.base import CLIENT_CONTACTS, EventType, _Data

_TAXDOME = frozenset({"email", "inapp"})  # products.md §5: an email, and the portal notification


class _PortalItemData(_Data):
    # Set on a reminder (automatic or a manual resend): "reminder 2 of 3". Absent on the first notice.
    reminder_number: int | None = Field(default=None, ge=1)
    reminders_total: int | None = Field(default=None, ge=1)
    portal_url: str | None = None

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
)
