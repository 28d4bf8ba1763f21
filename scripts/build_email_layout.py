"""Build the platform's email layout: ``templates/_layout/email.src.html`` -> ``templates/_layout/email.html.j2``.

Hand-written, table-based HTML whose ``<style>`` rules are inlined into ``style`` attributes by ``css-inline`` here,
at build time, so that the email sender only renders a Jinja template (no CSS work, no extra import at cold start)
and clients that drop ``<style>`` (older Outlook, some webmail) still get the layout. The ``<style>`` block is kept
for what cannot be inlined: the narrow-screen and dark-mode media queries. Two sentinel colours in the source
stand for the org's brand colour and the text on it; they become Jinja expressions in the built template.

    .venv/bin/python scripts/build_email_layout.py          # write the built template
    .venv/bin/python scripts/build_email_layout.py --check  # exit 1 if the committed one is stale (a test runs it)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "templates" / "_layout" / "email.src.html"
BUILT = ROOT / "templates" / "_layout" / "email.html.j2"
BRAND, ON_BRAND = "#010203", "#040506"
HEADER = "{#- Built by scripts/build_email_layout.py from email.src.html (css-inline): edit the source, not this. -#}\n"


def build() -> str:
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    html = inliner.inline(SOURCE.read_text(encoding="utf-8"))
    if BRAND not in html or ON_BRAND not in html:
        raise SystemExit("the layout source lost its brand colour sentinels")
    html = html.replace(BRAND, "{{ layout.color }}").replace(ON_BRAND, "{{ layout.on_color }}")
    return HEADER + html + "\n"


def main(argv: list[str]) -> int:
    built = build()
    if "--check" in argv:
        if not BUILT.exists() or BUILT.read_text(encoding="utf-8") != built:
            print(f"{BUILT.relative_to(ROOT)} is stale: run scripts/build_email_layout.py", file=sys.stderr)
            return 1
        return 0
    BUILT.write_text(built, encoding="utf-8")
    print(f"wrote {BUILT.relative_to(ROOT)} ({len(built):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
