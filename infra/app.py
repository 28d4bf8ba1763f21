#!/usr/bin/env python3
"""CDK entry point (cdk.json: ``python infra/app.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

# The editable install puts infra/ on sys.path already; this keeps a bare checkout working too.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_infra.app_builder import build_app


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
