"""Counting the AWS API calls handlers make, the figure tests and benchmarks hold the platform to.

Every boto3 and PynamoDB call goes through botocore's ``BaseClient._make_api_call``, so one patch
there sees them all. Only calls made while a handler runs count (the runtime's own provisioning,
polling and read-backs would drown them): ``handler_running()`` marks that span with a ContextVar,
so threads a handler starts with its context (``contextvars.copy_context().run``) count too.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

_in_handler: contextvars.ContextVar[bool] = contextvars.ContextVar("notify_in_handler", default=False)
# The counter of the runtime started last: the patch is process-wide and installed once.
_counter_installed: list[Counter] = []
_counter_lock = threading.Lock()


@contextlib.contextmanager
def handler_running() -> Iterator[None]:
    """Count the AWS calls made inside this block (and in threads that copy its context)."""
    token = _in_handler.set(True)
    try:
        yield
    finally:
        _in_handler.reset(token)


def install_call_counter(counter: Counter) -> None:
    """Count handlers' AWS calls into ``counter`` as ``"<service>:<Operation>"`` (e.g. ``"sqs:SendMessageBatch"``)."""
    from botocore.client import BaseClient

    _counter_installed[:] = [counter]
    if getattr(BaseClient._make_api_call, "_notify_counted", False):
        return
    original = BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        if _in_handler.get() and _counter_installed:
            with _counter_lock:
                _counter_installed[0][f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    counted._notify_counted = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = counted  # type: ignore[method-assign]
