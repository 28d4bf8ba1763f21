"""The cost report's arithmetic: an org's month by channel, counted by status, priced from the dated table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notify_core.domain import prices
from notify_core.services.reports import Reports
from tests.fakes import FakeDeliveryLog

pytestmark = pytest.mark.unit


def log_with(*rows: tuple[str, str, str, str]) -> FakeDeliveryLog:
    """(org, channel, status, created_at) each."""
    log = FakeDeliveryLog()
    for i, (org, channel, status, at) in enumerate(rows):
        message = {"delivery_id": f"d{i}", "org_id": org, "channel": channel, "address": "a", "event_id": "e",
                   "event_type": "payment.paid"}  # fmt: skip
        log.items[f"d{i}"] = replace(log._new(message, status, None, None), created_at=at)
    return log


def test_a_month_by_channel_with_the_platform_share_and_the_price_of_what_reached_the_provider():
    log = log_with(
        ("org-a", "email", "sent", "2026-11-02T10:00:00.000Z"),
        ("org-a", "email", "bounced", "2026-11-30T23:59:59.999Z"),  # reached SES: SES charges for it
        ("org-a", "email", "failed", "2026-11-15T10:00:00.000Z"),  # never reached SES
        ("org-a", "sms", "unknown", "2026-11-20T10:00:00.000Z"),  # may have: counted as reached
        ("org-a", "webhook", "sent", "2026-11-21T10:00:00.000Z"),
        ("org-a", "email", "sent", "2026-10-31T23:59:59.999Z"),  # October
        ("org-a", "email", "sent", "2026-12-01T00:00:00.000Z"),  # December
        ("org-b", "email", "sent", "2026-11-10T10:00:00.000Z"),  # another org
    )
    rows = {r["channel"]: r for r in Reports(log).cost("org-a", "2026-11")}
    assert set(rows) == {"email", "sms", "webhook", "total"}
    email = rows["email"]
    assert (email["deliveries"], email["reached_provider"]) == (3, 2)
    assert email["platform_usd"] == pytest.approx(3 * prices.PLATFORM_PER_DELIVERY["email"], abs=1e-6)
    assert email["provider_usd"] == pytest.approx(2 * prices.SES_EMAIL, abs=1e-6)
    assert rows["sms"]["provider_usd"] == pytest.approx(prices.SNS_SMS_US, abs=1e-6)
    assert rows["webhook"]["provider_usd"] == 0
    total = rows["total"]
    assert total["deliveries"] == 5
    assert total["total_usd"] == pytest.approx(sum(r["total_usd"] for c, r in rows.items() if c != "total"), abs=1e-6)


def test_a_month_without_deliveries_is_a_zero_total_and_a_bad_month_says_what_it_expects():
    assert Reports(FakeDeliveryLog()).cost("org-a", "2026-11") == [
        {"month": "2026-11", "channel": "total", "deliveries": 0, "reached_provider": 0, "billed_units": 0,
         "platform_usd": 0, "provider_usd": 0, "total_usd": 0}
    ]  # fmt: skip
    for bad in ("2026-13", "2026-1", "november", "2026-11-01"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            Reports(FakeDeliveryLog()).cost("org-a", bad)


def test_an_sms_costs_its_segments_and_the_sent_sms_report_shows_them():
    log = log_with(
        ("org-a", "sms", "sent", "2026-11-02T10:00:00.000Z"),
        ("org-a", "sms", "delivered", "2026-11-03T10:00:00.000Z"),
        ("org-a", "sms", "failed", "2026-11-04T10:00:00.000Z"),  # never reached SNS: costs nothing
        ("org-a", "sms", "sent", "2026-11-05T10:00:00.000Z"),  # recorded before segments were: one
    )
    log.items["d0"] = replace(log.items["d0"], sms_segments=2, sms_encoding="ucs2")
    log.items["d1"] = replace(log.items["d1"], sms_segments=3, sms_encoding="gsm7")
    log.items["d2"] = replace(log.items["d2"], sms_segments=2, sms_encoding="ucs2")
    sms = {r["channel"]: r for r in Reports(log).cost("org-a", "2026-11")}["sms"]
    assert (sms["deliveries"], sms["reached_provider"], sms["billed_units"]) == (4, 3, 6)
    assert sms["provider_usd"] == pytest.approx(6 * prices.SNS_SMS_US, abs=1e-6)
    rows = Reports(log).sent_sms("org-a", "2026-11-01", "2026-11-30")
    assert [(r["delivery_id"], r["segments"], r["encoding"]) for r in rows] == [
        ("d0", 2, "ucs2"),
        ("d1", 3, "gsm7"),
        ("d3", None, None),
    ]
