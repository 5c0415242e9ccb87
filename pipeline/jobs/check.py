"""Checking a translation made elsewhere (Google, DeepL, a human, an older run): the faithfulness
checks of `pipeline.faithfulness` on a source text and its English translation, with no model.

The two texts are aligned first, in one of two ways:

- **by lines**: line *i* of the source is line *i* of the translation (a test set and a
  system's output). Each line is checked on its own, since the lines of such files are
  independent segments: a figure missing from line 7 is not excused by line 300 having it.
  A source line whose translation line is empty is an error of its own (`translation_empty`).
- **by paragraphs**: two articles with the same paragraphs (non-blank lines, the project's
  paragraphs), blank lines anywhere. The article is checked as one document, as `run` checks
  its own translation. Header lines (``date ...``, ``title ...``) become metadata, as in `run`.

Within a line or paragraph, sentences are paired when both sides have as many; otherwise the
whole line or paragraph is one pair. Texts that align neither way are refused with both counts
and where they most likely part.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import InputError, LanguageError
from pipeline.faithfulness import Check, SentencePair, check_translation
from pipeline.language.codes import TRANSLATED, UNDETERMINED, Language, language_name
from pipeline.language.detect import detect_language
from pipeline.text.article import DEFAULT_MAX_CHARS, Article, parse_article
from pipeline.text.html_extract import looks_like_html
from pipeline.text.sentences import sentence_spans

#: How two texts can be aligned (`check_texts`'s `align`; None: lines when they fit, else
#: paragraphs).
ALIGNMENTS = ("lines", "paragraphs")
# A translation the detector is this sure is Nordic (or another language) is not an English
# translation: checking it would pass everything (the checks skip text kept verbatim).
_NOT_ENGLISH = 0.9

Span = tuple[int, int]


@dataclass(frozen=True)
class AlignedPair:
    """Where one checked sentence pair is: its row (the source's n-th non-blank line) and its
    spans in the source and the translation, as `CheckReport.source` and `.translation` hold
    them (the shape of `pipeline.stages.translate.Aligned`, which the review page reads)."""

    paragraph: int
    source: Span
    target: Span


@dataclass(frozen=True)
class CheckReport:
    """The checks of a translation against its source, and how the two were aligned.

    `checks` have the shape of `run`'s (``Check.to_dict``), errors first; each one's
    `sentence` indexes `alignment`. `paragraph` (0-based) is the line of both files when
    `aligned` is "lines", the paragraph of both articles when it is "paragraphs".
    """

    language: Language
    aligned: str  # "lines" or "paragraphs"
    units: int  # lines (or paragraphs) paired
    checks: list[dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = field(default="", repr=False)
    translation: str = field(default="", repr=False)
    alignment: list[AlignedPair] = field(default_factory=list, repr=False)

    @property
    def errors(self) -> int:
        """How many checks are errors (a figure changed or a line left empty)."""
        return sum(1 for c in self.checks if c.get("severity") == "error")

    @property
    def warnings(self) -> int:
        """How many checks are warnings (something missing)."""
        return len(self.checks) - self.errors

    @property
    def pairs(self) -> int:
        """How many sentence pairs were checked."""
        return len(self.alignment)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `check --format json`."""
        language: dict[str, Any] = {"code": self.language.code}
        if self.language.forced:
            language["forced"] = True
        else:
            language["confidence"] = self.language.confidence
        return {
            "language": language,
            "metadata": self.metadata,
            "aligned": self.aligned,
            self.aligned: self.units,
            "pairs": self.pairs,
            "errors": self.errors,
            "warnings": self.warnings,
            "checks": self.checks,
        }


def check_texts(
    source: str,
    translation: str,
    language: str | None = None,
    *,
    align: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> CheckReport:
    """Check `translation` (English) against `source` (nb, nn, da or sv): figures and names it
    lost or changed. Loads no model.

    `language` names the source's language (else it is detected); `align` forces "lines" or
    "paragraphs" (else lines when both texts have as many and no header, else paragraphs).
    Raises `InputError` for empty, oversized or unaligned texts, `LanguageError` for a source
    not in a language the checks read or a translation that is not English.
    """
    if align is not None and align not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {align!r} (alignments: {', '.join(ALIGNMENTS)})")
    src, tgt = (
        _article(source, "source", max_chars),
        _article(translation, "translation", max_chars),
    )
    found = _language(src.body, tgt.body, language)
    by, body, english, units = _align(source, translation, src, tgt, align)
    pairs, rows, spans = _pairs(body, english, units, found.code)
    checks = _checks(pairs, by == "lines", found.code)
    alignment = [AlignedPair(row, s, t) for row, (s, t) in zip(rows, spans, strict=True)]
    metadata = dict(src.metadata)
    if "title" in metadata:
        metadata["title_original"] = metadata.pop("title")
    if "title" in tgt.metadata:
        metadata["title"] = tgt.metadata["title"]
    return CheckReport(found, by, len(units), checks, metadata, body, english, alignment)


def _article(text: str, which: str, max_chars: int) -> Article:
    try:
        return parse_article(text, max_chars=max_chars)
    except InputError as exc:
        raise InputError(f"{which}: {exc}", reason=exc.reason, **exc.details) from None


# ---- languages ---------------------------------------------------------------------------


def _language(body: str, english: str, forced: str | None) -> Language:
    """The source's language (given or detected); refused when the checks cannot read it, or
    when the translation is plainly not English."""
    sources = ", ".join(TRANSLATED)
    if forced is not None:
        if forced not in TRANSLATED:
            raise LanguageError(
                f"{language_name(forced)} ({forced}) is not a source language of the checks; "
                f"source languages: {sources}", reason="unsupported_language", forced=True,
            )  # fmt: skip
        found = Language(forced, 1.0, forced=True)
    else:
        found = detect_language(body)
    target = detect_language(english)
    foreign = target.code not in ("en", UNDETERMINED) and target.confidence >= _NOT_ENGLISH
    if found.code == "en" and target.code in TRANSLATED and foreign:
        raise LanguageError(
            f"the source is in English and the translation in {language_name(target.code)}: "
            "the two texts look swapped", reason="swapped",
        )  # fmt: skip
    if found.code not in TRANSLATED:
        what = (
            "could not tell the source's language (too little text)"
            if found.code == UNDETERMINED
            else f"the source is in {language_name(found.code)} ({found.code})"
        )
        raise LanguageError(f"{what}; source languages: {sources}", reason="unsupported_language")
    if foreign:
        raise LanguageError(
            f"the translation is in {language_name(target.code)} ({target.code}), not English",
            reason="translation_not_english",
        )
    return found


# ---- alignment ---------------------------------------------------------------------------


def _align(
    source: str, translation: str, src: Article, tgt: Article, align: str | None
) -> tuple[str, str, str, list[tuple[Span, Span]]]:
    """(how, source text, translation text, (source span, translation span) of each line or
    paragraph). By lines: every line of the texts as given, blank ones included (a final line
    break does not start another line). By paragraphs: the non-blank lines of the bodies."""
    lines = [_lines(text) for text in (source, translation)]
    same = len(lines[0]) == len(lines[1])
    plain = not (src.metadata or tgt.metadata or looks_like_html(source)
                 or looks_like_html(translation))  # fmt: skip
    if align == "lines" and not same:
        raise _unaligned("lines", source, translation, lines[0], lines[1])
    if align == "lines" or (align is None and plain and same):
        units = [(_strip(source, s), _strip(translation, t)) for s, t in zip(*lines, strict=True)]
        return "lines", source, translation, units
    paragraphs = [_paragraphs(article.body) for article in (src, tgt)]
    if len(paragraphs[0]) != len(paragraphs[1]):
        if plain and [len(p) for p in paragraphs] == [len(x) for x in lines]:  # no blank lines
            raise _unaligned("lines", source, translation, lines[0], lines[1])
        counts = (len(lines[0]), len(lines[1])) if plain else None
        raise _unaligned("paragraphs", src.body, tgt.body, paragraphs[0], paragraphs[1], counts)
    return "paragraphs", src.body, tgt.body, list(zip(*paragraphs, strict=True))


def _lines(text: str) -> list[Span]:
    """Every line of `text`, blank ones too; a final line break does not start another."""
    spans, start = [], 0
    for line in text.removesuffix("\n").split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _paragraphs(text: str) -> list[Span]:
    """The non-blank lines of `text`, without their surrounding whitespace."""
    return [_strip(text, span) for span in _lines(text) if text[slice(*span)].strip()]


def _strip(text: str, span: Span) -> Span:
    """`span` without the whitespace at its ends (an empty span stays where it starts)."""
    start, end = span
    piece = text[start:end]
    if not piece.strip():
        return (start, start)
    return (start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip()))


# ---- sentence pairs and their checks -----------------------------------------------------


def _pairs(
    body: str, english: str, units: Sequence[tuple[Span, Span]], language: str
) -> tuple[list[SentencePair], list[int], list[tuple[Span, Span]]]:
    """The sentence pairs of every line or paragraph that has source text: (pairs, each one's
    row on the review page, each one's spans in `body` and `english`)."""
    pairs, rows, spans = [], [], []
    row = -1
    for number, (s, t) in enumerate(units):
        if s[0] == s[1]:  # nothing in the source to check
            continue
        row += 1
        for a, b in _sentences(body, s, language, english, t):
            pairs.append(SentencePair(number, body[slice(*a)], english[slice(*b)]))
            rows.append(row)
            spans.append((a, b))
    return pairs, rows, spans


def _sentences(body: str, s: Span, language: str, english: str, t: Span) -> list[tuple[Span, Span]]:
    """The sentences of a line or paragraph paired one to one when both sides have as many,
    else the whole of it as one pair."""
    ours = [(s[0] + a, s[0] + b) for a, b in sentence_spans(body[slice(*s)], language)]
    theirs = [(t[0] + a, t[0] + b) for a, b in sentence_spans(english[slice(*t)], "en")]
    if len(ours) == len(theirs) > 1:
        return list(zip(ours, theirs, strict=True))
    return [(s, t)]


def _checks(pairs: list[SentencePair], by_line: bool, language: str) -> list[dict]:
    """The checks of all pairs, errors first, then in reading order: each line on its own
    (`by_line`), else the whole text as one document."""
    if not by_line:
        groups = [range(len(pairs))] if pairs else []
    else:
        starts = [i for i, p in enumerate(pairs) if i == 0 or p.paragraph != pairs[i - 1].paragraph]
        groups = [range(a, b) for a, b in zip(starts, [*starts[1:], len(pairs)], strict=True)]
    out: list[dict] = []
    for group in groups:
        if by_line and not pairs[group.start].target.strip():  # one pair: no sentences in it
            out.append(_empty(pairs[group.start], group.start).to_dict())
            continue
        for check in check_translation([pairs[i] for i in group], language):
            found = check.to_dict()
            if check.sentence is not None:
                found["sentence"] = group.start + check.sentence
            out.append(found)
    return sorted(out, key=lambda c: (c["severity"] != "error", c["sentence"] or 0))


def _empty(pair: SentencePair, index: int) -> Check:
    """A source line whose line in the translation is empty: all of it is missing."""
    line = pair.paragraph + 1
    message = f"Line {line} is empty in the translation; the source has text there."
    return Check("translate", "translation_empty", "error", pair.source, message, pair.paragraph,
                 index, pair.source, pair.target, (0, len(pair.source)), None)  # fmt: skip


# ---- where two texts that do not align part ----------------------------------------------


def _unaligned(
    by: str, source: str, translation: str, ours: list[Span], theirs: list[Span],
    lines: tuple[int, int] | None = None,
) -> InputError:  # fmt: skip
    """The error for texts with different numbers of lines (or paragraphs), saying where they
    most likely part."""
    unit = by[:-1]
    counts = f"the source has {_count(len(ours), unit)}, the translation {len(theirs):,}"
    if lines is not None and lines[0] == lines[1]:
        counts += f" (and {lines[0]:,} lines each, with blank ones in other places)"
    elif lines is not None:
        counts += f" ({lines[0]:,} and {lines[1]:,} lines)"
    message = f"the texts do not align by {by}: {counts}"
    texts = [source[slice(*s)] for s in ours], [translation[slice(*t)] for t in theirs]
    found = first_difference(*texts)
    if found is not None:
        i, j = found
        message += (
            f"; they most likely part at {unit} {i + 1} of the source ({_quote(texts[0], i)}) "
            f"and {unit} {j + 1} of the translation ({_quote(texts[1], j)})"
        )
    return InputError(message, reason="not_aligned", by=by)


def _count(n: int, unit: str) -> str:
    return f"{n:,} {unit}{'' if n == 1 else 's'}"


def _quote(pieces: list[str], index: int) -> str:
    if index >= len(pieces):
        return "its end"
    piece = pieces[index].strip()
    return f'"{piece[:40]}…"' if len(piece) > 40 else f'"{piece}"'


# Costs of the length-based alignment (Gale and Church's idea, simplified): a line or paragraph
# left without a partner, one split in two by the other side, and the weight of a pair's length
# ratio against the usual one (set by hand on lines dropped, added, split and joined in the
# sample article and in FLORES dev). A short line dropped or added beside a long one looks like
# a split or a join, so only the place is reported, not what happened there.
_SKIP = 3.0
_MERGE = 1.0
_LENGTH = 10.0
_MAX_CELLS = 200_000
_DIGITS = re.compile(r"\d+")


def first_difference(ours: Sequence[str], theirs: Sequence[str]) -> tuple[int, int] | None:
    """Where two lists of lines (or paragraphs) of different lengths most likely part: the
    indices of the first ones that the cheapest length-and-figure alignment does not pair one
    to one (one dropped, added, split or joined there). None when the lists are too long to
    say."""
    n, m = len(ours), len(theirs)
    band = abs(n - m) + 8
    if n * (2 * band + 1) > _MAX_CELLS:
        return None
    # The usual length ratio of a translated line to its source, robust to the lines that
    # do not pair (a whole-text ratio is skewed by a long line dropped).
    pairs = zip(ours, theirs, strict=False)  # the shorter list's length: they differ
    ratio = statistics.median((len(t) + 20) / (len(s) + 20) for s, t in pairs)
    size = [len(s) for s in ours], [len(t) for t in theirs]
    digits = [set(_DIGITS.findall(s)) for s in ours], [set(_DIGITS.findall(t)) for t in theirs]

    def pair(i0: int, i1: int, j0: int, j1: int) -> float:
        a, b = sum(size[0][i0:i1]), sum(size[1][j0:j1])
        cost = _LENGTH * abs(math.log((b + 20) / (a * ratio + 20)))
        da, db = set().union(*digits[0][i0:i1]), set().union(*digits[1][j0:j1])
        if da or db:
            cost += len(da ^ db) / len(da | db)
        return cost

    steps = ((1, 1, 0.0), (1, 0, _SKIP), (0, 1, _SKIP), (2, 1, _MERGE), (1, 2, _MERGE))
    best: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {(0, 0): (0.0, (0, 0))}
    for i in range(n + 1):
        for j in range(max(0, i - band), min(m, i + band) + 1):
            if (i, j) == (0, 0):
                continue
            options = []
            for di, dj, extra in steps:
                prev = best.get((i - di, j - dj))
                if prev is not None:
                    cost = extra + (pair(i - di, i, j - dj, j) if di and dj else 0.0)
                    options.append((prev[0] + cost, (di, dj)))
            if options:
                best[(i, j)] = min(options)
    if (n, m) not in best:
        return None
    path, at = [], (n, m)
    while at != (0, 0):
        step = best[at][1]
        at = (at[0] - step[0], at[1] - step[1])
        path.append((at, step))
    return next((start for start, step in reversed(path) if step != (1, 1)), None)
