"""Erasure end to end, over the admin API and the CLI: a person forgotten in one org.

The person (Olga) is a contact and a member of org A and a contact of org B, with an email address and a phone
number, a one-click unsubscribe in A, sent deliveries in both orgs, in-app messages in A, and one more email and
SMS of A already queued when the erasure runs (SQS messages cannot be edited). After ``POST /orgs/A/erasure``
naming her email only:

- A's settings, delivery log, inbox and suppression list hold neither her address, nor her number, nor her name;
  her deliveries are still counted, as ``[erased]``; the queued messages were refused and logged without her;
- her addresses stay suppressed for A as SHA-256 hashes (the plain unsubscribe entry is gone);
- org B's settings, deliveries and suppressions are exactly as before;
- a second run reports zeros; a reader gets 403; removing the last admin is a 409.
"""

from __future__ import annotations

import json

import pytest

from notify_core.domain import erasure
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

A, B = "era-a", "era-b"
EMAIL, PHONE, PHONE_NATIONAL = "olga@olga-mail.example", "+375291234567", "8 029 123-45-67"
TRACES = ("olga", "Olga", "Smirnova", "291234567")  # her address, name and number in any form


def document(org: str) -> dict:
    members = [{"user_id": "u-admin", "name": "Admin", "email": f"admin@{org}.example", "roles": ["admin"]}]
    if org == A:
        members += [
            {"user_id": "u-reader", "name": "Reader", "email": f"reader@{org}.example"},
            {"user_id": "u-7", "name": "Olga Smirnova", "email": EMAIL.upper(), "roles": ["admin"]},
        ]
    return {
        "org_id": org,
        "name": org,
        "email_from": f"billing@{org}.example",
        "default_phone_region": "BY",
        "publishers": {"sources": ["product"]},
        "contacts": [
            {
                "id": "c7",
                "name": "Olga Smirnova",
                "emails": [{"address": EMAIL}],
                "phones": [{"number": PHONE_NATIONAL}],
            },
            {"id": "boss", "name": "Boss", "emails": [{"address": f"boss@{org}.example"}]},
        ],
        "subscriptions": [
            {"group": "payment.paid_or_reversed", "channels": {"email": ["c7", "boss"], "sms": ["c7"]}},
            {"group": "activity.summary", "addresses": {"email": [EMAIL, f"boss@{org}.example"]}},
        ],
        "members": members,
    }


def traces(value: object) -> list[str]:
    text = json.dumps(value, default=str)
    return [t for t in TRACES if t in text]


def suppressions(rt, org: str) -> list[dict]:  # type: ignore[no-untyped-def]
    # A local inspection (Scan): what the table holds for the org, whatever the key.
    return [i.to_simple_dict() for i in rt.admin.suppressions.Item.scan() if i.scope == org]


