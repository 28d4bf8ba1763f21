"""When a failed delivery is tried again: exponential backoff with equal jitter, never sooner than asked."""

from __future__ import annotations

import random

MAX_VISIBILITY_S = 43_200  # SQS's ceiling on a message's visibility timeout: 12 hours


def backoff_delay(receive_count: int, base_s: int, max_s: int, retry_after_s: int | None = None) -> int:
    """min(base * 2 ** (attempt - 1), cap) with equal jitter (half to all of it); never sooner than the provider's
    Retry-After; never beyond SQS's visibility ceiling."""
    ceiling = min(base_s * 2 ** max(receive_count - 1, 0), max_s)
    delay = ceiling // 2 + random.randint(0, ceiling - ceiling // 2) if ceiling else 0
    if retry_after_s:
        delay = max(delay, retry_after_s)
    return min(delay, MAX_VISIBILITY_S)
