"""Routing rules held by no other test until the mutation run (``make mutate``) found them: who is reached, on
which channel, and why; what one rule's exclusion means for another; and that one odd recipient, audience or
cell never costs the ones after it."""

from __future__ import annotations

import dataclasses

import pytest
from unit_factories import ORG_ID, contact, endpoint, product_event, profile, settings, subscription

from notify_core.domain import catalog, routing
from notify_core.domain.org_settings import Client, Member, OrgSettings, PermissionGrant, Subscription
from notify_core.domain.routing import Delivery, RoutingResult, Skipped

pytestmark = pytest.mark.unit

TASK = {"task_title": "Replace screen"}


def _route(event_type: str, org: OrgSettings, email_off=(), *, event_type_def=None, relations=None, **detail):
    event = product_event(event_type, **detail)
    if relations:
        event.detail.subject.relations.update(relations)
    return routing.route(event, event_type_def or catalog.CATALOG[event_type], org, email_off)


def _cells(result: RoutingResult) -> set[tuple[str, str, str, str | None]]:
    return {(d.channel, d.address, d.status, d.skip_reason) for d in result.deliveries}


def _member(user_id: str, **kw) -> Member:
    kw.setdefault("email", f"{user_id}@org.example")
    return Member(user_id=user_id, name=user_id.title(), **kw)


def _org(*, members=(), grants=None, client=None, contacts=(), subscriptions=(), **profile_kw) -> OrgSettings:
    profile_kw.setdefault("default_phone_region", "PL")
    return OrgSettings(
        ORG_ID,
        profile(**profile_kw),
        subscriptions=list(subscriptions),
        contacts={c.contact_id: c for c in contacts},
        members={m.user_id: m for m in members},
        grants=grants or {},
        client=client,
    )


# --- members: the event type's channels, and only those -------------------------------------------------


def test_a_member_is_reached_on_every_channel_the_event_type_allows():
    u7 = _member("u7", phone="+48 512 345 678", telegram="123456789")
    result = _route(
        "task.created", _org(members=[u7], telegram_enabled=True), relations={"executor": ["u7"]}, data=TASK
    )
    assert _cells(result) == {
        ("email", "u7@org.example", "queued", None),
        ("inapp", "u7", "queued", None),
        ("sms", "+48512345678", "queued", None),
        ("telegram", "123456789", "queued", None),
    }
    assert {(d.user_id, tuple(d.reasons)) for d in result.deliveries} == {("u7", ("relation:executor",))}


def test_a_member_is_not_reached_on_channels_the_event_type_does_not_carry():
    # user.activity: email and in-app only, so the member's phone and chat id are not used
    u1 = _member("u1", phone="+48 512 345 678", telegram="123456789")
    result = _route("user.activity", _org(members=[u1], telegram_enabled=True), actor={"id": "u1"})
    assert _cells(result) == {("email", "u1@org.example", "queued", None), ("inapp", "u1", "queued", None)}


def test_a_chat_id_is_not_used_for_an_event_type_without_telegram():
    # payment.paid carries SMS but not Telegram: a holder with a chat id and no phone gets neither
    holder = PermissionGrant("payments:edit", "ann", "Ann", email="ann@org.example", telegram="123456789")
    result = _route("payment.paid", _org(grants={"payments:edit": [holder]}, telegram_enabled=True))
    assert _cells(result) == {("email", "ann@org.example", "queued", None), ("inapp", "ann", "queued", None)}


def test_a_member_without_an_email_address_gets_the_other_channels():
    u7 = _member("u7", email=None, phone="+48 512 345 678")
    result = _route("task.created", _org(members=[u7]), relations={"executor": ["u7"]}, data=TASK)
    assert {(d.channel, d.address) for d in result.deliveries} == {("inapp", "u7"), ("sms", "+48512345678")}


def test_a_member_hears_in_their_own_locale_else_the_orgs():
    members = [_member("u7", locale="pl"), _member("u8")]
    result = _route("task.created", _org(members=members, locale="de"), relations={"executor": ["u7", "u8"]}, data=TASK)
    assert {(d.channel, d.address, d.locale) for d in result.deliveries} == {
        ("email", "u7@org.example", "pl"),
        ("inapp", "u7", "pl"),
        ("email", "u8@org.example", "de"),
        ("inapp", "u8", "de"),
    }


