"""A `check` report (`pipeline.jobs.check.CheckReport`) for people: the verdict and the checks as
text or Markdown, the JSON of `check --format json`, or the review page of a given translation.

The report is read through `CheckedTranslation` (render sits beside jobs, not above it). For
the review page it becomes a `Result` whose only stage is "check", which is how the page knows
to claim no machine translation, no model and no summary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from pipeline.language.codes import Language, language_name
from pipeline.render.plain import check_facts, check_lines, counted, markdown_head, text_head
from pipeline.render.spans import Aligned
from pipeline.results import Result

ALL_CLEAR = "No figure or name went missing or changed."


class CheckedTranslation(Protocol):
    """What the renderers read of a `CheckReport`."""

    @property
    def language(self) -> Language: ...
    @property
    def aligned(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def pairs(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def warnings(self) -> int: ...
    @property
    def checks(self) -> list[dict[str, Any]]: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def source(self) -> str: ...
    @property
    def translation(self) -> str: ...
    @property
    def alignment(self) -> Sequence[Aligned]: ...

    def to_dict(self) -> dict[str, Any]: ...


def render_check(report: CheckedTranslation, fmt: str) -> str:
    """`report` as `fmt` (text, json, markdown or html)."""
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    result = as_result(report)
    if fmt == "text":
        lines = text_head(result, _facts(report, result))
        return "\n".join([*lines, "", "CHECKS", *(check_lines(result) or [ALL_CLEAR])])
    if fmt == "markdown":
        fallback = f"Check: {language_name(report.language.code)} → English"
        lines = markdown_head(result, fallback, _facts(report, result))
        return "\n".join([*lines, "## Checks", "", *(check_lines(result) or [ALL_CLEAR]), ""])
    if fmt == "html":
        from pipeline.render.review_page import review_page

        return review_page(result)
    raise ValueError(f"unknown format {fmt!r} (formats: text, json, markdown, html)")


def as_result(report: CheckedTranslation) -> Result:
    """The `Result` the review page reads: the texts, their alignment, the checks, and a
    "check" stage saying how they were paired."""
    stage = {"aligned": report.aligned, report.aligned: report.units, "pairs": report.pairs}
    return Result(
        language=report.language,
        translation=report.translation,
        metadata=dict(report.metadata),
        stages={"check": stage},
        checks=list(report.checks),
        source=report.source,
        alignment=list(report.alignment),
    )


def _facts(report: CheckedTranslation, result: Result) -> list[tuple[str, str]]:
    """How the texts were paired, and the verdict in counts."""
    verdict = f"{counted(report.errors, 'error')}, {counted(report.warnings, 'warning')}"
    return [*check_facts(result), ("checks", verdict)]
