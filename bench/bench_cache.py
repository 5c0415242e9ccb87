"""Cache store benchmark: fill a cache with synthetic entries of realistic sizes, then measure.

    .venv/bin/python bench/bench_cache.py                       # 200,000 entries, ~1.5 min
    .venv/bin/python bench/bench_cache.py --entries 1000000 --repeat 3   # 1M: ~8 min
    .venv/bin/python bench/bench_cache.py --entries 5000000 --repeat 3   # 5M: ~35 min, ~6 GB
    .venv/bin/python bench/bench_cache.py --store files --entries 100000   # the old store

Entries: 95% sentence-memory entries ("tm", a JSON string of 60-200 bytes) and 5% stage outputs
("translate"/"summarise", a JSON object of 2-20 KB, log-uniform), the mix one real article makes
(about 57 sentences and three stage outputs). Text is drawn from a pool of sentences made of the
words of ../shared/articles and bench/english_article.txt; the run prints how well it compresses.
Keys are `make_key` SHA-256 hex keys, as the pipeline makes them.

"Content" is the UTF-8 JSON of each value, the bytes the pipeline asks to store (keys and the
store's framing not included). "Disk" is the space the cache directory's files take on disk
(allocated blocks). Lookup latencies are per `get` call in a fresh store object on a warm page
cache (the data was just written), wall time and, since a shared machine preempts a process
for whole milliseconds, the thread's CPU time too. The 4-process insert rate adds new articles
to the filled cache: one `put_many` for an article's sentences and one `put` per stage output.
The prunes lower the cap by 10%, then to half: the SQLite store deletes the least recently stored
entries in transactions of about `PRUNE_SECONDS` each and keeps no room for its log, which it
empties at the end, so what is left comes just under the target.

The cache lives in --dir (default bench/.work/cache-bench, removed afterwards unless --keep);
the run refuses to start when the estimated size is more than half the free space there.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.cache import FileCache, SqliteCache, make_key  # noqa: E402

GOALS = {  # the targets at 5 million entries
    "disk_per_content": 1.5,
    "lookup_p99_ms": 1.0,
    "info_s": 1.0,
    "prune_s": 30.0,
    "inserts_per_s_4_procs": 5000,
}
TM_SHARE = 0.95
SENTENCES_PER_ARTICLE = 57
SPAWN = multiprocessing.get_context("spawn")


# ---- synthetic entries -----------------------------------------------------------------------


def _sentence_pool(seed: int = 14, count: int = 5000) -> list[str]:
    sources = [HERE / "english_article.txt", *sorted((HERE.parent.parent / "shared" / "articles")
                                                      .glob("*.txt"))]  # fmt: skip
    words = [w for path in sources if path.exists()
             for w in re.findall(r"\S+", path.read_text(encoding="utf-8"))]  # fmt: skip
    rng = random.Random(seed)
    pool = []
    for _ in range(count):
        n = rng.randint(6, 30)
        pool.append(" ".join(rng.choice(words) for _ in range(n)).capitalize() + ".")
    return pool


POOL = _sentence_pool()


def _text(rng: random.Random, size: int) -> str:
    parts, total = [], 0
    while total < size:
        parts.append(rng.choice(POOL))
        total += len(parts[-1]) + 1
    return " ".join(parts)[:size]


def entry(i: int) -> tuple[str, str, object]:
    """(stage, key, value) of synthetic entry `i` (deterministic)."""
    rng = random.Random(i)
    key = make_key("bench", i)
    if rng.random() < TM_SHARE:
        return "tm", key, _text(rng, rng.randint(60, 200))
    size = int(2000 * 10 ** rng.random())  # 2-20 KB, log-uniform
    stage = rng.choice(("translate", "summarise"))
    checks = [{"kind": "number_missing", "stage": stage, "value": str(rng.randint(1, 9999))}
              for _ in range(rng.randint(0, 4))]  # fmt: skip
    body = _text(rng, max(100, size - 60 - 90 * len(checks)))
    return stage, key, {"translation": body, "checks": checks, "sentences_total": size // 120}


def content_bytes(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def open_store(kind: str, root: Path, max_size: int | None = None):
    if kind == "files":
        return FileCache(root)
    return SqliteCache(root, max_size=max_size or 10**15)


def fill(cache, start: int, stop: int, batch: int = 200) -> int:
    """Insert entries [start, stop) in batches grouped by stage; returns content bytes."""
    total = 0
    for low in range(start, stop, batch):
        groups: dict[str, list] = {}
        for i in range(low, min(stop, low + batch)):
            stage, key, value = entry(i)
            groups.setdefault(stage, []).append((key, value))
            total += content_bytes(value)
        for stage, items in groups.items():
            cache.put_many(stage, items)
    return total


def disk_bytes(root: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in root.rglob("*") if p.is_file())


# ---- measurements ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def lookups(kind: str, root: Path, entries: int, count: int, seed: int) -> dict[str, float]:
    cache = open_store(kind, root)
    cache.get("tm", make_key("warm-up"))  # opening is timed with `info`, not here
    rng = random.Random(seed)
    out = {}
    for name, make in (
        ("hit", lambda: entry(rng.randrange(entries))[:2]),
        ("miss", lambda: ("tm", make_key("absent", rng.random()))),
    ):
        wall, cpu = [], []
        for _ in range(count):
            stage, key = make()
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            found = cache.get(stage, key)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - start) / 1e6)
            assert (found is None) == (name == "miss"), (name, stage, key)
        out[f"{name}_median_ms"] = statistics.median(wall)
        out[f"{name}_p99_ms"] = percentile(wall, 0.99)
        out[f"{name}_cpu_p99_ms"] = percentile(cpu, 0.99)  # without time spent preempted
    batch = [entry(rng.randrange(entries)) for _ in range(SENTENCES_PER_ARTICLE * 50)]
    tm_keys = [key for stage, key, _ in batch if stage == "tm"][: SENTENCES_PER_ARTICLE * 20]
    start = time.perf_counter()
    for low in range(0, len(tm_keys), SENTENCES_PER_ARTICLE):
        cache.get_many("tm", tm_keys[low : low + SENTENCES_PER_ARTICLE])
    out["get_many_ms_per_key"] = (time.perf_counter() - start) * 1000 / len(tm_keys)
    cache.close()
    return out


def _insert_worker(kind: str, root: str, first: int, articles: int, batched: bool, start, queue):
    cache = open_store(kind, Path(root))
    per_article = SENTENCES_PER_ARTICLE + 3
    prepared = []
    for a in range(articles):
        base = first + a * per_article
        tm = [(make_key("bench-new", base + j), _text(random.Random(base + j), 130))
              for j in range(SENTENCES_PER_ARTICLE)]  # fmt: skip
        outputs = [entry(base + SENTENCES_PER_ARTICLE + j) for j in range(3)]
        prepared.append((tm, [(make_key("bench-new-out", base + j), e[2])
                              for j, e in enumerate(outputs)]))  # fmt: skip
    start.wait()
    began = time.perf_counter()
    for tm, outputs in prepared:
        if batched:
            cache.put_many("tm", tm)
        else:
            for key, value in tm:
                cache.put("tm", key, value)
        for key, value in outputs:
            cache.put("translate", key, value)
    queue.put((began, time.perf_counter(), articles * per_article))


def inserts(kind: str, root: Path, first: int, articles: int, batched: bool) -> float:
    start, queue = SPAWN.Barrier(4), SPAWN.Queue()
    workers = [SPAWN.Process(target=_insert_worker, args=(kind, str(root), first + w * 10**8,
                                                          articles, batched, start, queue))
               for w in range(4)]  # fmt: skip
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=1800) for _ in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    began, ended = min(r[0] for r in results), max(r[1] for r in results)
    return sum(r[2] for r in results) / (ended - began)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def on_store(kind: str, root: Path, call):
    """`call(store)` on a fresh store object, closed afterwards."""
    cache = open_store(kind, root)
    try:
        return call(cache)
    finally:
        cache.close()


def copy_cache(root: Path, target: Path) -> None:
    """Copy a cache directory in another process. Copying it here would open and close the
    database file in a process that has SQLite connections to it, which drops their POSIX locks
    (sqlite.org/howtocorrupt.html, 2.2): other processes then see no reader and remove the log
    under them, and this process's next read reports a malformed database."""
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["cp", "-a", str(root), str(target)], check=True)


