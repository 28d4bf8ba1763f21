"""The pure domain stays pure: importing it in a fresh interpreter loads no AWS SDK, no PynamoDB, no Lambda toolkit.

(The import-linter contract in ``make test`` checks the import graph; this checks what actually gets loaded,
including through third-party packages.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

FORBIDDEN = ("boto3", "botocore", "pynamodb", "aws_lambda_powertools", "urllib3", "s3transfer")
MODULES = [
    "notify_core.domain.routing",
    "notify_core.domain.templates",
    "notify_core.domain.envelope",
    "notify_core.domain.catalog",
    "notify_core.domain.settings_document",
    "notify_core.domain.delivery",
    "notify_core.domain.feedback_events",
    "notify_core.domain.sms_events",
    "notify_core.domain.ssrf",
    "notify_core.domain.signing",
    "notify_core.domain.addresses",
    "notify_core.domain.mime",
    "notify_core.config",
]


def loaded_after_importing(module: str) -> list[str]:
    code = f"import sys, json; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_domain_module_loads_no_aws_sdk(module):
    loaded = loaded_after_importing(module)
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN] == []


def test_the_check_can_fail():
    assert any(m.startswith("botocore") for m in loaded_after_importing("notify_core.adapters.aws"))
