"""Tiny test checkpoints with the key layout, dtype and config of the real hub files.

Made for tests/test_fidelity.py (and usable as a script-free library: ``build_marian_like(dir)``).

Written with ``safetensors`` directly (never ``save_pretrained``), so a transformers version that
loads or ties differently cannot make its own test files agree with itself.

- ``build_marian_like``: Helsinki-NLP/opus-mt-tc-big-gmq-en at b243b46 ("Update checkpoint for
  transformers>=4.29", saved by transformers 4.34.0.dev0 in fp16): the file holds
  ``final_logits_bias``, ``model.shared.weight`` and the layers; no ``lm_head.weight``, no
  ``model.{encoder,decoder}.embed_tokens.weight`` (tied, dropped on save), no sinusoidal
  ``model.{encoder,decoder}.embed_positions.weight`` (``_keys_to_ignore_on_save``). The pad row of
  the embedding (last id, the decoder start) is zero, as written by the Marian converter; ``</s>``
  is not id 0 (config eos_token_id 41977 of 54765 in the real model).
- ``build_bart_like``: sshleifer/distilbart-cnn-12-6 refs/pr/18 (SFconvertbot's conversion of the
  2020 pytorch_model.bin, float32): ``final_logits_bias`` (zeros), ``model.shared.weight``, the
  learned ``model.{encoder,decoder}.embed_positions.weight`` (max_position_embeddings + 2 rows),
  ``layernorm_embedding``, layers; no ``lm_head.weight`` / ``embed_tokens`` (same storage as
  shared, dropped by the converter). Embedding rows = vocab.json size - 1 (no ``<mask>`` row).
  Generation settings live only in config.json (no generation_config.json in that ref).

``break_`` makes a broken variant (see BREAKS).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from pipeline.models.builtin import TOKENIZER_CORPUS

BREAKS = {
    None: "the real layout",
    "no_shared": "model.shared.weight removed from the file (nothing left to tie from)",
    "untied_config": "config.json says tie_word_embeddings: false (v5 then ties nothing)",
    "lm_head_differs": "file also holds lm_head.weight with other values (pre-2023 tc-big layout)",
    "lm_head_copy": "file also holds lm_head.weight equal to shared (benign, like .bin files)",
    "no_logits_bias": "final_logits_bias removed (v5 does not report it as missing)",
    "positions_in_file": "Marian only: sinusoidal embed_positions stored in the file (older saves)",
    "bad_positions": "Marian only: embed_positions stored in the file, but not sinusoids",
    "bad_pad_row": "Marian only: non-zero embedding row for <pad> (decoder start)",
    "fp32_config": "Marian only: torch_dtype float32 in config (tensors still fp16)",
    "eos_bias": "BART only: final_logits_bias favours </s>, so that some outputs end early",
}

MARIAN_ONLY = ("positions_in_file", "bad_positions", "bad_pad_row", "fp32_config")

CORPUS = TOKENIZER_CORPUS  # the built-in tiny models' tokenizer corpus

# Tiny sizes; everything else is the real config's.
D_MODEL, HEADS, FFN, LAYERS = 32, 4, 64, 2
# Weight scales chosen so that outputs depend on the input and the position (not one token
# repeated) and greedy steps are rarely near-ties (see check_fidelity's margins).
STD = 0.6  # linear layers
EMB_STD = 0.3  # token embeddings (tied with the output projection)
LOGITS_BIAS_STD = 1.0  # Marian final_logits_bias
EOS_BIAS = 4.0  # Marian: added to final_logits_bias[eos], so that some outputs end by themselves
BART_EOS_BIAS = 5.0  # the eos_bias variant: some outputs end at once, some later, some never


def _rng(seed: int, name: str) -> np.random.Generator:
    # One stream per tensor name: adding or dropping a tensor never changes the others.
    return np.random.default_rng([seed, *name.encode()])


def _normal(seed: int, name: str, shape, std: float | None = None) -> np.ndarray:
    std = STD if std is None else std
    return _rng(seed, name).normal(0.0, std, size=shape).astype(np.float32)


def _layer_tensors(
    seed: int, prefix: str, decoder: bool, d: int, ffn: int
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    attns = ["self_attn", "encoder_attn"] if decoder else ["self_attn"]
    for attn in attns:
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
            out[f"{prefix}.{attn}.{proj}.weight"] = _normal(
                seed, f"{prefix}.{attn}.{proj}.weight", (d, d)
            )
            out[f"{prefix}.{attn}.{proj}.bias"] = _normal(
                seed, f"{prefix}.{attn}.{proj}.bias", (d,), 0.1
            )
        out[f"{prefix}.{attn}_layer_norm.weight"] = 1.0 + _normal(
            seed, f"{prefix}.{attn}_ln.w", (d,), 0.1
        )
        out[f"{prefix}.{attn}_layer_norm.bias"] = _normal(seed, f"{prefix}.{attn}_ln.b", (d,), 0.1)
    out[f"{prefix}.fc1.weight"] = _normal(seed, f"{prefix}.fc1.weight", (ffn, d))
    out[f"{prefix}.fc1.bias"] = _normal(seed, f"{prefix}.fc1.bias", (ffn,), 0.1)
    out[f"{prefix}.fc2.weight"] = _normal(seed, f"{prefix}.fc2.weight", (d, ffn))
    out[f"{prefix}.fc2.bias"] = _normal(seed, f"{prefix}.fc2.bias", (d,), 0.1)
    out[f"{prefix}.final_layer_norm.weight"] = 1.0 + _normal(
        seed, f"{prefix}.final_ln.w", (d,), 0.1
    )
    out[f"{prefix}.final_layer_norm.bias"] = _normal(seed, f"{prefix}.final_ln.b", (d,), 0.1)
    return out


def _save(tensors: dict[str, np.ndarray], path: Path, dtype) -> None:
    from safetensors.numpy import save_file

    save_file(
        {k: np.ascontiguousarray(v.astype(dtype)) for k, v in sorted(tensors.items())},
        str(path),
        metadata={"format": "pt"},
    )


def _json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", "utf-8")


def sinusoids(n_pos: int, dim: int) -> np.ndarray:
    """Marian's sinusoidal positions (sin in the first half, cos in the second), float64."""
    pos = np.arange(n_pos)[:, None]
    j = np.arange(dim)[None, :]
    enc = pos / np.power(10000, 2 * (j // 2) / dim)
    half = dim // 2 + dim % 2
    out = np.empty((n_pos, dim))
    out[:, :half] = np.sin(enc[:, 0::2])
    out[:, half:] = np.cos(enc[:, 1::2])
    return out


# --------------------------------------------------------------------------------------------
# Marian (opus-mt-tc-big-gmq-en)
# --------------------------------------------------------------------------------------------


def _train_spm(out: Path, side: str, vocab_size: int) -> None:
    """`<side>.spm` as Marian checkpoints ship it; trained from memory so that no path ends up in
    the model proto (byte-identical wherever it is built)."""
    import io

    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS.splitlines()), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, num_threads=1,
        bos_id=-1, eos_id=1, unk_id=0, pad_id=-1, hard_vocab_limit=False, minloglevel=2,
    )  # fmt: skip
    (out / f"{side}.spm").write_bytes(model.getvalue())


