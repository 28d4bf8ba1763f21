"""Writing items only where none exists yet: a router retry never rewrites what an earlier attempt wrote.

The router writes items once per delivery (an in-app message, a delivery it logged at routing). A retry of the
same event (a crashed attempt, a duplicate EventBridge delivery after the idempotency record expired) must leave
them as they are: an in-app message its member already read stays read, a delivery a sender already sent is not
turned back into ``skipped``. BatchWriteItem cannot carry a condition; TransactWriteItems can, 100 items a call
(PutItem permission per item, no other grant): each put is conditional on the key not existing, and when some
exist the transaction is cancelled naming them (``CancellationReasons``), so it is sent again without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

M = TypeVar("M", bound=Model)
MAX_TRANSACTION_ITEMS = 100
# Each round drops the items found existing; another concurrent writer of the same new keys (none is expected:
# one router routes an event at a time) would need another round.
MAX_ROUNDS = 3


def create_all(model: type[M], items: Sequence[M]) -> int:
    """Put each item unless its key already exists; returns how many were written."""
    # A transaction may not touch one item twice: the last of several items with the same key is the one written.
    keys = [a.attr_name for a in model.get_attributes().values() if a.is_hash_key or a.is_range_key]
    items = list({tuple(getattr(i, k) for k in keys): i for i in items}.values())
    written = 0
    for start in range(0, len(items), MAX_TRANSACTION_ITEMS):
        written += _create_chunk(model, list(items[start : start + MAX_TRANSACTION_ITEMS]))
    return written


def _create_chunk(model: type[M], chunk: list[M]) -> int:
    hash_key = _hash_key_attribute(model)
    for _ in range(MAX_ROUNDS):
        if not chunk:
            return 0
        try:
            with TransactWrite(connection=model._get_connection().connection) as tx:
                for item in chunk:
                    tx.save(item, condition=hash_key.does_not_exist())
        except TransactWriteError as exc:
            existing = _existing(exc, len(chunk))
            if existing is None:
                raise
            chunk = [item for i, item in enumerate(chunk) if i not in existing]
            continue
        return len(chunk)
    raise RuntimeError(f"items kept appearing while they were written ({len(chunk)} left)")


def _existing(exc: TransactWriteError, n: int) -> set[int] | None:
    """The positions whose condition failed (the item exists), or None when the cancellation had another cause."""
    reasons: list[Any] = list(getattr(exc, "cancellation_reasons", None) or [])
    if getattr(exc, "cause_response_code", None) != "TransactionCanceledException" or len(reasons) != n:
        return None
    codes = [getattr(r, "code", None) if r is not None else None for r in reasons]
    if any(c not in (None, "None", "ConditionalCheckFailed") for c in codes):
        return None  # throttled, a conflicting transaction, a validation error: the caller retries the event
    return {i for i, c in enumerate(codes) if c == "ConditionalCheckFailed"}


def _hash_key_attribute(model: type[Model]) -> Any:
    return next(a for a in model.get_attributes().values() if a.is_hash_key)
