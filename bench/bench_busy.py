"""Throughput beside a small background job: plain CTranslate2 against the project.

    python bench/bench_busy.py [--rounds 6] [--articles 30] [--busy-ms 5] [--period-ms 50]

bench_speed.py's throughput workers (`run_many` over the news articles against plain
CTranslate2 one call per article), rounds alternating between a quiet machine and one where
another process is busy `--busy-ms` in every `--period-ms` (by default a tenth of one core, like
a log shipper or a cron job). Plain CTranslate2's one replica runs its threads in lock step, the
project's replicas run independently: this measures what that costs each of them. Medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_speed as bs  # noqa: E402

BUSY = """import time
while True:
    end = time.perf_counter() + {busy}
    while time.perf_counter() < end:
        pass
    time.sleep({idle})
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="half quiet, half beside the job")
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--busy-ms", type=float, default=5.0)
    parser.add_argument("--period-ms", type=float, default=50.0)
    args = parser.parse_args()
    sides = ("ct2", "project")
    bs.convert_once(sides)  # the workers build the models too, when they are missing
    workers = {side: bs.Worker(side, args.articles) for side in sides}
    busy = BUSY.format(busy=args.busy_ms / 1000, idle=(args.period_ms - args.busy_ms) / 1000)
    seconds: dict[tuple[str, str], list[float]] = {}
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for rnd in range(args.rounds):
        mode = "quiet" if rnd % 2 == 0 else "busy"
        job = subprocess.Popen([sys.executable, "-c", busy]) if mode == "busy" else None
        try:
            order = sides if rnd % 4 < 2 else sides[::-1]
            for side in order:
                answer = workers[side].ask("throughput")
                seconds.setdefault((side, mode), []).append(answer["seconds"])
        finally:
            if job is not None:
                job.kill()
                job.wait()
        times = "  ".join(f"{s} {seconds[(s, mode)][-1]:.1f}s" for s in sides)
        print(f"  round {rnd + 1} ({mode}): {times}", flush=True)
    for w in workers.values():
        w.close()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    for side in sides:
        quiet, loaded = (statistics.median(seconds[(side, m)]) for m in ("quiet", "busy"))
        print(f"{side:8s} quiet {quiet:.1f} s, beside the job {loaded:.1f} s "
              f"({loaded / quiet - 1:+.0%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
