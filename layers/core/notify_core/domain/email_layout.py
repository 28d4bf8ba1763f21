# ruff: noqa: RUF001 -- the footer sentences are Russian and Greek: their letters are meant, not look-alikes
"""What the platform's email layout says around a template's content (pure): the header's name or logo, the brand
colour and a readable text colour on it, the call-to-action, and a footer that says **why this person got this
email**, in their language, from the rules routing recorded on the delivery (``reasons``).

Routing already knows why: ``subscription:<group>@<scope>``, ``fixed_address:<group>@<scope>``,
``permission:<section>:<level>``, ``relation:<name>``, ``actor``, ``account_manager:<client>``,
``caretaker:<department>:<client>``, ``client_contact:<client>``, ``event_recipient``. Each becomes one sentence
("You get this because you subscribed to payment paid or reversed at point of sale shop-1 of Hutki Water."). The
layout itself is ``templates/_layout/email.html.j2`` (built from ``email.src.html`` by
``scripts/build_email_layout.py``); ``domain.templates`` renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_COLOR = "#1f2937"  # slate: readable in light and dark clients when an org names no colour
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_HTTPS = re.compile(r"^https://[^\s/?#\"'<>]+\.[^\s/?#\"'<>]+(/[^\s\"'<>]*)?$")
LANGUAGES = ("en", "ru", "pl", "el", "it")

# One sentence per rule, per language. {org}, {group}, {scope}, {client}, {section}, {what}, {role}, {department}.
WHY: dict[str, dict[str, str]] = {
    "en": {
        "subscription": "You get this because you subscribed to {group} {scope}.",
        "fixed_address": "You get this because this address is on {org}'s list for {group}.",
        "permission": "You get this because you can {level} {section} in {org}.",
        "relation": "You get this because you are the {role} named on this {what}.",
        "actor": "You get this because it is about your own activity in {org}.",
        "account_manager": "You get this because you are the account manager of client {client}.",
        "caretaker": "You get this because you are the {department} caretaker of client {client}.",
        "client_contact": "You get this because you are a contact of {client} with notifications on.",
        "event_recipient": "You get this because you asked {org} to tell you about this {what}.",
        "scope:org": "at {org}",
        "scope:service": "for service {id} of {org}",
        "scope:point": "at point of sale {id} of {org}",
        "level:edit": "edit",
        "level:view": "view",
        "unsubscribe": "Unsubscribe",
        "manage": "Manage notifications",
    },
    "ru": {
        "subscription": "Вы получили это письмо, потому что подписаны на «{group}» {scope}.",
        "fixed_address": "Вы получили это письмо, потому что этот адрес есть в списке {org} для «{group}».",
        "permission": "Вы получили это письмо, потому что у вас есть право {level} раздел «{section}» в {org}.",
        "relation": "Вы получили это письмо, потому что указаны как {role} ({what}).",
        "actor": "Вы получили это письмо, потому что оно о ваших действиях в {org}.",
        "account_manager": "Вы получили это письмо, потому что ведёте клиента {client}.",
        "caretaker": "Вы получили это письмо, потому что отвечаете за клиента {client} ({department}).",
        "client_contact": "Вы получили это письмо как контакт {client} с включёнными уведомлениями.",
        "event_recipient": "Вы получили это письмо, потому что просили {org} сообщать вам об этом ({what}).",
        "scope:org": "в {org}",
        "scope:service": "по услуге {id} в {org}",
        "scope:point": "по точке продаж {id} в {org}",
        "level:edit": "редактировать",
        "level:view": "просматривать",
        "unsubscribe": "Отписаться",
        "manage": "Настроить уведомления",
    },
    "pl": {
        "subscription": "Otrzymujesz tę wiadomość, bo subskrybujesz „{group}” {scope}.",
        "fixed_address": "Otrzymujesz tę wiadomość, bo ten adres jest na liście {org} dla „{group}”.",
        "permission": "Otrzymujesz tę wiadomość, bo możesz {level} sekcję „{section}” w {org}.",
        "relation": "Otrzymujesz tę wiadomość, bo jesteś wskazany jako {role} ({what}).",
        "actor": "Otrzymujesz tę wiadomość, bo dotyczy Twojej aktywności w {org}.",
        "account_manager": "Otrzymujesz tę wiadomość, bo jesteś opiekunem klienta {client}.",
        "caretaker": "Otrzymujesz tę wiadomość, bo opiekujesz się klientem {client} ({department}).",
        "client_contact": "Otrzymujesz tę wiadomość jako kontakt {client} z włączonymi powiadomieniami.",
        "event_recipient": "Otrzymujesz tę wiadomość, bo prosiłeś {org} o informacje o tym ({what}).",
        "scope:org": "w {org}",
        "scope:service": "dla usługi {id} w {org}",
        "scope:point": "dla punktu sprzedaży {id} w {org}",
        "level:edit": "edytować",
        "level:view": "przeglądać",
        "unsubscribe": "Wypisz się",
        "manage": "Zarządzaj powiadomieniami",
    },
    "el": {
        "subscription": "Λαμβάνετε αυτό το μήνυμα επειδή έχετε εγγραφεί στο «{group}» {scope}.",
        "fixed_address": "Λαμβάνετε αυτό το μήνυμα επειδή η διεύθυνση είναι στη λίστα της {org} για «{group}».",
        "permission": "Λαμβάνετε αυτό το μήνυμα επειδή μπορείτε να {level} την ενότητα «{section}» στην {org}.",
        "relation": "Λαμβάνετε αυτό το μήνυμα επειδή ορίζεστε ως {role} ({what}).",
        "actor": "Λαμβάνετε αυτό το μήνυμα επειδή αφορά τη δική σας δραστηριότητα στην {org}.",
        "account_manager": "Λαμβάνετε αυτό το μήνυμα επειδή διαχειρίζεστε τον πελάτη {client}.",
        "caretaker": "Λαμβάνετε αυτό το μήνυμα επειδή είστε υπεύθυνος για τον πελάτη {client} ({department}).",
        "client_contact": "Λαμβάνετε αυτό το μήνυμα ως επαφή του {client} με ενεργές ειδοποιήσεις.",
        "event_recipient": "Λαμβάνετε αυτό το μήνυμα επειδή ζητήσατε από την {org} να σας ενημερώνει ({what}).",
        "scope:org": "στην {org}",
        "scope:service": "για την υπηρεσία {id} της {org}",
        "scope:point": "για το σημείο πώλησης {id} της {org}",
        "level:edit": "επεξεργάζεστε",
        "level:view": "βλέπετε",
        "unsubscribe": "Διαγραφή",
        "manage": "Διαχείριση ειδοποιήσεων",
    },
    "it": {
        "subscription": "Riceve questo messaggio perché è iscritto a «{group}» {scope}.",
        "fixed_address": "Riceve questo messaggio perché l'indirizzo è nell'elenco di {org} per «{group}».",
        "permission": "Riceve questo messaggio perché può {level} la sezione «{section}» in {org}.",
        "relation": "Riceve questo messaggio perché è indicato come {role} ({what}).",
        "actor": "Riceve questo messaggio perché riguarda la sua attività in {org}.",
        "account_manager": "Riceve questo messaggio perché è l'account manager del cliente {client}.",
        "caretaker": "Riceve questo messaggio perché segue il cliente {client} ({department}).",
        "client_contact": "Riceve questo messaggio come contatto di {client} con le notifiche attive.",
        "event_recipient": "Riceve questo messaggio perché ha chiesto a {org} di essere avvisato ({what}).",
        "scope:org": "in {org}",
        "scope:service": "per il servizio {id} di {org}",
        "scope:point": "per il punto vendita {id} di {org}",
        "level:edit": "modificare",
        "level:view": "vedere",
        "unsubscribe": "Annulla iscrizione",
        "manage": "Gestisci le notifiche",
    },
}


def language(locale: str | None) -> str:
    lang = (locale or "en").split("-")[0].lower()
    return lang if lang in WHY else "en"


def https_or_none(url: Any) -> str | None:
    """An action or logo URL only if it is an https URL (a template never links a person to anything else)."""
    return url if isinstance(url, str) and len(url) <= 2048 and _HTTPS.match(url) else None


def on_color(color: str) -> str:
    """White on ``color`` when it reaches WCAG's 3:1 for large and bold text (the header and the button are both),
    else near-black: brands mostly want white, and a light colour (yellow) still gets readable text."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#ffffff" if 1.05 / (luminance + 0.05) >= 3.0 else "#111827"


