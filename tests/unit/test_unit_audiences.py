"""Audiences, preferences and consent in routing (pure: in-memory settings, no AWS)."""

from __future__ import annotations

import pytest
from unit_factories import ORG_ID, contact, product_event

from notify_core.domain import routing
from notify_core.domain.org_settings import Client, Member, OrgProfile, OrgSettings, PermissionGrant, Subscription

pytestmark = pytest.mark.unit

OVERDUE = {
    "invoice_number": "INV-7",
    "due_date": "2026-02-01",
    "amount": "10.00",
    "currency": "EUR",
    "days_overdue": 28,
}


def grant(user_id: str, perm: str = "invoices:edit", *, email: str | None = None, phone: str | None = None):
    return PermissionGrant(
        permission=perm,
        user_id=user_id,
        name=user_id.title(),
        email=email or f"{user_id}@org.example",
        phone=phone,
    )


def member(user_id: str, *, email: str | None = "", phone: str | None = None, locale: str | None = None) -> Member:
    return Member(
        user_id=user_id,
        name=user_id.title(),
        email=f"{user_id}@org.example" if email == "" else email,
        phone=phone,
        locale=locale,
    )


def org(**kwargs) -> OrgProfile:
    return OrgProfile(name="Org", default_phone_region="PL", **kwargs)


def route(event_type: str, settings: OrgSettings, email_off=(), **detail):
    from notify_core.domain import catalog

    event = product_event(event_type, **detail)
    return routing.route(event, catalog.CATALOG[event_type], settings, email_off)


def by(result, **attrs):
    return sorted(
        (d.channel, d.address, d.status, d.skip_reason)
        for d in result.deliveries
        if all(getattr(d, k) == v for k, v in attrs.items())
    )


def test_permission_holders_get_email_and_inapp_and_nobody_else():
    settings = OrgSettings(ORG_ID, org(), grants={"invoices:edit": [grant("admin"), grant("ed")]})
    result = route("invoice.overdue", settings, data=OVERDUE)
    assert by(result) == [
        ("email", "admin@org.example", "queued", None),
        ("email", "ed@org.example", "queued", None),
        ("inapp", "admin", "queued", None),
        ("inapp", "ed", "queued", None),
    ]
    assert {d.reasons[0] for d in result.deliveries} == {"permission:invoices:edit"}
    assert [d.address for d in result.inapp] == ["admin", "ed"]


def test_the_email_switch_leaves_inapp_and_records_the_email_as_skipped():
    settings = OrgSettings(ORG_ID, org(), grants={"invoices:edit": [grant("ann")]})
    result = route("invoice.overdue", settings, email_off={"ann"}, data=OVERDUE)
    assert by(result) == [
        ("email", "ann@org.example", "skipped", "preference:email_off"),
        ("inapp", "ann", "queued", None),
    ]
    assert result.sendable == []


def test_slack_is_one_delivery_for_the_org_only_when_the_org_enabled_it():
    grants = {"invoices:edit": [grant("a"), grant("b")]}
    on = route("invoice.overdue", OrgSettings(ORG_ID, org(slack_enabled=True), grants=grants), data=OVERDUE)
    off = route("invoice.overdue", OrgSettings(ORG_ID, org(), grants=grants), data=OVERDUE)
    assert by(on, channel="slack") == [("slack", ORG_ID, "queued", None)]
    assert by(off, channel="slack") == []


def test_relations_name_members_and_unknown_users_are_skipped():
    settings = OrgSettings(ORG_ID, org(), members={"u7": member("u7", phone="+48512345678")})
    event = product_event("task.created", data={"task_title": "Replace screen"})
    event.detail.subject.relations.update(executor=["u7", "ghost"], author=["u2"])
    from notify_core.domain import catalog

    result = routing.route(event, catalog.CATALOG["task.created"], settings)
    assert {(d.channel, d.address) for d in result.deliveries} >= {("inapp", "u7"), ("email", "u7@org.example")}
    assert all(d.reasons == ["relation:executor"] for d in result.deliveries)
    assert routing.Skipped("unknown_member", "relation:executor names user 'ghost', not a member of the org") in (
        result.skipped
    )
    assert routing.member_ids_named(event, catalog.CATALOG["task.created"]) == {"u7", "ghost"}


def caretaking_settings() -> OrgSettings:
    client = Client(
        client_id="c1",
        name="Acme",
        account_manager="am",
        caretakers={"hr": ["hr1"], "accounting": ["acc1", "am"]},
        contact_ids=["ct1", "ct2", "ct3"],
    )
    return OrgSettings(
        ORG_ID,
        org(),
        client=client,
        members={u: member(u) for u in ("hr1", "acc1", "am")},
        contacts={
            "ct1": _consenting("ct1", email=True, sms=True),
            "ct2": _consenting("ct2", email=None, sms=None),
            "ct3": _consenting("ct3", email=True, sms=True, notify=False),
        },
    )


