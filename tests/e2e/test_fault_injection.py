"""2,000 deliveries with ~30% provider faults: each is delivered exactly once or dead-lettered with its reason.

The storm itself (fault injection and the account of every delivery) is ``tests/storm.py``, shared with
``scripts/bench_storm.py``, which runs a larger one (10,000 deliveries) and prints its figures.
"""

from __future__ import annotations

import pytest

from tests.storm import StormPlan, run_storm

# Its own xdist group: the storm runs on one worker while the rest of the suite runs on the other.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("storm")]

PLAN = StormPlan(events=20, emails=40, phones=30, endpoints=30, fault_rate=0.3)  # 20 x 100 = 2,000 deliveries


def test_every_delivery_is_sent_exactly_once_or_dead_with_its_reason(notify_runtime):
    report = run_storm(notify_runtime, PLAN)

    assert PLAN.deliveries == 2000
    assert report.violations == []
    assert sum(report.statuses.values()) == 2000 and report.statuses["sent"] > 1900
    # faults really happened, and were retried
    assert sum(report.ses_faults.values()) > 100 and sum(report.sns_faults.values()) > 100
    assert report.retried > 400
    print("\n" + report.summary())
