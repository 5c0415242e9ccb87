"""Batch plans of the CTranslate2 backend on an ingest job: `run_many` over the real news articles.

    python bench/bench_plans.py [--repeat 2] [--articles 30]

The project's `run_many(until="translate")` on the bench models (random weights, default
architectures, 24 forced new tokens per sentence, as in bench_speed.py's throughput), with
`run_many`'s batch of articles and the backend's plan (padded source tokens / inputs per call)
varied on one loaded model, in turn; medians (seconds, lower is better).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_speed as bs  # noqa: E402

VARIANTS = {  # name: (articles per run_many batch, max padded tokens, max inputs per call)
    "16 articles, 4,096 / 64": (16, 4096, 64),
    "16 articles, 2,048 / 32": (16, 2048, 32),
    "16 articles, 1,024 / 16": (16, 1024, 16),
    "32 articles, 2,048 / 32": (32, 2048, 32),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--articles", type=int, default=30)
    args = parser.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    from build_models import ensure_models

    print(f"load average {os.getloadavg()}", flush=True)
    project = bs.Project(ensure_models(bs.MODELS))
    news = bs.news_articles(args.articles)
    backend = project.news._loader("translate")()
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.repeat):
        for name, (articles, tokens, inputs) in VARIANTS.items():
            backend.max_batch_tokens, backend.max_batch = tokens, inputs
            start = time.perf_counter()
            for result in project.news.run_many(news, batch_size=articles, until="translate",
                                                use_cache=False):  # fmt: skip
                if result.error is not None:
                    raise RuntimeError(f"run_many failed: {result.error}")
            seconds[name].append(time.perf_counter() - start)
            print(f"{name}: {seconds[name][-1]:.1f} s", flush=True)
    print(f"load average {os.getloadavg()}")
    for name, values in seconds.items():
        print(f"{name:26s} median {statistics.median(values):.1f} s (min {min(values):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
