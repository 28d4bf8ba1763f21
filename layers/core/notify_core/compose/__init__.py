"""What every function's handler shares: the Lambda-shaped outer layers around a built service.

The composition root is this package: one module per function of ``wiring.FUNCTIONS``, each with
``build(env) -> handler``: validate the function's settings model (``notify_core.config``), create its AWS
clients and adapters, give them to its service and wrap that in the Lambda-shaped handler (batch processing,
logging context, metrics). ``functions/<key>/app.py`` exposes ``LazyHandler(build)``; the local runtime calls
the same builders with each function's own environment. A module imports only what its function uses: a
function's cold start pays for its own adapters, not the others'.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.handlers.entry import Handler
from notify_core.observability import logger, metrics

Env = Mapping[str, str]
FUNCTIONS = (
    "router",
    "send_email",
    "send_sms",
    "send_webhook",
    "send_chat",
    "feedback",
    "sms_status",
    "sms_inbound",
    "dead_letter",
    "timers",
    "remind",
    "schedules",
    "api",
)


def builder(function: str) -> Callable[[Env], Handler]:
    """``notify_core.compose.<function>.build`` (an infra test checks these are the wiring's functions)."""
    if function not in FUNCTIONS:
        raise KeyError(f"no function {function!r}")
    return importlib.import_module(f"notify_core.compose.{function}").build


def lambda_handler(handler: Handler) -> Handler:
    """Every function's outer layer: the invocation's context in its logs, its metrics flushed as EMF."""
    return logger.inject_lambda_context(metrics.log_metrics(handler))


def sqs_handler(
    record_handler: Callable[[SQSRecord], Any], processor: Any, before: Callable[[Any], None] | None = None
) -> Handler:
    """An SQS event source's handler: partial batch failures (with backoff when the processor applies it)."""
    from aws_lambda_powertools.utilities.batch import process_partial_response

    from notify_core.handlers.batch import Backoff

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if before is not None:
            before(context)
        if isinstance(processor, Backoff):
            return processor.run_batch(event, record_handler, context)
        return dict(process_partial_response(event, record_handler, processor, context))

    return lambda_handler(handler)
