"""What rendering produces, and how it fails: the names a sender's adapters and services need, without Jinja2.

Kept apart from ``templates`` so that a function which only carries rendered content (feedback, the dead-letter
handler, a channel adapter) does not import Jinja2 and its sandbox on a cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notify_core.domain.sms_text import SmsSize


class TemplateRenderError(Exception):
    pass


@dataclass(frozen=True)
class OrgSource:
    """An org's own template (``domain.org_templates``): its name (``org:<event>/<channel>.<locale>``, what the
    delivery records as its template) and its Jinja source, compiled by the same sandboxed environments as ours."""

    name: str
    source: str


@dataclass(frozen=True)
class Rendered:
    template: str
    parts: dict[str, str]
    # SMS only: how the text goes out (encoding, segments) and whether it had to be cut to the template's budget.
    sms: SmsSize | None = None
    sms_cut: bool = False
    # Email only: the one-click unsubscribe URL its footer links to (the List-Unsubscribe header's too), if any.
    unsubscribe_url: str | None = None

    def __getitem__(self, block: str) -> str:
        return self.parts[block]
