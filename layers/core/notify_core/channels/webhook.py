"""Signed HTTPS webhooks (Standard Webhooks headers), SSRF-guarded, 15 s timeout.

Outcomes: 2xx sent; 408, 429 and 5xx, timeouts and connection errors retried (429/503 honour
Retry-After); any other 4xx (410 Gone included) and 3xx failed without retry: the receiver answered
and another try will not change its mind. The connection goes to the address the SSRF guard vetted,
with SNI and certificate checks against the URL's host name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import urllib3

from notify_core import signing, ssrf
from notify_core.channels.base import SendResult
from notify_core.config import get_config
from notify_core.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.templates import Rendered

USER_AGENT = "notify-webhooks/1.0"
_SSM_SAFE = re.compile(r"[A-Za-z0-9.-]")


def _ssm_escape(value: str) -> str:
    # Injective: every character SSM names cannot hold, and "_" itself, becomes "_" + two hex digits per
    # UTF-8 byte, so two different ids can never share a parameter (and so a secret).
    return "".join(c if _SSM_SAFE.fullmatch(c) else "".join(f"_{b:02x}" for b in c.encode()) for c in value)


def secret_parameter_name(org_id: str, endpoint_id: str, prefix: str | None = None) -> str:
    """Where an endpoint's whsec_ secret lives in SSM: derived from the tenant, never from input."""
    prefix = prefix or get_config().webhook_secret_prefix
    return f"{prefix}{_ssm_escape(org_id)}/{_ssm_escape(endpoint_id)}"


def ssm_secret(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    # Cached for 5 minutes per warm container: one SSM call per endpoint, not per delivery.
    return str(parameters.get_parameter(name, decrypt=True, max_age=300))


def _retry_after(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0, int(parsedate_to_datetime(value).timestamp() - time.time()))
        except (TypeError, ValueError):
            return None


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        secret_lookup: Callable[[str], str] = ssm_secret,
        resolver: ssrf.Resolver = ssrf.system_resolver,
    ) -> None:
        self._secret_lookup = secret_lookup
        self._resolver = resolver

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        cfg = get_config()
        try:
            target = ssrf.vet(message["address"], allow_loopback=cfg.allow_loopback_webhooks, resolver=self._resolver)
        except ssrf.UnsafeUrl as exc:
            raise PermanentDeliveryError("unsafe_url", str(exc)) from None
        secret = self._secret_lookup(secret_parameter_name(message["org_id"], message["endpoint_id"]))
        body = rendered["body"]
        # webhook-id is the delivery id: the same on every retry, so receivers can deduplicate.
        headers = signing.headers(secret, message["delivery_id"], int(time.time()), body)
        host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        headers.update({"content-type": "application/json", "user-agent": USER_AGENT, "host": host_header})
        timeout = urllib3.Timeout(total=cfg.webhook_timeout_s)
        if target.scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                timeout=timeout,
                retries=False,
                maxsize=1,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            resp = pool.urlopen(
                "POST", target.path, body=body.encode(), headers=headers, redirect=False, preload_content=False
            )
            status = resp.status
            excerpt = resp.read(512).decode("utf-8", "replace")
            retry_after = _retry_after(resp.headers.get("retry-after"))
            resp.release_conn()
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the timeout error: test it first
            raise TransientDeliveryError("connection_error", str(exc)[:300]) from exc
        except urllib3.exceptions.TimeoutError as exc:
            raise TransientDeliveryError("timeout", f"no answer within {cfg.webhook_timeout_s:g}s") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise TransientDeliveryError("connection_error", str(exc)[:300]) from exc
        finally:
            pool.close()
        if 200 <= status < 300:
            return SendResult(http_status=status)
        detail = f"HTTP {status}: {excerpt[:200]}".strip()
        if status in (408, 429) or status >= 500:
            raise TransientDeliveryError(
                f"http_{status}",
                detail,
                http_status=status,
                retry_after_s=retry_after if status in (429, 503) else None,
            )
        raise PermanentDeliveryError(f"http_{status}", detail, http_status=status)
