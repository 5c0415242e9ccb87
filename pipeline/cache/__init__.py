"""The on-disk cache every stage goes through.

Two stores with the same keys and guarantees: `SqliteCache` (the default, one SQLite database per
directory, size-capped) and `FileCache` (one JSON file per entry, for shared filesystems).
`open_cache` picks one from a location string (see `pipeline.cache.location`).
"""

from pipeline.cache.base import (
    DEFAULT_MAX_SIZE,
    Cache,
    CacheStats,
    CacheUsage,
    default_cache_dir,
    default_max_size,
    make_key,
)
from pipeline.cache.files import FileCache
from pipeline.cache.location import open_cache, open_configured, parse_location
from pipeline.cache.sqlite import SqliteCache
from pipeline.config import parse_size  # sizes are read from models.yaml

DiskCache = FileCache  # the name the file store had before there were two stores

__all__ = [
    "DEFAULT_MAX_SIZE",
    "Cache",
    "CacheStats",
    "CacheUsage",
    "DiskCache",
    "FileCache",
    "SqliteCache",
    "default_cache_dir",
    "default_max_size",
    "make_key",
    "open_cache",
    "open_configured",
    "parse_location",
    "parse_size",
]