def _consenting(cid: str, *, email, sms, notify: bool = True):
    return contact(
        cid,
        emails=[(f"{cid}@client.example", "work")],
        phones=[("+48 512 345 67" + cid[-1], "work")],
        consent={k: v for k, v in (("email", email), ("sms", sms)) if v is not None},
        notify=notify,
    )


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("client.activity_hr", {"hr1@org.example"}),
        ("client.activity_accounting", {"acc1@org.example", "am@org.example"}),
        ("audit.finished", {"am@org.example"}),
    ],
)
def test_caretakers_and_account_manager_come_from_the_subjects_client(event_type, expected):
    from notify_core.domain import catalog

    event = product_event(event_type)
    event.detail.subject.client_id = "c1"
    result = routing.route(event, catalog.CATALOG[event_type], caretaking_settings())
    assert {d.address for d in result.deliveries if d.channel == "email"} == expected


def test_client_contacts_need_notify_and_consent_per_channel():
    from notify_core.domain import catalog

    event = product_event("appointment.reminder")
    event.detail.subject.client_id = "c1"
    result = routing.route(event, catalog.CATALOG["appointment.reminder"], caretaking_settings())
    assert by(result) == [
        ("email", "ct1@client.example", "queued", None),
        ("email", "ct2@client.example", "skipped", "no_consent:email"),
        ("email", "ct3@client.example", "skipped", "notify_off"),
        ("sms", "+48512345671", "queued", None),
        ("sms", "+48512345672", "skipped", "no_consent:sms"),
        ("sms", "+48512345673", "skipped", "notify_off"),
    ]


def test_an_event_about_an_unknown_client_reaches_nobody_and_says_why():
    settings = caretaking_settings()
    settings.client = None
    result = route("audit.finished", settings)
    assert result.deliveries == [] and result.skipped[0].reason == "unknown_client"


def test_buyers_only_on_channels_the_org_enabled_for_that_event():
    buyer = {"email": "b@buyer.example", "phone": "+375447001122", "events": ["invoice.issued"]}
    settings = OrgSettings(ORG_ID, org(buyer_channels={"invoice.issued": ["email"]}))
    result = route("invoice.issued", settings, recipients=[buyer])
    assert by(result) == [
        ("email", "b@buyer.example", "queued", None),
        ("sms", "+375447001122", "skipped", "channel_not_enabled_for_buyers"),
    ]


def test_an_org_can_switch_an_audience_off_for_an_event_type():
    settings = OrgSettings(
        ORG_ID, org(disabled_audiences={"task.created": ["relation:executor"]}), members={"u7": member("u7")}
    )
    event = product_event("task.created", data={"task_title": "x"})
    event.detail.subject.relations["executor"] = ["u7"]
    from notify_core.domain import catalog

    result = routing.route(event, catalog.CATALOG["task.created"], settings)
    assert result.deliveries == [] and result.skipped[0].reason == "audience_disabled"


def test_fixed_addresses_of_a_subscription_are_reached():
    sub = Subscription(
        group="activity.summary",
        scope="org",
        channels={},
        addresses={"email": ["Owner@Office.example"]},
    )
    result = route("activity.summary", OrgSettings(ORG_ID, org(), subscriptions=[sub]))
    assert by(result) == [("email", "owner@office.example", "queued", None)]
    assert result.deliveries[0].reasons == ["fixed_address:activity.summary@org"]


def test_every_accounting_caretaker_is_reached_once():
    from notify_core.domain import catalog

    settings = caretaking_settings()
    event = product_event("client.activity_accounting")
    event.detail.subject.client_id = "c1"
    settings.grants = {}
    result = routing.route(event, catalog.CATALOG["client.activity_accounting"], settings)
    [am] = [d for d in result.deliveries if d.address == "am@org.example"]
    assert am.reasons == ["caretaker:accounting:c1"]
    assert len([d for d in result.deliveries if d.channel == "email"]) == 2


def test_suppressed_addresses_are_skipped_with_the_reason():
    settings = OrgSettings(ORG_ID, org(), grants={"invoices:edit": [grant("a"), grant("b")]})
    result = route("invoice.overdue", settings, data=OVERDUE)
    result.apply_suppressions({("email", "a@org.example"): "bounce"})
    assert by(result, channel="email") == [
        ("email", "a@org.example", "skipped", "suppressed:bounce"),
        ("email", "b@org.example", "queued", None),
    ]


def test_a_preference_exclusion_yields_to_another_rule_that_selects_the_same_address():
    # Ann switched email off as a user, but the org also subscribed her work address explicitly.
    ann = contact("ann", emails=[("ann@org.example", "work")])
    sub = Subscription(
        group="payment.paid_or_reversed",
        scope="org",
        channels={"email": ["ann"]},
    )
    settings = OrgSettings(
        ORG_ID,
        org(),
        subscriptions=[sub],
        contacts={"ann": ann},
        grants={"payments:edit": [grant("ann", "payments:edit")]},
    )
    result = route("payment.paid", settings, email_off={"ann"})
    [email] = [d for d in result.deliveries if d.channel == "email"]
    assert email.status == "queued"
    assert sorted(email.reasons) == ["permission:payments:edit", "subscription:payment.paid_or_reversed@org"]