def _marian_vocab(out: Path) -> dict[str, int]:
    """Joint vocab like the tc-big ones: pieces of both sides, </s> deep inside, <pad> last."""
    import sentencepiece as spm

    pieces: list[str] = []
    seen = {"</s>", "<unk>"}
    for side in ("source", "target"):
        proc = spm.SentencePieceProcessor(model_file=str(out / f"{side}.spm"))
        for i in range(proc.get_piece_size()):
            piece = proc.id_to_piece(i)
            if piece not in seen:
                seen.add(piece)
                pieces.append(piece)
    n = len(pieces) + 3
    # gmq-en: eos_token_id 41977 of vocab_size 54765. Where <unk> sits there is not known; 1 here.
    eos_at = round(n * 41977 / 54765)
    order = pieces[:]
    order.insert(1, "<unk>")
    order.insert(eos_at, "</s>")
    order.append("<pad>")
    vocab = {p: i for i, p in enumerate(order)}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1), "utf-8")
    return vocab


def marian_config(vocab: dict[str, int], break_: str | None = None) -> dict:
    """The real config.json of opus-mt-tc-big-gmq-en at b243b46, with tiny sizes."""
    n, pad, eos = len(vocab), vocab["<pad>"], vocab["</s>"]
    config = {
        "activation_dropout": 0.0,
        "activation_function": "relu",
        "architectures": ["MarianMTModel"],
        "attention_dropout": 0.0,
        "bad_words_ids": [[pad]],
        "bos_token_id": 0,
        "classifier_dropout": 0.0,
        "d_model": D_MODEL,
        "decoder_attention_heads": HEADS,
        "decoder_ffn_dim": FFN,
        "decoder_layerdrop": 0.0,
        "decoder_layers": LAYERS,
        "decoder_start_token_id": pad,
        "decoder_vocab_size": n,
        "dropout": 0.1,
        "encoder_attention_heads": HEADS,
        "encoder_ffn_dim": FFN,
        "encoder_layerdrop": 0.0,
        "encoder_layers": LAYERS,
        "eos_token_id": eos,
        "forced_eos_token_id": eos,
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "max_length": 512,
        "max_position_embeddings": 1024,
        "model_type": "marian",
        "normalize_embedding": False,
        "num_beams": 4,
        "num_hidden_layers": LAYERS,
        "pad_token_id": pad,
        "scale_embedding": True,
        "share_encoder_decoder_embeddings": True,
        "static_position_embeddings": True,
        "torch_dtype": "float16",
        "transformers_version": "4.34.0.dev0",
        "use_cache": True,
        "vocab_size": n,
    }
    if break_ == "untied_config":
        config["tie_word_embeddings"] = False
    if break_ == "fp32_config":
        config["torch_dtype"] = "float32"
    return config


