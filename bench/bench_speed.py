"""Speed and memory of the project against the transformers baseline, on default-sized models.

    python bench/bench_speed.py [--repeat 5] [--json PATH] [--skip-extras]

What it measures (see bench/README.md for the why):

1. translate / summarise time, baseline vs project, alternating, medians over `--repeat` runs
   after a warm-up. Baseline: what the transformers docs show, `AutoModelForSeq2SeqLM.generate`
   in float32 with 4 beams over the article's sentences in batches of 8, and over the English
   text truncated to 1024 tokens. Project: `Pipeline.translate` / `Pipeline.summarise` without a
   cache, on a profile (written to bench/.work/models.yaml) whose models are the random-weight
   default-architecture checkpoints of `build_models.py`, backend ctranslate2. Output lengths are
   forced (min = max new tokens) so both sides decode the same number of tokens.
2. peak RSS with both models loaded and used: each side runs in its own worker process (its
   allocations and thread pools never meet the other's), which also reports its peak RSS.
3. a cached re-run of `python cli.py run ARTICLE --profile tiny` (every stage cached).
4. `run_many` over 20 sample-sized articles vs `run` on each in turn (tiny models, no cache).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
ENGLISH = HERE / "english_article.txt"
WORK = HERE / ".work"
MODELS = HERE / ".models"

BEAMS = 4
BASELINE_BATCH = 8
TRANSLATE_NEW = 40  # forced new tokens per sentence (the sentences average ~37 source tokens)
SUMMARY_NEW = 142  # forced summary length: distilbart-cnn's max_length
SUMMARY_SETTINGS = {"length_penalty": 2.0, "no_repeat_ngram_size": 3}

GOALS = {
    "translate_speedup": 6.0,
    "summarise_speedup": 3.5,
    "memory_ratio": 0.5,
    "cached_rerun_s": 0.3,
    "run_many_speedup": 1.5,
}


# ---- shared helpers ---------------------------------------------------------------------------


def translate_settings() -> dict:
    return {"num_beams": BEAMS, "min_new_tokens": TRANSLATE_NEW, "max_new_tokens": TRANSLATE_NEW}


def summarise_settings() -> dict:
    return {
        "num_beams": BEAMS,
        "min_new_tokens": SUMMARY_NEW,
        "max_new_tokens": SUMMARY_NEW,
        **SUMMARY_SETTINGS,
    }


def write_profile(models: dict[str, Path]) -> Path:
    """bench/.work/models.yaml: profile `bench` on the local random checkpoints, ctranslate2."""
    WORK.mkdir(parents=True, exist_ok=True)
    stages = {}
    for stage, settings in (
        ("translate", translate_settings()),
        ("summarise", summarise_settings()),
    ):
        stages[stage] = {
            "model": str(models[stage]),
            "backend": "ctranslate2",
            "generate": settings,
        }
    path = WORK / "models.yaml"
    path.write_text(json.dumps({"profiles": {"bench": stages}}, indent=1), "utf-8")  # JSON is YAML
    return path


def article_sentences(text: str) -> list[str]:
    """The sentences the translate stage sends to its model (the baseline translates the same)."""
    from pipeline.text.article import parse_article
    from pipeline.text.document import split_document

    body = parse_article(text).body
    doc = split_document(body, "nb")
    seen: dict[str, None] = {}
    for paragraph in doc.paragraphs:
        seen.update(dict.fromkeys(doc.sentences(paragraph)))
    return list(seen)


def rss_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Baseline:
    """The transformers-docs way: generate, float32, 4 beams, batches of 8, truncation at 1024."""

    def __init__(self, models: dict[str, Path]) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from pipeline.models.backends.base import cpu_threads

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        torch.set_num_threads(cpu_threads())
        self.torch = torch
        self.tok = {s: AutoTokenizer.from_pretrained(str(p)) for s, p in models.items()}
        self.model = {
            s: AutoModelForSeq2SeqLM.from_pretrained(str(p), dtype=torch.float32).eval()
            for s, p in models.items()
        }

    def translate(self, sentences: list[str]) -> list[str]:
        tok, model, out = self.tok["translate"], self.model["translate"], []
        for start in range(0, len(sentences), BASELINE_BATCH):
            batch = sentences[start : start + BASELINE_BATCH]
            enc = tok(batch, return_tensors="pt", padding=True)
            with self.torch.inference_mode():
                ids = model.generate(
                    **enc,
                    num_beams=BEAMS,
                    min_new_tokens=TRANSLATE_NEW,
                    max_new_tokens=TRANSLATE_NEW,
                )
            out.extend(tok.batch_decode(ids, skip_special_tokens=True))
        return out

    def summarise(self, text: str) -> str:
        tok, model = self.tok["summarise"], self.model["summarise"]
        enc = tok([text], return_tensors="pt", truncation=True, max_length=1024)
        with self.torch.inference_mode():
            ids = model.generate(
                **enc,
                num_beams=BEAMS,
                min_new_tokens=SUMMARY_NEW,
                max_new_tokens=SUMMARY_NEW,
                **SUMMARY_SETTINGS,
            )
        return tok.batch_decode(ids, skip_special_tokens=True)[0]


class Project:
    """`Pipeline.translate` / `Pipeline.summarise` without a cache, on the bench profile."""

    def __init__(self, profile_path: Path, **backend_options) -> None:
        from pipeline import Pipeline
        from pipeline.cache import DiskCache
        from pipeline.config import load_profile

        self.pipe = Pipeline(
            load_profile(profile_path, "bench"), cache=DiskCache(None), models_dir=MODELS
        )
        self.calls = {"translate": [0, 0], "summarise": [0, 0]}  # generate calls, inputs
        self.options = backend_options

    def load(self) -> None:
        """Load both backends (converting on first use), counting their generate calls."""
        for stage in ("translate", "summarise"):
            if self.options:
                from pipeline.models.backends.ctranslate2_backend import CTranslate2Backend

                config = self.pipe.profile.stage(stage)
                backend = CTranslate2Backend(
                    config.model, model_id=config.model, models_dir=MODELS, **self.options
                )
                self.pipe._backends[stage] = backend
            backend = self.pipe._loader(stage)()
            if not hasattr(backend, "_bench_wrapped"):
                inner = backend.generate

                def counted(texts, settings, _inner=inner, _stage=stage):
                    self.calls[_stage][0] += 1
                    self.calls[_stage][1] += len(texts)
                    return _inner(texts, settings)

                backend.generate = counted
                backend._bench_wrapped = True

    def translate(self, text: str) -> str:
        return self.pipe.translate(text, use_cache=False, language="nb")

    def summarise(self, text: str) -> str:
        return self.pipe.summarise(text, use_cache=False)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


# ---- 1 + 2. time and memory: one worker process per side -----------------------------------


def worker(side: str, models: dict[str, Path], profile_path: Path) -> None:
    """Load `side`'s two models, then run commands read from stdin, one JSON line per answer.

    Each side lives in its own process: its allocations (and its thread pools: torch's OpenMP,
    CTranslate2's workers) never touch the other side's, and its peak RSS is its own.
    """
    # Answers go to the original stdout; anything else printed (by us or by C++ code writing
    # to fd 1) goes to stderr, so it cannot break the protocol.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    article = ARTICLE.read_text("utf-8")
    english = ENGLISH.read_text("utf-8")
    sentences = article_sentences(article)
    start = time.perf_counter()
    if side == "baseline":
        runner = Baseline(models)
        jobs = {
            "translate": lambda: runner.translate(sentences),
            "summarise": lambda: runner.summarise(english),
        }
        tok_t, tok_s = runner.tok["translate"], runner.tok["summarise"]
        info = {
            "sentences": len(sentences),
            "source_tokens": sum(len(i) for i in tok_t(sentences)["input_ids"]),
            "max_source_tokens": max(len(i) for i in tok_t(sentences)["input_ids"]),
            "english_words": len(english.split()),
            "english_tokens": len(tok_s(english)["input_ids"]),
        }
    else:
        runner = Project(profile_path)
        runner.load()
        jobs = {
            "translate": lambda: runner.translate(article),
            "summarise": lambda: runner.summarise(english),
        }
        info = {s: str(runner.pipe._backends[s].path) for s in ("translate", "summarise")}
    load = time.perf_counter() - start
    print(json.dumps({"load_s": load, "info": info}), file=answers, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command == "stats":
            calls = getattr(runner, "calls", None)
            answer = {"peak_rss_mb": rss_peak_mb(), "calls": calls}
            print(json.dumps(answer), file=answers, flush=True)
            continue
        seconds = timed(jobs[command])
        print(json.dumps({"seconds": seconds}), file=answers, flush=True)


class Worker:
    """The parent's handle on a worker process."""

    def __init__(self, side: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", side],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.hello = self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker died (exit {self.proc.wait()})")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def bench_time(repeat: int, log) -> dict:
    """Both sides loaded in their own process; runs alternate, one process idle at a time."""
    # Convert (once) in a throwaway worker, so that no conversion counts in a measured worker.
    Worker("project").close()
    workers = {}
    for side in ("baseline", "project"):
        workers[side] = Worker(side)
        log(f"  {side} loaded in {workers[side].hello['load_s']:.1f}s")
    info = workers["baseline"].hello["info"]
    log(
        f"  inputs: {info['sentences']} sentences, {info['source_tokens']} source tokens "
        f"(max {info['max_source_tokens']}); English text {info['english_words']} words, "
        f"{info['english_tokens']} tokens"
    )
    log("  warm-up ...")
    for stage in ("translate", "summarise"):
        for side in workers:
            workers[side].ask(stage)
    times: dict[str, dict[str, list[float]]] = {
        stage: {"baseline": [], "project": []} for stage in ("translate", "summarise")
    }
    for rep in range(repeat):
        order = ["baseline", "project"] if rep % 2 == 0 else ["project", "baseline"]
        for stage in ("translate", "summarise"):
            for side in order:
                times[stage][side].append(workers[side].ask(stage)["seconds"])
        log(
            f"  rep {rep + 1}/{repeat}: "
            + "  ".join(
                f"{stage} {times[stage]['baseline'][-1]:.2f}s / {times[stage]['project'][-1]:.2f}s"
                for stage in times
            )
        )
    stats = {side: w.ask("stats") for side, w in workers.items()}
    for w in workers.values():
        w.close()
    out: dict = {
        "inputs": {
            **info,
            "translate_new_tokens": TRANSLATE_NEW,
            "summary_new_tokens": SUMMARY_NEW,
            "beams": BEAMS,
        },
        "load_s": {side: round(w.hello["load_s"], 2) for side, w in workers.items()},
        "ct2_conversions": workers["project"].hello["info"],
        "project_generate_calls": stats["project"]["calls"],
    }
    for stage, sides in times.items():
        med = {side: statistics.median(v) for side, v in sides.items()}
        out[stage] = {
            "baseline_s": med["baseline"],
            "project_s": med["project"],
            "speedup": med["baseline"] / med["project"],
            "runs": sides,
        }
    peak = {side: round(stats[side]["peak_rss_mb"], 1) for side in workers}
    memory = {
        "baseline": {"peak_rss_mb": peak["baseline"]},
        "project": {"peak_rss_mb": peak["project"]},
        "ratio": peak["project"] / peak["baseline"],
    }
    log(f"  peak RSS: baseline {peak['baseline']:.0f} MB, project {peak['project']:.0f} MB")
    return {"time": out, "memory": memory}


# ---- 3. cached re-run of the CLI --------------------------------------------------------------


def bench_cached_rerun(runs: int, log) -> dict:
    with tempfile.TemporaryDirectory(prefix="nordtrans-bench-") as tmp:
        env = {
            **os.environ,
            "NORDTRANS_CACHE_DIR": str(Path(tmp) / "cache"),
            "NORDTRANS_MODELS_DIR": str(MODELS / "tiny"),
            "HF_HUB_OFFLINE": "1",
        }
        cmd = [
            sys.executable,
            str(ROOT / "cli.py"),
            "run",
            str(ARTICLE),
            "--profile",
            "tiny",
            "--config",
            str(ROOT / "models.yaml"),
        ]
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if first.returncode:
            raise RuntimeError(f"cli run failed: {first.stderr[-2000:]}")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
            times.append(time.perf_counter() - start)
            if proc.returncode or proc.stdout != first.stdout:
                raise RuntimeError("cached re-run failed or answered differently")
        bare = []
        for _ in range(runs):  # the interpreter alone, for scale
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - start)
    result = {
        "median_s": statistics.median(times),
        "runs_s": times,
        "python_startup_s": statistics.median(bare),
    }
    bare_s = result["python_startup_s"]
    log(f"  cached re-run: median {result['median_s']:.3f}s (bare python {bare_s:.3f}s)")
    return result


