"""Comparing the figures of aligned sentences: lost, rescaled and changed figures.

A source figure is looked for in its own translated sentence first. When it is not there, a
figure of the same sort that the translated sentence has and the source does not stands in for
it: 1000 times too large or small is a scale slip ("milliarder" → "million"), anything else
close is a changed figure. With no stand-in, the figure may have moved to a neighbouring
sentence; only when the whole translation lacks it is it missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .currencies import compatible
from .quantities import _VULGAR, Quantity
from .units import dimension, in_base, same_measure


@dataclass(frozen=True)
class FigureFinding:
    """One figure problem: `kind` and `severity` as in `Check`, `sentence` the pair's index."""

    kind: str  # number_missing, number_changed, number_scale
    severity: str
    sentence: int
    source: Quantity
    target: Quantity | None  # the figure standing in for it, if any


def same_figure(a: Quantity, b: Quantity, scales: bool = True) -> bool:
    """Whether `a` and `b` say the same: a shared reading, or one measure in two units.

    Without `scales`, "2 billion" does not vouch for a bare "billions" (English against
    English, where both sides have such readings).
    """
    shared = a.keys & b.keys
    if not scales:
        shared = frozenset(key for key in shared if key[0] != "scale")
    if shared:
        return True
    if a.unit == "°C" and b.unit is None and b.kind == "number":  # "32 grader" → "90-degree heat"
        return abs(a.value * 9 / 5 + 32 - b.value) <= 1
    return bool(a.unit and b.unit and same_measure(a.value, a.unit, b.value, b.unit))


def compare_figures(
    source: Sequence[Sequence[Quantity]], target: Sequence[Sequence[Quantity]]
) -> list[FigureFinding]:
    """Problems with the figures of `source` sentences given their aligned `target` sentences."""
    source_index = Index([q for sentence in source for q in sentence])
    target_index = Index([q for sentence in target for q in sentence])
    # The currencies the source names; its own kroner go without saying ("2 milliarder" may be
    # "NOK 2 billion"), a dollar sign it never has is made up.
    money = {"KR"} | {q.currency for sentence in source for q in sentence if q.currency}
    findings: list[FigureFinding] = []
    for index, (src, tgt) in enumerate(zip(source, target, strict=True)):
        findings.extend(_sentence(index, src, tgt, source_index, target_index, money))
    return findings


def _differs(q: Quantity, t: Quantity, money: set[str]) -> bool:
    """Whether `t`, the same number as `q`, counts something else: another currency, a
    currency the source document never mentions, or another unit of the same measure that does
    not convert ("14,5 km" → "14.5 miles"). The Nordic "mil" (10 km) is left alone: a
    translated text often means the English mile by it."""
    if t.currency and q.currency and not compatible(q.currency, t.currency):
        return True
    if t.currency and not q.currency and not any(compatible(c, t.currency) for c in money):
        return True
    if not q.unit or not t.unit or q.unit == t.unit or "mil" in (q.unit, t.unit):
        return False
    kind = dimension(q.unit)
    return (kind is not None and kind == dimension(t.unit)
            and not same_measure(q.value, q.unit, t.value, t.unit))  # fmt: skip