def cap_while_running(root: Path, cap: int) -> dict[str, float]:
    """Write 3x a small cap's worth into a capped SQLite store; the largest size it reached."""
    shutil.rmtree(root, ignore_errors=True)
    cache = SqliteCache(root, max_size=cap)
    written, i, largest = 0, 10**9, 0
    while written < 3 * cap:
        written += fill(cache, i, i + 500)
        i += 500
        largest = max(largest, sum((root / n).stat().st_size for n in os.listdir(root)))
    usage = cache.usage()
    oldest_gone = cache.get(*entry(10**9)[:2]) is None
    newest_kept = cache.get(*entry(i - 1)[:2]) is not None
    shutil.rmtree(root, ignore_errors=True)
    return {"cap_bytes": cap, "written_bytes": written, "largest_bytes": largest,
            "entries_left": usage.entries, "oldest_evicted": oldest_gone,
            "newest_kept": newest_kept}  # fmt: skip


def compression_ratio(sample: int = 2000) -> float:
    raw = packed = 0
    for i in range(sample):
        _, _, value = entry(i)
        blob = json.dumps(value, ensure_ascii=False).encode()
        raw, packed = raw + len(blob), packed + len(zlib.compress(blob))
    return raw / packed


# ---- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--store", choices=("sqlite", "files"), default="sqlite")
    parser.add_argument("--dir", type=Path, default=HERE / ".work" / "cache-bench")
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=150, help="per insert process")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure N times on the one filled cache; report medians",
    )
    parser.add_argument("--keep", action="store_true", help="keep the filled cache (unpruned)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a cache kept (--keep) by an earlier run of the same size",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    root = args.dir / args.store
    filled = root.with_name(root.name + "-fill.json")  # the fill's figures, for --reuse
    if not args.reuse:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    estimate = args.entries * (TM_SHARE * 230 + (1 - TM_SHARE) * 8200) * 1.5
    free = shutil.disk_usage(root).free
    if estimate > free / 2:
        sys.exit(f"refusing: ~{estimate / 1e9:.1f} GB needed, {free / 1e9:.1f} GB free at {root}")

    report: dict = {"store": args.store, "entries": args.entries,
                    "load_start": os.getloadavg(), "cpus": os.cpu_count()}  # fmt: skip
    print(f"{args.store} store, {args.entries:,} entries in {root}; load {os.getloadavg()}")
    report["synthetic_zlib_ratio"] = compression_ratio()

    if args.reuse:
        fill_report = json.loads(filled.read_text())
        assert fill_report["entries"] == args.entries, f"{root} holds another size"
    else:
        seconds, content = timed(lambda: on_store(args.store, root,
                                                  lambda c: fill(c, 0, args.entries)))  # fmt: skip
        fill_report = {"entries": args.entries, "fill_s": seconds,
                       "fill_per_s": args.entries / seconds, "content_bytes": content,
                       "disk_bytes": disk_bytes(root)}  # fmt: skip
        fill_report["disk_per_content"] = fill_report["disk_bytes"] / content
        filled.write_text(json.dumps(fill_report))
    report.update(fill_report)
    print(f"filled in {report['fill_s']:.0f} s ({report['fill_per_s']:,.0f}/s, one process, "
          f"batches){' (an earlier run: --reuse)' if args.reuse else ''}")  # fmt: skip

    rounds = []
    for number in range(args.repeat):
        last = number == args.repeat - 1
        rounds.append(measure(args, root, number, prune_copy=args.keep or not last))
        print(f"round {number + 1}: {json.dumps(rounds[-1])}", flush=True)
    report["rounds"] = rounds
    for name, value in rounds[-1].items():
        numbers = [r[name] for r in rounds]
        report[name] = statistics.median(numbers) if isinstance(value, float) else value
    if args.store == "sqlite":
        report["cap_while_running"] = cap_while_running(args.dir / "capped", 32 * 10**6)
    report["load_end"] = os.getloadavg()
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
        filled.unlink(missing_ok=True)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def measure(args, root: Path, number: int, prune_copy: bool) -> dict:
    """One round of every measurement on the filled cache; pruning works on a copy when asked,
    so that later rounds find the cache whole."""
    out = lookups(args.store, root, args.entries, args.lookups, seed=99 + number)
    out["info_s"], stats = timed(lambda: on_store(args.store, root, lambda c: c.info()))
    out["usage_s"], _ = timed(lambda: on_store(args.store, root, lambda c: c.usage()))
    out["stages"] = {stage: s.entries for stage, s in stats.items()}
    first = 2 * 10**9 + number * 10**11
    out["inserts_per_s_4_procs"] = inserts(args.store, root, first, args.articles, True)
    out["inserts_per_s_4_procs_unbatched"] = inserts(
        args.store, root, first + 10**10, max(10, args.articles // 3), False
    )
    target_root = root
    if prune_copy:
        target_root = root.with_name(root.name + "-copy")
        copy_cache(root, target_root)
    full = disk_bytes(target_root)
    for name, share in (("prune_90", 0.9), ("prune", 0.5)):  # a cap lowered by 10%, then to half
        target = int(full * share)
        out[f"{name}_s"], out[f"{name}_entries"] = timed(
            lambda t=target: on_store(args.store, target_root, lambda c: c.prune(max_bytes=t))
        )
        out[f"{name}_target_bytes"], out[f"{name}_after_bytes"] = target, disk_bytes(target_root)
    if prune_copy:
        shutil.rmtree(target_root, ignore_errors=True)
    return out


def print_report(r: dict) -> None:
    def goal(name: str, value: float, better: str) -> str:
        limit = GOALS[name]
        ok = value <= limit if better == "low" else value >= limit
        return f"(goal {'≤' if better == 'low' else '≥'} {limit:g}: {'ok' if ok else 'MISSED'})"

    lines = [
        f"content {r['content_bytes'] / 1e6:,.0f} MB (synthetic text compresses "
        f"{r['synthetic_zlib_ratio']:.2f}x with zlib), on disk {r['disk_bytes'] / 1e6:,.0f} MB",
        f"disk per byte of content   {r['disk_per_content']:.2f} "
        + goal("disk_per_content", r["disk_per_content"], "low"),
        f"lookup hit   median/p99    {r['hit_median_ms']:.3f} / {r['hit_p99_ms']:.3f} ms "
        + goal("lookup_p99_ms", r["hit_p99_ms"], "low")
        + f"; p99 of CPU time {r['hit_cpu_p99_ms']:.3f} ms",
        f"lookup miss  median/p99    {r['miss_median_ms']:.3f} / {r['miss_p99_ms']:.3f} ms "
        + goal("lookup_p99_ms", r["miss_p99_ms"], "low")
        + f"; p99 of CPU time {r['miss_cpu_p99_ms']:.3f} ms",
        f"get_many (57 keys)         {r['get_many_ms_per_key']:.3f} ms per key",
        f"info (open + per stage)    {r['info_s']:.3f} s " + goal("info_s", r["info_s"], "low"),
        f"usage (open + totals)      {r['usage_s']:.3f} s",
        f"inserts, 4 processes       {r['inserts_per_s_4_procs']:,.0f}/s batched per article "
        + goal("inserts_per_s_4_procs", r["inserts_per_s_4_procs"], "high")
        + f"; {r['inserts_per_s_4_procs_unbatched']:,.0f}/s one put per entry",
        f"prune to 90% of the size   {r['prune_90_s']:.1f} s, {r['prune_90_entries']:,} entries, "
        f"{r['prune_90_after_bytes'] / 1e6:,.0f} MB left, target "
        f"{r['prune_90_target_bytes'] / 1e6:,.0f} MB " + goal("prune_s", r["prune_90_s"], "low"),
        f"then to half the size      {r['prune_s']:.1f} s, {r['prune_entries']:,} entries, "
        f"{r['prune_after_bytes'] / 1e6:,.0f} MB left, target "
        f"{r['prune_target_bytes'] / 1e6:,.0f} MB " + goal("prune_s", r["prune_s"], "low"),
        f"fill (1 process, batches)  {r['fill_per_s']:,.0f}/s",
    ]
    if "cap_while_running" in r:
        c = r["cap_while_running"]
        lines.append(
            f"cap while running          wrote {c['written_bytes'] / 1e6:.0f} MB into a "
            f"{c['cap_bytes'] / 1e6:.0f} MB cap: largest {c['largest_bytes'] / 1e6:.1f} MB, "
            f"oldest evicted {c['oldest_evicted']}, newest kept {c['newest_kept']}"
        )
    lines.append(
        f"load average start {r['load_start']}, end {r['load_end']}; "
        f"medians of {len(r['rounds'])} round(s)"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
