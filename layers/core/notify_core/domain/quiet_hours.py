"""Business hours and quiet hours (README "Time zones and quiet hours"): when may something leave?

An org has business hours (default 08:00-20:00) in its time zone; a person may carry a time zone of their own. Two
rules use them:

- an **SMS** that would leave outside business hours in its recipient's time zone (theirs, else the org's) is held
  until the business day starts there (``release_at``); email, in-app and the rest are never held;
- a **timer** (a reminder series' step, a due-date notice) that falls due outside the org's business hours in the
  org's time zone moves to the next start of business hours (``next_business_moment``).

Every day is a business day (the hours say nothing of weekends). Pure: the standard library's ``zoneinfo`` only
(``tzdata`` ships the database, so Lambda and a laptop agree).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DEFAULT_START, DEFAULT_END = "08:00", "20:00"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def valid_time_zone(name: str) -> bool:
    """An IANA name of the tz database (``tzdata`` ships it, so the answer is the same on Lambda and here)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def known_time_zone(v: str | None) -> str | None:
    """A pydantic validator: None, or a name the tz database knows (else a message saying what is expected)."""
    if v is not None and not valid_time_zone(v):
        raise ValueError(f"{v!r} is not an IANA time zone (e.g. Europe/Warsaw, America/New_York, UTC)")
    return v


def parse_hhmm(text: str) -> time:
    """``HH:MM`` on a 24-hour clock (00:00 to 23:59); anything else raises ValueError saying what is expected."""
    m = _HHMM.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class BusinessHours:
    """The hours of the day, in ``time_zone``, when an SMS may leave and a timer may fire: ``start`` <= t < ``end``."""

    time_zone: str = "UTC"
    start: str = DEFAULT_START
    end: str = DEFAULT_END

    def __post_init__(self) -> None:
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError(f"business hours must start before they end ({self.start} is not before {self.end})")
        zoneinfo.ZoneInfo(self.time_zone)  # raises for a name the tz database does not know

    def in_zone(self, time_zone: str | None) -> BusinessHours:
        """The same hours in another time zone (a recipient's own), or these when they have none."""
        return self if not time_zone or time_zone == self.time_zone else BusinessHours(time_zone, self.start, self.end)

    def encode(self) -> str:
        """``Europe/Warsaw 08:00-20:00``: how a timer's item keeps the hours it was planned with."""
        return f"{self.time_zone} {self.start}-{self.end}"

    @classmethod
    def decode(cls, text: str | None) -> BusinessHours | None:
        if not text:
            return None
        zone, _, hours = text.partition(" ")
        start, _, end = hours.partition("-")
        return cls(zone, start, end)

    # ------------------------------------------------------------------------------------------------ the rules
    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(zoneinfo.ZoneInfo(self.time_zone)).time()
        return parse_hhmm(self.start) <= local < parse_hhmm(self.end)

    def next_business_moment(self, at: datetime) -> datetime:
        """``at`` itself inside business hours; otherwise the next start of business hours after it (UTC)."""
        if self.is_open(at):
            return at.astimezone(UTC)
        zone = zoneinfo.ZoneInfo(self.time_zone)
        local = at.astimezone(zone)
        day = local.date() if local.time() < parse_hhmm(self.start) else local.date() + timedelta(days=1)
        return _local_moment(day, parse_hhmm(self.start), zone)

    def opening(self, day: date) -> datetime:
        """When business hours start on ``day`` in these hours' time zone (UTC): where a due date's notice lands."""
        return _local_moment(day, parse_hhmm(self.start), zoneinfo.ZoneInfo(self.time_zone))

    def release_at(self, at: datetime) -> datetime | None:
        """When an SMS that would leave at ``at`` may leave: None if now (inside business hours), else the start of
        the next business day in these hours' time zone (UTC)."""
        return None if self.is_open(at) else self.next_business_moment(at)


def _local_moment(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local clock of ``zone`` reads ``clock`` or later on ``day``.

    Usually ``day`` at ``clock``. On a day that skips ``clock`` (a DST gap, e.g. 02:30 on a spring-forward night)
    it is the end of the gap; on a day that repeats it (fall back) it is its first occurrence."""
    wanted = datetime.combine(day, clock)
    first = datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)  # fold=0: the earlier reading
    if first.astimezone(zone).replace(tzinfo=None) == wanted:
        return first
    # In a gap: fold=0 and fold=1 straddle it; the clock jumps over ``wanted`` between them, so the first instant
    # reading at least ``wanted`` is where it lands after the jump (searched minute by minute: a gap is ≤ 2 hours).
    other = datetime.combine(day, clock, tzinfo=zone).replace(fold=1).astimezone(UTC)
    t = min(first, other)
    while t.astimezone(zone).replace(tzinfo=None) < wanted:
        t += timedelta(minutes=1)
    return t


def describe(at: datetime, hours: BusinessHours) -> str:
    """``2026-12-02T07:00:00Z (08:00 Europe/Warsaw)``: when a held delivery goes, for the delivery log."""
    local = at.astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} ({local.strftime('%H:%M')} {hours.time_zone})"
