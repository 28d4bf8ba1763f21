"""The admin API on the local runtime: what API Gateway (HTTP API) does in front of the ``api`` function.

An HTTP server on ``127.0.0.1:4567`` (``wiring.HTTP_API.local_port``) that, for each request:

1. applies the stage's throttling (token bucket, ``throttle_rate_per_s`` / ``throttle_burst``): 429 beyond it;
2. refuses a body over API Gateway's 10 MB (the function refuses more than its own limit with 413);
3. plays the **JWT authorizer** on every route but ``/public/*`` and ``/console``: the bearer token must be an RS256
   JWT signed by a key of the user pool's JWKS (fetched from moto's cognito-idp, cached), issued by the pool
   (``iss``), for one of its app clients (``client_id``, as API Gateway checks Cognito access tokens), not expired;
   otherwise 401 ``{"message": "Unauthorized"}`` as API Gateway answers, and the function is never invoked;
4. turns the request into the payload-format-2.0 event API Gateway gives the function (the verified claims in
   ``requestContext.authorizer.jwt``) and invokes the real handler, with its own environment, as Lambda would;
5. writes the function's answer back (status, headers, cookies, base64 bodies).

The function reads the caller from those claims only, on AWS and here alike: the one code path.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from notify_infra import wiring
from notify_local.cognito import UserPool

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
UNAUTHORIZED = {"message": "Unauthorized"}
TOO_MANY = {"message": "Too Many Requests"}


class AuthorizationError(Exception):
    pass


class JwtAuthorizer:
    """API Gateway's JWT authorizer for one user pool: issuer, audience (client ids), signature, expiry."""

    def __init__(self, pool: Callable[[], UserPool]) -> None:
        self._pool = pool
        self._keys: tuple[str, Any] | None = None  # (jwks url, KeySet)
        self._lock = threading.Lock()

    def _key_set(self, pool: UserPool) -> Any:
        from joserfc.jwk import KeySet

        with self._lock:
            if self._keys is None or self._keys[0] != pool.jwks_url:
                with urllib.request.urlopen(pool.jwks_url, timeout=5) as resp:
                    self._keys = (pool.jwks_url, KeySet.import_key_set(json.loads(resp.read())))
            return self._keys[1]

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The ``requestContext.authorizer`` of a request with this Authorization header (raises if refused)."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        if not authorization:
            raise AuthorizationError("no token")
        scheme, _, raw = authorization.partition(" ")
        raw = raw.strip() if scheme.lower() == "bearer" else authorization.strip()
        pool = self._pool()
        try:
            decoded = jwt.decode(raw, self._key_set(pool), algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": pool.issuer},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise AuthorizationError(type(exc).__name__) from None
        claims = decoded.claims
        audience = claims.get("client_id") if claims.get("token_use") == "access" else claims.get("aud")
        if audience not in pool.audiences:
            raise AuthorizationError("audience")
        scopes = str(claims.get("scope", "")).split()
        return {"jwt": {"claims": {k: _as_api_gateway_claim(v) for k, v in claims.items()}, "scopes": scopes}}


def _as_api_gateway_claim(value: Any) -> str:
    """API Gateway hands every claim on as a string: a list as ``"[a b]"``, a number as its digits."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate, self.burst = rate_per_s, burst
        self.tokens = float(burst)
        self.at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def needs_token(path: str) -> bool:
    public = wiring.HTTP_API.public_prefix
    return not (path == public or path.startswith(public + "/") or path == "/console")


def event_for(
    method: str, target: str, headers: dict[str, str], body: bytes, authorizer: dict[str, Any] | None, source_ip: str
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-format-2.0 event (``$default`` route: the stack proxies every route)."""
    url = urllib.parse.urlsplit(target)
    query: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value  # API Gateway joins repeats with commas
    lowered = {k.lower(): v for k, v in headers.items()}
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": urllib.parse.unquote(url.path),
        "rawQueryString": url.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": urllib.parse.unquote(url.path),
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if query:
        event["queryStringParameters"] = query
    if cookies:
        event["cookies"] = cookies
    if body:
        event["body"] = text
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    return event


class _Handler(BaseHTTPRequestHandler):
    """One request, as API Gateway handles it (module docstring)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the function logs what it does; the server keeps quiet

    def _answer(self, status: int, body: bytes, headers: dict[str, Any]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            for value in v if isinstance(v, list) else [v]:
                self.send_header(k, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any], **headers: str) -> None:
        self._answer(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})

    def _handle(self) -> None:
        server: ApiServer = self.server.api  # type: ignore[attr-defined]
        if not server.bucket.take():
            return self._json(429, TOO_MANY)
        length = int(self.headers.get("Content-Length") or 0)
        if length > API_GATEWAY_MAX_BODY:
            return self._json(413, {"message": "Request Entity Too Large"})
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        authorizer = None
        if needs_token(urllib.parse.unquote(path)):
            try:
                authorizer = server.authorizer.verify(self.headers.get("Authorization"))
            except AuthorizationError:
                return self._json(401, UNAUTHORIZED, **{"WWW-Authenticate": "Bearer"})
        event = event_for(self.command, self.path, dict(self.headers), body, authorizer, self.client_address[0])
        try:
            with server.one_at_a_time:
                result = server.invoke(event)
        except Exception:  # what API Gateway answers when the integration fails
            return self._json(500, {"message": "Internal Server Error"})
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        headers = dict(result.get("headers") or {})
        if result.get("cookies"):
            headers["Set-Cookie"] = list(result["cookies"])
        self._answer(int(result.get("statusCode", 200)), data, headers)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class ApiServer:
    """``invoke(event) -> response`` is the function (the runtime's driver, so the real handler runs)."""

    def __init__(
        self,
        invoke: Callable[[dict[str, Any]], dict[str, Any]],
        pool: Callable[[], UserPool],
        host: str = "127.0.0.1",
        port: int = wiring.HTTP_API.local_port,
    ) -> None:
        self.invoke = invoke
        # One container: Lambda hands it one request at a time (the resolver keeps the current event on itself).
        self.one_at_a_time = threading.Lock()
        self.authorizer = JwtAuthorizer(pool)
        api = wiring.HTTP_API
        self.bucket = TokenBucket(api.throttle_rate_per_s, api.throttle_burst)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.api = self  # type: ignore[attr-defined]
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ApiServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="notify-local-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ApiClient:
    """A small client of the admin API (the local one, or a deployed stack's URL) with a bearer token."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> ApiResponse:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return ApiResponse(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return ApiResponse(err.code, dict(err.headers), err.read())

    def get(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("GET", path, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> ApiResponse:
        return self.request("PUT", path, body, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> ApiResponse:
        return self.request("POST", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("DELETE", path, **kw)


class ApiResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.text[:300]}>"
