"""Fidelity to the real checkpoint files, on both backends, through the real loading code.

The fixtures (`tests/real_layout.py`) have the key layout, config and dtype of the real
opus-mt-tc-big-gmq-en and distilbart-cnn-12-6 files, written with safetensors directly, so the
transformers that reads them did not write them. The reference is built here, in memory, from
the same tensors: the model class from config.json, every tensor put in by hand, the embeddings
tied by hand, Marian's sinusoids computed independently; decoded greedily by a loop written out
below. Each backend must give exactly its tokens (float32) and, on a broken checkpoint, refuse to
load with a one-line model error rather than decode.
"""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("ctranslate2")

import torch
from typer.testing import CliRunner

from pipeline import cli
from pipeline.config import StageConfig
from pipeline.errors import ModelUnavailableError
from pipeline.models.loading import load_backend

from . import real_layout

pytestmark = pytest.mark.slow

MARIAN_INPUTS = [
    "Regjeringen la fram statsbudsjettet for neste år på tirsdag.",
    "Statsministeren sier at økonomien går bedre enn ventet.",
    "Over 30 000 personer har signert et opprop på nett.",
    "Antalet påbörjade bostäder i Sverige minskade med nästan 20 procent.",
    "Helse Nord la torsdag fram forslaget.",
]
BART_INPUTS = [
    "The government presented next year's budget on Tuesday.",
    "The prime minister says the economy is doing better than expected, but prices still rise.",
    "Tokyo plans to set aside 200 billion yen from its budget for 2026.",
    "More than 30,000 people have signed an online petition.",
]
# Greedy settings as a profile gives them; everything the model's config would otherwise add
# (distilbart: 4 beams, no_repeat_ngram_size 3, length_penalty 2) is set explicitly.
GREEDY = {"num_beams": 1, "max_new_tokens": 24, "no_repeat_ngram_size": 0, "length_penalty": 1.0}
BART_CONSTRAINED = {**GREEDY, "min_new_tokens": 8, "no_repeat_ngram_size": 3}
BACKENDS = ("transformers", "ctranslate2")
# Variants that hold the same model in another legal layout: they must load and decode like the
# reference built from their own files.
SOUND = {
    "marian": [None, "lm_head_copy", "positions_in_file", "fp32_config"],
    "bart": [None, "fp16", "lm_head_copy", "no_logits_bias", "eos_bias"],
}
# Broken variants: the load must fail (the reference is the real layout's).
BROKEN = {
    "marian": ["no_shared", "untied_config", "lm_head_differs", "no_logits_bias",
               "bad_positions", "bad_pad_row"],
    "bart": ["no_shared", "untied_config", "lm_head_differs"],
}  # fmt: skip


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """Tiny models on one thread: on a loaded 2-core machine two threads make these matrices
    40 times slower (spinning), and the thread count is not what is tested here."""
    from pipeline.models.backends import transformers_backend

    threads = torch.get_num_threads()
    monkeypatch.setattr(transformers_backend, "cpu_threads", lambda: 1)
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """`checkpoint(arch, variant)`: the directory of a fixture, built once per session."""
    root = tmp_path_factory.mktemp("real-layout")
    built = {}

    def get(arch: str, variant: str | None = None):
        if (arch, variant) not in built:
            out = root / f"{arch}-{variant or 'real'}"
            if arch == "marian":
                built[arch, variant] = real_layout.build_marian_like(out, break_=variant)
            elif variant == "fp16":
                built[arch, variant] = real_layout.build_bart_like(out, dtype="float16")
            else:
                built[arch, variant] = real_layout.build_bart_like(out, break_=variant)
        return built[arch, variant]

    return get


@pytest.fixture(scope="session")
def reference(checkpoint):
    """`reference(arch, variant)`: (model, tokenizer, special ids) built in memory, once."""
    built = {}

    def get(arch: str, variant: str | None = None):
        if (arch, variant) not in built:
            built[arch, variant] = _build_reference(checkpoint(arch, variant))
        return built[arch, variant]

    return get


@pytest.fixture(scope="session")
def expected_tokens(reference):
    """`expected_tokens(arch, variant, settings)`: the reference's greedy content tokens for each
    input, computed once for both backends."""
    done = {}

    def get(arch: str, variant: str | None, settings: dict):
        key = (arch, variant, json.dumps(settings, sort_keys=True))
        if key not in done:
            model, tokenizer, ids = reference(arch, variant)
            done[key] = [
                _reference_greedy(model, tokenizer(text, return_tensors="pt")["input_ids"], ids,
                                  settings)
                for text in (MARIAN_INPUTS if arch == "marian" else BART_INPUTS)
            ]  # fmt: skip
        return done[key]

    return get


