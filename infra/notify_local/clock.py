"""The local runtime's clock, and how moto's Step Functions runs on it (README "Timers", "The local clock").

moto executes the state machines the stack deploys (``execute_state_machine``), but its Wait states really sleep and
its Lambda tasks call moto's Lambda (which only echoes, without Docker). Three seams of ``moto.stepfunctions.parser``
make it run the platform's own timers in seconds instead of days, on a clock tests can move:

- ``WaitFunction._wait_interval``, through which every Wait state waits: here it waits until the *local* clock
  reaches the deadline (or the execution is stopped), and says so in ``waiting`` (execution ARN -> deadline), which
  is how ``LocalRuntime.advance`` knows every execution has gone as far as the clock lets it;
- ``Timestamp._get_wait_seconds`` (``TimestampPath`` waits count from "now"): from the local clock's now;
- ``lambda_eval_utils.boto_client_for`` for ``lambda``: a client whose ``invoke`` runs the wiring's function
  in-process (``LocalRuntime`` registers its driver), as Lambda would, answering ``FunctionError`` when it raises.

The clock is real time plus an offset: it runs as time does, and ``advance`` moves it on. Handlers that read the time
(the router's event window, the timers' schedules) are built with ``clock.now``.
"""

from __future__ import annotations

import io
import json
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

_installed = False
_invokers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}  # function name -> invoke


class LocalClock:
    def __init__(self) -> None:
        self.offset = timedelta()
        self._changed = threading.Condition()
        self.waiting: dict[str, datetime] = {}  # execution ARN -> when its Wait state ends
        # Business and quiet hours (README "Time zones and quiet hours"): on, as on AWS. The pytest fixture turns
        # them off for each test (tests run at any hour of the real day) and a test about them turns them on.
        self.quiet_hours = True

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        with self._changed:
            self.offset += delta
            self._changed.notify_all()
        return self.now()

    def reset(self) -> None:
        """Back to real time (``LocalRuntime.reset``: each test starts at now)."""
        with self._changed:
            self.offset = timedelta()
            self._changed.notify_all()

    def wait_until(self, deadline: datetime, execution: str, running: Callable[[], bool]) -> None:
        with self._changed:
            self.waiting[execution] = deadline
            try:
                while running() and self.now() < deadline:
                    # Woken by advance(); the timeout also catches real time passing and a stopped execution.
                    self._changed.wait(0.25)
            finally:
                self.waiting.pop(execution, None)

    def blocked(self) -> set[str]:
        """Executions waiting for a time the clock has not reached."""
        now = self.now()
        with self._changed:
            return {arn for arn, deadline in self.waiting.items() if deadline > now}


CLOCK = LocalClock()  # one per process: moto's server (and its executions) is in-process too


def register_function(name: str, invoke: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Let state machine tasks invoke ``name`` (a function ARN or name) in-process."""
    _invokers[name.rsplit(":", 1)[-1]] = invoke


class _LocalLambda:
    """What ``boto3.client("lambda")`` answers a Step Functions task, for the wiring's functions."""

    def __init__(self, fallback: Any) -> None:
        self._fallback = fallback

    def invoke(self, FunctionName: str, Payload: bytes | str | None = None, **_: Any) -> dict[str, Any]:
        invoke = _invokers.get(FunctionName.rsplit(":", 1)[-1])
        if invoke is None:
            return self._fallback().invoke(FunctionName=FunctionName, Payload=Payload or b"{}")
        event = json.loads(Payload or b"{}")
        try:
            result = invoke(event)
        except Exception as exc:  # Lambda's answer for an unhandled error; the state machine's Retry applies
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc), "trace": traceback.format_exc()}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def install() -> None:
    """Put moto's Step Functions on ``CLOCK`` and its Lambda tasks on the registered functions (once per process)."""
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp, wait_function

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        execution = env.states.context_object.context_object_data["Execution"]["Id"]
        CLOCK.wait_until(CLOCK.now() + timedelta(seconds=max(wait_seconds, 0)), execution, env.is_running)

    def wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        text = env.stack.pop()
        at = self._from_timestamp_string(timestamp=text)
        if at is None:
            from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                FailureEventException,
            )

            raise FailureEventException(self._create_failure_event(env, text))
        return int((at.replace(tzinfo=UTC) - CLOCK.now()).total_seconds())

    original = lambda_eval_utils.boto_client_for

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda":
            return _LocalLambda(lambda: original(region=region, service=service, state_credentials=state_credentials))
        return original(region=region, service=service, state_credentials=state_credentials)

    wait_function.WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]
    timestamp.Timestamp._get_wait_seconds = wait_seconds  # type: ignore[method-assign]
    lambda_eval_utils.boto_client_for = client_for
    _installed = True


def parse_duration(text: str) -> timedelta:
    """``3d``, ``12h``, ``30m``, ``45s``, or several (``1d12h``): what ``notify local advance`` takes."""
    import re

    parts = re.fullmatch(r"\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*", text)
    if not parts or not any(parts.groups()):
        raise ValueError(f"{text!r} is not a duration like 3d, 12h, 30m, 45s or 1d12h")
    d, h, m, s = (int(g or 0) for g in parts.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)
