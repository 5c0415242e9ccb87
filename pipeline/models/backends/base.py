"""What every sequence-to-sequence backend offers, and the batching both backends share.

A backend wraps one loaded model (translation or summarisation) and turns a list of texts into a
list of outputs with the profile's generation settings. It never truncates: callers ask
`count_tokens` and split what does not fit `max_input_tokens` before calling `generate`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

#: Source tokens per batch: length-sorted inputs are packed until this many (padded) tokens.
DEFAULT_BATCH_TOKENS = 2048
DEFAULT_MAX_BATCH = 32
#: What a model is given: many short inputs (an article's sentences) or a few long ones (whole
#: English texts to summarise); a backend may lay out its threads for it.
InputShape = Literal["sentences", "documents"]


class Seq2SeqBackend(Protocol):
    """A loaded encoder-decoder model."""

    name: str  # "transformers" or "ctranslate2"
    max_input_tokens: int  # the model's input limit, special tokens included

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as model input, special tokens included."""
        ...

    def generate(self, texts: Sequence[str], settings: dict[str, Any]) -> list[str]:
        """One output per input, in input order."""
        ...


def token_counts(tokenizer, texts: Sequence[str]) -> list[int]:
    """Tokens each text takes as model input with `tokenizer`, special tokens included."""
    return [len(ids) for ids in tokenizer(list(texts))["input_ids"]]


def input_limit(max_positions: int | None, tokenizer_max: int | None) -> int:
    """The model's input limit: its positions (512 if unset), or the tokenizer's maximum if that
    is lower."""
    limit = max_positions or 512
    return min(limit, tokenizer_max or limit)


def plan_batches(
    lengths: Sequence[int],
    *,
    max_tokens: int = DEFAULT_BATCH_TOKENS,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> Iterator[list[int]]:
    """Indices of inputs, grouped longest first into batches whose padded size fits `max_tokens`.

    Sorting by length keeps padding (wasted compute) low; callers restore the input order.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batch: list[int] = []
    for index in order:
        longest = lengths[batch[0]] if batch else lengths[index]
        if (batch and (len(batch) + 1) * longest > max_tokens) or len(batch) >= max_batch:
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


def new_token_limits(settings: dict[str, Any], input_tokens: int) -> tuple[int, int]:
    """(min_new_tokens, max_new_tokens) for an input of `input_tokens` tokens.

    `max_new_tokens_ratio` caps decoding relative to the input, so a degenerate model cannot run
    on for hundreds of tokens after a five-word sentence.
    """
    upper = int(settings.get("max_new_tokens", 256))
    lower = min(int(settings.get("min_new_tokens", 0)), upper)
    ratio = settings.get("max_new_tokens_ratio")
    if ratio:
        upper = max(lower, min(upper, math.ceil(ratio * input_tokens) + 8))
    return lower, max(upper, 1)


def cpu_threads() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pick_device(requested: str = "auto") -> str:
    """`cuda` when asked for or when available under `auto`, else `cpu`."""
    if requested != "auto":
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