def _load(model_dir, backend: str, tmp_path):
    stage = StageConfig(model=str(model_dir), backend=backend, compute_type="float32", device="cpu")
    return load_backend(stage, tmp_path / "models")


# ---- sound checkpoints: exactly the reference's tokens --------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("arch", "variant"), [(arch, v) for arch, variants in SOUND.items() for v in variants]
)
def test_greedy_tokens_equal_the_reference(
    arch, variant, backend, checkpoint, reference, expected_tokens, tmp_path
):
    _, tokenizer, ids = reference(arch, variant)
    loaded = _load(checkpoint(arch, variant), backend, tmp_path)
    texts = MARIAN_INPUTS if arch == "marian" else BART_INPUTS
    ended = set()
    for settings in [GREEDY] + ([BART_CONSTRAINED] if arch == "bart" else []):
        expected = expected_tokens(arch, variant, settings)
        decoded = _spy_on_decoding(loaded)
        for text in texts:  # one at a time: `decoded` then follows the inputs
            loaded.generate([text], settings)
        assert [_content(tokens, ids) for tokens in decoded] == expected, settings
        # Batched (length-sorted, padded) as the pipeline calls it: the same outputs.
        wanted = [tokenizer.decode(t, skip_special_tokens=True).strip() for t in expected]
        assert loaded.generate(texts, settings) == wanted
        assert len({tuple(t) for t in expected}) > 1  # a real comparison: outputs vary
        ended |= {len(t) < settings["max_new_tokens"] - 2 for t in expected}
    assert ended == {True, False} or arch == "bart"  # Marian: some end by themselves, some not


@pytest.mark.parametrize("arch", ["marian", "bart"])
def test_ctranslate2_scores_equal_the_reference(arch, checkpoint, reference, tmp_path):
    """Teacher-forced log-probabilities of arbitrary targets: every position and many tokens,
    not only what greedy picks. (Converted from a float16 load, as CTranslate2 does by itself for
    opus-mt-tc-big's config, Marian's positions were rounded and its log-probs off by 0.02.)"""
    model, tokenizer, ids = reference(arch)
    loaded = _load(checkpoint(arch), "ctranslate2", tmp_path)
    worst = 0.0
    for text in MARIAN_INPUTS if arch == "marian" else BART_INPUTS:
        input_ids = tokenizer(text, return_tensors="pt")["input_ids"]
        target = _arbitrary_target(model.config.vocab_size, ids, seed=len(text))
        prefix = [ids["bos"]] if ids["bos"] is not None else []
        source = tokenizer.convert_ids_to_tokens(input_ids[0].tolist())
        result = loaded.translator.score_batch(
            [source], [tokenizer.convert_ids_to_tokens(prefix + target)], max_input_length=0
        )[0]
        expected = _reference_scores(model, input_ids, prefix + target, ids)
        assert len(result.log_probs) == len(expected)
        worst = max(worst, *(abs(a - b) for a, b in zip(result.log_probs, expected, strict=True)))
    # float32 noise between the two implementations: up to ~2e-4 on the BART fixture, whose
    # large random weights amplify it; converted from a float16 load, Marian was off by 2e-2.
    assert worst < 1e-3


def test_builtin_models_pass_the_check(models_dir, tmp_path):
    for name in ("tiny-marian", "tiny-bart"):
        for backend in BACKENDS:
            stage = StageConfig(model=f"builtin:{name}", backend=backend, compute_type="float32")
            assert load_backend(stage, models_dir).generate(["Hei."], GREEDY)


# ---- broken checkpoints: a one-line model error, no decoding --------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("arch", "variant"), [(arch, v) for arch, variants in BROKEN.items() for v in variants]
)
def test_broken_checkpoints_fail_to_load(arch, variant, backend, checkpoint, reference, tmp_path):
    path = checkpoint(arch, variant)
    if not _deviates(path, reference(arch)):
        # transformers < 5.4 ties Marian's embeddings whatever tie_word_embeddings says: then
        # the model is sound, and must load and decode like the reference.
        assert (arch, variant) == ("marian", "untied_config")
        _load(path, backend, tmp_path)
        return
    with pytest.raises(ModelUnavailableError) as caught:
        _load(path, backend, tmp_path)
    error = caught.value
    assert error.reason == "broken_checkpoint"
    assert error.details["model"] == str(path)
    assert "\n" not in str(error) and str(path) in str(error)
    assert not list((tmp_path / "models").glob("ct2/*--float32--*"))  # nothing converted


