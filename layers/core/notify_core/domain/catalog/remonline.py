"""RemOnline (products.md §2, repair-shop CRM): orders, requests (leads), tasks and appointments of a service shop.

Audiences: clients (with consent), executors, managers, task authors.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from pydantic import Field, field_validator

from notify_core.domain.catalog.base import CLIENT_CONTACTS, EventType, _Data, relation

# products.md §2: email, SMS and Telegram (each with its own template), in-app for employees (WhatsApp, Viber: not yet)
_REMONLINE = frozenset({"email", "sms", "inapp", "telegram"})


class OrderStatusChangedData(_Data):
    order_number: str
    status: str
    previous_status: str | None = None
    total: Decimal | None = Field(default=None, ge=0)  # what the client pays on pickup
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    ready_message: str | None = None  # the shop's own words for a ready order (pickup hours, ...)
    device: str | None = None
    order_url: str | None = None  # https: the order in the shop's client portal (the email's button)


class RequestStatusChangedData(_Data):
    request_number: str
    status: str
    previous_status: str | None = None
    ask_to_contact: bool | None = None  # e.g. "couldn't reach": ask the client to get in touch
    contact_phone: str | None = None  # the shop's number to call back


class OrderContractorAssignedData(_Data):
    order_number: str
    description: str
    device: str | None = None
    client_name: str | None = None
    due_date: str | None = None


class RequestManagerAssignedData(_Data):
    request_number: str
    client_name: str
    client_phone: str | None = None
    note: str | None = None


class TaskCreatedData(_Data):
    task_title: str
    order_number: str | None = None
    due_date: str | None = None
    author_name: str | None = None


class TaskCompletedData(_Data):
    task_title: str
    order_number: str | None = None
    executor_name: str | None = None


class AppointmentReminderData(_Data):
    starts_at: str  # ISO 8601 local date and time, with or without an offset: templates show it as is
    place: str | None = None
    service_name: str | None = None
    order_number: str | None = None

    @field_validator("starts_at")
    @classmethod
    def _iso(cls, v: str) -> str:
        if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", v):
            raise ValueError("starts_at must be an ISO 8601 date and time, e.g. 2026-03-05T14:30:00+01:00")
        datetime.fromisoformat(v)  # a ValueError here is a validation error too
        return v


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "order.status_changed",
        "A repair order changed status (e.g. ready for pickup, with the amount due).",
        "order.status_changed",
        _REMONLINE,
        OrderStatusChangedData,
        {
            "order_number": "A-1042",
            "status": "Ready",
            "previous_status": "In repair",
            "total": "350.00",
            "currency": "PLN",
            "ready_message": "Pick up Mon-Fri 9:00-18:00.",
            "device": "iPhone 12",
            "order_url": "https://serwis.remonline.example/orders/A-1042",
        },
        audiences=(CLIENT_CONTACTS, relation("executor"), relation("manager")),
        seeds=("products.md §2 order status changed to Ready",),
    ),
    EventType(
        "request.status_changed",
        "A request (lead) changed status (e.g. couldn't reach: the client is asked to get in touch).",
        "request.status_changed",
        _REMONLINE,
        RequestStatusChangedData,
        {
            "request_number": "R-317",
            "status": "Couldn't reach",
            "previous_status": "New",
            "ask_to_contact": True,
            "contact_phone": "+48 22 123 45 67",
        },
        audiences=(CLIENT_CONTACTS, relation("manager")),
        seeds=("products.md §2 request status couldn't reach",),
    ),
    EventType(
        "order.contractor_assigned",
        "A contractor (executor) was assigned to an order.",
        "order.contractor_assigned",
        _REMONLINE,
        OrderContractorAssignedData,
        {
            "order_number": "A-1042",
            "description": "Replace the screen, check the battery",
            "device": "iPhone 12",
            "client_name": "Jan Kowalski",
            "due_date": "2026-03-04",
        },
        audiences=(relation("executor"),),
        seeds=("products.md §2 contractor assigned to an order",),
    ),
    EventType(
        "request.manager_assigned",
        "A manager was assigned to a request and should call the client.",
        "request.manager_assigned",
        _REMONLINE,
        RequestManagerAssignedData,
        {
            "request_number": "R-317",
            "client_name": "Jan Kowalski",
            "client_phone": "+48 601 234 567",
            "note": "Asks about a laptop keyboard repair",
        },
        audiences=(relation("manager"),),
        seeds=("products.md §2 manager assigned to a request",),
    ),
    EventType(
        "task.created",
        "A task was created for its executor.",
        "task.created",
        _REMONLINE,
        TaskCreatedData,
        {
            "task_title": "Order a replacement screen",
            "order_number": "A-1042",
            "due_date": "2026-03-03",
            "author_name": "Piotr Nowak",
        },
        audiences=(relation("executor"),),
        seeds=("products.md §2 task created: to the executor",),
    ),
    EventType(
        "task.completed",
        "A task was completed; its author is told.",
        "task.completed",
        _REMONLINE,
        TaskCompletedData,
        {"task_title": "Order a replacement screen", "order_number": "A-1042", "executor_name": "Kasia Wiśniewska"},
        audiences=(relation("author"),),
        seeds=("products.md §2 task completed: to the author",),
    ),
    EventType(
        "appointment.reminder",
        "A reminder of the client's appointment, sent a chosen time before it.",
        "appointment.reminder",
        frozenset({"email", "sms", "telegram"}),
        AppointmentReminderData,
        {
            "starts_at": "2026-03-05T14:30:00+01:00",
            "place": "ul. Marszałkowska 10, Warszawa",
            "service_name": "Screen replacement",
            "order_number": "A-1042",
        },
        audiences=(CLIENT_CONTACTS,),
        seeds=("products.md §2 appointment reminder",),
    ),
)