# ---- 4. run_many vs run in turn -------------------------------------------------------------


def sample_articles(count: int) -> list[str]:
    """`count` distinct articles of sample size: the shared samples, each sentence numbered so
    that no sentence repeats across articles (run_many would translate a repeat only once)."""
    paths = sorted(ARTICLE.parent.glob("*.txt"))
    texts = [p.read_text("utf-8") for p in paths if "long" not in p.name]
    out = []
    for k in range(count):
        text = texts[k % len(texts)]
        out.append(re.sub(r"([.!?])(\s|$)", lambda m, k=k: f" {k}{m.group(1)}{m.group(2)}", text))
    return out


def bench_run_many(which: str, profile_path: Path, count: int, repeat: int, log) -> dict:
    from pipeline import Pipeline
    from pipeline.cache import DiskCache
    from pipeline.config import load_profile

    if which == "tiny":
        profile, models_dir = load_profile(ROOT / "models.yaml", "tiny"), MODELS / "tiny"
    else:
        profile, models_dir = load_profile(profile_path, "bench"), MODELS
    pipe = Pipeline(profile, cache=DiskCache(None), models_dir=models_dir)
    articles = sample_articles(count)
    pipe.run(articles[0], use_cache=False)  # load + warm up

    def in_turn():
        for text in articles:
            pipe.run(text, use_cache=False)

    def many():
        results = list(pipe.run_many(articles, use_cache=False))
        bad = [r for r in results if not hasattr(r, "summary")]
        if bad:
            raise RuntimeError(f"run_many failed: {bad[:2]}")

    times: dict[str, list[float]] = {"run": [], "run_many": []}
    for rep in range(repeat):
        order = [("run", in_turn), ("run_many", many)]
        for key, fn in order if rep % 2 == 0 else order[::-1]:
            times[key].append(timed(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "models": which,
        "backend": pipe.models["translate"]["backend"],
        "articles": count,
        "run_s": med["run"],
        "run_many_s": med["run_many"],
        "run_articles_per_s": count / med["run"],
        "run_many_articles_per_s": count / med["run_many"],
        "speedup": med["run"] / med["run_many"],
        "raw": times,
    }
    log(
        f"  {which}: run {result['run_articles_per_s']:.2f}/s, run_many "
        f"{result['run_many_articles_per_s']:.2f}/s (x{result['speedup']:.2f})"
    )
    return result


# ---- report -----------------------------------------------------------------------------------


def table(res: dict) -> str:
    rows = [("measure", "baseline", "project", "ratio", "goal", "holds")]

    def mark(ok):
        return "yes" if ok else "NO"

    if "time" in res:
        t = res["time"]
        for stage, goal in (("translate", "translate_speedup"), ("summarise", "summarise_speedup")):
            r = t[stage]
            rows.append(
                (
                    f"{stage} (median s)",
                    f"{r['baseline_s']:.2f}",
                    f"{r['project_s']:.2f}",
                    f"x{r['speedup']:.1f} faster",
                    f">= x{GOALS[goal]}",
                    mark(r["speedup"] >= GOALS[goal]),
                )
            )
        rows.append(
            (
                "load both models (s)",
                f"{t['load_s']['baseline']:.1f}",
                f"{t['load_s']['project']:.1f}",
                "",
                "",
                "",
            )
        )
    if "memory" in res:
        m = res["memory"]
        rows.append(
            (
                "peak RSS, both models (MB)",
                f"{m['baseline']['peak_rss_mb']:.0f}",
                f"{m['project']['peak_rss_mb']:.0f}",
                f"{m['ratio']:.2f} of baseline",
                f"<= {GOALS['memory_ratio']}",
                mark(m["ratio"] <= GOALS["memory_ratio"]),
            )
        )
    if "cached_rerun" in res:
        c = res["cached_rerun"]
        rows.append(
            (
                "cached `cli.py run --profile tiny` (s)",
                "",
                f"{c['median_s']:.3f}",
                f"python alone {c['python_startup_s']:.3f}",
                f"<= {GOALS['cached_rerun_s']}",
                mark(c["median_s"] <= GOALS["cached_rerun_s"]),
            )
        )
    for r in res.get("run_many", []):
        rows.append(
            (
                f"{r['articles']} articles, {r['models']} models (articles/s)",
                f"run: {r['run_articles_per_s']:.2f}",
                f"run_many: {r['run_many_articles_per_s']:.2f}",
                f"x{r['speedup']:.2f}",
                f">= x{GOALS['run_many_speedup']}",
                mark(r["speedup"] >= GOALS["run_many_speedup"]),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per side (median)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--skip-extras", action="store_true", help="no CLI / run_many timings")
    parser.add_argument("--run-many-models", default="tiny", choices=("tiny", "bench", "both"))
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--worker", choices=("baseline", "project"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("NORDTRANS_MODELS_DIR", str(MODELS))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import warnings

    warnings.filterwarnings("ignore")
    from build_models import ensure_models

    models = ensure_models(MODELS)
    profile_path = write_profile(models)
    if args.worker:
        worker(args.worker, models, profile_path)
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    import ctranslate2
    import torch
    import transformers

    from pipeline.models.backends.base import cpu_threads

    res: dict = {
        "machine": {
            "cpu_threads": cpu_threads(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "ctranslate2": ctranslate2.__version__,
            "loadavg_start": os.getloadavg(),
        },
        "models": {s: str(p) for s, p in models.items()},
    }
    started = time.perf_counter()
    log(f"1+2. translate + summarise, baseline vs project, {args.repeat} runs; peak memory")
    res.update(bench_time(args.repeat, log))
    if not args.skip_extras:
        log("3. cached re-run of the CLI (tiny profile)")
        res["cached_rerun"] = bench_cached_rerun(5, log)
        log(f"4. run_many vs run in turn, {args.articles} articles, no cache")
        which = ["tiny", "bench"] if args.run_many_models == "both" else [args.run_many_models]
        res["run_many"] = [bench_run_many(w, profile_path, args.articles, 3, log) for w in which]
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["total_s"] = round(time.perf_counter() - started, 1)
    print(table(res))
    print(
        f"\n(benchmark took {res['total_s']:.0f}s; load average at start/end "
        f"{res['machine']['loadavg_start'][0]:.1f}/{res['machine']['loadavg_end'][0]:.1f})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
