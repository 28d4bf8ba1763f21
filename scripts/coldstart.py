"""Cold-start import cost of each Lambda handler, next to ``import boto3`` alone.

Each figure is the median CPU time of N fresh interpreters importing the module (so every import is cold in
the process, warm in the OS file cache, as on a Lambda that reuses a host). ``python -X importtime``
attributes the time to the top-level packages. Run: ``make coldstart``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("COLDSTART_RUNS", "7"))
TARGETS = {
    "import boto3 (baseline)": "import boto3",
    **{
        f"functions/{fn}": f"import functions.{fn}.app"
        for fn in (
            "router",
            "send_email",
            "send_sms",
            "send_webhook",
            "send_chat",
            "dead_letter",
            "feedback",
            "sms_status",
            "sms_inbound",
            "timers",
            "remind",
            "schedules",
            "api",
        )
    },
    # The admin API also builds its resolver (routes, validation models) on the first request.
    "functions/api + resolver built": "import functions.api.app; "
    "from notify_core.handlers.api.app import build_app; build_app()",
}
ENV = {
    **os.environ,
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_METRICS_NAMESPACE": "Notify",
    "PYTHONDONTWRITEBYTECODE": "0",
}


def measure(stmt: str) -> tuple[float, dict[str, float]]:
    # CPU time of the process, not wall time: an import is CPU-bound once the files are cached, and other work on a
    # busy machine then does not count.
    code = f"import time; t=time.process_time(); {stmt}; print((time.process_time()-t)*1000)"
    totals, by_pkg = [], defaultdict(list)
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            env=ENV,
            cwd=ROOT,
            check=True,
        )
        totals.append(float(out.stdout.strip().splitlines()[-1]))
        run_pkg: dict[str, float] = defaultdict(float)
        for line in out.stderr.splitlines():
            # "import time: self [us] | cumulative | imported package"; top-level lines have no indent
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            _, cumulative, name = (p.strip() for p in line.split(":", 1)[1].split("|"))
            if not name.startswith(" ") and "." not in name:
                run_pkg[name] += int(cumulative) / 1000
        for k, v in run_pkg.items():
            by_pkg[k].append(v)
    return statistics.median(totals), {k: statistics.median(v) for k, v in by_pkg.items()}


def main() -> None:
    subprocess.run([sys.executable, "-c", "import functions.router.app"], env=ENV, cwd=ROOT, check=True)  # .pyc
    print(f"cold import time, median of {RUNS} fresh interpreters (python {sys.version.split()[0]})\n")
    print(f"{'module':28} {'import ms':>10} {'x boto3':>8}   heaviest top-level packages (ms)")
    for label, stmt in TARGETS.items():
        # The baseline again before each handler: on a busy machine the ratio compares two runs made together.
        base, _ = measure(TARGETS["import boto3 (baseline)"])
        total, pkgs = measure(stmt)
        top = sorted(pkgs.items(), key=lambda kv: -kv[1])[:5]
        print(f"{label:28} {total:10.0f} {total / base:8.2f}   " + ", ".join(f"{k} {v:.0f}" for k, v in top))
    print(
        "\nx boto3: the handler's import time over `import boto3` measured just before it (the target is 1.5 or less)."
    )


if __name__ == "__main__":
    main()
