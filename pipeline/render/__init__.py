"""Rendering a `Result` for people: plain text, Markdown, JSON (the review page comes later)."""

from __future__ import annotations

import json

from pipeline.render.plain import markdown, text
from pipeline.results import Result

FORMATS = ("text", "json", "markdown")


def render(result: Result, fmt: str) -> str:
    """`result` as `fmt` (text, json or markdown)."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return markdown(result)
    if fmt == "text":
        return text(result)
    raise ValueError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
