"""Many processes, one cache: concurrent runs, writers killed mid-write, lock-free writers.

Each test runs on both stores. The file store takes no locks; a unique temporary file per write
plus `os.replace` is all that keeps it consistent. The SQLite store relies on SQLite's locks and
journal. These tests attack exactly that, the way the caches we trust test themselves: joblib (a
corrupt entry is recomputed: see test_robustness), python-diskcache (several processes hammering
the same keys, then every entry checked against its key) and huggingface_hub (writers whose
`fcntl.flock` does nothing, as on filesystems where locks silently fail: the file store only).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cache import make_key

from .conftest import ARTICLES, CONFIG, ROOT
from .stores import STORES, addresses, age_all, count, make_store, sqlite_counts, sqlite_schema

SPAWN = multiprocessing.get_context("spawn")
KEYS = [make_key("stress", i) for i in range(12)]


def value_for(key: str) -> dict:
    """A value derived from its key, of a size that varies with it (up to ~200 KB)."""
    size = int(key[:4], 16) % 50_000 + 1
    return {"key": key, "data": (key * (size // 64 + 1))[:size] * 4}


@pytest.fixture(params=STORES)
def kind(request):
    return request.param


def check_every_entry(kind: str, root: Path) -> int:
    """Every entry on disk is valid and holds the value derived from its key."""
    cache = make_store(kind, root)
    found = 0
    for stage, key in addresses(kind, root):
        value = cache.get(stage, key)
        assert value is not None, f"{stage}/{key} does not pass validation"
        if stage == "stress":
            assert value == value_for(key), f"{stage}/{key} holds another key's value"
        found += 1
    return found


def no_temporary_files(root: Path) -> bool:
    return not list(root.rglob(".tmp-*"))


# ---- workers (module level: the spawn start method imports them by name) ------------------


def _stress_worker(kind: str, root: str, seed: int, seconds: float, start, queue) -> None:
    rng = random.Random(seed)
    cache = make_store(kind, root)
    start.wait()
    stats = {"put": 0, "hit": 0, "miss": 0, "wrong": 0}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        key = rng.choice(KEYS)
        if rng.random() < 0.5:
            cache.put("stress", key, value_for(key))
            stats["put"] += 1
        else:
            found = cache.get("stress", key)
            if found is None:
                stats["miss"] += 1
            elif found == value_for(key):
                stats["hit"] += 1
            else:
                stats["wrong"] += 1
    queue.put(stats)


def _lockless_writer(root: str, rounds: int, start, queue) -> None:
    import fcntl

    calls = []
    # As huggingface_hub's tests do: a filesystem on which locking silently does nothing.
    fcntl.flock = lambda *args, **kwargs: calls.append(args)
    fcntl.lockf = lambda *args, **kwargs: calls.append(args)
    cache = make_store("files", root)
    start.wait()
    for _ in range(rounds):
        for key in KEYS:
            cache.put("stress", key, value_for(key))
    queue.put(len(calls))


def _run_processes(target, args_for, count: int) -> None:
    processes = [SPAWN.Process(target=target, args=args_for(i)) for i in range(count)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0


def test_processes_hammering_the_same_keys_never_see_a_wrong_value(kind, tmp_path):
    root = tmp_path / "cache"
    start, queue = SPAWN.Barrier(4), SPAWN.Queue()
    _run_processes(_stress_worker, lambda seed: (kind, str(root), seed, 1.5, start, queue), 4)
    stats = [queue.get(timeout=10) for _ in range(4)]
    assert sum(s["wrong"] for s in stats) == 0, stats
    assert sum(s["put"] for s in stats) > 50 and sum(s["hit"] for s in stats) > 50, stats
    assert check_every_entry(kind, root) == len(KEYS)
    assert no_temporary_files(root), "a writer left its temporary file behind"


def test_lock_free_writers_of_the_same_keys_stay_correct(tmp_path):
    """The file store only: the SQLite store needs working locks (hence files: on NFS)."""
    root = tmp_path / "cache"
    start, queue = SPAWN.Barrier(4), SPAWN.Queue()
    _run_processes(_lockless_writer, lambda i: (str(root), 15, start, queue), 4)
    assert [queue.get(timeout=10) for _ in range(4)] == [0, 0, 0, 0]  # no lock was ever taken
    assert check_every_entry("files", root) == len(KEYS)
    assert no_temporary_files(root)


# ---- SIGKILL in the middle of writing ----------------------------------------------------------

_WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from pipeline.cache import make_key
from tests.stores import make_store
from tests.test_concurrency import value_for
cache = make_store(sys.argv[3], sys.argv[1])
keys = [make_key("stress", i) for i in range(400)]
computed = 0
print("ready", flush=True)
for low in range(0, len(keys), int(sys.argv[4])):  # one key at a time, or batches
    batch = keys[low : low + int(sys.argv[4])]
    missing = [k for k, v in zip(batch, cache.get_many("stress", batch)) if v is None]
    cache.put_many("stress", [(k, value_for(k)) for k in missing])
    computed += len(missing)
print("computed", computed, flush=True)
"""


