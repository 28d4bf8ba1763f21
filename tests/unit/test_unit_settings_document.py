"""The org settings document: pydantic validation only (apply/export need AWS and are integration tests)."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from notify_core.domain.settings_document import SettingsDocument, parse

pytestmark = pytest.mark.unit

YAML = """
org_id: org-hutki
name: Hutki Water
locale: ru-BY
email_from: billing@hutki.example
default_phone_region: BY
contacts:
  - id: anna
    name: Anna Smith
    position: accountant
    locale: ru
    emails:
      - {address: anna.smith@hutki.example}
      - {address: anna@example.org, kind: personal}
    phones:
      - {number: "8 029 123 45 67"}
  - id: boris
    name: Boris
    emails: [{address: boris@hutki.example}]
webhook_endpoints:
  - id: erp
    url: https://erp.hutki.example/hooks/notify
    description: ERP integration
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  - id: old
    url: https://old.hutki.example/hooks
    enabled: false
subscriptions:
  - group: payment.paid_or_reversed
    channels: {email: [anna, boris], sms: [anna], webhook: [erp]}
  - group: payment.paid_or_reversed
    scope: "service:water"
    channels: {email: [boris]}
  - group: buyer.invoice
    scope: "point:pos-7"
    channels: {sms: [anna]}
