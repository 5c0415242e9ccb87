"""Whole sentences a translation left out.

Given two sentences as one input, a translation model often drops the first whole ("Tillatelser
må bestilles på forhånd. For å overnatte på Sirena må du ha tillatelse." → "To stay at Sirena,
you need a permit."). The pipeline translates sentence by sentence, which avoids this; texts
aligned by line or paragraph from elsewhere still have it. A translation that has fewer
sentences than its source and is much shorter than the source than English usually is has
most likely lost one. Translators merge sentences too, but then the length stays, or the
joint shows: a list after a colon ("2 kategorier: Enten ..." → "two categories: Either ..."), a
sentence opening with "Men" joined to the one before as ", but ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text.sentences import sentence_spans

# English runs about as long as Nordic text (FLORES dev: 0.97 of the characters). A translation
# under _SHORT of its source, and short by at least _SHARE of its shortest sentence, lost one.
_SHORT = 0.8
_SHARE = 0.6
# Under _NEAR of the source, a translation within _FIT of the source without its first sentence
# lost that sentence: a short first sentence ("Snakk med så mange som mulig.") is too short for
# the test above. Merged sentences keep the whole length (FLORES dev: human translations with
# fewer sentences than their source are at least 0.9 of it, or far off the rest's length).
_NEAR = 0.9
_FIT = 0.12
# Below this many characters lengths say little: "Nu til Japan. Japan var et ørige ligesom
# Storbritannien." → "Now to Japan, Japan is a country like Britain." fits the rest as well.
_MIN_REST = 60


@dataclass(frozen=True)
class Omission:
    """A source sentence the translation most likely lacks, and the length figures for it."""

    text: str
    span: tuple[int, int]
    sentences: int  # in the source
    kept: int  # in the translation
    ratio: float  # translation characters / source characters
    question: bool = False  # a question, and the translation asks none


def dropped_sentence(source: str, target: str, language: str) -> Omission | None:
    """The sentence of `source` that `target` most likely dropped, if it dropped one."""
    spans = _worded(source, language)
    if len(spans) < 2 or not target.strip():
        return None
    kept = len(_worded(target, "en"))
    # English does not end a sentence at a colon before a capital where Nordic text may.
    colons = sum(source[start:end].rstrip().endswith(":") for start, end in spans)
    kept += min(colons, len(_COLON_BREAK.findall(target)))
    if kept >= len(spans):
        return None
    length = spans[-1][1] - spans[0][0]
    ratio = len(target.strip()) / length
    question = _lost_question(source, spans, target)
    if question is not None:
        start, end = question
        return Omission(source[start:end], question, len(spans), kept, ratio, question=True)
    rest = spans[-1][1] - spans[1][0]
    if ratio < _NEAR and rest >= _MIN_REST and abs(len(target.strip()) / rest - 1) <= _FIT:
        start, end = spans[0]  # the rest of the source fits the translation: the first is lost
        return Omission(source[start:end], spans[0], len(spans), kept, ratio)
    shortest = min(end - start for start, end in spans) / length
    if ratio >= _SHORT or ratio >= 1 - _SHARE * shortest:
        return None
    # The lost sentence is about `missing` characters long; models drop the first one most.
    missing = length - len(target.strip())
    near = [span for span in spans if abs(span[1] - span[0] - missing) <= 0.4 * missing]
    start, end = near[0] if near else min(spans, key=lambda sp: abs(sp[1] - sp[0] - missing))
    if _joined(source[start:end], target):
        return None
    return Omission(source[start:end], (start, end), len(spans), kept, ratio)


def _worded(text: str, language: str) -> list[tuple[int, int]]:
    """The spans of the sentences of `text` that have a word or figure (not a stray quote)."""
    return [span for span in sentence_spans(text, language)
            if any(c.isalnum() for c in text[span[0] : span[1]])]  # fmt: skip


def _lost_question(source: str, spans: list[tuple[int, int]],
                   target: str) -> tuple[int, int] | None:  # fmt: skip
    """The span of a question in `source` when `target` asks none: a translation keeps the
    question mark of "Hva er en celle?", so a translation without one dropped the question."""
    if "?" in target:
        return None
    return next((span for span in spans
                 if source[span[0] : span[1]].rstrip(_CLOSING).endswith("?")), None)  # fmt: skip


_CLOSING = " \"'”»’)"
_COLON_BREAK = re.compile(r":\s+[A-Z]")
# Conjunctions that open a Nordic sentence, and the English a translator joins them with.
_JOINING = {"men": "but", "og": "and", "och": "and", "eller": "or", "samt": "and"}


def _joined(sentence: str, target: str) -> bool:
    """Whether `sentence`, opening with a conjunction ("Men ..."), was joined to the sentence
    before it in `target` (", but ...") rather than dropped."""
    first = sentence.split(maxsplit=1)[0].lower() if sentence.strip() else ""
    english = _JOINING.get(first)
    return english is not None and re.search(rf"[,;]\s+{english}\b", target) is not None
