"""Address validation and normalisation: the key a delivery is deduplicated on.

email-validator checks syntax only (no DNS at send time: deliverability is SES feedback's job);
phonenumbers checks that a number is a valid, dialable number and yields E.164; a Telegram chat id is
an integer (negative for groups and channels) or a public channel's @username.
"""

from __future__ import annotations

import re


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


# Telegram chat ids have at most 52 significant bits (Bot API docs); groups and channels are negative
# (supergroups and channels -100...). A public channel may be named by its @username instead.
_TELEGRAM_MAX_ID = 2**52
_TELEGRAM_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")


def normalise_telegram_chat_id(value: str | int) -> str:
    """A Telegram chat id as sendMessage takes it: a non-zero integer, or a public channel's @username."""
    if isinstance(value, bool):
        raise InvalidAddress("a Telegram chat id is an integer or @channelusername, not a boolean")
    raw = str(value).strip()
    if raw.startswith("@"):
        if not _TELEGRAM_USERNAME.fullmatch(raw):
            raise InvalidAddress(
                f"not a Telegram channel username: {raw!r} (@ then 4-32 letters, digits or _, starting with a letter)"
            )
        return raw.lower()  # usernames are case-insensitive: one key per chat
    if not re.fullmatch(r"-?\d{1,16}", raw):
        raise InvalidAddress(
            f"not a Telegram chat id: {raw!r} (an integer such as 123456789 or -1001234567890, or @channelusername)"
        )
    chat_id = int(raw)
    if chat_id == 0 or abs(chat_id) >= _TELEGRAM_MAX_ID:
        raise InvalidAddress(f"not a Telegram chat id: {raw!r} is out of range")
    return str(chat_id)


def mask(address: str) -> str:
    """A form safe for logs: enough to tell deliveries apart, not enough to contact anyone."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if address.startswith("+") and len(address) > 6:
        return f"{address[:4]}***{address[-2:]}"
    return "***"
