"""Rendering a `Result` for people: plain text, Markdown, JSON, and the HTML review page; and
the report of `check` (`render_check`) in the same formats."""

from __future__ import annotations

import json

from pipeline.render.check_report import render_check
from pipeline.render.plain import markdown, text
from pipeline.results import Result

FORMATS = ("text", "json", "markdown", "html")
__all__ = ["FORMATS", "render", "render_check"]


def render(result: Result, fmt: str) -> str:
    """`result` as `fmt` (text, json, markdown or html)."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return markdown(result)
    if fmt == "text":
        return text(result)
    if fmt == "html":
        from pipeline.render.review_page import review_page  # ~15 ms the other formats skip

        return review_page(result)
    raise ValueError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
