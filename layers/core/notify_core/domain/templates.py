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

The sandbox is bounded too (``_BoundedSandbox``), so a template (ours, or an org's own from the admin API:
``domain.org_templates``) cannot make a sender spin or run out of memory: strings and sequences an operator,
call or filter would build are refused past ``MAX_SEQUENCE`` items, a block's output past ``MAX_OUTPUT_CHARS``,
``range`` past Jinja's 100,000, and a render past ``MAX_RENDER_S`` (checked at every output chunk, operator,
call, attribute and item access, and every 1,000 steps of a ``range``). Each is a ``template_error``, not
retried.
"""

from __future__ import annotations

import contextvars
import json
import re
import time
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, TemplateNotFound, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from notify_core.domain import email_layout, sms_text
from notify_core.domain.rendered import OrgSource, Rendered, TemplateRenderError

__all__ = ["OrgSource", "Rendered", "Renderer", "TemplateRenderError", "candidates", "context_for", "render"]

BLOCKS = {
    "email": ("subject", "text", "html"),
    "sms": ("text",),
    "webhook": ("body",),
    "inapp": ("title", "body"),
    "slack": ("text",),  # Slack mrkdwn; the Slack adapter wraps it in a Block Kit section
    "telegram": ("text",),  # Telegram HTML (parse_mode HTML): rendered by the autoescaping environment
}
HTML_BLOCKS = frozenset({"html"})
# Optional blocks: an email's call to action, shown as the layout's button (https only: email_layout.https_or_none).
OPTIONAL_BLOCKS = {"email": ("action_url", "action_label")}
# The platform's email layout (built from email.src.html by scripts/build_email_layout.py): every email's HTML
# block is its content.
EMAIL_LAYOUT = "_layout/email.html.j2"
# An SMS template declares its segment budget in a comment, ``{# segments: 2 -- why #}``; without one it is 1.
# The rendered text is prepared (typography, the org's transliteration) and cut to that budget with an ellipsis
# (``domain.sms_text``): a template's realistic renders fit it (tests/unit/test_unit_sms_budget.py), so a cut only
# meets data nobody foresaw, and an SMS never costs more segments than its template says.
DEFAULT_SMS_SEGMENTS = 1
_SEGMENTS_DECLARATION = re.compile(r"\{#-?\s*segments:\s*(\d+)")
# An in-app item is a DynamoDB item (400 KB at most) and a line in a list: its title and body are cut to these.
MAX_INAPP_TITLE_CHARS, MAX_INAPP_BODY_CHARS = 300, 4_000
# The sandbox's bounds: what an operator, call or filter may build, what a block may output, how long a render
# may take (a template renders in milliseconds; these stop one that would not).
MAX_SEQUENCE = 100_000
MAX_OUTPUT_CHARS = 256_000
MAX_RENDER_S = 2.0


class RenderLimitExceeded(SecurityError):
    """A template went past one of the sandbox's bounds (size or time)."""


# The current render's deadline (monotonic seconds): every hook of the sandbox checks it.
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("notify_render_deadline", default=float("inf"))
_WIDTH = re.compile(r"%[-#0 +]*(\d+)|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


def _tick() -> None:
    if time.monotonic() > _deadline.get():
        raise RenderLimitExceeded(f"the template took longer than {MAX_RENDER_S:g}s to render")


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) else None


def _check_size(value: Any, what: str) -> Any:
    size = _sized(value)
    if size is not None and size > MAX_SEQUENCE:
        raise RenderLimitExceeded(f"{what} would hold {size:,} items (at most {MAX_SEQUENCE:,})")
    return value


