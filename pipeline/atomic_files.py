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


def replace_file(path: Path, chunks: Iterable[bytes], *, durable: bool = False) -> None:
    """Replace `path` by the bytes of `chunks`, through a unique temporary file beside it.

    `durable` fsyncs the data before the rename, so that a crash of the machine (not only of the
    process) leaves the old file or the whole new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    left: str | None = tmp  # removed on failure
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        left = None
    finally:
        if left is not None:
            with contextlib.suppress(OSError):
                os.unlink(left)


def _discard(path: Path) -> None:
    """Rename `path` out of the way (atomic), then delete it."""
    aside = Path(tempfile.mkdtemp(prefix=f".stale-{path.name}-", dir=path.parent))
    with contextlib.suppress(OSError):  # someone else moved it already
        os.rename(path, aside / "old")
    shutil.rmtree(aside, ignore_errors=True)
