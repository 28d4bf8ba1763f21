"""Erasure's rules (``domain.erasure``) and how the router and the senders treat an erased address."""

from __future__ import annotations

import json

import pytest

from notify_core.domain import erasure
from notify_core.domain.erasure import ERASED_ADDRESS, InvalidSubject, Subject
from notify_core.domain.routing import Delivery, RoutingResult
from notify_core.services.sending import Received, Sender
from tests.fakes import FakeChannel, FakeDeliveryLog, FakeRenderer, FakeSuppressions

pytestmark = pytest.mark.unit


def doc() -> dict:
    return {
        "org_id": "acme",
        "name": "Acme",
        "default_phone_region": "BY",
        "contacts": [
            {
                "id": "c1",
                "name": "Olga",
                "emails": [{"address": "Olga@Mail.example"}],
                "phones": [{"number": "8 029 123-45-67"}],
            },
            {"id": "c2", "name": "Olga at home", "phones": [{"number": "+375291234567"}], "telegram": 4242},
            {"id": "c3", "name": "Boss", "emails": [{"address": "boss@acme.example"}]},
        ],
        "members": [
            {"user_id": "u-admin", "name": "Admin", "roles": ["admin"]},
            {"user_id": "u-olga", "name": "Olga", "email": "olga@mail.example"},
        ],
        "clients": [
            {
                "id": "k1",
                "name": "Client",
                "account_manager": "u-olga",
                "contacts": ["c1", "c3"],
                "caretakers": {"sales": ["u-olga", "u-admin"]},
            },
        ],
        "subscriptions": [
            {"group": "payment.paid_or_reversed", "channels": {"email": ["c1", "c3"], "sms": ["c2"]}},
            {"group": "activity.summary", "addresses": {"email": ["OLGA@mail.example"]}},
        ],
    }


def test_a_person_is_every_contact_and_member_linked_by_any_of_their_addresses():
    found = erasure.find(doc(), Subject(user_id="u-olga"))
    # The member's email finds c1, whose phone finds c2, which brings the Telegram chat.
    assert (found.user_ids, found.contact_ids) == ({"u-olga"}, {"c1", "c2"})
    assert found.addresses() == [("email", "olga@mail.example"), ("sms", "+375291234567"), ("telegram", "4242")]


def test_removing_a_person_takes_every_reference_with_them():
    d = doc()
    changes = erasure.remove(d, erasure.find(d, Subject(email="olga@mail.example")))
    assert (changes.contacts, changes.members) == (2, 1)
    assert [c["id"] for c in d["contacts"]] == ["c3"] and [m["user_id"] for m in d["members"]] == ["u-admin"]
    # c1 in the email cell, c2 (the whole sms cell), the fixed summary address (its whole subscription),
    # the client's contact, its account manager and one caretaker.
    assert changes.references == 6
    assert d["subscriptions"] == [{"group": "payment.paid_or_reversed", "channels": {"email": ["c3"]}}]
    assert d["clients"][0] | {} == {
        "id": "k1", "name": "Client", "account_manager": None, "contacts": ["c3"], "caretakers": {"sales": ["u-admin"]}
    }  # fmt: skip
    assert "olga" not in json.dumps(d).lower()


def test_someone_unknown_touches_nothing():
    d = doc()
    found = erasure.find(d, Subject(email="nobody@else.example"))
    assert (found.contact_ids, found.user_ids) == (set(), set())
    assert not erasure.remove(d, found).any and d == doc()


@pytest.mark.parametrize(
    ("given", "field"),
    [({}, None), ({"email": "a@b.example", "phone": "+375291234567"}, None), ({"email": "not an address"}, "email"),
     ({"phone": "12"}, "phone"), ({"email": "  ", "user_id": ""}, None)],
)  # fmt: skip
def test_a_subject_is_exactly_one_readable_identifier(given, field):
    with pytest.raises(InvalidSubject) as exc:
        Subject.parse(
            email=given.get("email"), phone=given.get("phone"), user_id=given.get("user_id"), phone_region="BY"
        )
    assert exc.value.field == field


def test_a_subject_is_normalised_as_the_router_normalises():
    assert Subject.parse(email=" Olga@Mail.Example ", phone=None, user_id=None, phone_region=None).email == (
        "olga@mail.example"
    )
    assert Subject.parse(email=None, phone="8 029 123-45-67", user_id=None, phone_region="BY").phone == "+375291234567"


def test_the_suppression_key_is_a_hash_that_holds_no_address():
    key = erasure.suppression_key("email", "olga@mail.example")
    assert key.startswith("sha256:") and len(key) == 7 + 64 and "olga" not in key
    assert key != erasure.suppression_key("sms", "olga@mail.example")  # per channel


def test_the_router_logs_a_skip_for_an_erased_address_without_the_person():
    d = Delivery(delivery_id="dlv_1", channel="email", address="olga@mail.example", locale="en", recipient_name="Olga")
    result = RoutingResult(deliveries=[d], skipped=[])
    result.apply_suppressions({("email", "olga@mail.example"): erasure.ERASED})
    assert (d.status, d.skip_reason, d.address, d.recipient_name) == (
        "skipped", "suppressed:erased", ERASED_ADDRESS, None
    )  # fmt: skip


def test_a_message_queued_before_the_erasure_is_refused_and_logged_without_the_person():
    log, suppressions, channel = FakeDeliveryLog(), FakeSuppressions(), FakeChannel("email")
    suppressions.suppress("email", "olga@mail.example", erasure.ERASED, org_id="acme")
    sender = Sender([channel], log=log, suppressions=suppressions, renderer=FakeRenderer(), max_receives=5)
    message = {
        "delivery_id": "dlv_1", "org_id": "acme", "event_id": "e1", "event_type": "payment.paid", "channel": "email",
        "address": "olga@mail.example", "recipient_name": "Olga", "reasons": [], "event": {"data": {"payer": "Olga"}},
    }  # fmt: skip
    received = Received("m-1", 1, json.dumps(message))
    batch = sender.open_batch([received], remaining_s=30)
    assert sender.deliver(batch, received)["status"] == "failed"
    sender.close_batch(batch)
    assert channel.sent == []
    record = log.items["dlv_1"]
    assert (record.address, record.recipient_name, record.error_detail) == (ERASED_ADDRESS, None, "suppressed:erased")
    assert "Olga" not in json.dumps(record.payload)
