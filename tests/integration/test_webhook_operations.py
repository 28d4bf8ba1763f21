"""Webhook operations on the local runtime (moto + the local receiver): 410 and sustained failure disable
the endpoint and alert the org by email; replay sends a dead delivery once; the delivery-log reports."""

from __future__ import annotations

import contextlib
import io
import json
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta

import pytest

from notify_core.services import reports
from notify_local import cli
from tests.conftest import ERP_SECRET, ORG, hutki_settings, make_detail, put_event

pytestmark = pytest.mark.integration
IT = "it@hutki.example"
HOOK = "/hooks/erp"


@pytest.fixture
def ops(notify_runtime):  # type: ignore[no-untyped-def]
    """Hutki with an IT contact subscribed to "URL notification failed" (products.md §3) by email."""
    doc = hutki_settings(notify_runtime.receiver.url)
    doc["contacts"].append({"id": "it", "name": "IT desk", "emails": [{"address": IT}]})
    doc["subscriptions"].append({"group": "url_notification.failed", "scope": "org", "channels": {"email": ["it"]}})
    notify_runtime.apply_settings(doc)
    notify_runtime.receiver.expect_secret(HOOK, ERP_SECRET)
    return notify_runtime


@pytest.fixture
def window(ops):  # type: ignore[no-untyped-def]
    """Set the webhook sender's WEBHOOK_DISABLE_AFTER_S (its handler is rebuilt with it)."""
    with contextlib.ExitStack() as stack:

        def set_window(seconds: int) -> None:
            stack.enter_context(ops.override_env("send_webhook", WEBHOOK_DISABLE_AFTER_S=str(seconds)))

        yield set_window


def erp(rt):
    return rt.admin.settings_table.endpoint(ORG, "erp")


def streak_began(rt, window, hours_ago: float) -> str:  # type: ignore[no-untyped-def]
    """Move the endpoint's failure streak back in time, as if its first failure were ``hours_ago`` (no test waits
    on the real clock), and start a fresh webhook sender that learns the streak from the table."""
    import boto3

    from notify_core.adapters.dynamodb.settings_table import endpoint_sk

    since = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    boto3.client("dynamodb").update_item(
        TableName="notify-settings",
        Key={"org_id": {"S": ORG}, "sk": {"S": endpoint_sk("erp")}},
        UpdateExpression="SET failing_since = :since",
        ExpressionAttributeValues={":since": {"S": since}},
    )
    window(3600)  # a new container: it knows the streak only from the table
    return since


def webhook_delivery(rt, event_id: str) -> dict:
    [d] = [d for d in rt.outbox().deliveries_with(channel="webhook") if d["event_id"] == event_id]
    return d


def alerts(rt) -> list:
    return rt.outbox().emails_to(IT)


def test_410_gone_disables_the_endpoint_alerts_the_org_and_later_events_skip_it(ops, skipped_log):
    ops.receiver.respond(HOOK, 410)
    put_event(ops, "payment.paid", make_detail("pay-gone"))
    ops.wait_idle()
    d = webhook_delivery(ops, "pay-gone")
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("failed", "http_410", 1)
    assert json.loads(d["payload"])["delivery_id"] == d["delivery_id"]  # kept for replay
    endpoint = erp(ops)
    assert endpoint.enabled is False and endpoint.disabled_reason == "gone" and endpoint.disabled_at
    [alert] = alerts(ops)
    assert alert.subject == f"URL notification to {ops.receiver.url}{HOOK} failed"
    assert "HTTP 410" in alert.html and "payment.paid" in alert.html and "pay-1" not in alert.subject
    [routed] = [x for x in ops.outbox().deliveries_with(channel="email", address=IT)]
    assert routed["event_type"] == "url_notification.failed" and routed["status"] == "sent"

    ops.receiver.respond(HOOK, 200)
    put_event(ops, "payment.paid", make_detail("pay-after-gone"))
    ops.wait_idle()
    assert len(ops.receiver.received(HOOK)) == 1  # nothing more went to the gone endpoint
    assert ("endpoint_disabled", "endpoint 'erp' (gone)") in skipped_log
    assert len(alerts(ops)) == 1  # disabling alerts once
    assert len(ops.outbox().emails_to("anna@hutki.example")) == 2  # other channels unaffected


