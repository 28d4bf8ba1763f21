"""2,000 deliveries with ~30% faults on every dependency: each is sent exactly once, or unknown / dead with its reason.

The storm itself (fault injection on SES, SNS, DynamoDB through both clients, SQS, S3, SSM, the event source
poller, Lambda timeouts and webhook receivers, and the account of every delivery by delivery id at each provider)
is ``tests/storm.py``, shared with ``scripts/bench_storm.py``, which runs 10,000 deliveries and prints its figures.
"""

from __future__ import annotations

import pytest

from tests.storm import StormPlan, run_storm

# Its own xdist group: the storm runs on one worker while the rest of the suite runs on the other.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("storm")]

PLAN = StormPlan(events=20, emails=40, phones=30, endpoints=30, fault_rate=0.3)  # 20 x 100 = 2,000 deliveries


def test_every_delivery_is_sent_exactly_once_or_settled_with_its_reason(notify_runtime):
    report = run_storm(notify_runtime, PLAN)
    print("\n" + report.summary())

    assert PLAN.deliveries == 2000
    assert report.violations == []
    assert sum(report.statuses.values()) == 2000 and report.statuses["sent"] > 1700
    # The faults really happened, on every dependency, and were survived.
    f = report.faults
    services = {key.split(":")[0] for key in f.attempts}
    assert services >= {"sesv2", "sns", "dynamodb", "sqs", "s3", "ssm"}, services
    assert {key.split(":")[0] for key in f.surfaced} >= {"sesv2", "sns", "dynamodb"}
    assert f.lambda_timeouts > 0 and f.poller_deletes > 0 and f.applied_then_lost > 0
    assert report.retried > 300
    # Every delivery not sent is listed with its reason.
    assert len(report.unresolved) == report.statuses["unknown"] + report.statuses["dead"]
    assert all(reason and not reason.startswith("None") for *_, reason in report.unresolved)
