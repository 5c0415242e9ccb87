"""The on-disk cache every stage goes through (see `files` for the store and its guarantees)."""

from .files import CacheStats, DiskCache, default_cache_dir, make_key

__all__ = ["CacheStats", "DiskCache", "default_cache_dir", "make_key"]
