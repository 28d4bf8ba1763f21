"""Settings documents: addresses are checked on apply, naming the field; publishers bind the org.

Before: invalid emails and phone numbers were accepted on apply (each delivery failed later), and a document
could not say who publishes for its org.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notify_core.domain.publishers import Publishers
from notify_core.domain.settings_document import SettingsDocument, from_directory, to_directory
from notify_core.domain.ssrf import MAX_URL_BYTES

pytestmark = pytest.mark.unit


def _doc(**changes) -> dict:
    return {"org_id": "org-1", "name": "Org", **changes}


def _problems(doc: dict) -> str:
    with pytest.raises(ValidationError) as info:
        SettingsDocument.model_validate(doc)
    return str(info.value)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"email_from": "billing@@org"}, "email_from 'billing@@org' is not an email address"),
        (
            {"contacts": [{"id": "a", "name": "A", "emails": [{"address": "ok@org.example"}, {"address": "a@b"}]}]},
            "contacts[0].emails[1].address 'a@b' is not an email address",
        ),
        (
            {"contacts": [{"id": "a", "name": "A", "phones": [{"number": "+375 29 12"}]}]},
            "contacts[0].phones[0].number '+375 29 12' is not a phone number",
        ),
        (
            {"contacts": [{"id": "a", "name": "A", "phones": [{"number": "8 029 123 45 67"}]}]},
            "(a national number needs default_phone_region, or write it with +country code)",
        ),
        ({"members": [{"user_id": "u1", "name": "U", "email": "u1"}]}, "members[0].email 'u1' is not an email address"),
        ({"members": [{"user_id": "u1", "name": "U", "phone": "12"}]}, "members[0].phone '12' is not a phone number"),
        (
            {"subscriptions": [{"group": "activity.summary", "addresses": {"email": ["owner@org.example", "x"]}}]},
            "subscriptions[0].addresses.email[1] 'x' is not an email address",
        ),
    ],
)
def test_addresses_are_checked_on_apply_naming_the_field(changes, names):
    assert names in _problems(_doc(**changes))


def test_every_address_problem_is_reported_at_once():
    err = _problems(_doc(email_from="x", members=[{"user_id": "u1", "name": "U", "email": "y", "phone": "z"}]))
    assert "email_from 'x'" in err and "members[0].email 'y'" in err and "members[0].phone 'z'" in err


def test_national_numbers_are_fine_with_the_documents_region():
    doc = _doc(
        default_phone_region="BY", contacts=[{"id": "a", "name": "A", "phones": [{"number": "8 029 123 45 67"}]}]
    )
    assert SettingsDocument.model_validate(doc).contacts[0].phones[0].number == "8 029 123 45 67"  # kept as written


def test_publishers_are_part_of_the_document_and_its_export():
    doc = SettingsDocument.model_validate(
        _doc(publishers={"sources": ["payments", "invoicing", "payments"], "accounts": ["111122223333"]})
    )
    directory = to_directory(doc, lambda org, ep: f"/s/{org}/{ep}")
    assert directory.profile.publishers == Publishers(sources=("invoicing", "payments"), accounts=("111122223333",))
    exported = from_directory(directory)
    assert exported["publishers"] == {"sources": ["invoicing", "payments"], "accounts": ["111122223333"]}
    assert SettingsDocument.model_validate(exported).publishers == doc.publishers


def test_a_document_naming_no_publishers_leaves_the_deployments_default():
    directory = to_directory(SettingsDocument.model_validate(_doc()), lambda org, ep: "")
    assert directory.profile.publishers is None and "publishers" not in from_directory(directory)


@pytest.mark.parametrize(
    ("publishers", "says"),
    [
        ({"sources": ["notify.platform"]}, "is the platform's own source"),
        ({"sources": ["aws.events"]}, "AWS's own events"),
        ({"sources": ["payments"], "accounts": ["1234"]}, "String should match pattern '^[0-9]{12}$'"),
        ({"sources": ["pay ments"]}, "String should match pattern"),
        ({"accounts": ["111122223333"]}, "sources\n  Field required"),
    ],
)
def test_publishers_must_be_product_sources_and_account_ids(publishers, says):
    assert says in _problems(_doc(publishers=publishers))


def test_webhook_and_slack_urls_are_capped():
    long_url = "https://erp.example/" + "a" * MAX_URL_BYTES
    assert "webhook_endpoints.0.url" in _problems(_doc(webhook_endpoints=[{"id": "erp", "url": long_url}]))
    assert "slack.webhook_url" in _problems(_doc(slack={"webhook_url": long_url}))
