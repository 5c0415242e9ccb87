"""Both cache stores, for tests that must hold for each: open one, list, age and damage entries.

The helpers reach under the stores' APIs on purpose (into the files, into the SQLite table), the
way a crash, a bad disk or a stray process would.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from pipeline.cache import FileCache, SqliteCache
from pipeline.cache.codec import db_key, decode, encode
from pipeline.cache.sqlite import DB_NAME

STORES = ("files", "sqlite")


def make_store(kind: str, root: Path | str | None, **options):
    """A store of `kind` at `root`."""
    return FileCache(root, **options) if kind == "files" else SqliteCache(root, **options)


def addresses(kind: str, root: Path) -> list[tuple[str, str]]:
    """(stage, key) of every entry on disk, whether or not it is readable."""
    if kind == "files":
        return sorted((p.parent.parent.name, p.stem) for p in root.glob("*/??/*.json")
                      if not p.name.startswith(".tmp-"))  # fmt: skip
    if not (root / DB_NAME).exists():
        return []
    with _db(root) as db:
        rows = db.execute("SELECT key FROM Cache ORDER BY rowid").fetchall()
    return [(bytes(k).split(b":")[0].decode(), bytes(k).split(b":", 1)[1].hex()) for (k,) in rows]


def count(kind: str, root: Path, stage: str) -> int:
    """How many entries of `stage` are on disk."""
    return sum(1 for s, _ in addresses(kind, root) if s == stage)


def entry_label(kind: str, root: Path, stage: str, key: str) -> str:
    """How the store's warnings name an entry."""
    if kind == "files":
        return str(root / stage / key[:2] / f"{key}.json")
    return f"{root / DB_NAME}:{stage}/{key}"


def read_raw(kind: str, root: Path, stage: str, key: str) -> bytes:
    if kind == "files":
        return (root / stage / key[:2] / f"{key}.json").read_bytes()
    with _db(root) as db:
        return bytes(db.execute("SELECT value FROM Cache WHERE key = ?",
                                (db_key(stage, key),)).fetchone()[0])  # fmt: skip


def write_raw(kind: str, root: Path, stage: str, key: str, raw: bytes) -> None:
    """Overwrite an entry's stored bytes, bypassing the store."""
    if kind == "files":
        (root / stage / key[:2] / f"{key}.json").write_bytes(raw)
        return
    with _db(root) as db:
        db.execute("UPDATE Cache SET value = ? WHERE key = ?", (raw, db_key(stage, key)))


def remove(kind: str, root: Path, stage: str, key: str) -> None:
    """Delete one entry, bypassing the store."""
    if kind == "files":
        (root / stage / key[:2] / f"{key}.json").unlink()
        return
    with _db(root) as db:
        db.execute("DELETE FROM Cache WHERE key = ?", (db_key(stage, key),))


def age(kind: str, root: Path, stage: str, key: str, seconds: float) -> None:
    """Make an entry look unused for `seconds`."""
    then = time.time() - seconds
    if kind == "files":
        os.utime(root / stage / key[:2] / f"{key}.json", (then, then))
        return
    k = db_key(stage, key)
    with _db(root) as db:
        (blob,) = db.execute("SELECT value FROM Cache WHERE key = ?", (k,)).fetchone()
        older = encode(k, decode(k, bytes(blob))[0], now=then)  # the stamp a hit looks at
        db.execute("UPDATE Cache SET store_time = ?, value = ? WHERE key = ?", (then, older, k))


def _db(root: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(root / DB_NAME, timeout=30, isolation_level=None))


# ---- SQLite only -------------------------------------------------------------------------------


def age_all(root: Path, seconds: float) -> None:
    """Make every entry of a SQLite store look unused for `seconds` more (their order stays)."""
    with _db(root) as db:
        db.execute("UPDATE Cache SET store_time = store_time - ?", (seconds,))


def sqlite_counts(root: Path) -> tuple[tuple, tuple]:
    """The totals a SQLite store keeps (diskcache's count; entries and bytes per stage), and the
    same totals counted from its rows: equal when the store is consistent."""
    with _db(root) as db:
        kept = (db.execute("SELECT value FROM Settings WHERE key = 'count'").fetchone()[0],
                db.execute("SELECT stage, entries, bytes FROM nordtrans_stages WHERE entries > 0 "
                           "ORDER BY stage").fetchall())  # fmt: skip
        rows = (db.execute("SELECT count(*) FROM Cache").fetchone()[0],
                db.execute("SELECT tag, count(*), sum(length(value)) FROM Cache GROUP BY tag "
                           "ORDER BY tag").fetchall())  # fmt: skip
    return kept, rows


def sqlite_schema(root: Path) -> list[tuple[str, str]]:
    """(name, SQL) of every table, index and trigger, and whether the database checks out."""
    with _db(root) as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def plant_rows(root: Path, *, mode: int, value: object, filename: str | None = None) -> int:
    """Rewrite every row of a SQLite store as someone with write access to the directory could:
    another storage mode, value and file name. Returns how many rows were rewritten."""
    with _db(root) as db:
        return db.execute("UPDATE Cache SET mode = ?, value = ?, filename = ?",
                          (mode, value, filename)).rowcount  # fmt: skip


def row_kinds(root: Path) -> set[tuple[int, str | None, str]]:
    """(mode, filename, type of value) of the rows of a SQLite store."""
    with _db(root) as db:
        return set(db.execute("SELECT mode, filename, typeof(value) FROM Cache").fetchall())
