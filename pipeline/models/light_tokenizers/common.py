"""What the two tokenizer families share: special and added tokens as transformers reads them,
the added-token splitter, and the errors."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

VERY_LARGE_INTEGER = int(1e30)  # tokenization_utils_base.py:145, model_max_length when unset
SPIECE_UNDERLINE = "▁"
# tokenization_utils_base.py:995: the named special tokens, in this order.
SPECIAL_TOKENS_ATTRIBUTES = (
    "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
)  # fmt: skip

# tokenizer_config.json keys with no effect on encode/decode as the backend calls them.
HARMLESS_KEYS = {
    "name_or_path", "special_tokens_map_file", "tokenizer_file", "backend", "model_input_names",
    "padding_side", "truncation_side", "processor_class", "_commit_hash", "verbose",
    "chat_template", "response_template", "is_local", "local_files_only", "files_loaded",
    "model_max_length", "max_len", "tokenizer_class", "added_tokens_decoder",
    "additional_special_tokens", "extra_special_tokens", "clean_up_tokenization_spaces",
    "split_special_tokens", "init_inputs", "vocab_file", "merges_file",
    "pad_token_type_id",
} | set(SPECIAL_TOKENS_ATTRIBUTES)  # fmt: skip


BART_CLASSES = {"BartTokenizer", "BartTokenizerFast", "RobertaTokenizer", "RobertaTokenizerFast"}


class UnsupportedTokenizer(ValueError):
    """The checkpoint's tokenizer is not one these light tokenizers reproduce exactly."""


