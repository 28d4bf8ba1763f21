"""Time zones and quiet hours (README "Time zones and quiet hours"), end to end on the local runtime.

A repair shop in Warsaw: an order is ready at 23:00 local time. The client's email goes at once; their SMS is held
(the delivery log says ``held`` and until when) and goes, once, when the clock reaches 08:00 in Warsaw. A client
with a time zone of their own is held by their clock. Events go in with plain boto3 PutEvents; SMS are read back
from moto's SNS store, deliveries from the delivery log.
"""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

import boto3
import pytest

from notify_infra import wiring
from tests.e2e.test_product_taxdome import ORG as FIRM
from tests.e2e.test_product_taxdome import taxdome_settings

pytestmark = pytest.mark.e2e

ORG = "serwis-nocny"
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
JAN_EMAIL, JAN_PHONE = "jan@poczta.example", "+48512345678"  # in Warsaw (the org's zone)
AMY_PHONE = "+12125550123"  # a client in New York, with her own time zone


def settings(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "org_id": ORG,
        "name": "Serwis Nocny",
        "email_from": "powiadomienia@serwis.example",
        "time_zone": "Europe/Warsaw",
        "contacts": [
            {
                "id": "ct-jan",
                "name": "Jan",
                "emails": [{"address": JAN_EMAIL}],
                "phones": [{"number": JAN_PHONE}],
                "consent": {"email": True, "sms": True},
            },
            {
                "id": "ct-amy",
                "name": "Amy",
                "phones": [{"number": AMY_PHONE}],
                "consent": {"sms": True},
                "time_zone": "America/New_York",
            },
        ],
        "clients": [
            {"id": "c1", "name": "Jan", "contacts": ["ct-jan"]},
            {"id": "c2", "name": "Amy", "contacts": ["ct-amy"]},
        ],
    }
    return doc | overrides


@pytest.fixture
def shop(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.clock.quiet_hours = True  # the fixture turns them off for tests that run at any hour
    notify_runtime.apply_settings(settings())
    return notify_runtime


def move_to(rt, local: time, zone: zoneinfo.ZoneInfo = WARSAW) -> datetime:  # type: ignore[no-untyped-def]
    """Advance the runtime's clock to the next ``local`` time of day in ``zone``."""
    now = rt.now().astimezone(zone)
    target = datetime.combine(now.date(), local, tzinfo=zone)
    if target <= now:
        target = datetime.combine(now.date() + timedelta(days=1), local, tzinfo=zone)
    rt.advance(seconds=(target - now).total_seconds())
    return target


def order_ready(rt, event_id: str, client_id: str) -> None:  # type: ignore[no-untyped-def]
    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": "order", "id": f"A-{event_id}", "client_id": client_id},
        "data": {"order_number": f"A-{event_id}", "status": "Ready", "previous_status": "In repair"},
    }
    entry = {
        "Source": "remonline",
        "DetailType": "order.status_changed",
        "Detail": json.dumps(detail),
        "EventBusName": wiring.BUS_NAME,
    }
    events = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    assert not events.put_events(Entries=[entry]).get("FailedEntryCount")
    rt.wait_idle()


