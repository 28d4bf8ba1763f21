"""The local runtime's clock over HTTP, for ``notify local advance`` / ``notify local now`` in another terminal.

``notify local up`` serves it on 127.0.0.1 (``--control-port``, default 4568): ``GET /clock`` answers the clock's
time, ``POST /clock/advance`` with ``{"seconds": N}`` moves it on and answers once everything that fell due has
happened (``LocalRuntime.advance``). Loopback only: it is a developer's tool, like the runtime itself.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_CONTROL_PORT = 4568


def _iso(at: Any) -> str:
    return str(at.strftime("%Y-%m-%dT%H:%M:%SZ"))


class ControlServer:
    def __init__(self, rt: Any, host: str = "127.0.0.1", port: int = DEFAULT_CONTROL_PORT) -> None:
        runtime = rt

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: the terminal shows deliveries
                return

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path != "/clock":
                    return self._answer(404, {"error": f"no {self.path}"})
                self._answer(200, {"now": _iso(runtime.now())})

            def do_POST(self) -> None:
                if self.path != "/clock/advance":
                    return self._answer(404, {"error": f"no {self.path}"})
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    seconds = float(body["seconds"])
                    if seconds < 0:
                        raise ValueError("the clock only moves forward")
                except (ValueError, KeyError, TypeError) as exc:
                    return self._answer(400, {"error": f"expected {{'seconds': N >= 0}}: {exc}"})
                try:
                    now = runtime.advance(seconds=seconds)
                except TimeoutError as exc:
                    return self._answer(504, {"error": str(exc)})
                self._answer(200, {"now": _iso(now)})

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="notify-local-control", daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