def _sentence(
    index: int,
    src: Sequence[Quantity],
    tgt: Sequence[Quantity],
    source_index: Index,
    target_index: Index,
    money: set[str],
) -> list[FigureFinding]:
    """The findings of one sentence pair."""
    sentence = Index(tgt)
    used: set[int] = set()
    unmatched: list[Quantity] = []
    repeated: list[Quantity] = []  # a figure the source gives twice and the target once
    seen: set[tuple] = set()
    findings = []
    for q in src:
        hits = sentence.matches(q)
        free_hits = sorted(hits - used)
        if free_hits:
            fitting = [j for j in free_hits if not _differs(q, tgt[j], money)]
            used.add((fitting or free_hits)[0])
            if not fitting:  # the number is there, but in another currency or unit
                findings.append(FigureFinding("number_changed", "error", index, q,
                                              tgt[free_hits[0]]))  # fmt: skip
        elif hits:
            repeated.append(q)
        elif not q.keys & seen:
            unmatched.append(q)
        seen |= q.keys
    # Figures of this translated sentence that no source figure accounts for.
    free = [t for j, t in enumerate(tgt) if j not in used and not source_index.matches(t)]
    if len(free) > _MAX_FREE:  # not a sentence but a table of figures: no pairing
        free = []
    # Dates, times and centuries of this sentence that only another source sentence accounts
    # for: stand-ins still, rather than a changed figure reported as missing ("1800-tallet" →
    # "18th century" when a neighbour has "1700-tallet"). Plain numbers recur too often.
    loose = [] if not unmatched or len(tgt) > _MAX_FREE else _loose(tgt, used, free, src)
    for q in unmatched:
        finding = _stand_in(index, q, free)
        if finding is None and not q.weak and not target_index.matches(q):
            finding = _stand_in(index, q, loose) or FigureFinding(
                "number_missing", "warning", index, q, None
            )
        if finding is not None:
            findings.append(finding)
    for q in repeated:
        finding = _stand_in(index, q, free)
        if finding is not None:
            findings.append(finding)
    flagged = {f.source.span for f in findings}
    findings.extend(f for f in _measures(index, src, tgt, free) if f.source.span not in flagged)
    return findings


_MAX_FREE = 40


def _loose(tgt: Sequence[Quantity], used: set[int], free: list[Quantity],
           src: Sequence[Quantity]) -> list[Quantity]:  # fmt: skip
    """The sentence's unused dates, times and centuries that are not free (see `_sentence`)."""
    own = Index(src)
    taken = {id(t) for t in free}
    return [t for j, t in enumerate(tgt) if j not in used and id(t) not in taken
            and any(k in _SORTS for k, _ in t.keys) and not own.matches(t)]  # fmt: skip


class Index:
    """Quantities by reading, for `same_figure` questions in constant time."""

    def __init__(self, quantities: Sequence[Quantity]) -> None:
        self.items = list(quantities)
        self.by_key: dict[tuple, list[int]] = {}
        self.measures: list[tuple[int, Quantity]] = []
        for i, q in enumerate(quantities):
            for key in q.keys:
                self.by_key.setdefault(key, []).append(i)
            if q.unit:
                self.measures.append((i, q))

    def matches(self, q: Quantity, scales: bool = True) -> set[int]:
        """Positions of the quantities that say the same as `q` (see `same_figure`)."""
        keys = q.keys if scales else {k for k in q.keys if k[0] != "scale"}
        hits = {i for key in keys for i in self.by_key.get(key, ())}
        if q.unit == "°C":  # a temperature converted to Fahrenheit, unit left out
            hits.update(i for i, t in enumerate(self.items) if same_figure(q, t, scales))
        elif q.unit:
            hits.update(i for i, t in self.measures if same_figure(q, t, scales))
        return hits


def _stand_in(index: int, q: Quantity, free: list[Quantity]) -> FigureFinding | None:
    """A scale slip or a changed figure, taking its stand-in out of `free`."""
    for t in free:
        if scale_slip(q, t):
            free.remove(t)
            return FigureFinding("number_scale", "error", index, q, t)
    candidates = [t for t in free if _could_be(q, t)]
    if not candidates:
        return None
    best = min(candidates, key=lambda t: _distance(q, t))
    free.remove(best)
    return FigureFinding("number_changed", "error", index, q, best)


