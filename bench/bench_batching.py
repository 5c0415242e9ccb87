"""Does a sentence's translation depend on what it is batched with? How often, and why?

    python bench/bench_batching.py                      # tiny profile, 16 news articles
    python bench/bench_batching.py --model bench --articles 8

The same articles (the first `--articles` of NorSumm) translated by the project's CTranslate2
backend, sentences compared one by one between two ways of batching them (and first, line 0: how
many sentences, each translated alone, run all the way to their length cap, i.e. never end by
themselves, as a random model's do):

1. `run_many(batch_size=16)` against `run_many(batch_size=4)`: what a user sees (articles, and
   their sentences, whose translation differs);
2. the same at the backend: the unique sentences of all articles in one `generate` call, against
   one call per group of `--small` articles, with the profile's settings;
3. as 2, with `max_new_tokens_ratio` off and `max_new_tokens` at `--cap` (64; a random model
   runs to its cap): every sentence gets the same cap, whichever batch it is in (the ratio caps
   a batch by its longest input);
4. each sentence in a call of its own against all in one call, ratio off: what is left is the
   arithmetic (padding, batch shapes, int8 GEMM kernels), with the profile's beams and greedy;
5. with `--float32`, 4 again on a float32 conversion.

`--model tiny` is the tiny profile; `--model bench` the random-weight checkpoint with the default
profile's architecture (bench/build_models.py) and the default profile's generation settings.
Counts only (the seconds each line took go to stderr, as progress).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_speed import news_articles, sentences_of  # noqa: E402

DEFAULT_GENERATE = {"num_beams": 4, "max_new_tokens": 512, "max_new_tokens_ratio": 3.0}


def profile(model: str):
    """The `Profile` to run: the tiny one, or the bench checkpoints with the default settings."""
    from pipeline.config import load_profile

    if model == "tiny":
        return load_profile(ROOT / "models.yaml", "tiny")
    from build_models import MODELS, ensure_models

    paths = ensure_models(MODELS)
    body = {"translate": {"model": str(paths["translate"]), "backend": "ctranslate2",
                          "generate": DEFAULT_GENERATE},
            "summarise": {"model": str(paths["summarise"]), "backend": "ctranslate2"}}  # fmt: skip
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    path = work / "batching.yaml"
    path.write_text(json.dumps({"profiles": {"bench": body}}), "utf-8")  # JSON is YAML
    return load_profile(path, "bench")


def differ(a: Sequence[str], b: Sequence[str]) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def in_groups(generate: Callable[[list[str]], list[str]], groups: list[list[str]]) -> list[str]:
    """Each group's unique sentences in one call; the outputs of all groups' sentences."""
    return [out for group in groups for out in generate(group)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("tiny", "bench"), default="tiny")
    parser.add_argument("--articles", type=int, default=16)
    parser.add_argument("--small", type=int, default=4, help="articles per batch, against all")
    parser.add_argument("--float32", action="store_true", help="also a float32 conversion")
    parser.add_argument("--cap", type=int, default=64, help="max_new_tokens with the ratio off")
    args = parser.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    from pipeline import Pipeline
    from pipeline.cache import DiskCache
    from pipeline.models.loading import load_backend

    print(f"load average {os.getloadavg()}", flush=True)
    prof = profile(args.model)
    pipe = Pipeline(prof, cache=DiskCache(None))
    backend = pipe._loader("translate")()
    settings = dict(prof.stage("translate").generate)
    articles = news_articles(args.articles)
    n, k = len(articles), args.small
    print(f"model {args.model}: {prof.stage('translate').model}, {backend.compute_type}, "
          f"settings {settings}", flush=True)  # fmt: skip

    def visible(runner: Pipeline, label: str) -> None:
        start = time.perf_counter()
        big = runner.run_many(articles, batch_size=n, until="translate", use_cache=False)
        small = runner.run_many(articles, batch_size=k, until="translate", use_cache=False)
        texts = [[r.translation for r in rs] for rs in (big, small)]
        print(f"1. run_many, batches of {n} vs {k}{label}: {differ(*texts)} of {n} articles "
              "differ", flush=True)  # fmt: skip
        progress(start)

    per_article = [sentences_of(a) for a in articles]
    everything = list(dict.fromkeys(s for group in per_article for s in group))
    groups = [list(dict.fromkeys(s for a in per_article[i : i + k] for s in a))
              for i in range(0, n, k)]  # fmt: skip
    order = [s for g in groups for s in g]  # the sentences of the small groups, in their order

    def compare(label: str, gen: Callable[[list[str]], list[str]], a: str, b: str) -> None:
        start = time.perf_counter()
        outs = {
            "all": lambda: dict(zip(everything, gen(everything), strict=True)),
            "groups": lambda: dict(zip(order, in_groups(gen, groups), strict=True)),
            "alone": lambda: {s: gen([s])[0] for s in everything},
        }
        x, y = outs[a](), outs[b]()
        keys = [s for s in everything if s in x and s in y]
        print(f"{label}: {differ([x[s] for s in keys], [y[s] for s in keys])} of {len(keys)} "
              f"sentences differ", flush=True)  # fmt: skip
        progress(start)

    ran_to_cap(backend, everything, settings)
    visible(pipe, "")
    fixed = _without_ratio(prof, args.cap)
    visible(Pipeline(fixed, cache=DiskCache(None), backends=pipe._backends), ", ratio off")
    no_ratio = fixed.stage("translate").generate
    compare(f"2. all in one call vs {k} articles a call", lambda t: backend.generate(t, settings),
            "all", "groups")  # fmt: skip
    compare("3. as 2, ratio off", lambda t: backend.generate(t, no_ratio), "all", "groups")
    compare("4. alone vs all in one call, ratio off", lambda t: backend.generate(t, no_ratio),
            "all", "alone")  # fmt: skip
    greedy = {**no_ratio, "num_beams": 1}
    compare("4. ... greedy", lambda t: backend.generate(t, greedy), "all", "alone")
    if args.float32:
        import msgspec

        stage = msgspec.structs.replace(prof.stage("translate"), compute_type="float32")
        f32 = load_backend(stage)
        compare("5. alone vs all, ratio off, float32", lambda t: f32.generate(t, no_ratio),
                "all", "alone")  # fmt: skip
        compare("5. ... greedy, float32", lambda t: f32.generate(t, greedy), "all", "alone")
    print(f"load average {os.getloadavg()}")
    return 0


def ran_to_cap(backend, sentences: list[str], settings: dict) -> None:
    """How many sentences, each translated alone under its own cap, run all the way to it."""
    from pipeline.models.backends.base import new_token_limits

    start, full = time.perf_counter(), 0
    for tokens in backend.tokenizer.encode_tokens(sentences):
        high = new_token_limits(settings, len(tokens))[1]
        result = backend.translator.translate_batch(
            [tokens], beam_size=int(settings.get("num_beams") or 1), max_decoding_length=high,
            max_input_length=0,
        )  # fmt: skip
        full += len(result[0].hypotheses[0]) >= high
    print(f"0. each sentence alone, its own cap: {full} of {len(sentences)} run to the cap",
          flush=True)  # fmt: skip
    progress(start)


def progress(start: float) -> None:
    print(f"   ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)


def _without_ratio(prof, cap: int):
    """`prof` with the translate stage's `max_new_tokens_ratio` off, at most `cap` new tokens."""
    from msgspec.structs import replace

    stage = prof.translate
    limit = min(cap, stage.decoding.max_new_tokens or cap)
    decoding = replace(stage.decoding, max_new_tokens_ratio=None, max_new_tokens=limit)
    return replace(prof, translate=replace(stage, decoding=decoding))


if __name__ == "__main__":
    raise SystemExit(main())
