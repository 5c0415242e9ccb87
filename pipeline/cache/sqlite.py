"""The default store: one SQLite database per cache directory, through `diskcache`, with a cap.

``<root>/cache.db`` (plus SQLite's ``-wal`` and ``-shm`` files) holds every entry. diskcache gives
process-safe access (WAL journal, busy timeouts, one transaction per batch), eviction and O(1)
totals; this module adds what the pipeline needs on top of it:

- Entries are stored as `pipeline.cache.codec` says: binary keys, values checksummed and (when
  that makes them smaller) compressed; a value that fails its checks is a miss with a warning.
- Rows are read and written through `pipeline.cache.rows.BytesDisk`: bytes held in the row, and
  nothing else. A row of another kind (a pickle, an int, text, a file's name), written by anyone
  who can write the cache directory, is never unpickled, opened or deleted: it is a miss with a
  warning like a damaged value, and the recomputed value is written over it.
- The cap is enforced on every write: after each batch, the least recently used entries go until
  the database is back under ``max_size`` minus room for the write-ahead log, so the directory as
  a whole stays under the cap (diskcache's own cull takes at most 10 entries per write, which lets
  a cache of small old entries and large new ones creep past its limit, so it is turned off).
- Per-stage entry and byte counts are kept by SQLite triggers in a small table, so `info` never
  scans the entries; `usage` is O(1) too.
- `prune` deletes in transactions of about `PRUNE_SECONDS` each (writers wait for one at most)
  and does the delete triggers' work once per transaction rather than once per row (see
  `_delete_oldest`). Pruning 5 million entries (bench_cache.py, an idle machine) to 90% of their
  size took 16 s and is 9 s now; then to half, 45 s and now 26-28 s. What is left is mostly the
  B-tree work of deleting rows: two thirds of it the unique index of random keys.
- Recency is kept at a resolution of a day, so a hit is a pure read. diskcache's own LRU policy
  writes an access time (three index pages to the log) on every hit, which made one lookup in a
  hundred wait for a checkpoint (p99 8 ms). Instead entries are evicted least recently stored
  first, and a hit on an entry stored or last refreshed more than `TOUCH_AFTER` ago stores it
  again: an entry in use is never evicted before one unused for a day.
- A directory holding today's file-per-entry layout is still read: a miss here falls back to
  the ``<stage>/<k[:2]>/<k>.json`` files, and a hit there is copied into the database.

Faults degrade as in the file store: a directory that cannot be used, a database that is not one
(corrupted, truncated), a full or read-only disk: one warning, then the run goes on without the
cache. A lock not granted within `timeout` seconds skips that one batch (warned once).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.cache.base import (
    STAGE_NAME,
    CacheStats,
    CacheUsage,
    DamageReport,
    default_max_size,
)
from pipeline.cache.codec import db_key, decode, encode
from pipeline.cache.files import FileCache

log = logging.getLogger("pipeline")

DB_NAME = "cache.db"
DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm")
# Room under the cap for the write-ahead log, at most. A log checkpointed every 32 MB rather than
# SQLite's 4 MB coalesces more page writes: ~30% more inserts a second (bench_cache.py).
WAL_ALLOWANCE = 64 * 2**20
TOUCH_AFTER = 86_400.0  # seconds: how stale an entry's recency may get before a hit refreshes it
# How long one `prune` transaction holds the write lock, about: each deletes as many rows as the
# last one deleted in that time (other writers wait at most this long; diskcache's timeout is
# 30 s). Each transaction rewrites most pages of the index of random keys, so larger ones are
# faster, up to a point (5M entries pruned to half: 4 s 29 s, 5 s 27 s, 6 s 25 s, 10 s 29 s);
# at 5M entries 5 s is 400-700k rows, and a transaction took 6.2 s at most.
PRUNE_SECONDS = 5.0
PRUNE_ROWS = 200_000  # the first transaction's; the next ones' stay within 1/20 and 10 times it
# Page cache of our own connection, allocated only as used (a prune of 5M entries uses all of it,
# of 1M ~220 MB): a transaction dirties most of the key index (255 MB at 5M entries) and more.
# Pruning 5M entries to half took 35 s with 256 MiB, 26-27 s with 1 GiB, 28 s with 2 GiB.
ADMIN_CACHE_KIB = 1024 * 1024
# The AFTER DELETE triggers whose work `_delete_oldest` does once per transaction.
DELETE_TRIGGERS = ("Settings_count_delete", "Settings_size_delete", "nordtrans_stages_delete")
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "ceph",
                       "glusterfs", "beegfs", "fuse.sshfs", "9p", "afs"}  # fmt: skip

# A row holds its value, or NULL where diskcache kept it in a file (never ours, but a row someone
# else wrote must not stop the store from replacing it): the counts take its length as 0.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS nordtrans_stages (
    stage TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_insert AFTER INSERT ON Cache BEGIN
    INSERT INTO nordtrans_stages
    VALUES (coalesce(NEW.tag, ''), 1, coalesce(length(NEW.value), 0))
    ON CONFLICT(stage) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_delete AFTER DELETE ON Cache BEGIN
    UPDATE nordtrans_stages
    SET entries = entries - 1, bytes = bytes - coalesce(length(OLD.value), 0)
    WHERE stage = coalesce(OLD.tag, '');
END;
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_update AFTER UPDATE OF tag, value ON Cache BEGIN
    UPDATE nordtrans_stages
    SET entries = entries - 1, bytes = bytes - coalesce(length(OLD.value), 0)
    WHERE stage = coalesce(OLD.tag, '');
    INSERT INTO nordtrans_stages
    VALUES (coalesce(NEW.tag, ''), 1, coalesce(length(NEW.value), 0))
    ON CONFLICT(stage) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
"""
_BACKFILL = """
INSERT OR IGNORE INTO nordtrans_stages
SELECT coalesce(tag, ''), count(*), coalesce(sum(length(value)), 0) FROM Cache GROUP BY 1
"""


