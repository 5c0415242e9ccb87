"""Rows and files someone else wrote into a cache: read as a miss, never as code, never a stop.

Anyone who can write to a (shared) cache directory can write rows diskcache knows how to read:
a pickle (which would run its code on load), an int, text, or the name of a file anywhere on the
machine. Each is planted here over every row of a filled SQLite store, and the same idea for the
file store's entries; a run over them must answer as before, with one warning naming the cache
and what repairs it, and leave the cache holding only entries it wrote itself.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from diskcache.core import MODE_BINARY, MODE_PICKLE, MODE_RAW, MODE_TEXT

from pipeline.cache import FileCache, SqliteCache, make_key
from pipeline.cache.codec import db_key, encode
from pipeline.cache.sqlite import DB_NAME

from .conftest import ARTICLES, CONFIG, ROOT
from .stores import addresses, plant_rows, row_kinds

NB = (
    "date 2026-01-02\ntitle Overskrift\n\n"
    "Regjeringen la fram budsjettet i dag. Det ble godt mottatt av de fleste.\n\n"
    "Opposisjonen er kritisk til forslaget, og vil stemme imot i Stortinget."
)
HINT = "`nordtrans cache clear` repairs the cache"


class _Opens:
    """Unpickled, this calls open(path, "w"): it creates a file (any code would run as well)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def evil_pickle(marker: Path) -> bytes:
    """A pickle that creates `marker` when loaded (checked on another path first)."""
    probe = marker.with_name(marker.name + ".probe")
    pickle.loads(pickle.dumps(_Opens(probe))).close()  # the payload works: loading runs code
    assert probe.exists()
    probe.unlink()
    return pickle.dumps(_Opens(marker))


