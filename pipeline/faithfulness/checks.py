"""Checks that figures and names survive translation and summarisation.

Numbers and names are where machine translation and abstractive summaries hurt readers most: a
dropped amount, a Nordic *billion* (10^12) rendered as an English billion (10^9), a figure the
summariser made up, a surname lost on the way. The checks compare what the texts say, not how
they say it ("1,4 milliarder" = "$1.4bn", "1. juli" = "July 1", "fire" = "quadruple",
"Irak" = "Iraq"), sentence by sentence, since that is how the pipeline translates. They lean
towards silence: a check that cries wolf on every article gets ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .currencies import currency_name
from .figures import FigureFinding, compare_figures
from .names import Name, SourceContext, find_names, fold, is_acronym, looks_nordic
from .omissions import Omission, dropped_sentence
from .presence import (
    TargetIndex,
    english_present,
    initials,
    positions_of,
    present,
    unexplained_capitals,
)
from .quantities import Quantity, describe, extract_quantities

__all__ = ["Check", "SentencePair", "check_translation"]


@dataclass(frozen=True)
class SentencePair:
    """One source sentence and its translation, in paragraph `paragraph` (0-based).

    `target == source` means the sentence was kept verbatim (an English quote): never checked.
    """

    paragraph: int
    source: str
    target: str


@dataclass(frozen=True)
class Check:
    """One problem found, with where it is: see the module docstring of `pipeline.faithfulness`.

    `sentence` indexes the pairs given to `check_translation` (or the summary's sentences);
    `source_span` locates `value` in `source`, `target_span` what stands in for it in `target`.
    """

    stage: str  # "translate" or "summarise"
    # translate: number_missing, number_changed, number_scale, name_missing, sentence_missing
    # (and translation_empty from `check` by lines); summarise: number_invented, number_scale,
    # name_invented, summary_dropped
    kind: str
    severity: str  # "error": a figure, scale or name is wrong; "warning": something is missing
    value: str
    message: str
    paragraph: int | None
    sentence: int | None
    source: str | None
    target: str | None
    source_span: tuple[int, int] | None
    target_span: tuple[int, int] | None

    def to_dict(self) -> dict:
        """The JSON shape of the pipeline's `checks` list (spans as two-item lists)."""
        return {
            "stage": self.stage,
            "kind": self.kind,
            "severity": self.severity,
            "value": self.value,
            "message": self.message,
            "paragraph": self.paragraph,
            "sentence": self.sentence,
            "source": self.source,
            "target": self.target,
            "source_span": list(self.source_span) if self.source_span else None,
            "target_span": list(self.target_span) if self.target_span else None,
        }


_SEVERITY_ORDER = {"error": 0, "warning": 1}


def _sorted(checks: list[Check]) -> list[Check]:
    """Errors first, then in reading order."""
    return sorted(
        checks,
        key=lambda c: (
            _SEVERITY_ORDER[c.severity],
            c.sentence if c.sentence is not None else -1,
            c.source_span[0] if c.source_span else (c.target_span or (0, 0))[0],
        ),
    )


def check_translation(pairs: Sequence[SentencePair], language: str = "nb") -> list[Check]:
    """Figures and names of the source sentences (Nordic `language`) that their translations
    lost or changed; errors first, then in reading order. English sources give no checks."""
    if language == "en" or not pairs:
        return []
    checked = [i for i, p in enumerate(pairs) if p.source.strip() != p.target.strip()]
    kept = {i: _kept_passages(pairs[i].source, pairs[i].target) for i in checked}
    source_q = [[q for q in extract_quantities(pairs[i].source, language)
                 if not _inside(q.span[0], kept[i])] for i in checked]  # fmt: skip
    target_q = [extract_quantities(pairs[i].target, "en") for i in checked]
    positions = _positions(pairs)
    checks = []
    for finding in compare_figures(source_q, target_q):
        checks.append(_figure_check(finding, checked[finding.sentence], pairs, positions))
    context = SourceContext.of([p.source for p in pairs])
    for i in checked:
        checks.extend(_name_checks(i, pairs[i], context, kept[i], positions))
        omission = dropped_sentence(pairs[i].source, pairs[i].target, language)
        if omission is not None:
            checks.append(_omission_check(omission, i, pairs[i], positions))
    return _sorted(checks)


def _omission_check(
    omission: Omission, index: int, pair: SentencePair, positions: list[str]
) -> Check:
    message = (
        f'The sentence "{omission.text}" in {positions[index]} seems to be missing from the '
        f"translation: it has {omission.kept} sentence{'s' if omission.kept > 1 else ''} for "
        f"{omission.sentences} and "
        + (
            "asks no question."
            if omission.question
            else f"is {1 - omission.ratio:.0%} shorter than the source."
        )
    )
    return Check("translate", "sentence_missing", "warning", omission.text, message,
                 pair.paragraph, index, pair.source, pair.target, omission.span,
                 None)  # fmt: skip


def pair_paragraphs(source: str, translation: str) -> list[SentencePair]:
    """Source and translation paired paragraph by paragraph (lines), for callers that do not
    have the sentence alignment; checks then look for figures in the whole paragraph."""
    src = [p for p in source.split("\n") if p.strip()]
    tgt = [p for p in translation.split("\n") if p.strip()]
    if len(src) != len(tgt):
        return [SentencePair(0, " ".join(src), " ".join(tgt))]
    return [SentencePair(i, s, t) for i, (s, t) in enumerate(zip(src, tgt, strict=True))]


def _positions(pairs: Sequence[SentencePair]) -> list[str]:
    """ "paragraph 3, sentence 2" for each pair, 1-based for readers."""
    out: list[str] = []
    counts: dict[int, int] = {}
    for pair in pairs:
        counts[pair.paragraph] = counts.get(pair.paragraph, 0) + 1
        out.append(f"paragraph {pair.paragraph + 1}, sentence {counts[pair.paragraph]}")
    return out


def _figure_check(
    finding: FigureFinding, index: int, pairs: Sequence[SentencePair], positions: list[str]
) -> Check:
    q, t = finding.source, finding.target
    if t is not None and t.kind == "time" and q.kind != "time":  # "11.20" → "11:20 p.m."
        q = next((replace(q, kind="time", value=v) for k, v in q.alternatives if k == "time"), q)
    if t is not None and t.kind != "century" and any(k == "century" for k, _ in q.keys):
        # "the 1900s (20th century)" → "eighteenth (century)"
        t = next((replace(t, kind="century", value=v) for k, v in t.keys if k == "century"), t)
    said = f"The {_noun(q)} {_quote(q)} in {positions[index]}"
    if finding.kind == "number_missing":
        message = f"{said} is not in the translation."
    elif finding.kind == "number_scale":
        message = f"{said} is {_quote(t)} in the translation, {_factor(q, t)}."
    elif t is not None and q.currency != t.currency and t.currency:
        message = (f"{said} is {_quote(t)} in the translation: {currency_name(q.currency)} "
                   f"became {currency_name(t.currency)}.")  # fmt: skip
    else:
        message = f"{said} is {_quote(t)} in the translation."
    pair = pairs[index]
    return Check("translate", finding.kind, finding.severity, q.text, message, pair.paragraph,
                 index, pair.source, pair.target, q.span, t.span if t else None)  # fmt: skip


def _quote(q: Quantity | None) -> str:
    """ "8.8 trillion ("8,8 billioner")", or just "90" when the plain reading adds nothing."""
    if q is None:
        return "nothing"
    plain = describe(q)
    return plain if plain == q.text else f'{plain} ("{q.text}")'


def _noun(q: Quantity) -> str:
    """What to call `q` in a message: "date", "time" or "figure"."""
    return {"date": "date", "time": "time"}.get(q.kind, "figure")


def _factor(q: Quantity, t: Quantity | None) -> str:
    if t is None or not t.value:
        return "a scale word is wrong"
    ratio = q.value / t.value
    if ratio >= 1:
        return f"{_times(ratio)} times too small"
    return f"{_times(1 / ratio)} times too large"


def _times(ratio: Decimal) -> str:
    exponent = round(ratio.log10())
    return f"{10**exponent:,}" if exponent > 0 else "many"


def _name_checks(
    index: int,
    pair: SentencePair,
    context: SourceContext,
    kept: list[tuple[int, int]],
    positions: list[str],
) -> list[Check]:
    target = TargetIndex(pair.target)
    checks: list[Check] = []
    seen: set[str] = set()  # missing words already reported for this sentence
    for name in find_names(pair.source, context):
        if _inside(name.span[0], kept):
            continue
        missing = _missing_parts(name, target)
        if not missing or {fold(w) for w in missing} <= seen:
            continue
        if _translated(name, missing, target, pair.source):
            continue
        seen.update(fold(w) for w in missing)
        where = positions[index]
        if len(missing) < len(name.required) or missing[0] != name.text:
            parts = " and ".join(f'"{word}"' for word in missing)
            message = (
                f'The name "{name.text}" in {where} is only partly in the translation: '
                f"{parts} is missing."
            )
        else:
            message = f'The name "{name.text}" in {where} is not in the translation.'
        checks.append(Check("translate", "name_missing", "warning", name.text, message,
                            pair.paragraph, index, pair.source, pair.target, name.span,
                            None))  # fmt: skip
    return checks


def _translated(name: Name, missing: list[str], target: TargetIndex, source: str) -> bool:
    """Whether the missing part of `name` was most likely translated rather than dropped: the
    translation has capitalised words nothing in the source accounts for, next to the part of
    the name it kept ("Kirby Muxloe Castle" for "Kirby Muxloe Borgen") or, for a name made of
    ordinary Nordic words, anywhere ("House of Representatives" for "Representantenes hus")."""
    loose = unexplained_capitals(target, source)
    if not loose:
        return False
    kept = [word for word, _ in name.required if word not in missing]
    kept += [w for w in name.text.split() if w not in missing and w[:1].isupper()]
    near = {k for word in kept for k in positions_of(word, target)}
    if any(_adjacent(k, j, target) for k in near for j in loose):
        return True
    if near:  # "Jonas Gahr" kept and "Støre" gone: a dropped surname, not a translation
        return False
    return name.nordic or all(looks_nordic(word) or is_acronym(word) for word in missing)


def _adjacent(k: int, j: int, target: TargetIndex) -> bool:
    """Whether tokens `k` and `j` of `target` belong to one name: next to each other, or with
    only capitalised words, "the" or "of" between them ("Alexander the Great")."""
    low, high = min(k, j), max(k, j)
    between = [word for _, word in target.tokens[low + 1 : high]]
    return high - low <= 4 and all(w[0].isupper() or w in ("the", "of") for w in between)


def _missing_parts(name: Name, target: TargetIndex) -> list[str]:
    """The distinctive words of `name` that `target` lacks (none: the name is there)."""
    if name.english and english_present(name.english, target):
        return []
    short = initials(name.text)
    if len(short) >= 2 and " " in name.text and short in target.words:  # "UW"
        return []
    return [word for word, _ in name.required if not present(word, target)]


# Pieces of at least this many characters copied verbatim into the translation were not
# translated (English quotes inside a Nordic sentence): their figures and names are the same.
_MIN_KEPT = 20
_PIECE = re.compile(r"[^\n.!?\"“”«»]+")


def _kept_passages(source: str, translation: str) -> list[tuple[int, int]]:
    """Spans of `source` (between sentence punctuation) that `translation` repeats verbatim."""
    spans = []
    for piece in _PIECE.finditer(source):
        text = piece.group().strip()
        if len(text) >= _MIN_KEPT and text in translation:
            spans.append(piece.span())
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)