def _check_widths(args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    """A width or count an argument asks for (``center(10**9)``, ``indent(10**9)``) is bounded."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SEQUENCE:
            raise RenderLimitExceeded(f"{what} was given {value:,} (at most {MAX_SEQUENCE:,})")


def _check_format(fmt: Any, what: str) -> None:
    """A format string's widths (``'%999999999d'``, ``'{:>999999999}'``) are bounded."""
    if isinstance(fmt, str) and any(int(w) > MAX_SEQUENCE for m in _WIDTH.finditer(fmt) for w in m.groups() if w):
        raise RenderLimitExceeded(f"{what} was given a format wider than {MAX_SEQUENCE:,}")


# Methods and filters that build a string or list as wide or as long as an argument says.
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice", "urlize"})


class _TickingRange:
    """Jinja's bounded ``range`` that also checks the render's deadline as a loop runs over it."""

    def __init__(self, *args: int) -> None:
        self.range = range(*args)
        if len(self.range) > MAX_RANGE:
            raise RenderLimitExceeded(f"range of {len(self.range):,} items (at most {MAX_RANGE:,})")

    def __iter__(self) -> Iterator[int]:
        for i, value in enumerate(self.range):
            if i % 1000 == 0:
                _tick()
            yield value

    def __len__(self) -> int:
        return len(self.range)

    def __getitem__(self, index: Any) -> Any:
        return self.range[index]


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``~`` concatenation's result checked (``_BoundedSandbox.concat_bounded``):
    each operand is already bounded, so a chain of them cannot grow past the bound unseen."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with sizes and time bounded at every hook the sandbox offers."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    @staticmethod
    def concat_bounded(value: Any) -> Any:
        _tick()
        return _check_size(value, "'~'")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        a, b = _sized(left), _sized(right)
        if operator == "*":
            for size, n in ((a, right), (b, left)):
                if size is not None and isinstance(n, int) and size * n > MAX_SEQUENCE:
                    raise RenderLimitExceeded(f"'*' would build {size * n:,} items (at most {MAX_SEQUENCE:,})")
        elif operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
            if abs(right) > 64 and abs(left) > 1:  # 2 ** 64 is plenty for a notification
                raise RenderLimitExceeded(f"'**' with an exponent of {right} (at most 64)")
        elif operator == "+" and a is not None and b is not None and a + b > MAX_SEQUENCE:
            raise RenderLimitExceeded(f"'+' would build {a + b:,} items (at most {MAX_SEQUENCE:,})")
        elif operator == "%":
            _check_format(left, "'%'")
        return _check_size(super().call_binop(context, operator, left, right), f"'{operator}'")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        # The sandbox hands str.format over wrapped (``__wrapped__``): its string is the wrapped method's owner.
        owner = getattr(__obj, "__self__", None) or getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name in _WIDTH_METHODS:
            _check_widths(args, kwargs, f"{name}()")
        if isinstance(owner, str) and name in ("format", "format_map"):
            _check_format(owner, f"{name}()")
        return _check_size(super().call(__context, __obj, *args, **kwargs), f"{name or 'a call'}()")

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)


