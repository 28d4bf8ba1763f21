"""What an SMS costs and how to make it fit: segments counted as a gateway counts them (pure).

A gateway sends a text in **GSM-7** when every character is in the GSM 03.38 basic table or its extension table
(an extension character, ``€ [ ] { } ^ ~ \\ |`` and form feed, takes two septets: an escape and itself): 160 septets
in one segment, 153 per part once it is split (a part's header takes the rest). One character outside both tables
(Polish ``ł``, ``ś``, Cyrillic, Greek lowercase, an emoji, a curly quote) switches the **whole** message to
**UCS-2**: 70 UTF-16 code units in one segment, 67 per part, a character outside the BMP (most emoji) taking two.
A split never puts an escape apart from its character, nor the halves of a surrogate pair in different parts, so
parts are packed greedily here the way gateways pack them (a few may then hold 152 or 66).

Before a text is counted it is prepared (``prepare``): typographic characters that have a GSM-7 equivalent (curly
quotes, guillemets, dashes, the ellipsis, non-breaking and thin spaces, zero-width characters) are replaced,
always: they cost the difference between 160 and 70 characters and carry no meaning a plain one does not. Full
transliteration to GSM-7 (``transliterate``: ``Wiśniewska`` -> ``Wisniewska``, ``Привет`` -> ``Privet``) is an org
option (``sms.transliterate`` in the settings document) for countries where Latin SMS are accepted; characters
GSM-7 already has (``é``, ``ü``, ``ñ``, ``£``, Greek capitals) are kept. ``fit`` cuts a text longer than its
budget at the last whole character (never inside an escape, a surrogate pair or before a combining mark),
preferring a word boundary near the cut, and ends it with an ellipsis.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7, UCS2 = "gsm7", "ucs2"

# GSM 03.38 basic character set (the 128 code points of the default alphabet; ESC excluded).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
ELLIPSIS = {GSM7: "...", UCS2: "…"}  # "…" is UCS-2 only; three dots cost three septets
MAX_SEGMENTS = 10  # what a template may declare; SNS itself refuses bodies over 1,600 bytes

# Typographic characters and their GSM-7 equivalents (replaced before every send).
TYPOGRAPHY = {
    "\u2018": "'",  # left single quote
    "\u2019": "'",  # right single quote
    "\u201a": "'",  # low single quote
    "\u201b": "'",  # reversed single quote
    "\u2032": "'",  # prime
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',  # ‟
    "\u2033": '"',  # ″
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2039": "'",  # single guillemet
    "\u203a": "'",  # single guillemet
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # …
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space (French, Russian thousands)
    "\u2002": " ",
    "\u2003": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",  # word joiner
    "\ufeff": "",  # BOM
    "\u00ad": "",  # soft hyphen
    "\t": " ",
}
_TYPOGRAPHY_TABLE = str.maketrans(TYPOGRAPHY)


@dataclass(frozen=True)
class SmsSize:
    """How a gateway sends a text: its encoding, its length in septets (GSM-7) or UTF-16 units (UCS-2), and how
    many billed segments that makes."""

    encoding: str
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_sizes(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _segments(sizes: list[int], encoding: str) -> int:
    total = sum(sizes)
    if total <= SINGLE[encoding]:
        return 1 if total else 0
    parts, room = 1, PART[encoding]
    for size in sizes:  # greedy, as gateways split: an escape or a surrogate pair never straddles two parts
        if size > room:
            parts, room = parts + 1, PART[encoding]
        room -= size
    return parts


def measure(text: str) -> SmsSize:
    """Encoding, units and billed segments of ``text`` as it is (prepare it first)."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    sizes = _unit_sizes(text, encoding)
    return SmsSize(encoding, sum(sizes), _segments(sizes, encoding))


def replace_typography(text: str) -> str:
    """Curly quotes, guillemets, dashes, the ellipsis and special spaces as their GSM-7 equivalents."""
    return text.translate(_TYPOGRAPHY_TABLE)


def transliterate(text: str) -> str:
    """Every character GSM-7 lacks, in Latin letters (``anyascii``); those it has are kept."""
    from anyascii import anyascii  # imported on use: only orgs that ask for it pay its import

    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        else:
            latin = anyascii(ch)
            out.append("".join(c for c in latin if c in GSM7_BASIC or c in GSM7_EXTENSION))
    return "".join(out)


def prepare(text: str, *, latin: bool = False) -> str:
    """What is sent: typography replaced always, everything transliterated when the org asked for Latin SMS."""
    text = replace_typography(text)
    return transliterate(text) if latin else text


def _cuttable_before(text: str, i: int) -> bool:
    """May the text be cut just before index ``i`` without splitting what a reader sees as one character?"""
    if i >= len(text):
        return True
    ch = text[i]
    if unicodedata.combining(ch) or ch in "\u200d\ufe0e\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
        return False  # a combining mark, a joiner, a variation selector or a skin tone belongs to what precedes
    return not (i > 0 and text[i - 1] == "\u200d")


def fit(text: str, max_segments: int) -> str:
    """``text`` if it fits ``max_segments`` segments; else cut at the last whole character that leaves room for an
    ellipsis in the last segment (at a space within the last 15 characters if there is one)."""
    if max_segments < 1:
        raise ValueError("an SMS has at least one segment")
    size = measure(text)
    if size.segments <= max_segments:
        return text
    encoding = size.encoding
    ellipsis = ELLIPSIS[encoding]
    capacity = SINGLE[encoding] if max_segments == 1 else PART[encoding] * max_segments
    room = capacity - sum(_unit_sizes(ellipsis, encoding))
    sizes = _unit_sizes(text, encoding)
    used, cut = 0, 0
    while cut < len(text) and used + sizes[cut] <= room:
        used += sizes[cut]
        cut += 1
    while cut > 0 and not _cuttable_before(text, cut):
        cut -= 1
    space = text.rfind(" ", max(0, cut - 15), cut + 1)
    if space > 0:
        cut = space
    result = text[:cut].rstrip() + ellipsis
    while measure(result).segments > max_segments and cut > 0:  # a straddling escape or pair cost a unit
        cut -= 1
        while cut > 0 and not _cuttable_before(text, cut):
            cut -= 1
        result = text[:cut].rstrip() + ellipsis
    return result