def test_sustained_failure_disables_the_endpoint_after_the_configured_window(ops, window, skipped_log):
    window(3600)
    ops.receiver.respond(HOOK, 503)
    put_event(ops, "payment.paid", make_detail("pay-down-1"))
    ops.wait_idle()
    assert webhook_delivery(ops, "pay-down-1")["status"] == "dead"
    endpoint = erp(ops)
    assert endpoint.enabled is True and endpoint.failing_since and endpoint.last_success_at is None
    [dead_alert] = alerts(ops)  # the exhausted delivery alerts the org
    assert "HTTP 503" in dead_alert.html and "Attempts: 14" in dead_alert.html

    first_failure = streak_began(ops, window, hours_ago=2)  # failing for two hours now: longer than the window
    put_event(ops, "payment.paid", make_detail("pay-down-2"))
    ops.wait_idle()
    endpoint = erp(ops)
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since) == (
        False,
        "sustained_failure",
        first_failure,
    )
    d = webhook_delivery(ops, "pay-down-2")
    # The failure that disabled the endpoint ends that delivery's retries (replayable once it is back).
    assert (d["status"], d["error_code"], d["attempt_count"]) == ("failed", "endpoint_disabled", 1)
    assert len(alerts(ops)) == 2

    put_event(ops, "payment.paid", make_detail("pay-down-3"))
    ops.wait_idle()
    assert ("endpoint_disabled", "endpoint 'erp' (sustained_failure)") in skipped_log
    assert len(alerts(ops)) == 2


def test_messages_queued_before_the_endpoint_was_disabled_stop_retrying_after_one_failure(ops, window):
    window(3600)
    ops.receiver.respond(HOOK, 503)
    put_event(ops, "payment.paid", make_detail("pay-streak"))  # starts the failure streak
    ops.wait_idle()
    streak_began(ops, window, hours_ago=2)
    posts_before = len(ops.receiver.received(HOOK))
    with ops.paused():  # three deliveries queued at once: the first failure disables the endpoint
        for n in range(3):
            put_event(ops, "payment.paid", make_detail(f"pay-queued-{n}"))
    ops.wait_idle()
    assert erp(ops).enabled is False
    queued = [d for d in ops.outbox().deliveries_with(channel="webhook") if d["event_id"].startswith("pay-queued-")]
    assert queued  # (an event routed after the disabling is skipped at routing instead)
    # No 14 attempts over two days against a disabled endpoint: one attempt each, replayable later.
    assert {(d["status"], d["error_code"], d["attempt_count"]) for d in queued} == {("failed", "endpoint_disabled", 1)}
    assert len(ops.receiver.received(HOOK)) - posts_before == len(queued)
    assert len(alerts(ops)) == 2  # the dead "pay-streak" delivery, then the disabling: not one per delivery


def test_a_success_ends_the_failure_streak(ops, window):
    window(3600)
    ops.receiver.respond(HOOK, 500)
    put_event(ops, "payment.paid", make_detail("pay-blip"))
    ops.wait_idle()
    assert erp(ops).failing_since
    ops.receiver.respond(HOOK, 200)
    put_event(ops, "payment.paid", make_detail("pay-ok"))
    ops.wait_idle()
    endpoint = erp(ops)
    assert endpoint.failing_since is None and endpoint.last_success_at and endpoint.enabled is True


def test_replaying_a_dead_webhook_after_the_receiver_recovers_delivers_it_exactly_once(ops):
    ops.receiver.respond(HOOK, 503)
    put_event(ops, "payment.paid", make_detail("pay-replay"))
    ops.wait_idle()
    dead = webhook_delivery(ops, "pay-replay")
    assert dead["status"] == "dead"
    failed_calls = len(ops.receiver.received(HOOK))

    ops.receiver.respond(HOOK, 200)
    assert ops.admin.replayer.replay_delivery("another-org", dead["delivery_id"]).skipped == {
        dead["delivery_id"]: "not_found"
    }
    result = ops.admin.replayer.replay_delivery(ORG, dead["delivery_id"])
    assert result.replayed == [dead["delivery_id"]]
    ops.wait_idle()
    calls = ops.receiver.received(HOOK)[failed_calls:]
    assert [(c.status, c.headers["webhook-id"], c.verified) for c in calls] == [(200, dead["delivery_id"], True)]
    d = webhook_delivery(ops, "pay-replay")
    assert (d["status"], d["replay_count"]) == ("sent", 1)

    # A delivery that went out is never sent again: neither by id nor by the bulk replay.
    assert ops.admin.replayer.replay_delivery(ORG, dead["delivery_id"]).skipped == {dead["delivery_id"]: "status_sent"}
    assert ops.admin.replayer.replay_since(ORG, "2000-01-01").replayed == []
    ops.wait_idle()
    assert len(ops.receiver.received(HOOK)) == failed_calls + 1


