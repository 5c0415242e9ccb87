"""The CTranslate2 levers behind the project's defaults, measured side by side on the bench models.

    python bench/bench_levers.py [--repeat 5] [--articles 10]

Same converted int8 models and the same token lists for every variant, so only the lever
changes: thread layout (replicas vs intra-op threads), batch planning (one call, the project's
length-sorted token-budgeted batches, CTranslate2's own `max_batch_size` / `batch_type`), for one
article's sentences, for one summary, and for many articles' sentences at once. Variants run in
turn, the order rotating every round; medians are printed. Output tokens are compared with the
first variant of each group (greedy or beam, batching does not change them here, and a lever
that did would be reported as "differs").
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

LAYOUTS = {
    "CTranslate2 default (1 replica x 4 threads)": {},
    "1 replica x 2 threads": {"inter_threads": 1, "intra_threads": 2},
    "2 replicas x 1 thread": {"inter_threads": 2, "intra_threads": 1},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--articles", type=int, default=10)
    args = parser.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    import ctranslate2
    from build_models import ensure_models

    from pipeline.models.backends.base import plan_batches
    from pipeline.models.backends.ctranslate2_backend import BATCH_TOKENS, MAX_BATCH
    from pipeline.models.light_tokenizers import load_light_tokenizer

    models = ensure_models(bs.MODELS)
    bs.PlainCT2(models)  # converts once, into bench/.models/plain-ct2/
    paths = {s: bs.MODELS / "plain-ct2" / p.name for s, p in models.items()}
    tok = {s: load_light_tokenizer(p) for s, p in models.items()}
    one = tok["translate"].encode_tokens(bs.sentences_of(bs.ARTICLE.read_text("utf-8")))
    per_article = [tok["translate"].encode_tokens(bs.sentences_of(text))
                   for text in bs.news_articles(args.articles)]  # fmt: skip
    many = [row for rows in per_article for row in rows]
    summary = tok["summarise"].encode_tokens([bs.ENGLISH.read_text("utf-8")])
    translators = {
        (stage, name): ctranslate2.Translator(str(paths[stage]), device="cpu",
                                              compute_type="int8", **layout)
        for stage in paths for name, layout in LAYOUTS.items()
    }  # fmt: skip

    def translate(layout: str, batches: str, rows, steps: int):
        t = translators[("translate", layout)]
        options = {"beam_size": bs.BEAMS, "min_decoding_length": steps,
                   "max_decoding_length": steps}  # fmt: skip
        if batches == "one call":
            return [r.hypotheses[0] for r in t.translate_batch(rows, **options)]
        if batches.startswith("max_batch_size"):
            size, kind = (32, "examples") if "32" in batches else (1024, "tokens")
            results = t.translate_batch(rows, max_batch_size=size, batch_type=kind, **options)
            return [r.hypotheses[0] for r in results]
        out: list = [None] * len(rows)  # the project's plan: length-sorted, token-budgeted
        replicas = t.num_translators
        pending = []
        plan = plan_batches([len(r) for r in rows], max_tokens=BATCH_TOKENS, max_batch=MAX_BATCH)
        for batch in plan:
            extra = {"max_batch_size": -(-len(batch) // replicas)} if replicas > 1 else {}
            pending.append((batch, t.translate_batch([rows[i] for i in batch], asynchronous=True,
                                                     **options, **extra)))  # fmt: skip
        for batch, results in pending:
            for i, r in zip(batch, results, strict=True):
                out[i] = r.result().hypotheses[0]
        return out

    def summarise(layout: str):
        t = translators[("summarise", layout)]
        steps = bs.forced_steps(bs.SUMMARY_NEW)
        results = t.translate_batch(summary, beam_size=bs.BEAMS, min_decoding_length=steps,
                                    max_decoding_length=steps, **bs.SUMMARY_SETTINGS)  # fmt: skip
        return [r.hypotheses[0] for r in results]

    groups: dict[str, dict[str, object]] = {"one article's sentences": {}, "one summary": {},
                                            f"{args.articles} articles' sentences": {}}  # fmt: skip
    for layout in LAYOUTS:
        for batches in ("one call", "project batches"):
            groups["one article's sentences"][f"{layout}, {batches}"] = (
                lambda layout=layout, batches=batches: translate(
                    layout, batches, one, bs.forced_steps(bs.TRANSLATE_NEW)))  # fmt: skip
        groups["one summary"][layout] = lambda layout=layout: summarise(layout)
    steps = bs.forced_steps(bs.THROUGHPUT_NEW)
    many_group = groups[f"{args.articles} articles' sentences"]
    default, single, replicas = LAYOUTS
    many_group[f"{default}, one call per article"] = lambda: [
        translate(default, "one call", rows, steps) for rows in per_article
    ]
    for layout in (single, replicas):
        for batches in ("project batches", "max_batch_size 1024 tokens"):
            many_group[f"{layout}, {batches}, all at once"] = (
                lambda layout=layout, batches=batches: translate(layout, batches, many, steps)
            )
    print(f"load average {os.getloadavg()[0]:.2f}; {len(one)} + {len(many)} sentences", flush=True)
    for group, variants in groups.items():
        reference = None
        outputs = {}
        for name, fn in variants.items():  # warm-up, and the outputs to compare
            outputs[name] = fn()
            reference = reference if reference is not None else outputs[name]
        times: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        repeat = args.repeat if "articles'" not in group else max(3, args.repeat // 2)
        for rep in range(repeat):
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                start = time.perf_counter()
                variants[name]()
                times[name].append(time.perf_counter() - start)
        print(f"\n{group} (median of {repeat}, load average {os.getloadavg()[0]:.2f})")
        base = statistics.median(times[names[0]])
        for name in names:
            med = statistics.median(times[name])
            flat = _flat(outputs[name])
            same = "same tokens" if flat == _flat(reference) else "differs"
            print(f"  {name:58s} {med:7.2f} s  {base / med:5.2f}x  {same}", flush=True)
    return 0


def _flat(rows):
    """Hypotheses of one call, or of one call per article, as one list."""
    if rows and isinstance(rows[0], list) and rows[0] and isinstance(rows[0][0], list):
        return [row for group in rows for row in group]
    return rows


if __name__ == "__main__":
    sys.exit(main())
