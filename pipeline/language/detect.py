"""Language identification for news text: Norwegian Bokmål/Nynorsk, Danish, Swedish, English.

Two models. A small character n-gram model trained on UD news/web text (``data/``, see
:mod:`pipeline.language.ngram_model`) tells the five supported languages apart, Bokmål from
Nynorsk and Danish included, which general-purpose identifiers do poorly. py3langid (a
140-language model) says whether a text is in one of the five at all, so that German, French,
Chinese … are named rather than forced into a Nordic label, and its scores are added to the
n-gram model's for texts that model is unsure of.

py3langid takes most of the load time, so it is consulted only when needed: a text full
of Nordic/English function words on which the n-gram model is sure of itself (a typical
article) is decided without it. Both models load lazily on first use and are cached;
importing this module imports neither them nor numpy.
"""

from __future__ import annotations

import functools
import math
import re
from typing import TYPE_CHECKING

from pipeline.language.codes import SUPPORTED, UNDETERMINED, Language

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from pipeline.language.ngram_model import NgramModel

# py3langid's label for each supported language ("no" is, in practice, Bokmål).
_P3_LABEL = {"nb": "no", "nn": "nn", "da": "da", "sv": "sv", "en": "en"}
# The constants below were chosen by 5-fold cross-validation on the UD dev sets
# (python -m tools.evaluate langid); none was tuned on anything else.
# Weight of py3langid's log-scores against the n-gram model's (10 with the word features;
# 6 before them).
P3_WEIGHT = 10.0
# A text is foreign when py3langid's best other language beats its best supported one by
# this much (log-score per sqrt(byte), its own length normalisation). On the UD dev
# sentences 99.9 % of Nordic/English ones stay below 1.6; sample foreign sentences score 6+.
FOREIGN_MARGIN = 3.0
# The n-gram model decides alone when it leads by this much (log-likelihood) on a text
# with enough function words: 79 % of dev sentences and all articles, at 99.5 % accuracy.
SURE_MARGIN = 60.0
# Softmax temperatures turning scores into confidences (fitted by log-loss), so that a
# confidence of 0.9 is right about nine times in ten.
TEMPERATURE = 35.0
TEMPERATURE_NGRAM = 20.0
_MIN_WORDS = 2
# Longer texts are judged on their beginning, so time and memory stay bounded.
MAX_CHARS = 50_000
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_TOKEN = re.compile(r"\S+")
_CJK = re.compile("[\u3040-\u9fff\uac00-\ud7af]")
# Frequent words of the five languages that are rare in the neighbours py3langid must
# catch (German, Dutch, Icelandic, Faroese …): "og", "i", "en", "er", "de" are left out.
# They make up 15–25 % of the words of a Nordic or English article and some 0–5 % of
# those neighbours' text; "sure" needs 10 %.
_FUNCTION_WORDS = frozenset(
    {
        "ikke",
        "ikkje",
        "inte",
        "på",
        "och",
        "att",
        "för",
        "är",
        "som",
        "med",
        "det",
        "den",
        "dette",
        "denne",
        "disse",
        "detta",
        "har",
        "hadde",
        "hade",
        "havde",
        "jeg",
        "jag",
        "hun",
        "ho",
        "hon",
        "ble",
        "blir",
        "blev",
        "vart",
        "skal",
        "ska",
        "også",
        "òg",
        "fra",
        "frå",
        "från",
        "efter",
        "etter",
        "seg",
        "sin",
        "sitt",
        "mot",
        "eller",
        "kan",
        "vil",
        "ville",
        "vill",
        "skulle",
        "the",
        "and",
        "of",
        "to",
        "is",
        "that",
        "was",
        "with",
        "are",
        "this",
        "have",
        "not",
        "you",
        "be",
        "by",
        "from",
        "which",
        "for",
        "at",
        "on",
        "it",
        "they",
        "he",
        "she",
        "has",
        "had",
        "were",
        "been",
        "would",
    }
)


@functools.cache
def _ngram_model() -> NgramModel:
    """The shipped n-gram model, read once on first use."""
    from pipeline.language.ngram_model import NgramModel

    return NgramModel.load()


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's model (raw log-scores), loaded once on first use."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)


