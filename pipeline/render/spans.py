"""Where the review page's marks go: each check's spans placed in the body, the translation and
the summary, and text escaped and marked up with them.

A translate check's offsets are relative to its sentence pair (`source`, `target`); the pair's
place in the body and the translation is the alignment entry `sentence` names. A summarise
check names its summary sentence by text, and a rescaled figure's real value by the translation
sentence that holds it; those are found by their text. A span that is not where its sentence
says is left unmarked rather than marked in the wrong place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from pipeline.results import Result


class Aligned(Protocol):
    """A sentence pair's place in the body and the translation (`stages.translate.Aligned`)."""

    @property
    def paragraph(self) -> int: ...
    @property
    def source(self) -> tuple[int, int]: ...
    @property
    def target(self) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Span:
    """An element to wrap around text[start:end]; at the same start, lower `rank` opens first."""

    start: int
    end: int
    open: str
    close: str
    rank: int = 1  # 0: a sentence, 1: a mark
    severity: str | None = None  # of a mark's check


@dataclass
class Texts:
    """The three texts of the page and the elements (sentences, marks) to wrap into them."""

    body: str
    translation: str
    summary: str
    spans: dict[str, list[Span]]  # "body", "translation", "summary"
    links: dict[int, str]  # check number → the anchor of its sentence


def place_checks(result: Result, checks: list[tuple[int, dict]]) -> Texts:
    """The page's texts, their sentence wrappers, and a mark for every span a check has."""
    body, translation = result.source or "", result.translation or ""
    spans: dict[str, list[Span]] = {"body": [], "translation": [], "summary": []}
    texts = Texts(body, translation, result.summary or "", spans, {})
    alignment = result.alignment if body and translation else []
    for i, a in enumerate(alignment):
        texts.spans["body"].append(_sentence(a.source, f"s{i}", i))
        texts.spans["translation"].append(_sentence(a.target, f"t{i}", i))
    for n, check in checks:
        if check.get("stage") == "summarise":
            _place_summary_check(texts, n, check)
        else:
            _place_translation_check(texts, alignment, n, check)
    return texts


def _place_translation_check(
    texts: Texts, alignment: Sequence[Aligned], n: int, check: dict[str, Any]
) -> None:
    """Marks in both columns; the link goes to the sentence pair."""
    mark, i = _mark(n, check), check.get("sentence")
    pair = alignment[i] if isinstance(i, int) and 0 <= i < len(alignment) else None
    source_at, target_at = (pair.source, pair.target) if pair else (None, None)
    in_body = _place(texts.body, source_at, check.get("source"), check.get("source_span"))
    in_translation = _place(
        texts.translation, target_at, check.get("target"), check.get("target_span")
    )
    _add(texts.spans["body"], mark(in_body))
    _add(texts.spans["translation"], mark(in_translation))
    if pair is not None:
        texts.links[n] = f"s{i}"


def _place_summary_check(texts: Texts, n: int, check: dict[str, Any]) -> None:
    """A mark in the summary (whose sentence the link goes to) and, for a rescaled figure, one
    where the translation gives the real figure."""
    mark, index, sentence = _mark(n, check), check.get("sentence"), check.get("target")
    start = _locate(texts.summary, None, sentence)
    if start is not None and isinstance(index, int) and isinstance(sentence, str):
        anchor = f"m{index}"
        if anchor not in texts.links.values():
            span = (start, start + len(sentence))
            texts.spans["summary"].append(_sentence(span, anchor, None))
        texts.links[n] = anchor
    in_summary = _place(texts.summary, None, sentence, check.get("target_span"))
    real = _place(texts.translation, None, check.get("source"), check.get("source_span"))
    _add(texts.spans["summary"], mark(in_summary))
    _add(texts.spans["translation"], mark(real))


def _sentence(span: tuple[int, int], anchor: str, pair: int | None) -> Span:
    data = f' data-s="{pair}"' if pair is not None else ""
    return Span(span[0], span[1], f'<span class="s" id="{anchor}"{data}>', "</span>", rank=0)


def _mark(n: int, check: dict[str, Any]) -> Callable[[tuple[int, int] | None], Span | None]:
    """Check `n`'s mark, for wherever it is found."""
    severity = severity_of(check)
    message = escape(str(check.get("message", "")))
    tag = f'<mark class="flag {severity}" data-check="{n}" data-n="{n}" title="{message}">'
    return lambda at: Span(*at, tag, "</mark>", 1, severity) if at else None


def _locate(text: str, where: tuple[int, int] | None, sentence: Any) -> int | None:
    """Where `sentence` starts in `text`: at `where` when it is there, else its first
    occurrence; None when it is not in `text` at all."""
    if not isinstance(sentence, str) or not sentence:
        return None
    if where is not None and text[where[0] : where[1]] == sentence:
        return where[0]
    start = text.find(sentence)
    return start if start >= 0 else None


def _add(spans: list[Span], span: Span | None) -> None:
    if span is not None:
        spans.append(span)


def severity_of(check: dict[str, Any]) -> str:
    return "error" if check.get("severity") == "error" else "warning"


def _place(
    text: str, where: tuple[int, int] | None, sentence: Any, span: Any
) -> tuple[int, int] | None:
    """Where `span` (offsets within `sentence`) is in `text`, if the check has one."""
    start = _locate(text, where, sentence)
    if start is None or span is None or not isinstance(sentence, str):
        return None
    s, e = int(span[0]), int(span[1])
    return (start + s, start + e) if 0 <= s < e <= len(sentence) else None


def markup(text: str, start: int, end: int, spans: Sequence[Span]) -> str:
    """text[start:end], escaped, with the `spans` inside it wrapped in their tags. Spans nest;
    one that would cross the end of an enclosing one is cut there, so the HTML stays valid."""
    inside = sorted(
        (s for s in spans if start <= s.start and s.end <= end),
        key=lambda s: (s.start, -s.end, s.rank),
    )
    out: list[str] = []
    open_: list[tuple[int, str]] = []  # (end, closing tag) of the open elements
    pos = start
    for span in inside:
        while open_ and open_[-1][0] <= span.start:
            close_at, tag = open_.pop()
            out += [escape(text[pos:close_at]), tag]
            pos = close_at
        stop = min(span.end, open_[-1][0]) if open_ else span.end
        out += [escape(text[pos : span.start]), span.open]
        pos = span.start
        open_.append((stop, span.close))
    while open_:
        close_at, tag = open_.pop()
        out += [escape(text[pos:close_at]), tag]
        pos = close_at
    out.append(escape(text[pos:end]))
    return "".join(out)
