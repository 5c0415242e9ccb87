"""The CTranslate2 backend on the tiny models: parity with transformers, the conversion cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from pipeline import Pipeline
from pipeline.cache import DiskCache
from pipeline.config import StageConfig, load_profile
from pipeline.models.backends import ctranslate2_backend as ct2
from pipeline.models.backends.ctranslate2_backend import (
    MARKER,
    CTranslate2Backend,
    conversion_dir,
    is_complete,
    safe_name,
)
from pipeline.models.builtin import ensure_builtin
from pipeline.models.loading import choose_backend

from .conftest import ARTICLES, CONFIG

pytestmark = pytest.mark.slow

NORWEGIAN = [
    "Regjeringen la fram statsbudsjettet for neste år på tirsdag.",
    "Hei.",
    "Den japanske forsvarsministeren besøkte Tyrkia denne uken, sier statsministeren.",
    "Over 30 000 personer har signert et opprop på nett, og det er varslet fakkeltog.",
    "Tokyo planlegger å sette av 200 milliarder yen fra sitt budsjett for 2026.",
    "Fylkestinget vedtok.",
    "Prisene stiger fortsatt, men økonomien går bedre enn ventet.",
    "Ja",
]
ENGLISH = [
    "The government presented next year's budget on Tuesday.",
    "Hello.",
    "The Japanese defence minister visited Turkey this week, the prime minister says.",
    "More than 30,000 people have signed an online petition, and torch marches are planned.",
    "Tokyo plans to set aside 200 billion yen from its budget for 2026.",
    "The council decided.",
    "Prices are still rising, but the economy is doing better than expected.",
    "Yes",
]
GREEDY = [
    {"num_beams": 1, "min_new_tokens": 0, "max_new_tokens": 20},
    {"num_beams": 1, "min_new_tokens": 6, "max_new_tokens": 12, "no_repeat_ngram_size": 2},
    {"num_beams": 1, "max_new_tokens": 40, "max_new_tokens_ratio": 1.0},
]


def _backend(name: str, models_dir: Path, convert_to: Path | None = None, **options):
    """The backend for built-in `name`; conversions go under `convert_to` (default: models_dir)."""
    options.setdefault("compute_type", "float32")
    return CTranslate2Backend(
        ensure_builtin(name, models_dir), model_id=f"builtin:{name}",
        models_dir=convert_to or models_dir, **options,
    )  # fmt: skip


@pytest.mark.parametrize(("name", "texts"), [("tiny-marian", NORWEGIAN), ("tiny-bart", ENGLISH)])
def test_greedy_float32_matches_transformers(name, texts, models_dir):
    from pipeline.models.backends.transformers_backend import TransformersBackend

    fast = _backend(name, models_dir)
    reference = TransformersBackend(ensure_builtin(name, models_dir))
    assert fast.max_input_tokens == reference.max_input_tokens
    assert fast.count_tokens(texts) == reference.count_tokens(texts)
    for settings in GREEDY:
        expected = reference.generate(texts, settings)
        assert fast.generate(texts, settings) == expected, settings
        assert len(set(expected)) > 1  # a real comparison, not of empty or constant outputs
    assert fast.generate([], GREEDY[0]) == []


def test_int8_default_on_cpu_runs(models_dir):
    fast = _backend("tiny-marian", models_dir, compute_type="auto", device="auto")
    assert (fast.device, fast.compute_type) == ("cpu", "int8")
    assert fast.path.name.endswith("--int8--conv2")
    out = fast.generate(NORWEGIAN, {"num_beams": 2, "max_new_tokens": 12})
    assert len(out) == len(NORWEGIAN) and all(isinstance(text, str) for text in out)


def test_conversion_is_reused(models_dir, monkeypatch):
    first = _backend("tiny-bart", models_dir)
    assert is_complete(first.path)
    stamp = (first.path / "model.bin").stat().st_mtime_ns

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2, "_converter", no_conversion)
    second = _backend("tiny-bart", models_dir)
    assert second.path == first.path
    assert (second.path / "model.bin").stat().st_mtime_ns == stamp


def test_unfinished_conversions_are_never_used(models_dir, tmp_path):
    source = ensure_builtin("tiny-marian", models_dir)
    local = tmp_path / "models"
    target = conversion_dir(
        source, model_id="builtin:tiny-marian", revision=None, compute_type="float32",
        models_dir=local,
    )  # fmt: skip
    # A crashed conversion left its temporary directory, and a directory without the marker
    # (say, copied by hand, half-way) sits where the conversion belongs.
    (target.parent / f".tmp-{target.name}-crashed").mkdir(parents=True)
    target.mkdir()
    (target / "model.bin").write_bytes(b"torn")
    (target / "config.json").write_text("{}")
    assert not is_complete(target)

    backend = _backend("tiny-marian", models_dir, local)
    assert backend.path == target and is_complete(target)
    assert (target / "model.bin").stat().st_size > 100
    assert backend.generate(NORWEGIAN[:2], GREEDY[0])
    leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".stale-")]
    assert leftovers == []


def test_concurrent_winner_is_used(models_dir, tmp_path, monkeypatch):
    """If another process renames its conversion into place first, ours is dropped, theirs used."""
    source = ensure_builtin("tiny-marian", models_dir)
    local = tmp_path / "models"
    winner = _backend("tiny-marian", models_dir, local).path
    marker = (winner / MARKER).read_text()
    real = ct2.is_complete
    calls = {"n": 0}

    def first_says_missing(path):  # our first look finds nothing, as if the other was slower
        calls["n"] += 1
        return False if calls["n"] == 1 else real(path)

    monkeypatch.setattr(ct2, "is_complete", first_says_missing)
    ct2.ensure_converted(source, winner, None)
    assert (winner / MARKER).read_text() == marker
    assert [p for p in winner.parent.iterdir() if p.name.startswith(".tmp-")] == []


def test_hub_conversions_live_beside_the_hf_cache(tmp_path, monkeypatch):
    snapshot = tmp_path / "hf" / "hub" / "models--o--m" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    path = conversion_dir(
        snapshot, model_id="Helsinki-NLP/opus-mt-tc-big-gmq-en", revision="refs/pr/3",
        compute_type="int8", models_dir=tmp_path / "unused",
    )  # fmt: skip
    name = f"Helsinki-NLP--opus-mt-tc-big-gmq-en--{'a' * 40}--int8--conv{ct2.CONVERSION_VERSION}"
    assert path == tmp_path / "hf" / "ctranslate2" / name
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere" / "hub"))
    other = conversion_dir(
        tmp_path, model_id="a/../../b", revision="../../x", compute_type="int8",
        models_dir=tmp_path,
    )  # fmt: skip
    assert other.parent == tmp_path / "elsewhere" / "ctranslate2"
    assert ".." not in other.name and "/" not in other.name


@pytest.mark.parametrize("hostile", ["..", "../..", "a/../../b", "/etc/passwd", ".hidden", "a\\b"])
def test_safe_name_stays_one_component(hostile):
    name = safe_name(hostile, hostile, "int8")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith(".")


def test_auto_chooses_ctranslate2_end_to_end(models_dir, tmp_path):
    assert choose_backend(StageConfig(model="builtin:tiny-marian")) == "ctranslate2"
    assert choose_backend(StageConfig(model="x", backend="transformers")) == "transformers"
    seed = ARTICLES / "seed-defence-visit.txt"
    text = seed.read_text("utf-8") if seed.exists() else "Regjeringen la fram budsjettet i dag.\n"
    pipe = Pipeline(load_profile(CONFIG, "tiny"), cache=DiskCache(None), models_dir=models_dir)
    result = pipe.run(text)
    assert result.models["translate"]["backend"] == "ctranslate2"
    assert result.models["summarise"]["backend"] == "ctranslate2"
    assert pipe._backends["translate"].name == "ctranslate2"
    assert result.translation.strip() and result.summary.strip()
    assert os.path.isdir(models_dir / "ct2")


def test_thread_layout_follows_what_the_model_is_given(models_dir, monkeypatch):
    # Sentences: a replica per core, a call's batches split across them. Documents (summaries):
    # one replica whose operations use every core, so that a single summary is not left on one
    # core while the other idles. On GPU: one replica either way.
    monkeypatch.setattr(ct2, "cpu_threads", lambda: 4)
    assert ct2.thread_layout("cpu", "sentences") == (4, 1)
    assert ct2.thread_layout("cpu", "documents") == (1, 4)
    for inputs in ("sentences", "documents"):
        assert ct2.thread_layout("cuda", inputs) == (1, 4)
    pipe = Pipeline(load_profile(CONFIG, "tiny"), cache=DiskCache(None), models_dir=models_dir)
    translator = pipe._loader("translate")()
    summariser = pipe._loader("summarise")()
    assert isinstance(translator, CTranslate2Backend) and isinstance(summariser, CTranslate2Backend)
    assert translator.translator.num_translators == 4
    assert summariser.translator.num_translators == 1
    # and its batch plan: smaller calls of sentences (less idle time at the end of a call).
    assert (translator.max_batch_tokens, translator.max_batch) == ct2.BATCH_PLAN["sentences"]
    assert (summariser.max_batch_tokens, summariser.max_batch) == ct2.BATCH_PLAN["documents"]
    assert summariser.generate(["The council met on Tuesday. It agreed."], {}) != [""]


def test_outputs_come_back_in_input_order_across_batches_and_replicas(models_dir):
    # One input a batch: every batch is decoded alone, the same computation as a call of its own,
    # so any difference is a mix-up of the order (batches finish out of order on two replicas).
    fast = _backend("tiny-marian", models_dir, inter_threads=2, intra_threads=1, max_batch=1)
    settings = {"num_beams": 2, "max_new_tokens": 12}
    alone = [fast.generate([text], settings)[0] for text in NORWEGIAN]
    assert len(set(alone)) > 1
    assert fast.generate(NORWEGIAN, settings) == alone
