"""Reports from the delivery log, through key/index queries only (never a Scan).

- ``sent_sms``: the "Sent SMS" report of products.md §2: an org's SMS that went out in a date range
  (index ``by_org_channel``: ``<org_id>#sms``, ``created_at`` between the bounds);
- ``recipient_history``: every delivery to one address in an org, newest first (the same index, filtered on its
  projected ``address``);
- ``cost``: an org's deliveries of one month by channel and status (index keys and status only), with what they
  cost: the platform's share (``domain.prices.PLATFORM_PER_DELIVERY``, measured) and the provider's price of each
  message that reached it.

Dates bound ``created_at`` (ISO 8601, UTC): ``--to 2026-11-30`` includes the whole of that day.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from notify_core.domain import prices
from notify_core.domain.addresses import InvalidAddress, normalise_email, normalise_phone
from notify_core.domain.delivery import DELIVERED, REPORTABLE, SENT, DeliveryRecord
from notify_core.services.ports import DeliveryReader

SMS_COLUMNS = (
    "created_at",
    "sent_at",
    "delivery_id",
    "event_type",
    "event_id",
    "to",
    "recipient_name",
    "status",
    "segments",
    "encoding",
    "provider_message_id",
    "attempts",
)
HISTORY_COLUMNS = (
    "created_at",
    "delivery_id",
    "channel",
    "event_type",
    "event_id",
    "to",
    "status",
    "error_code",
    "attempts",
)


COST_COLUMNS = (
    "month",
    "channel",
    "deliveries",
    "reached_provider",
    "billed_units",
    "platform_usd",
    "provider_usd",
    "total_usd",
)
# The channels a delivery log item may carry (in-app deliveries are logged only when they fail at routing).
LOGGED_CHANNELS = ("email", "sms", "webhook", "slack", "telegram", "inapp")


def _upper_bound(to: str) -> str:
    # A bare date means the whole day: every timestamp of that day sorts below "<date>T~".
    return f"{to}T~" if len(to) == 10 else to


# An SMS that went out: accepted by SNS ("sent"), or confirmed by a delivery receipt ("delivered").
WENT_OUT = (SENT, DELIVERED)


class Reports:
    def __init__(self, deliveries: DeliveryReader) -> None:
        self.deliveries = deliveries

    def sent_sms(
        self, org_id: str, date_from: str, date_to: str, *, statuses: tuple[str, ...] = WENT_OUT
    ) -> list[dict]:
        """The org's SMS created in [date_from, date_to] whose status is one of ``statuses``, oldest first."""
        records = self.deliveries.by_org_channel(org_id, "sms", date_from, _upper_bound(date_to), statuses=statuses)
        return [_row(d) for d in records]

    def recipient_history(
        self,
        org_id: str,
        address: str,
        *,
        channels: Iterable[str] = ("email", "sms"),
        default_region: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Every delivery to ``address`` in the org (an email address or a phone number), newest first."""
        rows: list[dict] = []
        for channel in channels:
            normalised = _normalise(channel, address, default_region)
            if normalised is None:
                continue
            rows += [_row(d) for d in self.deliveries.by_recipient(org_id, channel, normalised, limit=limit)]
        rows.sort(key=lambda r: (r["created_at"], r["delivery_id"]), reverse=True)
        return rows[:limit] if limit else rows

    def cost(self, org_id: str, month: str) -> list[dict[str, Any]]:
        """One row per channel with deliveries in ``month`` (``YYYY-MM``) and a total row: counts from the index
        (keys and status, never the items), dollars from the dated price table."""
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit() or not 1 <= int(month[5:]) <= 12:
            raise ValueError(f"month {month!r}: expected YYYY-MM")
        rows = []
        for channel in LOGGED_CHANNELS:
            counts = self.deliveries.count_by_status(org_id, channel, f"{month}-01", f"{month}-31T~")
            if not counts:
                continue
            total = sum(counts.values())
            reached = sum(n for status, n in counts.items() if status in REPORTABLE)
            billed = reached
            if channel == "sms":  # a carrier bills each segment: a two-segment SMS costs two
                segments = self.deliveries.sms_segments_by_status(org_id, f"{month}-01", f"{month}-31T~")
                billed = sum(n for status, n in segments.items() if status in REPORTABLE)
            platform = total * prices.PLATFORM_PER_DELIVERY[channel]
            provider = billed * prices.PROVIDER_PER_MESSAGE.get(channel, 0.0)
            rows.append(_cost_row(month, channel, total, reached, platform, provider, billed))
        rows.append(
            _cost_row(
                month,
                "total",
                sum(r["deliveries"] for r in rows),
                sum(r["reached_provider"] for r in rows),
                sum(r["platform_usd"] for r in rows),
                sum(r["provider_usd"] for r in rows),
                sum(r["billed_units"] for r in rows),
            )
        )
        return rows


def _cost_row(
    month: str, channel: str, n: int, reached: int, platform: float, provider: float, billed: int
) -> dict[str, Any]:
    """``billed``: what the provider bills per unit: messages, or an SMS's segments."""
    return {
        "month": month,
        "channel": channel,
        "deliveries": n,
        "reached_provider": reached,
        "billed_units": billed,
        "platform_usd": round(platform, 6),
        "provider_usd": round(provider, 6),
        "total_usd": round(platform + provider, 6),
    }


def _normalise(channel: str, address: str, region: str | None) -> str | None:
    try:
        if channel == "email":
            return normalise_email(address)
        if channel == "sms":
            return normalise_phone(address, region)
    except InvalidAddress:
        return None
    return address.strip()  # webhook URL, user id, org id: as the router stores them


def _row(d: DeliveryRecord) -> dict[str, Any]:
    sent_at = next((a.at for a in reversed(d.attempts) if a.outcome == SENT), None)
    return {
        "created_at": d.created_at,
        "sent_at": sent_at,
        "delivery_id": d.delivery_id,
        "channel": d.channel,
        "event_type": d.event_type,
        "event_id": d.event_id,
        "to": d.address,
        "recipient_name": d.recipient_name,
        "status": d.status,
        "segments": d.sms_segments,
        "encoding": d.sms_encoding,
        "error_code": d.error_code,
        "provider_message_id": d.provider_message_id,
        "attempts": d.attempt_count,
    }


def to_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return out.getvalue()
