"""How the SQLite store keeps an entry: its database key and the bytes of its value.

A key is ``<stage>:`` and the 32 raw bytes of the SHA-256 (not its 64 hex characters: on the
sentence memory's 100-byte values the key would be most of the cost). A value is

    format (1 byte: j = JSON, z = zlib-compressed JSON)
    stamp (4 bytes, big-endian seconds: when it was stored or last refreshed)
    CRC-32 (4 bytes, over key, stamp and JSON)
    body

so a torn, bit-rotten or misplaced value fails its checksum, decompression or parsing and is
treated as a miss, never as data. The stamp lets a hit tell how stale an entry's recency is.
(The checksum finds damage, not intent: anyone who can write the database can store valid JSON
of their own. It is only ever parsed as JSON; rows of any other kind never get here, see
`pipeline.cache.rows`.)
"""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from pipeline.cache.base import check_address

COMPRESS_FROM = 128  # shorter JSON rarely shrinks under zlib's 6 bytes of framing
_PLAIN, _ZLIB = b"j", b"z"


def encode(db_key: bytes, value: Any, now: float | None = None) -> bytes:
    """The stored form of a value: a format byte, when it was stored (u32 seconds), a CRC-32 of
    key, time and JSON, then the JSON (zlib-compressed when that is smaller)."""
    payload = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    stamp = int(time.time() if now is None else now).to_bytes(4, "big")
    crc = zlib.crc32(payload, zlib.crc32(stamp, zlib.crc32(db_key))).to_bytes(4, "big")
    if len(payload) >= COMPRESS_FROM:
        packed = zlib.compress(payload)
        if len(packed) < len(payload):
            return _ZLIB + stamp + crc + packed
    return _PLAIN + stamp + crc + payload


def decode(db_key: bytes, blob: bytes) -> tuple[Any, int]:
    """(value, when it was stored) of a blob; ValueError (or zlib.error) when it is damaged."""
    kind, stamp, crc, body = blob[:1], blob[1:5], blob[5:9], blob[9:]
    if kind == _ZLIB:
        payload = zlib.decompress(body)
    elif kind == _PLAIN:
        payload = body
    else:
        raise ValueError(f"unknown format {kind!r}")
    if zlib.crc32(payload, zlib.crc32(stamp, zlib.crc32(db_key))).to_bytes(4, "big") != crc:
        raise ValueError("checksum mismatch")
    try:
        value = json.loads(payload)
    except RecursionError:  # nested deeper than any value we store: someone else's JSON
        raise ValueError("JSON nested too deeply") from None
    return value, int.from_bytes(stamp, "big")


def db_key(stage: str, key: str) -> bytes:
    """The database key of an address (validated: stage name and SHA-256 hex)."""
    check_address(stage, key)
    return stage.encode("ascii") + b":" + bytes.fromhex(key)
