"""Errors injected into a faithful translation, to measure what the checks catch.

- figure changed: one digit of a figure that source and reference share (half of them after
  the decimal point when the figure has one);
- scale swapped: million ↔ billion (and trillion → billion) in a figure both share;
- name dropped: a name both spell the same, removed; surname dropped: of a two-word name both
  have, the second word removed and the first kept.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.faithfulness.figures import same_figure
from pipeline.faithfulness.names import fold
from pipeline.faithfulness.quantities import extract_quantities


@dataclass(frozen=True)
class Injection:
    sentence: int  # line index in the corpus
    target: str  # the mutated reference sentence
    marker: str  # what a catching check's value must contain (folded), for names


def _shared_figures(source: str, target: str, language: str):
    src = extract_quantities(source, language)
    return [t for t in extract_quantities(target, "en")
            if any(same_figure(s, t) for s in src)], src  # fmt: skip


def inject_figure(source: str, target: str, language: str, rng: random.Random, decimal: bool):
    """Change one digit of a figure both sentences share; None if there is none to change."""
    shared, src = _shared_figures(source, target, language)
    shared = [t for t in shared if not t.spelled and any(c.isdigit() for c in t.text)]
    if decimal:
        shared = [t for t in shared if re.search(r"\d\.\d", t.text)]
    rng.shuffle(shared)
    for q in shared:
        text = q.text
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if decimal:
            digits = [i for i in digits if i > text.index(".")]
        for i in rng.sample(digits, len(digits)):
            choices = [d for d in "0123456789" if d != text[i] and not (d == "0" and i == 0)]
            new = text[:i] + rng.choice(choices) + text[i + 1 :]
            changed = target[: q.span[0]] + new + target[q.span[1] :]
            after = [t for t in extract_quantities(changed, "en") if t.span[0] == q.span[0]]
            if after and not any(same_figure(s, after[0]) for s in src):
                return changed
    return None


_SWAP = {"million": "billion", "billion": "million", "trillion": "billion",
         "bn": "m", "millions": "billions", "billions": "millions"}  # fmt: skip
_SCALE_WORD = re.compile(r"\b(million|billion|trillion|bn|millions|billions)\b")


def inject_scale(source: str, target: str, language: str, rng: random.Random):
    """Swap million and billion in a figure both sentences share."""
    shared, _ = _shared_figures(source, target, language)
    shared = [t for t in shared if t.scaled]
    rng.shuffle(shared)
    for q in shared:
        match = _SCALE_WORD.search(target, q.span[0], q.span[1] + 1)
        if match:
            return target[: match.start()] + _SWAP[match.group()] + target[match.end() :]
    return None


_RUN = re.compile(r"[A-ZÆØÅÄÖÉ][\w’'-]*\w(?: [A-ZÆØÅÄÖÉ][\w’'-]*\w)*")
_COMMON = frozenset(
    re.findall(
        r"\w+",
        "The A An In On At And But When While After As With For From To By Of If Also He She It "
        "They We I This That These Those His Her Their Its Mr Mrs Ms Dr University School Street "
        "National International Party Union City North South East West New",
    )
)


def _name_runs(
    source: str, target: str, ordinary: frozenset[str]
) -> list[tuple[int, int, list[str]]]:
    """Runs of capitalised words in `target`, not opening it, whose words the source spells
    the same way and occur once in the sentence, and which hold a word English never writes
    in lower case (a proper name, not "Square" or "College"): (start, end, words)."""
    source_words = {fold(w) for w in re.findall(r"[\w’'-]+", source) if w[0].isupper()}
    target_words = [fold(w) for w in re.findall(r"[\w’'-]+", target)]
    out = []
    for match in _RUN.finditer(target):
        words = [re.sub(r"['’]s?$", "", w) for w in match.group().split(" ")]
        if match.start() == 0:
            continue
        if not all(w.isalpha() and len(w) >= 3 and w not in _COMMON and fold(w) in source_words
                   and target_words.count(fold(w)) == 1 for w in words):  # fmt: skip
            continue
        if any(w.lower() not in ordinary for w in words):
            out.append((match.start(), match.end(), words))
    return out


def inject_name(
    source: str, target: str, rng: random.Random, surname: bool, ordinary: frozenset[str]
):
    """Drop a name (or, `surname`, the second word of a two-word name) both spell the same."""
    runs = _name_runs(source, target, ordinary)
    if surname:  # "Galileo Galilei" → "Galileo": the second word must be a proper name too
        runs = [r for r in runs if len(r[2]) == 2 and r[2][1].lower() not in ordinary]
    if not runs:
        return None
    start, end, words = rng.choice(runs)
    if surname:
        return _drop(target, start + len(words[0]), end), words[1]
    return _drop(target, start, end), words[-1]


def _drop(text: str, start: int, end: int) -> str:
    out = text[:start].rstrip() + " " + text[end:].lstrip()
    return re.sub(r" +([,.;:!?)])", r"\1", out).strip()


def lowercase_words(lines: Sequence[str]) -> frozenset[str]:
    """Words the English text writes in lower case somewhere: ordinary words, not names."""
    return frozenset(w for line in lines for w in re.findall(r"\b[a-z][a-z'-]+", line))


def inject(
    kind: str,
    source: str,
    target: str,
    language: str,
    rng: random.Random,
    ordinary: frozenset[str] = frozenset(),
):
    """(mutated target, marker) for injection `kind`, or None when the sentence has no room.
    `ordinary`: the English words written in lower case somewhere (not proper names)."""
    if kind in ("figure_changed", "figure_changed_decimal"):
        changed = inject_figure(source, target, language, rng, kind.endswith("decimal"))
        return (changed, "") if changed else None
    if kind == "scale_swapped":
        changed = inject_scale(source, target, language, rng)
        return (changed, "") if changed else None
    return inject_name(source, target, rng, kind == "surname_dropped", ordinary)
