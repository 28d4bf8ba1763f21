"""The dated price table lives in the package (``notify_core.domain.prices``): the cost report reads it too."""

from notify_core.domain.prices import *  # noqa: F403
