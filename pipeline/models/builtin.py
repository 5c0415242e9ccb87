"""The built-in tiny models: random weights, real file layout, built deterministically on first use.

They exist so that tests, CI and offline smoke runs go through exactly the loading, tokenising and
decoding code the real checkpoints use, without a model hub. Their output is noise.

- ``tiny-marian``: MarianMT with ``source.spm``/``target.spm`` (SentencePiece) and a joint
  ``vocab.json`` whose last id is ``<pad>``, as in the Helsinki-NLP checkpoints.
- ``tiny-bart``: BART with a byte-level BPE tokenizer (``vocab.json``, ``merges.txt``), as in
  distilbart.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.atomic_files import build_dir
from pipeline.models.locate import quiet_transformers

BUILTIN = ("tiny-marian", "tiny-bart")
SEED = 0
# Wider than the default 0.02, so that different inputs give different (noise) outputs.
INIT_STD = 0.3

TOKENIZER_CORPUS = """\
Regjeringen la fram statsbudsjettet for neste år på tirsdag.
Statsministeren sier at økonomien går bedre enn ventet, men prisene stiger fortsatt.
Den japanske forsvarsministeren besøkte Tyrkia denne uken.
Fylkestinget vedtok å byggje ein ny tunnel under fjorden.
Energistyrelsen offentliggjorde vinderne af udbuddet om to nye havvindmølleparker.
Antalet påbörjade bostäder i Sverige minskade med nästan 20 procent.
Helse Nord la torsdag fram det endelige forslaget til ny sykehusstruktur.
Ifølge rapporten kostet det i gjennomsnitt 38 mill. kroner å bygge om et fergeleie.
Tokyo planlegger å sette av 200 milliarder yen fra sitt budsjett for 2026.
Over 30 000 personer har signert et opprop på nett, og det er varslet fakkeltog.
The government presented next year's budget on Tuesday.
The prime minister says the economy is doing better than expected, but prices are still rising.
The Japanese defence minister visited Turkey this week.
The county council decided to build a new tunnel under the fjord.
The port expects growth to slow this year as household spending weakens.
According to the report, it cost an average of 38 million kroner to rebuild a ferry terminal.
Tokyo plans to set aside 200 billion yen from its budget for 2026.
More than 30,000 people have signed an online petition, and torch marches are planned.
"""


def ensure_builtin(name: str, models_dir: Path) -> Path:
    """The directory of built-in model `name`, building it first if it is not there yet.

    Built in a temporary directory and renamed into place, so concurrent first uses never see a
    half-built model.
    """
    if name not in BUILTIN:
        raise ValueError(f"unknown built-in model {name!r} (built-in: {', '.join(BUILTIN)})")

    def build(out: Path) -> None:
        quiet_transformers()
        (_build_marian if name == "tiny-marian" else _build_bart)(out)

    return build_dir(models_dir / name, build, is_built)


def is_built(path: Path) -> bool:
    """A model directory counts as built once it has its weights (they are written last)."""
    return (path / "model.safetensors").is_file()


def _corpus_file(work: Path) -> Path:
    path = work / "corpus.txt"
    path.write_text(TOKENIZER_CORPUS, encoding="utf-8")
    return path


def train_spm(corpus: Path, out: Path, side: str, vocab_size: int, kind: str = "unigram") -> None:
    """Train `<side>.spm` in `out` as Marian checkpoints ship it (deterministic)."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(out / side), vocab_size=vocab_size,
        model_type=kind, character_coverage=1.0, num_threads=1,
        bos_id=-1, eos_id=1, unk_id=0, pad_id=-1, hard_vocab_limit=False, minloglevel=2,
    )  # fmt: skip
    (out / f"{side}.model").rename(out / f"{side}.spm")
    (out / f"{side}.vocab").unlink()


def marian_vocab(out: Path, size: int | None = None) -> dict[str, int]:
    """The joint `vocab.json` of `out`'s source.spm and target.spm, written and returned.

    As in the Helsinki-NLP checkpoints: </s> 0, <unk> 1, the pieces, <pad> last; padded with
    unused pieces up to `size` entries when given.
    """
    import sentencepiece as spm

    pieces: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for side in ("source", "target"):
        proc = spm.SentencePieceProcessor(model_file=str(out / f"{side}.spm"))
        for i in range(proc.get_piece_size()):
            pieces.setdefault(proc.id_to_piece(i), len(pieces))
    for k in range(max(0, (size or 0) - 1 - len(pieces))):
        pieces[f"▁unused{k}"] = len(pieces)
    pieces["<pad>"] = len(pieces)
    (out / "vocab.json").write_text(json.dumps(pieces, ensure_ascii=False, indent=1), "utf-8")
    return pieces


def _build_marian(out: Path) -> None:
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    corpus = _corpus_file(out)
    for side in ("source", "target"):
        train_spm(corpus, out, side, 300)
    corpus.unlink()
    pieces = marian_vocab(out)
    vocab, pad = len(pieces), pieces["<pad>"]
    config = MarianConfig(
        vocab_size=vocab, decoder_vocab_size=vocab, d_model=32, encoder_layers=2,
        decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
        encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=512,
        pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True, scale_embedding=True, init_std=INIT_STD,
    )  # fmt: skip
    torch.manual_seed(SEED)
    MarianMTModel(config).save_pretrained(out, safe_serialization=True)
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"), source_lang="gmq", target_lang="en", model_max_length=512,
    )  # fmt: skip
    tokenizer.save_pretrained(out)


def _build_bart(out: Path) -> None:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    corpus = _corpus_file(out)
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(corpus)], vocab_size=600, min_frequency=1, show_progress=False,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )  # fmt: skip
    corpus.unlink()
    bpe.save_model(str(out))  # vocab.json + merges.txt
    tokenizer = BartTokenizer(
        vocab=str(out / "vocab.json"), merges=str(out / "merges.txt"), model_max_length=1024
    )
    vocab = len(tokenizer)
    config = BartConfig(
        vocab_size=vocab, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=1024, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2, forced_eos_token_id=2, init_std=INIT_STD,
    )  # fmt: skip
    torch.manual_seed(SEED)
    BartForConditionalGeneration(config).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
