"""Template rendering: Jinja2, sandboxed, HTML always autoescaped.

Files: ``templates/<event type>/<channel>[.<locale>].j2``. One file per event x channel x locale,
holding named blocks: email ``subject``, ``text`` and ``html``; sms ``text``; webhook ``body``
(JSON). A channel with no file for the event falls back to ``templates/_default/<channel>.j2``.
Locale fallback: ``ru-BY`` -> ``ru`` -> no suffix (English).

Each file is compiled twice, by two sandboxed environments: blocks that become HTML are rendered by
the autoescaping one (so ``<script>`` in event data arrives as text, whatever the template author
wrote), subject/text/SMS/JSON by the plain one (so "Smith & Co" is not sent as "Smith &amp; Co").
Telegram's ``text`` is HTML too (sent with parse_mode HTML): the autoescaping environment renders it.
StrictUndefined turns a template that names a missing fact into an error the delivery records
(``template_error``), not a blank in a customer's email.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment

BLOCKS = {
    "email": ("subject", "text", "html"),
    "sms": ("text",),
    "webhook": ("body",),
    "inapp": ("title", "body"),
    "slack": ("text",),  # Slack mrkdwn; the Slack adapter wraps it in a Block Kit section
    "telegram": ("text",),  # Telegram HTML (parse_mode HTML): rendered by the autoescaping environment
}
HTML_BLOCKS = frozenset({"html"})
MAX_SMS_CHARS = 800  # ~5 concatenated GSM segments; longer bodies are cut, never rejected by SNS


class TemplateRenderError(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    template: str
    parts: dict[str, str]

    def __getitem__(self, block: str) -> str:
        return self.parts[block]


def _money(amount: Any, currency: str | None = None) -> str:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(amount)
    return f"{value:,.2f} {currency}".strip() if currency else f"{value:,.2f}"


def _slack_escape(value: Any) -> Any:
    # Slack mrkdwn treats &, < and > as control characters (links, mentions): data must not inject them.
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _env(autoescape: bool, directory: str, finalize: Any = None) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        finalize=finalize,
        loader=FileSystemLoader(directory),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = _money
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


@cache
def _environments(directory: str) -> tuple[ImmutableSandboxedEnvironment, ...]:
    """(plain, HTML-autoescaping, Slack-escaping) environments over the same files."""
    return _env(False, directory), _env(True, directory), _env(False, directory, _slack_escape)


def candidates(event_type: str, channel: str, locale: str | None) -> list[str]:
    names = []
    if locale:
        names.append(f"{event_type}/{channel}.{locale}.j2")
        lang = locale.split("-")[0]
        if lang != locale:
            names.append(f"{event_type}/{channel}.{lang}.j2")
    names.append(f"{event_type}/{channel}.j2")
    if locale:
        lang = locale.split("-")[0]
        names.append(f"_default/{channel}.{lang}.j2")
    names.append(f"_default/{channel}.j2")
    return names


class Renderer:
    """Renders the templates of one directory (the layer's ``/opt/templates`` on AWS, the repository's locally).

    The Jinja environments are built on first use and cached per directory: a function that renders nothing
    (the router for an event with no in-app audience) never pays for compiling templates.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def render(self, event_type: str, channel: str, locale: str | None, context: dict[str, Any]) -> Rendered:
        return render(event_type, channel, locale, context, self.directory)

    def render_message(self, channel: str, message: dict[str, Any]) -> Rendered:
        """A queue message's delivery rendered for ``channel`` (what a sender and the in-app writer do)."""
        return render(message["event_type"], channel, message.get("locale"), context_for(message), self.directory)


def render(event_type: str, channel: str, locale: str | None, context: dict[str, Any], directory: str) -> Rendered:
    try:
        name, parts = _render_blocks(event_type, channel, locale, context, directory)
    except TemplateNotFound as exc:
        raise TemplateRenderError(f"no template for {event_type}/{channel}: {exc}") from None
    except TemplateRenderError:
        raise
    except TemplateError as exc:
        raise TemplateRenderError(f"{event_type}/{channel}: {exc}") from None
    except Exception as exc:
        # Jinja's own errors and runtime errors inside the template ({{ x / 0 }}, the sandbox's
        # OverflowError) alike: retrying renders the same template with the same data.
        raise TemplateRenderError(f"{event_type}/{channel}: {type(exc).__name__}: {exc}") from None
    return Rendered(template=name, parts=_finished(channel, name, parts))


def _render_blocks(
    event_type: str, channel: str, locale: str | None, context: dict[str, Any], directory: str
) -> tuple[str, dict[str, str]]:
    plain, html, slack = _environments(directory)
    if channel == "slack":
        plain = slack
    elif channel == "telegram":
        plain = html  # Telegram parses the text as HTML: event data must be escaped, as in an email's HTML
    template_plain = plain.select_template(candidates(event_type, channel, locale))
    name = template_plain.name or ""
    template_html = html.get_template(name)
    parts: dict[str, str] = {}
    for block in BLOCKS[channel]:
        template = template_html if block in HTML_BLOCKS else template_plain
        if block not in template.blocks:
            raise TemplateRenderError(f"{name} has no {{% block {block} %}}")
        ctx = template.new_context(context)
        parts[block] = "".join(template.blocks[block](ctx)).strip()
    return name, parts


def _finished(channel: str, name: str, parts: dict[str, str]) -> dict[str, str]:
    """What each channel needs of its rendered text: a one-line subject, a bounded SMS, a JSON body."""
    if channel == "email" and ("\n" in parts["subject"] or "\r" in parts["subject"]):
        parts["subject"] = " ".join(parts["subject"].split())
    if channel == "sms":
        parts["text"] = parts["text"][:MAX_SMS_CHARS]
    if channel == "webhook":
        try:
            json.loads(parts["body"])
        except ValueError as exc:
            raise TemplateRenderError(f"{name} did not render valid JSON: {exc}") from None
    return parts


def context_for(message: dict[str, Any]) -> dict[str, Any]:
    """What templates may use: the event's facts, the org's name, the recipient's name."""
    event = message["event"]
    return {
        "event": {
            "type": message["event_type"],
            "id": message["event_id"],
            "occurred_at": event["occurred_at"],
            "subject": event["subject"],
            "actor": event.get("actor"),
            "source": event.get("source"),
        },
        "data": event["data"],
        "org": {"name": message["org"]["name"], "id": message["org_id"]},
        "recipient": {"name": message.get("recipient_name")},
        "delivery_id": message["delivery_id"],
    }
