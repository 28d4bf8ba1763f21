"""An org's own templates, the pure rules: which delivery uses one, what a save is refused for, how one renders
(the platform's sandbox), and the sender reading them once per batch and only when routing marked a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notify_core.domain import org_templates
from notify_core.domain.rendered import OrgSource
from notify_core.domain.template_overrides import OrgTemplate, name_of, override_for
from notify_core.services.sending import Received, Sender
from tests.fakes import FakeChannel, FakeDeliveryLog

pytestmark = pytest.mark.unit

DIR = str(Path(__file__).resolve().parents[2] / "templates")
EMAIL = (
    "{% block subject %}Paid {{ data.amount }}{% endblock %}{% block text %}By {{ data.payer_name }}{% endblock %}"
    "{% block html %}<p>{{ data.payer_name }}</p>{% endblock %}"
)


@pytest.mark.parametrize(
    ("locale", "overrides", "expected"),
    [
        ("ru", {"payment.paid/email/ru"}, "payment.paid/email/ru"),
        ("ru-BY", {"payment.paid/email/ru"}, "payment.paid/email/ru"),  # the language of a regional locale
        ("ru-BY", {"payment.paid/email/ru", "payment.paid/email/ru-BY"}, "payment.paid/email/ru-BY"),  # exact first
        (None, {"payment.paid/email/en"}, "payment.paid/email/en"),  # no locale counts as English
        ("pl", {"payment.paid/email/ru"}, None),  # not the platform's Polish replaced by someone's Russian
        ("ru", {"payment.paid/sms/ru", "invoice.paid/email/ru"}, None),  # another channel, another event
        ("ru", set(), None),
    ],
)
def test_which_override_a_delivery_uses(locale, overrides, expected):
    assert override_for("payment.paid", "email", locale, overrides) == expected


def test_a_good_template_passes_every_check():
    assert org_templates.check("payment.paid", "email", "ru", EMAIL, DIR) == []
    assert (
        org_templates.check("payment.paid", "sms", "ru", "{% block text %}{{ data.amount }}{% endblock %}", DIR) == []
    )


@pytest.mark.parametrize(
    ("source", "why"),
    [
        (EMAIL.replace("{% endblock %}", "", 1), "syntax error on line 1"),
        (EMAIL.replace("data.payer_name", "data.payer", 1), "unknown variable 'data.payer'"),
        (EMAIL.replace("data.payer_name", "data['payer']", 1), "unknown variable 'data.payer'"),
        (EMAIL.replace("data.payer_name", "config", 1), "unknown variable 'config'"),
        (EMAIL.replace("data.payer_name", "''.__class__.__mro__", 1), "'__class__' is not allowed"),
        (EMAIL.replace("data.payer_name", "data.amount|attr('__class__')", 1), "does not render"),
        (EMAIL.replace("{% block html %}", "{% block footer %}", 1), "needs a {% block html %}"),
        ("{% extends 'payment.paid/email.j2' %}" + EMAIL, "extends, include and import"),
        (EMAIL + "{% include '_layout/email.html.j2' %}", "extends, include and import"),
        (EMAIL.replace("Paid", "x" * 20_001, 1), "at most 20,000"),
        (EMAIL.replace("{{ data.amount }}", "{{ data.amount / 0 }}", 1), "does not render"),
    ],
)
def test_a_broken_email_template_is_refused_naming_why(source, why):
    problems = org_templates.check("payment.paid", "email", "ru", source, DIR)
    assert problems and all(p.field == "body.source" for p in problems)
    assert any(why in p.message for p in problems), problems


def test_sms_templates_are_held_to_their_budget():
    long = "{% block text %}" + "Оплата получена, спасибо. " * 3 + "{% endblock %}"  # 78 UCS-2 characters
    [problem] = org_templates.check("payment.paid", "sms", "ru", long, DIR)
    assert "longer than its budget of 1 segment(s)" in problem.message
    assert org_templates.check("payment.paid", "sms", "ru", "{# segments: 2 #}" + long, DIR) == []
    [problem] = org_templates.check("payment.paid", "sms", "ru", "{# segments: 11 #}" + long, DIR)
    assert "declares 11 segments (1 to 10)" in problem.message


@pytest.mark.parametrize(
    ("event_type", "channel", "locale", "field"),
    [
        ("payment.nope", "email", "ru", "path.event_type"),
        ("payment.paid", "inapp", "ru", "path.channel"),  # rendered by the router: not overridable yet
        ("payment.reversed", "sms", "russian", "path.locale"),
        ("url_notification.failed", "sms", "ru", "path.channel"),  # the event type is never sent by SMS
    ],
)
def test_only_what_an_org_may_override_is_taken(event_type, channel, locale, field):
    [problem] = org_templates.check(event_type, channel, locale, EMAIL, DIR)
    assert problem.field == field


def test_an_override_renders_in_the_platform_sandbox_and_layout():
    rendered = org_templates.render_example(
        "payment.paid", "email", "ru", EMAIL, DIR, data={"amount": "1", "currency": "BYN", "payment_id": "p",
                                                         "payer_name": "<script>alert(1)</script> & Co"},
    )  # fmt: skip
    assert rendered.template == "org:payment.paid/email.ru"
    assert rendered["subject"] == "Paid 1"
    assert rendered["text"].startswith("By <script>alert(1)</script> & Co")  # text is not HTML: not escaped
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</p>" in rendered["html"]  # HTML is, always
    assert rendered["html"].startswith("<!DOCTYPE html>")  # inside the platform's layout
    assert name_of("payment.paid/sms/ru-BY") == "org:payment.paid/sms.ru-BY"


class Templates:
    def __init__(self, found: dict[tuple[str, str], OrgTemplate]) -> None:
        self.found = found
        self.calls: list[list[tuple[str, str]]] = []

    def templates_for(self, keys: Any) -> dict[tuple[str, str], OrgTemplate]:
        self.calls.append(list(keys))
        return {k: v for k, v in self.found.items() if k in set(keys)}


class Recorder:
    def __init__(self) -> None:
        self.sources: list[OrgSource | None] = []

    def render_message(self, channel: str, message: dict[str, Any], *, source: OrgSource | None = None) -> Any:
        from notify_core.domain.rendered import Rendered

        self.sources.append(source)
        return Rendered(template="t", parts={"subject": "s", "text": "t", "html": "h"})


def _message(n: int, org: str, override: str | None) -> str:
    import json

    m = {"delivery_id": f"dlv_{n}", "org_id": org, "event_id": f"e{n}", "event_type": "payment.paid",
         "channel": "email", "address": f"a{n}@x.example", "reasons": []}  # fmt: skip
    if override:
        m["template_override"] = override
    return json.dumps(m)


def test_the_sender_reads_marked_templates_once_per_batch_and_nothing_otherwise():
    saved = OrgTemplate("org-a", "payment.paid", "email", "ru", "SOURCE-A")
    templates, renderer = Templates({("org-a", "payment.paid/email/ru"): saved}), Recorder()
    sender = Sender([FakeChannel("email")], log=FakeDeliveryLog(), suppressions=None, renderer=renderer,
                    max_receives=3, templates=templates)  # fmt: skip
    plain = [Received(f"m{n}", 1, _message(n, "org-b", None)) for n in range(3)]
    batch = sender.open_batch(plain, remaining_s=30)
    assert templates.calls == []  # an org without overrides costs nothing
    for r in plain:
        sender.deliver(batch, r)
    marked = [
        Received("m10", 1, _message(10, "org-a", "payment.paid/email/ru")),
        Received("m11", 1, _message(11, "org-a", "payment.paid/email/ru")),
        Received("m12", 1, _message(12, "org-c", "payment.paid/email/ru")),  # deleted since routing
    ]
    batch = sender.open_batch(marked, remaining_s=30)
    assert len(templates.calls) == 1  # one read for the batch
    for r in marked:
        sender.deliver(batch, r)
    assert renderer.sources[:3] == [None, None, None]
    assert renderer.sources[3:5] == [OrgSource("org:payment.paid/email.ru", "SOURCE-A")] * 2
    assert renderer.sources[5] is None  # the platform's template


@pytest.mark.parametrize(
    "module",
    ["notify_core.domain.routing", "notify_core.domain.template_overrides", "notify_core.compose.api"],
)
def test_the_router_and_the_api_do_not_load_jinja2_for_org_templates(module):
    """The router decides which override a delivery uses without Jinja2, and the API loads it on its first templates
    call, not on its cold start (``services.org_templates._checks``)."""
    import subprocess
    import sys

    code = f"import sys; import {module}; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
