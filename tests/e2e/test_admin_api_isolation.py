"""Tenant isolation and roles, route by route, over HTTP through the local API Gateway play.

- **Every** org-scoped route of the OpenAPI document, called with org A's admin token on org B's resources,
  answers 404 (as if org B did not exist), and org B's settings, deliveries and inbox are unchanged afterwards.
- Routes of org A naming org B's resource ids (a delivery, an inbox item) answer 404 too.
- **Every** write route, called by a member of org A who is not an admin, answers 403, and nothing changes.

The route table below must name every route the document has: a new route without a line here fails the test.
"""

from __future__ import annotations

import pytest

from notify_core.handlers.api.app import openapi_document
from notify_core.handlers.api.routers.inbox import item_id
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

A, B = "iso-a", "iso-b"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"
# Routes that name no org: the caller's own preferences, and the public area.
# (One-click unsubscribe acts on what its signed token names, whoever calls: tests/e2e/test_unsubscribe_e2e.py.)
NOT_ORG_SCOPED = {
    ("GET", "/me"),
    ("PUT", "/me/email"),
    ("GET", "/public/health"),
    ("GET", "/console"),
    ("GET", "/console/app.js"),
    ("GET", "/public/unsubscribe"),
    ("POST", "/public/unsubscribe"),
}
# Writes that are the caller's own business (their own inbox): any member may make them.
MEMBERS_OWN_WRITES = {("POST", "/orgs/{org_id}/inbox/{item}/read"), ("POST", "/orgs/{org_id}/inbox/read-all")}
TEMPLATE = "/orgs/{org_id}/templates/{event_type}/{channel}/{locale}"
# POSTs that change nothing: any member may call them.
MEMBER_READS_BY_POST = {("POST", TEMPLATE + "/preview")}
EMAIL_TEMPLATE = (
    "{% block subject %}Paid {{ data.amount }}{% endblock %}{% block text %}Paid by {{ data.payer_name }}"
    "{% endblock %}{% block html %}<p>Paid</p>{% endblock %}"
)


def document(org: str, admin: str, reader: str | None = None) -> dict:
    members = [{"user_id": admin, "name": "Admin", "email": f"{admin}@{org}.example", "roles": ["admin"]}]
    if reader:
        members.append({"user_id": reader, "name": "Reader", "email": f"{reader}@{org}.example", "roles": []})
    return {
        "org_id": org,
        "name": org,
        "email_from": f"billing@{org}.example",
        "publishers": {"sources": ["product"]},
        "contacts": [{"id": "boss", "name": "Boss", "emails": [{"address": f"boss@{org}.example"}]}],
        "webhook_endpoints": [{"id": "erp", "url": f"https://erp.{org}.example/hook"}],
        "slack": {"enabled": True, "webhook_url": SLACK},
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["boss"]}}],
        "members": members,
    }


