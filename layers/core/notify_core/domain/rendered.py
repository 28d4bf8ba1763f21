"""What rendering produces, and how it fails: the names a sender's adapters and services need, without Jinja2.

Kept apart from ``templates`` so that a function which only carries rendered content (feedback, the dead-letter
handler, a channel adapter) does not import Jinja2 and its sandbox on a cold start.
"""

from __future__ import annotations

from dataclasses import dataclass


class TemplateRenderError(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    template: str
    parts: dict[str, str]

    def __getitem__(self, block: str) -> str:
        return self.parts[block]
