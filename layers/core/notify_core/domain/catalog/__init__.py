"""The event catalog: every event type the platform routes.

Each entry names its data schema, an example, the subscription group it belongs to, the channels it
may use, its audience and the version of its data schema. One module per product (``elorus``,
``remonline``, ``hutkigrosh``, ``mobevo``, ``taxdome``; ``payments`` holds the money events Elorus and
Hutkigrosh share), each built from ``base``. Default templates live in
templates/<event type>/<channel>[.<locale>].j2; the committed JSON schemas in schemas/ (``compat`` says
which schema changes break producers).
"""

from __future__ import annotations

from notify_core.domain.catalog import elorus, hutkigrosh, mobevo, payments, remonline, taxdome
from notify_core.domain.catalog.base import (
    ACCOUNT_MANAGER,
    ACTOR,
    CLIENT_CONTACTS,
    EVENT_RECIPIENTS,
    SECTIONS,
    SUBSCRIBERS,
    EventType,
    _Data,
    caretaker,
    permission,
    relation,
)

__all__ = [
    "ACCOUNT_MANAGER",
    "ACTOR",
    "CATALOG",
    "CLIENT_CONTACTS",
    "EVENT_RECIPIENTS",
    "SECTIONS",
    "SUBSCRIBERS",
    "EventType",
    "_Data",
    "caretaker",
    "groups",
    "lookup",
    "permission",
    "relation",
    "subscribable_groups",
]

# The catalog's order is the reference's order (scripts/catalog_doc.py lists event types in it): keep it.
PRODUCT_MODULES = (payments, elorus, remonline, hutkigrosh, mobevo, taxdome)


def _assemble() -> dict[str, EventType]:
    catalog: dict[str, EventType] = {}
    for module in PRODUCT_MODULES:
        for e in module.EVENT_TYPES:
            # Two modules naming the same event type would silently shadow one schema with the other.
            if e.name in catalog:
                raise ValueError(f"{e.name} is defined twice in the catalog ({module.__name__} and another module)")
            catalog[e.name] = e
    return catalog


CATALOG: dict[str, EventType] = _assemble()


def lookup(event_type: str) -> EventType | None:
    return CATALOG.get(event_type)


def groups() -> set[str]:
    return {e.group for e in CATALOG.values()}


def subscribable_groups() -> set[str]:
    """Groups an org can subscribe contacts or endpoints to: those with an event reaching subscribers."""
    return {e.group for e in CATALOG.values() if SUBSCRIBERS in e.audiences}
