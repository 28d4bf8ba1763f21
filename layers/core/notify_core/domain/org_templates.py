"""An org's own templates (the admin API's templates resource): what one may hold and how it is found (pure).

An org may override the platform's template of one event type x channel x locale with Jinja source of its own
(``PUT /orgs/{org}/templates/{event_type}/{channel}/{locale}``). It is rendered by the **same** bounded sandboxes
as ours (``domain.templates``: autoescaped HTML blocks, StrictUndefined, size and time bounds); before it is stored,
``check`` refuses, field by field, what would fail or surprise at send time:

- a body over ``MAX_SOURCE_CHARS``, a Jinja syntax error (with its line), a missing block the channel needs
  (email ``subject``/``text``/``html``, SMS ``text``) or a block the channel does not have;
- a name the template context does not have (``event``, ``data``, ``org``, ``recipient``, ``delivery_id``,
  ``reasons``, ``unsubscribe_url``), a ``data.<field>`` the event type's schema (the catalog) does not name, and any
  attribute starting with ``_`` (``{{ ''.__class__ }}``: the sandbox would refuse it at send time; we refuse it now);
- a render with the catalog's example that fails, and an SMS whose example render is over its declared budget
  (``{# segments: N #}``, 1 by default; at send time a longer text is cut to it).

Which override a delivery uses is ``domain.template_overrides`` (the router decides it, without Jinja2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes

from notify_core.domain import catalog, sms_text
from notify_core.domain.rendered import TemplateRenderError
from notify_core.domain.template_overrides import key, name_of
from notify_core.domain.templates import (
    BLOCKS,
    OPTIONAL_BLOCKS,
    OrgSource,
    Rendered,
    context_for,
    environment_for,
    render,
    source_budget,
)

# Channels whose senders render per delivery from the queued message (email, SMS). In-app items are rendered by the
# router and chat/webhook bodies are not overridable yet (README "Admin API", not yet).
CHANNELS = ("email", "sms")
MAX_SOURCE_CHARS = 20_000
LOCALE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"
# What the template context holds (``templates.context_for`` plus the email sender's unsubscribe link).
CONTEXT_NAMES = frozenset({"event", "data", "org", "recipient", "delivery_id", "reasons", "unsubscribe_url"})
EXAMPLE_RECIPIENT = "Anna Example"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def source_of(override: str, source: str) -> OrgSource:
    return OrgSource(name=name_of(override), source=source)


def check_target(event_type: str, channel: str, locale: str) -> list[Problem]:
    """Whether (event type, channel, locale) names something an org may override."""
    entry = catalog.lookup(event_type)
    if entry is None:
        return [Problem("path.event_type", f"{event_type!r} is not an event type of the catalog")]
    problems = []
    if channel not in CHANNELS:
        problems.append(Problem("path.channel", f"templates can be overridden for {', '.join(CHANNELS)} only"))
    elif channel not in entry.channels:
        problems.append(Problem("path.channel", f"{event_type} is not sent by {channel}"))
    if not re.fullmatch(LOCALE_PATTERN, locale):
        problems.append(Problem("path.locale", "a language (ru) or a language and a region (ru-BY)"))
    return problems


def check(event_type: str, channel: str, locale: str, source: str, directory: str) -> list[Problem]:
    """Every reason this source cannot be stored as the org's template (empty: it can)."""
    problems = check_target(event_type, channel, locale)
    if problems:
        return problems
    field = "body.source"
    if len(source) > MAX_SOURCE_CHARS:
        return [Problem(field, f"the template is {len(source):,} characters long (at most {MAX_SOURCE_CHARS:,})")]
    env = environment_for(channel, directory)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem(field, f"syntax error on line {exc.lineno}: {exc.message}")]
    problems += _blocks(tree, channel)
    problems += _names(tree, env.globals, catalog.CATALOG[event_type])
    if channel == "sms":
        try:
            source_budget(source)
        except TemplateRenderError as exc:
            problems.append(Problem(field, str(exc)))
    if problems:
        return problems
    try:
        rendered = render_example(event_type, channel, locale, source, directory)
    except TemplateRenderError as exc:
        return [Problem(field, f"it does not render with the catalog's example of {event_type}: {exc}")]
    if channel == "sms" and rendered.sms_cut:
        budget = source_budget(source)
        problems.append(
            Problem(
                field,
                f"with the catalog's example the SMS is longer than its budget of {budget} segment(s) "
                f"({sms_text.SINGLE['gsm7']} GSM-7 or {sms_text.SINGLE['ucs2']} Unicode characters in one): shorten "
                f"it or declare {{# segments: N #}} (at most {sms_text.MAX_SEGMENTS})",
            )
        )
    return problems


