"""A large audience routes in pages: a later page resolves only its permission's holders, and says nothing that is
said once per event (the org's Slack channel) again."""

from __future__ import annotations

import dataclasses

import pytest
from unit_factories import contact, product_event, profile, settings, subscription

from notify_core.domain import catalog
from notify_core.domain.org_settings import PermissionGrant
from notify_core.domain.routing import route

pytestmark = pytest.mark.unit

PAID = catalog.CATALOG["payment.paid"]  # audiences: subscribers, permission:payments:edit; slack among its channels


def holders(*user_ids: str) -> list[PermissionGrant]:
    return [PermissionGrant("payments:edit", u, u.title(), email=f"{u}@hutki.example") for u in user_ids]


def first_page():
    s = settings(
        subscriptions=[subscription({"email": ["anna"]})],
        contacts=[contact("anna", emails=[("anna@buyer.example", "work")])],
        org_profile=profile(slack_enabled=True),
    )
    s.grants["payments:edit"] = holders("u1", "u2")
    return s


def test_the_first_page_routes_every_audience_and_the_org_channel():
    result = route(product_event("payment.paid"), PAID, first_page())
    targets = {(d.channel, d.address) for d in result.deliveries}
    assert ("email", "anna@buyer.example") in targets and ("email", "u1@hutki.example") in targets
    assert any(d.channel == "slack" for d in result.deliveries)


def test_a_later_page_routes_only_its_holders():
    page = dataclasses.replace(first_page(), grants={"payments:edit": holders("u3", "u4")})
    result = route(product_event("payment.paid"), PAID, page, page_of="permission:payments:edit")
    assert {(d.channel, d.address) for d in result.deliveries if d.channel == "email"} == {
        ("email", "u3@hutki.example"),
        ("email", "u4@hutki.example"),
    }
    assert not any(d.channel == "slack" for d in result.deliveries)  # said once, on the first page
    assert {d.user_id for d in result.deliveries if d.channel == "inapp"} == {"u3", "u4"}


def test_a_page_of_an_audience_the_event_type_does_not_have_is_refused():
    with pytest.raises(ValueError, match="not an audience"):
        route(product_event("payment.paid"), PAID, first_page(), page_of="permission:invoices:edit")
