"""The Lambda entry point of a function: its handler, built on the first invocation from the environment.

Building reads the function's settings model (``notify_core.config``) from ``os.environ`` and composes its
adapters (``notify_core.compose``): once per container, never at import, so importing a handler module has no
side effects and a missing variable fails the first invocation with its name. The local runtime calls the same
builders with each function's own environment.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class LazyHandler:
    def __init__(self, build: Callable[[Mapping[str, str]], Handler]) -> None:
        self.build = build
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self._handler is None:
            with self._lock:
                if self._handler is None:
                    self._handler = self.build(os.environ)
        return self._handler(event, context)
