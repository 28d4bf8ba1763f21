"""DynamoDB's size of an item, by its published rules: what a write is billed by (1 write unit per 1 KB started).

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html — the sum of the
attribute names' and values' lengths: a string its UTF-8 bytes, a number about one byte per two significant digits
plus one, a binary its bytes, a boolean or null one byte, a list or map three bytes plus one per element plus its
elements (a map's element names count like attribute names). Used by tests (an item's size under its write unit)
and by the benchmarks (write units from the items actually written).
"""

from __future__ import annotations

import math
from typing import Any

KB = 1024


def value_size(value: dict[str, Any]) -> int:
    """One attribute value in the low-level wire shape (``{"S": "..."}``, ``{"M": {...}}``)."""
    (kind, v), *_ = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(v) if isinstance(v, bytes) else len(v.encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(e) for k, e in v.items())
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: e}) for e in v)
    raise ValueError(f"unknown attribute type {kind!r}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """A whole item (``GetItem``'s ``Item``, ``PutRequest``'s ``Item``)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(item: dict[str, dict[str, Any]]) -> int:
    return max(1, math.ceil(item_size(item) / KB))
