"""Settings documents on DynamoDB/SSM (moto), tenant isolation, and the router's bounded reads."""

from __future__ import annotations

import boto3
import pytest

from notify_core.adapters.dynamodb.settings_table import subscription_sk
from notify_core.domain import catalog, settings_document
from tests.conftest import hutki_settings, make_detail

pytestmark = pytest.mark.integration


def test_apply_then_export_round_trips_the_document_without_secrets(notify_runtime):
    doc = hutki_settings("https://erp.hutki.example")
    notify_runtime.apply_settings(doc)
    exported = notify_runtime.admin.settings.export("hutki")
    assert exported["name"] == "Hutki Water" and exported["default_phone_region"] == "BY"
    assert {c["id"] for c in exported["contacts"]} == {"anna", "boris", "cashier"}
    assert exported["webhook_endpoints"] == [
        {"id": "erp", "url": "https://erp.hutki.example/hooks/erp", "enabled": True}
    ]  # no secret
    assert sorted((s["group"], s["scope"]) for s in exported["subscriptions"]) == [
        ("payment.paid_or_reversed", "org"),
        ("payment.paid_or_reversed", "point:shop-1"),
        ("payment.paid_or_reversed", "service:water"),
    ]
    # What export gives, apply takes: the "Copy data" round trip of products.md §3.
    again = settings_document.SettingsDocument.model_validate(exported)
    assert notify_runtime.admin.settings.apply(again).written == 8  # profile, 3 contacts, 1 endpoint, 3 scopes


def test_applying_a_document_replaces_the_org_settings(notify_runtime):
    doc = hutki_settings("https://erp.hutki.example")
    notify_runtime.apply_settings(doc)
    smaller = {
        **doc,
        "contacts": doc["contacts"][:1],
        "webhook_endpoints": [],
        "subscriptions": [{"group": "payment.paid_or_reversed", "channels": {"email": ["anna"]}}],
    }
    result = notify_runtime.apply_settings(smaller)
    assert result.deleted == 5  # boris, cashier, the endpoint and two scopes; the org scope is rewritten
    exported = notify_runtime.admin.settings.export("hutki")
    assert [c["id"] for c in exported["contacts"]] == ["anna"]
    assert exported["webhook_endpoints"] == []


def test_an_endpoint_without_a_secret_gets_one_generated_once(notify_runtime):
    doc = hutki_settings("https://erp.hutki.example")
    doc["webhook_endpoints"][0].pop("secret")
    first = notify_runtime.apply_settings(doc)
    second = notify_runtime.apply_settings(doc)
    assert first.generated_secrets["erp"].startswith("whsec_")
    assert second.generated_secrets == {}  # kept: receivers already hold it


def test_one_org_cannot_reach_another_orgs_contacts(notify_runtime):
    """An org's subscription naming a contact id that exists only in another org reaches no one."""
    notify_runtime.apply_settings(hutki_settings(notify_runtime.receiver.url, org="org-a"))
    notify_runtime.apply_settings({"org_id": "org-b", "name": "B", "email_from": "n@b.example"})
    # Written behind the document's back (the document itself refuses unknown contacts).
    notify_runtime.admin.settings_table.m.Subscription(
        org_id="org-b",
        sk=subscription_sk("payment.paid_or_reversed", "org"),
        group="payment.paid_or_reversed",
        scope="org",
        channels={"email": ["anna"], "webhook": ["erp"]},
    ).save()
    notify_runtime.publish("payment.paid", make_detail("pay-b", org="org-b"))
    notify_runtime.wait_idle()
    out = notify_runtime.outbox()
    assert out.emails == [] and out.webhooks == [] and out.deliveries == []


def test_a_document_naming_unknown_contacts_is_rejected_with_a_message():
    doc = hutki_settings("https://erp.example")
    doc["subscriptions"][0]["channels"]["email"] = ["anna", "ghost"]
    with pytest.raises(ValueError, match=r"names unknown contacts \['ghost'\]"):
        settings_document.SettingsDocument.model_validate(doc)


@pytest.mark.parametrize("members", [3, 60])
def test_routing_an_event_costs_a_fixed_number_of_dynamodb_calls(notify_runtime, members):
    """Query + BatchGetItem for the settings, then the suppression check: paging, never a call per recipient."""
    doc = {
        "org_id": "big",
        "name": "Big",
        "email_from": "n@big.example",
        "contacts": [
            {"id": f"c{i}", "name": f"C{i}", "emails": [{"address": f"c{i}@big.example"}]} for i in range(members)
        ],
        "subscriptions": [
            {"group": "payment.paid_or_reversed", "channels": {"email": [f"c{i}" for i in range(members)]}}
        ],
    }
    notify_runtime.apply_settings(doc)
    with notify_runtime.paused():
        notify_runtime.publish("payment.paid", make_detail("pay-big", org="big"))
        notify_runtime.aws_calls.clear()
        notify_runtime.invoke("router", notify_runtime.take_batch("events"))
        calls = dict(notify_runtime.aws_calls)
    # one Query per query-shaped audience: the group's subscriptions, then each permission's holders
    audiences = catalog.CATALOG["payment.paid"].audiences
    assert calls["dynamodb:Query"] == 1 + sum(a.startswith("permission:") for a in audiences)
    # the event's record; settings: 1 batch (≤100 keys); then the suppression read: every email address at two
    # scopes (every org, this org), its one-click unsubscribe from the event's group in this org, and its hash in
    # this org (an erased address, domain.erasure): 4 keys an address, 100 keys a BatchGetItem.
    assert calls["dynamodb:BatchGetItem"] == 1 + 1 + -(-4 * members // 100)
    assert calls.get("dynamodb:Scan", 0) == 0
    assert calls["dynamodb:BatchWriteItem"] == 1  # the event's record, once its deliveries are queued
    assert "dynamodb:PutItem" not in calls and "dynamodb:UpdateItem" not in calls
    assert calls["sqs:SendMessageBatch"] == -(-members // 10)
    notify_runtime.wait_idle()
    assert len(notify_runtime.outbox().emails) == members


def test_settings_table_is_never_scanned_by_handlers(hutki):
    hutki.aws_calls.clear()
    hutki.publish("payment.paid", make_detail("pay-noscan"))
    hutki.wait_idle()
    assert not [k for k in hutki.aws_calls if k.endswith(":Scan")]
    assert (
        boto3.client("dynamodb").describe_table(TableName="notify-deliveries")["Table"]["GlobalSecondaryIndexes"][0][
            "IndexName"
        ]
        == "by_org_channel"
    )