def test_a_members_chat_id_is_normalised_and_an_invalid_one_fails():
    members = [_member("u7", email=None, telegram="@FixIt_Staff"), _member("u8", email=None, telegram="fixit")]
    result = _route(
        "task.created", _org(members=members, telegram_enabled=True), relations={"executor": ["u7", "u8"]}, data=TASK
    )
    telegram = {(d.address, d.status, d.error_code) for d in result.deliveries if d.channel.startswith("telegram")}
    assert telegram == {("@fixit_staff", "queued", None), ("fixit", "failed", "invalid_address")}


# --- exclusions: one rule's "no" against another's "yes" -------------------------------------------------


def test_a_member_with_email_off_stays_excluded_when_two_rules_pick_them():
    # executor and manager of the same order: two reasons, the same user-level switch against both
    u7 = _member("u7")
    result = _route(
        "order.status_changed",
        _org(members=[u7]),
        {"u7"},
        relations={"executor": ["u7"], "manager": ["u7"]},
        data={"order_number": "A-1", "status": "ready"},
    )
    [email] = [d for d in result.deliveries if d.channel == "email"]
    assert (email.status, email.skip_reason) == ("skipped", "preference:email_off")
    assert sorted(email.reasons) == ["relation:executor", "relation:manager"]
    assert result.sendable == []
    assert [d.address for d in result.inapp] == ["u7"]


def _ann_as_member_and_contact(audiences: tuple[str, ...]) -> RoutingResult:
    ann = contact("ann", emails=[("ann@org.example", "work")])
    holder = PermissionGrant("payments:edit", "ann", "Ann", email="ann@org.example")
    org = _org(
        contacts=[ann],
        subscriptions=[subscription({"email": ["ann"]})],
        grants={"payments:edit": [holder]},
    )
    paid = dataclasses.replace(catalog.CATALOG["payment.paid"], audiences=audiences)
    return _route("payment.paid", org, event_type_def=paid)


@pytest.mark.parametrize(
    "audiences", [("subscribers", "permission:payments:edit"), ("permission:payments:edit", "subscribers")]
)
def test_an_address_that_is_a_members_belongs_to_the_member_whichever_rule_found_it_first(audiences):
    [email] = [d for d in _ann_as_member_and_contact(audiences).deliveries if d.channel == "email"]
    assert email.user_id == "ann"
    assert sorted(email.reasons) == ["permission:payments:edit", "subscription:payment.paid_or_reversed@org"]


def test_an_invalid_address_is_logged_as_invalid_even_when_a_preference_excludes_it():
    holder = PermissionGrant("invoices:edit", "ann", "Ann", email="ann@")
    event = product_event("invoice.overdue", data=dict(catalog.CATALOG["invoice.overdue"].example))
    org = _org(grants={"invoices:edit": [holder]})
    result = routing.route(event, catalog.CATALOG["invoice.overdue"], org, {"ann"})
    [email] = [d for d in result.deliveries if d.channel == "email"]
    assert (email.status, email.error_code, email.skip_reason) == ("failed", "invalid_address", None)
    assert routing.queue_message(event, email, org)["error_code"] == "invalid_address"


def test_a_suppression_applies_to_queued_deliveries_only():
    holders = [
        PermissionGrant("invoices:edit", "off", "Off", email="off@org.example"),
        PermissionGrant("invoices:edit", "bad", "Bad", email="bad@"),
        PermissionGrant("invoices:edit", "on", "On", email="on@org.example"),
    ]
    event = product_event("invoice.overdue", data=dict(catalog.CATALOG["invoice.overdue"].example))
    org = _org(grants={"invoices:edit": holders})
    result = routing.route(event, catalog.CATALOG["invoice.overdue"], org, {"off"})
    result.apply_suppressions(
        {("email", "off@org.example"): "bounce", ("email", "bad@"): "bounce", ("email", "on@org.example"): "bounce"}
    )
    logged = {
        d.address: (d.status, routing.queue_message(event, d, org).get("error_code"))
        for d in result.deliveries
        if d.channel == "email"
    }
    assert logged == {
        "off@org.example": ("skipped", "preference:email_off"),  # the first reason stays the one recorded
        "bad@": ("failed", "invalid_address"),
        "on@org.example": ("skipped", "suppressed:bounce"),
    }


