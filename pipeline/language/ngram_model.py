"""Character n-gram Naive-Bayes model for telling nb, nn, da, sv and en apart.

Features are character 1–5-grams of the lower-cased text with every run of non-letters
replaced by one space (so word starts and ends are features: " ikkje ", "af "), plus whole
words and word pairs of that text (stored with a tab in front: "\tikkje", "\teg veit"),
which carry most of what tells Nynorsk from Bokmål (ikkje/ikke, eg/jeg, kva/hva). The model
file stores raw counts (n-gram × language) rather than log-probabilities: they compress
far better and leave the smoothing a load-time choice. ``NgramModel.load`` reads it and
``NgramModel.scores`` gives per-language log-likelihoods. The file is made by
``tools/langid_training.py`` (developer tooling, not installed).
"""

from __future__ import annotations

import gzip
import io
import re
from itertools import pairwise, repeat
from pathlib import Path

import numpy as np

from pipeline.language.codes import SUPPORTED

LANGUAGES = SUPPORTED  # the order of the model file's columns
MAX_N = 5
MODEL_PATH = Path(__file__).resolve().parent / "data" / "nordic_ngrams.npz.gz"
# Additive smoothing of the character n-grams; chosen by cross-validation on the UD dev
# sets (see tools/evaluate.py). Witten-Bell and absolute discounting did no better there.
ALPHA = 0.1
# Weight of the word and word-pair log-likelihoods against the character n-grams' (by
# cross-validation: 5 gains 0.5 points on Nynorsk sentences over 0, 10 and 20 no more).
WORD_WEIGHT = 5.0
WORD_MARK = "\t"
CHUNK = 20_000
# Runs of anything but letters (digits, punctuation, spaces): one regex class, linear.
_NON_LETTERS = re.compile(r"[\W\d_]+")


def normalise(text: str) -> str:
    """Lower-cased letters, every other run of characters as one space, padded."""
    return " " + _NON_LETTERS.sub(" ", text.lower()).strip() + " "


def ngram_list(text: str, max_n: int | None = None) -> list[str]:
    """All character 1..max_n-grams of ``normalise(text)``, repeats kept, bare space dropped."""
    max_n = max_n or MAX_N
    norm = normalise(text)
    length = len(norm)
    grams = [norm[i : i + n] for n in range(2, max_n + 1) for i in range(length - n + 1)]
    grams.extend(ch for ch in norm if ch != " ")
    return grams


def word_list(text: str) -> list[str]:
    """Words and adjacent word pairs of ``normalise(text)``, each marked with WORD_MARK."""
    words = normalise(text).split()
    pairs = [f"{a} {b}" for a, b in pairwise(words)]
    return [WORD_MARK + w for w in words + pairs]


def features(text: str) -> list[str]:
    """Every feature of ``text``: character n-grams, then words and word pairs."""
    return ngram_list(text) + word_list(text)


class NgramModel:
    """Per-language log-likelihoods of texts under smoothed n-gram distributions."""

    def __init__(self, vocab: list[str], counts: np.ndarray, alpha: float = ALPHA):
        self.index = {g: i for i, g in enumerate(vocab)}
        counts = counts.astype(np.float64)
        # Group id: n for character n-grams, 100 + number of words for word features.
        order = np.array(
            [100 + g.count(" ") + 1 if g[:1] == WORD_MARK else len(g) for g in vocab], dtype=np.intp
        )
        logp = np.empty_like(counts)
        # Normalise within each group, so long and short n-grams each form a proper
        # distribution per language and languages with less data are not penalised.
        for n in np.unique(order):
            rows = order == n
            logp[rows] = _witten_bell(counts[rows]) if n > 100 else _additive(counts[rows], alpha)
        logp[order > 100] *= WORD_WEIGHT
        self.logp = logp.astype(np.float32)

    @classmethod
    def load(cls, path: Path = MODEL_PATH, alpha: float = ALPHA) -> NgramModel:
        """Read a file written by :func:`save`."""
        with np.load(io.BytesIO(gzip.decompress(path.read_bytes()))) as data:
            vocab = data["vocab"].tobytes().decode("utf-8").split("\0")
            return cls(vocab, data["counts"], alpha)

    def rows(self, text: str) -> np.ndarray:
        """Model rows of the known features of ``text``, once per occurrence."""
        grams = features(text)
        # map() with a repeated default keeps the per-n-gram loop inside C.
        rows = np.fromiter(
            map(self.index.get, grams, repeat(-1, len(grams))), dtype=np.intp, count=len(grams)
        )
        return rows[rows >= 0]

    def scores(self, text: str) -> tuple[np.ndarray, int]:
        """Log-likelihood per language (order of LANGUAGES) and the number of features used.

        The word features' part is weighted by WORD_WEIGHT.
        """
        total, used = np.zeros(len(LANGUAGES)), 0
        for chunk in _chunks(text):
            rows = self.rows(chunk)
            total += self.logp[rows].sum(axis=0, dtype=np.float64)
            used += len(rows)
        return total, used


def _additive(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Log-probabilities of one feature group per language, add-``alpha`` smoothed."""
    return np.log((counts + alpha) / (counts.sum(axis=0) + alpha * len(counts)))


def _witten_bell(counts: np.ndarray) -> np.ndarray:
    """Log-probabilities of one feature group per language, Witten-Bell smoothed.

    A language that has seen T distinct features in N tokens keeps T / (N + T) of its
    mass for features it has not seen, spread evenly over the group's vocabulary:
    rich vocabularies (many singletons) expect more new words than repetitive ones.
    """
    # A language with no features in this group gets a uniform distribution, not log(0).
    seen, types = counts.sum(axis=0), np.maximum((counts > 0).sum(axis=0), 1)
    return np.log((counts + types / len(counts)) / np.maximum(seen + types, 1))


def _chunks(text: str, size: int = CHUNK) -> list[str]:
    """``text`` in pieces of about ``size`` characters, cut at whitespace where possible.

    Scoring piece by piece keeps memory bounded (a 1 MB text would otherwise become five
    million n-gram strings at once) without changing the result beyond the cut words.
    """
    pieces, start = [], 0
    while len(text) - start > size:
        cut = text.find(" ", start + size, start + 2 * size)
        cut = cut if cut > 0 else start + size
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces
