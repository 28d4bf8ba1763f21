"""A local HTTP receiver for webhooks: records every request and verifies its signature.

Verification uses the reference ``standardwebhooks`` library, not our signing code, so a test that
passes proves our signatures interoperate. Each path can be told what to answer (status, delay,
Retry-After) to play failing receivers.

It also plays the chat services by default, so a settings document pointing at it just works: any path it was
not told about answers ``200 ok``, as a Slack incoming webhook does (a webhook receiver ignores the body), and it
stands in for the Telegram Bot API under ``/telegram`` (the local runtime points ``TELEGRAM_API_BASE`` there):
``POST /telegram/bot<token>/sendMessage`` answers as Telegram does, ``{"ok": true, "result": {"message_id": N,
...}}``, unless the path was told to answer otherwise.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: str
    status: int
    verified: bool | None  # None: no secret registered for the path
    late: bool = False  # answered after a deliberate delay (the sender may have given up waiting)

    def json(self) -> Any:
        import json

        return json.loads(self.body)


# What a path the receiver was not told about answers: Slack's incoming webhook answer (webhooks ignore bodies).
SLACK_OK = Behaviour(200, body="ok")
TELEGRAM_PREFIX = "/telegram"
_TELEGRAM_SEND = re.compile(r"^/telegram/bot([^/]+)/sendMessage$")


@dataclass
class TelegramMessage:
    """A sendMessage call the receiver answered as the Bot API would."""

    bot_token: str
    chat_id: int | str
    text: str
    parse_mode: str | None
    status: int


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[ReceivedWebhook] = []
        self._behaviour: dict[str, Behaviour] = {}
        self._secrets: dict[str, str] = {}
        self._faults: tuple | None = None
        self._lock = threading.Lock()
        self._telegram_ids = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond(
        self, path: str, status: int = 200, *, delay_s: float = 0.0, headers: dict | None = None, body: str = ""
    ) -> None:
        self._behaviour[path] = Behaviour(status, delay_s, dict(headers or {}), body)

    def inject_faults(
        self,
        path_prefix: str,
        rate: float,
        *,
        seed: int = 0,
        timeout_delay_s: float = 0.0,
        statuses: tuple[int, ...] = (500, 502, 503, 429),
    ) -> None:
        """Make a share of the calls under a prefix fail: an error status, or (with timeout_delay_s) a slow answer."""
        import random

        self._faults = (path_prefix, rate, random.Random(seed), statuses, timeout_delay_s)

    def expect_secret(self, path: str, secret: str) -> None:
        self._secrets[path] = secret

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
        self._behaviour.clear()
        self._secrets.clear()
        self._faults = None

    def received(self, path: str | None = None) -> list[ReceivedWebhook]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    @property
    def telegram_api_base(self) -> str:
        return f"{self.url}{TELEGRAM_PREFIX}"

    def telegram_messages(self, chat_id: int | str | None = None) -> list[TelegramMessage]:
        """The sendMessage calls received (whatever they were answered), optionally for one chat."""
        messages = []
        for r in self.received():
            m = _TELEGRAM_SEND.match(r.path)
            if not m:
                continue
            try:
                body = r.json()
            except ValueError:
                continue
            msg = TelegramMessage(
                m.group(1), body.get("chat_id"), body.get("text", ""), body.get("parse_mode"), r.status
            )
            if chat_id is None or str(msg.chat_id) == str(chat_id):
                messages.append(msg)
        return messages

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length).decode("utf-8", "replace")
        path = h.path.split("?")[0]
        behaviour = self._fault(path) or self._behaviour.get(path) or self._telegram_answer(path, body) or SLACK_OK
        headers = {k.lower(): v for k, v in h.headers.items()}
        verified = self._verify(path, body, headers)
        with self._lock:  # recorded on arrival: a receiver that answers late has still got (and acted on) it
            self.requests.append(
                ReceivedWebhook(path, headers, body, behaviour.status, verified, behaviour.delay_s > 0)
            )
        if behaviour.delay_s:
            time.sleep(behaviour.delay_s)
        try:
            h.send_response(behaviour.status)
            for k, v in behaviour.headers.items():
                h.send_header(k, v)
            payload = behaviour.body.encode()
            h.send_header("content-length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (timeout tests)

    def _telegram_answer(self, path: str, body: str) -> Behaviour | None:
        """What the Bot API answers a well-formed sendMessage (a 400 as Telegram's for a malformed one)."""
        if not _TELEGRAM_SEND.match(path):
            return None
        try:
            request = json.loads(body)
            chat_id, text = request["chat_id"], request["text"]
        except (ValueError, KeyError, TypeError):
            error = {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            return Behaviour(400, body=json.dumps(error))
        with self._lock:
            self._telegram_ids += 1
            message_id = self._telegram_ids
        result = {"message_id": message_id, "chat": {"id": chat_id}, "date": int(time.time()), "text": text}
        return Behaviour(
            200,
            headers={"content-type": "application/json"},
            body=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
        )

    def _fault(self, path: str) -> Behaviour | None:
        if not self._faults:
            return None
        prefix, rate, rng, statuses, timeout_delay_s = self._faults
        if not path.startswith(prefix):
            return None
        with self._lock:
            roll, pick = rng.random(), rng.randrange(len(statuses) + (1 if timeout_delay_s else 0))
        if roll >= rate:
            return None
        if pick == len(statuses):
            return Behaviour(200, delay_s=timeout_delay_s)  # answers too late: the sender has timed out
        status = statuses[pick]
        return Behaviour(status, headers={"Retry-After": "0"} if status in (429, 503) else {})

    def _verify(self, path: str, body: str, headers: dict[str, str]) -> bool | None:
        secret = self._secrets.get(path)
        if secret is None:
            return None
        from standardwebhooks import Webhook, WebhookVerificationError

        try:
            Webhook(secret).verify(body, headers)
            return True
        except WebhookVerificationError:
            return False
