"""Reminder series of pending items (products.md §5, README "Timers") on the local runtime, the clock moved on.

Everything is published with plain boto3 ``put_events`` as a product would; the series runs on the state machine the
stack deploys, executed by moto on the runtime's clock; reminders go through the router to the client's users.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.e2e.test_product_taxdome import ORG, taxdome_settings

pytestmark = pytest.mark.e2e

MARIO = "mario@bianchi.example"


@pytest.fixture
def rossi(notify_runtime):  # type: ignore[no-untyped-def]
    settings = taxdome_settings()
    # The firm's own member: hears in-app what happened to its items (signed, archived...).
    settings["members"] = [
        {"user_id": "laura", "name": "Laura", "email": "laura@studiorossi.example", "permissions": ["documents:edit"]}
    ]
    notify_runtime.apply_settings(settings)
    return notify_runtime


def publish(rt, event_type: str, event_id: str, subject_id: str, data: dict[str, Any], *, minutes_ago: int = 0) -> None:
    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": (rt.now() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {
            "type": "document" if not event_type.startswith("chat") else "chat_thread",
            "id": subject_id,
            "client_id": "c1",
        },
        "data": data,
    }
    resp = boto3.client("events").put_events(
        Entries=[
            {"Source": "taxdome", "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": "notify"}
        ]
    )
    assert not resp.get("FailedEntryCount"), resp
    rt.wait_idle()


def subjects(rt, address: str = MARIO) -> list[str]:
    return [e.subject for e in rt.outbox().emails_to(address)]


SIGN = {"document_name": "Engagement letter 2026.pdf"}


def test_a_signature_is_reminded_every_three_days_then_stops_at_the_count(rossi):
    publish(rossi, "signature.requested", "sig-1", "doc-1", {**SIGN, "reminders": {"every_days": 3, "count": 2}})
    assert subjects(rossi) == ['Please sign "Engagement letter 2026.pdf"']
    rossi.advance(days=2)
    assert len(subjects(rossi)) == 1  # not due yet
    rossi.advance(days=1)
    assert subjects(rossi)[-1] == 'Reminder 1 of 2: Please sign "Engagement letter 2026.pdf"'
    rossi.advance(days=3)
    assert subjects(rossi)[-1] == 'Reminder 2 of 2: Please sign "Engagement letter 2026.pdf"'
    rossi.advance(days=30)
    assert len(subjects(rossi)) == 3
    item = rossi.admin.items.get(ORG, "signature", "doc-1")
    assert (item.state, item.sent, item.next_at) == ("pending", 2, None)
    assert [e.what for e in item.audit] == ["created", "reminder_sent", "reminder_sent"]


def item(rt, item_type: str, item_id: str):  # type: ignore[no-untyped-def]
    return rt.admin.items.get(ORG, item_type, item_id)


def state_transitions(rt) -> int:
    """State transitions (what Standard bills) of every execution so far: each state entered is one."""
    return sum(
        1
        for e in rt.executions()
        for h in rt.execution_history(e["executionArn"])
        if h["type"].endswith("StateEntered")
    )


def test_defaults_one_reminder_after_three_days_at_most_three_transitions_each(rossi):
    publish(rossi, "signature.requested", "sig-2", "doc-2", SIGN)
    rossi.advance(days=2, hours=23)
    assert len(subjects(rossi)) == 1
    rossi.advance(hours=1)
    assert subjects(rossi) == [
        'Please sign "Engagement letter 2026.pdf"',
        'Reminder 1 of 1: Please sign "Engagement letter 2026.pdf"',
    ]
    # Giulia, in her language, on the same audience as the first notice.
    assert subjects(rossi, "giulia@bianchi.example")[-1] == (
        "Documento da firmare: «Engagement letter 2026.pdf» (promemoria 1 di 1)"
    )
    rossi.advance(days=10)
    assert len(subjects(rossi)) == 2
    sent = item(rossi, "signature", "doc-2").sent
    assert sent == 1 and state_transitions(rossi) <= 3 * sent  # Wait + Task: 2 per reminder
    # The reminder went through the router: its deliveries are logged like any other.
    reminder_ids = [e.event_id for e in item(rossi, "signature", "doc-2").audit if e.what == "reminder_sent"]
    assert reminder_ids == ["sig-2.r1-1"]
    assert {d["address"] for d in rossi.deliveries() if d["event_id"] == "sig-2.r1-1" and d["status"] == "sent"} == {
        MARIO,
        "giulia@bianchi.example",
    }


def test_signing_stops_the_series(rossi):
    publish(rossi, "signature.requested", "sig-3", "doc-3", {**SIGN, "reminders": {"count": 3}})
    rossi.advance(days=3)
    assert len(subjects(rossi)) == 2
    publish(rossi, "signature.signed", "signed-3", "doc-3", {"document_name": SIGN["document_name"]})
    rossi.advance(days=20)
    assert len(subjects(rossi)) == 2
    it = item(rossi, "signature", "doc-3")
    assert (it.state, it.done_reason, it.next_at) == ("done", "signed", None)
    assert [e.what for e in it.audit] == ["created", "reminder_sent", "stopped"]
    statuses = {e["status"] for e in rossi.executions()}
    assert statuses == {"SUCCEEDED", "ABORTED"}  # the waiting step was stopped, not left to wake for nothing


def test_approving_stops_the_series(rossi):
    publish(rossi, "approval.requested", "appr-1", "doc-9", {"document_name": "Budget.pdf", "reminders": {"count": 2}})
    publish(rossi, "approval.approved", "approved-1", "doc-9", {"document_name": "Budget.pdf"})
    rossi.advance(days=10)
    assert subjects(rossi) == ['Please approve "Budget.pdf"']
    assert item(rossi, "approval", "doc-9").done_reason == "approved"


THREAD = {"thread_id": "thr-1", "thread_title": "Tax return 2025", "sender_name": "Laura Ferri"}


def test_chat_reply_stops_and_a_new_message_moves_the_series_onto_it(rossi):
    publish(rossi, "chat.message_received", "msg-1", "thr-1", {**THREAD, "excerpt": "First", "reminders": {"count": 2}})
    rossi.advance(days=2)
    publish(
        rossi, "chat.message_received", "msg-2", "thr-1", {**THREAD, "excerpt": "Second", "reminders": {"count": 2}}
    )
    rossi.advance(days=1)  # the first message's step (day 3) no longer counts: the series is on the second
    assert len(subjects(rossi)) == 2
    rossi.advance(days=2)  # day 5 = the second message + 3 days
    [*_, reminder] = rossi.outbox().emails_to(MARIO)
    assert reminder.subject.startswith("Reminder 1 of 2") and "Second" in reminder.html
    publish(rossi, "chat.replied", "reply-1", "thr-1", {"thread_id": "thr-1"})
    rossi.advance(days=10)
    assert len(subjects(rossi)) == 3
    it = item(rossi, "chat", "thr-1")
    assert (it.state, it.done_reason, it.start_event_id) == ("done", "replied", "msg-2")


def test_archiving_stops_and_reopening_restarts_as_if_the_message_were_new(rossi):
    publish(rossi, "chat.message_received", "msg-5", "thr-5", {**THREAD, "thread_id": "thr-5", "excerpt": "Hello"})
    publish(rossi, "chat.thread_archived", "arch-5", "thr-5", {"thread_id": "thr-5"})
    rossi.advance(days=5)
    assert len(subjects(rossi)) == 1
    publish(rossi, "chat.thread_reopened", "reopen-5", "thr-5", {"thread_id": "thr-5"})
    rossi.advance(days=2)
    assert len(subjects(rossi)) == 1
    rossi.advance(days=1)  # three days after the reopening
    assert subjects(rossi)[-1].startswith("Reminder 1 of 1")
    assert [e.what for e in item(rossi, "chat", "thr-5").audit] == [
        "created",
        "stopped",
        "restarted",
        "reminder_sent",
    ]


def changed(rossi, event_id: str, item_id: str, **settings: Any) -> None:
    publish(rossi, "reminders.changed", event_id, item_id, {"item_type": "signature", "item_id": item_id, **settings})


def test_switching_reminders_off_and_on_again(rossi):
    publish(rossi, "signature.requested", "sig-6", "doc-6", {**SIGN, "reminders": {"count": 2}})
    changed(rossi, "off-6", "doc-6", enabled=False)
    rossi.advance(days=5)
    assert len(subjects(rossi)) == 1  # off: day 3 passed in silence
    changed(rossi, "on-6", "doc-6", enabled=True)
    rossi.wait_idle()  # due since day 3: sent at once, from the next step on
    assert subjects(rossi)[-1].startswith("Reminder 1 of 2")
    rossi.advance(days=3)
    assert subjects(rossi)[-1].startswith("Reminder 2 of 2")
    assert len(subjects(rossi)) == 3


def test_changed_every_days_and_count_apply_from_the_next_step(rossi):
    publish(rossi, "signature.requested", "sig-7", "doc-7", {**SIGN, "reminders": {"every_days": 10, "count": 1}})
    changed(rossi, "chg-7", "doc-7", enabled=True, every_days=1, count=3)
    rossi.advance(days=1)
    assert subjects(rossi)[-1].startswith("Reminder 1 of 3")
    rossi.advance(days=2)
    assert [s.split(":")[0] for s in subjects(rossi)[1:]] == ["Reminder 1 of 3", "Reminder 2 of 3", "Reminder 3 of 3"]


def test_a_manual_resend_goes_at_once_is_audited_and_leaves_the_series_alone(rossi):
    publish(rossi, "approval.requested", "appr-8", "doc-8", {"document_name": "Budget.pdf"})
    rossi.advance(days=1)
    words = "Please approve by Friday."
    publish(
        rossi,
        "reminders.resend_requested",
        "resend-8",
        "doc-8",
        {"item_type": "approval", "item_ids": ["doc-8"], "message": words},
    )
    [*_, resent] = rossi.outbox().emails_to(MARIO)
    assert resent.subject == 'Please approve "Budget.pdf"' and words in resent.html
    # A new notice, dated now: for an audience with an inbox (members) it sorts on top (contacts get email only).
    rossi.advance(days=2)  # the automatic reminder still comes on day 3
    assert subjects(rossi)[-1] == 'Reminder 1 of 1: Please approve "Budget.pdf"'
    audit = item(rossi, "approval", "doc-8").audit
    assert [(e.what, e.detail) for e in audit] == [
        ("created", "series 1: every 3 days, 1 reminders"),
        ("resent", words),
        ("reminder_sent", "1:1 of 1"),
    ]


def test_a_bulk_re_request_names_many_approvals_in_one_event(rossi):
    for n in (1, 2, 3):
        publish(rossi, "approval.requested", f"appr-b{n}", f"doc-b{n}", {"document_name": f"Doc {n}.pdf"})
    publish(rossi, "approval.approved", "appr-b2-ok", "doc-b2", {"document_name": "Doc 2.pdf"})
    publish(
        rossi,
        "reminders.resend_requested",
        "bulk-1",
        "bulk",
        {"item_type": "approval", "item_ids": ["doc-b1", "doc-b2", "doc-b3"], "message": "All pending, please."},
    )
    again = [s for s in subjects(rossi)]
    assert sorted(again) == sorted(
        [
            'Please approve "Doc 1.pdf"',
            'Please approve "Doc 2.pdf"',
            'Please approve "Doc 3.pdf"',
            'Please approve "Doc 1.pdf"',
            'Please approve "Doc 3.pdf"',
        ]
    )
    assert [e.what for e in item(rossi, "approval", "doc-b2").audit] == ["created", "stopped"]  # done: not resent


def test_a_duplicate_start_event_makes_one_series(rossi):
    for _ in range(2):
        publish(rossi, "signature.requested", "sig-dup", "doc-dup", SIGN)
    rossi.advance(days=3)
    assert len(subjects(rossi)) == 2
    assert len(rossi.executions()) == 1
    assert item(rossi, "signature", "doc-dup").series == 1


def test_a_completion_that_overtook_its_start_leaves_no_series(rossi):
    publish(rossi, "signature.signed", "signed-ooo", "doc-ooo", {"document_name": "x.pdf"})
    publish(rossi, "signature.requested", "sig-ooo", "doc-ooo", SIGN, minutes_ago=5)  # happened first, came late
    rossi.advance(days=10)
    assert len(subjects(rossi)) == 1  # the first notice (routed as it came), no reminder
    assert rossi.executions() == []
    assert [e.what for e in item(rossi, "signature", "doc-ooo").audit] == ["stopped", "ignored"]


def test_a_completion_for_an_unknown_item_is_remembered_not_an_error(rossi):
    publish(rossi, "approval.approved", "approved-x", "doc-unknown", {"document_name": "x.pdf"})
    it = item(rossi, "approval", "doc-unknown")
    assert (it.state, it.done_reason, it.event_type) == ("done", "approved", None)
    assert not rossi.errors


@pytest.mark.parametrize(
    ("reminders", "field"),
    [
        ({"every_days": 0}, "every_days"),
        ({"every_days": -2}, "every_days"),
        ({"every_days": 366}, "every_days"),
        ({"count": 0}, "count"),
        ({"count": 51}, "count"),
        ({"every_days": "soon"}, "every_days"),
    ],
)
def test_out_of_range_reminder_settings_are_quarantined_and_start_nothing(rossi, reminders, field):
    publish(rossi, "signature.requested", "sig-bad", "doc-bad", {**SIGN, "reminders": reminders})
    [q] = rossi.quarantined()
    assert q["reason"] == "invalid_data" and f"reminders.{field}" in q["detail"]
    assert item(rossi, "signature", "doc-bad") is None and rossi.executions() == []
    assert rossi.outbox().emails == []


def test_the_cli_moves_the_clock_and_shows_the_audit_trail(rossi, capsys):
    from notify_local import cli
    from notify_local.control import ControlServer

    control = ControlServer(rossi, port=0).start()
    try:
        publish(rossi, "signature.requested", "sig-cli", "doc-cli", SIGN)
        assert cli.main(["local", "advance", "3d", "--control", control.url]) == 0
        assert cli.main(["local", "now", "--control", control.url]) == 0
        assert cli.main(["local", "advance", "3 weeks", "--control", control.url]) == 2
    finally:
        control.stop()
    out = capsys.readouterr()
    printed = datetime.fromisoformat(out.out.strip().splitlines()[-1].replace("Z", "+00:00"))
    assert "clock now" in out.out and printed > datetime.now(UTC) + timedelta(days=2, hours=23)
    assert "'3 weeks' is not a duration" in out.err
    assert subjects(rossi)[-1].startswith("Reminder 1 of 1")

    assert cli.main(["items", "show", ORG, "signature:doc-cli", "--local", rossi.endpoint_url]) == 0
    shown = capsys.readouterr().out
    assert "signature:doc-cli in studio-rossi: pending" in shown
    assert "every 3 days, 1 in all; series 1, 1 sent; nothing scheduled" in shown
    assert "created" in shown and "reminder_sent 1:1 of 1  [event sig-cli.r1-1]" in shown
    assert cli.main(["items", "show", ORG, "doc-cli", "--local", rossi.endpoint_url]) == 2
