"""A `Result` as plain text or Markdown, in the order a reader wants it: headline, summary,
translation, then the checks."""

from __future__ import annotations

from pipeline.language.codes import language_name
from pipeline.results import Result

# Shown on their own (the headline) or not at all (the original headline is in the JSON).
_NOT_LISTED = ("title", "title_original")


def language_line(result: Result) -> str:
    """ "Norwegian Bokmål (nb, confidence 0.99)", or "(nb, given, not detected)" when forced."""
    code = result.language.code
    how = (
        "given, not detected"
        if result.language.forced
        else (f"confidence {result.language.confidence:.2f}")
    )
    return f"{language_name(code)} ({code}, {how})"


def check_lines(result: Result) -> list[str]:
    """One line per check, the serious ones first (the stages sort them)."""
    return [f"- {c.get('severity', 'warning')}: {c['message']}" for c in result.checks]


def _metadata(result: Result) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in result.metadata.items() if k not in _NOT_LISTED]


def text(result: Result) -> str:
    """Plain text: headline, metadata, language, summary, translation, checks."""
    lines = []
    if "title" in result.metadata:
        lines += [str(result.metadata["title"]), ""]
    lines += [f"{key}: {value}" for key, value in _metadata(result)]
    lines.append(f"language: {language_line(result)}")
    if result.summary is not None:
        lines += ["", "SUMMARY", result.summary]
    if result.translation is not None:
        lines += ["", "TRANSLATION", result.translation]
    if result.checks:
        lines += ["", "CHECKS", *check_lines(result)]
    return "\n".join(lines)


def markdown(result: Result) -> str:
    """Markdown: the (English) headline as H1, then summary, translation and checks."""
    lines = [f"# {result.metadata.get('title', 'Article')}", ""]
    if "title_original" in result.metadata:
        lines.append(f"*Original headline:* {result.metadata['title_original']}  ")
    lines += [f"*{key.capitalize()}:* {value}  " for key, value in _metadata(result)]
    lines += [f"*Language:* {language_line(result)}", ""]
    if result.summary is not None:
        lines += ["## Summary", "", result.summary, ""]
    if result.translation is not None:
        paragraphs = [p.strip() for p in result.translation.split("\n") if p.strip()]
        lines += ["## Translation", "", "\n\n".join(paragraphs), ""]
    if "translate" in result.stages:
        lines += ["## Checks", ""]
        lines += check_lines(result) or ["No figures or names went missing."]
        lines.append("")
    return "\n".join(lines)
