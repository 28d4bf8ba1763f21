"""One synthesis of the app per test session (each costs ~10 s and ~0.5 GB), shared by every infra test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_cdk.assertions import Template
from infra_template import Synth

from notify_infra.app_builder import build_app

# Asset bundling (uv + copying the core) is skipped here: the layer bundler has its own test.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
# Keep synthesis going on cdk-nag findings so the report can be asserted on (test_infra_nag) instead of
# every test erroring out; a plain `cdk synth` still fails on them.
REPORT_INSTEAD_OF_FAIL = {"@aws-cdk/core:failSynthOnValidationErrors": False}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    outdir: Path = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app({**SKIP_BUNDLING, **REPORT_INSTEAD_OF_FAIL}, outdir=str(outdir), nag=True)
    assembly = app.synth()
    template_json = assembly.get_stack_by_name(stack.stack_name).template
    report = json.loads((outdir / "validation-report.json").read_text())
    yield Synth(template=Template.from_json(template_json), template_json=template_json, report=report)


@pytest.fixture(scope="session")
def template(synth: Synth) -> Template:
    return synth.template
