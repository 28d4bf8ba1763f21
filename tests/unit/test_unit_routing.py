"""Who hears about an event: subscriptions by scope, event recipients, dedup, skips, stable delivery ids."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from unit_factories import (
    ORG_ID,
    PAID_OR_REVERSED,
    contact,
    endpoint,
    product_event,
    profile,
    settings,
    subscription,
)

from notify_core.domain import catalog, routing
from notify_core.domain.routing import Skipped, delivery_id, route

pytestmark = pytest.mark.unit

ORG_SUB = f"subscription:{PAID_OR_REVERSED}@org"


def _route(event_type: str, org, **event_kwargs) -> routing.RoutingResult:
    event = product_event(event_type, **event_kwargs)
    return route(event, catalog.CATALOG[event_type], org)


def _cells(result: routing.RoutingResult) -> set[tuple[str, str]]:
    return {(d.channel, d.address) for d in result.deliveries}


def anna(**kw):
    kw.setdefault("emails", [("anna.home@example.org", "personal"), ("Anna.Smith@Hutki.example", "work")])
    kw.setdefault("phones", [("+375 29 123-45-67", "work")])
    return contact("anna", name="Anna Smith", **kw)


# --- subscriptions -------------------------------------------------------------------------------------


def test_org_subscription_reaches_contacts_work_email_over_personal():
    org = settings(subscriptions=[subscription({"email": ["anna"]})], contacts=[anna()])
    result = _route("payment.paid", org)

    [d] = result.deliveries
    assert d.channel == "email"
    assert d.address == "anna.smith@hutki.example"
    assert d.recipient_name == "Anna Smith"
    assert d.reasons == [ORG_SUB]
    assert d.error_code is None
    assert d.endpoint_id is None
    assert d.delivery_id == delivery_id(ORG_ID, "evt-0001", "email", "anna.smith@hutki.example")
    assert result.skipped == []
    assert result.sendable == [d]
    assert result.failed == []


def test_contact_with_only_personal_addresses_gets_them():
    c = contact(
        "boris",
        emails=[("boris@example.org", "personal"), ("b2@example.org", "personal")],
        phones=[("+375 44 765-43-21", "personal")],
    )
    org = settings(subscriptions=[subscription({"email": ["boris"], "sms": ["boris"]})], contacts=[c])
    assert _cells(_route("payment.paid", org)) == {("email", "boris@example.org"), ("sms", "+375447654321")}


def _scoped_org():
    names = ["c-org", "c-s1", "c-p1", "c-p2", "c-s2"]
    scopes = ["org", "service#s1", "point#p1", "point#p2", "service#s2"]
    return settings(
        subscriptions=[subscription({"email": [n]}, scope=s) for n, s in zip(names, scopes, strict=True)],
        contacts=[contact(n, emails=[(f"{n}@hutki.example", "work")]) for n in names],
    )


@pytest.mark.parametrize(
    ("service_id", "point_id", "reached"),
    [
        ("s1", "p1", {"c-org", "c-s1", "c-p1"}),
        ("s1", None, {"c-org", "c-s1"}),
        ("s2", "p2", {"c-org", "c-s2", "c-p2"}),
        (None, None, {"c-org"}),
    ],
)
def test_scope_rule_event_reaches_its_point_its_service_and_the_org(service_id, point_id, reached):
    result = _route("payment.paid", _scoped_org(), service_id=service_id, point_id=point_id)
    assert {d.address for d in result.deliveries} == {f"{n}@hutki.example" for n in reached}
    [org_delivery] = [d for d in result.deliveries if d.address == "c-org@hutki.example"]
    assert org_delivery.reasons == [ORG_SUB]


def test_matching_scopes():
    event = product_event("payment.paid", service_id="s1", point_id="p1")
    assert routing.matching_scopes(event) == {"org", "service#s1", "point#p1"}
    assert routing.matching_scopes(product_event("payment.paid")) == {"org"}


def _all_channels_org():
    return settings(
        subscriptions=[subscription({"email": ["anna"], "sms": ["anna"], "webhook": ["erp"]})],
        contacts=[anna()],
        endpoints=[endpoint("erp", "https://erp.hutki.example/hooks/notify")],
    )


def test_payment_paid_reaches_every_cell_of_paid_or_reversed():
    result = _route("payment.paid", _all_channels_org())
    assert _cells(result) == {
        ("email", "anna.smith@hutki.example"),
        ("sms", "+375291234567"),
        ("webhook", "https://erp.hutki.example/hooks/notify"),
    }
    [hook] = [d for d in result.deliveries if d.channel == "webhook"]
    assert hook.endpoint_id == "erp"
    assert hook.reasons == [ORG_SUB]


@pytest.mark.parametrize("event_type", ["refund.created", "refund.status_changed"])
def test_refund_events_reach_email_and_sms_cells_but_not_webhook(event_type):
    result = _route(event_type, _all_channels_org())
    assert _cells(result) == {("email", "anna.smith@hutki.example"), ("sms", "+375291234567")}
    assert result.skipped == []


def test_event_recipients_are_ignored_for_event_types_without_that_audience():
    org = settings(subscriptions=[subscription({"email": ["anna"]})], contacts=[anna()])
    result = _route("payment.paid", org, recipients=[{"email": "payer@example.com"}])
    assert _cells(result) == {("email", "anna.smith@hutki.example")}


# --- dedup and delivery ids ----------------------------------------------------------------------------


def test_same_address_from_two_subscriptions_is_one_delivery_with_both_reasons():
    org = settings(
        subscriptions=[subscription({"email": ["anna"]}), subscription({"email": ["anna"]}, scope="service#s1")],
        contacts=[anna()],
    )
    result = _route("payment.paid", org, service_id="s1")
    [d] = result.deliveries
    assert d.address == "anna.smith@hutki.example"
    assert sorted(d.reasons) == sorted([ORG_SUB, f"subscription:{PAID_OR_REVERSED}@service#s1"])


def test_two_contacts_sharing_an_address_differently_spelt_get_one_delivery():
    org = settings(
        subscriptions=[subscription({"email": ["anna", "desk"]})],
        contacts=[anna(), contact("desk", emails=[("ANNA.SMITH@hutki.EXAMPLE", "work")])],
    )
    result = _route("payment.paid", org)
    assert [(d.address, d.reasons) for d in result.deliveries] == [("anna.smith@hutki.example", [ORG_SUB])]


def test_contact_and_event_recipient_with_the_same_address_are_one_delivery():
    org = settings(subscriptions=[subscription({"email": ["anna"]}, group="buyer.invoice")], contacts=[anna()])
    result = _route("invoice.issued", org, recipients=[{"email": "anna.smith@HUTKI.example"}])
    [d] = result.deliveries
    assert d.address == "anna.smith@hutki.example"
    assert sorted(d.reasons) == ["event_recipient", "subscription:buyer.invoice@org"]


def test_national_and_international_forms_of_a_phone_are_one_delivery():
    org = settings(subscriptions=[subscription({"sms": ["anna"]}, group="buyer.invoice")], contacts=[anna()])
    result = _route("invoice.issued", org, recipients=[{"phone": "80291234567"}])
    assert [(d.channel, d.address) for d in result.deliveries] == [("sms", "+375291234567")]
    assert sorted(result.deliveries[0].reasons) == ["event_recipient", "subscription:buyer.invoice@org"]


def test_delivery_ids_are_stable_across_calls():
    first = _route("payment.paid", _all_channels_org())
    second = _route("payment.paid", _all_channels_org())
    assert [d.delivery_id for d in first.deliveries] == [d.delivery_id for d in second.deliveries]
    assert all(re.fullmatch(r"dlv_[0-9a-f]{32}", d.delivery_id) for d in first.deliveries)
    assert len({d.delivery_id for d in first.deliveries}) == 3


def test_delivery_ids_differ_per_event_and_org():
    a = {d.delivery_id for d in _route("payment.paid", _all_channels_org(), event_id="evt-A").deliveries}
    b = {d.delivery_id for d in _route("payment.paid", _all_channels_org(), event_id="evt-B").deliveries}
    assert len(a) == len(b) == 3
    assert a.isdisjoint(b)


def test_delivery_id_depends_on_every_part():
    base = delivery_id("org-1", "evt-1", "email", "a@example.com")
    variants = {
        delivery_id("org-2", "evt-1", "email", "a@example.com"),
        delivery_id("org-1", "evt-2", "email", "a@example.com"),
        delivery_id("org-1", "evt-1", "sms", "a@example.com"),
        delivery_id("org-1", "evt-1", "email", "b@example.com"),
        # no ambiguity from concatenation
        delivery_id("org-1e", "vt-1", "email", "a@example.com"),
    }
    assert base == delivery_id("org-1", "evt-1", "email", "a@example.com")
    assert len(variants) == 5
    assert base not in variants


# --- skips ---------------------------------------------------------------------------------------------


def test_unknown_or_unusable_targets_are_skipped_with_reasons_and_others_still_routed():
    org = settings(
        subscriptions=[
            subscription(
                {
                    "email": ["ghost", "anna"],
                    "sms": ["boris", "anna"],
                    "webhook": ["missing", "old", "erp"],
                }
            )
        ],
        contacts=[anna(), contact("boris", emails=[("boris@hutki.example", "work")])],
        endpoints=[
            endpoint("erp", "https://erp.hutki.example/hooks"),
            endpoint("old", "https://old.hutki.example/hooks", enabled=False),
        ],
    )
    result = _route("payment.paid", org)

    assert _cells(result) == {
        ("email", "anna.smith@hutki.example"),
        ("sms", "+375291234567"),
        ("webhook", "https://erp.hutki.example/hooks"),
    }
    assert sorted(result.skipped, key=lambda s: s.reason) == [
        Skipped("endpoint_disabled", "endpoint 'old'"),
        Skipped("no_address", "contact 'boris' has no sms address"),
        Skipped("unknown_contact", f"{ORG_SUB} names contact 'ghost'"),
        Skipped("unknown_endpoint", f"{ORG_SUB} names endpoint 'missing'"),
    ]


# --- event recipients ----------------------------------------------------------------------------------


def test_event_recipients_get_only_what_they_opted_into():
    recipients = [
        # 0: ticked email only, for invoice.issued
        {
            "name": "Buyer",
            "email": "Buyer@Example.com",
            "phone": "+375291112233",
            "channels": ["email"],
            "events": ["invoice.issued"],
        },
        # 1: opted into invoice.paid only
        {"email": "other@example.com", "events": ["invoice.paid"]},
        # 2: no channels named: every channel it has an address for
        {"phone": "+375 33 555-66-77"},
        # 3: asks for sms without a phone
        {"email": "nophone@example.com", "channels": ["sms"]},
        # 4: ticked nothing
        {"email": "quiet@example.com", "channels": []},
    ]
    result = _route("invoice.issued", settings(), recipients=recipients)

    assert {(d.channel, d.address, d.recipient_name) for d in result.deliveries} == {
        ("email", "buyer@example.com", "Buyer"),
        ("sms", "+375335556677", None),
    }
    assert all(d.reasons == ["event_recipient"] for d in result.deliveries)
    assert result.skipped == [
        Skipped("not_opted_in", "recipients[1] did not opt into invoice.issued"),
        Skipped("no_address", "recipients[3] has no sms address"),
    ]


def test_the_same_recipient_opted_into_invoice_paid_gets_it():
    recipients = [{"email": "other@example.com", "events": ["invoice.paid"]}]
    assert _cells(_route("invoice.paid", settings(), recipients=recipients)) == {("email", "other@example.com")}
    assert _cells(_route("invoice.issued", settings(), recipients=recipients)) == set()


def test_recipient_channel_outside_the_event_types_channels_is_skipped():
    email_only = dataclasses.replace(catalog.CATALOG["invoice.issued"], channels=frozenset({"email"}))
    event = product_event("invoice.issued", recipients=[{"email": "b@example.com", "phone": "+375291112233"}])
    result = route(event, email_only, settings())
    assert _cells(result) == {("email", "b@example.com")}
    assert result.skipped == [Skipped("channel_not_allowed", "recipients[0]: sms")]


# --- invalid addresses ---------------------------------------------------------------------------------


def test_invalid_email_and_phone_become_failed_deliveries_not_dropped():
    bad = contact("bad", emails=[("not-an-email", "work")], phones=[("12345", "work")])
    org = settings(
        subscriptions=[subscription({"email": ["bad", "anna"], "sms": ["bad", "anna"]})], contacts=[bad, anna()]
    )
    result = _route("payment.paid", org)

    assert {(d.channel, d.address) for d in result.sendable} == {
        ("email", "anna.smith@hutki.example"),
        ("sms", "+375291234567"),
    }
    failed = {(d.channel, d.address): d for d in result.failed}
    assert set(failed) == {("email", "not-an-email"), ("sms", "12345")}
    for (channel, address), d in failed.items():
        assert d.error_code == "invalid_address"
        assert d.error_detail
        assert d.reasons == [ORG_SUB]
        assert d.delivery_id == delivery_id(ORG_ID, "evt-0001", channel, address)
    assert failed[("email", "not-an-email")].error_detail == "An email address must have an @-sign."
    assert result.skipped == []


def test_invalid_event_recipient_address_is_a_failed_delivery():
    result = _route("invoice.issued", settings(), recipients=[{"email": "buyer@", "phone": "+375291112233"}])
    assert {(d.channel, d.address, d.error_code) for d in result.deliveries} == {
        ("email", "buyer@", "invalid_address"),
        ("sms", "+375291112233", None),
    }


def test_whitespace_padded_address_does_not_swallow_the_valid_one():
    padded = contact("anna", emails=[(" anna@example.com ", "work")])
    org = settings(subscriptions=[subscription({"email": ["anna"]}, group="buyer.invoice")], contacts=[padded])
    result = _route("invoice.issued", org, recipients=[{"email": "anna@example.com"}])
    assert [d.address for d in result.sendable] == ["anna@example.com"]


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("8 029 123 45 67", "BY", "+375291234567"),
        ("80291234567", "BY", "+375291234567"),
        ("029 123-45-67", "BY", "+375291234567"),
        ("+375 (29) 123-45-67", None, "+375291234567"),
        ("+1 650 253 0000", "BY", "+16502530000"),
    ],
)
def test_phone_numbers_normalised_with_the_orgs_default_region(number, region, expected):
    org = settings(
        org_profile=profile(default_phone_region=region),
        subscriptions=[subscription({"sms": ["c"]})],
        contacts=[contact("c", phones=[(number, "work")])],
    )
    [d] = _route("payment.paid", org).deliveries
    assert (d.address, d.error_code) == (expected, None)


def test_national_number_without_default_region_is_invalid_address():
    org = settings(
        org_profile=profile(default_phone_region=None),
        subscriptions=[subscription({"sms": ["c"]})],
        contacts=[contact("c", phones=[("8 029 123 45 67", "work")])],
    )
    [d] = _route("payment.paid", org).deliveries
    assert (d.address, d.error_code) == ("8 029 123 45 67", "invalid_address")


# --- locale --------------------------------------------------------------------------------------------


def _locale_org(org_locale: str = "en", **profile_kw):
    return settings(
        org_profile=profile(locale=org_locale, **profile_kw),
        subscriptions=[subscription({"email": ["ru", "plain"]}, group="buyer.invoice")],
        contacts=[
            contact("ru", emails=[("ru@hutki.example", "work")], locale="ru"),
            contact("plain", emails=[("plain@hutki.example", "work")]),
        ],
    )


def _locales(result) -> dict[str, str]:
    return {d.address: d.locale for d in result.deliveries}


def test_locale_contact_over_event_over_org():
    recipients = [{"email": "be@example.com", "locale": "be"}, {"email": "buyer@example.com"}]
    assert _locales(_route("invoice.issued", _locale_org("en"), locale="de", recipients=recipients)) == {
        "ru@hutki.example": "ru",
        "plain@hutki.example": "de",
        "be@example.com": "be",
        "buyer@example.com": "de",
    }
    assert _locales(_route("invoice.issued", _locale_org("ru-BY"), recipients=recipients)) == {
        "ru@hutki.example": "ru",
        "plain@hutki.example": "ru-BY",
        "be@example.com": "be",
        "buyer@example.com": "ru-BY",
    }


def test_without_an_org_profile_locale_is_english_and_names_fall_back():
    org = settings(
        no_profile=True,
        subscriptions=[subscription({"email": ["c"]})],
        contacts=[contact("c", emails=[("c@hutki.example", "work")])],
    )
    event = product_event("payment.paid")
    [d] = route(event, catalog.CATALOG["payment.paid"], org).deliveries
    assert d.locale == "en"
    message = routing.queue_message(event, d, org)
    assert message["org"] == {"name": ORG_ID, "email_from": None}


# --- queue message -------------------------------------------------------------------------------------


def test_queue_message_carries_what_senders_need():
    org = _all_channels_org()
    event = product_event("payment.paid", service_id="s1", point_id="p1", actor={"id": "erip", "type": "system"})
    result = route(event, catalog.CATALOG["payment.paid"], org)
    by_channel = {d.channel: d for d in result.deliveries}

    hook = routing.queue_message(event, by_channel["webhook"], org)
    assert hook == {
        "delivery_id": delivery_id(ORG_ID, "evt-0001", "webhook", "https://erp.hutki.example/hooks/notify"),
        "org_id": ORG_ID,
        "event_id": "evt-0001",
        "event_type": "payment.paid",
        "channel": "webhook",
        "address": "https://erp.hutki.example/hooks/notify",
        "recipient_name": None,
        "endpoint_id": "erp",
        "user_id": None,
        "locale": "en",
        "reasons": [ORG_SUB],
        "org": {"name": "Hutki Water", "email_from": "billing@hutki.example"},
        "event": {
            "source": "payments",
            "occurred_at": "2026-03-01T10:15:00+00:00",
            "subject": {
                "type": "payment",
                "id": "subj-981",
                "scope": {"service_id": "s1", "point_id": "p1"},
                "relations": {},
            },
            "actor": {"id": "erip", "type": "system", "name": None},
            "data": catalog.CATALOG["payment.paid"].example,
        },
    }
    email = routing.queue_message(event, by_channel["email"], org)
    assert (email["address"], email["recipient_name"], email["endpoint_id"]) == (
        "anna.smith@hutki.example",
        "Anna Smith",
        None,
    )
    assert "error_code" not in email
    # it travels as JSON through SQS
    assert json.loads(json.dumps(email)) == email


def test_queue_message_of_a_failed_delivery_carries_the_error():
    org = settings(
        subscriptions=[subscription({"email": ["bad"]})], contacts=[contact("bad", emails=[("bad@", "work")])]
    )
    event = product_event("payment.paid")
    [d] = route(event, catalog.CATALOG["payment.paid"], org).deliveries
    message = routing.queue_message(event, d, org)
    assert message["error_code"] == "invalid_address"
    assert message["error_detail"] == d.error_detail
    assert message["address"] == "bad@"


def test_a_delivery_in_a_locale_the_org_has_its_own_template_for_names_it_in_its_message():
    org = settings(
        subscriptions=[subscription({"email": ["ru", "pl"], "sms": ["ru"]})],
        contacts=[
            contact("ru", emails=[("ru@hutki.example", "work")], phones=[("+375291234567", "work")], locale="ru-BY"),
            contact("pl", emails=[("pl@hutki.example", "work")], locale="pl"),
        ],
    )
    org.template_overrides = frozenset({"payment.paid/email/ru"})
    event = product_event("payment.paid")
    result = route(event, catalog.CATALOG["payment.paid"], org)
    messages = {(d.channel, d.address): routing.queue_message(event, d, org) for d in result.deliveries}
    assert messages[("email", "ru@hutki.example")]["template_override"] == "payment.paid/email/ru"  # ru-BY -> ru
    assert "template_override" not in messages[("email", "pl@hutki.example")]  # the platform's Polish
    assert "template_override" not in messages[("sms", "+375291234567")]  # no SMS template of its own