def _writer(kind: str, root: Path, batch: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(root), str(ROOT), kind,
                             str(batch)], stdout=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.parametrize("batch", [1, 25])
def test_writer_killed_at_random_moments_never_leaves_a_readable_partial_entry(
    kind, tmp_path, batch
):
    root = tmp_path / "cache"
    rng = random.Random(7)
    for _ in range(4):
        writer = _writer(kind, root, batch)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(30)
        check_every_entry(kind, root)  # whatever exists is whole; temporary files are ignored
    finished = check_every_entry(kind, root)
    if kind == "sqlite":
        assert finished % batch == 0  # a batch is one transaction: stored whole or not at all
    assert make_store(kind, root).info()["stress"].entries == finished
    rerun = _writer(kind, root, batch)
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    computed = int(out.split()[-1])
    assert computed == 400 - finished  # what finished before the kills is reused
    assert check_every_entry(kind, root) == 400


_SLOW_RUN = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from pipeline import Pipeline
from pipeline.config import load_profile
from tests.conftest import CONFIG, FakeBackend, ShortSummary
from tests.stores import make_store

class Slow(ShortSummary):
    def generate(self, texts, settings):
        if sys.argv[3] == "slow":
            print("summarising", flush=True)
            time.sleep(60)
        return super().generate(texts, settings)

pipe = Pipeline(load_profile(CONFIG, "tiny"), cache=make_store(sys.argv[4], sys.argv[1]),
                backends={"translate": FakeBackend("en"), "summarise": Slow("sum", 1024)})