def test_bulk_replay_from_the_cli_re_sends_the_orgs_dead_and_failed_webhooks_of_one_endpoint(ops):
    ops.receiver.respond(HOOK, 422)
    put_event(ops, "payment.paid", make_detail("pay-422-a"))
    put_event(ops, "payment.paid", make_detail("pay-422-b"))
    ops.wait_idle()
    assert {webhook_delivery(ops, e)["status"] for e in ("pay-422-a", "pay-422-b")} == {"failed"}
    ops.receiver.respond(HOOK, 200)
    out = io.StringIO()
    with redirect_stdout(out):
        rc = cli.main(["replay", ORG, "--since", "2000-01-01", "--endpoint", "erp", "--local", ops.endpoint_url])
    assert rc == 0
    assert len(json.loads(out.getvalue())["replayed"]) == 2
    ops.wait_idle()
    assert {webhook_delivery(ops, e)["status"] for e in ("pay-422-a", "pay-422-b")} == {"sent"}
    assert [c.status for c in ops.receiver.received(HOOK)] == [422, 422, 200, 200]


def test_the_sent_sms_report_and_a_recipients_history_come_from_index_queries(ops):
    put_event(ops, "payment.paid", make_detail("pay-r1"))
    ops.wait_idle()  # routed in two batches: "newest first" below has two distinct routing times to go by
    put_event(ops, "payment.paid", make_detail("pay-r2", service="water"))
    ops.wait_idle()
    today = datetime.now(UTC).date().isoformat()
    rows = ops.admin.reports.sent_sms(ORG, today, today)
    assert sorted(r["event_id"] for r in rows) == ["pay-r1", "pay-r2"]
    assert {(r["to"], r["status"]) for r in rows} == {("+375291234567", "sent")}
    # What the carrier bills: "Hutki Water: payment 120.50 BYN received, account 10042." is one GSM-7 segment.
    assert {(r["segments"], r["encoding"]) for r in rows} == {(1, "gsm7")}
    assert ops.admin.reports.sent_sms(ORG, "2000-01-01", "2000-12-31") == []
    assert ops.admin.reports.sent_sms("another-org", today, today) == []

    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["report", "sms", ORG, "--from", today, "--to", today, "--local", ops.endpoint_url]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(reports.SMS_COLUMNS) and len(lines) == 3

    history = ops.admin.reports.recipient_history(ORG, "Anna@Hutki.Example")
    assert [(h["channel"], h["event_id"]) for h in history] == [("email", "pay-r2"), ("email", "pay-r1")]
    phone = ops.admin.reports.recipient_history(ORG, "+375 29 123-45-67")
    assert {h["channel"] for h in phone} == {"sms"} and len(phone) == 2
    boris = ops.admin.reports.recipient_history(ORG, "boris@hutki.example")
    assert [h["event_id"] for h in boris] == ["pay-r2"]
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["report", "recipient", ORG, "boris@hutki.example", "--local", ops.endpoint_url]) == 0
    assert out.getvalue().splitlines()[0] == ",".join(reports.HISTORY_COLUMNS)


def test_the_cost_report_counts_an_orgs_month_by_channel_from_the_index(ops):
    put_event(ops, "payment.paid", make_detail("pay-c1"))
    put_event(ops, "payment.paid", make_detail("pay-c2", service="water"))
    ops.wait_idle()
    month = datetime.now(UTC).strftime("%Y-%m")
    rows = {r["channel"]: r for r in ops.admin.reports.cost(ORG, month)}
    out = ops.outbox()
    for channel in ("email", "sms", "webhook"):
        assert rows[channel]["deliveries"] == len(out.deliveries_with(channel=channel, org_id=ORG)), channel
    assert rows["total"]["deliveries"] == sum(r["deliveries"] for c, r in rows.items() if c != "total")
    assert rows["total"]["total_usd"] > 0
    assert ops.admin.reports.cost("another-org", month)[-1]["deliveries"] == 0
    text = io.StringIO()
    with redirect_stdout(text):
        assert cli.main(["report", "cost", ORG, "--month", month, "--local", ops.endpoint_url]) == 0
    lines = text.getvalue().splitlines()
    assert lines[0] == ",".join(reports.COST_COLUMNS) and lines[-1].startswith(f"{month},total,")
    assert cli.main(["report", "cost", ORG, "--month", "2026/11", "--local", ops.endpoint_url]) == 2
