"""10,000 fuzzed events through the router: how many raised, were quarantined (by reason) or were routed.

The events are hypothesis cases from ``tests/fuzz.py`` (hostile and malformed: arbitrary JSON in any field,
nesting thousands of levels deep, strings and collections past every bound, numbers JSON cannot carry, forged
sources, reused ids, broken JSON text), handed to the real router with the repository's templates and in-memory
ports that check what SQS would refuse. ``raised`` must be 0: the router routes or quarantines, never raises.
Run: ``make bench`` (``FUZZ_EVENTS`` to change the count).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz import Case, cases, outcome, run

EVENTS = int(os.environ.get("FUZZ_EVENTS", "10000"))


def main() -> int:
    logging.disable(logging.CRITICAL)  # the router logs every quarantine: a fuzz run would drown in them
    from notify_core.observability import logger, metrics

    logger.setLevel(logging.CRITICAL)
    outcomes: Counter[str] = Counter()
    raised: list[str] = []
    started = time.monotonic()

    @settings(
        max_examples=EVENTS,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases())
    def fuzz(case: Case) -> None:
        try:
            outcomes[outcome(run(case))] += 1
        except Exception:
            outcomes["raised"] += 1
            raised.append(traceback.format_exc(limit=3))
        metrics.clear_metrics()
        done = sum(outcomes.values())
        if done % 1000 == 0:
            print(f"  ... {done:,} events in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    fuzz()
    total = sum(outcomes.values())
    quarantined = sum(n for k, n in outcomes.items() if k.startswith("quarantined:"))
    print(f"{total:,} fuzzed events in {time.monotonic() - started:.0f} s (tests/fuzz.py through the router)")
    print(f"  raised       {outcomes['raised']:>6,}")
    print(f"  quarantined  {quarantined:>6,}")
    for key, n in sorted((k, n) for k, n in outcomes.items() if k.startswith("quarantined:")):
        print(f"    {key.removeprefix('quarantined:'):<28} {n:>6,}")
    print(f"  routed       {outcomes['routed']:>6,}")
    for trace in raised[:3]:
        print(trace, file=sys.stderr)
    return 1 if outcomes["raised"] or outcomes["quarantined:unreadable"] else 0


if __name__ == "__main__":
    sys.exit(main())
