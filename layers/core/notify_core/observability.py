"""Powertools Logger and Metrics, shared by the core and the handlers (both are singletons per process).

Logs carry org, event and delivery ids; never message bodies or full addresses (``addresses.mask``).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME (the function key)
metrics = Metrics(namespace="Notify")
