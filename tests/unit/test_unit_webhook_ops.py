"""Webhook operations, pure parts: the retry schedule, per-endpoint event filters, the alert's loop guard."""

from __future__ import annotations

import pytest
from unit_factories import endpoint

from notify_core.domain import backoff, catalog, routing, settings_document
from notify_core.domain.backoff import MAX_VISIBILITY_S, backoff_delay
from notify_core.services.alerts import UrlFailureAlerts
from notify_infra import wiring
from tests.fakes import FakeDeliveryLog, FakePublisher

pytestmark = pytest.mark.unit
DAY = 86_400


def _schedule(end: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The waits between the webhook queue's attempts, with the jitter pinned to one end."""
    monkeypatch.setattr(backoff.random, "randint", lambda a, b: a if end == "low" else b)
    base = int(wiring.WEBHOOK_RETRY_ENV["RETRY_BASE_DELAY_S"])
    cap = int(wiring.WEBHOOK_RETRY_ENV["RETRY_MAX_DELAY_S"])
    attempts = wiring.queue("webhook").max_receive_count
    # After the n-th failed receive the message waits backoff_delay(n); the last attempt's failure -> DLQ.
    return [backoff_delay(n, base, cap) for n in range(1, attempts)]


def test_webhook_retries_span_more_than_a_day_even_at_the_lowest_jitter(monkeypatch):
    low = _schedule("low", monkeypatch)
    assert sum(low) >= DAY
    high = _schedule("high", monkeypatch)
    assert sum(high) <= 3 * DAY  # and give up within the queue's retention
    assert sum(high) < wiring.queue("webhook").retention_days * DAY


def test_webhook_delays_grow_and_stay_under_the_sqs_visibility_ceiling(monkeypatch):
    high = _schedule("high", monkeypatch)
    assert high == sorted(high) and high[0] == 60 and high[-1] == MAX_VISIBILITY_S
    assert max(high) <= MAX_VISIBILITY_S


def test_other_channels_keep_their_shorter_schedule():
    for key in ("send_email", "send_sms", "send_chat"):
        assert wiring.function(key).env["RETRY_MAX_DELAY_S"] == "3600"
    assert wiring.function("send_webhook").env["WEBHOOK_DISABLE_AFTER_S"] == str(5 * DAY)


# -- per-endpoint event filters ----------------------------------------------------------------------


def _route(event_type: str, ep) -> routing.RoutingResult:
    from unit_factories import product_event, settings, subscription

    et = catalog.CATALOG[event_type]
    org = settings(endpoints=[ep], subscriptions=[subscription({"webhook": [ep.endpoint_id]}, group=et.group)])
    return routing.route(product_event(event_type), et, org)


def test_an_endpoint_filter_excludes_other_event_types_and_says_why():
    ep = endpoint("erp", "https://erp.example/hook", event_types=("payment.reversed",))
    result = _route("payment.paid", ep)
    assert [d for d in result.deliveries if d.channel == "webhook"] == []
    assert [(s.reason, s.detail) for s in result.skipped] == [
        ("endpoint_filtered", "endpoint 'erp' does not take payment.paid")
    ]


def test_an_endpoint_filter_lets_its_event_types_through():
    ep = endpoint("erp", "https://erp.example/hook", event_types=("payment.paid",))
    [d] = [d for d in _route("payment.paid", ep).deliveries if d.channel == "webhook"]
    assert d.endpoint_id == "erp"


def test_a_disabled_endpoint_is_skipped_with_its_reason():
    ep = endpoint("erp", "https://erp.example/hook", enabled=False, disabled_reason="gone")
    result = _route("payment.paid", ep)
    assert [(s.reason, s.detail) for s in result.skipped] == [("endpoint_disabled", "endpoint 'erp' (gone)")]


def _doc(event_types):
    return {
        "org_id": "o",
        "name": "O",
        "webhook_endpoints": [{"id": "erp", "url": "https://erp.example/h", "event_types": event_types}],
    }


def test_the_settings_document_checks_endpoint_filters_against_the_catalog():
    doc = settings_document.SettingsDocument.model_validate(_doc(["payment.reversed", "payment.paid"]))
    assert doc.webhook_endpoints[0].event_types == ["payment.paid", "payment.reversed"]
    with pytest.raises(ValueError, match=r"unknown event types \['payment.lost'\]"):
        settings_document.SettingsDocument.model_validate(_doc(["payment.lost"]))
    with pytest.raises(ValueError, match="never sent to webhooks"):
        settings_document.SettingsDocument.model_validate(_doc(["url_notification.failed"]))


# -- the alert cannot loop ---------------------------------------------------------------------------


def test_the_url_failure_alert_is_an_email_event_and_never_alerts_about_itself():
    assert catalog.CATALOG["url_notification.failed"].channels == frozenset({"email"})
    message = {
        "channel": "webhook",
        "event_type": "url_notification.failed",
        "org_id": "o",
        "delivery_id": "d",
        "address": "https://x.example",
    }
    published: list = []
    alerts = UrlFailureAlerts(publisher=FakePublisher(published), deliveries=FakeDeliveryLog())
    publish_url_failure = alerts.publish
    assert (
        publish_url_failure(message, event_id="e", last_error="x", attempts=1, http_status=None, reason="delivery_dead")
        is False
    )
    assert published == []
    assert (
        publish_url_failure(
            {**message, "event_type": "payment.paid", "channel": "email"},
            event_id="e",
            last_error="x",
            attempts=1,
            http_status=None,
            reason="delivery_dead",
        )
        is False
    )
    assert published == []
