"""The admin API's pure rules (``domain.admin_api``) and its committed OpenAPI document (``schemas/openapi.json``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from notify_core.domain import admin_api as rules
from notify_core.domain.org_settings import Contact, Member, OrgDirectory, OrgProfile, Subscription, Tagged
from notify_core.handlers.api.app import API_VERSION, openapi_document
from notify_core.handlers.api.openapi_compat import breaking_changes

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


# ---------------------------------------------------------------------------------------------------- callers
def test_a_person_is_the_user_name_of_the_verified_token_and_groups_arrive_as_api_gateway_strings():
    caller = rules.Caller.from_claims(
        {"username": "u-anna", "client_id": "c1", "cognito:groups": "[notify-operators admins]"}, ["x"]
    )
    assert (caller.kind, caller.id, caller.is_operator) == ("user", "u-anna", True)
    assert rules.Caller.from_claims({"cognito:username": "u-bob"}).id == "u-bob"  # an ID token
    machine = rules.Caller.from_claims({"client_id": "svc", "scope": "notify/send"})
    assert (machine.kind, machine.scopes, machine.is_operator) == ("client", frozenset({"notify/send"}), False)
    with pytest.raises(rules.Unauthorized):
        rules.Caller.from_claims({})


def test_the_orgs_directory_decides_read_write_or_not_found():
    anna = rules.Caller("user", "u-anna")
    admin = Member(user_id="u-anna", name="Anna", roles=("admin",))
    reader = Member(user_id="u-anna", name="Anna", roles=())
    assert rules.access_for("acme", anna, admin).can_write is True
    access = rules.access_for("acme", anna, reader)
    assert access.can_write is False
    with pytest.raises(rules.Forbidden):
        access.require_write()
    with pytest.raises(rules.NotFound):  # not a member: as if the org did not exist
        rules.access_for("acme", anna, None)
    with pytest.raises(rules.NotFound):  # a product service not registered for the org
        rules.access_for("acme", rules.Caller("client", "svc"), None)


# ---------------------------------------------------------------------------------------------------- cursors
def test_a_cursor_works_only_on_the_org_and_list_it_came_from():
    cursor = rules.encode_cursor("acme", "members", "u-k")
    assert rules.decode_cursor(cursor, "acme", "members") == "u-k"
    assert rules.decode_cursor(None, "acme", "members") is None
    for org, kind, value in (("globex", "members", cursor), ("acme", "contacts", cursor), ("acme", "members", "%%")):
        with pytest.raises(rules.Invalid) as exc:
            rules.decode_cursor(value, org, kind)
        assert exc.value.fields == [{"field": "query.cursor", "message": "unknown"}]


def test_if_match_must_be_the_current_etag():
    tag = rules.etag({"org_id": "acme", "name": "Acme"})
    assert tag == rules.etag({"name": "Acme", "org_id": "acme"})  # canonical: key order does not matter
    assert tag != rules.etag({"org_id": "acme", "name": "Acme Ltd"})
    rules.check_if_match(tag, tag)
    with pytest.raises(rules.Conflict):
        rules.check_if_match('"stale"', tag)
    with pytest.raises(rules.PreconditionRequired):
        rules.check_if_match(None, tag)


# ----------------------------------------------------------------------------------------------------- matrix
def test_the_matrix_shows_every_allowed_cell_per_scope_and_refuses_contacts_without_the_address():
    directory = OrgDirectory(
        org_id="acme",
        profile=OrgProfile(name="Acme"),
        contacts=[
            Contact(contact_id="anna", name="Anna", emails=(Tagged("anna@acme.example"),)),
            Contact(contact_id="boris", name="Boris", phones=(Tagged("+375291234567"),)),
        ],
        subscriptions=[
            Subscription(group="payment.paid_or_reversed", scope="point#shop-1", channels={"email": ("anna",)})
        ],
    )
    m = rules.matrix(directory)
    assert list(m.scopes) == ["org", "point:shop-1"]
    cells = {(c.group, c.channel): c.targets for c in m.scopes["point:shop-1"]}
    assert cells[("payment.paid_or_reversed", "email")] == ("anna",)
    assert ("payment.paid_or_reversed", "webhook") in cells and ("payment.paid_or_reversed", "sms") in cells
    assert rules.group_channels("payment.paid_or_reversed") == ("email", "sms", "webhook")
    contacts = {c.contact_id: c for c in directory.contacts}
    assert rules.contact_problems("sms", ["boris"], contacts, []) == []
    assert rules.contact_problems("sms", ["anna", "ghost"], contacts, []) == [
        {"field": "body.targets[0]", "message": "contact 'anna' has no phone number: add one to the contact first"},
        {"field": "body.targets[1]", "message": "no contact 'ghost' in this org: add the contact first"},
    ]
    assert rules.contact_problems("email", ["boris"], contacts, [])[0]["message"].startswith(
        "contact 'boris' has no email address"
    )
    assert rules.contact_problems("webhook", ["erp"], contacts, ["erp"]) == []


# ----------------------------------------------------------------------------------------------------- OpenAPI
def test_the_committed_openapi_document_is_the_codes():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == openapi_document(), "schemas/openapi.json is stale: run make openapi"
    assert committed["info"]["version"] == API_VERSION


def test_the_codes_document_breaks_nothing_the_committed_one_promised_unless_the_major_was_bumped():
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    new = openapi_document()
    if int(new["info"]["version"].split(".")[0]) == int(committed["info"]["version"].split(".")[0]):
        assert breaking_changes(committed, new) == []


def test_every_route_but_the_public_ones_requires_the_token():
    doc = openapi_document()
    assert doc["security"] == [{"cognito": []}]
    for path, ops in doc["paths"].items():
        for op in ops.values():
            if path.startswith("/public/"):
                assert op.get("security") == [], path
            else:
                assert op.get("security") in (None, [{"cognito": []}]), path


@pytest.fixture(scope="module")
def doc() -> dict:
    return openapi_document()


def test_removing_a_route_is_breaking(doc):
    new = copy.deepcopy(doc)
    del new["paths"]["/orgs/{org_id}/quarantine"]["get"]
    assert breaking_changes(doc, new) == ["GET /orgs/{org_id}/quarantine: route removed"]
    assert breaking_changes(new, doc) == []  # adding one is not


def test_removing_a_response_field_or_narrowing_an_accepted_value_is_breaking(doc):
    new = copy.deepcopy(doc)
    schemas = new["components"]["schemas"]
    del schemas["Me"]["properties"]["email_enabled"]
    assert any("GET /me response 200.email_enabled: removed" in p for p in breaking_changes(doc, new))

    new = copy.deepcopy(doc)
    channel = next(p for p in new["paths"]["/orgs/{org_id}/deliveries"]["get"]["parameters"] if p["name"] == "channel")
    enum_holder = next(v for v in channel["schema"]["anyOf"] if "enum" in v)
    enum_holder["enum"] = [v for v in enum_holder["enum"] if v != "telegram"]
    problems = breaking_changes(doc, new)
    assert any("query parameter 'channel'" in p and "telegram" in p for p in problems), problems
    assert breaking_changes(new, doc) == []  # accepting one more value is additive

    new = copy.deepcopy(doc)
    new["components"]["schemas"]["CellEdit"]["properties"]["targets"]["maxItems"] = 10
    assert any("request body.targets: maxItems lowered to 10" in p for p in breaking_changes(doc, new))

    new = copy.deepcopy(doc)
    new["components"]["schemas"]["EmailSwitch"]["required"] = ["enabled", "reason"]
    assert any("now requires ['reason']" in p for p in breaking_changes(doc, new))


def test_write_refuses_a_breaking_change_without_a_major_bump(tmp_path, monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("openapi_script", COMMITTED.parents[1] / "scripts" / "openapi.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    target = tmp_path / "openapi.json"
    monkeypatch.setattr(script, "COMMITTED", target)
    promised = openapi_document()
    promised["paths"]["/orgs/{org_id}/gone"] = {"get": {"responses": {"200": {"description": "x"}}}}
    target.write_text(script.render(promised))
    assert script.main(["--write"]) == 1
    assert "GET /orgs/{org_id}/gone: route removed" in capsys.readouterr().err
    assert json.loads(target.read_text()) == promised  # nothing written
    bumped = openapi_document()
    monkeypatch.setattr(script, "openapi_document", lambda: {**bumped, "info": {**bumped["info"], "version": "2.0.0"}})
    assert script.main(["--write"]) == 0
    assert script.main([]) == 0
