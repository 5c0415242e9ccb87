"""Making text fit a model's input limit without ever truncating it.

MarianMT reads one sentence at a time and BART at most 1024 tokens. A sentence that is too long is
cut at clause boundaries (semicolons, commas, dashes, conjunctions), then at word boundaries as a
last resort; paragraphs are packed into chunks that fit. Every character except the whitespace at
the cuts survives, so joining the pieces with spaces gives the text back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

CountTokens = Callable[[Sequence[str]], list[int]]

# Cut points, strongest first: after ; or :, after a comma or dash, before a coordinating word.
_CLAUSE_CUTS = (
    re.compile(r"(?<=[;:])\s+"),
    # (?<!\s) anchors each match at the start of a whitespace run: without it the search retries
    # at every position inside a long run of spaces, which is quadratic.
    re.compile(r"(?<=,)\s+|(?<!\s)\s+(?=[–—-]\s)"),
    re.compile(r"(?<!\s)\s+(?=(?:og|men|eller|samt|mens|fordi|så|and|but|or|while|because|och)\s)"),
)


def split_to_fit(text: str, count: CountTokens, limit: int) -> list[str]:
    """`text` as pieces that each take at most `limit` tokens (by `count`), in order."""
    if count([text])[0] <= limit:
        return [text]
    return _split(text, count, limit, 0)


def _split(text: str, count: CountTokens, limit: int, level: int) -> list[str]:
    if level == len(_CLAUSE_CUTS):
        return _split_words(text, count, limit)
    parts = [p for p in _CLAUSE_CUTS[level].split(text) if p]
    if len(parts) == 1:
        return _split(text, count, limit, level + 1)
    pieces: list[str] = []
    for chunk in pack(parts, count, limit, sep=" "):
        if count([chunk])[0] <= limit:
            pieces.append(chunk)
        else:
            pieces.extend(_split(chunk, count, limit, level + 1))
    return pieces


def _split_words(text: str, count: CountTokens, limit: int) -> list[str]:
    words = text.split()
    pieces: list[str] = []
    for chunk in pack(words, count, limit, sep=" "):
        if count([chunk])[0] <= limit or len(chunk.split()) == 1:
            pieces.append(chunk)
        else:  # one word longer than the limit: cut it by characters
            pieces.extend(_split_chars(chunk, count, limit))
    return pieces


def _split_chars(word: str, count: CountTokens, limit: int) -> list[str]:
    step = max(1, len(word) // max(1, count([word])[0] // max(1, limit - 2) + 1))
    return [word[i : i + step] for i in range(0, len(word), step)]


def pack(parts: Sequence[str], count: CountTokens, limit: int, sep: str = "\n") -> list[str]:
    """Greedily join consecutive `parts` with `sep` into chunks of at most `limit` tokens.

    A part that alone exceeds the limit becomes a chunk of its own (callers split it further).
    Token counts of a join are estimated from the parts' counts, then checked, so this costs
    about one tokenizer call per part.
    """
    sizes = count(list(parts))
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for part, size in zip(parts, sizes, strict=True):
        if current and used + size > limit:
            chunks.append(sep.join(current))
            current, used = [], 0
        current.append(part)
        used += size
    if current:
        chunks.append(sep.join(current))
    return chunks
