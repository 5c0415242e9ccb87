"""Speed knobs of the CTranslate2 backend that do not change its output, on the bench models.

    python bench/explore.py [--repeat 3]

Each variant loads both backends with its options, runs the project's translate and summarise
once to warm up, then `--repeat` times; medians are printed (and the output is checked to be the
same as the default's: greedy or beam, the same batches give the same result).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_speed as bs  # noqa: E402
from build_models import ensure_models  # noqa: E402

VARIANTS = {
    "default (inter=cores, intra=1)": {},
    "inter=1, intra=cores": {"inter_threads": 1, "intra_threads": 2},
    "inter=1, intra=1": {"inter_threads": 1, "intra_threads": 1},
    "inter=2, intra=2 (oversubscribed)": {"inter_threads": 2, "intra_threads": 2},
    "default, batches of <=1024 tokens": {"max_batch_tokens": 1024},
    "default, batches of <=512 tokens": {"max_batch_tokens": 512},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="variant names (substring match)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    models = ensure_models()
    profile = bs.write_profile(models)
    article, english = bs.ARTICLE.read_text("utf-8"), bs.ENGLISH.read_text("utf-8")
    reference = None
    for name, options in VARIANTS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        start = time.perf_counter()
        proj = bs.Project(profile, **options)
        proj.load()
        load = time.perf_counter() - start
        outputs = (proj.translate(article), proj.summarise(english))
        reference = reference or outputs
        same = outputs == reference
        t = [bs.timed(proj.translate, article) for _ in range(args.repeat)]
        s = [bs.timed(proj.summarise, english) for _ in range(args.repeat)]
        print(
            f"{name:38s} translate {statistics.median(t):5.2f}s  summarise "
            f"{statistics.median(s):5.2f}s  load {load:4.1f}s  same output: {same}",
            flush=True,
        )
        del proj


if __name__ == "__main__":
    main()
