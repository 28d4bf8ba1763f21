"""What the email layout costs the email sender: cold start and per-record time, before and after.

"Before" is the sender as it was: the template's bare HTML fragment, sent as SES Simple content (no MIME built).
"After" is what it does now: the content in the platform layout (a second, larger template), the footer's
sentences, an HMAC-signed unsubscribe link, and one raw MIME message with the RFC 8058 headers.

- cold: median of N fresh interpreters importing the sender's modules and rendering their first email (Jinja
  compiles the templates then: the layout is compiled once per container);
- warm: the best of 5 rounds of M/5 renders of ``invoice.issued`` (English, branding, a pay button) in one interpreter.

Run: ``make bench`` (or ``.venv/bin/python scripts/bench_email.py``). No AWS call is made.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_EMAIL_RUNS", "7"))
RENDERS = int(os.environ.get("BENCH_EMAIL_RENDERS", "500"))
sys.path[:0] = [str(ROOT / "layers" / "core"), str(ROOT)]

MESSAGE = {
    "delivery_id": "dlv_0123",
    "org_id": "hutki",
    "event_id": "inv-42",
    "event_type": "invoice.issued",
    "channel": "email",
    "address": "olga@buyer.example",
    "locale": "ru-BY",
    "recipient_name": "Ольга",
    "reasons": ["event_recipient"],
    "org": {
        "name": "Hutki Water",
        "email_from": "billing@hutki.example",
        "branding": {
            "display_name": "Водоканал Хуткі",
            "logo_url": "https://cdn.hutki.example/logo.png",
            "color": "#0a7cff",
            "postal_address": "ул. Ленина 1, 220030 Минск",
            "reply_to": "support@hutki.example",
        },
    },
    "event": {
        "source": "invoicing",
        "occurred_at": "2026-11-30T10:00:00Z",
        "subject": {"type": "invoice", "id": "inv-42"},
        "actor": None,
        "data": {
            "amount": "45.00",
            "currency": "BYN",
            "invoice_number": "42",
            "due_date": "2026-12-01",
            "pay_url": "https://pay.hutki.example/i/42",
        },
    },
}

COLD = """
import sys, time, json
sys.path[:0] = [{core!r}, {root!r}]
t = time.perf_counter()
from notify_core.domain import mime, templates
from notify_core.services.unsubscribe import Unsubscriber
imported = time.perf_counter()
message = json.loads({message!r})
if {after}:
    svc = Unsubscriber(store=None, users=None, key=lambda: b"k" * 32, base_url="https://api.example/unsubscribe")
    r = templates.Renderer({directory!r}, unsubscribe_url=svc.link).render_message("email", message)
    mime.build_message(sender="billing@hutki.example", display_name="Hutki", reply_to=None, to="o@b.example",
                       subject=r["subject"], text=r["text"], html=r["html"], documents=[],
                       unsubscribe_url=r.unsubscribe_url)
else:
    r = templates.Renderer({directory!r}).render_message("email", message)
done = time.perf_counter()
print((imported - t) * 1000, (done - imported) * 1000)
"""


def cold(directory: str, after: bool) -> tuple[float, float]:
    import json

    code = COLD.format(
        core=str(ROOT / "layers" / "core"),
        root=str(ROOT),
        message=json.dumps(MESSAGE),
        after=after,
        directory=directory,
    )
    imports, firsts = [], []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        a, b = (float(x) for x in out.stdout.split())
        imports.append(a)
        firsts.append(b)
    return statistics.median(imports), statistics.median(firsts)


def warm(directory: str, after: bool) -> float:
    """Per email, ms: the best of 5 rounds of RENDERS/5 (the least disturbed by other work on the machine)."""
    from notify_core.domain import mime, templates
    from notify_core.services.unsubscribe import Unsubscriber

    svc = Unsubscriber(store=None, users=None, key=lambda: b"k" * 32, base_url="https://api.example/unsubscribe")
    renderer = templates.Renderer(directory, unsubscribe_url=svc.link if after else None)
    renderer.render_message("email", MESSAGE)  # compiled once per container
    n = max(1, RENDERS // 5)
    rounds = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            r = renderer.render_message("email", MESSAGE)
            if after:
                mime.build_message(
                    sender="billing@hutki.example",
                    display_name="Hutki",
                    reply_to="support@hutki.example",
                    to="olga@buyer.example",
                    subject=r["subject"],
                    text=r["text"],
                    html=r["html"],
                    documents=[],
                    unsubscribe_url=r.unsubscribe_url,
                )
        rounds.append((time.perf_counter() - t) * 1000 / n)
    return min(rounds)


def main() -> None:
    after_dir = str(ROOT / "templates")
    with tempfile.TemporaryDirectory() as tmp:
        before_dir = str(Path(tmp) / "templates")
        shutil.copytree(after_dir, before_dir, ignore=shutil.ignore_patterns("_layout"))
        rows = []
        for label, directory, after in (
            ("before (fragment, Simple)", before_dir, False),
            ("after (layout, MIME)", after_dir, True),
        ):
            imp, first = cold(directory, after)
            rows.append((label, imp, first, warm(directory, after)))
    print(f"email sender: cold import and first render (median of {RUNS} fresh interpreters),", end=" ")
    print(f"per email (best of 5 rounds of {RENDERS // 5})")
    print(f"{'':28} {'import ms':>10} {'first email ms':>15} {'per email ms':>13}")
    for label, imp, first, per in rows:
        print(f"{label:28} {imp:10.1f} {first:15.1f} {per:13.3f}")
    size = len(
        __import__("notify_core.domain.templates", fromlist=["Renderer"])
        .Renderer(after_dir)
        .render_message("email", MESSAGE)["html"]
    )
    print(f"laid-out HTML of this email: {size:,} characters")


if __name__ == "__main__":
    main()
