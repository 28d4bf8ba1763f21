"""Recipients on an event: as many as fit in it; an invalid one fails alone, never the event.

Before: a cap of 50 (undocumented), and exceeding it (or one recipient not fitting the contract) quarantined
the whole event: one ``invoice.issued`` with 300 buyers, 3 of them with bad addresses, reached none of the 297.
"""

from __future__ import annotations

import pytest
from router_harness import RouterHarness
from unit_factories import ORG_ID

pytestmark = pytest.mark.unit

ISSUED = {"invoice_number": "A-1", "amount": "5", "currency": "BYN"}


def test_three_hundred_buyers_three_with_bad_addresses_reach_the_other_297():
    r = RouterHarness()
    buyers = [{"email": f"buyer{i}@example.com", "channels": ["email"]} for i in range(297)]
    buyers += [{"email": bad, "channels": ["email"]} for bad in ("typo@@example", "no-at-sign", "x@y")]
    summary = r.event("invoice.issued", data=ISSUED, recipients=buyers)
    assert (summary["queued"], summary["failed"]) == (297, 3)
    failed = sorted((d.address, d.error_code) for d in r.log.items.values())
    assert failed == [
        ("no-at-sign", "invalid_address"),
        ("typo@@example", "invalid_address"),
        ("x@y", "invalid_address"),
    ]
    assert r.quarantine.events == []


def test_a_recipient_that_does_not_fit_the_contract_fails_alone_on_each_address_it_gave():
    r = RouterHarness()
    buyers = [
        {"email": "ok@example.com"},
        {"email": "fax@example.com", "phone": "+375447001122", "channels": ["fax"]},
        {"name": "n" * 500},  # no address at all: nothing to log a delivery on, a problem on the event's record
    ]
    summary = r.event("invoice.issued", data=ISSUED, recipients=buyers)
    assert summary["queued"] == 1 and summary["failed"] == 2 and "invalid_recipient" in summary["problems"]
    failed = sorted((d.channel, d.address, d.error_code) for d in r.log.items.values())
    assert failed == [("email", "fax@example.com", "invalid_recipient"), ("sms", "+375447001122", "invalid_recipient")]
    detail = next(iter(r.log.items.values())).error_detail
    assert detail.startswith("recipients[1]: channels: Value error, recipients on an event may use email and sms only")
    [record] = r.records.for_event(ORG_ID, "evt-0001")
    assert [(p.reason, p.detail[:15]) for p in record.problems] == [("invalid_recipient", "recipients[2]: ")]


def test_an_overlong_address_is_logged_cut_to_an_addresss_length():
    r = RouterHarness()
    r.event("invoice.issued", data=ISSUED, recipients=[{"email": "a" * 5000 + "@example.com"}])
    [d] = r.log.items.values()
    assert (d.error_code, len(d.address)) == ("invalid_address", 320)


def test_skip_messages_name_recipients_by_their_place_in_the_event():
    r = RouterHarness()
    buyers = [{"phone": 1}, {"email": "b@example.com", "events": ["invoice.paid"]}]
    r.event("invoice.issued", data=ISSUED, recipients=buyers)
    [record] = r.records.for_event(ORG_ID, "evt-0001")
    assert ("not_opted_in", "recipients[1] did not opt into invoice.issued") in [
        (p.reason, p.detail) for p in record.problems
    ]
