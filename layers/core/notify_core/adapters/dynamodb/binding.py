"""Binding a PynamoDB model to the table a function was told to use.

Models are declared once, without a table; each adapter binds a subclass of its model to the name from the
function's validated settings. The subclass has its own ``Meta`` (table), connection, index copies and
``DoesNotExist``: nothing is read from the environment at import.

Bindings are reused per (model, table, endpoint): rebuilding a function (the local runtime does after every
reset) then keeps its warm PynamoDB connection instead of paying for a new botocore session, while a runtime
started on another endpoint in the same process gets a connection of its own. (The settings table's polymorphic
items are defined per binding instead: ``settings_table._Models``, cached the same way.)
"""

from __future__ import annotations

import os
from functools import cache
from typing import TypeVar

from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def endpoint() -> str | None:
    """Where botocore sends DynamoDB calls: AWS (None) or the endpoint the local runtime set."""
    return os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")


def bind(model: type[M], table_name: str) -> type[M]:
    return _bound(model, table_name, endpoint())


@cache
def _bound(model: type[M], table_name: str, endpoint: str | None) -> type[M]:
    meta = type("Meta", (), {"table_name": table_name})
    return type(model.__name__, (model,), {"Meta": meta, "__module__": model.__module__})
