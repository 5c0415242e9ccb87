"""How fast `nordtrans check` is: the whole command, start-up included, and the library call.

    .venv/bin/python bench/bench_check.py            # ~30 s; --repeat N

Inputs: the sample article (`../shared/articles/seed-defence-visit.txt`, 2,404 characters, its
`date` header included) against `bench/english_article.txt`, an English translation of it, by
paragraphs; and FLORES-200 dev in Bokmål (997 lines, `../shared/data/mt/nb-en`) against our
default model's output, by lines. Medians of `--repeat` runs; the command runs in a fresh
process each time (python start-up, imports and the language detector's load included), the
library call warm in this one. Also printed: which heavy modules the command imported (none
should be).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from pipeline import check_texts  # noqa: E402

SHARED = ROOT.parent / "shared"
ARTICLE = (SHARED / "articles" / "seed-defence-visit.txt", ROOT / "bench" / "english_article.txt")
MT = SHARED / "data" / "mt" / "nb-en"
FLORES = (MT / "flores-dev.nb", MT / "flores-dev.tc-big-gmq-en.en")
HEAVY = ("torch", "transformers", "ctranslate2")
# Runs the command in-process after a clean start, then reports what it imported.
PROBE = (
    "import runpy, sys\n"
    "script, sys.argv = sys.argv[1], ['cli.py', 'check', *sys.argv[2:]]\n"
    "try:\n    runpy.run_path(script, run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
)


def command(paths: tuple[Path, Path]) -> tuple[float, str]:
    """Wall time of one `python cli.py check SOURCE TRANSLATION` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "cli.py"), *map(str, paths)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    heavy = next(line for line in done.stderr.splitlines() if line.startswith("HEAVY"))
    return seconds, heavy


def library(texts: tuple[str, str]) -> float:
    """Seconds of one warm `check_texts` call."""
    start = time.perf_counter()
    check_texts(*texts)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.repeat} runs", flush=True)
    cases: list[tuple[str, tuple[Path, Path]]] = [("article", ARTICLE), ("FLORES dev nb", FLORES)]
    for name, paths in cases:
        texts = (paths[0].read_text(encoding="utf-8"), paths[1].read_text(encoding="utf-8"))
        report = check_texts(*texts)  # warm: the detector and the checks' tables load once
        runs = [command(paths) for _ in range(args.repeat)]
        warm = [library(texts) for _ in range(args.repeat)]
        print(
            f"{name} ({len(texts[0]):,} characters, by {report.aligned}, {report.pairs:,} pairs, "
            f"{report.errors} errors, {report.warnings} warnings): command "
            f"{statistics.median(r[0] for r in runs):.3f} s, library warm "
            f"{statistics.median(warm) * 1000:.1f} ms; {runs[0][1]}"
        )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