def _blocks(tree: nodes.Template, channel: str) -> list[Problem]:
    found = {b.name for b in tree.find_all(nodes.Block)}
    problems = [
        Problem("body.source", f"the {channel} template needs a {{% block {b} %}}")
        for b in BLOCKS[channel]
        if b not in found
    ]
    known = {*BLOCKS[channel], *OPTIONAL_BLOCKS.get(channel, ())}
    problems += [
        Problem("body.source", f"{{% block {b} %}} is not a block of a {channel} template ({', '.join(sorted(known))})")
        for b in sorted(found - known)
    ]
    if any(True for _ in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))):
        problems.append(Problem("body.source", "extends, include and import are not available in an org's template"))
    return problems


def _names(tree: nodes.Template, env_globals: dict[str, Any], event_type: catalog.EventType) -> list[Problem]:
    problems = []
    allowed = CONTEXT_NAMES | set(env_globals)
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        problems.append(
            Problem("body.source", f"unknown variable {name!r}: templates may use {', '.join(sorted(CONTEXT_NAMES))}")
        )
    fields = set(event_type.data_model.model_fields)
    unknown: set[str] = set()
    node: Any
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
        if attr is None:
            continue
        if attr.startswith("_"):
            problems.append(Problem("body.source", f"attribute {attr!r} is not allowed (the sandbox refuses names "
                                    "starting with '_')"))  # fmt: skip
        elif isinstance(node.node, nodes.Name) and node.node.name == "data" and attr not in fields:
            unknown.add(attr)
    for attr in sorted(unknown):
        problems.append(
            Problem("body.source", f"unknown variable 'data.{attr}': {event_type.name} data has "
                    f"{', '.join(sorted(fields))}")
        )  # fmt: skip
    return problems


def _const(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def example_message(
    event_type: str,
    channel: str,
    locale: str | None,
    *,
    org_id: str = "example-org",
    org_name: str = "Example Org",
    data: dict[str, Any] | None = None,
    address: str = "",
    recipient_name: str | None = EXAMPLE_RECIPIENT,
    delivery_id: str = "dlv_example",
) -> dict[str, Any]:
    """A queue message as the router would build it for this event type (the catalog's example, or ``data``)."""
    entry = catalog.CATALOG[event_type]
    return {
        "delivery_id": delivery_id,
        "org_id": org_id,
        "event_id": f"example-{event_type}",
        "event_type": event_type,
        "channel": channel,
        "address": address,
        "recipient_name": recipient_name,
        "endpoint_id": None,
        "user_id": None,
        "locale": locale,
        "reasons": [],
        "org": {"name": org_name, "email_from": None},
        "event": {
            "source": "notify.example",
            "occurred_at": "2026-01-15T09:30:00+00:00",
            "subject": {"type": event_type.split(".")[0], "id": "example-1"},
            "actor": None,
            "data": dict(entry.example if data is None else data),
        },
    }


def render_example(event_type: str, channel: str, locale: str, source: str, directory: str, **message: Any) -> Rendered:
    msg = example_message(event_type, channel, locale, **message)
    return render(
        event_type, channel, locale, context_for(msg), directory,
        source=source_of(key(event_type, channel, locale), source),
    )  # fmt: skip
