"""Loading a stage's model into a backend, and what a profile's models look like here.

`load_backend` is the one place that imports the heavy libraries (torch, transformers,
ctranslate2), and only when a stage first needs its model.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import STAGES, Profile, StageConfig
from pipeline.errors import ModelUnavailableError
from pipeline.models.backends.base import InputShape, Seq2SeqBackend
from pipeline.models.locate import default_models_dir, resolve


def choose_backend(stage: StageConfig) -> str:
    """The backend a stage runs on: its own choice, else the fastest one installed."""
    if stage.backend != "auto":
        return stage.backend
    if importlib.util.find_spec("ctranslate2") is not None:
        return "ctranslate2"
    return "transformers"


def load_backend(
    stage: StageConfig, models_dir: Path | None = None, *, inputs: InputShape = "sentences"
) -> Seq2SeqBackend:
    """Resolve `stage`'s model and load it into its backend (slow: loads the model libraries).

    `inputs` says what the stage gives the model: many sentences (translation) or a few whole
    documents (summaries); the CTranslate2 backend lays out its threads for it.
    """
    path = resolve(stage, models_dir)
    try:
        if choose_backend(stage) == "ctranslate2":
            from pipeline.models.backends.ctranslate2_backend import CTranslate2Backend

            return CTranslate2Backend(
                path, model_id=stage.model, revision=stage.revision, device=stage.device,
                compute_type=stage.compute_type, models_dir=models_dir or default_models_dir(),
                inputs=inputs,
            )  # fmt: skip
        from pipeline.models.backends.transformers_backend import TransformersBackend

        return TransformersBackend(path, device=stage.device, model_id=stage.model)
    except OSError as exc:  # unreadable or incomplete files: the model is not usable as it is
        raise ModelUnavailableError(
            f"model {stage.model} at {path} could not be loaded ({exc})",
            reason="load_failed",
            model=stage.model,
        ) from None


@dataclass(frozen=True)
class ModelStatus:
    """One line of `models list`."""

    stage: str
    model: str
    revision: str | None
    backend: str
    present: bool


def status(profile: Profile, models_dir: Path | None = None) -> list[ModelStatus]:
    """Which models `profile` needs and whether they are on this machine (no downloads)."""
    rows = []
    for name in STAGES:
        stage = profile.stage(name)
        if stage.is_builtin:
            present = ((models_dir or default_models_dir()) / stage.model[8:]).is_dir()
        else:
            try:
                resolve(stage, models_dir, download=False)
                present = True
            except ModelUnavailableError:
                present = False
        rows.append(ModelStatus(name, stage.model, stage.revision, choose_backend(stage), present))
    return rows


def pull(profile: Profile, models_dir: Path | None = None) -> list[Path]:
    """Download (or build) every model `profile` needs; returns their directories."""
    return [resolve(profile.stage(name), models_dir) for name in STAGES]
