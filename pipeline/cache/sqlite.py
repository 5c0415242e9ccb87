"""The default store: one SQLite database per cache directory, through `diskcache`, with a cap.

``<root>/cache.db`` (plus SQLite's ``-wal`` and ``-shm`` files) holds every entry. diskcache gives
process-safe access (WAL journal, busy timeouts, one transaction per batch), eviction and O(1)
totals; this module adds what the pipeline needs on top of it:

- Entries are stored as `pipeline.cache.codec` says: binary keys, values checksummed and (when
  that makes them smaller) compressed; a value that fails its checks is a miss with a warning.
- The cap is enforced on every write: after each batch, the least recently used entries go until
  the database is back under ``max_size`` minus room for the write-ahead log, so the directory as
  a whole stays under the cap (diskcache's own cull takes at most 10 entries per write, which lets
  a cache of small old entries and large new ones creep past its limit, so it is turned off).
- Per-stage entry and byte counts are kept by SQLite triggers in a small table, so `info` never
  scans the entries; `usage` is O(1) too.
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
# Rows deleted per transaction by `prune`: writers wait a few seconds at most, and a chunk
# rewrites each page of the key index about once (400k rows: 17% faster than 100k at 2M entries).
PRUNE_CHUNK = 250_000
ADMIN_CACHE_KIB = 256 * 1024  # page cache of the pruning connection, so big chunks do not spill
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "ceph",
                       "glusterfs", "beegfs", "fuse.sshfs", "9p", "afs"}  # fmt: skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nordtrans_stages (
    stage TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_insert AFTER INSERT ON Cache BEGIN
    INSERT INTO nordtrans_stages VALUES (coalesce(NEW.tag, ''), 1, length(NEW.value))
    ON CONFLICT(stage) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_delete AFTER DELETE ON Cache BEGIN
    UPDATE nordtrans_stages SET entries = entries - 1, bytes = bytes - length(OLD.value)
    WHERE stage = coalesce(OLD.tag, '');
END;
CREATE TRIGGER IF NOT EXISTS nordtrans_stages_update AFTER UPDATE OF tag, value ON Cache BEGIN
    UPDATE nordtrans_stages SET entries = entries - 1, bytes = bytes - length(OLD.value)
    WHERE stage = coalesce(OLD.tag, '');
    INSERT INTO nordtrans_stages VALUES (coalesce(NEW.tag, ''), 1, length(NEW.value))
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
            for i, blob in enumerate([store.get(k) for k in db_keys]):
                if blob is None:
                    continue
                try:
                    found[i], stored = decode(db_keys[i], blob)
                except (ValueError, zlib.error) as exc:
                    log.warning("cache entry %s:%s/%s is corrupted (%s); recomputing",
                                self.db_path, stage, keys[i], exc)  # fmt: skip
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
        until the cache takes at most `max_bytes` on disk. Returns how many were removed."""
        removed = 0
        if self.legacy is not None:
            removed += self.legacy.prune(older_than=older_than, max_bytes=max_bytes)
        if self._open() is None:
            return removed
        with self._guard("use"), self._admin() as db:
            if older_than is not None:
                cutoff = time.time() - older_than
                removed += _delete_in_chunks(db, "WHERE store_time < ?", (cutoff,))
            if max_bytes is not None:
                removed += _shrink(db, _db_limit(max_bytes))
            # Deleted pages leave the file (and the log empties) only at a checkpoint.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # ---- opening, failing ---------------------------------------------------------------

    def _open(self) -> Any:
        """The diskcache.Cache (opened once), or None when the cache is off or unusable."""
        if self._store is not None or self.root is None or self._read_failed:
            return self._store
        import diskcache

        if _has_legacy_layout(self.root):
            self.legacy = FileCache(self.root)
        try:
            _warn_if_networked(self.root)
            self.root.mkdir(parents=True, exist_ok=True)
            store = diskcache.Cache(
                str(self.root),
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
    """Create the per-stage counts and their triggers once, counting what is already there.

    One transaction; `INSERT OR IGNORE` keeps a second process racing to do the same harmless.
    """
    present = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                         "AND name LIKE 'nordtrans_stages_%'").fetchone()[0]  # fmt: skip
    if present < 3:
        db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} {_BACKFILL}; COMMIT;")


def _delete_in_chunks(db: sqlite3.Connection, where: str, args: tuple) -> int:
    """Delete the least recently used rows matching `where`, a transaction per chunk."""
    removed = 0
    while True:
        cursor = db.execute(
            f"DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache {where} "
            "ORDER BY store_time LIMIT ?)", (*args, PRUNE_CHUNK),
        )  # fmt: skip
        removed += cursor.rowcount
        if cursor.rowcount < PRUNE_CHUNK:
            return removed


def _shrink(db: sqlite3.Connection, limit: int) -> int:
    """Delete least recently used rows until the database file is at most `limit` bytes."""
    removed = 0
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    while True:
        size = db.execute("PRAGMA page_count").fetchone()[0] * page_size
        count = db.execute("SELECT value FROM Settings WHERE key = 'count'").fetchone()[0]
        if size <= limit or count == 0:
            return removed
        # As many rows as the excess is worth at the average row size, a little more, at most
        # one chunk: a few rounds reach the limit, each round a short transaction.
        wanted = min(PRUNE_CHUNK, int((size - limit) / (size / count) * 1.05) + 10)
        cursor = db.execute("DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache "
                            "ORDER BY store_time LIMIT ?)", (wanted,))  # fmt: skip
        removed += cursor.rowcount


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
