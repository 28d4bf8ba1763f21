"""Writing items only where none exists yet: a router retry never rewrites what an earlier attempt wrote.

The router writes items once per delivery (an in-app message, a delivery it logged at routing). A retry of the
same event (a crashed attempt, a duplicate EventBridge delivery after the idempotency record expired) must leave
them as they are: an in-app message its member already read stays read, a delivery a sender already sent is not
turned back into ``skipped``. BatchWriteItem cannot carry a condition, so each item is one PutItem on condition
that its key does not exist (a failed condition: it exists, left alone), a few at a time in threads for a large
audience.

On an event's first receive (``fresh``) nothing can have written those keys yet (they derive from the event's
id, and the event was not on record when the batch began), so the items go in BatchWriteItem calls of 25: the
conditional put per item is paid only by a retry. (A duplicate EventBridge copy of the event running at the very
same moment is the one exception: both write the same new items, and nobody has read or sent any of them yet.)

Why not TransactWriteItems (100 conditional puts a call)? It costs two write units an item where a PutItem costs
one, and moto snapshots the whole table once per item of a transaction (quadratic: a 1,000-member fan-out took
minutes on the local runtime). A PutItem each is the cheaper write on AWS and behaves the same on moto.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pynamodb.exceptions import PutError
from pynamodb.models import Model

M = TypeVar("M", bound=Model)
THREADS = 8
_SEQUENTIAL_UP_TO = 4  # a handful of items is not worth a thread pool


def create_all(model: type[M], items: Sequence[M], *, fresh: bool = False) -> int:
    """Put each item unless its key already exists (``fresh``: none can, batch-write them); returns how many were
    written."""
    if fresh:
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)
        return len(items)
    # One write per key: the last of several items with the same key is the one written.
    keys = [a.attr_name for a in model.get_attributes().values() if a.is_hash_key or a.is_range_key]
    unique = list({tuple(getattr(i, k) for k in keys): i for i in items}.values())
    condition = next(a for a in model.get_attributes().values() if a.is_hash_key).does_not_exist()

    def create(item: M) -> bool:
        try:
            item.save(condition=condition)
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False  # it exists: an earlier attempt wrote it, and it stays as it is now
            raise
        return True

    if len(unique) <= _SEQUENTIAL_UP_TO:
        return sum(create(i) for i in unique)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        # Each thread runs in a copy of the caller's context (logging keys, call accounting); any failure re-raises.
        futures = [pool.submit(contextvars.copy_context().run, create, i) for i in unique]
        return sum(f.result() for f in futures)