def sms_log(rt, phone: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [d for d in rt.deliveries() if d["channel"] == "sms" and d["address"] == phone]


def test_an_sms_at_night_is_held_until_business_hours_and_the_email_goes_at_once(shop):
    move_to(shop, time(23, 0))
    order_ready(shop, "1042", "c1")

    out = shop.outbox()
    assert [e.subject for e in out.emails_to(JAN_EMAIL)] == ["Order A-1042: Ready"]  # email is never held
    assert out.sms_to(JAN_PHONE) == []
    [held] = sms_log(shop, JAN_PHONE)
    assert held["status"] == "held" and held["error_code"] == "quiet_hours"
    assert "(08:00 Europe/Warsaw)" in held["error_detail"]

    shop.advance(hours=8, minutes=59)  # 07:59 in Warsaw: still quiet
    assert shop.outbox().sms_to(JAN_PHONE) == []
    shop.advance(minutes=2)  # 08:01
    [sms] = shop.outbox().sms_to(JAN_PHONE)
    assert "A-1042" in sms.text and '"Ready"' in sms.text
    [sent] = sms_log(shop, JAN_PHONE)
    assert (sent["delivery_id"], sent["status"]) == (held["delivery_id"], "sent")  # the same delivery, once

    shop.advance(days=2)  # nothing goes twice
    assert len(shop.outbox().sms_to(JAN_PHONE)) == 1


def test_a_recipient_with_their_own_time_zone_is_held_by_their_clock(shop):
    move_to(shop, time(12, 0))  # noon in Warsaw, 06:00 in New York
    order_ready(shop, "77", "c2")
    assert shop.outbox().sms_to(AMY_PHONE) == []
    [held] = sms_log(shop, AMY_PHONE)
    assert held["status"] == "held" and "(08:00 America/New_York)" in held["error_detail"]
    shop.advance(hours=2, minutes=1)  # 08:01 in New York
    assert len(shop.outbox().sms_to(AMY_PHONE)) == 1


def test_by_day_an_sms_goes_at_once(shop):
    move_to(shop, time(10, 0))
    order_ready(shop, "5", "c1")
    assert len(shop.outbox().sms_to(JAN_PHONE)) == 1
    assert [d["status"] for d in sms_log(shop, JAN_PHONE)] == ["sent"]


def test_business_hours_of_the_org_decide(shop):
    shop.apply_settings(settings(business_hours={"start": "06:00", "end": "23:30"}))
    move_to(shop, time(23, 0))
    order_ready(shop, "9", "c1")
    assert len(shop.outbox().sms_to(JAN_PHONE)) == 1  # 23:00 is inside 06:00-23:30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"business_hours": {"start": "25:00"}}, "is not a time of day as HH:MM"),
        ({"business_hours": {"start": "20:00", "end": "08:00"}}, "start 20:00 must be before end 08:00"),
        ({"business_hours": {"start": "09:00", "end": "09:00"}}, "start 09:00 must be before end 09:00"),
        ({"contacts": [{"id": "x", "name": "X", "time_zone": "Mars/Olympus"}]}, "'Mars/Olympus' is not an IANA"),
        ({"time_zone": "Europe/Atlantis"}, "'Europe/Atlantis' is not an IANA time zone"),
    ],
)
def test_bad_settings_are_refused_with_a_message(shop, change, message):
    with pytest.raises(Exception, match=message.replace("(", r"\(")):
        shop.apply_settings(settings(**change))


def test_time_zones_and_business_hours_round_trip_through_export_and_import(shop):
    doc = settings(
        business_hours={"start": "07:30", "end": "21:00"},
        members=[{"user_id": "u-ana", "name": "Ana", "phone": "+351912345678", "time_zone": "Europe/Lisbon"}],
    )
    shop.apply_settings(doc)
    exported = shop.admin.settings.export(ORG)
    assert exported["time_zone"] == "Europe/Warsaw"
    assert exported["business_hours"] == {"start": "07:30", "end": "21:00"}
    assert {c["id"]: c.get("time_zone") for c in exported["contacts"]} == {"ct-jan": None, "ct-amy": "America/New_York"}
    assert exported["members"][0]["time_zone"] == "Europe/Lisbon"
    shop.apply_settings(exported)  # what export gives, apply takes
    assert shop.admin.settings.export(ORG) == exported
    # The defaults are not written out.
    shop.apply_settings(settings())
    assert "business_hours" not in shop.admin.settings.export(ORG)


# ----------------------------------------------------------------------------------- timers in business hours
MARIO = "mario@bianchi.example"


