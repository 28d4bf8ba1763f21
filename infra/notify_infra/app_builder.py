"""Builds the CDK app; shared by ``infra/app.py`` (the CDK CLI) and the infra tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from notify_infra.runtime import REPO_ROOT
from notify_infra.stack import NotifyStack

STACK_NAME = "Notify"


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` of cdk.json (feature flags, defaults), which only the CDK CLI would pass on.

    Tests build the app in-process; reading the same file keeps their template identical to `cdk synth`.
    """
    return dict(json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {}))


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
) -> tuple[App, NotifyStack]:
    """The app with its one stack and, unless ``nag=False``, cdk-nag's AwsSolutions checks.

    cdk-nag 3.x is a policy-validation plugin: it runs during ``app.synth()``, writes its findings to
    ``validation-report.json`` in the cloud assembly and fails synthesis on any unacknowledged one.
    """
    # AppProps.context has the lowest precedence: under the CLI, cdk.json and `-c key=value` still win.
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    # Environment-agnostic on purpose: account and region come from the deploying credentials.
    stack = NotifyStack(app, STACK_NAME, env=Environment(), description="Serverless notification platform")
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
