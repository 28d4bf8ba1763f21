"""Webhook channel helpers: where an endpoint's secret lives, and how Retry-After is read."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from notify_core.adapters.channels import http
from notify_core.adapters.channels.http import retry_after as _retry_after
from notify_core.adapters.ssm import parameter_name

pytestmark = pytest.mark.unit

PREFIX = "/notify/webhook-secrets/"


def test_secret_parameter_name():
    assert parameter_name(PREFIX, "org-hutki", "erp") == "/notify/webhook-secrets/org-hutki/erp"
    assert parameter_name("/p/", "org.1_a", "hook-2") == "/p/org.1_5fa/hook-2"  # "_" is escaped too


def test_secret_parameter_name_cannot_be_steered_by_ids():
    # '/' would make a deeper SSM path (another tenant's folder); ':' and '@' are not allowed in names
    assert parameter_name(PREFIX, "org/../other", "erp") == "/notify/webhook-secrets/org_2f.._2fother/erp"
    assert parameter_name(PREFIX, "acme@corp:1", "a/b") == "/notify/webhook-secrets/acme_40corp_3a1/a_2fb"


@pytest.mark.parametrize(
    ("a", "b"),
    [(("acme:1", "erp"), ("acme_1", "erp")), (("acme", "hooks/erp"), ("acme", "hooks_erp"))],
)
def test_distinct_tenants_or_endpoints_never_share_a_secret_parameter(a, b):
    assert parameter_name(PREFIX, *a) != parameter_name(PREFIX, *b)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120), ("0", 0), ("-5", 0), (" 30 ", 30), (None, None), ("", None), ("soon", None), ("1.5", None)],
)
def test_retry_after_seconds(value, expected):
    assert _retry_after(value) == expected


def test_retry_after_http_date(monkeypatch):
    now = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(http.time, "time", lambda: now.timestamp())
    assert _retry_after("Sun, 01 Mar 2026 10:02:00 GMT") == 120
    assert _retry_after(format_datetime(datetime(2026, 3, 1, 11, 0, tzinfo=UTC), usegmt=True)) == 3600
    assert _retry_after("Sun, 01 Mar 2026 09:00:00 GMT") == 0  # in the past: retry now
