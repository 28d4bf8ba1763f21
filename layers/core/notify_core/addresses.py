"""Address validation and normalisation: the key a delivery is deduplicated on.

email-validator checks syntax only (no DNS at send time: deliverability is SES feedback's job);
phonenumbers checks that a number is a valid, dialable number and yields E.164.
"""

from __future__ import annotations


class InvalidAddress(ValueError):
    pass


# Each validator is imported where it is used: the email sender need not load phonenumbers at cold start,
# nor the SMS sender email-validator.


def normalise_email(address: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from None
    # The local part is case-sensitive by the RFC but not in practice; the domain never is.
    return result.normalized.lower()


def normalise_phone(number: str, default_region: str | None = None) -> str:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidAddress(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidAddress("not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(address: str) -> str:
    """A form safe for logs: enough to tell deliveries apart, not enough to contact anyone."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if address.startswith("+") and len(address) > 6:
        return f"{address[:4]}***{address[-2:]}"
    return "***"
