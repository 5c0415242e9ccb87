"""The stage cache: atomic, content-addressed, and calm when the disk misbehaves."""

from __future__ import annotations

import logging
import os

import pytest

from pipeline.cache import DiskCache, make_key


@pytest.fixture
def cache(tmp_path):
    return DiskCache(tmp_path / "c")


def entry_path(cache, stage, key):
    return cache.root / stage / key[:2] / f"{key}.json"


def test_roundtrip_and_key_is_order_independent(cache):
    key = make_key("translate", "1", {"a": 1, "b": 2}, "tekst")
    assert key == make_key("translate", "1", {"b": 2, "a": 1}, "tekst")
    assert key != make_key("translate", "2", {"a": 1, "b": 2}, "tekst")
    cache.put("translate", key, {"translation": "text"})
    assert cache.get("translate", key) == {"translation": "text"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: raw.replace("text", "txet"),  # bit rot inside the value
        lambda raw: "\x00\x01garbage",
        lambda raw: "",
    ],
)
def test_damaged_entry_is_a_miss_with_a_warning(cache, caplog, damage):
    key = make_key("x")
    cache.put("translate", key, {"translation": "text"})
    path = entry_path(cache, "translate", key)
    path.write_text(damage(path.read_text()))
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert cache.get("translate", key) is None
    assert "recomputing" in caplog.text
    cache.put("translate", key, {"translation": "text"})  # recomputed value replaces it
    assert cache.get("translate", key) == {"translation": "text"}


def test_read_only_cache_warns_once_and_goes_on(tmp_path, caplog, monkeypatch):
    root = tmp_path / "ro"
    root.mkdir()
    os.chmod(root, 0o500)

    def read_only(*args, **kwargs):  # what a read-only mount says, even to root
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("pipeline.cache.files.tempfile.mkstemp", read_only)
    cache = DiskCache(root)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        for i in range(3):
            cache.put("translate", make_key(i), {"v": i})
            assert cache.get("translate", make_key(i)) is None
    assert caplog.text.count("cannot write to cache") == 1


def test_full_disk_warns_once(cache, caplog, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.cache.files.tempfile.mkstemp", full)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        cache.put("translate", make_key(1), {"v": 1})
        cache.put("translate", make_key(2), {"v": 2})
    assert caplog.text.count("No space left") == 1
    assert cache.get("translate", make_key(1)) is None


def test_addresses_cannot_leave_the_cache(cache):
    with pytest.raises(ValueError):
        cache.put("../../etc", make_key(1), {})
    with pytest.raises(ValueError):
        cache.get("translate", "../../../etc/passwd")


def test_info_clear_prune(cache):
    for i in range(5):
        cache.put("translate", make_key(i), {"v": "x" * 100})
    cache.put("summarise", make_key("s"), {"v": 1})
    stats = cache.info()
    assert stats["translate"].entries == 5 and stats["summarise"].entries == 1
    old = entry_path(cache, "translate", make_key(0))
    os.utime(old, (1, 1))
    assert cache.prune(older_than=86400) == 1
    assert cache.get("translate", make_key(0)) is None
    assert cache.prune(max_bytes=0) == 5
    assert cache.info() == {}
    cache.put("translate", make_key(9), {"v": 9})
    assert cache.clear() == 1


def test_unfinished_temp_files_are_never_read(cache):
    key = make_key("k")
    path = entry_path(cache, "translate", key)
    path.parent.mkdir(parents=True)
    (path.parent / ".tmp-abc.json").write_text('{"key": "half')  # a writer killed mid-write
    assert cache.get("translate", key) is None
    assert cache.info() == {}
