"""BART's tokenizer (RobertaTokenizer in transformers v5) on the `tokenizers` library alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.models.light_tokenizers.common import (
    HARMLESS_KEYS,
    SPECIAL_TOKENS_ATTRIBUTES,
    VERY_LARGE_INTEGER,
    Added,
    LightTokenizer,
    UnsupportedTokenizer,
    all_special_tokens,
    check_keys,
    clean_up_tokenization,
    same_token,
    special_tokens,
)

_BART_KEYS = HARMLESS_KEYS | {
    "add_prefix_space", "trim_offsets", "errors",
    "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output",
}  # fmt: skip


class BartLightTokenizer(LightTokenizer):
    """`RobertaTokenizer` (models/roberta/tokenization_roberta.py; BartTokenizer is an alias,
    models/bart/tokenization_bart.py:20) on the `tokenizers` library.

    The backend is rebuilt as transformers rebuilds it (tokenization_roberta.py:143-175), whatever
    tokenizer.json says besides its vocab and merges (tokenization_utils_tokenizers.py:122-200):
    BPE(vocab, merges, dropout=None, continuing_subword_prefix="", end_of_word_suffix="",
    fuse_unk=False) (no unk_token, no byte_fallback), no normalizer, ByteLevel pre-tokenizer with
    the config's `add_prefix_space` (default False), ByteLevel decoder, RobertaProcessing
    (`<s> ... </s>`, trim_offsets, add_prefix_space), and the added/special tokens of
    TokenizersBackend.__init__ (tokenization_utils_tokenizers.py:478-510).
    Decoding is the Rust `decode(ids, skip_special_tokens=True)`; `clean_up_tokenization_spaces`
    is ignored for a BPE model (lines 1179-1197) unless
    `clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output`.
    """

    kind = "bart"

    def __init__(self, model_dir: Path, cfg: dict) -> None:
        from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
        from tokenizers.models import BPE

        check_keys(cfg, _BART_KEYS, model_dir)
        if cfg.get("init_inputs"):
            raise UnsupportedTokenizer(f"{model_dir}: init_inputs")
        self.model_dir = model_dir
        max_length = cfg.get("model_max_length", cfg.get("max_len"))
        self.max_length = VERY_LARGE_INTEGER if max_length is None else max_length
        add_prefix_space = bool(cfg.get("add_prefix_space", False))
        trim_offsets = bool(cfg.get("trim_offsets", True))

        tokenizer_json = model_dir / "tokenizer.json"
        bpe_kwargs = dict(dropout=None, continuing_subword_prefix="", end_of_word_suffix="",
                          fuse_unk=False)  # fmt: skip
        file_added: dict[int, Added] = {}
        if tokenizer_json.is_file():
            # transformers takes only model.vocab and model.merges from tokenizer.json (and its
            # added_tokens when tokenizer_config.json has no added_tokens_decoder); parsing the
            # file in Rust and resetting every BPE option to RobertaTokenizer's gives the same
            # model without a Python json.load of the whole vocabulary.
            try:
                from_file = Tokenizer.from_file(str(tokenizer_json))
            except Exception as exc:
                raise UnsupportedTokenizer(f"{tokenizer_json}: {exc}") from exc
            bpe = from_file.model
            if type(bpe).__name__ != "BPE":
                raise UnsupportedTokenizer(
                    f"{tokenizer_json}: model {type(bpe).__name__} is not BPE"
                )
            bpe.dropout = None
            bpe.unk_token = None
            bpe.continuing_subword_prefix = ""
            bpe.end_of_word_suffix = ""
            bpe.fuse_unk = False
            bpe.byte_fallback = False
            bpe.ignore_merges = False
            if "added_tokens_decoder" not in cfg:  # legacy: tokenizer.json's added tokens
                for idx, token in from_file.get_added_tokens_decoder().items():
                    file_added[int(idx)] = Added(token.content, token.lstrip, token.rstrip,
                                                  token.single_word, token.normalized,
                                                  token.special)  # fmt: skip
            del from_file
        elif (model_dir / "vocab.json").is_file() and (model_dir / "merges.txt").is_file():
            bpe = BPE.from_file(
                str(model_dir / "vocab.json"), str(model_dir / "merges.txt"), **bpe_kwargs
            )
        else:
            raise UnsupportedTokenizer(
                f"{model_dir}: neither tokenizer.json nor vocab.json + merges.txt"
            )

        tok = Tokenizer(bpe)
        if (
            tok.get_vocab_size() > 100_000
        ):  # transformers may patch the pre-tokenizer (mistral regex)
            raise UnsupportedTokenizer(f"{model_dir}: vocabulary over 100,000 entries")
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
        tok.decoder = decoders.ByteLevel()

        defaults = {
            "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        }  # fmt: skip
        specials = special_tokens(model_dir, cfg, defaults)
        added = specials["added"] or file_added
        if file_added and not specials["added"]:  # the legacy map applies to tokenizer.json's too
            by_content = {t.content: t for t in file_added.values()}
            for key in SPECIAL_TOKENS_ATTRIBUTES:
                if key in specials["named"]:
                    value = specials["named"][key]
                    specials["named"][key] = by_content.get(str(value), value)
        named, extra = specials["named"], specials["extra"]

        # TokenizersBackend.__init__ (tokenization_utils_tokenizers.py:478-510)
        tokens_to_add: list[Any] = [t for _, t in sorted(added.items(), key=lambda x: x[0])]
        encoder = [str(t) for t in tokens_to_add]

        def _in(value, items) -> bool:  # list membership as transformers tests it (== on tokens)
            return any(same_token(value, item) for item in items)

        for value in named.values():
            if value is None:
                continue
            if str(value) not in encoder and not _in(value, tokens_to_add):
                tokens_to_add.append(value)
        for value in extra:
            if str(value) not in encoder and not _in(value, tokens_to_add):
                tokens_to_add.append(value)
        named_strs = [str(t) for t in named.values() if t]
        final = []
        for value in tokens_to_add:
            entry: Added = value
            if isinstance(value, str):
                entry = Added(value, special=True, normalized=False)
            elif not value.special and value.content in named_strs:
                entry = Added(value.content, value.lstrip, value.rstrip, value.single_word,
                              value.normalized, True)  # fmt: skip
            final.append(entry.to_tokenizers())
        if final:
            tok.add_tokens(final)

        self.split_special_tokens = bool(cfg.get("split_special_tokens", False))
        tok.encode_special_tokens = self.split_special_tokens
        self.unk_token = str(named.get("unk_token")) if named.get("unk_token") is not None else None
        self._unk_id = tok.token_to_id(self.unk_token) if self.unk_token is not None else None
        sep, cls = str(named["sep_token"]), str(named["cls_token"])
        sep_id, cls_id = self._convert(tok, sep), self._convert(tok, cls)
        if sep_id is None or cls_id is None:
            raise UnsupportedTokenizer(f"{model_dir}: {sep!r} or {cls!r} has no id")
        tok.post_processor = processors.RobertaProcessing(
            (sep, sep_id), (cls, cls_id), trim_offsets, add_prefix_space
        )
        self.special_tokens = all_special_tokens(named, extra)
        self.clean_up = bool(cfg.get("clean_up_tokenization_spaces", False)) and bool(
            cfg.get(
                "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False
            )
        )
        self.backend = tok
        self._token_cache: dict[int, str] = {}  # id -> id_to_token(id), filled as ids appear

    def _convert(self, tok, token: str) -> int | None:
        index = tok.token_to_id(token)
        return self._unk_id if index is None else index

    def token_to_id(self, token: str) -> int:
        """`_convert_token_to_id_with_added_voc` (tokenization_utils_tokenizers.py:831)."""
        index = self.backend.token_to_id(token)
        if index is None:
            if self._unk_id is None:
                raise KeyError(f"{token!r} is not in the vocabulary and there is no <unk>")
            return self._unk_id
        return index

    def id_to_token(self, index: int) -> str:
        token = self.backend.id_to_token(int(index))
        if token is None:
            raise KeyError(f"id {index} is not in the vocabulary")
        return token

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return [e.ids for e in self.backend.encode_batch(list(texts), add_special_tokens=True)]

    def encode_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        # Not `Encoding.tokens`: for an added token with lstrip/rstrip that is the matched span
        # (" <mask>"), while transformers maps ids back with `id_to_token` ("<mask>").
        cache, id_to_token = self._token_cache, self.id_to_token
        out = []
        for ids in self.encode_ids(texts):
            row = []
            for i in ids:
                token = cache.get(i)
                if token is None:
                    token = cache[i] = id_to_token(i)
                row.append(token)
            out.append(row)
        return out

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self.backend.encode_batch(list(texts), add_special_tokens=True)]

    def decode_tokens(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        if not token_lists:
            return []
        ids = [[self.token_to_id(t) for t in tokens] for tokens in token_lists]
        texts = self.backend.decode_batch(ids, skip_special_tokens=True)
        if self.clean_up:
            texts = [clean_up_tokenization(t) for t in texts]
        return [t.strip() for t in texts]
