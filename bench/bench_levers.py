"""The CTranslate2 levers behind the project's defaults, measured side by side on the bench models.

    python bench/bench_levers.py [--repeat 5] [--articles 6]

Thread layouts (CTranslate2's default, one replica on every core, one replica per core), each in
its own worker process, against the same workloads: one article's sentences (one call, or the
project's length-sorted token-budgeted batches), one summary, 8 summaries at once, and many
articles' sentences (one call per article, all at once in the project's batches, or all at once
with CTranslate2's own `max_batch_size` / `batch_type="tokens"`). Same converted int8 models and
token lists everywhere; the workers answer in turn, the order rotating every round; medians.

Why a process per layout: CTranslate2's OpenMP runtime (libgomp) spins between parallel regions
only while it manages no more threads than there are cores. Several translators alive in one
process add up their threads, so every layout would run with the throttled spinning of the
busiest one (an earlier version of this script measured that way, and found no gain from
intra-op threads that a process of its own shows).

Output tokens are compared with the first layout's: a lever that changed them says "differs".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_speed as bs  # noqa: E402

SUMMARIES = 8  # summaries in one call, as run_many's summarise stage makes them


def layouts(cores: int) -> dict[str, dict[str, int]]:
    return {
        "CTranslate2 default": {},
        f"1 replica x {cores} threads": {"inter_threads": 1, "intra_threads": cores},
        f"{cores} replicas x 1 thread": {"inter_threads": cores, "intra_threads": 1},
    }


def worker(layout: dict[str, int], articles: int) -> None:
    """Load both models with `layout`, then run the named jobs read from stdin."""
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    import ctranslate2
    from build_models import ensure_models

    from pipeline.models.backends.base import plan_batches
    from pipeline.models.backends.ctranslate2_backend import BATCH_PLAN
    from pipeline.models.light_tokenizers import load_light_tokenizer

    models = ensure_models(bs.MODELS)
    paths = {s: bs.MODELS / "plain-ct2" / p.name for s, p in models.items()}
    tok = {s: load_light_tokenizer(p) for s, p in models.items()}
    t = {
        s: ctranslate2.Translator(str(p), device="cpu", compute_type="int8", **layout)
        for s, p in paths.items()
    }
    one = tok["translate"].encode_tokens(bs.sentences_of(bs.ARTICLE.read_text("utf-8")))
    per_article = [
        tok["translate"].encode_tokens(bs.sentences_of(text)) for text in bs.news_articles(articles)
    ]
    many = [row for rows in per_article for row in rows]
    summary = tok["summarise"].encode_tokens([bs.ENGLISH.read_text("utf-8")])
    # Inputs as long as the sample's English text, cut from the news (only their length counts).
    summaries = [
        row[: len(summary[0]) - 1] + summary[0][-1:]
        for row in tok["summarise"].encode_tokens(bs.news_articles(SUMMARIES))
    ]
    steps = {
        "article": bs.forced_steps(bs.TRANSLATE_NEW),
        "news": bs.forced_steps(bs.THROUGHPUT_NEW),
    }
    steps["summary"] = bs.forced_steps(bs.SUMMARY_NEW)

    def options(kind: str) -> dict:
        extra = bs.SUMMARY_SETTINGS if kind == "summary" else {}
        return {
            "beam_size": bs.BEAMS,
            "min_decoding_length": steps[kind],
            "max_decoding_length": steps[kind],
            **extra,
        }

    def project(stage: str, rows, **opts):
        """The CTranslate2 backend's plan: length-sorted batches split across the replicas."""
        out: list = [None] * len(rows)
        replicas, pending = t[stage].num_translators, []
        tokens, inputs = BATCH_PLAN["documents" if stage == "summarise" else "sentences"]
        for batch in plan_batches([len(r) for r in rows], max_tokens=tokens, max_batch=inputs):
            extra = {"max_batch_size": -(-len(batch) // replicas)} if replicas > 1 else {}
            results = t[stage].translate_batch(
                [rows[i] for i in batch], asynchronous=True, **opts, **extra
            )
            pending.append((batch, results))
        for batch, results in pending:
            for i, r in zip(batch, results, strict=True):
                out[i] = r.result()
        return out

    jobs = {
        "one article, one call": lambda: t["translate"].translate_batch(one, **options("article")),
        "one article, project batches": lambda: project("translate", one, **options("article")),
        "one summary": lambda: project("summarise", summary, **options("summary")),
        f"{SUMMARIES} summaries at once": lambda: project(
            "summarise", summaries, **options("summary")
        ),
        f"{articles} articles, one call per article": lambda: [
            r
            for rows in per_article
            for r in t["translate"].translate_batch(rows, **options("news"))
        ],
        f"{articles} articles, all at once, project batches": lambda: project(
            "translate", many, **options("news")
        ),
        f"{articles} articles, all at once, max_batch_size 1024 tokens": lambda: t[
            "translate"
        ].translate_batch(many, max_batch_size=1024, batch_type="tokens", **options("news")),
    }
    print(json.dumps(list(jobs)), file=answers, flush=True)
    for line in sys.stdin:
        name = line.strip()
        start = time.perf_counter()
        results = jobs[name]()
        seconds = time.perf_counter() - start
        digest = hashlib.sha256(repr([r.hypotheses[0] for r in results]).encode()).hexdigest()
        print(json.dumps({"seconds": seconds, "tokens": digest}), file=answers, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--only", help="run only the workloads whose name contains this")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(json.loads(args.worker), args.articles)
        return 0
    from build_models import ensure_models

    from pipeline.models.backends.base import cpu_threads

    bs.PlainCT2(ensure_models(bs.MODELS))  # converts once, into bench/.models/plain-ct2/
    names = layouts(cpu_threads())
    procs = {
        name: subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--articles",
                str(args.articles),
                "--worker",
                json.dumps(layout),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for name, layout in names.items()
    }
    jobs = [json.loads(p.stdout.readline()) for p in procs.values()][-1]  # all the same

    def ask(name: str, job: str) -> dict:
        procs[name].stdin.write(job + "\n")
        procs[name].stdin.flush()
        return json.loads(procs[name].stdout.readline())

    print(
        f"load average {os.getloadavg()[0]:.2f}; {cpu_threads()} cores; medians of "
        f"{args.repeat} (many articles: of {max(3, args.repeat // 2)})",
        flush=True,
    )
    order = list(names)
    widths = (60, *(max(len(n), 10) for n in order))
    print("  ".join(h.ljust(w) for h, w in zip(("", *order), widths, strict=True)))
    for job in [j for j in jobs if args.only is None or args.only in j]:
        tokens = {name: ask(name, job)["tokens"] for name in order}  # warm-up; the outputs
        times: dict[str, list[float]] = {name: [] for name in order}
        repeat = args.repeat if "articles" not in job else max(3, args.repeat // 2)
        for rep in range(repeat):
            for name in order[rep % len(order) :] + order[: rep % len(order)]:
                times[name].append(ask(name, job)["seconds"])
        same = {n: "" if tokens[n] == tokens[order[0]] else " differs" for n in order}
        cells = [f"{statistics.median(times[n]):.2f} s{same[n]}" for n in order]
        print("  ".join(c.ljust(w) for c, w in zip((job, *cells), widths, strict=True)), flush=True)
    for p in procs.values():
        p.stdin.close()
        p.wait(timeout=60)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
