"""A locale variant of a template tells the same facts as the default one: the Russian ``payment.paid`` email once
left out the invoice number the English one shows. The facts are the ``data.*`` names a template reads (from Jinja's
own parse tree, every block). A variant may differ only where a comment in it says why:
``{# parity: -invoice_number -- why #}`` (a fact it leaves out) or ``{# parity: +account -- why #}`` (one it adds).

Links follow: every action link a catalog example carries is https, and every email template whose event type has
one offers it as the layout's button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from notify_core.domain import catalog, templates
from notify_core.domain.email_layout import https_or_none

pytestmark = pytest.mark.unit

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
VARIANTS = sorted(p for p in TEMPLATES.glob("*/*.*.j2") if not p.parent.name.startswith("_"))
_EXCEPTION = re.compile(r"\{#-?\s*parity:\s*([+-])(\w+)\s+--\s+\S")
_ENV = Environment()


def facts(path: Path) -> set[str]:
    tree = _ENV.parse(path.read_text(encoding="utf-8"))
    return {n.attr for n in tree.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name) and n.node.name == "data"}


def default_of(path: Path) -> Path:
    return path.parent / f"{path.name.split('.')[0]}.j2"


def test_there_are_variants_and_each_has_a_default():
    assert len(VARIANTS) > 100
    for path in VARIANTS:
        assert default_of(path).exists(), path


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_locale_variant_uses_the_same_event_facts_as_the_default(path):
    declared = {(sign, fact) for sign, fact in _EXCEPTION.findall(path.read_text(encoding="utf-8"))}
    base, variant = facts(default_of(path)), facts(path)
    missing = {f for f in base - variant if ("-", f) not in declared}
    extra = {f for f in variant - base if ("+", f) not in declared}
    assert not missing, f"{path.name} leaves out {sorted(missing)}, which {default_of(path).name} shows"
    assert not extra, f"{path.name} shows {sorted(extra)}, which {default_of(path).name} does not"


def test_the_check_finds_a_drift(tmp_path):
    (tmp_path / "email.j2").write_text("{{ data.invoice_number }} {{ data.amount }}", encoding="utf-8")
    (tmp_path / "email.ru.j2").write_text("{{ data.amount }}", encoding="utf-8")
    assert facts(tmp_path / "email.j2") - facts(tmp_path / "email.ru.j2") == {"invoice_number"}


# --- links ---------------------------------------------------------------------------------------------------
LINK_FIELDS = ("url", "pay_url", "portal_url", "report_url", "order_url")
# url_notification.failed's url is the org's failing endpoint (the subject of the alert), not a link to follow.
NOT_ACTIONS = {"url_notification.failed"}
WITH_LINKS = sorted(
    name
    for name, e in catalog.CATALOG.items()
    if name not in NOT_ACTIONS and any(f in e.data_model.model_fields for f in LINK_FIELDS)
)


def test_the_seeds_that_imply_a_link_have_one():
    # view or pay an invoice, sign a document, open the chat, see the order (and the other documents people open)
    assert {"invoice.issued", "invoice.expiring", "invoice.overdue", "signature.requested", "approval.requested",
            "chat.message_received", "order.status_changed", "estimate.viewed"} <= set(WITH_LINKS)  # fmt: skip


@pytest.mark.parametrize("name", WITH_LINKS)
def test_every_action_link_in_an_example_is_https_and_becomes_the_emails_button(name):
    e = catalog.CATALOG[name]
    links = {f: e.example[f] for f in LINK_FIELDS if f in e.example}
    assert links, f"{name}'s example carries no link"
    for field, url in links.items():
        assert https_or_none(url) == url, (field, url)
    for path in sorted((TEMPLATES / name).glob("email*.j2")):
        source = path.read_text(encoding="utf-8")
        assert "{% block action_url %}" in source and "{% block action_label %}" in source, path
    message = {
        "delivery_id": "dlv_1",
        "org_id": "org-1",
        "event_id": "evt-1",
        "event_type": name,
        "channel": "email",
        "locale": "en",
        "recipient_name": "Anna",
        "reasons": [],
        "org": {"name": "Org"},
        "event": {"occurred_at": "2026-03-01T10:15:00Z", "subject": {"type": "x", "id": "1"}, "data": e.example},
    }
    rendered = templates.Renderer(str(TEMPLATES)).render_message("email", message)
    url = next(iter(links.values())).replace("&", "&amp;")
    assert f'<a href="{url}" target="_blank"' in rendered["html"]


def test_a_variant_may_differ_where_a_comment_says_why(tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "email.j2").write_text("{{ data.invoice_number }} {{ data.amount }}", encoding="utf-8")
    variant = tmp_path / "e" / "email.ru.j2"
    variant.write_text(
        "{# parity: -invoice_number -- Russian buyers know the invoice by its account #}{{ data.amount }}"
        "{# parity: +account -- the account is how they pay #}{{ data.account }}",
        encoding="utf-8",
    )
    test_a_locale_variant_uses_the_same_event_facts_as_the_default(variant)
    variant.write_text("{{ data.amount }}", encoding="utf-8")
    with pytest.raises(AssertionError, match="leaves out"):
        test_a_locale_variant_uses_the_same_event_facts_as_the_default(variant)
