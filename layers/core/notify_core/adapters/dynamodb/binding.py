"""Binding a PynamoDB model to the table a function was told to use.

Models are declared once, without a table; each adapter binds a subclass of its model to the name from the
function's validated settings. The subclass has its own ``Meta`` (table), connection, index copies and
``DoesNotExist``: nothing is read from the environment at import, and nothing is shared between bindings.
(The settings table's polymorphic items are defined per binding instead: ``settings_table._Models``.)
"""

from __future__ import annotations

from typing import TypeVar

from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def bind(model: type[M], table_name: str) -> type[M]:
    meta = type("Meta", (), {"table_name": table_name})
    return type(model.__name__, (model,), {"Meta": meta, "__module__": model.__module__})
