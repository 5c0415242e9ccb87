"""Light tokenizers for the CTranslate2 backend: `sentencepiece` / `tokenizers` only.

They reproduce, for the two model families the project runs, exactly what transformers v5
(checked against 5.24.0) gives through `AutoTokenizer.from_pretrained(model_dir)`:

- Marian (Helsinki-NLP opus-mt): `MarianTokenizer`, a Python ("slow") tokenizer on
  `source.spm` + `target.spm` + a joint `vocab.json`;
- BART (distilbart): `RobertaTokenizer` (v5 maps `bart` and `BartTokenizer[Fast]` to it), a
  `tokenizers` byte-level BPE pipeline rebuilt from `vocab.json` + `merges.txt` (or the vocab and
  merges inside `tokenizer.json`).

Neither imports torch or transformers. A checkpoint whose files or settings fall outside what
was checked raises `UnsupportedTokenizer`: callers then use transformers.

    tok = load_light_tokenizer(model_dir)   # tk: AutoTokenizer.from_pretrained(model_dir)
    tok.encode_tokens(texts)   # [tk.convert_ids_to_tokens(ids) for ids in tk(texts)["input_ids"]]
    tok.count(texts)           # [len(ids) for ids in tk(texts)["input_ids"]]
    tok.decode_tokens(tokens)  # [tk.decode(tk.convert_tokens_to_ids(t),
                               #            skip_special_tokens=True).strip() for t in tokens]
    tok.max_length             # tk.model_max_length
    tok.id_to_token(i), tok.token_to_id(t)  # convert_ids_to_tokens(i), convert_tokens_to_ids(t)

The transformers rules each piece follows are cited as (file:line) of transformers 5.24.0.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.models.light_tokenizers.common import (
    BART_CLASSES,
    LightTokenizer,
    UnsupportedTokenizer,
    read_json,
)

__all__ = ["LightTokenizer", "UnsupportedTokenizer", "load_light_tokenizer", "load_tokenizer"]

log = logging.getLogger("pipeline")


def load_tokenizer(model_dir: str | os.PathLike) -> LightTokenizer:
    """The light tokenizer of `model_dir`, or transformers' behind the same interface when the
    checkpoint's tokenizer is one the light ones do not reproduce exactly (then torch loads)."""
    try:
        return load_light_tokenizer(model_dir)
    except UnsupportedTokenizer as exc:
        log.debug("using the transformers tokenizer for %s: %s", model_dir, exc)
        return TransformersTokenizer(Path(model_dir))


class TransformersTokenizer(LightTokenizer):
    """`AutoTokenizer` behind the light tokenizers' interface (the fallback)."""

    kind = "transformers"

    def __init__(self, model_dir: Path) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.max_length = int(self.tokenizer.model_max_length)

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(ids) for ids in self.tokenizer(list(texts))["input_ids"]] if texts else []

    def encode_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        return [list(self.tokenizer.convert_ids_to_tokens(ids)) for ids in self.encode_ids(texts)]

    def decode_tokens(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        tok = self.tokenizer
        ids = [tok.convert_tokens_to_ids(list(tokens)) for tokens in token_lists]
        return [str(tok.decode(row, skip_special_tokens=True)).strip() for row in ids]

    def token_to_id(self, token: str) -> int:
        index = self.tokenizer.convert_tokens_to_ids(token)
        assert isinstance(index, int)  # one token in, one id out
        return index

    def id_to_token(self, index: int) -> str:
        return str(self.tokenizer.convert_ids_to_tokens(int(index)))


def load_light_tokenizer(model_dir: str | os.PathLike) -> LightTokenizer:
    """The light tokenizer of the checkpoint in `model_dir`, or `UnsupportedTokenizer`.

    Follows `AutoTokenizer.from_pretrained` (models/auto/tokenization_auto.py:800-1000): the
    class comes from `tokenizer_config.json`'s `tokenizer_class` (or config.json's), checked
    against the class registered for config.json's `model_type` (bart -> RobertaTokenizer,
    line 73; marian -> MarianTokenizer, line 197).
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise UnsupportedTokenizer(f"{model_dir} is not a directory")
    config = read_json(model_dir / "config.json")
    if config is None:
        raise UnsupportedTokenizer(f"{model_dir}: no config.json")
    tok_config = read_json(model_dir / "tokenizer_config.json") or {}
    if not isinstance(tok_config, dict) or not isinstance(config, dict):
        raise UnsupportedTokenizer(f"{model_dir}: malformed tokenizer_config.json or config.json")
    for key in ("auto_map", "fast_tokenizer_files"):
        if key in tok_config or (key == "auto_map" and "auto_map" in config):
            raise UnsupportedTokenizer(
                f"{model_dir}: {key} in the config (custom tokenizer code/files)"
            )
    model_type = config.get("model_type")
    hub_class = tok_config.get("tokenizer_class") or config.get("tokenizer_class")
    if model_type == "marian":
        if hub_class not in (None, "MarianTokenizer"):
            raise UnsupportedTokenizer(
                f"{model_dir}: tokenizer_class {hub_class!r} for a Marian model"
            )
        from pipeline.models.light_tokenizers.marian import MarianLightTokenizer

        return MarianLightTokenizer(model_dir, tok_config)
    if model_type == "bart":
        if hub_class is not None and hub_class not in BART_CLASSES:
            raise UnsupportedTokenizer(
                f"{model_dir}: tokenizer_class {hub_class!r} for a BART model"
            )
        from pipeline.models.light_tokenizers.bart import BartLightTokenizer

        return BartLightTokenizer(model_dir, tok_config)
    raise UnsupportedTokenizer(
        f"{model_dir}: model_type {model_type!r} (light tokenizers: marian, bart)"
    )
