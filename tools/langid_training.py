"""Training the language-ID n-gram model shipped in ``pipeline/language/data`` (not installed).

Deterministic: the same sentences give the same bytes, so ``python -m tools.evaluate train``
reproduces the shipped file exactly.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from pipeline.language.ngram_model import LANGUAGES, MAX_N, WORD_MARK, features

# N-grams seen fewer times than this over all languages are dropped from the shipped
# file: they carry little evidence and would triple its size.
MIN_COUNT = 2
# Words are kept from one occurrence: a word seen once is still good evidence.
WORD_MIN_COUNT = 1


def train_counts(texts: Mapping[str, Iterable[str]]) -> tuple[list[str], np.ndarray]:
    """Vocabulary (sorted) and its count matrix (feature × LANGUAGES) from training texts.

    Features seen fewer than MIN_COUNT times in all are dropped, so the vocabulary comes
    from ``texts`` alone (cross-validation passes only the training folds).
    """
    per_language = []
    for code in LANGUAGES:
        total: Counter[str] = Counter()
        for text in texts.get(code, ()):
            total.update(features(text))
        per_language.append(total)
    overall: Counter[str] = Counter()
    for total in per_language:
        overall.update(total)
    vocab = sorted(
        g for g, c in overall.items() if c >= (WORD_MIN_COUNT if g[:1] == WORD_MARK else MIN_COUNT)
    )
    counts = np.array([[t.get(g, 0) for t in per_language] for g in vocab], dtype=np.uint32)
    return vocab, counts.reshape(len(vocab), len(LANGUAGES))


def save(path: Path, vocab: list[str], counts: np.ndarray) -> None:
    """Write the model file: vocabulary as one NUL-joined string, counts as uint16/32."""
    dtype = np.uint16 if counts.max(initial=0) < 1 << 16 else np.uint32
    buffer = io.BytesIO()
    np.savez(
        buffer,
        counts=counts.astype(dtype),
        vocab=np.frombuffer("\0".join(vocab).encode("utf-8"), dtype=np.uint8),
        meta=np.frombuffer(
            json.dumps({"languages": LANGUAGES, "max_n": MAX_N}).encode(), dtype=np.uint8
        ),
    )
    # mtime=0 keeps the gzip header, and so the file, byte-identical across runs.
    path.write_bytes(gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0))
