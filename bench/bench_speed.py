"""Speed and memory of the project against what a user would write instead, on default-sized
models: hand-written transformers `generate`, and plain CTranslate2.

    python bench/bench_speed.py [--repeat 5] [--articles 30] [--json PATH] [--skip-throughput]

Three sides, each in its own worker process with both its models loaded (so allocations, thread
pools and peak RSS never mix), asked in turn, alternating the order, after a warm-up; medians.

- transformers: `AutoModelForSeq2SeqLM.generate`, float32, 4 beams, the article's sentences in
  batches of 8, the English text truncated to 1,024 tokens (what the transformers docs show);
- plain CTranslate2: the checkpoints converted to int8 with `TransformersConverter`,
  `ctranslate2.Translator(path, device="cpu", compute_type="int8")` with its default threads,
  all of an article's sentences in one `translate_batch` call, the Hugging Face tokenizer (what
  a user who knows CTranslate2 writes; nothing tuned);
- the project: `Pipeline.run(article, until="translate")` and `Pipeline.summarise(english)`
  without a cache, on a profile (bench/.work/models.yaml) whose models are the random-weight
  default-architecture checkpoints of `build_models.py`, backend ctranslate2.

Output lengths are forced so that every side runs the same number of decoder steps (see
`FORCED_STEPS`). Measured: one article (translate, summarise), peak RSS of each worker after all
its runs (VmHWM), throughput on real news (`../shared/data/norsumm`: the project's `run_many`
against plain CTranslate2 translating the articles one at a time), and a cached re-run of
`python cli.py run --profile tiny`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

ARTICLE = ROOT.parent / "shared" / "articles" / "seed-defence-visit.txt"
NEWS = ROOT.parent / "shared" / "data" / "norsumm" / "NorSumm_dev.json"
ENGLISH = HERE / "english_article.txt"
WORK = HERE / ".work"
MODELS = HERE / ".models"

BEAMS = 4
BASELINE_BATCH = 8
TRANSLATE_NEW = 40  # forced new tokens per sentence (the sentences average ~37 source tokens)
THROUGHPUT_NEW = 24  # per sentence of the real articles (about their average source length)
SUMMARY_NEW = 142  # forced summary length: distilbart-cnn's max_length
SUMMARY_SETTINGS = {"length_penalty": 2.0, "no_repeat_ngram_size": 3}
SIDES = ("transformers", "ct2", "project")

GOALS = {
    "translate_vs_ct2": 1.1,
    "summarise_vs_ct2": 1.0,
    "throughput_vs_ct2": 1.5,
    "memory_ratio": 0.45,
    "cached_rerun_s": 0.3,
}


def forced_steps(new_tokens: int) -> int:
    """CTranslate2's decoding length for `new_tokens` of transformers' `generate`: both of our
    models force an end token, which `generate` counts in `max_new_tokens` and CTranslate2 adds
    after its `max_decoding_length` (the project's backend does this subtraction too)."""
    return new_tokens - 1


# ---- inputs -------------------------------------------------------------------------------------


def settings(new_tokens: int, **extra) -> dict:
    return {"num_beams": BEAMS, "min_new_tokens": new_tokens, "max_new_tokens": new_tokens, **extra}


def write_profile(models: dict[str, Path], translate_new: int = TRANSLATE_NEW) -> Path:
    """bench/.work/models-<n>.yaml: profile `bench` on the local random checkpoints, ctranslate2."""
    WORK.mkdir(parents=True, exist_ok=True)
    stages = {
        "translate": settings(translate_new),
        "summarise": settings(SUMMARY_NEW, **SUMMARY_SETTINGS),
    }
    body = {s: {"model": str(models[s]), "backend": "ctranslate2", "generate": g}
            for s, g in stages.items()}  # fmt: skip
    path = WORK / f"models-{translate_new}.yaml"
    path.write_text(json.dumps({"profiles": {"bench": body}}, indent=1), "utf-8")  # JSON is YAML
    return path


def sentences_of(text: str) -> list[str]:
    """The sentences the translate stage sends to its model (the other sides translate these)."""
    from pipeline.text.article import parse_article
    from pipeline.text.document import split_document

    doc = split_document(parse_article(text).body, "nb")
    seen: dict[str, None] = {}
    for paragraph in doc.paragraphs:
        seen.update(dict.fromkeys(doc.sentences(paragraph)))
    return list(seen)


def news_articles(count: int) -> list[str]:
    """The first `count` real Norwegian news articles of NorSumm (paragraphs on their lines)."""
    records = json.loads(NEWS.read_text("utf-8"))[:count]
    return ["\n".join(p.strip() for p in r["article"].split("\n") if p.strip()) for r in records]


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): reset by exec, unlike ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the three sides --------------------------------------------------------------------------


class Transformers:
    """The transformers-docs way: generate, float32, 4 beams, batches of 8, truncation at 1024."""

    def __init__(self, models: dict[str, Path]) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.torch = torch
        self.tok = {s: AutoTokenizer.from_pretrained(str(p)) for s, p in models.items()}
        self.model = {
            s: AutoModelForSeq2SeqLM.from_pretrained(str(p), dtype=torch.float32).eval()
            for s, p in models.items()
        }

    def translate(self, sentences: list[str], new: int = TRANSLATE_NEW) -> list[str]:
        tok, model, out = self.tok["translate"], self.model["translate"], []
        for start in range(0, len(sentences), BASELINE_BATCH):
            enc = tok(sentences[start : start + BASELINE_BATCH], return_tensors="pt", padding=True)
            with self.torch.inference_mode():
                ids = model.generate(**enc, num_beams=BEAMS, min_new_tokens=new,
                                     max_new_tokens=new)  # fmt: skip
            out.extend(tok.batch_decode(ids, skip_special_tokens=True))
        return out

    def summarise(self, text: str) -> str:
        tok, model = self.tok["summarise"], self.model["summarise"]
        enc = tok([text], return_tensors="pt", truncation=True, max_length=1024)
        with self.torch.inference_mode():
            ids = model.generate(**enc, **settings(SUMMARY_NEW, **SUMMARY_SETTINGS))
        return tok.batch_decode(ids, skip_special_tokens=True)[0]


