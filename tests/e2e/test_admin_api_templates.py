"""An org's own templates end to end, over HTTP through the local API server and the real delivery path.

An admin saves a Russian email (and SMS) template for payment.paid through the API; an event published with boto3
``put_events`` reaches a Russian-speaking contact with the override's text, read back from moto; another org still
gets the platform's template; broken templates are refused 400 naming why; a delete restores the platform's; the
preview renders through the same sandbox; a test send reaches the caller's own address through the email sender and
is in the delivery log.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

OWN, OTHER = "tpl-own", "tpl-other"
ADMIN, READER = "u-tpl-admin", "u-tpl-reader"
RU_EMAIL = """{% block subject %}Оплата получена: {{ data.amount | money(data.currency) }}{% endblock %}
{% block text %}{{ org.name }} благодарит {{ data.payer_name }}. Платёж {{ data.payment_id }} зачислен.{% endblock %}
{% block html %}<p>{{ org.name }} благодарит <b>{{ data.payer_name }}</b>.</p>{% endblock %}"""
RU_SMS = "{% block text %}{{ org.name }}: оплата {{ data.amount }} {{ data.currency }} зачислена{% endblock %}"
TEMPLATE = "/orgs/{org}/templates/payment.paid/{channel}/ru"


def document(org: str) -> dict:
    return {
        "org_id": org,
        "name": f"Org {org}",
        "email_from": f"billing@{org}.example",
        "default_phone_region": "BY",
        "publishers": {"sources": ["product"]},
        "contacts": [
            {
                "id": "olga",
                "name": "Ольга",
                "locale": "ru",
                "emails": [{"address": f"olga@{org}.example"}],
                "phones": [{"number": "+375291112233" if org == OWN else "+375291112244"}],
            }
        ],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["olga"], "sms": ["olga"]}}],
        "members": [
            {"user_id": ADMIN, "name": "Admin", "email": f"admin@{org}.example", "roles": ["admin"]},
            {"user_id": READER, "name": "Reader", "roles": []},
        ],
    }


@pytest.fixture
def orgs(notify_runtime):  # type: ignore[no-untyped-def]
    rt = notify_runtime
    rt.apply_settings(document(OWN))
    rt.apply_settings(document(OTHER))
    return rt


def emails_to(rt, address: str) -> list:  # type: ignore[no-untyped-def]
    return rt.outbox().emails_to(address)


def test_an_orgs_own_template_reaches_its_recipients_and_only_theirs(orgs):
    rt = orgs
    admin = rt.api_client(ADMIN)
    for channel, source in (("email", RU_EMAIL), ("sms", RU_SMS)):
        saved = admin.put(TEMPLATE.format(org=OWN, channel=channel), {"source": source})
        assert saved.status == 201, saved
        assert saved.json()["version"] == 1 and saved.headers["etag"] == '"v1"'
    listed = admin.get(f"/orgs/{OWN}/templates").json()
    assert [(t["event_type"], t["channel"], t["locale"]) for t in listed["items"]] == [
        ("payment.paid", "email", "ru"),
        ("payment.paid", "sms", "ru"),
    ]
    assert admin.get(f"/orgs/{OTHER}/templates").json()["items"] == []

    put_event(rt, "payment.paid", make_detail("tpl-pay-1", org=OWN))
    put_event(rt, "payment.paid", make_detail("tpl-pay-2", org=OTHER))
    rt.wait_idle()

    [own] = emails_to(rt, f"olga@{OWN}.example")
    assert own.subject == "Оплата получена: 120.50 BYN"
    # In the platform's layout, the event's data escaped (PAID_DATA's payer is "Ivan <b>Petrov</b> & Sons").
    assert f"Org {OWN} благодарит <b>Ivan &lt;b&gt;Petrov&lt;/b&gt; &amp; Sons</b>" in own.html
    assert "Поступил платёж" not in own.html
    [other] = emails_to(rt, f"olga@{OTHER}.example")
    assert other.subject.startswith("Поступил платёж")  # the platform's Russian template
    assert "благодарит" not in other.html
    [sms_own] = rt.outbox().sms_to("+375291112233")
    assert sms_own.text == f"Org {OWN}: оплата 120.50 BYN зачислена"
    [sms_other] = rt.outbox().sms_to("+375291112244")
    assert "зачислена" not in sms_other.text
    logged = {d["address"]: d for d in rt.deliveries() if d["channel"] == "email"}
    assert logged[f"olga@{OWN}.example"]["status"] == "sent"

    # Deleted: the platform's template again, for the next event.
    assert admin.delete(TEMPLATE.format(org=OWN, channel="email")).status == 204
    assert admin.get(TEMPLATE.format(org=OWN, channel="email")).status == 404
    assert admin.delete(TEMPLATE.format(org=OWN, channel="email")).status == 404
    put_event(rt, "payment.paid", make_detail("tpl-pay-3", org=OWN))
    rt.wait_idle()
    subjects = [e.subject for e in emails_to(rt, f"olga@{OWN}.example")]
    assert len(subjects) == 2 and "Оплата получена: 120.50 BYN" in subjects  # the first, with the override
    assert any(s.startswith("Поступил платёж") for s in subjects)  # the next, with the platform's again


@pytest.mark.parametrize(
    ("channel", "source", "why"),
    [
        ("email", RU_EMAIL.replace("{% endblock %}", "", 1), "syntax error on line"),
        ("email", RU_EMAIL.replace("data.payer_name", "data.payer_nick", 1), "unknown variable 'data.payer_nick'"),
        ("email", RU_EMAIL.replace("org.name", "secrets", 1), "unknown variable 'secrets'"),
        ("email", RU_EMAIL.replace("{{ org.name }}", "{{ ''.__class__ }}", 1), "'__class__' is not allowed"),
        ("email", RU_EMAIL.replace("{{ org.name }}", "{{ ''|attr('__class__') }}", 1), "does not render"),
        ("email", "{% block subject %}x{% endblock %}{% block text %}y{% endblock %}", "needs a {% block html %}"),
        ("sms", "{% block text %}" + "Оплата зачислена. " * 6 + "{% endblock %}", "longer than its budget of 1"),
        ("sms", "{# segments: 12 #}{% block text %}x{% endblock %}", "declares 12 segments"),
    ],
)  # fmt: skip
def test_a_broken_template_is_refused_naming_why(orgs, channel, source, why):
    admin = orgs.api_client(ADMIN)
    refused = admin.put(TEMPLATE.format(org=OWN, channel=channel), {"source": source})
    assert refused.status == 400, refused
    body = refused.json()
    assert body["error"] == "invalid"
    assert any(why in f["message"] and f["field"] == "body.source" for f in body["fields"]), body
    assert admin.get(f"/orgs/{OWN}/templates").json()["items"] == []  # nothing stored


def test_templates_of_an_unknown_target_and_stale_edits_are_refused(orgs):
    admin = orgs.api_client(ADMIN)
    wrong = admin.put("/orgs/tpl-own/templates/payment.paid/sms/ru", {"source": RU_EMAIL})
    assert wrong.status == 400 and "{% block subject %} is not a block of a sms template" in wrong.text
    not_sent = admin.put("/orgs/tpl-own/templates/invoice.issued/email/ru", {"source": RU_EMAIL})
    assert not_sent.status == 400 and any(f["field"] == "body.source" for f in not_sent.json()["fields"])
    unknown = admin.put("/orgs/tpl-own/templates/payment.nope/email/ru", {"source": RU_EMAIL})
    assert unknown.status == 400 and unknown.json()["fields"][0]["field"] == "path.event_type"
    # If-Match: an edit from a stale read is a 409, from the current one it lands.
    first = admin.put(TEMPLATE.format(org=OWN, channel="email"), {"source": RU_EMAIL})
    second = admin.put(TEMPLATE.format(org=OWN, channel="email"), {"source": RU_EMAIL + " "},
                       headers={"If-Match": first.headers["etag"]})  # fmt: skip
    assert second.status == 200 and second.json()["version"] == 2
    stale = admin.put(TEMPLATE.format(org=OWN, channel="email"), {"source": RU_EMAIL},
                      headers={"If-Match": first.headers["etag"]})  # fmt: skip
    assert stale.status == 409
    # A member who is not an admin reads and previews, never writes.
    reader = orgs.api_client(READER)
    assert reader.get(TEMPLATE.format(org=OWN, channel="email")).json()["source"] == RU_EMAIL + " "
    assert reader.put(TEMPLATE.format(org=OWN, channel="email"), {"source": RU_EMAIL}).status == 403


def test_preview_renders_posted_saved_and_platform_templates(orgs):
    admin = orgs.api_client(ADMIN)
    url = TEMPLATE.format(org=OWN, channel="email") + "/preview"
    platform = admin.post(url, {})
    assert platform.status == 200, platform
    assert platform.json()["origin"] == "platform" and platform.json()["subject"].startswith("Поступил платёж")
    posted = admin.post(url, {"source": RU_EMAIL, "data": {"amount": "5", "currency": "EUR", "payment_id": "p-7",
                                                           "payer_name": "<script>x</script>"}})  # fmt: skip
    assert posted.status == 200, posted
    answer = posted.json()
    assert answer["origin"] == "posted" and answer["subject"] == "Оплата получена: 5.00 EUR"
    assert "&lt;script&gt;" in answer["html"] and "<script>x" not in answer["html"]  # autoescaped HTML
    assert answer["text"].startswith(f"Org {OWN} благодарит <script>x</script>.")  # text is not HTML
    bad_data = admin.post(url, {"data": {"amount": "five"}})
    assert bad_data.status == 400 and {f["field"] for f in bad_data.json()["fields"]} >= {"body.data.amount"}
    admin.put(TEMPLATE.format(org=OWN, channel="sms"), {"source": RU_SMS})
    sms = admin.post(TEMPLATE.format(org=OWN, channel="sms") + "/preview", {})
    assert sms.json() | {"text": None} == {"template": "org:payment.paid/sms.ru", "origin": "org", "text": None,
                                           "segments": 1, "encoding": "ucs2", "cut": False, "subject": None,
                                           "html": None}  # fmt: skip
    assert sms.json()["text"] == f"Org {OWN}: оплата 120.50 BYN зачислена"


def test_a_test_send_reaches_the_callers_own_address_through_the_sender(orgs):
    rt = orgs
    admin = rt.api_client(ADMIN)
    admin.put(TEMPLATE.format(org=OWN, channel="email"), {"source": RU_EMAIL})
    sent = admin.post(TEMPLATE.format(org=OWN, channel="email") + "/test", {})
    assert sent.status == 202, sent
    assert sent.json()["to"] == f"admin@{OWN}.example"
    assert sent.json()["template_override"] == "payment.paid/email/ru"
    rt.wait_idle()
    [email] = emails_to(rt, f"admin@{OWN}.example")
    assert email.subject == "Оплата получена: 120.50 BYN"
    logged = admin.get(f"/orgs/{OWN}/deliveries/{sent.json()['delivery_id']}")
    assert logged.status == 200 and logged.json()["status"] == "sent"
    # The reader may not send; an SMS test is refused with the reason.
    assert rt.api_client(READER).post(TEMPLATE.format(org=OWN, channel="email") + "/test", {}).status == 403
    sms = admin.post(TEMPLATE.format(org=OWN, channel="sms") + "/test", {})
    assert sms.status == 400 and sms.json()["fields"][0]["field"] == "path.channel"


def test_the_cli_lists_saves_previews_and_deletes_templates(orgs, capsys, tmp_path):
    from notify_local import cli

    rt = orgs
    server = rt.api_server or rt.start_api(port=0)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["api", "--url", server.url, "--token", rt.token(ADMIN), "templates", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    target = (OWN, "payment.paid", "sms", "ru")
    assert f"{OWN} uses the platform's templates only\n" in run("list", OWN)[1]  # (metrics lines share stdout)
    source = tmp_path / "sms.j2"
    source.write_text(RU_SMS, encoding="utf-8")
    code, out, _ = run("put", *target, str(source))
    assert code == 0 and "saved payment.paid / sms / ru: version 1\n" in out
    code, out, _ = run("list", OWN)
    assert "payment.paid  sms      ru      1" in out
    assert RU_SMS + "\n" in run("get", *target)[1]
    code, out, _ = run("preview", *target)
    assert "segments: 1 (ucs2)" in out and f"Org {OWN}: оплата 120.50 BYN зачислена" in out
    source.write_text("{% block text %}{{ data.nope }}{% endblock %}", encoding="utf-8")
    code, _, err = run("put", *target, str(source))
    assert code == 2 and "unknown variable 'data.nope'" in err
    assert run("delete", *target)[0] == 0
    assert "platform's templates only" in run("list", OWN)[1]
