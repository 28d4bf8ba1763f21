"""Retry backoff for failed SQS records: exponential with equal jitter, Retry-After honoured, SQS-capped."""

from __future__ import annotations

import random

import pytest

from notify_core.domain import backoff
from notify_core.domain.backoff import MAX_VISIBILITY_S, backoff_delay

pytestmark = pytest.mark.unit


@pytest.fixture
def jitter(monkeypatch: pytest.MonkeyPatch):
    """Pin the jitter to the low or high end of its range: jitter('low') / jitter('high')."""

    def pin(end: str) -> None:
        monkeypatch.setattr(backoff.random, "randint", lambda a, b: a if end == "low" else b)

    return pin


@pytest.mark.parametrize(
    ("receive_count", "high", "low"),
    [
        (0, 30, 15),
        (1, 30, 15),
        (2, 60, 30),
        (3, 120, 60),
        (4, 240, 120),
        (7, 1920, 960),
        (8, 3600, 1800),
        (50, 3600, 1800),
    ],
)
def test_grows_with_receive_count_capped_by_max(jitter, receive_count, high, low):
    jitter("high")
    assert backoff_delay(receive_count, 30, 3600) == high
    jitter("low")
    assert backoff_delay(receive_count, 30, 3600) == low


def test_jitter_stays_within_half_to_full_ceiling():
    rng = random.Random(20260301)
    for _ in range(500):
        count = rng.randint(1, 12)
        ceiling = min(10 * 2 ** (count - 1), 5000)
        delay = backoff_delay(count, 10, 5000)
        assert ceiling // 2 <= delay <= ceiling


def test_odd_ceiling_rounds_within_range(jitter):
    jitter("low")
    assert backoff_delay(1, 5, 100) == 2
    jitter("high")
    assert backoff_delay(1, 5, 100) == 5


def test_zero_base_means_no_delay():
    assert {backoff_delay(n, 0, 3600) for n in range(1, 10)} == {0}


@pytest.mark.parametrize(("retry_after", "expected"), [(600, 600), (10, 120), (0, 120), (None, 120)])
def test_retry_after_is_a_floor(jitter, retry_after, expected):
    jitter("high")
    assert backoff_delay(3, 30, 3600, retry_after) == expected


def test_retry_after_applies_even_with_zero_base():
    assert backoff_delay(1, 0, 0, 90) == 90


def test_never_over_the_sqs_visibility_ceiling(jitter):
    jitter("high")
    assert MAX_VISIBILITY_S == 43_200
    assert backoff_delay(30, 60, 10**9) == 43_200
    assert backoff_delay(1, 30, 3600, retry_after_s=86_400) == 43_200
    assert backoff_delay(1, 10**6, 10**6) == 43_200
