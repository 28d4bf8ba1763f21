"""Which of an org's own templates a delivery uses (pure, without Jinja2: the router imports it on every event).

An override is named ``<event type>/<channel>/<locale>`` (``payment.paid/email/ru``). The org's index of them is
one item the router reads in the batch it already makes for the org's profile; for each delivery it picks the
override of the recipient's locale, else of its language (``ru-BY`` -> ``ru``), else none (the platform's template
with its own fallback), and puts that name into the queued message. Only then does a sender read the source, once
per SQS batch; an org without overrides costs nothing on the delivery path. A delivery without a locale counts as
English. The rules of what an override may hold are ``domain.org_templates``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_LOCALE = "en"
INDEX_SK = "TEMPLATES"


@dataclass(frozen=True)
class OrgTemplate:
    """An org's own template of one event type x channel x locale, as stored."""

    org_id: str
    event_type: str
    channel: str
    locale: str
    source: str
    version: int = 1
    updated_at: str | None = None
    updated_by: str | None = None

    @property
    def key(self) -> str:
        return key(self.event_type, self.channel, self.locale)


def key(event_type: str, channel: str, locale: str) -> str:
    return f"{event_type}/{channel}/{locale}"


def split(override: str) -> tuple[str, str, str]:
    event_type, channel, locale = override.split("/")
    return event_type, channel, locale


def name_of(override: str) -> str:
    """What a delivery records as its template: ``org:payment.paid/email.ru``."""
    event_type, channel, locale = split(override)
    return f"org:{event_type}/{channel}.{locale}"


def override_for(event_type: str, channel: str, locale: str | None, overrides: Iterable[str]) -> str | None:
    """The override a delivery in ``locale`` uses, if the org has one: its locale, then its language."""
    existing = frozenset(overrides)
    if not existing:
        return None
    wanted = locale or DEFAULT_LOCALE
    for candidate in dict.fromkeys((wanted, wanted.split("-")[0])):
        k = key(event_type, channel, candidate)
        if k in existing:
            return k
    return None
