"""Rendering a `Result` for people: plain text and Markdown (JSON is `Result.to_dict`)."""

from __future__ import annotations

import json

from pipeline.language.codes import language_name
from pipeline.result import Result

FORMATS = ("text", "json", "markdown")


def render(result: Result, fmt: str) -> str:
    """`result` as `fmt` (text, json or markdown)."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return _markdown(result)
    return _text(result)


def _language(result: Result) -> str:
    code = result.language.code
    return f"{language_name(code)} ({code}, confidence {result.language.confidence:.2f})"


def _checks(result: Result) -> list[str]:
    return [f"- [{c['stage']}] {c['message']}" for c in result.checks]


def _text(result: Result) -> str:
    lines = [f"{key}: {value}" for key, value in result.metadata.items()]
    lines.append(f"language: {_language(result)}")
    if result.summary is not None:
        lines += ["", "SUMMARY", result.summary]
    if result.checks:
        lines += ["", "CHECKS", *_checks(result)]
    if result.translation is not None:
        lines += ["", "TRANSLATION", result.translation]
    return "\n".join(lines)


def _markdown(result: Result) -> str:
    title = result.metadata.get("title", "Article")
    lines = [f"# {title}", ""]
    if "date" in result.metadata:
        lines.append(f"*Date:* {result.metadata['date']}  ")
    lines += [f"*Language:* {_language(result)}", ""]
    if result.summary is not None:
        lines += ["## Summary", "", result.summary, ""]
    if "translate" in result.stages:
        lines += ["## Checks", ""]
        lines += _checks(result) or ["No numbers or names went missing."]
        lines.append("")
    if result.translation is not None:
        paragraphs = [p.strip() for p in result.translation.split("\n") if p.strip()]
        lines += ["## Translation", "", "\n\n".join(paragraphs), ""]
    return "\n".join(lines)
