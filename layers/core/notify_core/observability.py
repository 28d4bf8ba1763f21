"""Powertools Logger and Metrics, shared by the core and the handlers (both are singletons per process).

Logs carry org, event and delivery ids; never message bodies or full addresses (``domain.addresses.mask``).
The namespace is the wiring's (``config.METRICS_NAMESPACE``); the service name comes from each function's
``POWERTOOLS_SERVICE_NAME``.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from notify_core.config import METRICS_NAMESPACE

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)
