"""The template sandbox is bounded in size and time: a template cannot make a sender spin or run out of memory.

Before: ``{{ 'a' * 10**9 }}`` rendered, in 114 s and a gigabyte.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from notify_core.domain import templates
from notify_core.domain.templates import MAX_INAPP_BODY_CHARS, MAX_SEQUENCE, TemplateRenderError, render

pytestmark = pytest.mark.unit

CTX = {
    "event": {"type": "e", "id": "1", "occurred_at": "2026-03-01T10:15:00Z", "subject": {}, "actor": None},
    "data": {"amount": "120.50", "items": list(range(1000)), "note": "%s and {x:>9999999}"},
    "org": {"name": "Org", "id": "org"},
    "recipient": {"name": "Anna"},
    "delivery_id": "dlv_1",
}


def _render(tmp_path: Path, expression: str, channel: str = "sms") -> str:
    folder = tmp_path / "e"
    folder.mkdir(exist_ok=True)
    (folder / f"{channel}.j2").write_text("{% block text %}" + expression + "{% endblock %}", encoding="utf-8")
    return render("e", channel, None, CTX, str(tmp_path))["text"]


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("{{ 'a' * 10**9 }}", "'*' would build 1,000,000,000 items"),
        ("{{ [0] * 10**9 }}", "'*' would build 1,000,000,000 items"),
        ("{{ 10**9 * 'ab' }}", "'*' would build 2,000,000,000 items"),
        ("{{ 2 ** (10 ** 8) }}", "'**' with an exponent of 100000000"),
        ("{% set a = 'x' * 60000 %}{{ a + a }}", "'+' would build 120,000 items"),
        ("{% set a = 'x' * 60000 %}{{ a ~ a ~ a }}", "'~' would hold 180,000 items"),
        ("{{ 'a'.center(10**9) }}", "center() was given 1,000,000,000"),
        ("{{ 'a'.zfill(10**9) }}", "zfill() was given 1,000,000,000"),
        ("{{ 'a' | center(10**9) }}", "the center filter was given 1,000,000,000"),
        ("{{ 'a' | indent(10**9, true) }}", "the indent filter was given 1,000,000,000"),
        ("{{ '%999999999d' % 1 }}", "'%' was given a format wider than"),
        ("{{ '{:>999999999}'.format(1) }}", "format() was given a format wider than"),
        ("{{ '%999999999s' | format(1) }}", "the format filter was given a format wider than"),
        ("{{ range(10**6) | list }}", "range of 1,000,000 items"),
        ("{{ data['items'] | join(',' * 1000) }}", "the join filter would hold"),
    ],
)
def test_what_a_template_may_build_is_bounded(tmp_path, expression, says):
    started = time.monotonic()
    with pytest.raises(TemplateRenderError, match="^" + re.escape(f"e/sms: {says}")):
        _render(tmp_path, expression)
    assert time.monotonic() - started < 5  # refused before building it, not after


def test_a_block_that_outputs_too_much_is_refused(tmp_path):
    loop = "{% for i in range(100000) %}{{ 'x' * 10 }}{% endfor %}"  # a million characters, chunk by chunk
    with pytest.raises(TemplateRenderError, match="renders more than 256,000 characters"):
        _render(tmp_path, loop)


def test_a_render_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "MAX_RENDER_S", 0.2)
    spin = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"  # 10**10 steps
    started = time.monotonic()
    with pytest.raises(TemplateRenderError, match=r"took longer than 0.2s to render"):
        _render(tmp_path, spin)
    assert time.monotonic() - started < 5


def test_data_that_looks_like_a_format_is_just_text(tmp_path):
    assert _render(tmp_path, "{{ data.note }} {{ '%s: %s' % ('a', data.note) }}") == (
        "%s and {x:>9999999} a: %s and {x:>9999999}"
    )


def test_ordinary_templates_are_unaffected(tmp_path):
    text = _render(
        tmp_path,
        "{{ data.amount | money('BYN') }} {{ data['items'] | length }} {{ data['items'][:3] | join('-') }} "
        "{{ 'x' * 3 }} {{ (data['items'] | sum) }} {{ range(3) | list | join }} {{ '%5s|' % 'ab' }}"
        "{{ 'ab' | center(6) }}|{{ 2 ** 10 }}",
    )
    assert text == "120.50 BYN 1000 0-1-2 xxx 499500 012    ab|  ab  |1024"


def test_a_long_inapp_body_is_cut_not_refused(tmp_path):
    folder = tmp_path / "e"
    folder.mkdir()
    body = "{% block title %}{{ 'T' * 1000 }}{% endblock %}{% block body %}{{ 'b' * 50000 }}{% endblock %}"
    (folder / "inapp.j2").write_text(body, encoding="utf-8")
    rendered = render("e", "inapp", None, CTX, str(tmp_path))
    assert (len(rendered["title"]), len(rendered["body"])) == (300, MAX_INAPP_BODY_CHARS)


def test_the_bounds_hold_for_every_filter_jinja_passes_its_environment_to(tmp_path):
    # truncate is such a filter: the value is its second argument
    assert _render(tmp_path, "{{ 'abcdefghij' | truncate(8, true, '', 0) }}") == "abcdefgh"
    assert MAX_SEQUENCE == 100_000