def routes(ids: dict[str, str], doc: dict) -> dict[tuple[str, str], dict]:
    """(method, path template) -> how to call it: path values, query, body (valid: validation answers before access)."""
    return {
        ("GET", "/orgs/{org_id}/settings"): {},
        ("PUT", "/orgs/{org_id}/settings"): {"body": doc, "headers": {"If-Match": "*"}},
        ("GET", "/orgs/{org_id}/members"): {},
        ("PUT", "/orgs/{org_id}/members/{user_id}"): {"body": {"user_id": ids.get("user_id", "u"), "name": "Renamed"}},
        ("DELETE", "/orgs/{org_id}/members/{user_id}"): {},
        ("GET", "/orgs/{org_id}/contacts"): {},
        ("PUT", "/orgs/{org_id}/contacts/{contact_id}"): {"body": {"id": "boss", "name": "Boss II"}},
        ("DELETE", "/orgs/{org_id}/contacts/{contact_id}"): {},
        ("GET", "/orgs/{org_id}/subscriptions"): {},
        ("PUT", "/orgs/{org_id}/subscriptions/{scope}/{group}/{channel}"): {"body": {"targets": []}},
        ("GET", "/orgs/{org_id}/deliveries"): {},
        ("GET", "/orgs/{org_id}/deliveries/{delivery_id}"): {},
        ("POST", "/orgs/{org_id}/deliveries/{delivery_id}/replay"): {},
        ("POST", "/orgs/{org_id}/replays"): {"body": {"since": "2020-01-01"}},
        ("GET", "/orgs/{org_id}/reports/sms"): {"query": {"from": "2020-01-01", "to": "2099-12-31"}},
        ("GET", "/orgs/{org_id}/inbox"): {},
        ("GET", "/orgs/{org_id}/inbox/unread-count"): {},
        ("POST", "/orgs/{org_id}/inbox/{item}/read"): {},
        ("POST", "/orgs/{org_id}/inbox/read-all"): {},
        ("GET", "/orgs/{org_id}/quarantine"): {},
        ("GET", "/orgs/{org_id}/webhook-endpoints"): {},
        ("PUT", "/orgs/{org_id}/webhook-endpoints/{endpoint_id}/enabled"): {"body": {"enabled": False}},
        ("GET", "/orgs/{org_id}/webhook-endpoints/{endpoint_id}/deliveries"): {},
        ("GET", "/orgs/{org_id}/connections"): {},
        ("PUT", "/orgs/{org_id}/connections/slack"): {"body": {"enabled": True, "webhook_url": SLACK}},
        ("PUT", "/orgs/{org_id}/connections/telegram"): {"body": {"enabled": False}},
        ("DELETE", "/orgs/{org_id}/connections/{kind}"): {},
        # The boss: a person of both orgs (the same address in each: B's stays whatever A's admin asks).
        ("POST", "/orgs/{org_id}/erasure"): {"body": {"email": f"boss@{B}.example"}},
        ("POST", "/orgs/{org_id}/webhook-endpoints/{endpoint_id}/rotate-secret"): {"body": {"grace_hours": 1}},
        ("POST", "/orgs/{org_id}/webhook-endpoints/{endpoint_id}/ping"): {},
        ("GET", "/orgs/{org_id}/templates"): {},
        ("GET", TEMPLATE): {},
        ("PUT", TEMPLATE): {"body": {"source": EMAIL_TEMPLATE}},
        ("DELETE", TEMPLATE): {},
        ("POST", TEMPLATE + "/preview"): {"body": {}},
        ("POST", TEMPLATE + "/test"): {},
        ("POST", "/orgs/{org_id}/connections/{kind}/test"): {"body": {}},
    }


def call(client, method: str, template: str, values: dict[str, str], spec: dict):  # type: ignore[no-untyped-def]
    path = template.format(**values)
    return client.request(method, path, spec.get("body"), query=spec.get("query"), headers=spec.get("headers"))


@pytest.fixture
def two_orgs(notify_runtime):  # type: ignore[no-untyped-def]
    rt = notify_runtime
    rt.apply_settings(document(A, "u-a-admin", "u-a-reader"))
    rt.apply_settings(document(B, "u-b-admin"))
    put_event(rt, "payment.paid", make_detail("pay-b", org=B))  # a delivery and an inbox item of B
    put_event(rt, "payment.paid", make_detail("pay-b-bad", org=B), source="intruder")  # quarantined, in B
    rt.wait_idle()
    for org in (A, B):  # each org has a template of its own
        saved = rt.api_client(f"u-{org[-1]}-admin").put(
            f"/orgs/{org}/templates/payment.paid/email/ru", {"source": EMAIL_TEMPLATE}
        )
        assert saved.status == 201, saved
    delivery = next(d for d in rt.deliveries() if d["org_id"] == B)
    [item] = rt.admin.inbox.list_items(B, "u-b-admin")
    ids = {
        "user_id": "u-b-admin",
        "contact_id": "boss",
        "scope": "org",
        "group": "payment.paid_or_reversed",
        "channel": "email",
        "delivery_id": delivery["delivery_id"],
        "item": item_id(item.sk),
        "endpoint_id": "erp",
        "kind": "slack",
        "event_type": "payment.paid",
        "locale": "ru",
    }
    return rt, ids


