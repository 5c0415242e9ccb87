"""Records: the one way an input item (a text, or {"id", "text", "metadata"}) becomes an article.

`Pipeline.run_many`, `batch` (JSONL lines and folders of .txt) and the Ray processor all hand
their items to `parse_record`, so an id, a text or a metadata cell means the same everywhere.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.errors import InputError
from pipeline.text.article import Article, parse_article


def record_id(item: Any, fallback: str) -> str:
    """The item's id as a string, or `fallback` when it has none."""
    if isinstance(item, dict):
        rid = _plain(item.get("id"))
        if rid is not None and str(rid):
            return str(rid)
    return fallback


def parse_record(item: Any, *, max_chars: int) -> Article:
    """The article of a text or a record; the record's metadata adds to the header's.

    Raises `InputError` for anything that is not a usable article: no text, a text that is not
    a string, metadata that is not an object (a dict, or a JSON object in a string).
    """
    if isinstance(item, str):
        return parse_article(item, max_chars=max_chars)
    if not isinstance(item, dict):
        raise InputError(f"expected a text or a record, got {type(item).__name__}")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("no text: the record has no non-empty 'text'")
    article = parse_article(str(text), max_chars=max_chars)  # str(): numpy's str_ too
    extra = _metadata(item.get("metadata"))
    return Article(article.body, {**article.metadata, **extra})


def _metadata(value: Any) -> dict[str, Any]:
    """A record's metadata cell: a dict, a JSON object in a string, or nothing (None, NaN, "")."""
    if value is None or (isinstance(value, float) and value != value):  # pandas' NaN
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError("'metadata' must be an object (or a JSON object)") from None
    if not isinstance(value, dict):
        raise InputError("'metadata' must be an object")
    # Arrow struct columns fill absent keys with None: drop them.
    return {str(k): _plain(v) for k, v in value.items() if v is not None}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (ids stay ints or strings)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value
