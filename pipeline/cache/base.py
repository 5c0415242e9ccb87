"""What both stores share: keys, addresses, the default location and cap, the interface.

(`parse_size` lives in `pipeline.config`, which reads sizes from models.yaml; `pipeline.cache`
re-exports it.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline.config import MIN_MAX_SIZE

log = logging.getLogger("pipeline")

CACHE_ENV = "NORDTRANS_CACHE_DIR"
STAGE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
KEY = re.compile(r"^[0-9a-f]{64}$")

DEFAULT_MAX_SIZE = 5 * 10**9  # 5 GB: ~80 days of a 5,000-article-a-day job (see README)


def default_cache_dir() -> Path:
    """`$NORDTRANS_CACHE_DIR`, else the platform's user cache directory."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("nordtrans"))


def make_key(*parts: Any) -> str:
    """A stable SHA-256 hex key over JSON-serialisable parts (dict order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def check_address(stage: str, key: str) -> None:
    """Refuse anything but a stage name and a SHA-256 hex key (neither may steer a path)."""
    if not STAGE_NAME.fullmatch(stage) or not KEY.fullmatch(key):
        raise ValueError(f"invalid cache address {stage!r}/{key!r}")


def default_max_size(root: str | Path | None) -> int:
    """5 GB, or a tenth of the filesystem that holds `root` when that is smaller.

    The share is of the filesystem's total size, not its free space, so the cap does not shrink
    as the cache (or anything else) fills the disk: it is the same number every time.
    """
    probe = Path(root).expanduser() if root is not None else Path.cwd()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        fs = os.statvfs(probe)
    except OSError:
        return DEFAULT_MAX_SIZE
    share = fs.f_blocks * fs.f_frsize // 10
    return max(MIN_MAX_SIZE, min(DEFAULT_MAX_SIZE, share))


class DamageReport:
    """How a store tells of entries it cannot use (damaged, or not written by this project).

    Each is a miss, recomputed and written over; the first one a store meets gets a warning that
    names it and what repairs the cache, the others are logged at debug level, so a cache with
    many bad entries does not bury a run's output in warnings.
    """

    def __init__(self) -> None:
        self.count = 0

    def report(self, entry: str, reason: object) -> None:
        """Tell of one unusable entry (`entry` names the cache and the entry)."""
        self.count += 1
        if self.count == 1:
            log.warning("cache entry %s is corrupted or not one nordtrans wrote (%s); recomputing "
                        "it and any other such entry (`nordtrans cache clear` repairs the cache)",
                        entry, reason)  # fmt: skip
        else:
            log.debug("cache entry %s is corrupted (%s); recomputing", entry, reason)


@dataclass
class CacheStats:
    """Entries and bytes of one stage (what `info` reports per stage).

    `temporary` counts the file store's unfinished temporary files (a writer's, or one left by a
    writer killed mid-write), which `temporary_bytes` take on disk; the SQLite store has none.
    """

    entries: int = 0
    bytes: int = 0
    temporary: int = 0
    temporary_bytes: int = 0


@dataclass
class CacheUsage:
    """A whole cache at a glance: what `usage` reports."""

    kind: str
    location: str
    entries: int
    disk_bytes: int  # what the cache occupies on disk
    max_bytes: int | None  # the cap enforced while running (None: only `prune` enforces one)


class Cache(Protocol):
    """What the pipeline needs from a store. `root is None` means caching is off."""

    kind: str
    root: Path | None
    refresh: bool

    @property
    def enabled(self) -> bool: ...
    def get(self, stage: str, key: str) -> Any | None: ...
    def get_many(self, stage: str, keys: Sequence[str]) -> list[Any | None]: ...
    def put(self, stage: str, key: str, value: Any) -> None: ...
    def put_many(self, stage: str, items: Iterable[tuple[str, Any]]) -> None: ...
    def info(self) -> dict[str, CacheStats]: ...
    def usage(self) -> CacheUsage: ...
    def close(self) -> None: ...
    def clear(self) -> int: ...
    def prune(self, *, older_than: float | None = None, max_bytes: int | None = None) -> int: ...
