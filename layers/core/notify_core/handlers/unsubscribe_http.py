"""``GET/POST /unsubscribe?t=TOKEN``: the one-click unsubscribe endpoint, a Powertools router.

The admin API mounts it with its public routes (``handlers.api.app.PUBLIC_ROUTERS``: served at
``/public/unsubscribe``, without the JWT authorizer) and puts the service in the resolver's context
(``unsubscriber``, from ``compose.api``). No login: the signed token is the authorisation.

- ``POST`` unsubscribes at once (RFC 8058: mail clients post ``List-Unsubscribe=One-Click`` to the header's URL,
  and the confirm page's button posts the same form): 200 and a short page saying what was turned off.
- ``GET`` turns nothing off (mail scanners and link previews fetch every URL in a message): a small page naming
  what would stop, with a button that posts.
- A token that is missing, tampered with, expired or meant for something else: 400 and a page saying so; nothing
  changes.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from notify_core.services.unsubscribe import InvalidToken, Unsubscriber

PATH = "/unsubscribe"
_REFUSED = {
    "malformed": "This unsubscribe link is incomplete or damaged.",
    "bad_signature": "This unsubscribe link is not valid.",
    "wrong_purpose": "This link is not an unsubscribe link.",
    "expired": "This unsubscribe link has expired. Use the link in a more recent email.",
}
_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
    "<style>body{{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;max-width:32rem;"
    "margin:3rem auto;padding:0 1rem;color:#1f2937;line-height:1.5}}button{{font-size:1rem;padding:.6rem 1.2rem;"
    "border:0;border-radius:6px;background:#1f2937;color:#fff;cursor:pointer}}</style></head>"
    "<body><h1>{title}</h1>{body}</body></html>"
)


def _page(status: int, title: str, body: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.TEXT_HTML,
        body=_PAGE.format(title=escape(title), body=body),
        # Never cached or indexed: each page is about one person's address.
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"},
    )


def _refused(exc: InvalidToken) -> Response[str]:
    return _page(400, "Link not valid", f"<p>{escape(_REFUSED.get(exc.reason, 'This link is not valid.'))}</p>")


router = Router()
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
# Both answer a page: 200 (asked / done), 400 (a missing, damaged, expired or foreign token; nothing changed).
RESPONSES: Any = {
    200: {"description": "a page saying what would stop, or what stopped", **_HTML},
    400: {"description": "a page saying the link is not valid (nothing changed)", **_HTML},
}


def _service() -> Unsubscriber:
    service: Unsubscriber = router.context["unsubscriber"]
    return service


def _token() -> str:
    return str((router.current_event.query_string_parameters or {}).get("t") or "")


@router.get(PATH, summary="One-click unsubscribe: the confirm page (no token needed: the link is signed)",
            tags=["public"], security=[], responses=RESPONSES)  # fmt: skip
def confirm() -> Response[str]:
    try:
        target = _service().describe(_token())
    except InvalidToken as exc:
        return _refused(exc)
    body = (
        f"<p>Stop emails about <strong>{escape(target.group)}</strong> to "
        f"<strong>{escape(target.address)}</strong>?</p>"
        f'<form method="post" action="?t={escape(_token())}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page(200, "Unsubscribe", body)


@router.post(PATH, summary="One-click unsubscribe (RFC 8058): turns off the rules that sent the email",
             tags=["public"], security=[], responses=RESPONSES)  # fmt: skip
def one_click() -> Response[str]:
    try:
        done = _service().unsubscribe(_token())
    except InvalidToken as exc:
        return _refused(exc)
    said = "You are unsubscribed." if done.turned_off else "You were already unsubscribed."
    what = [*done.turned_off, *done.already]
    lines = [f"<p>{said}</p>"]
    if any(w.startswith("group:") for w in what):
        lines.append(
            f"<p><strong>{escape(done.target.address)}</strong> gets no more emails about "
            f"<strong>{escape(done.target.group)}</strong> from this organisation.</p>"
        )
    if any(w.startswith("email_switch:") for w in what):
        lines.append("<p>Your email notifications are switched off (you still see them in the app).</p>")
    return _page(200, "Unsubscribed", "".join(lines))


class _Standalone:
    """This router alone, its service put in the context on every request (Powertools clears it after each)."""

    def __init__(self, service: Unsubscriber) -> None:
        from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

        self.app = APIGatewayHttpResolver()
        self.app.include_router(router)
        self.service = service

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.app.append_context(unsubscriber=self.service)
        return self.app.resolve(event, context)


def resolver_for(service: Unsubscriber) -> _Standalone:
    """A resolver holding only this router (unit tests; a deployment serving it apart from the admin API)."""
    return _Standalone(service)
