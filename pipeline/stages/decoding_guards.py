"""Decoding guards: spotting degenerate model output so it can be retried with safer settings.

Seq2seq models fail in recognisable ways: looping on an n-gram ("the the the ..."), stopping at
once, or running far longer than the input. These checks are cheap and model-agnostic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

# Output/input length (characters) outside this range is suspicious for sentence translation.
LENGTH_RATIO = (0.25, 4.0)
MAX_REPEATS = 4  # the same n-gram this many times in a row is a loop


def repeated_ngram(text: str, max_n: int = 4, repeats: int = MAX_REPEATS) -> str | None:
    """The first n-gram (n ≤ `max_n` words) that occurs `repeats` times in a row, if any."""
    words = text.split()
    for n in range(1, max_n + 1):
        for start in range(len(words) - n * repeats + 1):
            gram = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == gram for k in range(1, repeats)):
                return " ".join(gram)
    return None


def degenerate(source: str, output: str, *, check_length: bool = True) -> str | None:
    """Why `output` looks degenerate for `source`, or None when it looks like a normal answer."""
    if source.strip() and not output.strip():
        return "empty output"
    loop = repeated_ngram(output)
    if loop is not None:
        return f"repeats {loop!r}"
    if check_length and len(source) >= 20:
        ratio = len(output) / len(source)
        if not LENGTH_RATIO[0] <= ratio <= LENGTH_RATIO[1]:
            return f"length ratio {ratio:.2f}"
    return None


def safer(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings for a retry: more beams, no repeated trigrams, a mild repetition penalty."""
    return {
        **settings,
        "num_beams": max(4, int(settings.get("num_beams", 1))),
        "no_repeat_ngram_size": 3,
        "repetition_penalty": max(1.2, float(settings.get("repetition_penalty", 1.0))),
    }


def generate_guarded(
    backend, texts: Sequence[str], settings: dict[str, Any], *, check_length: bool = True
) -> tuple[list[str], list[str | None]]:
    """`backend.generate`, then one retry with safer settings for degenerate outputs.

    Returns the outputs and, per output, what happened: None (fine), "retried" (the retry looked
    normal) or "degenerate" (still degenerate after the retry; kept, there is nothing better).
    """
    # A length the settings force (min_new_tokens) is no runaway, and a retry would be forced to
    # it again: only the other signs count then.
    check_length = check_length and not settings.get("min_new_tokens")
    out = backend.generate(texts, settings)
    flags: list[str | None] = [None] * len(texts)
    bad = [i for i, (s, o) in enumerate(zip(texts, out, strict=True))
           if degenerate(s, o, check_length=check_length)]  # fmt: skip
    if bad:
        again = backend.generate([texts[i] for i in bad], safer(settings))
        for i, text in zip(bad, again, strict=True):
            out[i] = text
            still = degenerate(texts[i], text, check_length=check_length) is not None
            flags[i] = "degenerate" if still else "retried"
    return out, flags


def tally(notes: Iterable[str | None]) -> dict[str, int]:
    """Counts of guard notes, for the stage's record (empty when nothing happened)."""
    return dict(sorted(Counter(n for n in notes if n).items()))
