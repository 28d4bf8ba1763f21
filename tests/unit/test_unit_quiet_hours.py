"""When may an SMS leave, when may a timer fire (domain.quiet_hours): business hours in a time zone, DST edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notify_core.domain import routing
from notify_core.domain.quiet_hours import BusinessHours, describe, parse_hhmm

pytestmark = pytest.mark.unit

WARSAW = BusinessHours("Europe/Warsaw")  # 08:00-20:00 by default


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "release"),
    [
        ("2026-12-01T22:00:00", "2026-12-02T07:00:00"),  # 23:00 CET -> 08:00 CET next day
        ("2026-12-01T06:59:59", "2026-12-01T07:00:00"),  # 07:59:59 CET -> 08:00 the same day
        ("2026-12-01T07:00:00", None),  # 08:00 exactly: open
        ("2026-12-01T18:59:59", None),  # 19:59:59: open
        ("2026-12-01T19:00:00", "2026-12-02T07:00:00"),  # 20:00: closed until tomorrow
        ("2026-07-01T21:30:00", "2026-07-02T06:00:00"),  # summer (CEST, UTC+2): 23:30 -> 08:00 = 06:00Z
    ],
)
def test_release_at_in_the_orgs_zone(at, release):
    got = WARSAW.release_at(utc(at))
    assert got == (None if release is None else utc(release))


def test_dst_spring_forward_night_releases_at_8_local_with_the_new_offset():
    # Europe/Warsaw goes CET -> CEST at 01:00Z on 2026-03-29: 08:00 that morning is 06:00Z, not 07:00Z.
    assert WARSAW.release_at(utc("2026-03-28T22:30:00")) == utc("2026-03-29T06:00:00")


def test_dst_fall_back_night_releases_at_8_local_with_the_new_offset():
    # CEST -> CET at 01:00Z on 2026-10-25: 08:00 that morning is 07:00Z.
    assert WARSAW.release_at(utc("2026-10-24T20:00:00")) == utc("2026-10-25T07:00:00")


def test_business_hours_starting_in_a_dst_gap_open_when_the_gap_ends():
    early = BusinessHours("Europe/Warsaw", "02:30", "20:00")  # 02:30 does not exist on 2026-03-29
    assert early.release_at(utc("2026-03-28T23:30:00")) == utc("2026-03-29T01:00:00")  # 03:00 CEST
    assert early.is_open(utc("2026-03-29T01:00:00"))


def test_business_hours_in_the_repeated_hour_count_from_its_first_occurrence():
    early = BusinessHours("Europe/Warsaw", "02:30", "20:00")  # 02:30 happens twice on 2026-10-25
    assert early.release_at(utc("2026-10-24T22:00:00")) == utc("2026-10-25T00:30:00")  # 02:30 CEST


def test_a_recipients_own_zone_replaces_the_orgs():
    ny = WARSAW.in_zone("America/New_York")
    assert (ny.time_zone, ny.start, ny.end) == ("America/New_York", "08:00", "20:00")
    assert WARSAW.in_zone(None) is WARSAW
    # Noon in Warsaw is 06:00 in New York (EST, UTC-5): held until 13:00Z.
    assert ny.release_at(utc("2026-12-01T11:00:00")) == utc("2026-12-01T13:00:00")


def test_next_business_moment_keeps_a_moment_inside_and_moves_one_outside():
    assert WARSAW.next_business_moment(utc("2026-12-01T10:00:00")) == utc("2026-12-01T10:00:00")
    assert WARSAW.next_business_moment(utc("2026-12-01T00:00:00")) == utc("2026-12-01T07:00:00")


def test_encode_and_decode_round_trip():
    hours = BusinessHours("Asia/Kolkata", "09:30", "18:00")
    assert BusinessHours.decode(hours.encode()) == hours
    assert BusinessHours.decode(None) is None


@pytest.mark.parametrize("bad", ["25:00", "8:00", "08:60", "", "noon", "24:00"])
def test_a_time_of_day_is_hh_mm(bad):
    with pytest.raises(ValueError, match="is not a time of day as HH:MM"):
        parse_hhmm(bad)


def test_start_must_be_before_end_and_the_zone_must_exist():
    with pytest.raises(ValueError, match="must start before they end"):
        BusinessHours("UTC", "20:00", "08:00")
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo's own error for an unknown name
        BusinessHours("Mars/Olympus")


def test_describe_says_when_in_utc_and_local_time():
    assert describe(utc("2026-12-02T07:00:00"), WARSAW) == "2026-12-02T07:00:00Z (08:00 Europe/Warsaw)"


def _sms(address: str, zone: str | None = None, status_skip: str | None = None) -> routing.Delivery:
    return routing.Delivery(
        delivery_id=f"d-{address}", channel="sms", address=address, locale="en", time_zone=zone, skip_reason=status_skip
    )


def test_routing_holds_only_queued_sms_outside_hours():
    email = routing.Delivery(delivery_id="d-e", channel="email", address="a@b.example", locale="en")
    inapp = routing.Delivery(delivery_id="d-i", channel="inapp", address="u1", locale="en")
    result = routing.RoutingResult(
        [_sms("+48512345678"), _sms("+12125550123", "America/New_York"), _sms("+48600000000", None, "no_consent:sms"),
         email, inapp],
        [],
    )  # fmt: skip
    result.hold_sms(WARSAW, utc("2026-12-01T15:00:00"))  # 16:00 in Warsaw, 10:00 in New York: all open
    assert result.held == []
    result.hold_sms(WARSAW, utc("2026-12-01T22:00:00"))  # 23:00 in Warsaw, 17:00 in New York
    assert [(d.address, d.held_until) for d in result.held] == [("+48512345678", "2026-12-02T07:00:00Z")]
    assert [d.address for d in result.sendable] == ["+12125550123", "a@b.example"]  # email never held
    assert [d.status for d in result.deliveries] == ["held", "queued", "skipped", "queued", "queued"]


def test_a_reminder_step_due_at_night_moves_to_the_start_of_business_hours():
    from notify_core.domain import reminders

    detail = {
        "event_id": "sig-1",
        "occurred_at": "2026-12-01T21:00:00Z",  # 22:00 in Warsaw
        "subject": {"type": "document", "id": "doc-1"},
        "data": {},
    }
    settings = reminders.Settings(every_days=1, count=2)
    now = utc("2026-12-01T21:00:00")
    night = reminders.on_start(None, "o", "signature.requested", detail, settings, now, WARSAW)
    assert night.item is not None and night.item.next_at == "2026-12-03T07:00:00Z"  # 08:00 two days on
    assert night.item.hours == "Europe/Warsaw 08:00-20:00"
    anytime = reminders.on_start(None, "o", "signature.requested", detail, settings, now)
    assert anytime.item is not None and anytime.item.next_at == "2026-12-02T21:00:00Z"
    # The next step counts from when this one was due, inside business hours too.
    after = reminders.on_step(night.item, night.item.step, utc("2026-12-03T07:00:00"))
    assert after.item is not None and after.item.next_at == "2026-12-04T07:00:00Z"


def test_due_date_notices_land_when_the_orgs_business_hours_start():
    from notify_core.domain import due_dates

    data = {"due_date": "2026-03-28", "valid_until": "2026-04-10"}
    plan, problems = due_dates.plan_for("invoice.issued", data, WARSAW)
    assert problems == []
    # overdue on 03-29 (the DST morning: CEST, 08:00 = 06:00Z); expiring on 04-07 at 08:00 CEST
    assert plan == [(utc("2026-03-29T06:00:00"), "invoice.overdue"), (utc("2026-04-07T06:00:00"), "invoice.expiring")]
    plan_utc, _ = due_dates.plan_for("invoice.issued", data)
    assert plan_utc[0] == (utc("2026-03-29T00:00:00"), "invoice.overdue")


def test_a_recipient_on_an_event_may_carry_a_time_zone_and_an_unknown_one_is_refused():
    from pydantic import ValidationError

    from notify_core.domain.envelope import EventRecipient

    assert EventRecipient.model_validate({"phone": "+48512345678", "time_zone": "Europe/Warsaw"}).time_zone == (
        "Europe/Warsaw"
    )
    with pytest.raises(ValidationError, match="'Mars/Olympus' is not an IANA time zone"):
        EventRecipient.model_validate({"phone": "+48512345678", "time_zone": "Mars/Olympus"})
