"""MarianTokenizer (Helsinki-NLP opus-mt checkpoints) on `sentencepiece` alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.models.light_tokenizers.common import (
    HARMLESS_KEYS,
    SPIECE_UNDERLINE,
    Added,
    LightTokenizer,
    Trie,
    UnsupportedTokenizer,
    all_special_tokens,
    check_keys,
    clean_up_tokenization,
    read_json,
    special_tokens,
)

_MARIAN_KEYS = HARMLESS_KEYS | {
    "source_lang", "target_lang", "sp_model_kwargs", "separate_vocabs", "target_vocab_file",
    "source_spm", "target_spm", "vocab",
}  # fmt: skip


class MarianLightTokenizer(LightTokenizer):
    """`MarianTokenizer` (models/marian/tokenization_marian.py) for a joint vocab.json.

    Encoding, per text (`__call__` -> PythonBackend._encode_plus -> tokenize,
    tokenization_python.py:630-683):
    1. split on the added tokens (the trie: `</s>`, `<unk>`, `<pad>` and any added_tokens_decoder
       entry), applying their lstrip/rstrip/single_word; an added token becomes itself;
    2. every other chunk: a leading `>>xxx<<` (text starts with ">>" and has a "<<") is cut off as
       one token (`remove_language_code`, tokenization_marian.py:190), the rest is
       `spm_source.encode(chunk, out_type=str)` (no punctuation normalisation: the
       MosesPunctNormalizer is built in `_setup_normalizer` but `normalize` is never called);
    3. token -> id: added tokens first, then vocab.json, else the `<unk>` id (line 183);
    4. `</s>` id appended (build_inputs_with_special_tokens, line 295);
    5. id -> token: added token content, else the vocab.json key with that id (reverse map,
       last key wins for duplicate ids).
    Decoding (`decode(ids, skip_special_tokens=True)`, lines 261-293): ids of all special tokens
    (incl. `<unk>`) dropped, the rest joined by `spm.decode_pieces` of the SOURCE spm (v5:
    `use_source_tokenizer` defaults to `not separate_vocabs`, line 269), `▁` -> " ", strip, then
    `clean_up_tokenization` if `clean_up_tokenization_spaces` (default False, base.py:1083).
    """

    kind = "marian"

    def __init__(self, model_dir: Path, cfg: dict) -> None:
        import sentencepiece

        check_keys(cfg, _MARIAN_KEYS, model_dir)
        if cfg.get("separate_vocabs"):
            raise UnsupportedTokenizer(f"{model_dir}: separate_vocabs (two vocabularies)")
        if cfg.get("sp_model_kwargs"):
            raise UnsupportedTokenizer(f"{model_dir}: sp_model_kwargs {cfg['sp_model_kwargs']!r}")
        if cfg.get("init_inputs"):
            raise UnsupportedTokenizer(f"{model_dir}: init_inputs")
        for name in ("source.spm", "target.spm", "vocab.json"):
            if not (model_dir / name).is_file():
                raise UnsupportedTokenizer(f"{model_dir}: no {name}")
        if "added_tokens_decoder" not in cfg and (model_dir / "tokenizer.json").is_file():
            raise UnsupportedTokenizer(
                f"{model_dir}: Marian with a tokenizer.json (legacy added tokens)"
            )
        self.model_dir = model_dir
        max_length = cfg.get("model_max_length", cfg.get("max_len"))
        self.max_length = 512 if max_length is None else max_length  # MarianTokenizer's default

        specials = special_tokens(
            model_dir, cfg, {"unk_token": "<unk>", "eos_token": "</s>", "pad_token": "<pad>"}
        )
        self.encoder: dict[str, int] = read_json(model_dir / "vocab.json")
        if not isinstance(self.encoder, dict):
            raise UnsupportedTokenizer(f"{model_dir}: vocab.json is not a mapping")
        named, extra = specials["named"], specials["extra"]
        self.unk_token = str(named.get("unk_token"))
        if self.unk_token not in self.encoder:
            raise UnsupportedTokenizer(f"{model_dir}: {self.unk_token!r} not in vocab.json")
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.special_tokens = all_special_tokens(named, extra)
        self._special_set = set(self.special_tokens)

        # PythonBackend.__init__ (tokenization_python.py:427-456): the config's added tokens, then
        # every special token not among them, as AddedToken(lstrip=rstrip=False, special=True)
        # at its vocab.json id, or appended at len(vocab) (`_add_tokens`, lines 521-597).
        added: dict[int, Added] = dict(specials["added"])
        added_enc = {t.content: i for i, t in added.items()}
        current_vocab = dict(self.encoder, **{t.content: i for i, t in sorted(added.items())})
        new_idx, count = len(current_vocab), 0
        for token in self.special_tokens:
            if token == "" or token in added_enc:
                continue
            if token not in current_vocab:
                index = new_idx + count
                current_vocab[token] = index
                count += 1
            else:
                index = current_vocab[token]
            added[index] = Added(token, normalized=False, special=True)
            added_enc[token] = index
        self.added_decoder = added
        self.added_encoder = added_enc
        self._trie = Trie()
        for entry in added.values():
            self._trie.add(entry.content)
        self.split_special_tokens = bool(cfg.get("split_special_tokens", False))
        self.clean_up = bool(cfg.get("clean_up_tokenization_spaces", False))
        self._unk_id = self.encoder[self.unk_token]
        self.eos_token = str(named["eos_token"]) if named.get("eos_token") is not None else None
        if self.eos_token is None:
            raise UnsupportedTokenizer(f"{model_dir}: no eos_token")
        self.eos_id = self.token_to_id(self.eos_token)
        self._skip_ids = {self.token_to_id(t) for t in self.special_tokens}

        self.spm_source = sentencepiece.SentencePieceProcessor()
        self.spm_source.Load(str(model_dir / "source.spm"))
        self.spm_target = sentencepiece.SentencePieceProcessor()  # loaded as transformers does;
        self.spm_target.Load(str(model_dir / "target.spm"))  # unused with a joint vocab

    # -- tokens <-> ids

    def token_to_id(self, token: str) -> int:
        """`_convert_token_to_id_with_added_voc` (tokenization_python.py:694)."""
        index = self.added_encoder.get(token)
        if index is not None:
            return index
        return self.encoder.get(token, self._unk_id)

    def id_to_token(self, index: int) -> str:
        """`convert_ids_to_tokens` (tokenization_python.py:1062) + `_convert_id_to_token`."""
        added = self.added_decoder.get(index)
        if added is not None:
            return added.content
        token = self.decoder.get(index)
        if token is not None:
            return token
        # Fallback for ids outside vocab.json (never produced from tokens: every id comes from
        # vocab.json or the added tokens); transformers asks the spm here.
        piece = self.spm_source.IdToPiece(index)
        return piece if piece else self.unk_token

    # -- encoding

    def _tokenize_chunk(self, text: str) -> list[str]:
        """MarianTokenizer._tokenize (tokenization_marian.py:198)."""
        code: list[str] = []
        if text.startswith(">>") and (end_loc := text.find("<<")) != -1:
            code.append(text[: end_loc + 2])
            text = text[end_loc + 2 :]
        return code + self.spm_source.encode(text, out_type=str)

    def tokenize(self, text: str) -> list[str]:
        """PythonBackend.tokenize (tokenization_python.py:630-683)."""
        if self.split_special_tokens:
            return self._tokenize_chunk(text)
        tokens = self._trie.split(text)
        added_enc = self.added_encoder
        for i, token in enumerate(tokens):
            if token in added_enc:
                ext = self.added_decoder.get(added_enc[token])
                left = tokens[i - 1] if i > 0 else None
                right = tokens[i + 1] if i < len(tokens) - 1 else None
                if ext is not None:
                    if ext.rstrip and right:
                        tokens[i + 1] = right.lstrip()
                    if ext.lstrip and left:
                        tokens[i - 1] = left.rstrip()
                    if ext.single_word:
                        if left and left[-1] != " ":
                            tokens[i - 1] += token
                            tokens[i] = ""
                        elif right and right[0] != " ":
                            tokens[i + 1] = token + tokens[i + 1]
                            tokens[i] = ""
        result: list[str] = []
        for token in tokens:
            if not token:
                continue
            if token in added_enc or token in self._special_set:
                result.append(token)
            else:
                result.extend(self._tokenize_chunk(token))
        return result

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        out = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"expected str, got {type(text).__name__}")
            ids = [self.token_to_id(t) for t in self.tokenize(text)]
            ids.append(self.eos_id)
            out.append(ids)
        return out

    def encode_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        return [[self.id_to_token(i) for i in ids] for ids in self.encode_ids(texts)]

    # -- decoding

    def decode_tokens(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        return [self._decode(list(tokens)) for tokens in token_lists]

    def _decode(self, tokens: list[str]) -> str:
        ids = [self.token_to_id(t) for t in tokens]
        kept = [self.id_to_token(i) for i in ids if i not in self._skip_ids]
        sp = self.spm_source  # tokenization_marian.py:269 + 280: source spm for a joint vocab
        out, sub = "", list[str]()
        for token in kept:  # convert_tokens_to_string, tokenization_marian.py:278-293
            if token in self._special_set:
                out += sp.decode_pieces(sub) + token + " "
                sub = []
            else:
                sub.append(token)
        out += sp.decode_pieces(sub)
        out = out.replace(SPIECE_UNDERLINE, " ").strip()
        if self.clean_up:  # PythonBackend._decode, tokenization_python.py:1103-1126
            out = clean_up_tokenization(out)
        return out.strip()
