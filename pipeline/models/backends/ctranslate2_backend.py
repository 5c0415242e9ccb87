"""The fast backend: CTranslate2 (int8 on CPU), converted from the HF checkpoint on first use.

The conversion is stored beside the model and reused:
- hub models under ``<HF cache parent>/ctranslate2/<owner>--<name>--<revision>--<compute
  type>--conv<N>`` (the parent of ``HF_HUB_CACHE``, so ``HF_HOME`` moves it along with the hub
  cache);
- local directories and built-in models under ``<models_dir>/ct2/<name>--<hash>--<compute
  type>--conv<N>``, the hash covering the resolved path and the size and mtime of its weights
  and config.
``N`` is `CONVERSION_VERSION`: bumped whenever our conversion writes different weights for the
same checkpoint, so that older conversions are not reused.

The converter loads the checkpoint in float32 whatever its config's ``torch_dtype`` says (the
opus-mt-tc-big config says float16: CTranslate2 would then store Marian's sinusoidal positions
computed in half precision, off by up to 0.03 in log-probability), and checks the loaded model
against its files (`pipeline.models.verify`) before converting it.

A conversion is written into a temporary directory in the same parent, finished with a `.complete`
marker and renamed into place, so a half-written (crashed, concurrent) conversion is never loaded.

Decoding follows `TransformersBackend` and the model's generation config: greedy float32 output
is token-for-token that of `generate`; beam search differs slightly (CTranslate2 has no
`early_stopping`, and finished hypotheses are ranked a little differently). Once a checkpoint is
converted, a run imports neither torch nor transformers: the tokenizers are
`pipeline.models.light_tokenizers` (sentencepiece / tokenizers), the settings are read from the
checkpoint's JSON files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.atomic_files import build_dir
from pipeline.errors import ModelUnavailableError
from pipeline.models.backends.base import (
    InputShape,
    cpu_threads,
    input_limit,
    new_token_limits,
    plan_batches,
)
from pipeline.models.locate import is_local, quiet_transformers

#: 2: float32 load (positions no longer computed in fp16) and the checkpoint verified.
CONVERSION_VERSION = "2"
MARKER = ".complete"  # written last: a conversion without it is unfinished and never used
_VERSION = f"conv{CONVERSION_VERSION}"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Batch plan, (padded source tokens, inputs) per `translate_batch` call, whose batches are split
#: across the replicas. Sentences: `run_many` over 30 news articles (bench_plans.py, 2-core Intel
#: Xeon) took 60.2 s with 2,048 / 32 against 66.5 s with 4,096 / 64 (59.7 s with 1,024 / 16);
#: on an earlier 2-core AMD EPYC it was the other way round (90.6 s against 79.9 s). Documents
#: (summaries, one replica) stay at 4,096 / 64: eight ~460-token texts in one batch.
BATCH_PLAN: dict[InputShape, tuple[int, int]] = {"sentences": (2048, 32), "documents": (4096, 64)}


def default_compute_type(device: str) -> str:
    """int8 weights: float32 activations on CPU, float16 on GPU."""
    return "int8_float16" if device == "cuda" else "int8"


def pick_ct2_device(requested: str = "auto") -> str:
    """`cuda` when asked for or when CTranslate2 sees a GPU under `auto`, else `cpu` (no torch)."""
    if requested != "auto":
        return requested
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def hub_conversions_dir() -> Path:
    """`ctranslate2/` beside the Hugging Face hub cache (read at call time: env changes count)."""
    hub = os.environ.get("HF_HUB_CACHE")
    if not hub and os.environ.get("HF_HOME"):
        hub = str(Path(os.environ["HF_HOME"]).expanduser() / "hub")
    if not hub:
        from huggingface_hub import constants

        hub = constants.HF_HUB_CACHE
    return Path(hub).expanduser().parent / "ctranslate2"


def safe_name(*parts: str) -> str:
    """A single path component made of `parts`: no separators, no `..`, no leading dot."""
    cleaned = []
    for part in parts:
        text = _SAFE.sub("_", part.replace("/", "--").replace("\\", "--"))
        text = re.sub(r"\.{2,}", "_", text).strip(".") or "_"
        cleaned.append(text)
    name = "--".join(cleaned)
    if len(name) > 150:  # keep within file-name limits; the hash keeps it unique
        name = name[:130] + "-" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return name


def _local_fingerprint(model_dir: Path) -> str:
    """The resolved path plus size and mtime of the files a conversion reads."""
    parts = [str(model_dir.resolve())]
    for path in sorted(model_dir.iterdir()):
        if path.suffix in {".json", ".safetensors"} and path.is_file():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def conversion_dir(
    model_dir: Path, *, model_id: str, revision: str | None, compute_type: str, models_dir: Path
) -> Path:
    """Where the conversion of `model_dir` for `compute_type` lives (it may not exist yet)."""
    is_hub = not model_id.startswith("builtin:") and not is_local(model_id)
    if is_hub:
        root = hub_conversions_dir()
        # A hub snapshot directory is named after its commit: more exact than a moving ref.
        snapshot = model_dir.name if model_dir.parent.name == "snapshots" else None
        name = safe_name(model_id, snapshot or revision or "main", compute_type, _VERSION)
    else:
        root = Path(models_dir).expanduser() / "ct2"
        name = safe_name(
            model_dir.resolve().name, _local_fingerprint(model_dir), compute_type, _VERSION
        )
    target = root / name
    if target.parent != root:  # cannot happen after safe_name; a guard for the future
        raise ValueError(f"unsafe conversion directory name {name!r}")
    return target


def is_complete(path: Path) -> bool:
    """A finished conversion: weights, config and the marker written last."""
    return all((path / name).is_file() for name in ("model.bin", "config.json", MARKER))


def ensure_converted(
    model_dir: Path, target: Path, quantization: str | None, *, model_id: str | None = None
) -> Path:
    """Convert `model_dir` into `target` unless a complete conversion is already there.

    Written into a temporary directory with the marker last, then renamed into place (see
    `pipeline.atomic_files.build_dir`): a crashed or concurrent conversion is never loaded. A
    checkpoint that does not load as its files say is a `ModelUnavailableError` (reason
    ``broken_checkpoint``), and nothing is written.
    """

    def convert(work: Path) -> None:
        quiet_transformers()
        converter = _converter(str(model_dir), model_id or str(model_dir))
        converter.convert(str(work), quantization=quantization, force=True)
        marker = {"source": str(model_dir), "quantization": quantization}
        (work / MARKER).write_text(json.dumps(marker), "utf-8")

    return build_dir(target, convert, is_complete)


#: What `generate` takes from a model's generation config that decoding here needs too.
GENERATION_KEYS = (
    "forced_bos_token_id", "forced_eos_token_id", "num_beams", "length_penalty",
    "no_repeat_ngram_size", "repetition_penalty",
)  # fmt: skip


def generation_defaults(model_dir: Path) -> dict[str, Any]:
    """The model's generation settings: config.json's, overridden by generation_config.json's.

    Read from the JSON files rather than through `GenerationConfig.from_model_config`:
    transformers 5.0's BartConfig drops the `forced_eos_token_id` (and the beam settings) that
    distilbart's config.json holds, while its `generate` still applies them.
    """
    found: dict[str, Any] = {}
    for name in ("config.json", "generation_config.json"):
        path = Path(model_dir) / name
        if path.is_file():
            data = json.loads(path.read_text("utf-8"))
            found.update({key: data[key] for key in GENERATION_KEYS if data.get(key) is not None})
    return found


def _converter(model_dir: str, model_id: str):
    """CTranslate2's converter, loading in float32, verifying, with BART configs completed.

    CTranslate2 loads with the config's ``torch_dtype``; float32 here instead, so that what it
    computes on load (Marian's positions) is not rounded before it is stored. Its BART loader
    reads `config.normalize_before`, which only old BART configs spell out (the distilbart ones
    do); HF's BART is always post-norm, so a config without it means False.
    """
    import torch
    from ctranslate2.converters import TransformersConverter

    from pipeline.models.verify import verify_loaded

    class Converter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            kwargs.pop("torch_dtype", None)  # the name CTranslate2 < 4.6 passes it under
            kwargs.update(dtype=torch.float32, output_loading_info=True)
            model, info = super().load_model(model_class, model_name_or_path, **kwargs)
            verify_loaded(model, model_name_or_path, model_id=model_id, loading_info=info)
            config = model.config
            if config.model_type == "bart" and "normalize_before" not in config.to_dict():
                config.normalize_before = False
            return model

    return Converter(model_dir, low_cpu_mem_usage=True)


class CTranslate2Backend:
    """A seq2seq model converted to CTranslate2, with a tokenizer that needs no torch."""

    name = "ctranslate2"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        model_id: str,
        revision: str | None = None,
        device: str = "auto",
        compute_type: str = "auto",
        models_dir: Path,
        inputs: InputShape = "sentences",
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        max_batch_tokens: int | None = None,
        max_batch: int | None = None,
    ) -> None:
        import ctranslate2

        from pipeline.models.light_tokenizers import load_tokenizer

        model_dir = Path(model_dir)
        self.device = pick_ct2_device(device)
        if compute_type in ("auto", "default"):
            compute_type = default_compute_type(self.device)
        supported = ctranslate2.get_supported_compute_types(self.device)
        if compute_type not in supported:
            raise ModelUnavailableError(
                f"compute_type {compute_type!r} is not supported on {self.device} "
                f"(supported: {', '.join(sorted(supported))})",
                reason="compute_type",
            )
        self.compute_type = compute_type
        self.path = conversion_dir(
            model_dir, model_id=model_id, revision=revision, compute_type=compute_type,
            models_dir=models_dir,
        )  # fmt: skip
        # Weights stored as the compute type asks (float32 stored as is), so loading is a copy.
        quantization = None if compute_type == "float32" else compute_type
        ensure_converted(model_dir, self.path, quantization, model_id=model_id)  # needs torch

        self.tokenizer = load_tokenizer(model_dir)
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        self.max_input_tokens = input_limit(
            config.get("max_position_embeddings"), self.tokenizer.max_length
        )
        gen = generation_defaults(model_dir)
        # HF's forced BOS (BART: <s> after </s>) is a target prefix here; HF's forced EOS takes
        # one of `max_new_tokens`, while CTranslate2 ends a hypothesis cut at the limit without it.
        self._prefix = self.tokenizer.target_prefix(gen.get("forced_bos_token_id"))
        self._eos_step = 1 if gen.get("forced_eos_token_id") is not None else 0
        # Settings a profile leaves out fall back to the model's generation config, as in HF.
        self._defaults = {
            "num_beams": gen.get("num_beams") or 1,
            "length_penalty": gen.get("length_penalty", 1.0),
            "no_repeat_ngram_size": gen.get("no_repeat_ngram_size") or 0,
            "repetition_penalty": gen.get("repetition_penalty") or 1.0,
        }

        inter, intra = thread_layout(self.device, inputs)
        inter, intra = inter_threads or inter, intra_threads or intra  # overrides (benchmarks)
        plan_tokens, plan_inputs = BATCH_PLAN[inputs]
        self.max_batch_tokens = max_batch_tokens or plan_tokens
        self.max_batch = max_batch or plan_inputs
        self.translator = ctranslate2.Translator(
            str(self.path), device=self.device, compute_type=compute_type,
            inter_threads=inter, intra_threads=intra,
        )  # fmt: skip
        self._replicas = inter

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as model input, special tokens included."""
        return self.tokenizer.count(texts)

    def generate(self, texts: Sequence[str], settings: dict[str, Any]) -> list[str]:
        """Decode in length-sorted, token-budgeted batches; outputs come back in input order.

        All batches are submitted at once (asynchronously), so the replicas work on several
        batches in parallel; each batch's ratio cap comes from its longest input.
        """
        if not texts:
            return []
        tokens = self.tokenizer.encode_tokens(texts)
        lengths = [len(row) for row in tokens]
        opts = {**self._defaults, **{k: v for k, v in settings.items() if v is not None}}
        pending = []
        plan = plan_batches(lengths, max_tokens=self.max_batch_tokens, max_batch=self.max_batch)
        for batch in plan:
            low, high = new_token_limits(settings, lengths[batch[0]])
            longest = max(1, high - self._eos_step)
            extra: dict[str, Any] = {}
            if self._prefix is not None:
                extra["target_prefix"] = [list(self._prefix) for _ in batch]
            if self._replicas > 1 and len(batch) > 1:
                # Split big batches so every replica gets work; the split keeps the longest-
                # first order, so padding stays low.
                extra["max_batch_size"] = -(-len(batch) // self._replicas)
            results = self.translator.translate_batch(
                [tokens[i] for i in batch],
                beam_size=int(opts["num_beams"]),
                length_penalty=float(opts["length_penalty"]),
                no_repeat_ngram_size=int(opts["no_repeat_ngram_size"]),
                repetition_penalty=float(opts["repetition_penalty"]),
                max_decoding_length=longest,
                min_decoding_length=min(low, longest),
                max_input_length=0,  # never truncate: callers split what does not fit
                return_scores=False,
                asynchronous=True,
                **extra,
            )
            pending.append((batch, results))
        outputs: list[str] = [""] * len(texts)
        for batch, results in pending:
            hypotheses = [result.result().hypotheses[0] for result in results]
            for index, text in zip(batch, self.tokenizer.decode_tokens(hypotheses), strict=True):
                outputs[index] = text
        return outputs


def thread_layout(device: str, inputs: InputShape = "sentences") -> tuple[int, int]:
    """(inter_threads, intra_threads) for a model given `inputs`.

    On CPU, sentences get one replica per core with one thread each (a call's batches split
    across them), documents one replica whose operations use every core; on GPU one replica.

    Measured on 2 cores (each layout in its own process, int8, 4 beams, the default models'
    architectures; bench/README.md): one article's sentences take the same time either way
    (2.31 s against 2.34 s; the replicas pay on many articles' sentences at once, `run_many`,
    measured on an earlier 2-core AMD machine: 34.6 s against 40.4 s for ten articles); one
    ~460-token summary 2.72 s on one two-thread replica against 4.76 s on a one-thread
    replica, 8 summaries at once 12.7 s against 11.8 s. Replicas on one device share the
    weights (CTranslate2 docs, parallel.md): no extra memory.
    """
    threads = cpu_threads()
    if device != "cpu":
        return 1, threads
    return (threads, 1) if inputs == "sentences" else (1, threads)