def _break_shared(t: dict[str, np.ndarray], break_: str | None, seed: int) -> None:
    """The breaks both layouts share: the embedding, the output projection, the logits bias."""
    shared = t["model.shared.weight"]
    if break_ == "no_shared":
        del t["model.shared.weight"]
    elif break_ == "lm_head_differs":
        t["lm_head.weight"] = _normal(seed, "lm_head.weight", shared.shape)
    elif break_ == "lm_head_copy":
        t["lm_head.weight"] = shared.copy()
    elif break_ == "no_logits_bias":
        del t["final_logits_bias"]


def marian_tensors(config: dict, seed: int = 0, break_: str | None = None) -> dict[str, np.ndarray]:
    """float32 values (rounded through fp16, as stored) under the real file's key names."""
    n, d, pad = config["vocab_size"], config["d_model"], config["pad_token_id"]
    t: dict[str, np.ndarray] = {}
    shared = _normal(seed, "model.shared.weight", (n, d), EMB_STD)
    if break_ != "bad_pad_row":
        shared[pad] = 0.0  # the converter appends a zero row for <pad>
    t["model.shared.weight"] = shared
    # The real one (Marian's decoder_ff_logit_out_b) is not zero.
    bias = _normal(seed, "final_logits_bias", (1, n), LOGITS_BIAS_STD)
    bias[0, pad] = 0.0
    bias[0, config["eos_token_id"]] += EOS_BIAS
    t["final_logits_bias"] = bias
    for i in range(config["encoder_layers"]):
        t.update(
            _layer_tensors(seed, f"model.encoder.layers.{i}", False, d, config["encoder_ffn_dim"])
        )
    for i in range(config["decoder_layers"]):
        t.update(
            _layer_tensors(seed, f"model.decoder.layers.{i}", True, d, config["decoder_ffn_dim"])
        )
    _break_shared(t, break_, seed)
    if break_ == "positions_in_file":
        pos = sinusoids(config["max_position_embeddings"], d).astype(np.float32)
        t["model.encoder.embed_positions.weight"] = pos
        t["model.decoder.embed_positions.weight"] = pos.copy()
    elif break_ == "bad_positions":
        for side in ("encoder", "decoder"):
            key = f"model.{side}.embed_positions.weight"
            t[key] = _normal(seed, key, (config["max_position_embeddings"], d))
    return {k: v.astype(np.float16).astype(np.float32) for k, v in t.items()}