def test_erasure_forgets_a_person_in_one_org_only_and_refuses_what_was_queued(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(document(A))
    rt.apply_settings(document(B))
    # A plain entry of hers in A: a one-click unsubscribe from the summaries.
    rt.admin.suppressions.record_unsubscribe(A, "email-group:activity.summary", EMAIL, "one-click")
    put_event(rt, "payment.paid", make_detail("era-pay-1", org=A))
    put_event(rt, "payment.paid", make_detail("era-pay-1", org=B))
    rt.wait_idle()
    assert len(rt.outbox().emails_to(EMAIL)) == 2 and len(rt.outbox().sms_to(PHONE)) == 2
    assert rt.inbox(A, "u-7"), "the member has in-app messages in A"
    b_before = ([d for d in rt.deliveries() if d["org_id"] == B], suppressions(rt, B), rt.admin.settings.export(B))
    assert traces(b_before[0])

    admin = rt.api_client("u-admin")
    with rt.paused():
        put_event(rt, "payment.paid", make_detail("era-pay-2", org=A))
        rt.invoke("router", rt.take_batch("events"))  # queued for her before the erasure
        answer = admin.post(f"/orgs/{A}/erasure", {"email": " OLGA@olga-mail.example "})
        rt.invoke("send_email", rt.take_batch("email"))
        rt.invoke("send_sms", rt.take_batch("sms"))
    rt.wait_idle()

    assert answer.status == 200, answer
    report = answer.json()
    assert report["contacts"] == 1 and report["members"] == 1
    assert report["references"] == 3  # the email and SMS cells, the fixed summary address
    assert report["deliveries"] >= 2 and report["inbox_items"] >= 1
    assert report["suppressions_added"] == 2 and report["plain_suppressions_removed"] == 1
    assert report["addresses"] == 2  # the email she was named by and the number found on her contact

    # Nothing of era-pay-2 reached her: the queued email and SMS were refused, and logged without her.
    assert len(rt.outbox().emails_to(EMAIL)) == 2 and len(rt.outbox().sms_to(PHONE)) == 2
    a_log = [d for d in rt.deliveries() if d["org_id"] == A]
    assert traces(a_log) == []
    refused = [d for d in a_log if d["event_id"] == "era-pay-2" and d["address"] == erasure.ERASED_ADDRESS]
    assert sorted((d["channel"], d["status"], d["error_detail"]) for d in refused) == [
        ("email", "failed", "suppressed:erased"),
        ("sms", "failed", "suppressed:erased"),
    ]
    earlier = [d for d in a_log if d["event_id"] == "era-pay-1" and d["address"] == erasure.ERASED_ADDRESS]
    assert {d["status"] for d in earlier} == {"sent"} and not any(d.get("payload") for d in earlier)
    boss = [d for d in a_log if d["address"] == f"boss@{A}.example"]
    assert boss, "other people's deliveries are untouched"

    # Settings, inbox and suppressions of A: no trace; her addresses are suppressed as hashes.
    assert traces(rt.admin.settings.export(A)) == []
    assert rt.inbox(A, "u-7") == []
    a_suppressions = suppressions(rt, A)
    assert traces(a_suppressions) == []
    assert sorted(s["address_key"] for s in a_suppressions) == sorted(
        [f"email#{erasure.suppression_key('email', EMAIL)}", f"sms#{erasure.suppression_key('sms', PHONE)}"]
    )
    assert rt.admin.suppressions.suppressed(A, [("email", EMAIL)]) == {("email", EMAIL): "erased"}
    assert rt.admin.suppressions.suppressed(B, [("email", EMAIL)]) == {}

    # Org B: exactly as before.
    b_after = ([d for d in rt.deliveries() if d["org_id"] == B], suppressions(rt, B), rt.admin.settings.export(B))
    assert b_after == b_before

    # Idempotent: nothing is left to touch.
    again = admin.post(f"/orgs/{A}/erasure", {"email": EMAIL}).json()
    assert {k: v for k, v in again.items() if k != "addresses"} == dict.fromkeys(again.keys() - {"addresses"}, 0)


def test_erasure_is_for_admins_names_one_person_and_keeps_an_admin(notify_runtime):
    rt = notify_runtime
    doc = document(A)
    doc["members"] = [m for m in doc["members"] if m["user_id"] != "u-7"]
    rt.apply_settings(doc)
    reader = rt.api_client("u-reader")
    assert reader.post(f"/orgs/{A}/erasure", {"user_id": "u-admin"}).status == 403
    admin = rt.api_client("u-admin")
    two = admin.post(f"/orgs/{A}/erasure", {"email": EMAIL, "phone": PHONE})
    assert two.status == 400 and "exactly one" in two.json()["fields"][0]["message"]
    bad = admin.post(f"/orgs/{A}/erasure", {"phone": "12"})
    assert bad.status == 400, bad
    last = admin.post(f"/orgs/{A}/erasure", {"user_id": "u-admin"})
    assert last.status == 409 and "administrator" in last.json()["message"]
    assert any(m["user_id"] == "u-admin" for m in rt.admin.settings.export(A)["members"])
    # A national number is read in the org's default region: her contact goes.
    by_phone = admin.post(f"/orgs/{A}/erasure", {"phone": PHONE_NATIONAL}).json()
    assert by_phone["contacts"] == 1 and by_phone["addresses"] == 2
    assert traces(rt.admin.settings.export(A)) == []


def test_notify_erase_on_the_local_runtime(notify_runtime, capsys):
    from notify_local import cli

    rt = notify_runtime
    rt.apply_settings(document(A))
    assert cli.main(["erase", A, "--user", "u-7", "--local", rt.endpoint_url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["members"] == 1 and report["contacts"] == 1  # the member's email is her contact's too
    assert traces(rt.admin.settings.export(A)) == []
    assert cli.main(["erase", A, "--user", "u-admin", "--local", rt.endpoint_url]) == 2
    assert "administrator" in capsys.readouterr().err
