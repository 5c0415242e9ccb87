"""Comparing the figures of aligned sentences: lost, rescaled and changed figures.

A source figure is looked for in its own translated sentence first. When it is not there, a
figure of the same sort that the translated sentence has and the source does not stands in for
it: 1000 times too large or small is a scale slip ("milliarder" → "million"), anything else
close is a changed figure. With no stand-in, the figure may have moved to a neighbouring
sentence; only when the whole translation lacks it is it missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .quantities import Quantity
from .units import same_measure


@dataclass(frozen=True)
class FigureFinding:
    """One figure problem: `kind` and `severity` as in `Check`, `sentence` the pair's index."""

    kind: str  # number_missing, number_changed, number_scale
    severity: str
    sentence: int
    source: Quantity
    target: Quantity | None  # the figure standing in for it, if any


def same_figure(a: Quantity, b: Quantity) -> bool:
    """Whether `a` and `b` say the same: a shared reading, or one measure in two units."""
    if a.keys & b.keys:
        return True
    return bool(a.unit and b.unit and same_measure(a.value, a.unit, b.value, b.unit))


def compare_figures(
    source: Sequence[Sequence[Quantity]], target: Sequence[Sequence[Quantity]]
) -> list[FigureFinding]:
    """Problems with the figures of `source` sentences given their aligned `target` sentences."""
    source_index = _Index([q for sentence in source for q in sentence])
    target_index = _Index([q for sentence in target for q in sentence])
    findings: list[FigureFinding] = []
    for index, (src, tgt) in enumerate(zip(source, target, strict=True)):
        sentence = _Index(tgt)
        matched: set[int] = set()
        unmatched: list[Quantity] = []
        for q in src:
            hits = sentence.matches(q)
            matched.update(hits)
            if not hits and not any(q.keys & u.keys for u in unmatched):
                unmatched.append(q)
        if not unmatched:
            continue
        # Figures of this translated sentence that no source figure accounts for.
        free = [t for j, t in enumerate(tgt) if j not in matched and not source_index.matches(t)]
        if len(free) > _MAX_FREE:  # not a sentence but a table of figures: no pairing
            free = []
        for q in unmatched:
            finding = _stand_in(index, q, free)
            if finding is not None:
                findings.append(finding)
            elif not q.weak and not target_index.matches(q):
                findings.append(FigureFinding("number_missing", "warning", index, q, None))
    return findings


_MAX_FREE = 40


class _Index:
    """Quantities by reading, for `same_figure` questions in constant time."""

    def __init__(self, quantities: Sequence[Quantity]) -> None:
        self.by_key: dict[tuple, list[int]] = {}
        self.measures: list[tuple[int, Quantity]] = []
        for i, q in enumerate(quantities):
            for key in q.keys:
                self.by_key.setdefault(key, []).append(i)
            if q.unit:
                self.measures.append((i, q))

    def matches(self, q: Quantity) -> set[int]:
        """Positions of the quantities that say the same as `q`."""
        hits = {i for key in q.keys for i in self.by_key.get(key, ())}
        if q.unit:
            hits.update(i for i, t in self.measures if same_figure(q, t))
        return hits


def _stand_in(index: int, q: Quantity, free: list[Quantity]) -> FigureFinding | None:
    """A scale slip or a changed figure, taking its stand-in out of `free`."""
    for t in free:
        if scale_slip(q, t):
            free.remove(t)
            return FigureFinding("number_scale", "error", index, q, t)
    if q.spelled:  # a number word rephrased is not a changed figure
        return None
    candidates = [t for t in free if _could_be(q, t)]
    if not candidates:
        return None
    best = min(candidates, key=lambda t: _distance(q, t))
    free.remove(best)
    return FigureFinding("number_changed", "error", index, q, best)


def scale_slip(q: Quantity, t: Quantity) -> bool:
    """A figure with the wrong scale word: "milliarder" as "million", "billioner" as "billion"."""
    if not q.power or not t.power or q.power == t.power or (q.power - t.power) % 3:
        return False
    if q.kind == "scale" or t.kind == "scale":
        return True
    return q.value / Decimal(10) ** q.power == t.value / Decimal(10) ** t.power


_FAMILY = {"number": "n", "percent": "n", "year": "n", "date": "d", "time": "t",
           "decade": "c", "century": "c"}  # fmt: skip


def _could_be(q: Quantity, t: Quantity) -> bool:
    """Whether `t` is plausibly `q` changed: the same sort of figure, of a similar size."""
    family = _FAMILY.get(q.kind)
    if family is None or family != _FAMILY.get(t.kind) or (t.spelled and not q.spelled):
        return False
    if family != "n":
        return True
    if (q.kind == "year") != (t.kind == "year"):
        return False
    if not q.value or not t.value:
        return False
    ratio = q.value / t.value
    return Decimal("0.1") <= ratio <= 10


def _distance(q: Quantity, t: Quantity) -> tuple[int, Decimal]:
    """How far apart two figures look: differing digits first, then size."""
    a, b = _digits(q.value), _digits(t.value)
    differing = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
    return differing, abs(q.value - t.value)


def _digits(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", "")