def build_marian_like(out_dir: str | Path, *, seed: int = 0, break_: str | None = None) -> Path:
    """Write the opus-mt-tc-big-gmq-en-like model into `out_dir` (replaced if it exists)."""
    if break_ not in BREAKS:
        raise ValueError(f"unknown break {break_!r}")
    if break_ == "eos_bias":
        raise ValueError("eos_bias is a BART variant")
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for side in ("source", "target"):
        _train_spm(out, side, 300)
    vocab = _marian_vocab(out)
    config = marian_config(vocab, break_)
    _json(out / "config.json", config)
    _json(out / "generation_config.json", {  # the Jan 2023 template, bumped by b243b46
        "_from_model_config": True, "bad_words_ids": [[config["pad_token_id"]]], "bos_token_id": 0,
        "decoder_start_token_id": config["pad_token_id"], "eos_token_id": config["eos_token_id"],
        "forced_eos_token_id": config["eos_token_id"], "max_length": 512, "num_beams": 4,
        "pad_token_id": config["pad_token_id"], "transformers_version": "4.34.0.dev0",
    })  # fmt: skip
    _json(
        out / "special_tokens_map.json",
        {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
    )
    _json(out / "tokenizer_config.json", {
        "source_lang": "gmq", "target_lang": "en", "unk_token": "<unk>", "eos_token": "</s>",
        "pad_token": "<pad>", "model_max_length": 512, "sp_model_kwargs": {},
        "separate_vocabs": False, "special_tokens_map_file": None, "name_or_path": "tiny/gmq-en",
        "tokenizer_class": "MarianTokenizer",
    })  # fmt: skip
    _save(marian_tensors(config, seed, break_), out / "model.safetensors", np.float16)
    return out


# --------------------------------------------------------------------------------------------
# BART (distilbart-cnn-12-6)
# --------------------------------------------------------------------------------------------


def _bart_tokenizer_files(out: Path) -> dict[str, int]:
    """vocab.json + merges.txt of a byte-level BPE with the roberta/bart layout, <mask> last."""
    from tokenizers import ByteLevelBPETokenizer

    corpus = out / "corpus.txt"
    corpus.write_text(CORPUS, "utf-8")
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(corpus)], vocab_size=500, min_frequency=1, show_progress=False,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
    )  # fmt: skip
    corpus.unlink()
    bpe.save_model(str(out))
    vocab = json.loads((out / "vocab.json").read_text("utf-8"))
    vocab["<mask>"] = len(vocab)  # bart-large: <mask> 50264 is the last entry
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    return vocab


