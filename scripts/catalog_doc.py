"""Generate templates/README.md, the event catalog reference, from the catalog and the template files.

    .venv/bin/python scripts/catalog_doc.py            # (re)write templates/README.md
    .venv/bin/python scripts/catalog_doc.py --check    # exit 1 if templates/README.md is stale

One section per product (the products.md section an event type names first): a table of its event types with
group, channels, audiences and template files, then each event type's data fields (from its pydantic model)
and its example as JSON. The output depends only on the catalog and the file names under templates/.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from notify_core.domain import catalog

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = REPO_ROOT / "templates"
OUTPUT = TEMPLATES_DIR / "README.md"
REGENERATE = ".venv/bin/python scripts/catalog_doc.py"

PRODUCTS = {
    "1": "Elorus (invoicing, Greece)",
    "2": "RemOnline (repair-shop / service CRM, Poland)",
    "3": "Hutkigrosh / ERIP (payment collection service, Belarus)",
    "4": "Mobevo (accounting office software, Poland)",
    "5": "TaxDome Lite (client portal for accounting firms, Italy)",
}

_FIXED_AUDIENCES = {
    catalog.SUBSCRIBERS: "subscribers of the group (chosen contacts, endpoints, fixed addresses)",
    catalog.EVENT_RECIPIENTS: "recipients carried on the event, as they opted in",
    catalog.ACTOR: "the member who acted",
    catalog.ACCOUNT_MANAGER: "the client's account manager",
    catalog.CLIENT_CONTACTS: "the client's contacts with NOTIFY on",
}
_SCALARS = {str: "string", int: "integer", bool: "boolean", Decimal: "decimal", float: "number"}


def section_of(event_type: catalog.EventType) -> str:
    """The product an event type belongs to: the products.md section it names first."""
    for seed in event_type.seeds:
        m = re.match(r"products\.md §(\d+)", seed)
        if m:
            return m.group(1)
    return "?"


def sections_of(event_type: catalog.EventType) -> list[str]:
    found = [m.group(1) for s in event_type.seeds if (m := re.match(r"products\.md §(\d+)", s))]
    return list(dict.fromkeys(found)) or ["?"]


def audience_text(audience: str) -> str:
    if audience in _FIXED_AUDIENCES:
        return _FIXED_AUDIENCES[audience]
    kind, _, arg = audience.partition(":")
    if kind == "permission":
        section, _, level = arg.partition(":")
        return f"members who can {level} {section.replace('_', ' ')}"
    if kind == "relation":
        return f"members named {arg} on the subject"
    if kind == "caretaker":
        return f"the client's {arg.upper() if arg == 'hr' else arg} caretakers"
    return f"`{audience}`"


def type_text(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_text(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (list, tuple, set, frozenset):
        return f"list of {type_text(args[0])}" if args else "list"
    if origin is dict:
        return f"object of {type_text(args[1])}" if args else "object"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        inner = ", ".join(f"{name}: {type_text(f.annotation)}" for name, f in annotation.model_fields.items())
        return "{" + inner + "}"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    return getattr(annotation, "__name__", str(annotation))


def constraints_text(field: FieldInfo) -> str:
    parts = []
    for m in field.metadata:
        for attr, label in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                parts.append(f"{label} {getattr(m, attr)}")
        if getattr(m, "min_length", None) is not None:
            parts.append(f"at least {m.min_length}")
        if getattr(m, "max_length", None) is not None:
            parts.append(f"at most {m.max_length}")
        if getattr(m, "pattern", None) is not None:
            parts.append(f"pattern `{m.pattern}`")
    return ", ".join(parts)


def template_files(name: str, templates_dir: Path) -> list[str]:
    folder = templates_dir / name
    if not folder.is_dir():
        return []
    # per channel: English (<channel>.j2) first, then the locales in alphabetical order
    return sorted((p.name for p in folder.glob("*.j2")), key=lambda n: (n.split(".")[0], n.count("."), n))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _templates_cell(event_type: catalog.EventType, templates_dir: Path) -> str:
    files = template_files(event_type.name, templates_dir)
    cells = []
    for channel in sorted(event_type.channels):
        if channel == "webhook":
            cells.append("webhook: `_default/webhook.j2`")
            continue
        mine = [f for f in files if f.split(".")[0] == channel]
        cells.append(f"{channel}: " + (", ".join(f"`{f}`" for f in mine) or "**none**"))
    return "<br>".join(cells)


def _event_details(event_type: catalog.EventType) -> list[str]:
    model = event_type.data_model
    lines = [
        f"#### `{event_type.name}`",
        "",
        event_type.description,
        "",
        f"Seeds: {'; '.join(event_type.seeds)}. Data model: `{model.__name__}`.",
        "",
        "| Field | Type | Required | Constraints |",
        "|---|---|---|---|",
    ]
    for field_name, field in model.model_fields.items():
        required = "required" if field.is_required() else "optional"
        lines.append(
            f"| `{field_name}` | {_cell(type_text(field.annotation))} | {required} | {_cell(constraints_text(field))} |"
        )
    if model.model_config.get("extra") == "allow":
        lines += ["", "More facts than these are accepted and passed to templates as they are."]
    lines += ["", "Example:", "", "```json", json.dumps(event_type.example, indent=2, ensure_ascii=False), "```", ""]
    return lines


def render_markdown(templates_dir: Path = TEMPLATES_DIR) -> str:
    events = list(catalog.CATALOG.values())
    lines = [
        "# Event catalog reference",
        "",
        "<!-- Generated by scripts/catalog_doc.py from layers/core/notify_core/domain/catalog/ and the file names in",
        f"     this directory. Do not edit by hand: run `{REGENERATE}`. -->",
        "",
        f"{len(events)} event types in {len(catalog.groups())} subscription groups. Templates live in",
        "`templates/<event type>/<channel>[.<locale>].j2` and are looked up as `<channel>.<locale>.j2`, then",
        "`<channel>.<lang>.j2`, then `<channel>.j2` (English); webhooks use `_default/webhook.j2`. Blocks per channel:",
        "email `subject`, `text`, `html`; sms `text`; inapp `title`, `body`; slack `text` (Slack mrkdwn);",
        "telegram `text` (Telegram HTML, autoescaped: `<b>`, `<i>`, `<a href>` in the template, data arrives as text).",
        "Optional fields must be guarded in templates with `{% if data.x is defined %}`.",
        "",
    ]
    by_section: dict[str, list[catalog.EventType]] = {}
    for e in events:
        for section in sections_of(e):
            by_section.setdefault(section, []).append(e)
    for section in sorted(by_section, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s)):
        lines += [f"## products.md §{section}: {PRODUCTS.get(section, 'unknown product')}", ""]
        lines += ["| Event type | Group | Channels | Audiences | Templates |", "|---|---|---|---|---|"]
        for e in by_section[section]:
            home = section_of(e)
            name = f"`{e.name}`" + ("" if home == section else f" (details under §{home})")
            audiences = "; ".join(audience_text(a) for a in e.audiences)
            lines.append(
                f"| {name} | `{e.group}` | {', '.join(sorted(e.channels))} | {_cell(audiences)} "
                f"| {_templates_cell(e, templates_dir)} |"
            )
        lines.append("")
        lines += [f"### Data and examples, products.md §{section}", ""]
        for e in by_section[section]:
            if section_of(e) == section:
                lines += _event_details(e)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale, write nothing")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render_markdown(TEMPLATES_DIR)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