def snapshot(rt, org: str, user: str) -> tuple:  # type: ignore[no-untyped-def]
    deliveries = sorted(
        (d["delivery_id"], d["status"], d.get("replay_count")) for d in rt.deliveries() if d["org_id"] == org
    )
    inbox = [(i.sk, i.read) for i in rt.admin.inbox.list_items(org, user)]
    templates = rt.api_client(f"u-{org[-1]}-admin").get(f"/orgs/{org}/templates").json()
    return rt.admin.settings.export(org), deliveries, inbox, templates


def test_the_route_table_names_every_route_of_the_document():
    documented = {(m.upper(), p) for p, ops in openapi_document()["paths"].items() for m in ops}
    assert documented == set(routes({}, {})) | NOT_ORG_SCOPED


def test_every_route_answers_404_for_another_orgs_resources(two_orgs):
    rt, ids = two_orgs
    a_admin = rt.api_client("u-a-admin")
    b_before = snapshot(rt, B, "u-b-admin")
    doc_b = rt.admin.settings.export(B)
    answered = {}
    for (method, template), spec in routes(ids, doc_b).items():
        r = call(a_admin, method, template, {**ids, "org_id": B}, spec)
        answered[(method, template)] = r.status
        assert r.json()["error"] == "not_found", (method, template, r)
        assert f"{B}.example" not in r.text and ids["delivery_id"] not in r.text  # none of B's data in the answer
    assert set(answered.values()) == {404}, answered
    assert snapshot(rt, B, "u-b-admin") == b_before  # nothing of B was read into an answer, nothing changed

    # Org A's own routes, naming org B's resource ids: as missing as anything that does not exist.
    for method, template in (
        ("GET", "/orgs/{org_id}/deliveries/{delivery_id}"),
        ("POST", "/orgs/{org_id}/deliveries/{delivery_id}/replay"),
        ("POST", "/orgs/{org_id}/inbox/{item}/read"),
    ):
        r = call(a_admin, method, template, {**ids, "org_id": A}, {})
        assert r.status == 404, (method, template, r)
    assert snapshot(rt, B, "u-b-admin") == b_before
    # And B's own admin sees B's: the 404s above were about who asked, not about what exists.
    b_admin = rt.api_client("u-b-admin")
    assert b_admin.get(f"/orgs/{B}/deliveries/{ids['delivery_id']}").status == 200
    assert [q["reason"] for q in b_admin.get(f"/orgs/{B}/quarantine").json()["items"]] == ["source_not_allowed"]
    assert a_admin.get(f"/orgs/{A}/quarantine").json()["items"] == []


def test_every_write_route_answers_403_to_a_member_who_is_not_an_admin(two_orgs):
    rt, ids = two_orgs
    reader = rt.api_client("u-a-reader")
    a_ids = {**ids, "org_id": A, "user_id": "u-a-admin"}
    doc_a = rt.admin.settings.export(A)
    before = snapshot(rt, A, "u-a-admin")
    table = routes(a_ids, doc_a)
    own = MEMBERS_OWN_WRITES | MEMBER_READS_BY_POST
    writes = [(m, t, s) for (m, t), s in table.items() if m != "GET" and (m, t) not in own]
    assert len(writes) == 19
    for method, template, spec in writes:
        r = call(reader, method, template, a_ids, spec)
        assert r.status == 403, (method, template, r)
        assert r.json()["error"] == "forbidden"
    assert snapshot(rt, A, "u-a-admin") == before
    # Reads are every member's.
    for (method, template), spec in table.items():
        if (method == "GET" and "{delivery_id}" not in template) or (method, template) in MEMBER_READS_BY_POST:
            assert call(reader, method, template, a_ids, spec).status == 200, template
