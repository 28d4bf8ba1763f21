"""SMS segments as a gateway counts them, typography, transliteration and the cut (domain/sms_text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify_core.domain.sms_text import GSM7, UCS2, fit, measure, prepare, replace_typography, transliterate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # an extension character costs two septets
        ("€" + "a" * 159, GSM7, 161, 2),
        ("Café £5 @ Zürich", GSM7, 16, 1),  # é, £, @, ü are in the basic table
        ("ł" * 70, UCS2, 70, 1),
        ("ł" * 71, UCS2, 71, 2),
        ("ł" * 134, UCS2, 134, 2),
        ("ł" * 135, UCS2, 135, 3),
        ("a" * 159 + "ś", UCS2, 160, 3),  # one Polish letter: the whole text is UCS-2
        ("😀" * 35, UCS2, 70, 1),  # outside the BMP: a surrogate pair, two units
        ("😀" * 36, UCS2, 72, 2),
        ("Платёж принят", UCS2, 13, 1),
        ("\u201cquoted\u201d", UCS2, 8, 1),  # curly quotes are not GSM-7 until prepared
    ],
)
def test_measure_counts_as_a_gateway(text, encoding, units, segments):
    size = measure(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_an_escape_never_straddles_two_parts():
    # 152 plain septets then an extension character: it does not fit the first part's last septet, so the part
    # holds 152 and the message needs a part more than 306 / 153 would say.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text).units == 306
    assert measure(text).segments == 3


def test_a_surrogate_pair_never_straddles_two_parts():
    text = "ł" * 66 + "😀" + "ł" * 66
    assert measure(text).units == 134
    assert measure(text).segments == 3


def test_typography_becomes_gsm7():
    text = "\u201eQuote\u201d \u2018x\u2019 \u00abRU\u00bb a\u2013b\u2014c\u2026 1\u00a0000\u202f\u200b"
    assert replace_typography(text) == '"Quote" \'x\' "RU" a-b-c... 1 000 '
    assert measure(prepare(text)).encoding == GSM7


def test_transliteration_keeps_what_gsm7_has():
    assert transliterate("Wiśniewska, Marszałkowska 12, Łódź") == "Wisniewska, Marszalkowska 12, Lodz"
    assert transliterate("Возврат 12,50 BYN") == "Vozvrat 12,50 BYN"
    assert transliterate("Café Zürich ΔΩ €") == "Café Zürich ΔΩ €"
    assert measure(prepare("Ελληνικά ευρώ", latin=True)).encoding == GSM7


def test_fit_leaves_a_fitting_text_alone():
    assert fit("a" * 160, 1) == "a" * 160
    assert fit("ł" * 134, 2) == "ł" * 134


def test_fit_cuts_at_the_segment_boundary_with_an_ellipsis():
    gsm = fit("a" * 400, 1)
    assert gsm == "a" * 157 + "..." and measure(gsm).segments == 1
    two = fit("a" * 400, 2)
    assert len(two) == 306 and two.endswith("...")
    ucs = fit("ł" * 400, 1)
    assert ucs == "ł" * 69 + "…" and measure(ucs).segments == 1


def test_fit_prefers_a_word_boundary_near_the_cut():
    text = "Payment received " + "word " * 60
    cut = fit(text, 1)
    assert cut.endswith("word...")
    assert measure(cut).segments == 1


def test_fit_never_splits_a_pair_or_a_combining_mark():
    emoji = fit("😀" * 100, 1)
    assert emoji == "😀" * 34 + "…"  # 68 units + the ellipsis
    combining = "e\u0301" * 100  # é written as e + combining acute
    cut = fit(combining, 1)
    assert not cut[:-1].endswith("e")  # the last kept letter keeps its accent
    assert measure(cut).segments == 1


def test_fit_refuses_no_segments():
    with pytest.raises(ValueError):
        fit("x", 0)


@given(st.text(max_size=800), st.integers(min_value=1, max_value=4))
def test_fit_always_fits_and_keeps_a_prefix(text, segments):
    result = fit(text, segments)
    assert measure(result).segments <= segments
    if result != text:
        kept = result.removesuffix("...").removesuffix("…")
        assert text.startswith(kept)
