"""The admin API's OpenAPI document, generated from the code (``notify_core.handlers.api.app``).

    .venv/bin/python scripts/openapi.py            # check: is schemas/openapi.json the code's document?
    .venv/bin/python scripts/openapi.py --write    # write it (make openapi)

Writing refuses a change that removes or narrows what clients rely on (``handlers.api.openapi_compat``) unless the
major of ``API_VERSION`` was bumped, and lists what would break.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from notify_core.handlers.api.app import openapi_document
from notify_core.handlers.api.openapi_compat import breaking_changes, major

COMMITTED = Path(__file__).resolve().parents[1] / "schemas" / "openapi.json"


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help="write schemas/openapi.json")
    args = p.parse_args(argv)
    new = openapi_document()
    old = json.loads(COMMITTED.read_text()) if COMMITTED.exists() else None
    if not args.write:
        if old is None or render(old) != render(new):
            print(f"{COMMITTED} is not the code's document: run make openapi", file=sys.stderr)
            return 1
        print(f"{COMMITTED}: up to date ({len(new['paths'])} paths, version {new['info']['version']})")
        return 0
    if old is not None:
        problems = breaking_changes(old, new)
        if problems and major(new) <= major(old):
            print("refused: this change breaks clients of the committed document; bump the major of API_VERSION "
                  "(notify_core/handlers/api/app.py) or keep what they rely on:", file=sys.stderr)  # fmt: skip
            for line in problems:
                print(f"  - {line}", file=sys.stderr)
            return 1
    COMMITTED.write_text(render(new))
    print(f"wrote {COMMITTED} ({len(new['paths'])} paths, version {new['info']['version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
