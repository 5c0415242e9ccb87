"""Which store a cache location means, and the factory that opens it.

    /var/cache/nordtrans         the SQLite store (the default: one machine, capped, fast)
    sqlite:/var/cache/nordtrans  the same, said explicitly
    files:/shared/cache          the file-per-entry store (a filesystem several machines share)
    files:///shared/cache        the same, as a URL

Anything else of the form ``scheme://...`` is refused, so a typo or an unsupported store (s3://)
is an error rather than a directory of that name.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.cache.base import Cache, default_cache_dir
from pipeline.cache.files import FileCache
from pipeline.cache.sqlite import SqliteCache
from pipeline.config import CacheConfig

STORES = ("sqlite", "files")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(.*)$", re.DOTALL)  # 2+ letters: not C:\


def parse_location(location: str | Path) -> tuple[str, Path]:
    """(store, directory) of a cache location; ValueError for an unknown scheme.

    A Path is read like its text, so `NORDTRANS_CACHE_DIR=files:/shared` survives being
    turned into a Path on the way (``Path("files:///x")`` is ``files:/x``).
    """
    location = str(location)
    match = _SCHEME.match(location)
    if match is None:
        return "sqlite", Path(location).expanduser()
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in STORES:
        raise ValueError(
            f"unknown cache location {location!r}: use a directory, files:DIR (file-per-entry, "
            "for shared filesystems) or sqlite:DIR"
        )
    if rest.startswith("//"):  # URL form: files:///abs/path, files://~/path
        rest = rest[2:]
    if not rest:
        raise ValueError(f"cache location {location!r} names no directory")
    return scheme, Path(rest).expanduser()


def open_cache(
    location: str | Path | None, *, max_size: int | None = None, refresh: bool = False
) -> Cache:
    """The cache at `location` (None: caching off). Opening is lazy: nothing touches the disk
    until the first lookup, and a location that turns out unusable warns once, then steps aside.

    `max_size` (bytes, see `parse_size`) caps the SQLite store while it runs; None means
    `default_max_size`. The file store enforces it only through `prune`.
    """
    if location is None:
        return SqliteCache(None, refresh=refresh)
    store, root = parse_location(location)
    if store == "files":
        return FileCache(root, refresh=refresh, max_size=max_size)
    return SqliteCache(root, max_size=max_size, refresh=refresh)


def open_configured(
    cache_dir: str | Path | None,
    settings: CacheConfig,
    *,
    max_size: int | None = None,
    use_cache: bool = True,
    refresh: bool = False,
) -> Cache:
    """The cache a run uses: at `cache_dir`, else the profiles file's ``cache: dir``, else
    `default_cache_dir()`; capped at `max_size`, else ``cache: max_size``, else the default cap.
    With `use_cache` false, caching is off."""
    location = cache_dir or settings.dir or default_cache_dir()
    cap = max_size if max_size is not None else settings.max_bytes
    return open_cache(location if use_cache else None, max_size=cap, refresh=refresh)