def _bounded_filter(name: str, func: Any) -> Any:
    """A filter whose result is bounded, and whose widths (``center(10**9)``) and format strings are too."""
    passes = getattr(func, "jinja_pass_arg", None)  # Jinja hands such a filter its context or environment first

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        value, rest = (args[1], args[2:]) if passes else (args[0], args[1:])
        if name in _WIDTH_FILTERS:
            _check_widths(rest, kwargs, f"the {name} filter")
        if name == "format":
            _check_format(value, "the format filter")
        return _check_size(func(*args, **kwargs), f"the {name} filter")

    if passes is not None:
        bounded.jinja_pass_arg = passes  # type: ignore[attr-defined]
    return bounded


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
    env = _BoundedSandbox(
        finalize=finalize,
        loader=FileSystemLoader(directory),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    env.filters["money"] = _money  # ours: its amount is the value, never a size
    env.globals["range"] = _TickingRange
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

    def __init__(self, directory: str, *, unsubscribe_url: Any = None) -> None:
        """``unsubscribe_url(message) -> str | None``: the signed one-click unsubscribe link of an email delivery
        (``services.unsubscribe``; None for one that must always go), injected by the email sender."""
        self.directory = directory
        self.unsubscribe_url = unsubscribe_url

    def render(self, event_type: str, channel: str, locale: str | None, context: dict[str, Any]) -> Rendered:
        return render(event_type, channel, locale, context, self.directory)

    def render_message(self, channel: str, message: dict[str, Any], *, source: OrgSource | None = None) -> Rendered:
        """A queue message's delivery rendered for ``channel`` (what a sender and the in-app writer do); with
        ``source``, the org's own template (``domain.org_templates``) instead of the platform's file."""
        latin = bool((message.get("org") or {}).get("sms_latin"))
        context = context_for(message)
        if channel == "email" and self.unsubscribe_url is not None:
            context["unsubscribe_url"] = self.unsubscribe_url(message)
        return render(
            message["event_type"], channel, message.get("locale"), context, self.directory, sms_latin=latin,
            source=source,
        )  # fmt: skip


def render(
    event_type: str,
    channel: str,
    locale: str | None,
    context: dict[str, Any],
    directory: str,
    *,
    sms_latin: bool = False,
    source: OrgSource | None = None,
) -> Rendered:
    """``sms_latin``: the org sends SMS in Latin letters (``sms_text.transliterate``). ``source``: an org's own
    template for this event and channel, rendered instead of the platform's file."""
    token = _deadline.set(time.monotonic() + MAX_RENDER_S)
    try:
        name, parts = _render_blocks(event_type, channel, locale, context, directory, source)
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
    finally:
        _deadline.reset(token)
    if channel == "sms":
        prepared = sms_text.prepare(parts["text"], latin=sms_latin)
        budget = source_budget(source.source) if source else segment_budget(directory, name)
        parts["text"] = sms_text.fit(prepared, budget)
        size = sms_text.measure(parts["text"])
        return Rendered(template=name, parts=parts, sms=size, sms_cut=parts["text"] != prepared)
    parts = _finished(channel, name, parts)
    if channel == "email":
        return _in_layout(name, parts, locale, context, directory)
    return Rendered(template=name, parts=parts)


def _in_layout(
    name: str, parts: dict[str, str], locale: str | None, context: dict[str, Any], directory: str
) -> Rendered:
    """The email's content in the platform's layout: the org's name or logo and colour, the call to action, and a
    footer saying why this person got it and how to stop it (``domain.email_layout``)."""
    org = context.get("org") or {}
    unsubscribe = email_layout.https_or_none(context.get("unsubscribe_url"))
    layout = email_layout.layout_for(
        locale=locale,
        subject=parts["subject"],
        org_name=str(org.get("name") or ""),
        branding=org.get("branding"),
        reasons=context.get("reasons") or (),
        subject_type=str((context.get("event") or {}).get("subject", {}).get("type", "")),
        action_url=parts.pop("action_url", None),
        action_label=parts.pop("action_label", ""),
        unsubscribe_url=unsubscribe,
    )
    token = _deadline.set(time.monotonic() + MAX_RENDER_S)
    try:
        try:
            html = _environments(directory)[1].get_template(EMAIL_LAYOUT)
        except TemplateNotFound:  # a directory of its own (a test's) without the layout: the content alone
            html = None
        values = {**layout.__dict__, "content": Markup(parts["html"])}
        if html is not None:
            parts["html"] = html.render(layout=values)
    except TemplateError as exc:
        raise TemplateRenderError(f"{EMAIL_LAYOUT}: {exc}") from None
    finally:
        _deadline.reset(token)
    text = parts["text"]
    if layout.action_url and layout.action_url not in text:
        text += f"\n\n{layout.action_label}: {layout.action_url}"
    footer = layout.footer_text()
    parts["text"] = f"{text}\n\n-- \n{footer}" if footer else text
    return Rendered(template=name, parts=parts, unsubscribe_url=unsubscribe)


@cache
def segment_budget(directory: str, name: str) -> int:
    """The segments an SMS template declares (``{# segments: N #}``), else ``DEFAULT_SMS_SEGMENTS``."""
    plain = _environments(directory)[0]
    assert plain.loader is not None
    source = plain.loader.get_source(plain, name)[0]
    return _declared_budget(source, name)


def source_budget(source: str) -> int:
    """The segments an org's SMS template declares (the same ``{# segments: N #}`` comment as ours)."""
    return _declared_budget(source, "the template")


def _declared_budget(source: str, name: str) -> int:
    found = _SEGMENTS_DECLARATION.search(source)
    budget = int(found.group(1)) if found else DEFAULT_SMS_SEGMENTS
    if not 1 <= budget <= sms_text.MAX_SEGMENTS:
        raise TemplateRenderError(f"{name} declares {budget} segments (1 to {sms_text.MAX_SEGMENTS})")
    return budget


def environment_for(channel: str, directory: str, *, html: bool = False) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment a channel's text blocks (or, ``html``, its HTML blocks) are rendered by."""
    plain, html_env, slack = _environments(directory)
    if html or channel == "telegram":
        return html_env  # Telegram parses the text as HTML: event data must be escaped, as in an email's HTML
    return slack if channel == "slack" else plain


@lru_cache(maxsize=256)
def _compiled(directory: str, channel: str, html: bool, source: str) -> Template:
    """An org's template compiled once per container (a batch of its deliveries renders it many times)."""
    return environment_for(channel, directory, html=html).from_string(source)


def _render_blocks(
    event_type: str, channel: str, locale: str | None, context: dict[str, Any], directory: str,
    source: OrgSource | None = None,
) -> tuple[str, dict[str, str]]:  # fmt: skip
    if source is not None:
        name = source.name
        template_plain = _compiled(directory, channel, False, source.source)
        template_html = _compiled(directory, channel, True, source.source)
    else:
        template_plain = environment_for(channel, directory).select_template(candidates(event_type, channel, locale))
        name = template_plain.name or ""
        template_html = environment_for(channel, directory, html=True).get_template(name)
    parts: dict[str, str] = {}
    for block in BLOCKS[channel]:
        template = template_html if block in HTML_BLOCKS else template_plain
        if block not in template.blocks:
            raise TemplateRenderError(f"{name} has no {{% block {block} %}}")
        ctx = template.new_context(context)
        parts[block] = _output(template.blocks[block](ctx), name, block)
    for block in OPTIONAL_BLOCKS.get(channel, ()):
        if block in template_plain.blocks:
            parts[block] = _output(template_plain.blocks[block](template_plain.new_context(context)), name, block)
    return name, parts


def _output(chunks: Iterator[str], name: str, block: str) -> str:
    """A block's output, chunk by chunk: bounded in size, and the deadline checked between chunks."""
    out, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise RenderLimitExceeded(f"{name} block {block} renders more than {MAX_OUTPUT_CHARS:,} characters")
        _tick()
        out.append(chunk)
    return "".join(out).strip()


def _finished(channel: str, name: str, parts: dict[str, str]) -> dict[str, str]:
    """What each channel needs of its rendered text: a one-line subject, a bounded SMS, a JSON body."""
    if channel == "email" and ("\n" in parts["subject"] or "\r" in parts["subject"]):
        parts["subject"] = " ".join(parts["subject"].split())
    if channel == "inapp":
        parts["title"] = parts["title"][:MAX_INAPP_TITLE_CHARS]
        parts["body"] = parts["body"][:MAX_INAPP_BODY_CHARS]
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
        "org": {"name": message["org"]["name"], "id": message["org_id"], "branding": message["org"].get("branding")},
        "recipient": {"name": message.get("recipient_name")},
        "delivery_id": message["delivery_id"],
        # What the email layout's footer says: why this person got it (the rules routing recorded on the delivery).
        "reasons": list(message.get("reasons") or ()),
    }
