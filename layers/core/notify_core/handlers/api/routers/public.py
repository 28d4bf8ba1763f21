"""Routes served WITHOUT the JWT authorizer (mounted under ``PUBLIC_PREFIX``; the stack routes ``/public/*`` with no
authorizer, the local server does the same). Whatever a route here trusts must be proven by the request itself
(e.g. an HMAC-signed token in the URL), never by a caller's identity: there is none.

To add one (the one-click unsubscribe of RFC 8058, for instance): define ``@router.post("/unsubscribe")`` here (or in
a module of its own, added to ``PUBLIC_ROUTERS`` in ``app.py``); it is served at ``/public/unsubscribe``.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

router = Router()


class Health(BaseModel):
    ok: bool
    version: str


@router.get("/health", summary="Liveness (no token needed)", tags=["public"], security=[])
def health() -> Health:
    from notify_core.handlers.api.app import API_VERSION

    return Health(ok=True, version=API_VERSION)