@pytest.fixture
def outside(tmp_path):
    """A directory beside the cache, standing for the rest of the machine."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def sqlite_plants(outside: Path) -> dict[str, dict]:
    """Each kind of foreign row, as (mode, value, filename) for `plant_rows`."""
    payload = evil_pickle(outside / "pwned")
    (outside / "pickle.bin").write_bytes(payload)
    # A file outside the cache holding a well-formed entry: read, it would pass every check
    # (its key is one of ours), and replacing the row would have deleted it.
    key = db_key("translate", make_key("x"))
    (outside / "entry.bin").write_bytes(encode(key, {"translation": "planted"}))
    (outside / "notes.txt").write_text("someone's notes")
    return {
        "pickle": {"mode": MODE_PICKLE, "value": payload},
        "pickle-file": {
            "mode": MODE_PICKLE,
            "value": None,
            "filename": str(outside / "pickle.bin"),
        },
        "int": {"mode": MODE_RAW, "value": 12345},
        "text": {"mode": MODE_RAW, "value": "not bytes"},
        "file-outside": {
            "mode": MODE_BINARY,
            "value": None,
            "filename": str(outside / "entry.bin"),
        },
        "text-file-outside": {
            "mode": MODE_TEXT,
            "value": None,
            "filename": f"../{outside.name}/notes.txt",
        },
        "blob": {"mode": MODE_RAW, "value": b"\x80\x04 not ours"},
    }


SQLITE_KINDS = [
    "pickle", "pickle-file", "int", "text", "file-outside", "text-file-outside", "blob",
]  # fmt: skip


def assert_untouched(outside: Path) -> None:
    """Nothing was unpickled (no marker) and no file the rows named was deleted."""
    assert not (outside / "pwned").exists(), "a planted pickle was loaded"
    assert {p.name for p in outside.iterdir()} == {"pickle.bin", "entry.bin", "notes.txt"}


def one_warning(text: str, cache: str) -> None:
    """Exactly one warning, naming `cache` and what repairs it."""
    lines = [line for line in text.splitlines() if "warning" in line.lower()]
    assert len(lines) == 1, text
    assert cache in lines[0] and HINT in lines[0] and "recomputing" in lines[0], lines[0]


# ---- SQLite: the Pipeline over planted rows -----------------------------------------------------


@pytest.mark.parametrize("kind", SQLITE_KINDS)
def test_planted_sqlite_rows_are_misses_in_a_run(fake_pipeline, tmp_path, outside, caplog, kind):
    root = tmp_path / "cache"
    first = fake_pipeline(cache=SqliteCache(root)).run(NB)
    planted = plant_rows(root, **sqlite_plants(outside)[kind])
    assert planted >= 4  # detect, translate, summarise and the sentences' memory
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        second = fake_pipeline(cache=SqliteCache(root)).run(NB)
    assert_untouched(outside)
    one_warning(caplog.text, str(root / DB_NAME))
    assert (second.translation, second.summary, second.language) == (
        first.translation, first.summary, first.language,
    )  # fmt: skip
    assert not any(record["cached"] for record in second.stages.values())
    # The bad rows were replaced by what the store writes: bytes, in the row.
    assert row_kinds(root) == {(MODE_RAW, None, "blob")}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        third = fake_pipeline(cache=SqliteCache(root)).run(NB)
    assert caplog.text == "" and all(record["cached"] for record in third.stages.values())


@pytest.mark.parametrize("kind", SQLITE_KINDS)
def test_planted_row_is_a_miss_with_one_warning(tmp_path, outside, caplog, kind):
    cache = SqliteCache(tmp_path / "c")
    keys = [make_key(i) for i in range(3)]
    cache.put_many("translate", [(k, {"translation": "ours"}) for k in keys])
    plant_rows(cache.root, **sqlite_plants(outside)[kind])
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert SqliteCache(cache.root).get_many("translate", keys) == [None] * 3
    assert_untouched(outside)
    one_warning(caplog.text, f"{cache.root / DB_NAME}:translate/{keys[0]}")


def test_a_store_writes_and_reads_nothing_but_bytes(tmp_path):
    cache = SqliteCache(tmp_path / "c")
    cache.put("tm", make_key(1), "x")
    store = cache._open()
    for value in (1, "text", {"a": 1}):
        with pytest.raises(TypeError):
            store.set(b"k", value)
    with pytest.raises(TypeError):
        store.get("a str key")


# ---- SQLite: the real CLI over planted rows -----------------------------------------------------


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory, models_dir):
    """A SQLite cache filled by one real `cli.py run` on the tiny profile, and its output."""
    root = tmp_path_factory.mktemp("filled") / "cache"
    out = _cli_run(root, models_dir)
    assert out.returncode == 0 and "warning" not in out.stderr, out.stderr
    return root, json.loads(out.stdout)


def _cli_run(root: Path, models_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NORDTRANS_MODELS_DIR": str(models_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "run", str(ARTICLES / "seed-defence-visit.txt"),
         "--profile", "tiny", "--config", str(CONFIG), "--cache-dir", str(root),
         "--format", "json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=root.parent,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", SQLITE_KINDS)
def test_cli_run_over_planted_rows_answers_with_one_warning(
    filled_cache, models_dir, tmp_path, outside, kind
):
    if not (ARTICLES / "seed-defence-visit.txt").exists():
        pytest.skip("no sample articles in ../shared/articles")
    source, before = filled_cache
    root = tmp_path / "cache"
    shutil.copytree(source, root)
    plant_rows(root, **sqlite_plants(outside)[kind])
    out = _cli_run(root, models_dir)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert_untouched(outside)
    one_warning(out.stderr, str(root / DB_NAME))
    after = json.loads(out.stdout)
    assert (after["translation"], after["summary"]) == (before["translation"], before["summary"])
    assert row_kinds(root) == {(MODE_RAW, None, "blob")}
    again = _cli_run(root, models_dir)
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr


# ---- the file store's entries -------------------------------------------------------------------


def _entry_path(root: Path, stage: str, key: str) -> Path:
    return root / stage / key[:2] / f"{key}.json"


def file_plants(outside: Path) -> dict:
    """Each kind of foreign entry file: a function (path, key) that puts it in place."""
    payload = evil_pickle(outside / "pwned")

    def symlink(path: Path, key: str) -> None:
        # To a file outside the cache that holds exactly the entry we would have written.
        (outside / "entry.json").write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(outside / "entry.json")

    def fifo(path: Path, key: str) -> None:  # reading one would wait forever for a writer
        path.unlink()
        os.mkfifo(path)

    def text(data: str):
        return lambda path, key: path.write_text(data.replace("KEY", key))

    return {
        "pickle": lambda path, key: path.write_bytes(payload),
        "list": text("[1, 2, 3]"),
        "int": text("7"),
        "value-not-text": text('{"key": "KEY", "sha256": "0", "value": 12}'),
        "no-value": text('{"key": "KEY"}'),
        "deep": text("[" * 100_000 + "]" * 100_000),
        "symlink": symlink,
        "fifo": fifo,
    }


FILE_KINDS = ["pickle", "list", "int", "value-not-text", "no-value", "deep", "symlink", "fifo"]


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_planted_file_entries_are_misses_in_a_run(fake_pipeline, tmp_path, outside, caplog, kind):
    root = tmp_path / "cache"
    first = fake_pipeline(cache=FileCache(root)).run(NB)
    plant = file_plants(outside)[kind]
    entries = addresses("files", root)
    for stage, key in entries:
        plant(_entry_path(root, stage, key), key)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        second = fake_pipeline(cache=FileCache(root)).run(NB)
    assert not (outside / "pwned").exists()
    one_warning(caplog.text, str(root))
    assert re.search(r"cache entry \S+\.json is corrupted", caplog.text)
    assert (second.translation, second.summary) == (first.translation, first.summary)
    assert not any(record["cached"] for record in second.stages.values())
    for stage, key in entries:  # each replaced by an entry of ours, a regular file
        path = _entry_path(root, stage, key)
        assert path.is_file() and not path.is_symlink()
        assert FileCache(root).get(stage, key) is not None
    if kind == "symlink":
        assert (outside / "entry.json").exists()  # the link was replaced, not its target


def test_a_planted_disk_setting_does_not_stop_the_store(tmp_path, caplog):
    # diskcache passes every `disk_*` row of its Settings table to the Disk class as a keyword.
    cache = SqliteCache(tmp_path / "c")
    cache.put("tm", make_key(1), "ours")
    with closing(sqlite3.connect(cache.root / DB_NAME)) as db, db:
        db.execute("INSERT INTO Settings VALUES ('disk_surprise', 1)")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert SqliteCache(cache.root).get("tm", make_key(1)) == "ours"
    assert caplog.text == ""