def detect_language(text: str) -> Language:
    """The language of ``text`` as an ISO 639-1 code and a confidence in 0–1.

    Returns ``und`` (confidence 0) when there is too little text to tell (fewer than two
    words with letters), one of :data:`SUPPORTED` when the text is in one of them, and
    otherwise the code of the other language it is in (``de``, ``fr``, ``zh`` …).
    Texts longer than :data:`MAX_CHARS` are judged on their first ~50,000 characters.
    Deterministic: the same text always gives the same answer.
    """
    if _too_short(text):  # before loading anything
        return Language(UNDETERMINED, 0.0)
    return classify(_head(text), _ngram_model(), _identifier)


def _head(text: str) -> str:
    """The first ~MAX_CHARS characters, cut at whitespace: plenty to tell a language."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
    return text[: cut if cut > 0 else MAX_CHARS]


def classify(text: str, ngram_model: NgramModel, identifier) -> Language:
    """:func:`detect_language` with given models (evaluation passes cross-validated ones).

    ``identifier`` is a callable returning the py3langid model, called only if needed.
    """
    if _too_short(text):
        return Language(UNDETERMINED, 0.0)
    scores = [float(x) for x in ngram_model.scores(text)[0]]
    best = max(range(len(SUPPORTED)), key=scores.__getitem__)
    if _sure(text, scores):
        confidence = _softmax([x / TEMPERATURE_NGRAM for x in scores])[best]
        return Language(SUPPORTED[best], round(confidence, 4))
    ranked = dict(identifier().rank(text))
    foreign = _foreign(text, ranked)
    if foreign is not None:
        return foreign
    combined = [
        score + P3_WEIGHT * ranked[_P3_LABEL[code]]
        for code, score in zip(SUPPORTED, scores, strict=True)
    ]
    best = max(range(len(SUPPORTED)), key=combined.__getitem__)
    confidence = _softmax([x / TEMPERATURE for x in combined])[best]
    return Language(SUPPORTED[best], round(confidence, 4))


def _too_short(text: str) -> bool:
    if _has_cjk(text):
        return len(text.strip()) < 4
    return _word_count(text) < _MIN_WORDS


def _sure(text: str, scores: list[float]) -> bool:
    """Whether the n-gram model may decide alone: a clear lead on plainly Nordic/English text."""
    second, first = sorted(scores)[-2:]
    if first - second < SURE_MARGIN:
        return False
    words = _WORD.findall(text.lower())
    hits = sum(word in _FUNCTION_WORDS for word in words)
    return hits >= 3 and hits >= 0.1 * len(words)


def _word_count(text: str, enough: int = _MIN_WORDS) -> int:
    """Number of whitespace-separated words that contain a letter, counted up to ``enough``."""
    found = 0
    for match in _TOKEN.finditer(text):
        found += _LETTER.search(match.group()) is not None
        if found >= enough:
            break
    return found


def _has_cjk(text: str) -> bool:
    # Chinese, Japanese and Korean are written without spaces: one "word" is a sentence.
    return _CJK.search(text) is not None


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exp = [math.exp(x - top) for x in scores]
    total = sum(exp)
    return [x / total for x in exp]


def _foreign(text: str, ranked: dict[str, float]) -> Language | None:
    """The other language py3langid is sure of, or None if the text looks supported."""
    supported = max(ranked.get(label, -math.inf) for label in _P3_LABEL.values())
    other, score = max(
        ((k, v) for k, v in ranked.items() if k not in _P3_LABEL.values()),
        key=lambda kv: (kv[1], kv[0]),
    )
    scale = math.sqrt(len(text.encode("utf-8")) or 1)
    if (score - supported) / scale < FOREIGN_MARGIN:
        return None
    if other == "zxx":  # py3langid's "no linguistic content" (code, markup, number lists)
        return Language(UNDETERMINED, 0.0)
    probs = _softmax([v / scale for v in ranked.values()])
    return Language(other, round(max(probs), 4))