def _words(identifier: str) -> str:
    return identifier.replace("_or_", " or ").replace("_", " ").replace(".", " ").replace(":", " ")


def why(reason: str, lang: str, *, org: str, subject_type: str) -> str | None:
    """One sentence for one rule; None for a rule this version does not know (said nothing rather than wrong)."""
    words = WHY[lang]
    kind, _, rest = reason.partition(":")
    what = _words(subject_type or "event")
    if kind in ("subscription", "fixed_address"):
        group, _, scope = rest.partition("@")
        level, _, scope_id = scope.partition("#")
        scope_text = words.get(f"scope:{level}", words["scope:org"]).format(org=org, id=scope_id)
        return words[kind].format(group=_words(group), scope=scope_text, org=org)
    if kind == "permission":
        section, _, level = rest.partition(":")
        return words["permission"].format(level=words.get(f"level:{level}", level), section=_words(section), org=org)
    if kind == "relation":
        return words["relation"].format(role=_words(rest), what=what)
    if kind == "actor":
        return words["actor"].format(org=org)
    if kind == "account_manager":
        return words["account_manager"].format(client=rest)
    if kind == "caretaker":
        department, _, client = rest.partition(":")
        return words["caretaker"].format(department=_words(department), client=client)
    if kind == "client_contact":
        return words["client_contact"].format(client=rest)
    if kind == "event_recipient":
        return words["event_recipient"].format(org=org, what=what)
    return None


