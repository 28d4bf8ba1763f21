"""Webhook channel helpers: where an endpoint's secret lives, and how Retry-After is read."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from notify_core.channels import http
from notify_core.channels.http import retry_after as _retry_after
from notify_core.channels.webhook import secret_parameter_name
from notify_core.config import get_config

pytestmark = pytest.mark.unit

PREFIX = "/notify/webhook-secrets/"


def test_secret_parameter_name():
    assert secret_parameter_name("org-hutki", "erp", PREFIX) == "/notify/webhook-secrets/org-hutki/erp"
    assert secret_parameter_name("org.1_a", "hook-2", "/p/") == "/p/org.1_5fa/hook-2"  # "_" is escaped too


def test_secret_parameter_name_cannot_be_steered_by_ids():
    # '/' would make a deeper SSM path (another tenant's folder); ':' and '@' are not allowed in names
    assert secret_parameter_name("org/../other", "erp", PREFIX) == "/notify/webhook-secrets/org_2f.._2fother/erp"
    assert secret_parameter_name("acme@corp:1", "a/b", PREFIX) == "/notify/webhook-secrets/acme_40corp_3a1/a_2fb"


def test_secret_parameter_name_default_prefix_comes_from_config(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET_PREFIX", "/stage/secrets/")
    get_config.cache_clear()
    try:
        assert secret_parameter_name("org-1", "erp") == "/stage/secrets/org-1/erp"
    finally:
        monkeypatch.undo()
        get_config.cache_clear()


@pytest.mark.parametrize(
    ("a", "b"),
    [(("acme:1", "erp"), ("acme_1", "erp")), (("acme", "hooks/erp"), ("acme", "hooks_erp"))],
)
def test_distinct_tenants_or_endpoints_never_share_a_secret_parameter(a, b):
    assert secret_parameter_name(*a, PREFIX) != secret_parameter_name(*b, PREFIX)


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
