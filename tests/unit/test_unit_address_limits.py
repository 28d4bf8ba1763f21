"""The edges of address validation and masking (found untested by ``make mutate``): the largest Telegram chat id,
the shortest and longest channel username, what a refusal says, and which phone numbers are too short to mask."""

from __future__ import annotations

import pytest

from notify_core.domain.addresses import InvalidAddress, mask, normalise_telegram_chat_id

pytestmark = pytest.mark.unit

LARGEST_ID = 2**52 - 1  # Bot API: chat ids have at most 52 significant bits


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("7", "7"),  # one digit
        ("-7", "-7"),
        (str(LARGEST_ID), "4503599627370495"),  # sixteen digits
        (-LARGEST_ID, "-4503599627370495"),
        ("1000000000000000", "1000000000000000"),  # sixteen digits, well in range
        ("@fixit", "@fixit"),  # a username may start with a lower-case letter
        ("@shop24_news", "@shop24_news"),  # and hold digits
        ("@abcd", "@abcd"),  # the shortest: a letter and three more
        ("@a" + "b" * 31, "@a" + "b" * 31),  # the longest: 32 after the @
    ],
)
def test_chat_ids_at_the_edges_are_accepted(raw, normalised):
    assert normalise_telegram_chat_id(raw) == normalised


@pytest.mark.parametrize("raw", [2**52, -(2**52), str(2**52)])
def test_a_chat_id_of_53_bits_is_out_of_range(raw):
    with pytest.raises(InvalidAddress, match=r"^not a Telegram chat id: '-?4503599627370496' is out of range$"):
        normalise_telegram_chat_id(raw)


def test_a_number_longer_than_any_chat_id_is_not_a_chat_id():
    with pytest.raises(InvalidAddress, match=r"^not a Telegram chat id: '12345678901234567' \(an integer such as"):
        normalise_telegram_chat_id("12345678901234567")


@pytest.mark.parametrize("raw", ["@abc", "@a" + "b" * 32])
def test_a_username_shorter_than_4_or_longer_than_32_is_refused(raw):
    with pytest.raises(InvalidAddress, match=r"^not a Telegram channel username: "):
        normalise_telegram_chat_id(raw)


@pytest.mark.parametrize("raw", [True, False])
def test_a_boolean_is_refused_as_a_boolean(raw):
    # a settings document with `telegram: true` gets told what it wrote, not that 'True' is malformed
    with pytest.raises(InvalidAddress, match=r"^a Telegram chat id is an integer or @channelusername, not a boolean$"):
        normalise_telegram_chat_id(raw)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("+12345", "***"),  # six characters: too short to show any of it
        ("+123456", "+123***56"),  # seven: the country code and the last two digits
        ("12345678", "***"),  # not E.164: nothing shown
    ],
)
def test_only_phone_numbers_longer_than_six_characters_are_partly_shown(address, masked):
    assert mask(address) == masked
