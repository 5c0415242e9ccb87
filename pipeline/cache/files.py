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

A writer killed mid-write leaves its temporary file (``.tmp-<key>.json-*``) behind: never read as
an entry, counted by `info` (with a warning for those older than `TEMP_MAX_AGE`), and removed by
`prune` once older than that (a live writer's is milliseconds old).

What is read is data only: an entry file must be a regular file holding the JSON object `put`
writes (key, checksum, value), or it is a miss with a warning. A symbolic link, a directory, a
FIFO or a device at an entry's path is never followed or read from.

A cache directory that cannot be written (read-only, full, missing permissions) degrades to "no
cache" with one warning; the run still answers.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.atomic_files import replace_file
from pipeline.cache.base import STAGE_NAME, CacheStats, CacheUsage, DamageReport, check_address

log = logging.getLogger("pipeline")

TEMP_PREFIX = ".tmp-"  # `replace_file`'s temporary files, beside the entry they will become
TEMP_MAX_AGE = 3600.0  # seconds: a temporary file this old belongs to a writer that is gone
# Opening an entry never follows a symbolic link nor waits on a FIFO (the check after the open
# refuses both); O_NOFOLLOW and O_NONBLOCK are POSIX, 0 where they do not exist.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


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
        self._damage = DamageReport()
        self._temp_warned = False

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
            raw = _read_entry(path)
        except FileNotFoundError:
            return None
        except (_NotAnEntry, UnicodeDecodeError) as exc:
            self._damage.report(str(path), exc)
            return None
        except OSError as exc:  # the directory itself is unusable: say so once, then stop trying
            if not (self._read_failed or self._write_failed):
                log.warning("cannot use cache %s (%s); continuing without caching", self.root, exc)
            self._read_failed = self._write_failed = True
            return None
        try:
            value = _parse_entry(raw, key)
        except (ValueError, RecursionError) as exc:
            self._damage.report(str(path), exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path, follow_symlinks=False)  # recency for `prune --max-size`
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
        """Entries and bytes of the whole cache, temporary files included (walks every file)."""
        stats = self._scan()[0].values()
        return CacheUsage(
            kind=self.kind,
            location=f"files:{self.root}",
            entries=sum(s.entries for s in stats),
            disk_bytes=sum(s.bytes + s.temporary_bytes for s in stats),
            max_bytes=self.max_size,
        )

    def close(self) -> None:
        """Nothing to close: every call opens and closes its own files."""

    def info(self) -> dict[str, CacheStats]:
        """Entries, temporary files and bytes on disk per stage directory; one warning when
        temporary files older than `TEMP_MAX_AGE` are left (writers killed mid-write)."""
        stats, stale = self._scan()
        if stale and not self._temp_warned:
            self._temp_warned = True
            log.warning("cache files:%s holds %d temporary file(s) older than an hour, left by "
                        "writers stopped mid-write; `nordtrans cache prune` removes them",
                        self.root, stale)  # fmt: skip
        return stats

    def clear(self) -> int:
        """Remove every entry (and temporary file); returns how many entries were removed."""
        count = sum(1 for _, temporary in self._files() if not temporary)
        if self.root is not None and self.root.exists():
            for child in self.root.iterdir():
                if child.is_dir() and STAGE_NAME.fullmatch(child.name):
                    shutil.rmtree(child, ignore_errors=True)
        return count

    def prune(self, *, older_than: float | None = None, max_bytes: int | None = None) -> int:
        """Remove temporary files older than `TEMP_MAX_AGE`, entries unused for `older_than`
        seconds, then the least recently used entries until the cache takes at most `max_bytes`
        on disk. Returns how many entries were removed (temporary files are not entries)."""
        now, files, total = time.time(), [], 0
        for path, temporary, st in self._stats():
            if temporary and now - st.st_mtime > TEMP_MAX_AGE:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:  # a live writer's temporary file counts towards the size, but stays
                total += _on_disk(st)
                if not temporary:
                    files.append((st.st_mtime, _on_disk(st), path))
        removed = 0
        for mtime, size, path in sorted(files):
            too_old = older_than is not None and now - mtime > older_than
            too_big = max_bytes is not None and total > max_bytes
            if not (too_old or too_big):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed, total = removed + 1, total - size
        return removed

    def _scan(self) -> tuple[dict[str, CacheStats], int]:
        """Per-stage counts and bytes, and how many temporary files are older than an hour."""
        stats: dict[str, CacheStats] = {}
        stale, now = 0, time.time()
        for path, temporary, st in self._stats():
            entry = stats.setdefault(path.parent.parent.name, CacheStats())
            if temporary:
                entry.temporary += 1
                entry.temporary_bytes += _on_disk(st)
                stale += now - st.st_mtime > TEMP_MAX_AGE
            else:
                entry.entries += 1
                entry.bytes += _on_disk(st)
        return stats, stale

    def _stats(self) -> Iterator[tuple[Path, bool, os.stat_result]]:
        """`_files` with each file's status; files that vanish meanwhile (renamed into place,
        pruned by another process) are left out."""
        for path, temporary in self._files():
            with contextlib.suppress(FileNotFoundError):
                yield path, temporary, path.stat(follow_symlinks=False)

    def _files(self) -> Iterator[tuple[Path, bool]]:
        """(path, whether it is a writer's temporary file) of every file of the layout."""
        if self.root is None or not self.root.exists():
            return
        for stage_dir in self.root.iterdir():
            if stage_dir.is_dir() and STAGE_NAME.fullmatch(stage_dir.name):
                for path in stage_dir.glob("??/*"):
                    if path.name.startswith(TEMP_PREFIX):
                        yield path, True
                    elif path.suffix == ".json":
                        yield path, False


class _NotAnEntry(ValueError):
    """What is at an entry's path is not a regular file."""


def _read_entry(path: Path) -> str:
    """The text of the regular file at `path` (`_NotAnEntry` for anything else)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except IsADirectoryError as exc:
        raise _NotAnEntry("a directory") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise _NotAnEntry("a symbolic link") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotAnEntry("not a regular file")
        return handle.read().decode("utf-8")


def _parse_entry(raw: str, key: str) -> Any:
    """The value of an entry file's text, checked to be what `put` wrote for `key`."""
    entry = json.loads(raw)
    if not isinstance(entry, dict):
        raise ValueError(f"a JSON {type(entry).__name__}, not an entry")
    payload, digest = entry.get("value"), entry.get("sha256")
    if not (isinstance(payload, str) and isinstance(digest, str)):
        raise ValueError("no value or checksum")
    if entry.get("key") != key or digest != _checksum(payload):
        raise ValueError("checksum mismatch")
    return json.loads(payload)
