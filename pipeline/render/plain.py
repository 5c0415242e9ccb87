"""A `Result` as plain text or Markdown, in the order a reader wants it: headline, summary,
translation, then the checks."""

from __future__ import annotations

from collections.abc import Sequence

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


def counted(n: int, noun: str) -> str:
    """ "1 error", "2 errors", "1,012 sentence pairs"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def check_facts(result: Result) -> list[tuple[str, str]]:
    """For the result of `check` (its "check" stage): where the translation came from and how
    it was paired with its source. Nothing for a run."""
    stage = result.stages.get("check")
    if stage is None:
        return []
    by = str(stage["aligned"])
    paired = f"by {by}: {counted(stage[by], by[:-1])}, {counted(stage['pairs'], 'sentence pair')}"
    return [("translation", "given, not made by nordtrans"), ("aligned", paired)]


def _metadata(result: Result) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in result.metadata.items() if k not in _NOT_LISTED]


def text_head(result: Result, facts: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The top of the plain text: headline, metadata, language, then `facts` (name, value)."""
    lines = []
    if "title" in result.metadata:
        lines += [str(result.metadata["title"]), ""]
    rows = [*_metadata(result), ("language", language_line(result)), *facts]
    return lines + [f"{key}: {value}" for key, value in rows]


def text(result: Result) -> str:
    """Plain text: headline, metadata, language, summary, translation, checks."""
    lines = text_head(result)
    if result.summary is not None:
        lines += ["", "SUMMARY", result.summary]
    if result.translation is not None:
        lines += ["", "TRANSLATION", result.translation]
    if result.checks:
        lines += ["", "CHECKS", *check_lines(result)]
    return "\n".join(lines)


def markdown_head(
    result: Result, fallback: str = "Article", facts: Sequence[tuple[str, str]] = ()
) -> list[str]:
    """The top of the Markdown: the headline (else `fallback`) as H1, metadata, language, then
    `facts` (name, value), and a blank line."""
    lines = [f"# {result.metadata.get('title', fallback)}", ""]
    if "title_original" in result.metadata:
        lines.append(f"*Original headline:* {result.metadata['title_original']}  ")
    rows = [*_metadata(result), ("language", language_line(result)), *facts]
    lines += [f"*{key.capitalize()}:* {value}  " for key, value in rows]
    lines[-1] = lines[-1].rstrip()  # a hard line break only between lines
    return [*lines, ""]


def markdown(result: Result) -> str:
    """Markdown: the (English) headline as H1, then summary, translation and checks."""
    lines = markdown_head(result)
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
