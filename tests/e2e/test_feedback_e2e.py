"""End to end on the local runtime: SES events on the feedback topic (as SES would publish them; moto
does not), through SNS -> the feedback queue -> the feedback function; SMS opt-out through the CLI."""

from __future__ import annotations

import pytest

from notify_local import cli
from tests.conftest import ORG, hutki_settings, make_detail, put_event
from tests.ses_events import bounce_event, complaint_event, delivery_event

pytestmark = pytest.mark.e2e

ANNA, BORIS, ANNA_PHONE = "anna@hutki.example", "boris@hutki.example", "+375291234567"


def _email(rt, address: str, event_id: str) -> dict:
    [d] = [d for d in rt.outbox().deliveries_with(channel="email", address=address) if d["event_id"] == event_id]
    return d


def test_bounce_and_complaint_feedback_suppress_and_delivery_is_recorded(hutki):
    put_event(hutki, "payment.paid", make_detail("fb-1", service="water"))  # anna (org) and boris (service)
    hutki.wait_idle()
    anna, boris = _email(hutki, ANNA, "fb-1"), _email(hutki, BORIS, "fb-1")

    # SES reports: anna's mailbox is gone (a Delivery event arriving late must not hide it), boris got his
    # email and then marked it as spam.
    for event in (
        bounce_event("Permanent", "NoEmail", ANNA, delivery_id=anna["delivery_id"], org_id=ORG),
        delivery_event(ANNA, delivery_id=anna["delivery_id"], org_id=ORG),
        delivery_event(BORIS, delivery_id=boris["delivery_id"], org_id=ORG),
        complaint_event(BORIS, delivery_id=boris["delivery_id"], org_id=ORG),
    ):
        hutki.publish_ses_event(event)
        hutki.wait_idle()
    assert _email(hutki, ANNA, "fb-1")["status"] == "bounced"
    boris_after = _email(hutki, BORIS, "fb-1")
    assert boris_after["status"] == "complained"
    assert [a["outcome"] for a in boris_after["attempts"]] == ["sent", "delivered", "complained"]

    put_event(hutki, "payment.paid", make_detail("fb-2", service="water"))
    hutki.wait_idle()
    out = hutki.outbox()
    assert len(out.emails_to(ANNA)) == 1 and len(out.emails_to(BORIS)) == 1  # nothing new to either
    assert _email(hutki, ANNA, "fb-2")["error_code"] == "suppressed:bounce"
    assert _email(hutki, BORIS, "fb-2")["error_code"] == "suppressed:complaint"
    assert len(out.sms_to(ANNA_PHONE)) == 2  # SMS is another channel: not suppressed by an email bounce


def test_sms_opt_out_and_opt_in_through_the_cli(hutki, capsys):
    hutki.apply_settings(hutki_settings(hutki.receiver.url, org="other"))
    assert cli.main(["sms", "opt-out", ORG, "8 029 123 45 67", "--region", "BY", "--local", hutki.endpoint_url]) == 0
    assert f"{ANNA_PHONE} opted out of SMS from org {ORG}" in capsys.readouterr().out
    put_event(hutki, "payment.paid", make_detail("stop-1"))
    put_event(hutki, "payment.paid", make_detail("stop-1", org="other"))
    hutki.wait_idle()
    out = hutki.outbox()
    assert [d["org_id"] for d in out.deliveries_with(channel="sms", status="sent")] == ["other"]
    assert len(out.sms_to(ANNA_PHONE)) == 1

    assert cli.main(["sms", "opt-in", ORG, ANNA_PHONE, "--local", hutki.endpoint_url]) == 0
    put_event(hutki, "payment.paid", make_detail("stop-2"))
    hutki.wait_idle()
    assert len(hutki.outbox().sms_to(ANNA_PHONE)) == 2
    assert cli.main(["sms", "opt-out", ORG, "not a number", "--local", hutki.endpoint_url]) == 2