def test_every_delivery_is_in_exactly_one_of_sendable_inapp_failed_and_excluded():
    def delivery(channel: str, address: str, **kw) -> Delivery:
        return Delivery(delivery_id=f"dlv_{channel}_{address}", channel=channel, address=address, locale="en", **kw)

    deliveries = [
        delivery("email", "queued@x.example"),
        delivery("email", "failed@", error_code="invalid_address"),
        delivery("email", "off@x.example", skip_reason="preference:email_off"),
        delivery("inapp", "u1"),
        delivery("inapp", "u2", skip_reason="suppressed:test"),
        delivery("inapp", "u3", error_code="template_error"),
    ]
    result = RoutingResult(deliveries, [])
    assert [d.address for d in result.sendable] == ["queued@x.example"]
    assert [d.address for d in result.inapp] == ["u1"]
    assert [d.address for d in result.failed] == ["failed@", "u3"]
    assert [d.address for d in result.excluded] == ["off@x.example", "u2"]


def test_a_subscribed_contact_is_excluded_only_by_an_explicit_no():
    people = [
        contact("yes", phones=[("+48 512 345 671", "work")], consent={"sms": True}),
        contact("unsaid", phones=[("+48 512 345 672", "work")]),
        contact("no", phones=[("+48 512 345 673", "work")], consent={"sms": False, "email": True}),
    ]
    org = _org(contacts=people, subscriptions=[subscription({"sms": ["yes", "unsaid", "no"]})])
    assert _cells(_route("payment.paid", org)) == {
        ("sms", "+48512345671", "queued", None),
        ("sms", "+48512345672", "queued", None),
        ("sms", "+48512345673", "skipped", "no_consent:sms"),
    }


# --- Telegram and Slack: set up per org -------------------------------------------------------------------


def test_an_org_without_a_profile_has_no_bot_so_telegram_is_skipped_and_invalid_ids_still_fail():
    members = {"u7": _member("u7", email=None, telegram="123456789"), "u8": _member("u8", email=None, telegram="x")}
    org = OrgSettings(ORG_ID, None, members=members)
    event = product_event("task.created", data=TASK)
    event.detail.subject.relations["executor"] = ["u7", "u8"]
    result = routing.route(event, catalog.CATALOG["task.created"], org)
    telegram = {d.address: d for d in result.deliveries if d.channel.startswith("telegram")}
    assert (telegram["123456789"].status, telegram["123456789"].skip_reason) == ("skipped", "telegram_not_enabled")
    assert telegram["x"].status == "failed"
    assert routing.queue_message(event, telegram["x"], org)["error_code"] == "invalid_address"


def test_slack_hears_only_about_event_types_that_carry_slack():
    org = settings(org_profile=profile(slack_enabled=True), subscriptions=[], contacts=[])
    assert [d.channel for d in _route("payment.paid", org).deliveries] == ["slack"]
    assert _route("payment.reversed", org).deliveries == []  # email, SMS and webhooks only


# --- audiences --------------------------------------------------------------------------------------------


def test_an_audience_the_org_switched_off_does_not_silence_the_ones_after_it():
    members = [_member("u7"), _member("u9")]
    data = {"order_number": "A-1", "status": "ready"}
    relations = {"executor": ["u7"], "manager": ["u9"]}
    for disabled, heard in (("client_contacts", {"u7", "u9"}), ("relation:executor", {"u9"})):
        org = _org(members=members, disabled_audiences={"order.status_changed": (disabled,)})
        result = _route("order.status_changed", org, relations=relations, data=data)
        assert {d.address for d in result.inapp} == heard
        assert [s for s in result.skipped if s.reason == "audience_disabled"] == [
            Skipped("audience_disabled", f"the org switched {disabled} off for order.status_changed")
        ]


