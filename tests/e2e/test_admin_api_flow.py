"""The admin API end to end: an org configured only through the API (an operator creates it, its admin fills it in),
events published with plain boto3 put_events, the deliveries found through the API, a dead one replayed (the same
delivery id, the receiver gets it once more and only once), and the inbox read and marked through the API.

Everything goes over HTTP to the local API server, which plays API Gateway and its JWT authorizer in front of the
real ``api`` handler, with tokens signed by the user pool on moto.
"""

from __future__ import annotations

import boto3
import pytest

from notify_infra import wiring
from tests.conftest import make_detail, put_event

pytestmark = pytest.mark.e2e

ORG = "flow-org"
OVERDUE = {"invoice_number": "INV-9", "due_date": "2026-11-01", "amount": "10.00", "currency": "EUR", "days_overdue": 3}


def first_document() -> dict:
    return {
        "org_id": ORG,
        "name": "Flow Org",
        "email_from": "billing@flow.example",
        "publishers": {"sources": ["product"]},
        "members": [{"user_id": "u-anna", "name": "Anna", "email": "anna@flow.example", "roles": ["admin"]}],
    }


def test_an_org_configured_only_through_the_api_delivers_replays_and_reads_its_inbox(notify_runtime):
    rt = notify_runtime
    receiver = rt.receiver
    operator = rt.api_client("u-op", operator=True)
    anna = rt.api_client("u-anna")

    # 1. An operator creates the org with its first admin (a dry run first: it lists, it stores nothing).
    dry = operator.put(f"/orgs/{ORG}/settings", first_document(), query={"dry_run": "true"})
    assert dry.status == 200, dry
    assert {"op": "add", "path": "members/u-anna"} in dry.json()["changes"]
    assert anna.get(f"/orgs/{ORG}/settings").status == 404  # a dry run created nothing
    created = operator.put(f"/orgs/{ORG}/settings", first_document())
    assert created.status == 200, created
    # The org's sender identity is verified in SES by the operator (an AWS step, not an API one).
    boto3.client("ses", endpoint_url=rt.endpoint_url, region_name=rt.region).verify_email_identity(
        EmailAddress="billing@flow.example"
    )
    # The operator is no member: the org is its members' alone from now on.
    assert operator.get(f"/orgs/{ORG}/settings").status == 404

    # 2. Its admin adds a contact, a webhook endpoint and Bob (a member who only reads), through the API.
    doc = anna.get(f"/orgs/{ORG}/settings")
    assert doc.status == 200
    document = doc.json()
    document["webhook_endpoints"] = [{"id": "erp", "url": f"{receiver.url}/hooks/flow-erp"}]
    imported = anna.put(f"/orgs/{ORG}/settings", document, headers={"If-Match": doc.headers["etag"]})
    assert imported.status == 200, imported
    assert set(imported.json()["generated_secrets"]) == {"erp"}  # shown once, to hand to the receiver
    contact = {"id": "olga", "name": "Olga", "emails": [{"address": "olga@flow.example"}]}
    assert anna.put(f"/orgs/{ORG}/contacts/olga", contact).status == 200
    bob = {"user_id": "u-bob", "name": "Bob", "email": "bob@flow.example", "permissions": ["invoices:edit"]}
    assert anna.put(f"/orgs/{ORG}/members/u-bob", bob).status == 200

    # 3. The matrix: Olga by SMS is refused (no phone), by email accepted; the ERP endpoint on the webhook cell.
    cell = f"/orgs/{ORG}/subscriptions/org/payment.paid_or_reversed"
    refused = anna.put(f"{cell}/sms", {"targets": ["olga"]})
    assert refused.status == 400
    assert refused.json()["fields"] == [
        {"field": "body.targets[0]", "message": "contact 'olga' has no phone number: add one to the contact first"}
    ]
    assert anna.put(f"{cell}/email", {"targets": ["olga"]}).status == 200
    assert anna.put(f"{cell}/webhook", {"targets": ["erp"]}).status == 200
    matrix = anna.get(f"/orgs/{ORG}/subscriptions").json()
    [org_scope] = [s for s in matrix["scopes"] if s["scope"] == "org"]
    chosen = {(c["group"], c["channel"]): c["targets"] for c in org_scope["cells"] if c["targets"]}
    assert chosen == {("payment.paid_or_reversed", "email"): ["olga"], ("payment.paid_or_reversed", "webhook"): ["erp"]}

    # 4. A product publishes with plain boto3; the ERP answers 503 every time, so its delivery ends dead.
    receiver.respond("/hooks/flow-erp", 503)
    put_event(rt, "payment.paid", make_detail("pay-flow-1", org=ORG))
    put_event(rt, "invoice.overdue", make_detail("overdue-flow-1", dict(OVERDUE), org=ORG))
    rt.wait_idle()

    # 5. The deliveries, found through the API: filters by channel and status, one with its attempts.
    listed = anna.get(f"/orgs/{ORG}/deliveries").json()["items"]
    assert sorted((d["channel"], d["address"], d["event_id"], d["status"]) for d in listed) == [
        ("email", "anna@flow.example", "overdue-flow-1", "sent"),  # members who may edit invoices (an admin may)
        ("email", "anna@flow.example", "pay-flow-1", "sent"),  # and payments
        ("email", "bob@flow.example", "overdue-flow-1", "sent"),
        ("email", "olga@flow.example", "pay-flow-1", "sent"),  # the email cell of the matrix
        ("webhook", f"{receiver.url}/hooks/flow-erp", "pay-flow-1", "dead"),  # the webhook cell
    ]
    # Newest first, across channels.
    assert [d["created_at"] for d in listed] == sorted((d["created_at"] for d in listed), reverse=True)
    olga = next(d for d in listed if d["address"] == "olga@flow.example")
    [dead] = anna.get(f"/orgs/{ORG}/deliveries", query={"status": "dead"}).json()["items"]
    assert dead["channel"] == "webhook" and dead["replayable"] is True and dead["error_code"] == "http_503"
    assert anna.get(f"/orgs/{ORG}/deliveries", query={"channel": "sms"}).json()["items"] == []
    by_recipient = anna.get(f"/orgs/{ORG}/deliveries", query={"recipient": "OLGA@flow.example"}).json()["items"]
    assert [d["channel"] for d in by_recipient] == ["email"]
    detail = anna.get(f"/orgs/{ORG}/deliveries/{dead['delivery_id']}").json()
    assert detail["attempt_count"] == wiring.queue("webhook").max_receive_count
    assert detail["attempts"][-1]["outcome"] == "dead" and detail["attempts"][-1]["http_status"] == 503

    # 6. Bob may look but not replay; Anna replays: the same delivery id, once; the sent email is never resent.
    bob_client = rt.api_client("u-bob")
    assert bob_client.post(f"/orgs/{ORG}/deliveries/{dead['delivery_id']}/replay").status == 403
    calls_before = len(receiver.received("/hooks/flow-erp"))
    receiver.respond("/hooks/flow-erp", 200)
    replayed = anna.post(f"/orgs/{ORG}/deliveries/{dead['delivery_id']}/replay")
    assert replayed.json() == {"replayed": [dead["delivery_id"]], "skipped": {}}
    rt.wait_idle()
    again = receiver.received("/hooks/flow-erp")[calls_before:]
    assert [w.headers["webhook-id"] for w in again] == [dead["delivery_id"]]
    assert anna.get(f"/orgs/{ORG}/deliveries/{dead['delivery_id']}").json()["status"] == "sent"
    email_id = olga["delivery_id"]
    window = anna.post(f"/orgs/{ORG}/replays", {"since": "2020-01-01", "statuses": ["dead", "failed"]})
    assert window.json() == {"replayed": [], "skipped": {}}  # nothing dead or failed is left
    assert anna.post(f"/orgs/{ORG}/deliveries/{email_id}/replay").json()["skipped"] == {email_id: "status_sent"}
    rt.wait_idle()
    assert len(rt.outbox().emails_to("olga@flow.example")) == 1

    # 7. The inbox: Anna has both events, Bob the overdue notice; list, count, mark one, mark all.
    inbox = anna.get(f"/orgs/{ORG}/inbox").json()["items"]
    assert sorted(i["event_id"] for i in inbox) == ["overdue-flow-1", "pay-flow-1"]
    assert not any(i["read"] for i in inbox)
    assert anna.get(f"/orgs/{ORG}/inbox/unread-count").json() == {"unread": 2}
    assert anna.post(f"/orgs/{ORG}/inbox/{inbox[0]['id']}/read").status == 200
    assert anna.get(f"/orgs/{ORG}/inbox/unread-count").json() == {"unread": 1}
    [unread] = anna.get(f"/orgs/{ORG}/inbox", query={"unread_only": "true"}).json()["items"]
    assert unread["id"] == inbox[1]["id"]
    assert bob_client.get(f"/orgs/{ORG}/inbox/unread-count").json() == {"unread": 1}  # his own, untouched
    assert bob_client.post(f"/orgs/{ORG}/inbox/read-all").json() == {"marked": 1}
    assert bob_client.get(f"/orgs/{ORG}/inbox", query={"unread_only": "true"}).json()["items"] == []
