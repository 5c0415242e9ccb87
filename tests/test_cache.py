"""The stage cache: atomic, content-addressed, capped, and calm when the disk misbehaves.

Every guarantee is checked on both stores (`stores.STORES`); what only one store has (temporary
files, the SQLite database, its cap, today's layout read by the new store) follows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.cache import (
    DEFAULT_MAX_SIZE,
    CacheStats,
    FileCache,
    SqliteCache,
    default_max_size,
    make_key,
    open_cache,
    parse_size,
)
from pipeline.cache import sqlite as sqlite_store

from .stores import (
    STORES,
    addresses,
    age,
    entry_label,
    make_store,
    read_raw,
    sqlite_counts,
    sqlite_schema,
    write_raw,
)


@pytest.fixture(params=STORES)
def kind(request):
    return request.param


@pytest.fixture
def cache(kind, tmp_path):
    return make_store(kind, tmp_path / "c")


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.WARNING, logger="pipeline")
    return caplog


def test_roundtrip_and_key_is_order_independent(cache):
    key = make_key("translate", "1", {"a": 1, "b": 2}, "tekst")
    assert key == make_key("translate", "1", {"b": 2, "a": 1}, "tekst")
    assert key != make_key("translate", "2", {"a": 1, "b": 2}, "tekst")
    cache.put("translate", key, {"translation": "text"})
    assert cache.get("translate", key) == {"translation": "text"}
    assert cache.get("summarise", key) is None  # the stage is part of the address


def test_batches_are_the_single_calls_in_order(cache):
    items = [(make_key(i), {"v": "ø" * i}) for i in range(60)]
    cache.put_many("tm", items[::2])
    for key, value in items[1::2]:
        cache.put("tm", key, value)
    wanted = [key for key, _ in reversed(items)] + [make_key("absent")]
    assert cache.get_many("tm", wanted) == [value for _, value in reversed(items)] + [None]
    assert cache.get_many("tm", []) == []


def test_refresh_never_reads_but_writes(kind, tmp_path):
    make_store(kind, tmp_path / "c").put("tm", make_key(1), "old")
    refreshing = make_store(kind, tmp_path / "c", refresh=True)
    assert refreshing.get("tm", make_key(1)) is None
    refreshing.put("tm", make_key(1), "new")
    assert make_store(kind, tmp_path / "c").get("tm", make_key(1)) == "new"


def test_no_root_is_no_cache(kind, tmp_path):
    off = make_store(kind, None)
    off.put("tm", make_key(1), "x")
    assert not off.enabled and off.get("tm", make_key(1)) is None and off.info() == {}


DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "bit-rot": lambda raw: raw[:-3] + bytes([raw[-3] ^ 4]) + raw[-2:],  # inside the value
    "garbage": lambda raw: b"\x00\x01garbage",
    "empty": lambda raw: b"",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_entry_is_a_miss_with_a_warning(kind, cache, warnings, damage):
    key = make_key("x")
    cache.put("translate", key, {"translation": "text " * 50})
    write_raw(kind, cache.root, "translate", key,
              DAMAGE[damage](read_raw(kind, cache.root, "translate", key)))  # fmt: skip
    assert cache.get("translate", key) is None
    label = entry_label(kind, cache.root, "translate", key)
    assert f"cache entry {label} is corrupted" in warnings.text and "recomputing" in warnings.text
    cache.put("translate", key, {"translation": "text"})  # the recomputed value replaces it
    assert cache.get("translate", key) == {"translation": "text"}


def test_another_entrys_value_is_not_this_ones(kind, cache, warnings):
    first, second = make_key(1), make_key(2)
    cache.put("translate", first, {"translation": "one"})
    cache.put("translate", second, {"translation": "two"})
    write_raw(kind, cache.root, "translate", first, read_raw(kind, cache.root, "translate", second))
    assert cache.get("translate", first) is None
    assert "corrupted" in warnings.text


def _read_only_sqlite(monkeypatch):
    """Every SQLite connection opened read-only, as on a read-only mount (even for root)."""
    connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        return connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)


def test_read_only_cache_warns_once_and_goes_on(kind, tmp_path, warnings, monkeypatch):
    root = tmp_path / "ro"
    make_store(kind, root).put("tm", make_key("old"), "kept")  # written before it went read-only
    if kind == "files":

        def read_only(*args, **kwargs):  # what a read-only mount says, even to root
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr("pipeline.atomic_files.tempfile.mkstemp", read_only)
    else:
        _read_only_sqlite(monkeypatch)
    cache = make_store(kind, root)
    for i in range(3):
        cache.put("translate", make_key(i), {"v": i})
        assert cache.get("translate", make_key(i)) is None
    assert len(warnings.records) == 1 and "cache" in warnings.text, warnings.text
    assert "continuing without caching" in warnings.text


def test_full_disk_warns_once(kind, cache, warnings, monkeypatch):
    if kind == "files":

        def full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("pipeline.atomic_files.tempfile.mkstemp", full)
    else:
        cache.get("tm", make_key(0))  # open it, then let SQLite itself run out of pages
        pages = cache._store._sql("PRAGMA page_count").fetchone()[0]
        cache._store._sql(f"PRAGMA max_page_count = {pages}")
    cache.put("translate", make_key(1), {"v": os.urandom(20_000).hex()})
    cache.put("translate", make_key(2), {"v": os.urandom(20_000).hex()})
    assert len(warnings.records) == 1, warnings.text
    assert "No space left" in warnings.text or "database or disk is full" in warnings.text
    assert cache.get("translate", make_key(1)) is None


def test_root_that_is_a_file_warns_once(kind, tmp_path, warnings):
    root = tmp_path / "not-a-dir"
    root.write_text("")
    cache = make_store(kind, root)
    cache.put("tm", make_key(1), "x")
    cache.put("tm", make_key(2), "x")
    assert cache.get("tm", make_key(1)) is None
    assert len(warnings.records) == 1, warnings.text


def test_addresses_cannot_leave_the_cache(cache):
    with pytest.raises(ValueError):
        cache.put("../../etc", make_key(1), {})
    with pytest.raises(ValueError):
        cache.get("translate", "../../../etc/passwd")
    with pytest.raises(ValueError):
        cache.get_many("translate", [make_key(1), "../x"])
    assert not cache.root.exists()


def test_info_clear_prune(kind, cache):
    for i in range(5):
        cache.put("translate", make_key(i), {"v": "x" * 100})
    cache.put("summarise", make_key("s"), {"v": 1})
    stats = cache.info()
    assert stats["translate"].entries == 5 and stats["summarise"].entries == 1
    assert stats["translate"].bytes > 0
    assert cache.usage().entries == 6 and cache.usage().disk_bytes > 0
    age(kind, cache.root, "translate", make_key(0), 2 * 86400)
    assert cache.prune(older_than=86400) == 1
    assert cache.get("translate", make_key(0)) is None
    assert cache.prune(max_bytes=0) == 5
    assert cache.info() == {}
    cache.put("translate", make_key(9), {"v": 9})
    assert cache.clear() == 1
    assert cache.info() == {} and cache.get("translate", make_key(9)) is None
    cache.put("translate", make_key(9), {"v": 9})  # still usable after a clear
    assert cache.get("translate", make_key(9)) == {"v": 9}


def test_prune_to_a_size_removes_the_least_recently_used_first(kind, cache):
    keys = [make_key(i) for i in range(300)]
    cache.put_many("translate", [(key, {"v": os.urandom(1500).hex()}) for key in keys])
    for rank, key in enumerate(keys):
        age(kind, cache.root, "translate", key, 10_000 - rank)  # keys[0] unused the longest
    assert cache.prune(older_than=10**9) == 0  # nothing that old (SQLite: empties its log)
    before = cache.usage().disk_bytes
    removed = cache.prune(max_bytes=before // 2)
    assert 0 < removed < 300
    assert cache.usage().disk_bytes <= before // 2
    survivors = {key for _, key in addresses(kind, cache.root)}
    assert survivors == set(keys[removed:])


# ---- file store only ----------------------------------------------------------------------------


def _left_by_a_killed_writer(cache: FileCache, stage: str, key: str, age: float) -> Path:
    """The temporary file `put` was writing when it was killed, `age` seconds ago."""
    path = cache.root / stage / key[:2] / f".tmp-{key}.json-x7k2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"key": "' + key + '", "sha256": "')
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_unfinished_temp_files_are_counted_never_read(tmp_path, warnings):
    cache = FileCache(tmp_path / "c")
    key = make_key("k")
    _left_by_a_killed_writer(cache, "translate", key, age=60)
    assert cache.get("translate", key) is None
    assert cache.info() == {"translate": CacheStats(temporary=1, temporary_bytes=4096)}
    assert cache.usage().entries == 0 and cache.usage().disk_bytes == 4096
    assert warnings.text == ""  # a minute old: perhaps a writer at work, nothing to say


def test_info_warns_of_temp_files_older_than_an_hour_and_prune_removes_them(tmp_path, warnings):
    cache = FileCache(tmp_path / "c")
    cache.put_many("translate", [(make_key(i), {"translation": "t"}) for i in range(3)])
    stale = [_left_by_a_killed_writer(cache, "translate", make_key("old", i), age=7200)
             for i in range(2)]  # fmt: skip
    fresh = _left_by_a_killed_writer(cache, "summarise", make_key("new"), age=60)
    info = cache.info()
    assert (info["translate"].entries, info["translate"].temporary) == (3, 2)
    assert (info["summarise"].entries, info["summarise"].temporary) == (0, 1)
    cache.info()  # a second look does not warn again
    assert len(warnings.records) == 1, warnings.text
    assert (
        f"cache files:{cache.root} holds 2 temporary file(s) older than an hour" in (warnings.text)
        and "cache prune" in warnings.text
    )
    assert cache.prune(older_than=30 * 86400) == 0  # no entry is that old; the leftovers go
    assert not any(p.exists() for p in stale) and fresh.exists()  # a live writer's stays
    assert {stage: s.temporary for stage, s in cache.info().items()} == {
        "translate": 0,
        "summarise": 1,
    }
    assert all(cache.get("translate", make_key(i)) == {"translation": "t"} for i in range(3))


def test_clear_removes_temp_files_too(tmp_path):
    cache = FileCache(tmp_path / "c")
    cache.put("tm", make_key(1), "x")
    left = _left_by_a_killed_writer(cache, "tm", make_key(2), age=7200)
    assert cache.clear() == 1 and not left.exists() and cache.info() == {}


# ---- SQLite store only --------------------------------------------------------------------------


def _size_on_disk(root) -> int:
    return sum(p.stat().st_size for p in root.iterdir() if p.is_file())


def test_cap_holds_while_running(tmp_path):
    cap = 2 * 10**6
    cache = SqliteCache(tmp_path / "c", max_size=cap)
    written = 0
    for batch in range(60):
        items = [(make_key(batch, i), {"v": os.urandom(1000).hex()}) for i in range(50)]
        cache.put_many("translate", items[:40])
        for key, value in items[40:]:
            cache.put("translate", key, value)
        written += sum(len(v["v"]) for _, v in items)
        assert _size_on_disk(cache.root) <= cap, f"over the cap after batch {batch}"
    assert written > 2 * cap
    assert cache.get("translate", make_key(0, 0)) is None  # the first batch is long gone
    assert cache.get("translate", make_key(59, 49)) is not None  # the last one is there
    assert cache.usage().max_bytes == cap
    assert sum(s.entries for s in cache.info().values()) == cache.usage().entries


def test_a_hit_on_an_entry_unused_for_a_day_keeps_it_from_eviction(tmp_path, monkeypatch):
    cache = SqliteCache(tmp_path / "c")
    keys = [make_key(i) for i in range(20)]
    cache.put_many("tm", [(key, f"sentence {i}") for i, key in enumerate(keys)])
    for rank, key in enumerate(keys):
        age("sqlite", cache.root, "tm", key, 3 * 86400 - rank)
    writes = []
    put_many = cache.put_many
    monkeypatch.setattr(cache, "put_many", lambda stage, items: writes.append(items) or
                        put_many(stage, items))  # fmt: skip
    assert cache.get_many("tm", keys[:2]) == ["sentence 0", "sentence 1"]  # two of the oldest
    assert writes == [[(keys[0], "sentence 0"), (keys[1], "sentence 1")]]
    assert cache.get("tm", keys[0]) == "sentence 0" and len(writes) == 1  # now fresh: a pure read
    assert cache.prune(older_than=86400) == 18
    assert {key for _, key in addresses("sqlite", cache.root)} == set(keys[:2])


def _ordered_entries(cache: SqliteCache, count: int) -> list[tuple[str, str]]:
    """`count` entries of three stages and mixed sizes, stored one after another (the first is
    the least recently stored); returns their (stage, key) in that order."""
    entries = []
    for i in range(count):
        stage = ("tm", "tm", "translate", "summarise")[i % 4]
        size = 40 if stage == "tm" else 1000 + 37 * i % 3000  # overflow pages, compressed or not
        value = os.urandom(size // 2).hex() if i % 8 == 2 else "ø" * size
        cache.put(stage, make_key(i), value)
        entries.append((stage, make_key(i)))
    return entries


def test_a_prune_in_many_transactions_removes_the_oldest_and_keeps_every_count(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sqlite_store, "PRUNE_ROWS", 7)  # transactions of 1 to 70 rows
    cache = SqliteCache(tmp_path / "c")
    entries = _ordered_entries(cache, 600)
    for stage, key in entries[:100]:  # stored again: now the most recently stored, rows unmoved
        cache.put(stage, key, "again")
    recency = entries[100:] + entries[:100]  # the least recently stored first
    schema = sqlite_schema(cache.root)
    for rank, (stage, key) in enumerate(recency[:50]):
        age("sqlite", cache.root, stage, key, 2 * 86400 - rank)
    assert cache.prune(older_than=86400) == 50
    assert set(addresses("sqlite", cache.root)) == set(recency[50:])
    before = cache.usage().disk_bytes
    removed = cache.prune(max_bytes=before // 2)
    assert set(addresses("sqlite", cache.root)) == set(recency[50 + removed :])
    kept, rows = sqlite_counts(cache.root)
    assert kept == rows and cache.usage().entries == rows[0] == 550 - removed
    assert {stage: (s.entries, s.bytes) for stage, s in cache.info().items()} == {
        stage: (n, size) for stage, n, size in rows[1]
    }
    # A ceiling, but not one far above what is left: no room is kept for the log (emptied).
    assert before // 2 - 40_000 < cache.usage().disk_bytes <= before // 2
    assert sqlite_schema(cache.root) == schema  # every trigger back as it was, and working:
    cache.put("tm", make_key("new"), "x")
    kept, rows = sqlite_counts(cache.root)
    assert kept == rows and rows[0] == 551 - removed


def test_a_prune_removes_only_what_was_stored_before_it_began(tmp_path, monkeypatch):
    # A writer faster than the prune once kept a prune to a size going for ever (a prune
    # beside a busy writer on a loaded machine ran for 20 minutes): each transaction removed a
    # few rows while the writer added more. Entries stored after the prune began are not its
    # to remove: here half the entries look stored later, and the prune stops at the other half.
    monkeypatch.setattr(sqlite_store, "PRUNE_ROWS", 7)
    cache = SqliteCache(tmp_path / "c")
    entries = _ordered_entries(cache, 200)
    for rank, (stage, key) in enumerate(entries[100:]):
        age("sqlite", cache.root, stage, key, -3600 - rank)  # an hour in the future
    assert cache.prune(max_bytes=1) == 100
    assert set(addresses("sqlite", cache.root)) == set(entries[100:])
    kept, rows = sqlite_counts(cache.root)
    assert kept == rows


def test_a_prune_with_a_delete_trigger_it_does_not_know_lets_the_triggers_run(tmp_path):
    cache = SqliteCache(tmp_path / "c")
    entries = _ordered_entries(cache, 100)
    with closing(sqlite3.connect(cache.db_path, isolation_level=None)) as db:
        db.execute("CREATE TABLE gone (key BLOB)")
        db.execute("CREATE TRIGGER audit AFTER DELETE ON Cache BEGIN "
                   "INSERT INTO gone VALUES (OLD.key); END")  # fmt: skip
    schema = sqlite_schema(cache.root)
    assert cache.prune(max_bytes=1) == 100
    with closing(sqlite3.connect(cache.db_path)) as db:
        assert db.execute("SELECT count(*) FROM gone").fetchone()[0] == len(entries)
    assert sqlite_counts(cache.root) == ((0, []), (0, []))
    assert sqlite_schema(cache.root) == schema


class _FailingOn:
    """A connection whose statements starting with `prefix` fail, as on a disk gone bad."""

    def __init__(self, db: sqlite3.Connection, prefix: str) -> None:
        self.db, self.prefix = db, prefix

    def execute(self, sql: str, *args):
        if sql.startswith(self.prefix):
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.db, name)


@pytest.mark.parametrize("failing", ["DELETE", "UPDATE Settings", "CREATE TRIGGER", "COMMIT"])
def test_a_prune_failing_inside_a_transaction_changes_nothing(
    tmp_path, warnings, monkeypatch, failing
):
    cache = SqliteCache(tmp_path / "c")
    entries = _ordered_entries(cache, 100)
    schema, counts = sqlite_schema(cache.root), sqlite_counts(cache.root)
    admin = SqliteCache._admin

    @contextlib.contextmanager
    def failing_admin(self):
        with admin(self) as db:
            yield _FailingOn(db, failing)

    monkeypatch.setattr(SqliteCache, "_admin", failing_admin)
    assert cache.prune(max_bytes=1) == 0
    assert len(warnings.records) == 1 and "disk I/O error" in warnings.text
    assert sqlite_schema(cache.root) == schema  # the dropped triggers are back: rolled back
    assert sqlite_counts(cache.root) == counts
    assert addresses("sqlite", cache.root) == entries


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"this is not an SQLite database at all" * 100,
        lambda raw: raw[:1000],  # truncated inside the header page
        lambda raw: raw[:4096] + bytes(len(raw) - 4096),  # every page after the first zeroed
    ],
)
def test_corrupted_database_warns_once_and_clear_starts_afresh(tmp_path, warnings, damage):
    root = tmp_path / "c"
    filled = SqliteCache(root)
    filled.put_many("tm", [(make_key(i), "x" * 200) for i in range(200)])
    filled._store.close()
    for suffix in ("-wal", "-shm"):
        (root / f"cache.db{suffix}").unlink(missing_ok=True)
    db = root / "cache.db"
    db.write_bytes(damage(db.read_bytes()))
    cache = SqliteCache(root)
    for i in range(5):
        assert cache.get("tm", make_key(i)) is None
        cache.put("tm", make_key(i), "y")
    cache.info()
    assert len(warnings.records) == 1, warnings.text
    assert "cache clear" in warnings.text and "continuing without caching" in warnings.text
    cache.clear()
    cache.put("tm", make_key(1), "z")
    assert cache.get("tm", make_key(1)) == "z"


def test_a_lock_held_too_long_skips_the_batch_with_one_warning(tmp_path, warnings):
    cache = SqliteCache(tmp_path / "c", timeout=0.2)
    cache.put("tm", make_key(0), "before")
    other = sqlite3.connect(tmp_path / "c" / "cache.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    cache.put("tm", make_key(1), "x")
    cache.put("tm", make_key(2), "x")
    assert cache.get("tm", make_key(0)) == "before"  # readers are not blocked by the writer
    other.execute("ROLLBACK")
    other.close()
    assert len(warnings.records) == 1 and "locked" in warnings.text
    cache.put("tm", make_key(3), "after")  # not disabled: the next batch goes through
    assert cache.get("tm", make_key(3)) == "after"


def test_todays_file_layout_is_read_and_copied_in(tmp_path):
    root = tmp_path / "c"
    old = FileCache(root)
    old.put("translate", make_key(1), {"translation": "from the old layout"})
    old.put("tm", make_key(2), "a sentence")
    cache = SqliteCache(root)
    assert cache.get("translate", make_key(1)) == {"translation": "from the old layout"}
    assert cache.get_many("tm", [make_key(2), make_key(3)]) == ["a sentence", None]
    assert cache.info()["translate"].entries == 1  # copied into the database
    assert cache.clear() == 2 + 2  # the copies and the old files
    assert not any(p.is_dir() for p in root.iterdir())


def test_a_network_filesystem_gets_one_warning_naming_the_file_store(tmp_path, warnings,
                                                                     monkeypatch):  # fmt: skip
    monkeypatch.setattr(sqlite_store, "_filesystem_type", lambda path: "nfs4")
    cache = SqliteCache(tmp_path / "c")
    cache.put("tm", make_key(1), "x")
    assert cache.get("tm", make_key(1)) == "x"  # a warning, not a refusal
    assert len(warnings.records) == 1 and f"files:{tmp_path / 'c'}" in warnings.text


def test_filesystem_type_of_a_local_path():
    kind = sqlite_store._filesystem_type(Path.cwd())
    assert kind and kind not in sqlite_store.NETWORK_FILESYSTEMS


# ---- choosing a store, sizes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "kind", "root"),
    [
        ("/var/cache/x", "sqlite", "/var/cache/x"),
        ("relative/dir", "sqlite", "relative/dir"),
        ("sqlite:/var/cache/x", "sqlite", "/var/cache/x"),
        ("files:/shared/cache", "files", "/shared/cache"),
        ("files:///shared/cache", "files", "/shared/cache"),
        ("FILES:shared", "files", "shared"),
        ("C:\\Users\\x\\cache", "sqlite", "C:\\Users\\x\\cache"),
    ],
)
def test_open_cache_chooses_the_store_by_location(location, kind, root):
    cache = open_cache(location, max_size=10**8)
    assert cache.kind == kind and str(cache.root) == root


def test_open_cache_of_nothing_is_no_cache_and_unknown_schemes_are_refused(tmp_path):
    assert not open_cache(None).enabled
    with pytest.raises(ValueError, match=r"unknown cache location 's3://bucket'.*files:DIR"):
        open_cache("s3://bucket")
    with pytest.raises(ValueError, match="names no directory"):
        open_cache("files:")
    assert open_cache(tmp_path).kind == "sqlite"
    assert open_cache(Path("files:///shared/x")).kind == "files"  # e.g. via default_cache_dir()


@pytest.mark.parametrize(
    ("text", "size"),
    [("20GB", 20 * 10**9), ("512 MB", 512 * 10**6), ("1.5GiB", 3 * 2**29), ("2g", 2 * 10**9),
     ("1000000", 10**6), (10**7, 10**7), ("3 tb", 3 * 10**12), (" 64MiB ", 64 * 2**20)],
)  # fmt: skip
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "GB", "20 GBs", "-5GB", "twenty", "1e9", "10", "0"])
def test_a_bad_size_is_one_clear_error(text):
    with pytest.raises(ValueError, match=f"invalid size {text!r}"):
        parse_size(text)


def test_the_default_cap_is_five_gb_or_a_tenth_of_the_filesystem(tmp_path):
    fs = os.statvfs(tmp_path)
    assert default_max_size(tmp_path) == min(DEFAULT_MAX_SIZE, fs.f_blocks * fs.f_frsize // 10)
    assert default_max_size(tmp_path / "not" / "yet") == default_max_size(tmp_path)
    assert SqliteCache(tmp_path).max_size == default_max_size(tmp_path)