def test_the_actor_is_reached_and_loaded_by_id():
    org = _org(members=[_member("u1")])
    result = _route("user.activity", org, actor={"id": "u1", "name": "Olga"})
    assert {(d.channel, d.address, tuple(d.reasons)) for d in result.deliveries} == {
        ("email", "u1@org.example", ("actor",)),
        ("inapp", "u1", ("actor",)),
    }
    event_type = catalog.CATALOG["user.activity"]
    assert routing.member_ids_named(product_event("user.activity", actor={"id": "u1"}), event_type) == {"u1"}


def test_an_event_without_an_actor_reaches_no_actor_and_loads_nobody():
    result = _route("user.activity", _org(members=[_member("u1")]))
    assert (result.deliveries, result.skipped) == ([], [])
    assert routing.member_ids_named(product_event("user.activity"), catalog.CATALOG["user.activity"]) == set()


def test_an_actor_who_is_not_a_member_is_skipped_with_the_reason():
    result = _route("user.activity", _org(), actor={"id": "ghost"})
    assert result.skipped == [Skipped("unknown_member", "actor names user 'ghost', not a member of the org")]


def test_the_actor_is_loaded_only_for_event_types_that_reach_the_actor():
    event = product_event("task.created", data=TASK, actor={"id": "u1"})
    event.detail.subject.relations["executor"] = ["u7"]
    assert routing.member_ids_named(event, catalog.CATALOG["task.created"]) == {"u7"}


def test_an_audience_routing_does_not_know_is_an_error_not_a_silence():
    odd = dataclasses.replace(catalog.CATALOG["audit.finished"], audiences=("auditors",))
    client = Client("c1", "Acme", account_manager="am")
    with pytest.raises(ValueError, match="unknown audience 'auditors'"):
        _route("audit.finished", _org(client=client), event_type_def=odd)


@pytest.mark.parametrize(("client_id", "named"), [("c9", "c9"), (None, "no client_id")])
def test_an_unknown_client_is_skipped_naming_what_the_subject_said(client_id, named):
    event = product_event("audit.finished")
    event.detail.subject.client_id = client_id
    result = routing.route(event, catalog.CATALOG["audit.finished"], _org())
    assert result.skipped == [
        Skipped("unknown_client", f"account_manager: the subject names no known client ({named})")
    ]


def test_a_client_without_an_account_manager_reaches_nobody_and_that_is_no_problem():
    event = product_event("audit.finished")
    event.detail.subject.client_id = "c1"
    result = routing.route(event, catalog.CATALOG["audit.finished"], _org(client=Client("c1", "Acme")))
    assert (result.deliveries, result.skipped) == ([], [])


# --- a client's contacts ----------------------------------------------------------------------------------


def _client_event(event_type: str):
    event = product_event(event_type)
    event.detail.subject.client_id = "c1"
    return event


def test_a_client_naming_an_unknown_contact_still_reaches_the_contacts_after_it():
    people = [
        contact("ct1", emails=[("ct1@client.example", "work")], consent={"email": True}),
        contact("ct3", emails=[("ct3@client.example", "work")], consent={"email": True}),
    ]
    org = _org(client=Client("c1", "Acme", contact_ids=("ct1", "gone", "ct3")), contacts=people)
    result = routing.route(_client_event("approval.requested"), catalog.CATALOG["approval.requested"], org)
    assert [d.address for d in result.sendable] == ["ct1@client.example", "ct3@client.example"]
    assert result.skipped == [Skipped("unknown_contact", "client 'c1' names contact 'gone'")]


def test_a_clients_contact_is_offered_only_the_event_types_channels():
    # approval.requested: email (and in-app, for members); the contact's phone and chat id are not used
    person = contact(
        "ct1",
        emails=[("ct1@client.example", "work")],
        phones=[("+48 512 345 671", "work")],
        telegram="123456789",
        consent={"email": True, "sms": True, "telegram": True},
    )
    org = _org(client=Client("c1", "Acme", contact_ids=("ct1",)), contacts=[person], telegram_enabled=True)
    result = routing.route(_client_event("approval.requested"), catalog.CATALOG["approval.requested"], org)
    assert _cells(result) == {("email", "ct1@client.example", "queued", None)}