@dataclass(frozen=True)
class Layout:
    """What ``templates/_layout/email.html.j2`` is filled with (the template content is added by the renderer)."""

    lang: str
    subject: str
    display_name: str
    color: str
    on_color: str
    logo_url: str | None
    action_url: str | None
    action_label: str
    footer: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    postal_address: str | None

    def footer_text(self) -> str:
        """The same footer for the text/plain part."""
        lines = [*self.footer, *(f"{label}: {url}" for label, url in self.links)]
        if self.postal_address:
            lines.append(self.postal_address)
        return "\n".join(lines)


def layout_for(
    *,
    locale: str | None,
    subject: str,
    org_name: str,
    branding: dict[str, Any] | None,
    reasons: list[str] | tuple[str, ...],
    subject_type: str,
    action_url: str | None,
    action_label: str,
    unsubscribe_url: str | None,
) -> Layout:
    lang = language(locale)
    b = branding or {}
    given = b.get("color")
    color: str = given if isinstance(given, str) and _HEX.match(given) else DEFAULT_COLOR
    name = b.get("display_name") or org_name
    sentences = [why(r, lang, org=org_name, subject_type=subject_type) for r in dict.fromkeys(reasons)]
    links: list[tuple[str, str]] = []
    if unsubscribe_url:
        links.append((WHY[lang]["unsubscribe"], unsubscribe_url))
    preferences = https_or_none(b.get("preferences_url"))
    if preferences:
        links.append((WHY[lang]["manage"], preferences))
    url = https_or_none(action_url)
    return Layout(
        lang=lang,
        subject=subject,
        display_name=name,
        color=color.lower(),
        on_color=on_color(color),
        logo_url=https_or_none(b.get("logo_url")),
        action_url=url,
        action_label=action_label.strip() if url else "",
        footer=tuple(s for s in sentences if s)[:3],
        links=tuple(links),
        postal_address=b.get("postal_address") or None,
    )
