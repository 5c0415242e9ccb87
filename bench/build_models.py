"""Random-weight checkpoints with the exact architecture of the default profile's models.

Random weights cost the same to run as trained ones; what matters for speed is the architecture,
the vocabulary size and how many tokens the inputs take. So:

- ``opus-mt-tc-big-gmq-en-random``: MarianMT, d_model 1024, 6+6 layers, 16 heads, FFN 4096,
  vocabulary 54,765 (``<pad>`` last, as in the Helsinki-NLP checkpoint), 1024 positions;
- ``distilbart-cnn-12-6-random``: BART, d_model 1024, 12 encoder + 6 decoder layers, 16 heads,
  FFN 4096, vocabulary 50,264, 1024 positions, with distilbart's generation config.

The tokenizers have the tiny models' formats (SentencePiece + joint vocab.json; byte-level BPE;
the SentencePiece models are BPE ones, which reach a larger vocabulary on a small corpus),
trained on the sample articles with a vocabulary size that gives about as many tokens per word as
the real tokenizers (~1.4 per Norwegian word, ~1.3 per English word), then padded with unused
pieces to the real vocabulary size. Those padding ids get a -30 `final_logits_bias`, so the random
decoder emits real pieces (readable noise that does not trip the decoding guards) while every
decoding step still computes the full-vocabulary projection.

Built once into ``bench/.models/`` (atomically: temporary directory, then rename).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARTICLES = ROOT.parent / "shared" / "articles"
MODELS = HERE / ".models"
MARIAN = "opus-mt-tc-big-gmq-en-random"
BART = "distilbart-cnn-12-6-random"
MARIAN_VOCAB = 54_765
BART_VOCAB = 50_264
SEED = 0
INIT_STD = 0.3  # as the tiny models: input-dependent output instead of one constant token
# Tuned so that tokens per word on the sample texts match the real tokenizers (see module doc).
SPM_SOURCE_VOCAB = 2000  # ~1.45 tokens per word on the sample article
SPM_TARGET_VOCAB = 900  # ~1.35 on bench/english_article.txt
BPE_VOCAB = 1100  # ~1.3 on bench/english_article.txt


def _texts(english: bool) -> list[str]:
    from pipeline.models.builtin import TOKENIZER_CORPUS

    lines = [line for line in TOKENIZER_CORPUS.splitlines() if line.strip()]
    out = []
    for path in sorted(ARTICLES.glob("*.txt")):
        is_english = path.name.startswith("en-")
        if is_english == english:
            out.append(path.read_text(encoding="utf-8"))
    if english:
        out.append((HERE / "english_article.txt").read_text(encoding="utf-8"))
        out.extend(lines[10:])
    else:
        out.extend(lines[:10])
    return out


def ensure_models(root: Path = MODELS) -> dict[str, Path]:
    """{"translate": dir, "summarise": dir}, building what is missing."""
    return {
        "translate": _ensure(root, MARIAN, _build_marian),
        "summarise": _ensure(root, BART, _build_bart),
    }


def _ensure(root: Path, name: str, build) -> Path:
    from pipeline.atomic_files import build_dir
    from pipeline.models.builtin import is_built

    def announced(work: Path) -> None:
        print(f"building {name} (once) ...", flush=True)
        build(work)

    return build_dir(root / name, announced, is_built)


def _silence_bias(model, silenced) -> None:
    """A -30 logit bias on the ids in `silenced` (a range or a list)."""
    import torch

    with torch.no_grad():
        model.final_logits_bias.zero_()
        model.final_logits_bias[0, torch.as_tensor(list(silenced), dtype=torch.long)] = -30.0


def _open_marian_pieces(proc) -> list[str]:
    """Target pieces the random translator may emit: word-internal (no ▁), exactly 2 letters.

    A random decoder falls into a loop on one token. Made of such pieces, the loop is one long
    "word" of 2 characters per token: not the repeated-word loop the decoding guards retry, and
    at 40 tokens within their length ratio (0.25-4x) for both the article's shortest sentence
    (22 characters) and its longest (291). A trained model needs no retries there, so the
    benchmark should not pay for them.
    The projection still covers the whole vocabulary, so each step costs what it costs.
    """
    out = []
    for i in range(proc.get_piece_size()):
        piece = proc.id_to_piece(i)
        if proc.is_control(i) or proc.is_unknown(i) or piece.startswith("▁"):
            continue
        if len(piece) == 2 and piece.isalpha():
            out.append(piece)
    return out


def _build_marian(out: Path) -> None:
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    from pipeline.models.builtin import marian_vocab, train_spm

    for side, english, size in (
        ("source", False, SPM_SOURCE_VOCAB),
        ("target", True, SPM_TARGET_VOCAB),
    ):
        corpus = out / "corpus.txt"
        corpus.write_text("\n".join(_texts(english)), encoding="utf-8")
        train_spm(corpus, out, side, size, kind="bpe")
        corpus.unlink()
    pieces = marian_vocab(out, MARIAN_VOCAB)
    pad = pieces["<pad>"]
    config = MarianConfig(
        vocab_size=MARIAN_VOCAB,
        decoder_vocab_size=MARIAN_VOCAB,
        d_model=1024,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=16,
        decoder_attention_heads=16,
        encoder_ffn_dim=4096,
        decoder_ffn_dim=4096,
        activation_function="relu",
        max_position_embeddings=1024,
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True,
        scale_embedding=True,
        init_std=INIT_STD,
    )
    torch.manual_seed(SEED)
    model = MarianMTModel(config)
    # Only short word-internal target pieces stay open (see _open_marian_pieces).
    proc = spm.SentencePieceProcessor(model_file=str(out / "target.spm"))
    open_ids = {0} | {pieces[p] for p in _open_marian_pieces(proc)}
    _silence_bias(model, [i for i in range(MARIAN_VOCAB) if i not in open_ids])
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad]],
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        max_length=512,
        num_beams=4,
        pad_token_id=pad,
    )
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang="gmq",
        target_lang="en",
        model_max_length=512,
    )
    tokenizer.save_pretrained(out)


def _build_bart(out: Path) -> None:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BartTokenizer,
        GenerationConfig,
    )

    corpus = out / "corpus.txt"
    corpus.write_text("\n".join(_texts(True)), encoding="utf-8")
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(corpus)],
        vocab_size=BPE_VOCAB,
        min_frequency=1,
        show_progress=False,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    corpus.unlink()
    bpe.save_model(str(out))
    vocab = json.loads((out / "vocab.json").read_text("utf-8"))
    used = len(vocab)
    k = 0
    while len(vocab) < BART_VOCAB:
        vocab[f"Ġunused{k}"] = len(vocab)
        k += 1
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    tokenizer = BartTokenizer(
        vocab=str(out / "vocab.json"), merges=str(out / "merges.txt"), model_max_length=1024
    )
    assert len(tokenizer) <= BART_VOCAB, len(tokenizer)
    config = BartConfig(
        vocab_size=BART_VOCAB,
        d_model=1024,
        encoder_layers=12,
        decoder_layers=6,
        encoder_attention_heads=16,
        decoder_attention_heads=16,
        encoder_ffn_dim=4096,
        decoder_ffn_dim=4096,
        activation_function="gelu",
        max_position_embeddings=1024,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
        scale_embedding=False,
        normalize_before=False,
        init_std=INIT_STD,
    )
    torch.manual_seed(SEED)
    model = BartForConditionalGeneration(config)
    _silence_bias(model, range(used, BART_VOCAB))
    model.generation_config = GenerationConfig(
        bos_token_id=0,
        decoder_start_token_id=2,
        eos_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
        pad_token_id=1,
        num_beams=4,
        length_penalty=2.0,
        max_length=142,
        min_length=56,
        no_repeat_ngram_size=3,
        early_stopping=True,
    )
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    for stage, path in ensure_models().items():
        print(stage, path)
