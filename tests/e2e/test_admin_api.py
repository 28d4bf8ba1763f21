"""The admin API's behaviours one by one, over HTTP through the local API Gateway play (JWT authorizer, throttling,
payload 2.0 events) into the real handler: the settings document's ETag and dry run, the directory's edits and
their refusals, paging with cursors, the caller's email switch, and every error the API defines."""

from __future__ import annotations

import pytest

from notify_local.api_server import ApiClient, TokenBucket

pytestmark = pytest.mark.e2e

ORG = "api-org"


def document(**extra: object) -> dict:
    return {
        "org_id": ORG,
        "name": "Api Org",
        "email_from": "billing@api.example",
        "contacts": [
            {"id": "anna", "name": "Anna", "emails": [{"address": "anna@api.example"}]},
            {"id": "boris", "name": "Boris", "phones": [{"number": "+375291234567"}]},
        ],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["anna"]}}],
        "members": [
            {"user_id": "u-admin", "name": "Admin", "email": "admin@api.example", "roles": ["admin"]},
            {"user_id": "u-reader", "name": "Reader", "roles": []},
        ],
        **extra,
    }


@pytest.fixture
def api(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(document())
    return notify_runtime.api_client("u-admin")


def test_import_needs_the_current_etag_and_a_dry_run_lists_the_changes_without_storing(notify_runtime, api):
    exported = api.get(f"/orgs/{ORG}/settings")
    etag = exported.headers["etag"]
    changed = exported.json()
    changed["contacts"] = [c for c in changed["contacts"] if c["id"] != "boris"]
    changed["contacts"].append({"id": "carla", "name": "Carla", "emails": [{"address": "carla@api.example"}]})
    changed["name"] = "Api Org Ltd"

    dry = api.put(f"/orgs/{ORG}/settings", changed, query={"dry_run": "true"})
    assert dry.status == 200
    assert sorted((c["op"], c["path"]) for c in dry.json()["changes"]) == [
        ("add", "contacts/carla"),
        ("change", "name"),
        ("remove", "contacts/boris"),
    ]
    assert api.get(f"/orgs/{ORG}/settings").headers["etag"] == etag  # nothing stored

    assert api.put(f"/orgs/{ORG}/settings", changed).status == 428  # no If-Match
    stale = api.put(f"/orgs/{ORG}/settings", changed, headers={"If-Match": '"0123"'})
    assert stale.status == 409 and stale.json()["error"] == "conflict"
    done = api.put(f"/orgs/{ORG}/settings", changed, headers={"If-Match": etag})
    assert done.status == 200 and done.json()["etag"] != etag
    assert api.get(f"/orgs/{ORG}/settings").headers["etag"] == done.json()["etag"]
    assert [c["id"] for c in notify_runtime.admin.settings.export(ORG)["contacts"]] == ["anna", "carla"]
    # The ETag the import answered is now the only one that works: a second import with the first one conflicts.
    assert api.put(f"/orgs/{ORG}/settings", changed, headers={"If-Match": etag}).status == 409


def test_a_document_with_a_bad_address_is_refused_naming_where(api):
    doc = api.get(f"/orgs/{ORG}/settings")
    bad = doc.json()
    bad["contacts"][0]["emails"][0]["address"] = "anna@@api"
    r = api.put(f"/orgs/{ORG}/settings", bad, headers={"If-Match": doc.headers["etag"]})
    assert r.status == 400
    assert "contacts[0].emails[0].address 'anna@@api' is not an email address" in r.text
    wrong_org = api.put(f"/orgs/{ORG}/settings", {**doc.json(), "org_id": "other"}, query={"dry_run": "true"})
    assert wrong_org.status == 400 and wrong_org.json()["fields"][0]["field"] == "body.org_id"


def test_members_and_contacts_page_with_cursors_and_refuse_what_would_break_the_org(notify_runtime, api):
    for n in range(5):
        assert api.put(f"/orgs/{ORG}/contacts/c{n}", {"id": f"c{n}", "name": f"C{n}"}).status == 200
    seen, cursor = [], None
    for _ in range(10):
        page = api.get(f"/orgs/{ORG}/contacts", query={"limit": 3, "cursor": cursor}).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["anna", "boris", "c0", "c1", "c2", "c3", "c4"]
    # A cursor of another list is refused, never used to start this one.
    first = api.get(f"/orgs/{ORG}/members", query={"limit": 1}).json()
    assert first["next_cursor"]
    misused = api.get(f"/orgs/{ORG}/contacts", query={"cursor": first["next_cursor"]})
    assert misused.status == 400 and misused.json()["fields"][0]["field"] == "query.cursor"

    # Anna is chosen in a cell: removing her is a conflict that says where.
    r = api.delete(f"/orgs/{ORG}/contacts/anna")
    assert r.status == 409 and "payment.paid_or_reversed@org.email" in r.json()["message"]
    assert api.delete(f"/orgs/{ORG}/contacts/c4").status == 204
    assert api.delete(f"/orgs/{ORG}/contacts/c4").status == 404
    # The last admin cannot be demoted or removed; promoting another first makes it possible.
    demote = {"user_id": "u-admin", "name": "Admin", "roles": []}
    assert api.put(f"/orgs/{ORG}/members/u-admin", demote).status == 409
    assert api.delete(f"/orgs/{ORG}/members/u-admin").status == 409
    promote = {"user_id": "u-reader", "name": "Reader", "roles": ["admin"]}
    assert api.put(f"/orgs/{ORG}/members/u-reader", promote).status == 200
    assert api.put(f"/orgs/{ORG}/members/u-admin", demote).status == 200
    assert api.put(f"/orgs/{ORG}/members/u-admin", demote).status == 403  # no longer an admin: read only
    # A bad phone on a contact names the field.
    bad = notify_runtime.api_client("u-reader").put(
        f"/orgs/{ORG}/contacts/zed", {"id": "zed", "name": "Zed", "phones": [{"number": "12"}]}
    )
    assert bad.status == 400 and "phones[0].number" in bad.text


def test_the_email_switch_is_the_callers_own_and_spans_every_org(notify_runtime, api):
    notify_runtime.apply_settings({**document(), "org_id": "api-org-2", "name": "Second"})
    assert api.get("/me").json() == {"user_id": "u-admin", "email_enabled": True}
    assert api.put("/me/email", {"enabled": False}).json() == {"user_id": "u-admin", "email_enabled": False}
    assert notify_runtime.admin.users.email_off(["u-admin", "u-reader"]) == {"u-admin"}
    # Nothing in the request can name another user: an unknown field is refused.
    r = api.put("/me/email", {"enabled": True, "user_id": "u-reader"})
    assert r.status == 400 and r.json()["fields"][0]["field"].startswith("body")
    assert notify_runtime.admin.users.email_off(["u-reader"]) == set()


def test_errors_are_defined_and_never_a_trace(notify_runtime, api):
    url = api.base_url
    assert ApiClient(url, None).get(f"/orgs/{ORG}/settings").json() == {"message": "Unauthorized"}
    assert ApiClient(url, "not-a-jwt").get("/me").status == 401
    invalid = api.get(f"/orgs/{ORG}/deliveries", query={"channel": "fax", "limit": 0})
    assert invalid.status == 400
    fields = {f["field"] for f in invalid.json()["fields"]}
    assert fields == {"query.channel", "query.limit"}
    assert api.get("/no/such/route").status == 404
    big = api.put("/me/email", raw=b'{"enabled": true, "pad": "' + b"x" * 300_000 + b'"}')
    assert big.status == 413 and big.json()["error"] == "too_large"
    assert api.put("/me/email", raw=b"{not json").status == 400
    # A failure of ours: 500 with the request id, no traceback, no table name, no AWS error text.
    notify_runtime.inject_aws_error("dynamodb", "Query", "InternalServerError", status=500, times=50, function="api")
    failed = api.get(f"/orgs/{ORG}/members")
    assert failed.status == 500
    assert failed.json()["error"] == "internal" and "request" in failed.json()["message"]
    for leak in ("Traceback", "notify-settings", "InternalServerError", "File "):
        assert leak not in failed.text


def test_throttling_answers_429_as_api_gateway_does(notify_runtime, api):
    server = notify_runtime.api_server
    saved = server.bucket
    server.bucket = TokenBucket(rate_per_s=0.001, burst=2)
    try:
        statuses = [api.get("/me").status for _ in range(3)]
    finally:
        server.bucket = saved
    assert statuses == [200, 200, 429]


def test_the_pytest_fixture_gives_an_api_client(notify_runtime, notify_api):
    notify_runtime.apply_settings(document())
    assert notify_api("u-reader").get(f"/orgs/{ORG}/members").json()["items"][0]["user_id"] == "u-admin"
    assert notify_api("u-reader").put("/me/email", {"enabled": False}).json()["email_enabled"] is False


def test_the_sms_report_is_csv_of_the_orgs_sms(notify_runtime, api):
    r = api.get(f"/orgs/{ORG}/reports/sms", query={"from": "2020-01-01", "to": "2099-12-31"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("created_at")


def test_chat_connections_store_their_secret_in_ssm_and_never_answer_it(notify_runtime, api):
    import boto3

    url = "https://hooks.slack.com/services/T1/B1/secret-part"
    r = api.put(f"/orgs/{ORG}/connections/slack", {"enabled": True, "webhook_url": url})
    assert r.json() == {"slack": {"enabled": True}, "telegram": {"enabled": False}}
    assert "secret-part" not in r.text and "secret-part" not in api.get(f"/orgs/{ORG}/settings").text
    name = f"/notify/chat-secrets/{ORG}/slack"
    stored = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    assert stored == url
    bad = api.put(f"/orgs/{ORG}/connections/telegram", {"bot_token": "not a token"})
    assert bad.status == 400 and bad.json()["fields"][0]["field"] == "body.bot_token"
    assert api.delete(f"/orgs/{ORG}/connections/slack").status == 204
    assert api.get(f"/orgs/{ORG}/connections").json()["slack"] == {"enabled": False}
    assert api.delete(f"/orgs/{ORG}/connections/slack").status == 404
