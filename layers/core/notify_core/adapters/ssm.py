"""Secrets in SSM Parameter Store (SecureString): webhook signing secrets, Slack URLs, Telegram bot tokens.

Names are derived from the tenant, never from input: ``<prefix><org>/<endpoint id>`` (``slack``, ``telegram``
for the chat secrets), each id escaped injectively so that two ids can never share a parameter.
"""

from __future__ import annotations

import re
from typing import Any

_SSM_SAFE = re.compile(r"[A-Za-z0-9.-]")
SLACK, TELEGRAM = "slack", "telegram"


def _ssm_escape(value: str) -> str:
    # Injective: every character SSM names cannot hold, and "_" itself, becomes "_" + two hex digits per
    # UTF-8 byte, so two different ids can never share a parameter (and so a secret).
    return "".join(c if _SSM_SAFE.fullmatch(c) else "".join(f"_{b:02x}" for b in c.encode()) for c in value)


def parameter_name(prefix: str, org_id: str, name: str) -> str:
    return f"{prefix}{_ssm_escape(org_id)}/{_ssm_escape(name)}"


class SecretNames:
    """Where an org's secrets live, under this deployment's prefixes."""

    def __init__(self, *, webhook_prefix: str, chat_prefix: str) -> None:
        self.webhook_prefix = webhook_prefix
        self.chat_prefix = chat_prefix

    def webhook(self, org_id: str, endpoint_id: str) -> str:
        return parameter_name(self.webhook_prefix, org_id, endpoint_id)

    def chat(self, org_id: str, which: str) -> str:
        return parameter_name(self.chat_prefix, org_id, which)


class SecretReader:
    """Reads secrets through Powertools' parameter cache: one SSM call per secret per 5 minutes per container."""

    def __init__(self, ssm: Any, *, max_age_s: int = 300) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self.provider = SSMProvider(boto3_client=ssm)
        self.max_age_s = max_age_s

    def __call__(self, name: str) -> str:
        return str(self.provider.get(name, decrypt=True, max_age=self.max_age_s))


class PlainReader:
    """Plain String parameters (a webhook secret's rotation state, ``domain.signing.SecretState``), cached for
    ``max_age_s`` per container, a missing one too (most endpoints never rotate: no call per send for them)."""

    def __init__(self, ssm: Any, *, max_age_s: int = 60, clock: Any = None) -> None:
        import time

        self.ssm = ssm
        self.max_age_s = max_age_s
        self.clock = clock or time.monotonic
        self._cache: dict[str, tuple[float, str | None]] = {}

    def __call__(self, name: str) -> str | None:
        hit = self._cache.get(name)
        if hit is not None and hit[0] > self.clock():
            return hit[1]
        try:
            value: str | None = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            value = None
        self._cache[name] = (self.clock() + self.max_age_s, value)
        return value


class SecretMissing(LookupError):
    pass


class SecretWriter:
    """Writes secrets (settings documents); never reads a value back out except to learn whether one exists."""

    def __init__(self, ssm: Any) -> None:
        self.ssm = ssm

    def put(self, name: str, value: str) -> None:
        self.ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)

    def put_plain(self, name: str, value: str) -> None:
        """A String parameter (no secret in it): a webhook secret's rotation state."""
        self.ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    def get_plain(self, name: str) -> str | None:
        try:
            return str(self.ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except self.ssm.exceptions.ParameterNotFound:
            return None

    def put_if_absent(self, name: str, value: str) -> bool:
        """Store ``value`` unless a secret already exists; True if it was stored."""
        try:
            self.ssm.get_parameter(Name=name, WithDecryption=False)
        except self.ssm.exceptions.ParameterNotFound:
            self.ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=False)
            return True
        return False
