"""Route each product event once per (org, event id): Powertools idempotency on the ``idempotency`` table.

A repeat of an event already routed returns the first routing's summary without routing again; a repeat of one
being routed right now (the same event twice in one batch, or a crashed router's message redelivered before
its record expired) raises, so SQS retries it later. Records last 7 days: products may republish an event long
after the first time (EventBridge retries for 24 h).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

EXPIRES_AFTER_S = 7 * 86400


class EventOnce:
    def __init__(self, table_name: str, *, boto3_session: Any = None) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="[detail.org_id, detail.event_id]", expires_after_seconds=EXPIRES_AFTER_S
        )
        self.store = DynamoDBPersistenceLayer(table_name=table_name, boto3_session=boto3_session)

    def register_context(self, context: Any) -> None:
        # The in-progress record expires with the invocation: a crashed router does not block the event for long.
        self.config.register_lambda_context(context)

    def wrap(self, route: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        """``route(event=...)`` made once-only (keyed by the function's qualified name and the event's ids)."""
        return idempotent_function(data_keyword_argument="event", config=self.config, persistence_store=self.store)(
            route
        )
