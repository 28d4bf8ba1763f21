"""Counting the AWS API calls handlers make, and injecting faults into them.

Every boto3 and PynamoDB call goes through botocore's ``BaseClient._make_api_call``, so one patch there sees
them all: the count is the figure tests and benchmarks hold the platform to, and a fault injected there reaches
every client a function built (DynamoDB through PynamoDB's connection as well as boto3's), as AWS's own errors
would. Only calls made while a handler runs count or fail (the runtime's own provisioning, polling and read-backs
would drown them): ``handler_running()`` marks that span with a ContextVar, so threads a handler starts with its
context (``contextvars.copy_context().run``) count too.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

_in_handler: contextvars.ContextVar[str | None] = contextvars.ContextVar("notify_in_handler", default=None)
_current_call: contextvars.ContextVar[str] = contextvars.ContextVar("notify_current_call", default="")
# "<service>:<Operation>" -> hooks around the call: hook(call, params, function) -> response. Process-wide, like
# the patch; the runtime clears them on reset.
Hook = Callable[[Callable[[Any], Any], Any, str], Any]
_hooks: dict[str, list[Hook]] = {}
# "<service>:<Operation>" -> what stands in for IAM and resource policies on moto (the bus policy): each checks a
# call, by a handler (its function key) or by anyone else in the process (None), and raises to refuse it. Not a
# fault: a reset keeps them.
Policy = Callable[[Any, str | None], None]
_policies: dict[str, dict[str, Policy]] = {}
# The counter of the runtime started last: the patch is process-wide and installed once.
_counter_installed: list[Counter] = []
_counter_lock = threading.Lock()


@contextlib.contextmanager
def handler_running(function: str = "handler") -> Iterator[None]:
    """Count the AWS calls made inside this block (and in threads that copy its context) as ``function``'s."""
    token = _in_handler.set(function)
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
        function = _in_handler.get()
        key = f"{self.meta.service_model.service_name}:{operation_name}"
        for policy in _policies.get(key, {}).values():
            policy(api_params, function)
        if function is None:
            return original(self, operation_name, api_params)
        if _counter_installed:
            with _counter_lock:
                _counter_installed[0][key] += 1
        _current_call.set(key)  # for service-wide hooks (``current_call()``); each call sets its own
        call: Callable[[Any], Any] = lambda params: original(self, operation_name, params)  # noqa: E731
        service_wide = f"{self.meta.service_model.service_name}:*"
        hooks = [*_hooks.get(service_wide, []), *_hooks.get(key, [])]
        for hook in reversed(hooks):
            call = (lambda h, inner: lambda params: h(inner, params, function))(hook, call)
        return call(api_params)

    counted._notify_counted = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = counted


def around(service: str, operation: str, hook: Hook) -> Callable[[], None]:
    """Run ``hook(call, params, function)`` instead of the handlers' ``service.operation`` calls (it may call
    ``call(params)`` itself, before or after doing something else, or raise); ``operation="*"`` hooks every
    operation of the service (outermost: operation hooks run inside it). Returns the undo."""
    key = f"{service}:{operation}"
    _hooks.setdefault(key, []).append(hook)
    return lambda: _hooks.get(key, []).remove(hook) if hook in _hooks.get(key, []) else None


def current_call() -> str:
    """``"<service>:<Operation>"`` of the handler call a hook is running around (service-wide hooks need it)."""
    return _current_call.get()


def enforce(service: str, operation: str, name: str, policy: Policy) -> None:
    """Check every ``service.operation`` call in this process with ``policy`` (by name: installing twice is once)."""
    _policies.setdefault(f"{service}:{operation}", {})[name] = policy


def clear_hooks() -> None:
    _hooks.clear()
