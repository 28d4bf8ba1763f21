"""Every SMS template fits the segments it declares (``{# segments: N #}``, 1 without), as a gateway counts them:
with its catalog example, and with long realistic data (Polish, Russian and Greek names, streets and org names,
six-digit amounts), in English and in its product's own language. A text that needed the cut fails: the cut is
for data nobody foresaw, never for what a template says every time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from notify_core.domain import catalog, templates
from notify_core.domain.sms_text import measure

pytestmark = pytest.mark.unit

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SMS_FILES = sorted(p for p in TEMPLATES.glob("*/sms*.j2") if not p.parent.name.startswith("_"))

# The org names the product's people would really carry (the diacritics switch a text to UCS-2).
LONG_ORG = {
    "el": "Ergo Λογιστική Α.Ε.",  # noqa: RUF001 (Greek capitals)
    "pl": "Serwis Łódź-Bałuty",
    "ru": "Водоканал Гомель",
    "it": "Studio Rossi & Figli",
}
PERSON = "Małgorzata Wiśniewska-Dąbrowska"
# Long realistic facts per event type, over its example.
LONG: dict[str, dict[str, Any]] = {
    "payment.paid": {"amount": "123456.78", "account": "1000420017", "payer_name": PERSON},
    "payment.reversed": {"amount": "123456.78", "payment_id": "pay-2026-0981", "account": "1000420017"},
    "payment.failed": {"invoice_number": "INV-2026-00042", "reason": "insufficient funds"},
    "refund.created": {"amount": "123456.78", "refund_id": "ref-2026-0017"},
    "refund.status_changed": {"refund_id": "ref-2026-0017", "status": "completed"},
    "invoice.issued": {"amount": "123456.78", "invoice_number": "INV-2026-00042", "issuer_name": "Водоканал Гомель"},
    "invoice.paid": {"amount": "123456.78", "invoice_number": "INV-2026-00042", "issuer_name": "Водоканал Гомель"},
    "order.status_changed": {
        "order_number": "A-104215",
        "status": "Gotowe do odbioru",
        "total": "12345.00",
        "ready_message": "Odbiór pn-pt 9:00-18:00.",
    },
    "request.status_changed": {"request_number": "R-31742", "status": "Brak kontaktu"},
    "order.contractor_assigned": {"order_number": "A-104215", "description": "Wymiana ekranu, sprawdzić baterię"},
    "request.manager_assigned": {"request_number": "R-31742", "client_name": PERSON},
    "task.created": {"task_title": "Zamówić nowy ekran do iPhone 12", "order_number": "A-104215"},
    "task.completed": {"task_title": "Zamówić nowy ekran", "order_number": "A-104215", "executor_name": PERSON},
    "appointment.reminder": {"place": "ul. Marszałkowska 104/122, Warszawa", "service_name": "Wymiana ekranu"},
}


def _product_language(name: str) -> str:
    """The language of the product the event type is for (its first seed's section of products.md)."""
    section = catalog.CATALOG[name].seeds[0].split("§")[1][0]
    return {"1": "el", "2": "pl", "3": "ru", "4": "pl", "5": "it"}[section]


def _case(path: Path) -> tuple[str, str]:
    parts = path.name.split(".")  # sms.j2 | sms.<lang>.j2
    return path.parent.name, parts[1] if len(parts) == 3 else "en"


def _message(name: str, lang: str, data: dict[str, Any], org: str) -> dict[str, Any]:
    return json.loads(
        json.dumps(
            {
                "delivery_id": "dlv_0123",
                "org_id": "org-1",
                "event_id": "evt-0001",
                "event_type": name,
                "channel": "sms",
                "locale": lang,
                "recipient_name": PERSON,
                "org": {"name": org},
                "event": {
                    "source": "product",
                    "occurred_at": "2026-03-01T10:15:00+00:00",
                    "subject": {"type": name.split(".")[0], "id": "subj-981"},
                    "actor": None,
                    "data": data,
                },
            }
        )
    )


def _render(path: Path, data: dict[str, Any], org: str) -> templates.Rendered:
    name, lang = _case(path)
    rendered = templates.Renderer(str(TEMPLATES)).render_message("sms", _message(name, lang, data, org))
    assert rendered.template == f"{name}/{path.name}"
    return rendered


def test_every_sms_event_type_has_long_realistic_data():
    assert {p.parent.name for p in SMS_FILES} == set(LONG)
    assert len(SMS_FILES) == 28


@pytest.mark.parametrize("path", SMS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("kind", ["example", "long"])
def test_every_sms_template_fits_its_budget(path, kind):
    name, _ = _case(path)
    example = copy.deepcopy(catalog.CATALOG[name].example)
    data = example if kind == "example" else {**example, **LONG[name]}
    org = "Hutki Water" if kind == "example" else LONG_ORG[_product_language(name)]
    rendered = _render(path, data, org)
    budget = templates.segment_budget(str(TEMPLATES), rendered.template)
    size = measure(rendered["text"])
    assert rendered.sms == size
    assert not rendered.sms_cut, f"cut to {budget} segment(s): {rendered['text']!r}"
    assert size.segments <= budget, (size, rendered["text"])


@pytest.mark.parametrize("path", SMS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_budget_above_one_says_why(path):
    source = path.read_text(encoding="utf-8")
    budget = templates.segment_budget(str(TEMPLATES), f"{path.parent.name}/{path.name}")
    if budget > 1:
        assert "{# segments:" in source and "--" in source.split("#}")[0], "say why the SMS needs more than one"