@pytest.fixture
def rossi(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.clock.quiet_hours = True
    notify_runtime.apply_settings(taxdome_settings() | {"time_zone": "Europe/Rome"})
    return notify_runtime


def publish_as(
    rt, org: str, source: str, event_type: str, event_id: str, subject: dict[str, Any], data: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    detail = {
        "org_id": org,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": subject,
        "data": data,
    }
    entry = {"Source": source, "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": wiring.BUS_NAME}
    events = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    assert not events.put_events(Entries=[entry]).get("FailedEntryCount")
    rt.wait_idle()


def state_transitions(rt) -> int:  # type: ignore[no-untyped-def]
    return sum(
        1
        for e in rt.executions()
        for h in rt.execution_history(e["executionArn"])
        if h["type"].endswith("StateEntered")
    )


def test_a_reminder_due_at_night_lands_when_business_hours_start(rossi):
    rome = zoneinfo.ZoneInfo("Europe/Rome")
    move_to(rossi, time(22, 0), rome)
    data = {"document_name": "Engagement letter.pdf", "reminders": {"every_days": 1, "count": 1}}
    subject = {"type": "document", "id": "doc-n", "client_id": "c1"}
    publish_as(rossi, FIRM, "taxdome", "signature.requested", "sig-n", subject, data)
    assert len(rossi.outbox().emails_to(MARIO)) == 1  # the first notice, at once (email is never held)
    step = rossi.admin.items.get(FIRM, "signature", "doc-n")
    due = datetime.fromisoformat(step.next_at.replace("Z", "+00:00")).astimezone(rome)
    assert (due.hour, due.minute) == (8, 0)  # 22:00 the next day is after hours: 08:00 the day after
    rossi.advance(days=1, hours=9, minutes=59)  # 07:59 two days on
    assert len(rossi.outbox().emails_to(MARIO)) == 1
    rossi.advance(minutes=2)
    emails = rossi.outbox().emails_to(MARIO)
    assert len(emails) == 2 and emails[-1].subject.startswith("Reminder 1 of 1")
    assert state_transitions(rossi) <= 3  # one reminder: still Wait + Task


def test_an_overdue_notice_lands_at_the_start_of_the_orgs_business_day(notify_runtime):
    rt = notify_runtime
    rt.clock.quiet_hours = True
    owner = "owner@ergo.example"
    rt.apply_settings(
        {
            "org_id": "ergo",
            "name": "Ergo",
            "time_zone": "Asia/Kolkata",
            "business_hours": {"start": "09:30", "end": "18:00"},
            "members": [{"user_id": "u-owner", "name": "Owner", "email": owner, "roles": ["admin"]}],
        }
    )
    kolkata = zoneinfo.ZoneInfo("Asia/Kolkata")
    move_to(rt, time(12, 0), kolkata)
    today = rt.now().astimezone(kolkata).date()
    invoice = {"amount": "10.00", "currency": "INR", "invoice_number": "INV-9", "due_date": today.isoformat()}
    publish_as(rt, "ergo", "invoicing", "invoice.issued", "inv-9", {"type": "invoice", "id": "invoice-9"}, invoice)
    rt.advance(hours=21, minutes=29)  # 09:29 the day after the due date in Kolkata (00:00 UTC has passed)
    assert not [e for e in rt.outbox().emails_to(owner) if "overdue" in e.subject.lower()]
    rt.advance(minutes=2)
    assert [e for e in rt.outbox().emails_to(owner) if "overdue" in e.subject.lower()]


def test_a_recipient_carried_on_the_event_is_held_by_their_own_time_zone(notify_runtime):
    rt = notify_runtime
    rt.clock.quiet_hours = True
    rt.apply_settings(
        {"org_id": "ergo", "name": "Ergo", "time_zone": "Europe/Warsaw", "buyer_channels": {"invoice.issued": ["sms"]}}
    )
    move_to(rt, time(12, 0))  # noon in Warsaw: 06:00 in New York
    buyers = [
        {"name": "Amy", "phone": AMY_PHONE, "channels": ["sms"], "time_zone": "America/New_York"},
        {"name": "Jan", "phone": JAN_PHONE, "channels": ["sms"]},  # no zone of his own: the org's
        {"name": "Bad", "phone": "+48601234567", "channels": ["sms"], "time_zone": "Mars/Olympus"},
    ]
    invoice = {"amount": "10.00", "currency": "EUR", "invoice_number": "INV-1"}
    detail = {  # the buyers ride on the event itself, beside its data
        "org_id": "ergo",
        "event_id": "inv-2",
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": "invoice", "id": "invoice-2"},
        "data": invoice,
        "recipients": buyers,
    }
    entry = {
        "Source": "invoicing",
        "DetailType": "invoice.issued",
        "Detail": json.dumps(detail),
        "EventBusName": wiring.BUS_NAME,
    }
    events = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    assert not events.put_events(Entries=[entry]).get("FailedEntryCount")
    rt.wait_idle()
    out = rt.outbox()
    assert out.sms_to(JAN_PHONE) and not out.sms_to(AMY_PHONE)  # Warsaw is open, New York is not
    by_address = {d["address"]: d for d in rt.deliveries() if d["event_id"] == "inv-2"}
    assert by_address[AMY_PHONE]["status"] == "held"
    assert (by_address["+48601234567"]["status"], by_address["+48601234567"]["error_code"]) == (
        "failed",
        "invalid_recipient",
    )  # an unknown zone fails that recipient alone
    rt.advance(hours=2, minutes=1)
    assert len(rt.outbox().sms_to(AMY_PHONE)) == 1


def test_a_stop_sent_during_the_night_stops_the_held_sms(shop):
    move_to(shop, time(10, 0))
    order_ready(shop, "1", "c1")  # by day: sent, and Jan can answer it
    [first] = sms_log(shop, JAN_PHONE)
    move_to(shop, time(23, 0))
    order_ready(shop, "2", "c1")
    held = [d for d in sms_log(shop, JAN_PHONE) if d["status"] == "held"]
    assert len(held) == 1
    shop.publish_sms_inbound(JAN_PHONE, "STOP", previous_published_message_id=first["provider_message_id"])
    shop.wait_idle()
    move_to(shop, time(8, 30))
    assert len(shop.outbox().sms_to(JAN_PHONE)) == 1  # only the daytime one
    [stopped] = [d for d in sms_log(shop, JAN_PHONE) if d["delivery_id"] == held[0]["delivery_id"]]
    assert (stopped["status"], stopped["error_code"]) == ("failed", "opted_out")  # the sender checks at send time
