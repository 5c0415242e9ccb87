"""Finding models on disk or on the hub, and loading them into a backend.

A stage's `model` is one of
- ``builtin:<name>``: the project's tiny random models, built on first use (see `tiny`);
- a local directory (absolute, ``./``, ``~`` or an existing path);
- a hub id (``owner/name``) at a pinned `revision`, looked up in the Hugging Face cache first and
  downloaded only when the hub is reachable and `HF_HUB_OFFLINE` is not set.
A model that is not available is a `ModelUnavailableError` naming the model and the fix.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Profile, StageConfig
from pipeline.errors import ModelUnavailableError

log = logging.getLogger("pipeline")

MODELS_ENV = "NORDTRANS_MODELS_DIR"
# What a checkpoint needs; never pickled weights (`*.bin`) nor remote code (`*.py`).
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.spm", "*.model", "*.txt"]


def default_models_dir() -> Path:
    """Where built-in models and converted models live: `$NORDTRANS_MODELS_DIR` or user data."""
    env = os.environ.get(MODELS_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("nordtrans")) / "models"


def hub_offline() -> bool:
    """Whether `HF_HUB_OFFLINE` forbids network access."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def is_local(model: str) -> bool:
    """A path rather than a hub id."""
    return model.startswith(("/", "./", "../", "~")) or Path(model).expanduser().is_dir()


def _fix(stage: StageConfig) -> str:
    return (
        f"run `nordtrans models pull` for this profile on a connected machine, "
        f"or point {stage.model!r} to a local directory in models.yaml"
    )


def resolve(stage: StageConfig, models_dir: Path | None = None, *, download: bool = True) -> Path:
    """The local directory holding `stage`'s model, building or downloading it if allowed."""
    if stage.is_builtin:
        from pipeline.tiny import ensure_builtin

        _quiet_transformers()
        return ensure_builtin(stage.model.split(":", 1)[1], models_dir or default_models_dir())
    if is_local(stage.model):
        path = Path(stage.model).expanduser()
        if not (path / "config.json").is_file():
            raise ModelUnavailableError(
                f"model directory {path} does not exist or holds no config.json: "
                "fix the path in models.yaml"
            )
        _require_safetensors(path, stage)
        return path
    return _from_hub(stage, download=download and not hub_offline())


def _require_safetensors(path: Path, stage: StageConfig) -> None:
    """Pickled weights can run code when loaded: we only ever load safetensors."""
    if not any(path.glob("*.safetensors")):
        raise ModelUnavailableError(
            f"model {stage.model} at {path} has no safetensors weights (pickled weights are "
            "never loaded): convert it, or pin a revision that has model.safetensors"
        )


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP probe of the hub endpoint.

    huggingface_hub retries a failed connection with back-off for about 25 s; without a network
    the user should hear so at once.
    """
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _from_hub(stage: StageConfig, *, download: bool) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()  # its retry warnings would bury our one-line error

    name = f"{stage.model} (revision {stage.revision or 'main'})"
    if download:
        try:  # a model already in the HF cache needs no network at all
            return _from_hub(stage, download=False)
        except ModelUnavailableError:
            if not hub_reachable():
                raise ModelUnavailableError(
                    f"model {name} is not in the local Hugging Face cache and the hub is not "
                    f"reachable: {_fix(stage)}"
                ) from None
    try:
        path = Path(
            snapshot_download(
                stage.model, revision=stage.revision, allow_patterns=ALLOW_PATTERNS,
                local_files_only=not download,
            )
        )  # fmt: skip
    except (OSError, HfHubHTTPError, ValueError) as exc:
        why = "not in the local Hugging Face cache" + (
            " and the hub is not reachable" if download else " and HF_HUB_OFFLINE is set"
        )
        log.debug("hub lookup of %s failed: %s", name, exc)
        raise ModelUnavailableError(f"model {name} is {why}: {_fix(stage)}") from None
    _require_safetensors(path, stage)
    return path


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
    for name in ("translate", "summarise"):
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
    return [resolve(profile.stage(name), models_dir) for name in ("translate", "summarise")]


def choose_backend(stage: StageConfig) -> str:
    """The backend a stage runs on: its own choice, else the fastest one installed."""
    if stage.backend != "auto":
        return stage.backend
    if importlib.util.find_spec("ctranslate2") is not None and _ct2_available():
        return "ctranslate2"
    return "transformers"


def _ct2_available() -> bool:
    return importlib.util.find_spec("pipeline.backends.ct2") is not None


def load_backend(stage: StageConfig, models_dir: Path | None = None):
    """Resolve `stage`'s model and load it into its backend (slow: imports torch)."""
    _quiet_transformers()
    path = resolve(stage, models_dir)
    try:
        if choose_backend(stage) == "ctranslate2":
            from pipeline.backends.ct2 import CTranslate2Backend

            return CTranslate2Backend(
                path, model_id=stage.model, revision=stage.revision, device=stage.device,
                compute_type=stage.compute_type, models_dir=models_dir or default_models_dir(),
            )  # fmt: skip
        from pipeline.backends.hf import TransformersBackend

        return TransformersBackend(path, device=stage.device)
    except OSError as exc:  # unreadable or incomplete files: the model is not usable as it is
        raise ModelUnavailableError(
            f"model {stage.model} at {path} could not be loaded ({exc}): {_fix(stage)}"
        ) from None


def _quiet_transformers() -> None:
    """Progress bars and advice from transformers are noise on a CLI's stderr."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
