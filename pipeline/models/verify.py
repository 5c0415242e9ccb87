"""Does a loaded checkpoint hold what its files say? Checked before it decodes anything.

Marian and BART checkpoints have a history of loading "successfully" after a library upgrade and
then translating garbage: tied embeddings not tied, sinusoidal positions not initialised, a
half-precision config loaded as such (transformers issues #26216, #26271, #45005; CTranslate2
#832). transformers v5 also hides some absent tensors from its own report of missing keys
(`_keys_to_ignore_on_load_missing`: Marian's `final_logits_bias` and positions), so its loading
info is not enough. `verify_loaded` compares the model as loaded with the safetensors files
themselves:

- every parameter is float32 (what both backends ask for on load);
- every tensor the architecture needs is in the files, except those that are tied or computed
  (`lm_head`, the encoder/decoder token embeddings; Marian's sinusoidal positions; BART's
  `final_logits_bias`, a zero buffer, which must then be zero) and the files hold nothing the
  model does not use;
- every tensor in the files is, value for value, what the model holds;
- the input embeddings, both token embeddings and the output projection are the *files'*
  shared embedding matrix (comparing them with each other is not enough: with the matrix
  missing, v5 ties all four to one random tensor); Marian with separate vocabularies: each
  side's, the output projection the decoder's;
- Marian: the positions are sinusoids and the decoder start's (`<pad>`) row is zero, as the
  Marian converter writes it (CTranslate2 starts decoding from a zero embedding).

Tensors are read one at a time, so the check costs little memory, and about as long as the
load itself: 2-3 s for distilbart's 1.2 GB or opus-mt-tc-big's 0.9 GB on a busy 2-core CPU
(random weights of their sizes). CTranslate2 pays it once, when it converts. A problem is a
`ModelUnavailableError` with reason ``broken_checkpoint``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import ModelUnavailableError

#: Tensors a correct Marian/BART file may leave out because they are tied to the shared matrix.
TIED = ("lm_head.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight")
#: Marian's positions: computed on load, not trained (older saves store them; then they count).
SINUSOIDAL = ("model.encoder.embed_positions.weight", "model.decoder.embed_positions.weight")
#: Where a file may hold the shared embedding matrix, in the order transformers ties from.
SHARED_SOURCES = ("model.shared.weight", *TIED[::-1])
#: Fp16-rounded sinusoids (as older saves store them) are up to ~2.4e-4 off; a table computed
#: in fp16 is off by far more at high positions.
SINUSOID_TOLERANCE = 1e-3
_CHECKED_TYPES = ("marian", "bart")
_SHOWN = 3  # names listed in one problem


def verify_loaded(
    model: Any, model_dir: str | Path, *, model_id: str, loading_info: dict | None = None
) -> None:
    """Raise `ModelUnavailableError` (reason ``broken_checkpoint``) if `model` is not its files.

    `model` is a transformers seq2seq model just loaded from `model_dir` with float32 weights;
    `loading_info` is what ``from_pretrained(..., output_loading_info=True)`` returned with it.
    """
    problems = find_problems(model, Path(model_dir), loading_info)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ModelUnavailableError(
            f"model {model_id} does not load as its files say: {problems[0]}{more}",
            reason="broken_checkpoint", model=model_id, problems=problems,
        )  # fmt: skip


def find_problems(model: Any, model_dir: Path, loading_info: dict | None = None) -> list[str]:
    """What is wrong with `model` as loaded from `model_dir`, in words; [] when it is sound."""
    import torch

    problems: list[str] = []
    dtypes = sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters()})
    if dtypes != ["float32"]:
        problems.append(f"parameters are {'/'.join(dtypes)}, not float32")
    info = loading_info or {}
    if info.get("mismatched_keys"):
        problems.append(f"tensors of the wrong shape: {_names(info['mismatched_keys'])}")
    model_type = getattr(model.config, "model_type", "")
    if model_type not in _CHECKED_TYPES:  # only transformers' own report for other families
        missing = sorted(info.get("missing_keys") or ())
        if missing:
            problems.append(f"the files lack {_names(missing)}")
        return problems

    marian = model_type == "marian"
    state = model.state_dict()
    files = dict(_tensor_files(model_dir))
    benign = {"lm_head.weight"} if _separate_vocabularies(model) else set(TIED)
    benign |= set(SINUSOIDAL) if marian else {"final_logits_bias"}
    absent = sorted(set(state) - set(files) - benign)
    if absent:
        problems.append(f"the files lack {_names(absent)}")
    if not marian and "final_logits_bias" not in files and state["final_logits_bias"].any():
        problems.append("final_logits_bias is not in the files and not zero")
    unused = sorted(set(files) - set(state))
    if unused:
        problems.append(f"the files hold tensors the model does not use: {_names(unused)}")

    differs = []
    for key, tensor in _read(files, sorted(set(files) & set(state))):
        held = state[key].detach()
        if held.shape != tensor.shape or not torch.equal(held.cpu(), tensor.to(held.dtype)):
            differs.append(key)
    if differs:
        problems.append(f"loaded values differ from the files: {_names(differs)}")

    problems.extend(_tying_problems(model, files))
    if marian:
        problems.extend(_marian_problems(model, state))
    return problems


def _tie_groups(model: Any) -> list[tuple[tuple[str, ...], dict[str, tuple[Any, str]]]]:
    """Per tied matrix: where the files may hold it, and the weights tied to it (each with the
    name it would have in the files).

    One matrix for BART and shared-vocabulary Marian; Marian with separate vocabularies
    (``share_encoder_decoder_embeddings: false``) has one per side, the output projection tied
    to the decoder's.
    """
    encoder = (model.get_encoder().embed_tokens.weight, "model.encoder.embed_tokens.weight")
    decoder = (model.get_decoder().embed_tokens.weight, "model.decoder.embed_tokens.weight")
    output = (model.get_output_embeddings().weight, "lm_head.weight")
    if _separate_vocabularies(model):
        inputs = (model.get_input_embeddings().weight, encoder[1])
        return [
            (("model.encoder.embed_tokens.weight",),
             {"input embeddings": inputs, "encoder embeddings": encoder}),
            (("model.decoder.embed_tokens.weight", "lm_head.weight"),
             {"decoder embeddings": decoder, "output projection": output}),
        ]  # fmt: skip
    inputs = (model.get_input_embeddings().weight, "model.shared.weight")
    every = {"input embeddings": inputs, "encoder embeddings": encoder,
             "decoder embeddings": decoder, "output projection": output}  # fmt: skip
    return [(SHARED_SOURCES, every)]


def _separate_vocabularies(model: Any) -> bool:
    config = model.config
    return config.model_type == "marian" and not getattr(
        config, "share_encoder_decoder_embeddings", True
    )


def _tying_problems(model: Any, files: dict[str, Path]) -> list[str]:
    """The embeddings and the output projection must be the files' matrices they are tied to."""
    problems = []
    for sources, held in _tie_groups(model):
        problems.extend(_group_problems(model, files, sources, held))
    return problems


