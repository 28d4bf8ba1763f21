"""Address normalisation (the dedup key) and masking for logs."""

from __future__ import annotations

import pytest

from notify_core.domain.addresses import InvalidAddress, mask, normalise_email, normalise_phone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Anna.Smith@Hutki.EXAMPLE", "anna.smith@hutki.example"),
        ("anna+bills@hutki.example", "anna+bills@hutki.example"),
        ("anna@xn--80akhbyknj4f.xn--p1ai", "anna@испытание.рф"),
        ("anna@ИСПЫТАНИЕ.рф", "anna@испытание.рф"),
    ],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "anna", "anna@", "@hutki.example", "anna@@hutki.example", "anna@localhost", "anna smith@hutki.example"]
)
def test_invalid_email(raw):
    with pytest.raises(InvalidAddress):
        normalise_email(raw)


def test_email_normalisation_does_no_dns():
    # deliverability is SES feedback's job; a domain that cannot resolve is still a valid address
    assert normalise_email("buyer@no-such-domain.example") == "buyer@no-such-domain.example"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+375291234567", None, "+375291234567"),
        ("+375 (29) 123-45-67", "DE", "+375291234567"),
        ("8 029 123 45 67", "BY", "+375291234567"),
        ("030 123456", "DE", "+4930123456"),
    ],
)
def test_normalise_phone(raw, region, expected):
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("8 029 123 45 67", None, "not a phone number: "),
        ("call me", "BY", "not a phone number: "),
        ("+375 12 345", None, "not a valid phone number for its country"),
        ("12345", "BY", "not a valid phone number for its country"),
    ],
)
def test_invalid_phone(raw, region, message):
    with pytest.raises(InvalidAddress, match=f"^{message}"):
        normalise_phone(raw, region)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("anna.smith@hutki.example", "a***@hutki.example"),
        ("+375291234567", "+375***67"),
        ("12345", "***"),
        ("https://erp.example/hooks", "***"),
    ],
)
def test_mask(address, masked):
    assert mask(address) == masked
