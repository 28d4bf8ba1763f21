"""``make gallery``: every event type x channel x locale rendered with its catalog example, on one static page.

Emails in frames at 375 px and 800 px (the layout, the org's branding, the button, the footer saying why), SMS with
their encoding, segments and budget, Slack mrkdwn, Telegram HTML, the webhook JSON and the in-app title and body.
Locales: English and the product's own language. Orgs alternate between a branded one (logo, colour, postal
address, preferences page) and a plain one (the org's name on the neutral palette).

    .venv/bin/python scripts/gallery.py [OUT_DIR]       # default build/gallery; open OUT_DIR/index.html

The page is self-contained (the logo is a file beside it; emails are ``srcdoc`` frames). An e2e test opens it in
headless Chromium and fails when an email overflows 375 px or an image is missing (tests/e2e/test_gallery.py).
"""

from __future__ import annotations

import copy
import html
import json
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "core"), str(ROOT)]

from notify_core.domain import catalog, templates  # noqa: E402
from notify_core.domain.sms_text import measure  # noqa: E402

TEMPLATES = str(ROOT / "templates")
LOGO_URL = "https://gallery.notify.example/logo.png"  # https, as branding requires; swapped for the file beside it
LOGO_FILE = "logo.png"
SECTION_LANGUAGE = {"1": "el", "2": "pl", "3": "ru", "4": "pl", "5": "it"}
SECTION_ORG = {
    "1": ("Ergo Consulting", "#0f766e"),
    "2": ("FixIt Serwis", "#b91c1c"),
    "3": ("Hutki Water", "#0a7cff"),
    "4": ("Biuro Rachunkowe Nowak", "#6d28d9"),
    "5": ("Studio Rossi", "#ffd60a"),
}
# A rule that would select someone for each audience (what routing records as the delivery's reasons).
REASON = {
    "subscribers": "subscription:{group}@point#shop-1",
    "event_recipients": "event_recipient",
    "actor": "actor",
    "account_manager": "account_manager:acme",
    "client_contacts": "client_contact:acme",
}
ORDER = ("email", "sms", "inapp", "slack", "telegram", "webhook")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A stand-in logo: a white badge with a coloured bar (the stdlib only: zlib and struct)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    white, bar = b"\xff\xff\xff", bytes(rgb)
    rows = [b"\x00" + (bar * width if height // 3 <= y < 2 * height // 3 else white * width) for y in range(height)]
    raw = zlib.compress(b"".join(rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _section(name: str) -> str:
    return catalog.CATALOG[name].seeds[0].split("§")[1][0]


def _reason(e: catalog.EventType) -> str:
    audience = e.audiences[0]
    if audience in REASON:
        return REASON[audience].format(group=e.group)
    kind, _, rest = audience.partition(":")
    return {"permission": f"permission:{rest}", "relation": f"relation:{rest}"}.get(kind, f"caretaker:{rest}:acme")


def message(name: str, channel: str, locale: str, branded: bool) -> dict[str, Any]:
    e = catalog.CATALOG[name]
    org, color = SECTION_ORG[_section(name)]
    branding = (
        {
            "display_name": org,
            "logo_url": LOGO_URL,
            "color": color,
            "postal_address": "ul. Marszałkowska 104/122, 00-017 Warszawa",
            "preferences_url": "https://portal.notify.example/notifications",
        }
        if branded
        else None
    )
    return {
        "delivery_id": "dlv_gallery",
        "org_id": "gallery",
        "event_id": "evt-0001",
        "event_type": name,
        "channel": channel,
        "locale": locale,
        "recipient_name": "Anna",
        "user_id": "u-anna",
        "reasons": [_reason(e)],
        "org": {"name": org, "branding": branding},
        "event": {
            "source": "gallery",
            "occurred_at": "2026-03-01T10:15:00+00:00",
            "subject": {"type": name.split(".")[0], "id": "subj-981", "client_id": "acme"},
            "actor": {"id": "u-anna", "type": "user", "name": "Anna"},
            "data": copy.deepcopy(e.example),
        },
    }


def _unsubscribe(m: dict[str, Any]) -> str | None:
    et = catalog.CATALOG[m["event_type"]]
    return None if et.always_send else "https://api.notify.example/unsubscribe?t=EXAMPLE.TOKEN"


def cell(name: str, channel: str, locale: str, branded: bool) -> str:
    renderer = templates.Renderer(TEMPLATES, unsubscribe_url=_unsubscribe)
    r = renderer.render_message(channel, message(name, channel, locale, branded))
    title = f"{channel} · {locale} · <code>{html.escape(r.template)}</code>"
    if channel == "email":
        doc = r["html"].replace(LOGO_URL, LOGO_FILE)
        frames = "".join(
            f'<iframe class="email" data-width="{w}" width="{w}" height="640" srcdoc="{html.escape(doc)}"'
            f' title="{html.escape(name)} {locale} {w}px"></iframe>'
            for w in (375, 800)
        )
        body = f'<p class="subject">Subject: <strong>{html.escape(r["subject"])}</strong></p>{frames}'
    elif channel == "sms":
        size = r.sms or measure(r["text"])
        budget = templates.segment_budget(TEMPLATES, r.template)
        body = (
            f'<pre class="sms">{html.escape(r["text"])}</pre><p class="meta" data-segments="{size.segments}">'
            f"{size.encoding.upper()} · {size.units} units · {size.segments} segment(s) of {budget} budgeted</p>"
        )
    elif channel == "webhook":
        body = f"<pre>{html.escape(json.dumps(json.loads(r['body']), indent=2, ensure_ascii=False))}</pre>"
    elif channel == "inapp":
        body = f"<p><strong>{html.escape(r['title'])}</strong></p><p>{html.escape(r['body'])}</p>"
    elif channel == "telegram":
        body = f'<div class="telegram">{r["text"]}</div>'  # Telegram HTML, already escaped by its environment
    else:
        body = f'<pre class="slack">{html.escape(r["text"])}</pre>'
    return f'<section class="cell {channel}"><h3>{title}</h3>{body}</section>'


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / LOGO_FILE).write_bytes(png(120, 40, (31, 41, 55)))
    parts = []
    for i, name in enumerate(sorted(catalog.CATALOG)):
        e = catalog.CATALOG[name]
        locales = ("en", SECTION_LANGUAGE[_section(name)])
        cells = [
            cell(name, channel, locale, branded=i % 2 == 0)
            for channel in ORDER
            if channel in e.channels
            for locale in (locales if channel != "webhook" else ("en",))
        ]
        note = f" · always sent: {html.escape(e.always_send)}" if e.always_send else ""
        parts.append(
            f'<article id="{name}"><h2>{name}</h2><p class="meta">{html.escape(e.description)} · group '
            f"<code>{e.group}</code>{note}</p>{''.join(cells)}</article>"
        )
    index = "".join(f'<a href="#{n}">{n}</a> ' for n in sorted(catalog.CATALOG))
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>notify: message gallery</title>
<style>body{{font:14px/1.4 system-ui,sans-serif;margin:1rem;background:#f9fafb;color:#111827}}
article{{border-top:2px solid #d1d5db;margin-top:1.5rem}} .cell{{margin:.5rem 0 1rem}}
iframe.email{{border:1px solid #d1d5db;background:#fff;margin-right:1rem;vertical-align:top}}
pre{{background:#fff;border:1px solid #e5e7eb;padding:.5rem;white-space:pre-wrap;max-width:60rem}}
.meta{{color:#4b5563}} nav a{{margin-right:.5rem}} h3{{font-size:13px;color:#374151}}
.telegram{{background:#fff;border:1px solid #e5e7eb;padding:.5rem;max-width:40rem;white-space:pre-wrap}}</style>
</head><body><h1>notify: every message, with its catalog example</h1>
<p>{len(catalog.CATALOG)} event types; emails at 375 and 800 px; English and each product's language.</p>
<nav>{index}</nav>{"".join(parts)}</body></html>"""
    index_path = out_dir / "index.html"
    index_path.write_text(page, encoding="utf-8")
    return index_path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "gallery"
    path = build(out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes): open it in a browser")
