"""SMS as the carrier bills them, through the real router and SMS sender on moto: Latin SMS for an org that asks for
them, segments and encoding on each delivery, in the "Sent SMS" report and in the month's cost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notify_core.domain import prices
from tests.conftest import hutki_settings, make_detail, put_event

pytestmark = pytest.mark.integration

CYRILLIC_ORG = "Водоканал Хуткі"


def _apply(rt, *, latin: bool) -> None:
    doc = hutki_settings("https://erp.hutki.example")
    doc["name"] = CYRILLIC_ORG
    if latin:
        doc["sms"] = {"transliterate": True}
    rt.apply_settings(doc)
    assert ("sms" in rt.admin.settings.export("hutki")) is latin


@pytest.mark.parametrize(
    ("latin", "text", "encoding"),
    [
        (False, "Водоканал Хуткі: payment 120.50 BYN received, account 10042.", "ucs2"),
        (True, "Vodokanal Khutki: payment 120.50 BYN received, account 10042.", "gsm7"),
    ],
    ids=["as-written", "transliterated"],
)
def test_an_sms_goes_out_as_the_org_chose_and_its_segments_are_recorded(notify_runtime, latin, text, encoding):
    rt = notify_runtime
    _apply(rt, latin=latin)
    put_event(rt, "payment.paid", make_detail("pay-seg-1"))
    rt.wait_idle()
    texts = {s.text for s in rt.outbox().sms}
    assert texts == {text}
    today = datetime.now(UTC).date().isoformat()
    rows = rt.admin.reports.sent_sms("hutki", today, today)
    assert rows and {(r["segments"], r["encoding"]) for r in rows} == {(1, encoding)}
    sms = {r["channel"]: r for r in rt.admin.reports.cost("hutki", datetime.now(UTC).strftime("%Y-%m"))}["sms"]
    assert sms["billed_units"] == len(rows)
    assert sms["provider_usd"] == pytest.approx(len(rows) * prices.SNS_SMS_US, abs=1e-6)
