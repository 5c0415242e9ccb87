"""Writing files and directories so that readers see the old version or the whole new one.

Built models, CTranslate2 conversions and cache entries are all made in a temporary place beside
their target and renamed into it: a crash, a kill or a concurrent writer never leaves a half-made
target behind, and no locks are needed (they are silently ineffective on some network
filesystems). Identical inputs make identical outputs here, so when two writers race, either
result is right.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def build_dir(
    target: Path, build: Callable[[Path], None], complete: Callable[[Path], bool]
) -> Path:
    """`target`, made by `build(work_dir)` in a temporary directory renamed into place.

    `complete(path)` says whether a directory is finished; a finished `target` is returned as it
    is. If another process renames its build in first, that one is used; an unfinished leftover
    at `target` (from a crash before this scheme, or a copy) is moved aside and replaced.
    """
    if complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    try:
        build(work)
        for attempt in range(2):
            try:
                os.rename(work, target)
                return target
            except OSError:
                if complete(target):  # another process won the race: use its result
                    return target
                if attempt or not target.exists():
                    raise
                _discard(target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_file(path: Path, data: str) -> None:
    """Write `data` (UTF-8) to `path` through a unique temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_lines(path: Path, lines: Iterable[bytes]) -> None:
    """Replace `path` by `lines` (each without its newline), fsynced before the rename, so that
    a crash leaves the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for line in lines:
                handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _discard(path: Path) -> None:
    """Rename `path` out of the way (atomic), then delete it."""
    aside = Path(tempfile.mkdtemp(prefix=f".stale-{path.name}-", dir=path.parent))
    with contextlib.suppress(OSError):  # someone else moved it already
        os.rename(path, aside / "old")
    shutil.rmtree(aside, ignore_errors=True)