class PlainCT2:
    """What a user who knows CTranslate2 writes: convert to int8, default threads, one call."""

    def __init__(self, models: dict[str, Path]) -> None:
        import ctranslate2
        from transformers import AutoTokenizer

        self.tok = {s: AutoTokenizer.from_pretrained(str(p)) for s, p in models.items()}
        self.translator = {}
        for stage, path in models.items():
            target = MODELS / "plain-ct2" / path.name
            if not (target / "model.bin").exists():
                from ctranslate2.converters import TransformersConverter

                TransformersConverter(str(path)).convert(str(target), quantization="int8")
            self.translator[stage] = ctranslate2.Translator(
                str(target), device="cpu", compute_type="int8"
            )

    def _run(self, stage: str, texts: list[str], steps: int, **options) -> list[str]:
        tok = self.tok[stage]
        source = [tok.convert_ids_to_tokens(ids) for ids in tok(texts)["input_ids"]]
        results = self.translator[stage].translate_batch(
            source, beam_size=BEAMS, min_decoding_length=steps, max_decoding_length=steps,
            **options,
        )  # fmt: skip
        ids = [tok.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
        return tok.batch_decode(ids, skip_special_tokens=True)

    def translate(self, sentences: list[str], new: int = TRANSLATE_NEW) -> list[str]:
        return self._run("translate", sentences, forced_steps(new))

    def summarise(self, text: str) -> str:
        return self._run("summarise", [text], forced_steps(SUMMARY_NEW), **SUMMARY_SETTINGS)[0]


class Project:
    """`Pipeline.run(..., until="translate")` / `Pipeline.summarise` without a cache; the news
    articles through a second `Pipeline` on the same loaded models, with their forced length."""

    def __init__(self, models: dict[str, Path]) -> None:
        from pipeline import Pipeline
        from pipeline.cache import DiskCache
        from pipeline.config import load_profile

        def pipeline(path: Path, **options) -> Pipeline:
            profile = load_profile(path, "bench")
            return Pipeline(profile, cache=DiskCache(None), models_dir=MODELS, **options)

        self.pipe = pipeline(write_profile(models))
        self.calls = {"translate": [0, 0], "summarise": [0, 0]}  # generate calls, inputs
        for stage in ("translate", "summarise"):
            backend = self.pipe._loader(stage)()
            inner = backend.generate

            def counted(texts, options, _inner=inner, _stage=stage):
                self.calls[_stage][0] += 1
                self.calls[_stage][1] += len(texts)
                return _inner(texts, options)

            backend.generate = counted  # type: ignore[method-assign]
        self.news = pipeline(write_profile(models, THROUGHPUT_NEW), backends=self.pipe._backends)

    def translate(self, text: str) -> str:
        return self.pipe.run(text, until="translate", use_cache=False, language="nb").translation

    def summarise(self, text: str) -> str:
        return self.pipe.summarise(text, use_cache=False)

    def translate_many(self, texts: list[str]) -> dict[str, int]:
        """All articles through `run_many`; what the decoding guards did."""
        guards: dict[str, int] = {}
        for result in self.news.run_many(texts, until="translate", use_cache=False):
            if result.error is not None:
                raise RuntimeError(f"run_many failed: {result.error}")
            for key, n in result.stages["translate"].get("guards", {}).items():
                guards[key] = guards.get(key, 0) + n
        return guards


def worker(side: str, models: dict[str, Path], articles: int) -> None:
    """Load `side`, then answer commands from stdin, one JSON line each (see `Worker`)."""
    # Answers go to the original stdout; anything else printed (by us or by C++ code writing
    # to fd 1) goes to stderr, so it cannot break the protocol.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    article, english = ARTICLE.read_text("utf-8"), ENGLISH.read_text("utf-8")
    sentences = sentences_of(article)
    news = news_articles(articles)
    news_sentences = [sentences_of(text) for text in news]
    start = time.perf_counter()
    info: dict = {}
    runner: Project | Transformers | PlainCT2
    if side == "project":
        runner = project = Project(models)
        jobs = {
            "translate": lambda: project.translate(article),
            "summarise": lambda: project.summarise(english),
            "throughput": lambda: project.translate_many(news),
        }
    else:
        other = Transformers(models) if side == "transformers" else PlainCT2(models)
        runner = other
        jobs = {
            "translate": lambda: other.translate(sentences),
            "summarise": lambda: other.summarise(english),
            "throughput": lambda: [other.translate(s, THROUGHPUT_NEW) for s in news_sentences],
        }
        tok_t, tok_s = other.tok["translate"], other.tok["summarise"]
        info = {
            "sentences": len(sentences),
            "source_tokens": sum(len(i) for i in tok_t(sentences)["input_ids"]),
            "english_tokens": len(tok_s(english)["input_ids"]),
            "news_articles": len(news),
            "news_sentences": sum(len(s) for s in news_sentences),
        }
    hello = {"load_s": time.perf_counter() - start, "info": info}
    print(json.dumps(hello), file=answers, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command == "stats":
            answer = {
                "peak_rss_mb": peak_rss_mb(),
                "calls": getattr(runner, "calls", None),
                "heavy": sorted(m for m in ("torch", "transformers") if m in sys.modules),
            }
            print(json.dumps(answer), file=answers, flush=True)
            continue
        start = time.perf_counter()
        value = jobs[command]()
        seconds = time.perf_counter() - start
        extra = {"guards": value} if isinstance(value, dict) else {}
        print(json.dumps({"seconds": seconds, **extra}), file=answers, flush=True)


class Worker:
    """The parent's handle on a worker process."""

    def __init__(self, side: str, articles: int) -> None:
        self.side = side
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", side, "--articles", str(articles)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.hello = self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.side} worker died (exit {self.proc.wait()})")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# ---- the measurements -------------------------------------------------------------------------


def convert_once(sides=("ct2", "project")) -> None:
    """Convert (once) in throwaway workers, so that no conversion counts in a measured worker."""
    for side in sides:
        Worker(side, 0).close()


def interleaved(workers: dict[str, Worker], command: str, sides, repeat: int, log) -> dict:
    """`repeat` timed runs of `command` per side, the order of the sides rotating each round."""
    times: dict[str, list[float]] = {side: [] for side in sides}
    guards: dict[str, int] = {}
    for rep in range(repeat):
        order = list(sides[rep % len(sides) :]) + list(sides[: rep % len(sides)])
        for side in order:
            answer = workers[side].ask(command)
            times[side].append(answer["seconds"])
            for key, n in answer.get("guards", {}).items():
                guards[key] = max(guards.get(key, 0), n)
        log(f"  {command} {rep + 1}/{repeat}: "
            + "  ".join(f"{s} {times[s][-1]:.2f}s" for s in sides))  # fmt: skip
    out = {"median_s": {s: statistics.median(v) for s, v in times.items()}, "runs_s": times}
    if guards:
        out["project_guards_per_run"] = guards
    return out


def bench_models(repeat: int, articles: int, throughput: bool, log) -> dict:
    convert_once()
    workers = {side: Worker(side, articles) for side in SIDES}
    for side, w in workers.items():
        log(f"  {side} loaded in {w.hello['load_s']:.1f}s")
    info = workers["transformers"].hello["info"]
    log(f"  inputs: {info['sentences']} sentences, {info['source_tokens']} source tokens; "
        f"English text {info['english_tokens']} tokens; news: {info['news_articles']} articles, "
        f"{info['news_sentences']} sentences")  # fmt: skip
    log("  warm-up ...")
    for command in ("translate", "summarise"):
        for w in workers.values():
            w.ask(command)
    out: dict = {"inputs": info, "load_s": {s: round(w.hello["load_s"], 2)
                                             for s, w in workers.items()}}  # fmt: skip
    for command in ("translate", "summarise"):
        out[command] = interleaved(workers, command, SIDES, repeat, log)
    # Peak memory after the same work on every side: both models loaded and used.
    stats = {side: w.ask("stats") for side, w in workers.items()}
    out["memory"] = {s: {"peak_rss_mb": round(v["peak_rss_mb"]), "heavy_modules": v["heavy"]}
                     for s, v in stats.items()}  # fmt: skip
    out["project_generate_calls"] = stats["project"]["calls"]
    workers.pop("transformers").close()  # ~10x slower: not part of the throughput comparison
    if throughput:
        fast = ("ct2", "project")
        # As many rounds as the rest: the plain side's time varies most here (bench/README.md).
        out["throughput"] = interleaved(workers, "throughput", fast, repeat, log)
        out["throughput"]["articles"] = info["news_articles"]
    for w in workers.values():
        w.close()
    return out


def bench_cached_rerun(runs: int, log) -> dict:
    """A cached `cli.py run --profile tiny` (bytecode written, as on a user's machine)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="nordtrans-bench-") as tmp:
        env.update(NORDTRANS_CACHE_DIR=str(Path(tmp) / "cache"),
                   NORDTRANS_MODELS_DIR=str(MODELS / "tiny"), HF_HUB_OFFLINE="1")  # fmt: skip
        cmd = [sys.executable, str(ROOT / "cli.py"), "run", str(ARTICLE), "--profile", "tiny",
               "--config", str(ROOT / "models.yaml")]  # fmt: skip
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if first.returncode:
            raise RuntimeError(f"cli run failed: {first.stderr[-2000:]}")
        times, bare = [], []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
            times.append(time.perf_counter() - start)
            if proc.returncode or proc.stdout != first.stdout:
                raise RuntimeError("cached re-run failed or answered differently")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
            bare.append(time.perf_counter() - start)
    result = {"median_s": statistics.median(times), "runs_s": times,
              "python_startup_s": statistics.median(bare)}  # fmt: skip
    log(f"  cached re-run: median {result['median_s']:.3f}s "
        f"(python alone {result['python_startup_s']:.3f}s)")  # fmt: skip
    return result


# ---- report -----------------------------------------------------------------------------------


def table(res: dict) -> str:
    m = res["models"]
    rows = [("measure", "transformers", "plain CT2", "project", "project vs CT2", "goal")]

    def goal(ok: bool, text: str) -> str:
        return f"{text} {'ok' if ok else 'MISSED'}"

    articles = (
        ("translate", "translate_vs_ct2", "translate the sample article"),
        ("summarise", "summarise_vs_ct2", "summarise ~460 tokens"),
    )
    for command, key, what in articles:
        med = m[command]["median_s"]
        ratio = med["ct2"] / med["project"]
        rows.append((f"{what} (median s)", f"{med['transformers']:.2f}", f"{med['ct2']:.2f}",
                     f"{med['project']:.2f}", f"{ratio:.2f}x faster",
                     goal(ratio >= GOALS[key], f">= {GOALS[key]}x")))  # fmt: skip
    if "throughput" in m:
        t = m["throughput"]
        rate = {s: t["articles"] / v for s, v in t["median_s"].items()}
        ratio = rate["project"] / rate["ct2"]
        rows.append((f"{t['articles']} news articles, translate (articles/s)", "",
                     f"{rate['ct2']:.3f}", f"{rate['project']:.3f}", f"{ratio:.2f}x",
                     goal(ratio >= GOALS["throughput_vs_ct2"],
                          f">= {GOALS['throughput_vs_ct2']}x")))  # fmt: skip
    mem = {s: v["peak_rss_mb"] for s, v in m["memory"].items()}
    ratio = mem["project"] / mem["transformers"]
    rows.append(("peak RSS, both models (MB)", f"{mem['transformers']}", f"{mem['ct2']}",
                 f"{mem['project']}", f"{ratio:.2f} of transformers",
                 goal(ratio <= GOALS["memory_ratio"], f"<= {GOALS['memory_ratio']}")))  # fmt: skip
    load = m["load_s"]
    rows.append(("load both models (s)", f"{load['transformers']:.1f}", f"{load['ct2']:.1f}",
                 f"{load['project']:.1f}", "", ""))  # fmt: skip
    if "cached_rerun" in res:
        c = res["cached_rerun"]
        rows.append(("cached `cli.py run --profile tiny` (s)", "", "", f"{c['median_s']:.3f}",
                     f"python alone {c['python_startup_s']:.3f}",
                     goal(c["median_s"] <= GOALS["cached_rerun_s"],
                          f"<= {GOALS['cached_rerun_s']}")))  # fmt: skip
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per side (median)")
    parser.add_argument("--articles", type=int, default=30, help="news articles for throughput")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-cached", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("NORDTRANS_MODELS_DIR", str(MODELS))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import warnings

    warnings.filterwarnings("ignore")
    from build_models import ensure_models

    models = ensure_models(MODELS)
    if args.worker:
        worker(args.worker, models, args.articles)
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from importlib.metadata import version

    from pipeline.models.backends.base import cpu_threads

    res: dict = {
        "machine": {
            "cpu_threads": cpu_threads(),
            "versions": {p: version(p) for p in ("torch", "transformers", "ctranslate2")},
            "loadavg_start": os.getloadavg(),
        },
    }
    log(f"load average {os.getloadavg()[0]:.2f} (1 min); {cpu_threads()} cores")
    started = time.perf_counter()
    log(f"one article and throughput, three sides, {args.repeat} runs")
    res["models"] = bench_models(args.repeat, args.articles, not args.skip_throughput, log)
    if not args.skip_cached:
        log("cached re-run of the CLI (tiny profile)")
        res["cached_rerun"] = bench_cached_rerun(7, log)
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["total_s"] = round(time.perf_counter() - started, 1)
    print(table(res))
    calls = res["models"]["project_generate_calls"]
    guards = res["models"].get("throughput", {}).get("project_guards_per_run", {})
    print(f"\nproject generate calls (calls, inputs): {calls}; decoding guards on the news "
          f"articles per run: {guards or 'none'}")  # fmt: skip
    print(
        f"(benchmark took {res['total_s']:.0f}s; load average at start/end "
        f"{res['machine']['loadavg_start'][0]:.2f}/{res['machine']['loadavg_end'][0]:.2f})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
