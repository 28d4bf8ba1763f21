"""JSON over HTTPS to a URL someone else gave us (webhooks, Slack), or to the Telegram Bot API: SSRF-guarded,
bounded, classified (``post`` returns any answer; ``post_json`` classifies it as below; Telegram classifies its own).

Outcomes: 2xx sent; 408, 429 and 5xx, timeouts and connection errors retried (429/503 honour
Retry-After); any other 4xx (410 Gone included) and 3xx failed without retry: the receiver answered
and another try will not change its mind. The connection goes to the address the SSRF guard vetted,
with SNI and certificate checks against the URL's host name, so a DNS answer that changes between
the check and the connection cannot redirect it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3

from notify_core.adapters.channels.base import SendResult
from notify_core.domain import ssrf
from notify_core.domain.errors import (
    AmbiguousDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnansweredDeliveryError,
)

USER_AGENT = "notify-webhooks/1.0"


def retry_after(value: str | None) -> int | None:
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


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the first ``max_body`` bytes, decoded
    retry_after_s: int | None  # from a Retry-After header


@dataclass(frozen=True)
class HttpPolicy:
    """How this function talks to URLs it was given: how long it waits, and whether loopback is allowed (only the
    local runtime, whose receivers listen on 127.0.0.1, allows it)."""

    timeout_s: float = 15.0
    allow_loopback: bool = False
    resolver: ssrf.Resolver = ssrf.system_resolver
    # A request that went out but got no answer may have been acted on: sent again only for receivers that
    # deduplicate by webhook-id (an endpoint's ``retry_unanswered``), else recorded unknown.
    retry_unanswered: bool = False
    allowed_ports: tuple[int, ...] = ssrf.DEFAULT_PORTS  # the deployment's port policy (WEBHOOK_ALLOWED_PORTS)


def post(url: str, body: str, headers: dict[str, str], *, policy: HttpPolicy, max_body: int = 512) -> Answer:
    """POST ``body`` to a vetted address; return the answer whatever its status.

    Raises PermanentDeliveryError for a URL the SSRF guard refuses and TransientDeliveryError when no
    answer came (timeout, connection refused or reset). Error details never quote the URL's path.
    """
    try:
        target = ssrf.vet(
            url, allow_loopback=policy.allow_loopback, resolver=policy.resolver, allowed_ports=policy.allowed_ports
        )
    except ssrf.UnsafeUrl as exc:
        raise PermanentDeliveryError("unsafe_url", str(exc)) from None
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    headers = {**headers, "content-type": "application/json", "user-agent": USER_AGENT, "host": host_header}
    timeout = urllib3.Timeout(total=policy.timeout_s)
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
        excerpt = resp.read(max_body).decode("utf-8", "replace")
        wait = retry_after(resp.headers.get("retry-after"))
        resp.release_conn()
    except urllib3.exceptions.ConnectTimeoutError as exc:  # NewConnectionError too: the request never left
        raise TransientDeliveryError("connection_error", str(exc)[:300]) from exc
    except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError) as exc:
        # The request went out; the answer did not come back (too late, or the connection dropped mid-answer).
        # The receiver may have acted on it: unless this receiver takes repeats (``retry_unanswered``: it
        # deduplicates by webhook-id), it is not sent again by itself.
        code, detail = (
            ("timeout", f"no answer within {policy.timeout_s:g}s")
            if isinstance(exc, urllib3.exceptions.ReadTimeoutError)
            else ("connection_dropped", str(exc)[:300])
        )
        if policy.retry_unanswered:
            raise UnansweredDeliveryError(code, detail) from exc
        raise AmbiguousDeliveryError(code, detail) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise TransientDeliveryError("connection_error", str(exc)[:300]) from exc
    finally:
        pool.close()
    return Answer(status, excerpt, wait)


def post_json(
    url: str, body: str, headers: dict[str, str], *, policy: HttpPolicy, ok_body: str | None = None
) -> SendResult:
    """POST ``body``; raise Permanent/TransientDeliveryError unless the answer is a 2xx.

    ``ok_body``: a receiver that answers 200 with another body than this failed (Slack answers 200 "ok").
    """
    answer = post(url, body, headers, policy=policy)
    status, excerpt, wait = answer.status, answer.body, answer.retry_after_s
    detail = f"HTTP {status}: {excerpt[:200]}".strip()
    if 200 <= status < 300:
        if ok_body is not None and excerpt.strip() != ok_body:
            raise PermanentDeliveryError("rejected", detail, http_status=status)
        return SendResult(http_status=status)
    if status in (408, 429) or status >= 500:
        raise TransientDeliveryError(
            f"http_{status}", detail, http_status=status, retry_after_s=wait if status in (429, 503) else None
        )
    raise PermanentDeliveryError(f"http_{status}", detail, http_status=status)