def test_the_check_names_what_is_wrong(checkpoint, tmp_path):
    messages = {}
    for variant in ("no_shared", "lm_head_differs", "no_logits_bias", "bad_pad_row"):
        with pytest.raises(ModelUnavailableError) as caught:
            _load(checkpoint("marian", variant), "transformers", tmp_path)
        messages[variant] = str(caught.value)
    assert "lack model.shared.weight" in messages["no_shared"]
    assert "lm_head.weight differs from model.shared.weight" in messages["lm_head_differs"]
    assert "lack final_logits_bias" in messages["no_logits_bias"]
    assert "decoder start" in messages["bad_pad_row"]


def test_separate_vocabularies(checkpoint, tmp_path):
    """Marian with share_encoder_decoder_embeddings: false has one matrix per side and the output
    projection tied to the decoder's: that passes; that config on a shared-layout file does not."""
    import shutil

    from transformers import AutoModelForSeq2SeqLM, MarianConfig, MarianMTModel

    from pipeline.models.verify import find_problems

    def problems(path):
        model, info = AutoModelForSeq2SeqLM.from_pretrained(
            str(path), dtype=torch.float32, output_loading_info=True
        )
        return find_problems(model, path, info)

    separate = tmp_path / "separate"  # no real file to imitate: the layout transformers writes
    config = MarianConfig(
        vocab_size=50, decoder_vocab_size=60, d_model=8, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=8,
        decoder_ffn_dim=8, pad_token_id=49, decoder_start_token_id=49, eos_token_id=0,
        share_encoder_decoder_embeddings=False,
    )  # fmt: skip
    MarianMTModel(config).save_pretrained(separate)
    assert problems(separate) == []

    wrong = tmp_path / "wrong"
    shutil.copytree(checkpoint("marian"), wrong)
    raw = json.loads((wrong / "config.json").read_text("utf-8"))
    raw["share_encoder_decoder_embeddings"] = False
    (wrong / "config.json").write_text(json.dumps(raw), "utf-8")
    found = problems(wrong)
    assert "the files hold no embedding matrix (model.encoder.embed_tokens.weight)" in found


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_says_so_in_one_line_with_exit_5(backend, checkpoint, tmp_path):
    broken = checkpoint("marian", "lm_head_differs")
    config = tmp_path / "models.yaml"
    stage = {"model": str(broken), "backend": backend, "compute_type": "float32"}
    config.write_text(json.dumps({"profiles": {"p": {"translate": stage, "summarise": stage}}}))
    article = tmp_path / "article.txt"
    article.write_text(MARIAN_INPUTS[0] + "\n", "utf-8")
    args = ["translate", str(article), "--config", str(config), "--profile", "p", "-l", "nb"]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 5, result.output
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: model {broken} does not load as its files say")
    assert "download the model again" in line


# ---- the reference ---------------------------------------------------------------------------