def _group_problems(
    model: Any, files: dict[str, Path], sources: tuple[str, ...], held: dict[str, tuple[Any, str]]
) -> list[str]:
    """With tying on (the default), every weight of the group is the files' matrix. With
    ``tie_word_embeddings: false``, a weight the files hold under its own name is its own (the
    value check covers it); one they do not hold must still be the matrix, or it is random."""
    import torch

    present = [key for key in sources if key in files]
    if not present:
        return [f"the files hold no embedding matrix ({sources[0]})"]
    tied = getattr(model.config, "tie_word_embeddings", True) is not False
    problems = []
    ((_, source),) = _read(files, present[:1])
    if tied:
        others = _read(files, present[1:])
        differing = [key for key, other in others if not torch.equal(other, source)]
        if differing:
            problems.append(
                f"the files' {_names(differing)} {_differ(differing)} from {present[0]}, "
                f"which the architecture ties {_them(differing)} to"
            )
    untied = [what for what, (weight, own) in held.items()
              if (tied or own not in files)
              and (weight.shape != source.shape
                   or not torch.equal(weight.detach().cpu(), source.to(weight.dtype)))]  # fmt: skip
    if untied:
        verb = "is" if len(untied) == 1 else "are"
        if tied:
            problems.append(f"the {_names(untied)} {verb} not the files' {present[0]}")
        else:
            problems.append(
                f"the {_names(untied)} {verb} random: config.json says tie_word_embeddings: "
                f"false and the files do not hold {'it' if len(untied) == 1 else 'them'}"
            )
    return problems


def _marian_problems(model: Any, state: dict[str, Any]) -> list[str]:
    problems = []
    for key in SINUSOIDAL:
        if key not in state:
            continue
        table = state[key].detach().cpu().double().numpy()
        error = float(abs(table - sinusoids(*table.shape)).max())
        if not error <= SINUSOID_TOLERANCE:  # NaN counts as a failure too
            problems.append(f"{key} is not sinusoidal (off by {error:.2g})")
    start = model.config.decoder_start_token_id
    if start is not None and model.get_decoder().embed_tokens.weight[start].detach().any():
        problems.append(f"the embedding of the decoder start ({start}, <pad>) is not zero")
    return problems


def sinusoids(positions: int, dim: int):
    """Marian's position table, in float64: sines in the first half of each row, cosines after."""
    import numpy as np

    pos = np.arange(positions)[:, None]
    j = np.arange(dim)[None, :]
    angle = pos / np.power(10000, 2 * (j // 2) / dim)
    half = math.ceil(dim / 2)
    out = np.empty((positions, dim))
    out[:, :half] = np.sin(angle[:, 0::2])
    out[:, half:] = np.cos(angle[:, 1::2])
    return out


def _tensor_files(model_dir: Path) -> Iterator[tuple[str, Path]]:
    """(tensor name, file) for every tensor of the checkpoint's safetensors weights."""
    from safetensors import safe_open

    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        weight_map = json.loads(index.read_text("utf-8"))["weight_map"]
        names = sorted(set(weight_map.values()))
    elif (model_dir / "model.safetensors").is_file():
        names = ["model.safetensors"]
    else:
        names = sorted(p.name for p in model_dir.glob("*.safetensors"))
    for name in names:
        with safe_open(str(model_dir / name), framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 - a safetensors handle, not a dict
                yield key, model_dir / name


def _read(files: dict[str, Path], keys: list[str]) -> Iterator[tuple[str, Any]]:
    """(key, tensor) for `keys`, read one at a time (grouped by file, each opened once)."""
    from safetensors import safe_open

    by_file: dict[Path, list[str]] = {}
    for key in keys:
        by_file.setdefault(files[key], []).append(key)
    for path, wanted in by_file.items():
        with safe_open(str(path), framework="pt") as handle:
            for key in wanted:
                yield key, handle.get_tensor(key)


def _names(keys: Any) -> str:
    keys = [k if isinstance(k, str) else str(k[0]) for k in keys]
    shown = ", ".join(keys[:_SHOWN])
    return shown + (f" (+{len(keys) - _SHOWN})" if len(keys) > _SHOWN else "")


def _differ(keys: list[str]) -> str:
    return "differs" if len(keys) == 1 else "differ"


def _them(keys: list[str]) -> str:
    return "it" if len(keys) == 1 else "them"
