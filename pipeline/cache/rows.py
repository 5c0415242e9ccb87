"""What the SQLite store lets diskcache read and write of a row: raw bytes, nothing else.

diskcache turns each row into a value through its `Disk` class, by the row's storage mode: raw
(an int, a float, text or bytes held in the row), binary or text (a file named by the row, read
from disk), or pickle (unpickled, from the row or from a file). A cache directory is often shared,
so anyone who can write to it can write rows; unpickling one of them would run their code as
whoever reads the cache next, and a row naming a file would make us read (and, when the row is
replaced or evicted, delete) any file on the machine.

`BytesDisk` is the `Disk` this project opens its stores with. It is the one place where diskcache
converts keys and values (every `pickle.load` and every file access of diskcache's own is in
`Disk`), and it allows only what the store writes: keys and values of bytes, kept in the row.
Any other row is refused with a `ForeignRow` error, which the store treats as a damaged entry:
a miss, a warning, and a fresh value written over it. Such a row's file is never opened or
removed, and nothing is ever unpickled.

Importing this module imports diskcache; the store does it when it first opens a cache.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_PICKLE, MODE_RAW, MODE_TEXT

_MODES = {MODE_BINARY: "a file's bytes", MODE_TEXT: "a file's text", MODE_PICKLE: "a pickle"}


class ForeignRow(ValueError):
    """A row the store did not write (another storage mode, type or a file); never read."""


class BytesDisk(diskcache.Disk):
    """A `diskcache.Disk` that stores and returns bytes held in the row, and refuses the rest."""

    def __init__(self, directory: str, **settings: Any) -> None:
        # The database's Settings table passes every `disk_*` row it holds as a keyword: one
        # written by someone else must not stop the store from opening.
        known = {k: settings[k] for k in ("min_file_size", "pickle_protocol") if k in settings}
        super().__init__(directory, **known)

    def put(self, key: Any) -> tuple[Any, bool]:
        """The database form of a key: bytes only (the store's keys always are)."""
        if type(key) is not bytes:
            raise TypeError(f"cache keys are bytes, not {type(key).__name__}")
        return sqlite3.Binary(key), True

    def get(self, key: Any, raw: bool) -> bytes:
        """A key read back from a row (diskcache's iteration and eviction): bytes only."""
        if not raw or type(key) is not bytes:
            raise ForeignRow("a key that is not raw bytes")
        return key

    def store(self, value: Any, read: bool, key: Any = None) -> tuple[int, int, None, Any]:
        """(size, mode, filename, value) of a value: bytes, always inside the row."""
        if read or type(value) is not bytes:
            raise TypeError(f"cache values are bytes, not {type(value).__name__}")
        return 0, MODE_RAW, None, sqlite3.Binary(value)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> bytes:
        """The bytes of a row the store wrote; `ForeignRow` for any other row (never opened)."""
        if mode == MODE_RAW and filename is None and type(value) is bytes and not read:
            return value
        if filename is not None:
            raise ForeignRow(f"stored as {_MODES.get(mode, f'mode {mode}')} in file {filename!r}")
        if mode != MODE_RAW:
            raise ForeignRow(f"stored as {_MODES.get(mode, f'mode {mode}')}")
        raise ForeignRow(f"holds {type(value).__name__}, not bytes")

    def remove(self, file_path: str) -> None:
        """Delete nothing: the store keeps no files, so a row naming one was not ours, and the
        file it names (anywhere on the machine) is not ours to delete."""
