"""What the bus policy and the functions' IAM do on AWS, played on moto (which checks neither).

On AWS: only the platform's functions may put events with the platform's source, and they may put nothing else
(IAM conditions on ``events:source`` and ``events:detail-type``, ``constructs/access.py``); a function without
``events:PutEvents`` may not publish at all. Here every PutEvents call made in this process is checked the same
way, and refused with the ``AccessDeniedException`` AWS would answer. (Publishers in another process, talking to
the runtime's endpoint, are not seen: the router's check of each org's publishers still applies to them.)
"""

from __future__ import annotations

from typing import Any

from notify_infra import wiring


def _denied(why: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": why}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "PutEvents",
    )


def check_put_events(params: Any, function: str | None) -> None:
    entries = params.get("Entries", []) if isinstance(params, dict) else []
    fn = next((f for f in wiring.FUNCTIONS if f.key == function), None)
    if fn is not None:
        if not fn.access.events_put:
            raise _denied(f"{fn.key} is not authorized to perform: events:PutEvents")
        others = [
            (e.get("Source"), e.get("DetailType"))
            for e in entries
            if e.get("Source") != wiring.PLATFORM_SOURCE or e.get("DetailType") not in fn.access.platform_events
        ]
        if others:
            raise _denied(f"{fn.key} may publish only the platform's own events, not {others}")
    elif any(e.get("Source") == wiring.PLATFORM_SOURCE for e in entries):
        raise _denied(f"only the platform's functions may publish with source {wiring.PLATFORM_SOURCE!r}")
