"""``make demo``: product events become real emails, SMS, signed webhooks and chat messages on the local runtime.

Starts the runtime and a webhook receiver, applies the Hutkigrosh-like settings in demo/hutki.yaml (and
a RemOnline-like repair shop, demo/serwis.yaml, whose client hears of a ready order by Telegram too),
publishes a handful of events with plain boto3 (as a product service would, good and bad ones),
waits until every queue has drained, prints what was delivered and what was not (with reasons) and
stops. Exits non-zero if the platform did not do what the demo expects.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notify_core.domain.sms_text import measure
from notify_infra import wiring
from notify_local.runtime import LocalRuntime, Outbox

SETTINGS = Path(__file__).parent / "demo" / "hutki.yaml"
SHOP_SETTINGS = Path(__file__).parent / "demo" / "serwis.yaml"
FIRM_SETTINGS = Path(__file__).parent / "demo" / "rossi.yaml"
ORG = "hutki-demo"
LOG = Path(".notify-local") / "demo-handlers.log"
# The invoice document the invoicing service uploads under its org's prefix before publishing the event.
INVOICE_KEY = f"{ORG}/invoices/42.pdf"
INVOICE_PDF = b"%PDF-1.4\n% Hutki Water invoice 42, 45.00 BYN\n%%EOF\n"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _event(
    event_id: str, data: dict[str, Any], *, point: str | None = None, service: str | None = None, **extra: Any
) -> dict[str, Any]:
    scope = {k: v for k, v in (("service_id", service), ("point_id", point)) if v}
    return {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": _now(),
        "subject": {"type": "payment", "id": event_id, "scope": scope},
        "data": data,
        **extra,
    }


def events(receiver_url: str) -> list[tuple[str, str, Any]]:
    """(source, detail-type, detail) as product services would publish them."""
    buyer = {
        "name": "Olga Petrova",
        "email": "olga.petrova@buyer.example",
        "phone": "+375447001122",
        "locale": "ru-BY",
        "channels": ["email", "sms"],
        "events": ["invoice.issued", "invoice.paid"],
    }
    paid = _event(
        "pay-1001",
        {
            "amount": "120.50",
            "currency": "BYN",
            "payment_id": "pay-1001",
            "account": "10042",
            "payer_name": "Ivan <b>Petrov</b>",
        },
        service="water",
        point="shop-1",
    )
    return [
        ("payments", "payment.paid", paid),
        ("payments", "payment.paid", paid),  # published twice: delivered once
        (
            "payments",
            "payment.reversed",
            _event(
                "rev-1001", {"amount": "120.50", "currency": "BYN", "payment_id": "pay-1001", "reason": "payer request"}
            ),
        ),
        (
            "payments",
            "refund.created",
            _event(
                "ref-17",
                {"amount": "20.00", "currency": "BYN", "refund_id": "ref-17", "payment_id": "pay-1001"},
                service="water",
            ),
        ),
        (
            "invoicing",
            "invoice.issued",
            {
                **_event(
                    "inv-42-issued",
                    {
                        "amount": "45.00",
                        "currency": "BYN",
                        "invoice_number": "42",
                        "due_date": "2026-12-01",
                        "issuer_name": "Hutki Water",
                    },
                ),
                "recipients": [buyer],
                "attachments": [{"key": INVOICE_KEY, "filename": "Счёт 42.pdf", "content_type": "application/pdf"}],
            },
        ),
        (
            "invoicing",
            "invoice.paid",
            {
                **_event("inv-42-paid", {"amount": "45.00", "currency": "BYN", "invoice_number": "42"}),
                "recipients": [{**buyer, "events": ["invoice.issued"]}],
            },
        ),
        (
            "invoicing",
            "invoice.issued",
            {
                **_event("inv-43-issued", {"amount": "9.99", "currency": "BYN", "invoice_number": "43"}),
                "recipients": [
                    {"name": "Typo", "email": "typo@@buyer", "phone": "+37512", "events": ["invoice.issued"]}
                ],
            },
        ),
        (
            "crm.orders",
            "order.status_changed",
            {
                "org_id": "serwis-demo",
                "event_id": "ord-a1042-ready",
                "occurred_at": _now(),
                "subject": {"type": "order", "id": "A-1042", "client_id": "c1"},
                "data": {
                    "order_number": "A-1042",
                    "status": "Ready",
                    "total": "350.00",
                    "currency": "PLN",
                    "device": "iPhone 12",
                    "ready_message": "Pick up Mon-Fri 9:00-18:00 (bring the receipt & your ID).",
                },
            },
        ),
        ("payments", "payment.paid", {"event_id": "no-org", "occurred_at": _now(), "data": {}}),
        ("payments", "payment.exploded", _event("boom-1", {})),
        ("payments", "payment.paid", _event("bad-data", {"amount": "a lot", "currency": "BYN", "payment_id": "p"})),
    ]


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import os

    LOG.parent.mkdir(exist_ok=True)
    # Handlers' metrics (EMF lines) go to a file so the report stays readable.
    with LOG.open("w") as sink:
        rt = LocalRuntime(port=int(os.environ.get("NOTIFY_LOCAL_PORT", "0")), log_level="CRITICAL", handler_output=sink)
        rt.start()
        # The demo runs at any hour: its SMS and reminders go when it says (quiet hours are shown by
        # tests/e2e/test_quiet_hours_e2e.py and the README's example).
        rt.clock.quiet_hours = False
        receiver = rt.start_receiver()
        try:
            return run(rt, receiver)
        finally:
            rt.stop()
            receiver.stop()


def run(rt: LocalRuntime, receiver: Any) -> int:
    import boto3

    print(f"local runtime: moto at {rt.endpoint_url}, bus '{wiring.BUS_NAME}'; webhook receiver at {receiver.url}")
    result = rt.apply_settings(SETTINGS.read_text().replace("$receiver", receiver.url))
    print(
        f"applied {SETTINGS.name}: org {result.org_id}, {result.written} settings items; "
        f"webhook secrets generated for {', '.join(result.generated_secrets)} (kept in SSM)"
    )
    shop = rt.apply_settings(SHOP_SETTINGS.read_text())
    print(f"applied {SHOP_SETTINGS.name}: org {shop.org_id}, {shop.written} settings items; its bot token kept in SSM")
    for endpoint_id, secret in result.generated_secrets.items():
        receiver.expect_secret(f"/hooks/{endpoint_id}", secret)
    receiver.respond("/hooks/legacy-crm", 503)

    # A product service: plain boto3, the bus name (and the documents bucket), nothing else of ours.
    s3 = boto3.client("s3", endpoint_url=rt.endpoint_url, region_name=rt.region)
    s3.put_object(Bucket=rt.bucket_names["attachments"], Key=INVOICE_KEY, Body=INVOICE_PDF)
    bus = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    published = events(receiver.url)
    started = time.monotonic()
    for source, detail_type, detail in published:
        import json

        resp = bus.put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": wiring.BUS_NAME,
                }
            ]
        )
        assert resp["FailedEntryCount"] == 0, resp
    print(f"published {len(published)} events with boto3 put_events (incl. a duplicate and three bad ones)")
    rt.wait_idle(timeout_s=60)
    print(f"every queue drained in {time.monotonic() - started:.1f} s\n")
    return report(rt) or timers(rt)


def timers(rt: LocalRuntime) -> int:
    """A signature request reminded twice on the local clock, then stopped by signature.signed (README "Timers")."""
    import json

    import boto3

    firm = rt.apply_settings(FIRM_SETTINGS.read_text())
    bus = boto3.client("events", endpoint_url=rt.endpoint_url, region_name=rt.region)
    client = "mario.bianchi@cliente.example"

    def publish(detail_type: str, event_id: str, data: dict[str, Any]) -> None:
        detail = {
            "org_id": firm.org_id,
            "event_id": event_id,
            "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": {"type": "document", "id": "doc-8812", "client_id": "c1"},
            "data": data,
        }
        entry = {"Source": "taxdome", "DetailType": detail_type, "Detail": json.dumps(detail)}
        assert bus.put_events(Entries=[{**entry, "EventBusName": wiring.BUS_NAME}])["FailedEntryCount"] == 0
        rt.wait_idle(timeout_s=60)
        print(f"  {rt.now():%Y-%m-%d %H:%M}  published {detail_type}")

    def emails() -> list[str]:
        return [e.subject for e in rt.outbox().emails_to(client)]

    def advance(days: int) -> None:
        before = len(emails())
        rt.advance(days=days)
        new = emails()[before:]
        print(f"  {rt.now():%Y-%m-%d %H:%M}  clock moved on {days} days: " + ("; ".join(new) or "nothing sent"))

    print(f"\nTIMERS: {FIRM_SETTINGS.name}, org {firm.org_id}; a reminder every 3 days, 3 at most, until signed")
    document = {"document_name": "Engagement letter 2026.pdf", "reminders": {"every_days": 3, "count": 3}}
    publish("signature.requested", "sig-8812", document)
    print(f"  {'':16}  email: {emails()[-1]}")
    advance(3)
    advance(3)
    publish("signature.signed", "signed-8812", {"document_name": "Engagement letter 2026.pdf"})
    advance(10)
    item = rt.admin.items.get(firm.org_id, "signature", "doc-8812")
    print(f"  item signature:doc-8812: {item.state} ({item.done_reason}), {item.sent} reminders sent; audit trail:")
    for entry in item.audit:
        print(f"    {entry.at}  {entry.what:<13} {entry.detail}  [event {entry.event_id}]")
    # The signature's steps (execution names start with the item type: domain.reminders.execution_name).
    steps = [e for e in rt.executions() if e["name"].startswith("signature-")]
    transitions = sum(
        1 for e in steps for h in rt.execution_history(e["executionArn"]) if h["type"].endswith("StateEntered")
    )
    print(f"  Step Functions: {len(steps)} executions, {transitions} state transitions for {item.sent} reminders")
    problems = _appointment_and_overdue(rt, bus)
    got = emails()
    expected = [
        'Please sign "Engagement letter 2026.pdf"',
        'Reminder 1 of 3: Please sign "Engagement letter 2026.pdf"',
        'Reminder 2 of 3: Please sign "Engagement letter 2026.pdf"',
    ]
    if got != expected or item.done_reason != "signed":
        problems.append(f"the signature's emails were {got}, not {expected}")
    for p in problems:
        print(f"DEMO PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


def _appointment_and_overdue(rt: LocalRuntime, bus: Any) -> list[str]:
    """An appointment reminder a day before (the repair shop) and an overdue notice the day after the due date
    (Hutki's invoice), both timed by the platform on the moved clock."""
    import json

    def put(source: str, detail_type: str, org: str, event_id: str, subject: dict[str, Any], data: dict[str, Any]):
        detail = {
            "org_id": org,
            "event_id": event_id,
            "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": subject,
            "data": data,
        }
        entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
        assert bus.put_events(Entries=[{**entry, "EventBusName": wiring.BUS_NAME}])["FailedEntryCount"] == 0

    starts = (rt.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:00+00:00")
    due = (rt.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    put(
        "crm.orders",
        "appointment.scheduled",
        "serwis-demo",
        "apt-77",
        {"type": "appointment", "id": "apt-77", "client_id": "c1"},
        {"starts_at": starts, "service_name": "Screen replacement", "remind_before_minutes": [1440]},
    )
    put(
        "invoicing",
        "invoice.issued",
        ORG,
        "inv-77",
        {"type": "invoice", "id": "inv-77"},
        {"amount": "45.00", "currency": "BYN", "invoice_number": "77", "due_date": due},
    )
    rt.wait_idle(timeout_s=60)
    print(
        f"\n  {rt.now():%Y-%m-%d %H:%M}  published appointment.scheduled (starts {starts}, remind a day before) and "
        f"invoice.issued (due {due})"
    )
    before = len(rt.outbox().emails)
    rt.advance(days=2)
    new = rt.outbox().emails[before:]
    for e in new:
        print(f"  {rt.now():%Y-%m-%d %H:%M}  email to {', '.join(e.to)}: {e.subject}")
    subjects = [e.subject for e in new]
    problems = []
    if not any(s.startswith("Reminder: your appointment") for s in subjects):
        problems.append(f"no appointment reminder among {subjects}")
    if not any("77" in s and "overdue" in s.lower() for s in subjects):
        problems.append(f"no overdue notice among {subjects}")
    return problems


def report(rt: LocalRuntime) -> int:
    out = rt.outbox()
    inbox = rt.inbox(ORG, "u-irina")
    _print_delivered(out, inbox)
    _print_not_delivered(out, rt)
    problems = _problems(out, inbox, rt)
    for p in problems:
        print(f"DEMO PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


def _print_delivered(out: Outbox, inbox: list[dict[str, Any]]) -> None:
    print(f"EMAILS SENT through SES ({len(out.emails)})")
    for e in out.emails:
        print(f"  to {', '.join(e.to):34} from {e.sender:31} {e.subject}")
        if e.unsubscribe_url:
            print(f"  {'':37}List-Unsubscribe: one-click (RFC 8058), From: {e.headers.get('From', e.sender)}")
        for a in e.attachments:
            print(f"  {'':37}+ attached {a.filename} ({a.content_type}, {len(a.data)} bytes, read from S3)")
    print(f"\nSMS SENT through SNS ({len(out.sms)})")
    for s in out.sms:
        size = measure(s.text)
        print(f"  to {s.to:16} [{size.encoding}, {size.segments} segment(s)] {s.text}")
    slack = [w for w in out.webhooks if w.path.startswith("/slack/")]
    hooks = [w for w in out.webhooks if not w.path.startswith(("/slack/", "/telegram/"))]
    print(f"\nSLACK MESSAGES to the org's incoming webhook ({len(slack)})")
    for w in slack:
        print(f"  {w.json()['text'][:110]}")
    print(f"\nTELEGRAM MESSAGES from the org's bot, Bot API sendMessage played by the receiver ({len(out.telegram)})")
    for m in out.telegram:
        print(f"  to chat {m.chat_id:<12} [{m.parse_mode}] {m.text.replace(chr(10), ' / ')[:220]}")
    print(f"\nWEBHOOK CALLS received over HTTP ({len(hooks)})")
    calls = Counter((w.path, w.status, w.verified) for w in hooks)
    for (path, status, verified), n in calls.items():
        sig = {True: "signature verified (standardwebhooks)", False: "BAD SIGNATURE", None: "unsigned?"}[verified]
        print(f"  POST {path:22} -> HTTP {status}  x{n}  {sig}")
    print(f"\nIN-APP INBOX of Irina Volkova, admin ({len(inbox)}, newest first)")
    for item in inbox:
        print(f"  {'unread' if not item.get('read') else 'read  '} {item['title']}")


def _print_not_delivered(out: Outbox, rt: LocalRuntime) -> None:
    not_sent = [d for d in out.deliveries if d["status"] not in ("sent",)]
    print(f"\nNOT DELIVERED, with reasons ({len(not_sent)}: failed, dead, or skipped by a preference or setting)")
    for d in not_sent:
        attempts = d.get("attempt_count", 0)
        print(
            f"  {d['status']:7} {d['channel']:8} {d['address'][:40]:40} {d.get('error_code')}: "
            f"{(d.get('error_detail') or '')[:70]} ({attempts} attempts)"
        )
    print(f"\nQUARANTINED EVENTS ({len(out.quarantined)})")
    for q in out.quarantined:
        print(f"  {q['reason']}: {q['detail'][:100]}")
    sent = [d for d in out.deliveries if d["status"] == "sent"]
    calls_total = sum(rt.aws_calls.values())
    print(f"\nhandlers' metrics (CloudWatch EMF): {LOG}")
    print(f"DELIVERY LOG: {len(sent)} sent, {len(not_sent)} not sent, {len(out.deliveries)} in all")
    if sent:
        print(
            f"AWS API calls made by the handlers: {calls_total} for {len(sent)} delivered notifications "
            f"= {calls_total / len(sent):.1f} per notification"
        )
        print("  " + ", ".join(f"{k} {v}" for k, v in sorted(rt.aws_calls.items())))


def _problems(out: Outbox, inbox: list[dict[str, Any]], rt: LocalRuntime) -> list[str]:
    """What the demo must show; anything missing fails ``make demo``."""
    problems = []
    if not (out.emails and out.sms and any(w.status == 200 and w.verified for w in out.webhooks)):
        problems.append("expected emails, SMS and a verified webhook")
    if not inbox or not any(w.path.startswith("/slack/") for w in out.webhooks):
        problems.append("expected in-app messages and a Slack message")
    if not any(m.status == 200 for m in out.telegram):
        problems.append("expected a Telegram message")
    if not any(a.data == INVOICE_PDF for e in out.emails for a in e.attachments):
        problems.append("expected the invoice PDF attached to the buyer's email")
    if len(out.quarantined) != 3:
        problems.append(f"expected 3 quarantined events, got {len(out.quarantined)}")
    if rt.errors:
        problems.append(f"handler errors: {rt.errors[:3]}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
