"""The quarantine keeps an event by bytes, and its message always fits SQS.

Before: the cap counted characters and the message escaped everything to ASCII, so 100k Cyrillic characters
(200 KB) became a ~600 KB message SQS refuses: the router's record failed and went round the retries.
"""

from __future__ import annotations

import json

import pytest

from notify_core.adapters.sqs import MAX_KEPT_BYTES, MAX_MESSAGE_BYTES, quarantine_body

pytestmark = pytest.mark.unit

SQS_LIMIT = 256 * 1024


@pytest.mark.parametrize(
    "raw",
    [
        "я" * 100_000,  # 200 KB of UTF-8: kept whole
        "я" * 130_000,  # 260 KB: cut
        '"' * 250_000,  # each quote escapes to two bytes
        "\x01" * 100_000,  # each control character escapes to six
        "\\" * 250_000,
        "😀" * 70_000,  # four bytes each
        json.dumps({"detail": {"data": {"x": "я" * 90_000}}}),
    ],
)
def test_the_quarantine_message_fits_sqs_whatever_the_event_is_made_of(raw):
    body = quarantine_body(raw, reason="too_large", detail="d" * 10_000, at="now", message_id="m-1")
    assert len(body.encode()) <= MAX_MESSAGE_BYTES < SQS_LIMIT
    kept = json.loads(body)
    assert raw.startswith(kept["event"]) and kept["event_bytes"] == len(raw.encode())
    assert kept["truncated"] == (kept["event"] != raw)


def test_an_event_within_the_cap_is_kept_whole_as_it_came():
    raw = json.dumps({"detail": {"data": {"name": "Ольга & «Дом»", "emoji": "😀"}}}, ensure_ascii=False)
    kept = json.loads(quarantine_body(raw, reason="invalid_data", detail="x", at="now", message_id=None))
    assert (kept["event"], kept["truncated"], kept["reason"]) == (raw, False, "invalid_data")


def test_the_cut_never_splits_a_character():
    raw = "я" * (MAX_KEPT_BYTES // 2 + 10)
    kept = json.loads(quarantine_body(raw, reason="r", detail="", at="now", message_id=None))["event"]
    assert set(kept) == {"я"} and len(kept.encode()) <= MAX_KEPT_BYTES


def test_characters_sqs_refuses_are_replaced():
    kept = json.loads(quarantine_body("ok\ufffe\ud800", reason="r", detail="\uffff", at="now", message_id=None))
    assert kept["event"] == "ok\ufffd?" and kept["detail"] == "\ufffd"