def _build_reference(model_dir):
    """The model as the real layout means it, independent of from_pretrained's loading/tying."""
    import transformers
    from safetensors.torch import load_file

    raw = json.loads((model_dir / "config.json").read_text("utf-8"))
    marian = raw["model_type"] == "marian"
    config_class = transformers.MarianConfig if marian else transformers.BartConfig
    model_class = (
        transformers.MarianMTModel if marian else transformers.BartForConditionalGeneration
    )
    fields = {k: v for k, v in raw.items() if k not in ("torch_dtype", "transformers_version")}
    fields["tie_word_embeddings"] = True  # what the layout means, whatever a config says
    torch.manual_seed(0)
    model = model_class(config_class(**fields)).float().eval()
    tensors = {k: v.float() for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    shared = tensors["model.shared.weight"]
    tied = {"model.shared.weight", "lm_head.weight"}
    tied |= {f"model.{side}.embed_tokens.weight" for side in ("encoder", "decoder")}
    sinusoidal = {f"model.{side}.embed_positions.weight" for side in ("encoder", "decoder")}
    with torch.no_grad():
        for key, param in model.state_dict().items():
            if key in tied:
                param.copy_(shared)
            elif marian and key in sinusoidal and key not in tensors:
                param.copy_(torch.from_numpy(real_layout.sinusoids(*param.shape)))
            elif key in tensors:
                param.copy_(tensors[key])
            elif key == "final_logits_bias":
                param.zero_()
            else:
                raise KeyError(f"reference: the file lacks {key}")
    inner = model.model
    inner.encoder.embed_tokens.weight = inner.shared.weight
    inner.decoder.embed_tokens.weight = inner.shared.weight
    model.lm_head.weight = inner.shared.weight
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    ids = {
        "start": raw["decoder_start_token_id"],
        "eos": raw["eos_token_id"],
        "bos": raw.get("forced_bos_token_id"),
        "bad": [raw["pad_token_id"]] if marian else [],
    }
    return model, tokenizer, ids


@torch.no_grad()
def _reference_greedy(model, input_ids, ids, settings) -> list[int]:
    """Greedy decoding written out: forced BOS, bad words, minimum length, no repeated n-grams,
    forced EOS at the limit. Returns the content tokens (no start, BOS or EOS)."""
    max_new, min_new = settings["max_new_tokens"], settings.get("min_new_tokens", 0)
    no_repeat = settings.get("no_repeat_ngram_size", 0)
    encoded = model.get_encoder()(input_ids=input_ids).last_hidden_state
    out = [ids["start"]]
    for step in range(max_new):
        logits = model(encoder_outputs=(encoded,), decoder_input_ids=torch.tensor([out]))
        scores = logits.logits[0, -1].clone()
        scores[ids["bad"]] = -math.inf
        if step < min_new:
            scores[ids["eos"]] = -math.inf
        if no_repeat and len(out) >= no_repeat:
            tail = tuple(out[len(out) - no_repeat + 1 :])
            for i in range(len(out) - no_repeat + 1):
                if tuple(out[i : i + no_repeat - 1]) == tail:
                    scores[out[i + no_repeat - 1]] = -math.inf
        if step == 0 and ids["bos"] is not None:
            token = ids["bos"]
        elif step == max_new - 1:
            token = ids["eos"]
        else:
            token = int(scores.argmax())
        out.append(token)
        if token == ids["eos"]:
            break
    return _content(out, ids)


def _content(tokens, ids) -> list[int]:
    """Generated tokens without the decoder start, the forced BOS and what follows EOS."""
    tokens = [int(t) for t in tokens]
    if tokens and tokens[0] == ids["start"]:
        tokens = tokens[1:]
    if tokens and ids["bos"] is not None and tokens[0] == ids["bos"]:
        tokens = tokens[1:]
    return tokens[: tokens.index(ids["eos"])] if ids["eos"] in tokens else tokens


def _spy_on_decoding(backend) -> list[list[int]]:
    """The token ids each output of `backend.generate` is decoded from (transformers decodes
    with `batch_decode`, CTranslate2 with its light tokenizer's `decode_tokens`)."""
    seen: list[list[int]] = []
    tokenizer = backend.tokenizer
    if hasattr(tokenizer, "decode_tokens"):
        decode_tokens = type(tokenizer).decode_tokens

        def rows(token_lists):
            seen.extend([tokenizer.token_to_id(t) for t in row] for row in token_lists)
            return decode_tokens(tokenizer, token_lists)

        tokenizer.decode_tokens = rows
        return seen
    decode = type(tokenizer).decode

    def one(ids, **kwargs):
        seen.append([int(t) for t in ids])
        return decode(tokenizer, ids, **kwargs)

    def many(rows, **kwargs):
        return [one(row, **kwargs) for row in rows]

    tokenizer.decode, tokenizer.batch_decode = one, many
    return seen


def _arbitrary_target(vocab_size: int, ids, seed: int, length: int = 12) -> list[int]:
    avoid = {ids["start"], ids["eos"], ids["bos"], *ids["bad"]}
    generator = torch.Generator().manual_seed(seed)
    out: list[int] = []
    while len(out) < length:
        token = int(torch.randint(vocab_size, (1,), generator=generator))
        if token not in avoid:
            out.append(token)
    return out


@torch.no_grad()
def _reference_scores(model, input_ids, target, ids) -> list[float]:
    """Log-probabilities of `target` + EOS, teacher-forced. CTranslate2 drops Marian's <pad>
    from the vocabulary, so the softmax runs without it."""
    full = [*target, ids["eos"]]
    logits = model(input_ids=input_ids, decoder_input_ids=torch.tensor([[ids["start"], *target]]))
    logits = logits.logits[0]
    keep = [i for i in range(logits.shape[-1]) if i not in ids["bad"]]
    logp = torch.log_softmax(logits[:, keep], -1)
    position = {token: i for i, token in enumerate(keep)}
    return [float(logp[i, position[t]]) for i, t in enumerate(full)]


def _deviates(model_dir, reference) -> bool:
    """Whether transformers, loading `model_dir` without our check, computes something other than
    the reference (teacher-forced logits of an arbitrary target, for each input)."""
    from transformers import AutoModelForSeq2SeqLM

    model, tokenizer, ids = reference
    plain = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    texts = MARIAN_INPUTS if model.config.model_type == "marian" else BART_INPUTS
    with torch.no_grad():
        for text in texts:
            input_ids = tokenizer(text, return_tensors="pt")["input_ids"]
            target = [ids["start"], *_arbitrary_target(model.config.vocab_size, ids, len(text))]
            decoder = torch.tensor([target])
            ours = model(input_ids=input_ids, decoder_input_ids=decoder).logits
            theirs = plain(input_ids=input_ids, decoder_input_ids=decoder).logits
            if not torch.allclose(ours, theirs, atol=1e-5):
                return True
    return False