def test_a_contact_with_notify_off_is_recorded_in_their_own_locale_else_the_orgs():
    people = [
        contact("ru", emails=[("ru@client.example", "work")], locale="ru", notify=False),
        contact("plain", emails=[("plain@client.example", "work")], notify=False),
    ]
    org = _org(client=Client("c1", "Acme", contact_ids=("ru", "plain")), contacts=people, locale="de")
    result = routing.route(_client_event("approval.requested"), catalog.CATALOG["approval.requested"], org)
    assert {(d.address, d.skip_reason, d.locale) for d in result.deliveries} == {
        ("ru@client.example", "notify_off", "ru"),
        ("plain@client.example", "notify_off", "de"),
    }


# --- subscriptions ----------------------------------------------------------------------------------------


def test_a_cell_on_a_channel_the_event_type_does_not_carry_does_not_hide_the_next_cell():
    # refunds ride on payment.paid_or_reversed but carry no webhooks: the webhook cell (first) is passed over
    anna = contact("anna", emails=[("anna@org.example", "work")])
    sub = subscription({"webhook": ["erp"], "email": ["anna"]})
    org = settings(subscriptions=[sub], contacts=[anna], endpoints=[endpoint("erp", "https://erp.example/hooks")])
    assert _cells(_route("refund.created", org)) == {("email", "anna@org.example", "queued", None)}


def test_fixed_addresses_on_a_channel_the_event_type_does_not_carry_are_ignored():
    sub = Subscription(
        group="activity.summary",
        scope="org",
        addresses={"sms": ("+48 512 345 678",), "email": ("owner@office.example",)},
    )
    result = _route("activity.summary", _org(subscriptions=[sub]))
    assert _cells(result) == {("email", "owner@office.example", "queued", None)}


def test_endpoints_disabled_or_not_taking_the_event_type_are_skipped_with_the_reason():
    endpoints = [
        endpoint("gone", "https://gone.example/hooks", enabled=False, disabled_reason="gone"),
        endpoint("refunds", "https://refunds.example/hooks", event_types=("refund.created",)),
        endpoint("paid", "https://paid.example/hooks", event_types=("payment.paid",)),
    ]
    org = settings(subscriptions=[subscription({"webhook": ["gone", "refunds", "paid"]})], endpoints=endpoints)
    result = _route("payment.paid", org)
    assert [(d.address, d.endpoint_id) for d in result.sendable] == [("https://paid.example/hooks", "paid")]
    assert result.skipped == [
        Skipped("endpoint_disabled", "endpoint 'gone' (gone)"),
        Skipped("endpoint_filtered", "endpoint 'refunds' does not take payment.paid"),
    ]


# --- recipients on the event ------------------------------------------------------------------------------


def test_buyers_of_an_org_without_a_profile_are_recorded_as_not_enabled():
    org = OrgSettings(ORG_ID, None)
    result = _route("invoice.issued", org, recipients=[{"email": "b@buyer.example"}])
    assert _cells(result) == {("email", "b@buyer.example", "skipped", "channel_not_enabled_for_buyers")}


def test_a_recipients_unusable_channel_does_not_cost_it_the_next_one():
    enabled = {"invoice.issued": ("email", "sms"), "invoice.expiring": ("email",)}
    org = _org(buyer_channels=enabled)
    no_phone = {"email": "b@buyer.example", "channels": ["sms", "email"]}
    result = _route("invoice.issued", org, recipients=[no_phone])
    assert _cells(result) == {("email", "b@buyer.example", "queued", None)}
    assert result.skipped == [Skipped("no_address", "recipients[0] has no sms address")]

    # invoice.expiring carries email only: the SMS asked for first is refused, the email still goes
    both = {"email": "b@buyer.example", "phone": "+48 512 345 678", "channels": ["sms", "email"]}
    result = _route("invoice.expiring", org, recipients=[both])
    assert _cells(result) == {("email", "b@buyer.example", "queued", None)}
    assert result.skipped == [Skipped("channel_not_allowed", "recipients[0]: sms")]


def test_relation_and_caretaker_audiences_of_the_catalog_name_one_thing():
    # Routing takes what follows the first ':' as the relation or department: a ':' inside it would be a typo.
    for event_type in catalog.CATALOG.values():
        for audience in event_type.audiences:
            kind, _, name = audience.partition(":")
            if kind in ("relation", "caretaker"):
                assert name and ":" not in name, (event_type.name, audience)