def _measures(
    index: int, src: Sequence[Quantity], tgt: Sequence[Quantity], free: list[Quantity]
) -> list[FigureFinding]:
    """Measures of the translation that no source measure of their kind converts to: "36
    pounds (76 kg)" for "16 kg (36 pund)". A translator adds conversions; they must agree."""
    findings = []
    for t in list(free):
        kind = dimension(t.unit)
        if kind is None or kind == "temperature" or t.spelled or not t.value:
            continue
        alike = [q for q in src if dimension(q.unit) == kind and q.value]
        if not alike:
            continue
        wanted = in_base(t.value, t.unit or "")
        before = [b for b in tgt if b.span[1] <= t.span[0]]
        if before and _compound(before[-1], t, alike):
            continue
        nearest = min(alike, key=lambda q: abs((in_base(q.value, q.unit or "") / wanted).ln()))
        ratio = in_base(nearest.value, nearest.unit or "") / wanted
        slip = any(abs(ratio / Decimal(10) ** p - 1) <= Decimal("0.03") for p in (3, 6, -3, -6))
        free.remove(t)
        findings.append(FigureFinding("number_scale" if slip else "number_changed", "error",
                                      index, nearest, t))  # fmt: skip
    return findings


def _compound(before: Quantity, t: Quantity, alike: Sequence[Quantity]) -> bool:
    """ "17 pounds 1 ounce": a second measure right after a first of its kind adds to it."""
    if dimension(before.unit) != dimension(t.unit) or t.span[0] - before.span[1] > 8:
        return False
    total = in_base(before.value, before.unit or "") + in_base(t.value, t.unit or "")
    return any(abs(in_base(q.value, q.unit or "") / total - 1) <= Decimal("0.03") for q in alike)


def scale_slip(q: Quantity, t: Quantity) -> bool:
    """A figure with the wrong scale word: "milliarder" as "million", "billioner" as "billion"."""
    if not q.power or not t.power or q.power == t.power or (q.power - t.power) % 3:
        return False
    if q.unit and t.unit and q.unit != t.unit and dimension(q.unit) == dimension(t.unit):
        ratio = in_base(q.value, q.unit) / in_base(t.value, t.unit)  # "liter" as "gallons"
        return any(abs(ratio / Decimal(10) ** p - 1) <= Decimal("0.03") for p in (3, 6, -3, -6))
    if q.kind == "scale" or t.kind == "scale":
        return True
    return q.value / Decimal(10) ** q.power == t.value / Decimal(10) ** t.power


_SORTS = ("date", "time", "decade", "century")


def _could_be(q: Quantity, t: Quantity) -> bool:
    """Whether `t` is plausibly `q` changed: a reading of the same sort, of a similar size."""
    centuries = any(k == "century" for k, _ in q.keys) and any(k == "century" for k, _ in t.keys)
    if (t.spelled and not t.scaled and not centuries) or q.kind == "scale" or t.kind == "scale":
        return False
    if _garbled(q, t):
        return True
    if q.spelled and t.kind not in ("number", "percent"):  # "arton-" is no century
        return False
    for kind, value in q.keys:
        for other_kind, other in t.keys:
            if kind != other_kind:
                continue
            if kind in _SORTS:
                return True
            if not value or not other or not Decimal("0.1") <= value / other <= 10:
                continue
            if (q.kind == "year") != (t.kind == "year") and len(_digits(value)) != len(
                _digits(other)
            ):
                continue
            return True
    return False


def _garbled(q: Quantity, t: Quantity) -> bool:
    """A vulgar fraction whose glyph became digits: "¾" → "34", "2½" → "212"."""
    glyph = next((c for c in q.text if c in _VULGAR), None)
    if glyph is None or t.kind != "number":
        return False
    whole = "".join(c for c in q.text if c.isdigit())
    ratio = Fraction(unicodedata.numeric(glyph)).limit_denominator(10)
    return re.sub(r"\D", "", t.text) == f"{whole}{ratio.numerator}{ratio.denominator}"


def _distance(q: Quantity, t: Quantity) -> tuple[int, Decimal]:
    """How far apart two figures look: differing digits first, then size."""
    a, b = _digits(q.value), _digits(t.value)
    differing = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
    return differing, abs(q.value - t.value)


def _digits(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", "")
