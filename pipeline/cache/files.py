"""The file-per-entry store: one JSON file per entry, for caches on shared filesystems.

Chosen with a ``files:`` location (see `pipeline.cache.location`). SQLite's locks are unreliable on
network filesystems (NFS, SMB, Lustre, ...), so a cache that several machines share (the Ray case)
uses this store, which takes no locks at all; on one machine the SQLite store is the default.

An entry lives at ``<root>/<stage>/<k[:2]>/<k>.json`` where ``k`` is the SHA-256 of the stage name,
stage version, model id, revision, generation settings and the stage's input (see `make_key`).
The file holds the key, the value and a checksum of the value, so a torn, truncated or corrupted
entry is detected on read and treated as a miss (with a warning), never as data.

Writes go to a unique temporary file in the entry's own directory, then `os.replace` it into place:
readers see the old entry or the whole new one, never a mix, even when many processes (or machines
on a shared filesystem whose locks are silently ineffective) write the same key at once. No locks
are taken at all; identical keys mean identical values, so the last writer winning is harmless.

A cache directory that cannot be written (read-only, full, missing permissions) degrades to "no
cache" with one warning; the run still answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.atomic_files import replace_file
from pipeline.cache.base import STAGE_NAME, CacheStats, CacheUsage, check_address

log = logging.getLogger("pipeline")


def _on_disk(stat: os.stat_result) -> int:
    """Bytes a file takes on disk (whole blocks: most of a small entry's cost)."""
    return stat.st_blocks * 512


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class FileCache:
    """Content-addressed JSON files. `root=None` disables caching (every get is a miss).

    `max_size` is not enforced while running (that would mean walking every file): it is what
    `usage` reports, and `prune(max_bytes=...)`, run from one machine, is how it is kept.
    """

    kind = "files"

    def __init__(
        self, root: str | Path | None, *, refresh: bool = False, max_size: int | None = None
    ) -> None:
        self.root = Path(root).expanduser() if root is not None else None
        self.refresh = refresh  # recompute and overwrite, never read
        self.max_size = max_size
        self._write_failed = False
        self._read_failed = False

    @property
    def enabled(self) -> bool:
        """Whether reads and writes go to disk at all."""
        return self.root is not None

    def _path(self, stage: str, key: str) -> Path:
        check_address(stage, key)  # so that nothing can steer a path outside the cache root
        assert self.root is not None
        return self.root / stage / key[:2] / f"{key}.json"

    def get(self, stage: str, key: str) -> Any | None:
        """The stored value, or None on a miss, a disabled cache, or a damaged entry."""
        if self.root is None or self.refresh or self._read_failed:
            return None
        path = self._path(stage, key)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError as exc:
            log.warning("cache entry %s is corrupted (%s); recomputing", path, exc)
            return None
        except OSError as exc:  # the directory itself is unusable: say so once, then stop trying
            if not (self._read_failed or self._write_failed):
                log.warning("cannot use cache %s (%s); continuing without caching", self.root, exc)
            self._read_failed = self._write_failed = True
            return None
        try:
            entry = json.loads(raw)
            payload = entry["value"]
            if entry["key"] != key or entry["sha256"] != _checksum(payload):
                raise ValueError("checksum mismatch")
            value = json.loads(payload)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("cache entry %s is corrupted (%s); recomputing", path, exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recency for `prune --max-size`
        return value

    def put(self, stage: str, key: str, value: Any) -> None:
        """Store `value` atomically. Failures disable writing for this cache, with one warning."""
        if self.root is None or self._write_failed:
            return
        path = self._path(stage, key)
        payload = json.dumps(value, ensure_ascii=False, sort_keys=True)
        entry = json.dumps({"key": key, "sha256": _checksum(payload), "value": payload})
        try:
            replace_file(path, [entry.encode("utf-8")])
        except OSError as exc:
            self._write_failed = True
            log.warning("cannot write to cache %s (%s); continuing without caching", self.root, exc)

    def get_many(self, stage: str, keys: Sequence[str]) -> list[Any | None]:
        """`get` for each key, in order."""
        return [self.get(stage, key) for key in keys]

    def put_many(self, stage: str, items: Iterable[tuple[str, Any]]) -> None:
        """`put` for each (key, value); nothing is written when an address is invalid."""
        items = list(items)
        for key, _ in items:
            check_address(stage, key)
        for key, value in items:
            self.put(stage, key, value)

    def usage(self) -> CacheUsage:
        """Entries and bytes of the whole cache (walks every file, like `info`)."""
        stats = self.info().values()
        return CacheUsage(
            kind=self.kind,
            location=f"files:{self.root}",
            entries=sum(s.entries for s in stats),
            disk_bytes=sum(s.bytes for s in stats),
            max_bytes=self.max_size,
        )

    def close(self) -> None:
        """Nothing to close: every call opens and closes its own files."""

    def info(self) -> dict[str, CacheStats]:
        """Entries and bytes on disk per stage directory."""
        stats: dict[str, CacheStats] = {}
        for path in self._entries():
            entry = stats.setdefault(path.parent.parent.name, CacheStats())
            entry.entries += 1
            entry.bytes += _on_disk(path.stat())
        return stats

    def clear(self) -> int:
        """Remove every entry; returns how many were removed."""
        count = sum(1 for _ in self._entries())
        if self.root is not None and self.root.exists():
            for child in self.root.iterdir():
                if child.is_dir() and STAGE_NAME.fullmatch(child.name):
                    shutil.rmtree(child, ignore_errors=True)
        return count

    def prune(self, *, older_than: float | None = None, max_bytes: int | None = None) -> int:
        """Remove entries unused for `older_than` seconds, then the least recently used ones
        until the cache takes at most `max_bytes` on disk. Returns how many were removed."""
        stats = ((p, p.stat()) for p in self._entries())
        files = sorted((st.st_mtime, _on_disk(st), p) for p, st in stats)
        now, removed, total = time.time(), 0, sum(size for _, size, _ in files)
        for mtime, size, path in files:
            too_old = older_than is not None and now - mtime > older_than
            too_big = max_bytes is not None and total > max_bytes
            if not (too_old or too_big):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed, total = removed + 1, total - size
        return removed

    def _entries(self) -> Iterator[Path]:
        if self.root is None or not self.root.exists():
            return
        for stage_dir in self.root.iterdir():
            if stage_dir.is_dir() and STAGE_NAME.fullmatch(stage_dir.name):
                for path in stage_dir.glob("??/*.json"):
                    if not path.name.startswith(".tmp-"):  # a writer's unfinished file
                        yield path
