"""Builds the CDK app; shared by ``infra/app.py`` (the CDK CLI) and the infra tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from notify_infra.stack import NotifyStack

STACK_NAME = "Notify"


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
    app = App(context=dict(context or {}), outdir=outdir)
    # Environment-agnostic on purpose: account and region come from the deploying credentials.
    stack = NotifyStack(app, STACK_NAME, env=Environment(), description="Serverless notification platform")
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