def bart_config(n_embed: int, break_: str | None = None) -> dict:
    """The distilbart-cnn-12-6 config.json fields (as kept by its fine-tunes), tiny sizes."""
    config = {
        "_num_labels": 3,
        "activation_dropout": 0.0,
        "activation_function": "gelu",
        "add_bias_logits": False,
        "add_final_layer_norm": False,
        "architectures": ["BartForConditionalGeneration"],
        "attention_dropout": 0.0,
        "bos_token_id": 0,
        "classif_dropout": 0.0,
        "classifier_dropout": 0.0,
        "d_model": D_MODEL,
        "decoder_attention_heads": HEADS,
        "decoder_ffn_dim": FFN,
        "decoder_layerdrop": 0.0,
        "decoder_layers": LAYERS,
        "decoder_start_token_id": 2,
        "dropout": 0.1,
        "early_stopping": True,
        "encoder_attention_heads": HEADS,
        "encoder_ffn_dim": FFN,
        "encoder_layerdrop": 0.0,
        "encoder_layers": 2 * LAYERS,  # 12-6: twice as many encoder layers
        "eos_token_id": 2,
        "extra_pos_embeddings": 2,
        "force_bos_token_to_be_generated": True,
        "forced_bos_token_id": 0,
        "forced_eos_token_id": 2,
        "gradient_checkpointing": False,
        "id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"},
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "label2id": {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2},
        "length_penalty": 2.0,
        "max_length": 142,
        "max_position_embeddings": 1024,
        "min_length": 56,
        "model_type": "bart",
        "no_repeat_ngram_size": 3,
        "normalize_before": False,
        "normalize_embedding": True,
        "num_beams": 4,
        "num_hidden_layers": 2 * LAYERS,
        "output_past": True,
        "pad_token_id": 1,
        "prefix": " ",
        "replacing_rate": 0,
        "scale_embedding": False,
        "static_position_embeddings": False,
        "student_decoder_layers": LAYERS,
        "student_encoder_layers": 2 * LAYERS,
        "task_specific_params": {
            "summarization": {
                "early_stopping": True,
                "length_penalty": 2.0,
                "max_length": 142,
                "min_length": 56,
                "no_repeat_ngram_size": 3,
                "num_beams": 4,
            }
        },
        "use_cache": True,
        "vocab_size": n_embed,
    }
    if break_ == "untied_config":
        config["tie_word_embeddings"] = False
    return config


def bart_tensors(config: dict, seed: int = 0, break_: str | None = None) -> dict[str, np.ndarray]:
    n, d = config["vocab_size"], config["d_model"]
    n_pos = config["max_position_embeddings"] + 2
    t: dict[str, np.ndarray] = {}
    shared = _normal(seed, "model.shared.weight", (n, d), EMB_STD)
    t["model.shared.weight"] = shared
    t["final_logits_bias"] = np.zeros((1, n), np.float32)  # BART: registered buffer, zeros
    for side, layers in (
        ("encoder", config["encoder_layers"]),
        ("decoder", config["decoder_layers"]),
    ):
        t[f"model.{side}.embed_positions.weight"] = _normal(
            seed, f"model.{side}.embed_positions.weight", (n_pos, d)
        )
        t[f"model.{side}.layernorm_embedding.weight"] = 1.0 + _normal(
            seed, f"{side}.lne.w", (d,), 0.1
        )
        t[f"model.{side}.layernorm_embedding.bias"] = _normal(seed, f"{side}.lne.b", (d,), 0.1)
        ffn = config[f"{side}_ffn_dim"]
        for i in range(layers):
            t.update(_layer_tensors(seed, f"model.{side}.layers.{i}", side == "decoder", d, ffn))
    _break_shared(t, break_, seed)
    if break_ == "eos_bias":  # a legal value (the file holds the bias), not the usual zeros
        t["final_logits_bias"][0, config["eos_token_id"]] = BART_EOS_BIAS
    return t


def build_bart_like(
    out_dir: str | Path, *, seed: int = 0, break_: str | None = None, dtype: str = "float32"
) -> Path:
    """Write the distilbart-cnn-12-6-like model into `out_dir` (replaced if it exists).

    The real refs/pr/18 file is float32 (FloatStorage, 1.22 GB); `dtype="float16"` stores halves.
    """
    if break_ not in BREAKS or break_ in MARIAN_ONLY:
        raise ValueError(f"unknown break {break_!r} for BART")
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    vocab = _bart_tokenizer_files(out)
    (out / "tokenizer_config.json").write_text('{"model_max_length": 1024}', "utf-8")  # real: 26 B
    config = bart_config(len(vocab) - 1, break_)  # no embedding row for <mask>
    _json(out / "config.json", config)
    np_dtype = {"float32": np.float32, "float16": np.float16}[dtype]
    tensors = bart_tensors(config, seed, break_)
    if np_dtype is np.float16:
        tensors = {k: v.astype(np.float16).astype(np.float32) for k, v in tensors.items()}
    _save(tensors, out / "model.safetensors", np_dtype)
    return out
