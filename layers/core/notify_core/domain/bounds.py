"""The bounds every event is held to before anything reads it: bytes, depth, strings, collections, numbers.

An event is read once, here, with every limit checked on the way, so that no later step (pydantic, the idempotency
record, templates, the queue messages each delivery carries) can be made to fail by the event's *shape*: a failure
here quarantines the event with a reason (``too_large``, ``too_deep``, ``malformed_envelope``) instead of raising
and sending it round the retries into the events DLQ.

The limits (README "Bad input"):

- the whole event: ``MAX_EVENT_BYTES`` (EventBridge's own 256 KB limit on an entry; moto is looser);
- nesting: ``MAX_DEPTH`` levels of objects and arrays, counted from the envelope (``detail.data`` starts at 3);
  ``json.loads`` would raise RecursionError near 1,000, pydantic's serializer near 255: both far above this;
- a string (keys too): ``MAX_STRING_BYTES`` UTF-8 bytes;
- an object or array: ``MAX_ITEMS`` entries, except ``detail.recipients`` (the buyers on an invoice), which may
  hold as many as fit in the event;
- a number: ``MAX_NUMBER_CHARS`` characters as written, finite (``1E+999999999`` is not a number we can use);
  ``NaN`` and ``Infinity`` are not JSON at all;
- what every delivery's queue message carries (``data``, ``subject``, ``actor``): ``MAX_FACTS_BYTES`` as JSON, so
  that a message always fits SQS's 256 KB.

Pure: the standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from notify_core.domain.errors import InvalidEventError

MAX_EVENT_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_STRING_BYTES = 16 * 1024
MAX_ITEMS = 1_000
MAX_NUMBER_CHARS = 40
MAX_FACTS_BYTES = 64 * 1024
# Arrays bounded only by the event's size: the path (from the envelope) of each.
UNBOUNDED_ARRAYS = frozenset({("detail", "recipients")})
FACTS = ("data", "subject", "actor")

TOO_LARGE, TOO_DEEP, MALFORMED = "too_large", "too_deep", "malformed_envelope"


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "(root)"


def _number(literal: str, convert: type[int] | type[float]) -> int | float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise InvalidEventError(TOO_LARGE, f"a number of {len(literal)} characters (at most {MAX_NUMBER_CHARS})")
    value = convert(literal)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidEventError(TOO_LARGE, f"the number {literal[:MAX_NUMBER_CHARS]} is out of range")
    return value


def _int(literal: str) -> int:
    return int(_number(literal, int))


def _float(literal: str) -> float:
    return float(_number(literal, float))


def _not_json(constant: str) -> Any:
    raise InvalidEventError(MALFORMED, f"{constant} is not JSON")


def load_event(raw: str | bytes | dict[str, Any]) -> Any:
    """The event as JSON values, every bound checked; raises ``InvalidEventError`` with the reason otherwise.

    A dict (an event already parsed, as tests and tools hand it) is checked the same way, but not re-parsed.
    """
    if isinstance(raw, dict):
        body: Any = raw
    else:
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
        if size > MAX_EVENT_BYTES:
            raise InvalidEventError(TOO_LARGE, f"the event is {size:,} bytes (at most {MAX_EVENT_BYTES:,})")
        try:
            body = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_not_json)
        except RecursionError:
            raise InvalidEventError(TOO_DEEP, f"nested deeper than {MAX_DEPTH} levels") from None
        except (ValueError, TypeError) as exc:
            raise InvalidEventError(MALFORMED, str(exc)[:300]) from None
    check(body)
    return body


def _children(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key), child
    else:
        for i, child in enumerate(value):
            yield (*path, i), child


def _check_scalar(value: Any, path: tuple[str | int, ...]) -> None:
    if isinstance(value, str):
        _check_string(value, path)
    elif isinstance(value, float) and not math.isfinite(value):
        raise InvalidEventError(TOO_LARGE, f"{_where(path)}: {value} is not a finite number")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_NUMBER_CHARS:
        raise InvalidEventError(TOO_LARGE, f"{_where(path)}: a number of more than {MAX_NUMBER_CHARS} digits")


def _check_string(value: str, path: tuple[str | int, ...]) -> None:
    # Four bytes per character at most: only a long string needs encoding to know.
    if len(value) * 4 > MAX_STRING_BYTES and len(value.encode("utf-8", "surrogatepass")) > MAX_STRING_BYTES:
        raise InvalidEventError(
            TOO_LARGE, f"{_where(path)}: a string of {len(value):,} characters (at most {MAX_STRING_BYTES:,} bytes)"
        )


def check(body: Any) -> None:
    """Depth, string, collection and number bounds over already-parsed JSON values (iterative: any depth)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), body)]
    while stack:
        path, value = stack.pop()
        if not isinstance(value, dict | list):
            _check_scalar(value, path)
            continue
        if len(path) >= MAX_DEPTH:
            raise InvalidEventError(TOO_DEEP, f"{_where(path[:8])}…: nested deeper than {MAX_DEPTH} levels")
        if len(value) > MAX_ITEMS and path not in UNBOUNDED_ARRAYS:
            raise InvalidEventError(TOO_LARGE, f"{_where(path)}: {len(value):,} entries (at most {MAX_ITEMS:,})")
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise InvalidEventError(MALFORMED, f"{_where(path)}: a key that is not a string")
                _check_string(key, (*path, key[:40]))
        stack.extend(_children(value, path))
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        facts = {k: detail[k] for k in FACTS if k in detail}
        size = len(json.dumps(facts, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        if size > MAX_FACTS_BYTES:
            raise InvalidEventError(
                TOO_LARGE,
                f"data, subject and actor are {size:,} bytes together (at most {MAX_FACTS_BYTES:,}: every delivery's "
                "queue message carries them)",
            )
