"""schemathesis against the committed OpenAPI document, on the local API (JWT authorizer, real handler): no server
error, and no answer that breaks the document (status codes, content types, bodies).

A bounded profile runs in ``make test``: 5 generated requests per operation, no coverage phase. ``make
schemathesis`` runs the long one (``SCHEMATHESIS_LONG=1``): 100 per operation plus schemathesis' coverage phase
(boundary values, every unexpected method, every undeclared content type, malformed bodies). The caller is an
admin of the org some generated requests name, so writes reach the service too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = schemathesis.openapi.from_dict(json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8")))
LONG = os.environ.get("SCHEMATHESIS_LONG") == "1"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "100" if LONG else "5"))
SCHEMA.config.phases.coverage.enabled = LONG
ORG = "st-org"


@pytest.fixture(scope="module")
def api(notify_runtime_session):  # type: ignore[no-untyped-def]
    rt = notify_runtime_session
    rt.reset()
    rt.apply_settings(
        {
            "org_id": ORG,
            "name": "Schemathesis",
            "contacts": [{"id": "anna", "name": "Anna", "emails": [{"address": "anna@st.example"}]}],
            "members": [{"user_id": "u-st", "name": "St", "roles": ["admin"]}],
        }
    )
    server = rt.api_server or rt.start_api(port=0)
    return server.url, rt.token("u-st")


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("SCHEMATHESIS_RANDOM") != "1",
)
def test_the_api_keeps_its_document(case, api):  # type: ignore[no-untyped-def]
    url, token = api
    if "org_id" in (case.path_parameters or {}) and case.path_parameters["org_id"].endswith("0"):
        case.path_parameters["org_id"] = ORG  # some requests reach an org the caller administers
    case.call_and_validate(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