"""

VALID = parse(YAML).model_dump(mode="json", exclude_none=True)


def _doc(**changes) -> dict:
    doc = copy.deepcopy(VALID)
    doc.update(changes)
    return doc


def _error(doc: dict) -> str:
    with pytest.raises(ValidationError) as info:
        SettingsDocument.model_validate(doc)
    return str(info.value)


def test_valid_yaml_parses():
    doc = parse(YAML)
    assert (doc.org_id, doc.name, doc.locale, doc.email_from, doc.default_phone_region) == (
        "org-hutki",
        "Hutki Water",
        "ru-BY",
        "billing@hutki.example",
        "BY",
    )
    anna = doc.contacts[0]
    assert [(e.address, e.kind) for e in anna.emails] == [
        ("anna.smith@hutki.example", "work"),
        ("anna@example.org", "personal"),
    ]
    assert [(p.number, p.kind) for p in anna.phones] == [("8 029 123 45 67", "work")]
    assert [(e.id, e.enabled, e.secret) for e in doc.webhook_endpoints] == [
        ("erp", True, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ("old", False, None),
    ]
    assert [(s.group, s.scope, s.scope_key, s.channels) for s in doc.subscriptions] == [
        ("payment.paid_or_reversed", "org", "org", {"email": ["anna", "boris"], "sms": ["anna"], "webhook": ["erp"]}),
        ("payment.paid_or_reversed", "service:water", "service#water", {"email": ["boris"]}),
        ("buyer.invoice", "point:pos-7", "point#pos-7", {"sms": ["anna"]}),
    ]


def test_json_is_yaml_too():
    assert parse(json.dumps(VALID)) == parse(YAML)


def test_minimal_document_defaults():
    doc = parse("org_id: org-1\nname: Org One\n")
    assert (doc.locale, doc.contacts, doc.webhook_endpoints, doc.subscriptions) == ("en", [], [], [])


@pytest.mark.parametrize("text", ["- org_id: org-1", "just text", "", "42"])
def test_a_document_that_is_not_a_mapping_is_refused(text):
    with pytest.raises(ValueError, match=r"^a settings document is a mapping"):
        parse(text)


def test_secret_does_not_show_in_repr():
    assert "whsec_" not in repr(parse(YAML))


def test_unknown_group():
    doc = _doc(subscriptions=[{"group": "payment.everything", "channels": {"email": ["anna"]}}])
    assert "subscriptions.0.group" in (err := _error(doc))
    assert "unknown subscription group 'payment.everything'" in err
    assert "'buyer.invoice'" in err and "'payment.paid_or_reversed'" in err  # the known groups are listed


def test_unknown_channel():
    doc = _doc(subscriptions=[{"group": "payment.failed", "channels": {"email": ["anna"], "fax": ["anna"]}}])
    err = _error(doc)
    assert "subscriptions.0.channels" in err
    assert "unknown channels ['fax']; subscriptions use ['email', 'sms', 'webhook']" in err


def test_subscription_naming_an_unknown_contact():
    doc = _doc(subscriptions=[{"group": "payment.failed", "channels": {"sms": ["anna", "ghost", "casper"]}}])
    assert "subscriptions[0] (payment.failed sms) names unknown contacts ['casper', 'ghost']" in _error(doc)


def test_subscription_naming_an_unknown_endpoint():
    doc = _doc(subscriptions=[{"group": "payment.failed", "channels": {"webhook": ["erp", "crm"]}}])
    assert "subscriptions[0] (payment.failed webhook) names unknown endpoints ['crm']" in _error(doc)


def test_endpoint_ids_are_not_contacts_and_vice_versa():
    doc = _doc(subscriptions=[{"group": "payment.failed", "channels": {"email": ["erp"], "webhook": ["anna"]}}])
    err = _error(doc)
    assert "subscriptions[0] (payment.failed email) names unknown contacts ['erp']" in err
    assert "subscriptions[0] (payment.failed webhook) names unknown endpoints ['anna']" in err


def test_duplicate_ids():
    doc = _doc(
        contacts=[*VALID["contacts"], {"id": "anna", "name": "Another Anna"}],
        webhook_endpoints=[*VALID["webhook_endpoints"], {"id": "old", "url": "https://x.example/"}],
    )
    err = _error(doc)
    assert "duplicate contact ids ['anna']" in err
    assert "duplicate endpoint ids ['old']" in err


@pytest.mark.parametrize("scope", ["global", "service", "service:", "region:minsk", "point", "Service:water"])
def test_bad_scope(scope):
    doc = _doc(subscriptions=[{"group": "payment.failed", "scope": scope, "channels": {"email": ["anna"]}}])
    err = _error(doc)
    assert "subscriptions.0.scope" in err
    assert "scope is 'org', 'service:<id>' or 'point:<id>'" in err


@pytest.mark.parametrize("scope", ["service: water", "point:pos 7", "service:water#2"])
def test_scope_id_must_be_an_identifier_an_event_can_carry(scope):
    doc = _doc(subscriptions=[{"group": "payment.failed", "scope": scope, "channels": {"email": ["anna"]}}])
    _error(doc)


@pytest.mark.parametrize(
    "secret", ["s3cr3t", "whsec_", "whsec_has space", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "sk_live_abc"]
)
def test_secret_must_look_like_whsec(secret):
    doc = _doc(webhook_endpoints=[{"id": "erp", "url": "https://erp.hutki.example/", "secret": secret}])
    err = _error(doc)
    assert "webhook_endpoints.0.secret" in err
    assert "String should match pattern '^whsec_[A-Za-z0-9+/=]+$'" in err


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"org_id": "org hutki"}, "org_id"),
        ({"name": ""}, "name"),
        ({"locale": "Russian"}, "locale"),
        ({"default_phone_region": "by"}, "default_phone_region"),
        ({"webhook_endpoints": [{"id": "erp", "url": "ftp://erp.example/"}]}, "webhook_endpoints.0.url"),
        (
            {"contacts": [{"id": "anna", "name": "Anna", "emails": [{"address": "a@x.example", "kind": "home"}]}]},
            "contacts.0.emails.0.kind",
        ),
        ({"contact": []}, "contact"),  # a typo is an error, not ignored
        ({"contacts": [{"id": "anna", "name": "Anna", "phone": "+375291234567"}]}, "contacts.0.phone"),
    ],
)
def test_field_errors_name_the_field(changes, where):
    doc = _doc(**changes)
    if "contacts" in changes:
        doc["subscriptions"] = []
    err = _error(doc)
    assert f"\n{where}\n" in err


def test_all_reference_problems_are_reported_together():
    doc = _doc(
        contacts=[{"id": "anna", "name": "A"}, {"id": "anna", "name": "B"}],
        subscriptions=[
            {"group": "payment.failed", "channels": {"email": ["zoe"]}},
            {"group": "buyer.invoice", "channels": {"webhook": ["nope"]}},
        ],
    )
    err = _error(doc)
    assert (
        "duplicate contact ids ['anna']; "
        "subscriptions[0] (payment.failed email) names unknown contacts ['zoe']; "
        "subscriptions[1] (buyer.invoice webhook) names unknown endpoints ['nope']"
    ) in err


@pytest.mark.parametrize("zone", ["UTC", "Europe/Warsaw", "America/New_York", "Asia/Kolkata"])
def test_an_iana_time_zone_is_kept_and_exported_only_when_not_utc(zone):
    from notify_core.domain.settings_document import from_directory, to_directory

    doc = SettingsDocument.model_validate(_doc(time_zone=zone))
    directory = to_directory(doc, lambda org, endpoint: f"/notify/{org}/{endpoint}")
    assert directory.profile.time_zone == zone
    assert from_directory(directory).get("time_zone") == (None if zone == "UTC" else zone)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "utc+3", "", "../../etc/passwd", "Europe/Warsaw " * 10])
def test_a_time_zone_that_does_not_exist_is_refused_naming_it(zone):
    assert "time_zone" in _error(_doc(time_zone=zone))


def test_activity_reports_are_kept_and_exported():
    from notify_core.domain.settings_document import from_directory, to_directory

    reports = {"daily": True, "weekly": False, "monthly": True, "summary": False, "hour": 7}
    doc = SettingsDocument.model_validate(_doc(activity_reports=reports))
    directory = to_directory(doc, lambda org, endpoint: f"/notify/{org}/{endpoint}")
    assert dict(directory.profile.activity_reports) == reports
    assert from_directory(directory)["activity_reports"] == reports
    assert "activity_reports" not in from_directory(to_directory(SettingsDocument.model_validate(_doc()), str.__add__))


@pytest.mark.parametrize(
    "reports", [{"daily": True, "hour": 24}, {"daily": True, "hour": -1}, {"daily": "sometimes"}, {"hourly": True}]
)
def test_bad_activity_reports_are_refused_naming_the_field(reports):
    assert "activity_reports" in _error(_doc(activity_reports=reports))