result = pipe.run(sys.stdin.read())
print(json.dumps(result.to_dict()), flush=True)
"""


def _slow_run(kind: str, root: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, str(root), str(ROOT), mode, kind],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_run_killed_inside_a_stage_reruns_reusing_the_finished_stages(kind, tmp_path):
    text = (ARTICLES / "nb-electric-ferries.txt").read_text(encoding="utf-8")
    root = tmp_path / "cache"
    killed = _slow_run(kind, root, "slow")
    killed.stdin.write(text)
    killed.stdin.close()
    assert killed.stdout.readline().strip() == "summarising"  # inside the summariser's generate
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(30)
    assert check_every_entry(kind, root) > 0
    assert count(kind, root, "summarise") == 0
    rerun = _slow_run(kind, root, "fast")
    out, _ = rerun.communicate(text, timeout=120)
    assert rerun.returncode == 0
    stages = json.loads(out)["stages"]
    assert stages["detect"]["cached"] and stages["translate"]["cached"]
    assert not stages["summarise"]["cached"]
    fresh = _slow_run(kind, tmp_path / "other-cache", "fast")
    expected, _ = fresh.communicate(text, timeout=120)
    for field in ("translation", "summary", "language", "metadata"):
        assert json.loads(out)[field] == json.loads(expected)[field]


# ---- four CLI processes on the tiny models, one cache ----------------------------------------


def test_four_cli_runs_of_one_article_share_one_cache(kind, tmp_path, models_dir):
    from pipeline.config import load_profile
    from pipeline.models.loading import load_backend

    profile = load_profile(CONFIG, "tiny")
    for stage in ("translate", "summarise"):  # build (and convert) once, before the race
        load_backend(profile.stage(stage), models_dir)
    article = ARTICLES / "sv-housing.txt"
    if not article.exists():
        pytest.skip("sample article not available")
    cache = tmp_path / "shared-cache"
    location = f"files:{cache}" if kind == "files" else str(cache)
    command = [sys.executable, str(ROOT / "cli.py"), "run", str(article), "--profile", "tiny",
               "--config", str(CONFIG), "--cache-dir", location, "--format", "json"]  # fmt: skip
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]  # fmt: skip
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err[-400:] for _, err in outputs]
    results = [json.loads(out) for out, _ in outputs]
    fields = ("language", "translation", "summary", "metadata", "models")
    assert all({f: r[f] for f in fields} == {f: results[0][f] for f in fields} for r in results)
    # Exactly one valid entry per stage for this article (and one per sentence in the memory).
    counts = {s: count(kind, cache, s) for s in {stage for stage, _ in addresses(kind, cache)}}
    sentences = results[0]["stages"]["translate"]["sentences_total"]
    assert counts["detect"] == counts["translate"] == counts["summarise"] == 1, counts
    assert 0 < counts["tm"] <= sentences + 1, counts  # + the headline
    assert check_every_entry(kind, cache) == sum(counts.values())
    assert no_temporary_files(cache)


# ---- a prune while other processes work (SQLite) ---------------------------------------------


def _busy_worker(root: str, batches, stop, queue) -> None:
    """Write new entries and read them back until `stop`, counting `batches`; report what was
    written, what read back wrong and every warning."""
    import logging

    warned: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warned.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("pipeline").addHandler(handler)
    cache = make_store("sqlite", root)
    written, wrong, batch = [], 0, 0
    while not stop.is_set():
        items = [(make_key("busy", batch, i), {"n": i, "text": "ø" * (i * 37 % 900)})
                 for i in range(20)]  # fmt: skip
        cache.put_many("busy", items)
        found = cache.get_many("busy", [key for key, _ in items])
        wrong += sum(got != value for got, (_, value) in zip(found, items, strict=True))
        written += [key for key, _ in items]
        batch += 1
        batches.value = batch
        time.sleep(0.005)
    queue.put((written, wrong, warned))


def _old_entries(root: Path, count: int) -> list[tuple[str, str]]:
    """`count` entries stored in order (the first the least recently), of mixed sizes (0-3 KB,
    incompressible)."""
    cache = make_store("sqlite", root)
    entries = [("old", make_key("old", i)) for i in range(count)]
    for low in range(0, count, 100):
        batch = enumerate(entries[low : low + 100], low)
        cache.put_many("old", [(key, {"i": i, "text": os.urandom(i * 53 % 1500).hex()})
                               for i, (_, key) in batch])  # fmt: skip
    cache.close()
    return entries


@pytest.mark.parametrize("how", ["older_than", "max_bytes"])
def test_a_prune_beside_a_busy_writer_loses_nothing_it_keeps_and_counts_exactly(
    tmp_path, monkeypatch, how
):
    from pipeline.cache import sqlite as sqlite_store

    # Transactions of 2 rows (after a first of 40): many, and the writer's in between.
    monkeypatch.setattr(sqlite_store, "PRUNE_ROWS", 40)
    monkeypatch.setattr(sqlite_store, "PRUNE_SECONDS", 0.0)
    root = tmp_path / "cache"
    old = _old_entries(root, 2000)
    age_all(root, 2 * 86400)
    schema = sqlite_schema(root)
    batches, stop, queue = SPAWN.Value("i", 0), SPAWN.Event(), SPAWN.Queue()
    worker = SPAWN.Process(target=_busy_worker, args=(str(root), batches, stop, queue), daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while batches.value == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        pruner = make_store("sqlite", root)
        size, before = pruner.usage().disk_bytes, batches.value
        if how == "older_than":
            assert pruner.prune(older_than=86400) == len(old)
        else:
            pruner.prune(max_bytes=size // 2)
        during = batches.value - before
    finally:
        stop.set()
    written, wrong, warned = queue.get(timeout=60)
    worker.join(60)
    assert worker.exitcode == 0
    assert during >= 3, during  # the writer went on during the prune
    assert wrong == 0 and warned == [], warned  # no lock timed out, nothing read back wrong
    left = addresses("sqlite", root)
    assert {key for stage, key in left if stage == "busy"} == set(written)
    survivors = [entry for entry in left if entry[0] == "old"]
    assert survivors == old[len(old) - len(survivors) :]  # the least recently stored went first
    assert 0 < len(survivors) < len(old) if how == "max_bytes" else not survivors
    kept, rows = sqlite_counts(root)
    assert kept == rows
    assert sqlite_schema(root) == schema
    assert check_every_entry("sqlite", root) == len(left)


_PRUNER = """
import sys
sys.path.insert(0, sys.argv[2])
from pipeline.cache import sqlite as store
store.PRUNE_ROWS, store.PRUNE_SECONDS = 1, 0.0  # a transaction per row: a long prune
delete = store._delete_oldest
def announced(*args):
    print("transaction", flush=True)
    return delete(*args)
store._delete_oldest = announced
print("removed", store.SqliteCache(sys.argv[1]).prune(max_bytes=1), flush=True)
"""


def test_a_prune_killed_at_random_moments_leaves_a_consistent_database(tmp_path):
    root = tmp_path / "cache"
    old = _old_entries(root, 2000)
    schema = sqlite_schema(root)
    rng = random.Random(3)
    left = [len(old)]
    for _ in range(4):
        pruner = subprocess.Popen([sys.executable, "-c", _PRUNER, str(root), str(ROOT)],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(rng.randint(5, 60)):  # into the prune, then somewhere in a transaction
            assert pruner.stdout.readline().strip() == "transaction"
        time.sleep(rng.uniform(0.0, 0.005))
        os.kill(pruner.pid, signal.SIGKILL)
        pruner.wait(30)
        assert sqlite_schema(root) == schema  # intact, every trigger in place
        kept, rows = sqlite_counts(root)
        assert kept == rows
        survivors = addresses("sqlite", root)
        assert survivors == old[len(old) - len(survivors) :]  # the least recently stored went
        assert check_every_entry("sqlite", root) == len(survivors)
        left.append(len(survivors))
    assert left[0] > left[-1] > 0, left
    finish = subprocess.run([sys.executable, "-c", _PRUNER, str(root), str(ROOT)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert finish.returncode == 0 and finish.stdout.split()[-2:] == ["removed", str(left[-1])]
    assert sqlite_counts(root) == ((0, []), (0, []))