class LightTokenizer:
    """The interface both families implement."""

    kind: str
    max_length: int

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        raise NotImplementedError

    def encode_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        raise NotImplementedError

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.encode_ids(texts)]

    def decode_tokens(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        raise NotImplementedError

    def token_to_id(self, token: str) -> int:
        raise NotImplementedError

    def id_to_token(self, index: int) -> str:
        raise NotImplementedError

    def target_prefix(self, forced_bos_token_id: int | None) -> list[str] | None:
        """CTranslate2's `target_prefix` for HF's forced BOS id (BART: ["<s>"]), else None."""
        return None if forced_bos_token_id is None else [self.id_to_token(int(forced_bos_token_id))]


class Added:
    """What an `AddedToken` carries (tokenizers.AddedToken's fields), without tokenizers."""

    __slots__ = ("content", "lstrip", "normalized", "rstrip", "single_word", "special")

    def __init__(self, content, lstrip=False, rstrip=False, single_word=False, normalized=True,
                 special=False):  # fmt: skip
        self.content = str(content)
        self.lstrip, self.rstrip, self.single_word = bool(lstrip), bool(rstrip), bool(single_word)
        self.normalized, self.special = bool(normalized), bool(special)

    @classmethod
    def from_json(cls, value: Any, *, special: bool | None = None) -> Added:
        if isinstance(value, Added):
            return value
        if isinstance(value, str):
            return cls(value, special=bool(special))
        if isinstance(value, dict) and "content" in value:
            fields = {k: v for k, v in value.items() if k in cls.__slots__}
            unknown = set(value) - set(cls.__slots__) - {"__type", "id"}
            if unknown:
                raise UnsupportedTokenizer(f"added token with unknown fields {sorted(unknown)}")
            if special is not None:
                fields["special"] = special
            if (
                "normalized" not in fields
            ):  # tokenizers.AddedToken: normalized defaults to not special
                fields["normalized"] = not fields.get("special", False)
            return cls(**fields)
        raise UnsupportedTokenizer(f"cannot read added token {value!r}")

    def to_tokenizers(self):
        from tokenizers import AddedToken

        return AddedToken(
            self.content, single_word=self.single_word, lstrip=self.lstrip, rstrip=self.rstrip,
            normalized=self.normalized, special=self.special,
        )  # fmt: skip

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        flags = ("lstrip", "rstrip", "single_word", "normalized", "special")
        return (
            f"Added({self.content!r}, " + ", ".join(f"{f}={getattr(self, f)}" for f in flags) + ")"
        )


def read_json(path: Path):
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise UnsupportedTokenizer(f"cannot read {path}: {exc}") from exc


def _config_token(value: Any) -> Any:
    """A special-token value from tokenizer_config.json: a string or a serialized AddedToken
    (`{"__type": "AddedToken", ...}`, tokenization_utils_base.py `convert_added_tokens`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("__type") == "AddedToken":
        return Added.from_json(value)
    raise UnsupportedTokenizer(f"cannot read special token {value!r}")


def special_tokens(model_dir: Path, cfg: dict, defaults: dict[str, str]) -> dict[str, Any]:
    """The init kwargs `_from_pretrained` builds (tokenization_utils_base.py:1791-1930):

    the named special tokens (class defaults, then tokenizer_config.json, then - only when the
    config has no `added_tokens_decoder` - special_tokens_map.json, whose dict values become
    special AddedTokens), model-specific `*_token` keys, the extra special tokens, and the
    `added_tokens_decoder` ({id: Added}; from the config, else from tokenizer.json's
    `added_tokens` when the class lists `tokenizer_file`).
    """
    kwargs: dict[str, Any] = dict(defaults)
    for key, value in cfg.items():
        if key in SPECIAL_TOKENS_ATTRIBUTES:
            kwargs[key] = _config_token(value)
        elif key.endswith("_token") and value is not None:
            raise UnsupportedTokenizer(f"{model_dir}: model-specific special token {key!r}")
    # additional_special_tokens -> extra_special_tokens unless the latter is set (line 1851)
    extra = cfg.get("extra_special_tokens") or cfg.get("additional_special_tokens")
    extra_key = "extra_special_tokens" in cfg or "additional_special_tokens" in cfg
    added: dict[int, Added] = {}
    added_map: dict[str, Added] = {}
    if "added_tokens_decoder" in cfg:
        for idx, token in (cfg["added_tokens_decoder"] or {}).items():
            if not isinstance(token, dict):
                raise UnsupportedTokenizer(f"{model_dir}: added_tokens_decoder entry {token!r}")
            token = Added.from_json(token)
            added[int(idx)] = token
            added_map[token.content] = token
    else:
        stm = read_json(model_dir / "special_tokens_map.json")
        if stm is not None:
            for key, value in stm.items():
                if key == "extra_special_tokens":  # merged into the config's (line 1908)
                    if not isinstance(value, list):
                        raise UnsupportedTokenizer(f"{model_dir}: extra_special_tokens {value!r}")
                    existing = list(extra or [])
                    for tok in value:
                        tok = (
                            Added.from_json({**tok, "special": True})
                            if isinstance(tok, dict)
                            else tok
                        )
                        if all(not same_token(tok, e) for e in existing):
                            existing.append(tok)
                    extra, extra_key = existing, True
                elif key == "additional_special_tokens":
                    # stays a kwarg; PreTrainedTokenizerBase uses it only when there are no
                    # extra_special_tokens yet (tokenization_utils_base.py:1012)
                    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                        raise UnsupportedTokenizer(
                            f"{model_dir}: additional_special_tokens {value!r}"
                        )
                    if not extra_key:
                        extra = list(value)
                elif isinstance(value, dict):
                    kwargs[key] = Added.from_json({**value, "special": True})
                else:
                    kwargs[key] = value
        if (model_dir / "added_tokens.json").is_file():
            raise UnsupportedTokenizer(f"{model_dir}: legacy added_tokens.json")
    if isinstance(extra, dict):
        raise UnsupportedTokenizer("extra_special_tokens as a dict (model-specific tokens)")
    for key in kwargs:
        if key not in SPECIAL_TOKENS_ATTRIBUTES:
            raise UnsupportedTokenizer(f"{model_dir}: model-specific special token {key!r}")
    named = {k: kwargs[k] for k in SPECIAL_TOKENS_ATTRIBUTES if kwargs.get(k) is not None}
    if (
        added_map
    ):  # "V5: Map special tokens from added_tokens_map" (tokenization_utils_base.py:1959)
        for key in SPECIAL_TOKENS_ATTRIBUTES:
            if key in named:
                named[key] = added_map.get(str(named[key]), named[key])
    extras = [_config_token(t) if isinstance(t, dict) else t for t in (extra or [])]
    return {"named": named, "extra": extras, "added": added}


def all_special_tokens(named: dict[str, Any], extra: list[Any]) -> list[str]:
    """`all_special_tokens` (tokenization_utils_base.py:1402): named then extra, unique, as str."""
    seen: list[str] = []
    for value in list(named.values()) + list(extra):
        if str(value) not in seen:
            seen.append(str(value))
    return seen


def check_keys(cfg: dict, allowed: set[str], model_dir: Path) -> None:
    unknown = sorted(k for k in cfg if k not in allowed and not k.endswith("_token"))
    if unknown:
        raise UnsupportedTokenizer(
            f"{model_dir}: tokenizer_config.json keys not checked: {unknown}"
        )


def clean_up_tokenization(text: str) -> str:
    """tokenization_utils_base.py:2213."""
    return (
        text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
        .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
        .replace(" 've", "'ve").replace(" 're", "'re")
    )  # fmt: skip


class Trie:
    """transformers' added-token splitter (tokenization_python.py:46-278, Apache-2.0), same
    algorithm line for line so that overlapping added tokens split exactly as there."""

    def __init__(self) -> None:
        self.data: dict = {}
        self._tokens: set[str] = set()

    def add(self, word: str) -> None:
        if not word:
            return
        self._tokens.add(word)
        ref = self.data
        for char in word:
            ref[char] = ref.setdefault(char, {})
            ref = ref[char]
        ref[""] = 1

    def split(self, text: str) -> list[str]:
        if not any(first_char in text for first_char in self.data):
            return [text] if text else []
        states: OrderedDict = OrderedDict()
        offsets = [0]
        skip = 0
        for current, current_char in enumerate(text):
            if skip and current < skip:
                continue
            to_remove = set()
            reset = False
            for start, trie_pointer in states.items():
                if "" in trie_pointer:
                    for lookstart, looktrie_pointer in states.items():
                        if lookstart > start:
                            break
                        elif lookstart < start:
                            lookahead_index = current + 1
                            end = current + 1
                        else:
                            lookahead_index = current
                            end = current
                        next_char = text[lookahead_index] if lookahead_index < len(text) else None
                        if "" in looktrie_pointer:
                            start = lookstart
                            end = lookahead_index
                            skip = lookahead_index
                        while next_char in looktrie_pointer:
                            looktrie_pointer = looktrie_pointer[next_char]
                            lookahead_index += 1
                            if "" in looktrie_pointer:
                                start = lookstart
                                end = lookahead_index
                                skip = lookahead_index
                            if lookahead_index == len(text):
                                break
                            next_char = text[lookahead_index]
                    offsets.append(start)
                    offsets.append(end)
                    reset = True
                    break
                elif current_char in trie_pointer:
                    trie_pointer = trie_pointer[current_char]
                    states[start] = trie_pointer
                else:
                    to_remove.add(start)
            if reset:
                states = OrderedDict()
            else:
                for start in to_remove:
                    del states[start]
            if current >= skip and current_char in self.data:
                states[current] = self.data[current_char]
        for start, trie_pointer in states.items():
            if "" in trie_pointer:
                offsets.append(start)
                offsets.append(len(text))
                break
        return self._cut_text(text, offsets)

    @staticmethod
    def _cut_text(text: str, offsets: list[int]) -> list[str]:
        offsets.append(len(text))
        tokens = []
        start = 0
        for end in offsets:
            if start > end:
                continue  # transformers logs "bug in Trie algorithm" and skips the cut too
            elif start == end:
                continue
            tokens.append(text[start:end])
            start = end
        return tokens


def same_token(a: Any, b: Any) -> bool:
    """`a == b` for str / AddedToken values as transformers compares them in lists."""
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, Added) and isinstance(b, Added):
        return a.content == b.content and (a.lstrip, a.rstrip, a.single_word, a.normalized,
                                           a.special) == (b.lstrip, b.rstrip, b.single_word,
                                                          b.normalized, b.special)  # fmt: skip
    return False  # a str never equals a tokenizers.AddedToken