class SqliteCache:
    """The default store (see the module docstring). `root=None` disables caching.

    `max_size` (bytes) caps the whole directory; None means `default_max_size(root)`.
    """

    kind = "sqlite"

    def __init__(
        self,
        root: str | Path | None,
        *,
        max_size: int | None = None,
        refresh: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.root = Path(root).expanduser() if root is not None else None
        self.refresh = refresh  # recompute and overwrite, never read
        self.max_size = max_size if max_size is not None else default_max_size(self.root)
        self.timeout = timeout
        self.legacy: FileCache | None = None  # today's file-per-entry entries in the same root
        self._store: Any = None  # the diskcache.Cache, opened on first use
        self._read_failed = self._write_failed = False
        self._busy_warned = False
        self._damage = DamageReport()

    @property
    def enabled(self) -> bool:
        """Whether reads and writes go to disk at all."""
        return self.root is not None

    @property
    def db_path(self) -> Path | None:
        """The SQLite database file."""
        return self.root / DB_NAME if self.root is not None else None

    # ---- entries ------------------------------------------------------------------------

    def get(self, stage: str, key: str) -> Any | None:
        """The stored value, or None on a miss, a disabled cache, or a damaged entry."""
        return self.get_many(stage, [key])[0]

    def get_many(self, stage: str, keys: Sequence[str]) -> list[Any | None]:
        """The stored value (or None) for each key, in order. Pure reads, except that entries
        whose recency is more than `TOUCH_AFTER` old are stored again, in one transaction."""
        db_keys = [db_key(stage, key) for key in keys]
        found: list[Any | None] = [None] * len(keys)
        if self.root is None or self.refresh or self._read_failed or not keys:
            return found
        store = self._open()
        if store is None:
            return found
        stale, now = [], time.time()
        with self._guard("use"):
            for i, k in enumerate(db_keys):
                try:  # `BytesDisk` refuses a row we did not write: it is never unpickled
                    blob = store.get(k)
                    if blob is None:
                        continue
                    found[i], stored = decode(k, blob)
                except (ValueError, zlib.error) as exc:
                    self._damage.report(f"{self.db_path}:{stage}/{keys[i]}", exc)
                    continue
                if now - stored > TOUCH_AFTER:
                    stale.append((keys[i], found[i]))
        if self.legacy is not None:
            stale += self._recall_legacy(stage, keys, found)
        if stale:
            self.put_many(stage, stale)
        return found

    def put(self, stage: str, key: str, value: Any) -> None:
        """Store `value`; failures disable writing for this cache, with one warning."""
        self.put_many(stage, [(key, value)])

    def put_many(self, stage: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store every (key, value) in one transaction, then evict down to the cap."""
        rows = [(db_key(stage, key), value) for key, value in items]
        if self.root is None or self._write_failed or not rows:
            return
        blobs = [(k, encode(k, value)) for k, value in rows]
        store = self._open()
        if store is None:
            return
        with self._guard("write"):
            with store.transact():
                for k, blob in blobs:
                    store.set(k, blob, tag=stage)
            if store.volume() > store.size_limit:
                store.cull()

    # ---- the whole cache ----------------------------------------------------------------

    def info(self) -> dict[str, CacheStats]:
        """Entries and stored (compressed) value bytes per stage, from the trigger-kept table."""
        rows = []
        if self._open() is not None:
            with self._guard("use"), self._admin() as db:
                rows = db.execute("SELECT stage, entries, bytes FROM nordtrans_stages "
                                  "WHERE entries > 0").fetchall()  # fmt: skip
        return {stage: CacheStats(entries, size) for stage, entries, size in rows}

    def usage(self) -> CacheUsage:
        """Total entries, bytes on disk and the cap, without reading any entry."""
        store, entries = self._open(), 0
        if store is not None:
            with self._guard("use"):
                entries = len(store)
        return CacheUsage(
            kind=self.kind,
            location=str(self.root),
            entries=entries,
            disk_bytes=self._disk_bytes(),
            max_bytes=self.max_size,
        )

    def close(self) -> None:
        """Close this thread's connection (the next call opens it again)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def clear(self) -> int:
        """Remove every entry (and today's layout's files); returns how many there were.

        Deletes the database files rather than their rows: instant at any size, and it also
        clears a database that is corrupted. Stop jobs that use the cache first.
        """
        count = 0
        store = self._open()
        if store is not None:
            with contextlib.suppress(sqlite3.Error):
                count = len(store)
            store.close()
        if self.legacy is not None:
            count += self.legacy.clear()
        if self.root is not None:
            for name in DB_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (self.root / name).unlink()
        self._store, self._read_failed, self._write_failed = None, False, False
        return count

    def prune(self, *, older_than: float | None = None, max_bytes: int | None = None) -> int:
        """Remove entries unused for `older_than` seconds, then the least recently used ones
        until the cache takes at most `max_bytes` on disk. Returns how many were removed.

        Other processes may go on reading and writing meanwhile: each transaction of the prune
        holds the write lock for about `PRUNE_SECONDS`. Only entries stored before the prune
        began are removed, so a writer faster than the prune cannot keep it going for ever; the
        cache may then stay above `max_bytes` (the size cap trims it on the next writes).
        """
        removed = 0
        if self.legacy is not None:
            removed += self.legacy.prune(older_than=older_than, max_bytes=max_bytes)
        if self._open() is None:
            return removed
        with self._guard("use"), self._admin() as db:
            # As diskcache's own connections: a commit does not wait for the disk (a crash may
            # undo the last ones, never half of one); each checkpoint still syncs.
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA wal_autocheckpoint = 0")  # _Pruner checkpoints, untimed
            pruner = _Pruner(db, time.time())
            if older_than is not None:
                removed += pruner.older_than(time.time() - older_than)
            # Deleted pages leave the file (and the log empties) only at a checkpoint.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # The log is empty now, so the database may take all of `max_bytes` but what the
            # log's index (-shm) takes, and a log other processes kept from emptying: no room is
            # kept for a log to come. A large prune grows the index; a second round makes up.
            for _ in range(3):
                if max_bytes is None or (excess := self._disk_bytes() - max_bytes) <= 0:
                    break
                if not (taken := pruner.shrink(_db_bytes(db) - excess)):
                    break
                removed += taken
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # ---- opening, failing ---------------------------------------------------------------

    def _open(self) -> Any:
        """The diskcache.Cache (opened once), or None when the cache is off or unusable."""
        if self._store is not None or self.root is None or self._read_failed:
            return self._store
        import diskcache

        from pipeline.cache.rows import BytesDisk

        if _has_legacy_layout(self.root):
            self.legacy = FileCache(self.root)
        try:
            _warn_if_networked(self.root)
            self.root.mkdir(parents=True, exist_ok=True)
            store = diskcache.Cache(
                str(self.root),
                disk=BytesDisk,  # bytes in rows, nothing else read (see pipeline.cache.rows)
                timeout=self.timeout,
                eviction_policy="least-recently-stored",
                size_limit=_db_limit(self.max_size),
                cull_limit=0,  # eviction happens in `put_many`, after each batch
                disk_min_file_size=2**40,  # every value inside the database, none in files
                # The log is checkpointed (and truncated) before it outgrows its room under
                # the cap: SQLite's default, 1000 pages, is 4 MB, more than a small cap has.
                sqlite_journal_size_limit=_wal_room(self.max_size),
                sqlite_wal_autocheckpoint=max(16, _wal_room(self.max_size) // 2 // 4096),
            )
            with self._admin() as db:
                _extend_schema(db)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            self._fail("use", exc)
            return None
        self._store = store
        return store

    @contextlib.contextmanager
    def _admin(self) -> Iterator[sqlite3.Connection]:
        """A connection of our own to the database, for what diskcache has no call for."""
        assert self.db_path is not None
        db = sqlite3.connect(self.db_path, timeout=self.timeout, isolation_level=None)
        db.execute(f"PRAGMA cache_size = -{ADMIN_CACHE_KIB}")
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn the store's failures into one warning and a cache that steps aside."""
        import diskcache

        try:
            yield
        except diskcache.Timeout as exc:
            # diskcache reports any failure to begin a transaction as a Timeout; the SQLite error
            # behind it tells a busy database from a read-only or broken one.
            cause = exc.__context__
            if isinstance(cause, sqlite3.Error) and not _is_busy(cause):
                self._fail(action, cause)
                return
            if not self._busy_warned:
                log.warning("cache %s stayed locked for %ss; skipping it for this batch",
                            self.root, self.timeout)  # fmt: skip
            self._busy_warned = True
        except (OSError, sqlite3.Error) as exc:
            self._fail(action, exc)

    def _fail(self, action: str, exc: BaseException) -> None:
        """Warn once, then stop using the cache (`use`) or stop writing to it (`write`)."""
        if not (self._read_failed or self._write_failed):
            hint = " (`nordtrans cache clear` starts it afresh)" if _is_corruption(exc) else ""
            verb = "write to" if action == "write" else action
            log.warning("cannot %s cache %s (%s)%s; continuing without caching",
                        verb, self.root, exc, hint)  # fmt: skip
        self._write_failed = True
        if action == "use" or _is_corruption(exc):
            self._read_failed = True

    def _recall_legacy(self, stage: str, keys: Sequence[str], found: list[Any | None]) -> list:
        """Fill misses from today's layout; returns those hits, to be copied into the database."""
        assert self.legacy is not None
        moved = []
        for i, key in enumerate(keys):
            if found[i] is None:
                found[i] = self.legacy.get(stage, key)
                if found[i] is not None:
                    moved.append((key, found[i]))
        return moved

    def _disk_bytes(self) -> int:
        total = 0
        if self.root is not None:
            for name in DB_FILES:
                with contextlib.suppress(OSError):
                    total += (self.root / name).stat().st_size
        return total


def _wal_room(max_size: int) -> int:
    """How much of a cap is left for the write-ahead log."""
    return min(max_size // 4, WAL_ALLOWANCE)


def _db_limit(max_size: int) -> int:
    """The database's own limit under a cap for the whole directory."""
    return max_size - _wal_room(max_size)


def _extend_schema(db: sqlite3.Connection) -> None:
    """Create the per-stage counts and their triggers once, counting what is already there
    (and replace the triggers of a database made before they took a NULL value).

    One transaction; `INSERT OR IGNORE` keeps a second process racing to do the same harmless.
    """
    current = db.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name "
        "LIKE 'nordtrans_stages_%' AND sql LIKE '%coalesce(length(%'"
    ).fetchone()[0]
    if current < 3:  # none yet, or the first version's, which failed on a NULL value
        drop = " ".join(f"DROP TRIGGER IF EXISTS nordtrans_stages_{name};"
                        for name in ("insert", "delete", "update"))  # fmt: skip
        db.executescript(f"BEGIN IMMEDIATE; {drop} {_SCHEMA} {_BACKFILL}; COMMIT;")


class _Pruner:
    """The transactions of one prune, each deleting as many rows as take about `PRUNE_SECONDS`
    at the pace of the last full one."""

    def __init__(self, db: sqlite3.Connection, began: float) -> None:
        self.db = db
        self.began = began  # rows stored later are not this prune's to remove
        self.rows = PRUNE_ROWS  # the most the next transaction deletes

    def older_than(self, cutoff: float) -> int:
        """Delete every row stored before `cutoff` (seconds since the epoch)."""
        removed = 0
        while True:
            full = self.rows
            taken = self._delete(full, "WHERE store_time < ?", (cutoff,))
            removed += taken
            if taken < full:
                return removed

    def shrink(self, limit: int) -> int:
        """Delete least recently stored rows until the database file is at most `limit` bytes."""
        removed = 0
        while (size := _db_bytes(self.db)) > limit:
            count = self.db.execute("SELECT value FROM Settings WHERE key = 'count'").fetchone()[0]
            # As many rows as the excess is worth at the average row size, and a little more:
            # index pages of random keys empty slower than rows go. A few rounds reach the limit.
            wanted = int((size - limit) / size * count * 1.05) + 10
            taken = self._delete(wanted, "WHERE store_time <= ?", (self.began,))
            if not taken:
                break
            removed += taken
        return removed

    def _delete(self, rows: int, where: str = "", args: tuple = ()) -> int:
        start = time.perf_counter()
        removed = _delete_oldest(self.db, min(rows, self.rows), where, args)
        if removed == self.rows:  # a full transaction: its pace sizes the next one
            pace = removed / max(time.perf_counter() - start, 0.001)
            self.rows = min(max(int(pace * PRUNE_SECONDS), PRUNE_ROWS // 20, 1), 10 * PRUNE_ROWS)
        # Copy it into the database at once (the lock is free: writers go on meanwhile), so that
        # the log holds one transaction at most.
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return removed


def _delete_oldest(db: sqlite3.Connection, rows: int, where: str = "", args: tuple = ()) -> int:
    """Delete the `rows` least recently stored rows matching `where`, in one transaction.

    Run once per row, the three AFTER DELETE triggers (diskcache's count and size, our per-stage
    counts) took a third of the time (5M entries; 1 µs a row to sum instead). So inside the
    transaction they are dropped, their work is done once from sums over the same rows, and they
    are created again as they were: other connections only ever see them in place (a schema
    change, so their statements are prepared again), and a crash rolls all of it back. Should
    the triggers not be the ones we know (another diskcache version), they just run.
    """
    oldest = f"FROM Cache {where} ORDER BY store_time, rowid LIMIT ?"  # one order, ties too
    db.execute("BEGIN IMMEDIATE")
    try:
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
            "tbl_name = 'Cache' AND sql LIKE '%AFTER DELETE%'"
        ).fetchall()
        sums = db.execute("SELECT stage, count(*), sum(n), sum(size) FROM (SELECT coalesce(tag, "
                          f"'') AS stage, length(value) AS n, size {oldest}) GROUP BY 1",
                          (*args, rows)).fetchall()  # fmt: skip
        bulk = bool(sums) and sorted(name for name, _ in triggers) == sorted(DELETE_TRIGGERS)
        for name, _ in triggers if bulk else []:
            db.execute(f"DROP TRIGGER {name}")
        removed = db.execute(f"DELETE FROM Cache WHERE rowid IN (SELECT rowid {oldest})",
                             (*args, rows)).rowcount  # fmt: skip
        if bulk:
            assert removed == sum(n for _, n, _, _ in sums), "the sums are over other rows"
            db.execute("UPDATE Settings SET value = value - ? WHERE key = 'count'", (removed,))
            db.execute("UPDATE Settings SET value = value - ? WHERE key = 'size'",
                       (sum(size for *_, size in sums),))  # fmt: skip
            db.executemany("UPDATE nordtrans_stages SET entries = entries - ?, "
                           "bytes = bytes - ? WHERE stage = ?",
                           [(n, b, stage) for stage, n, b, _ in sums])  # fmt: skip
            for _, sql in triggers:
                db.execute(sql)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return removed


def _db_bytes(db: sqlite3.Connection) -> int:
    """The database file's size once checkpointed (auto-vacuum gives back the free pages)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def _has_legacy_layout(root: Path) -> bool:
    """Whether `root` holds stage directories of the file-per-entry layout."""
    try:
        with os.scandir(root) as entries:
            return any(e.is_dir() and STAGE_NAME.fullmatch(e.name) for e in entries)
    except OSError:
        return False


def _is_busy(exc: BaseException) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _is_corruption(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def _warn_if_networked(root: Path) -> None:
    """One warning when the cache sits on a network filesystem, where SQLite's locks fail."""
    kind = _filesystem_type(root)
    if kind in NETWORK_FILESYSTEMS:
        log.warning("cache %s is on %s, where SQLite's locking is unreliable; use files:%s "
                    "for a cache shared between machines", root, kind, root)  # fmt: skip


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem mounted at the longest prefix of `path` (Linux; else None)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best: tuple[int, str | None] = (-1, None)
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].replace("\\040", " ")
            inside = target == point or target.startswith(point.rstrip("/") + "/")
            if inside and len(point) > best[0]:
                best = (len(point), fields[2])
    return best[1]
