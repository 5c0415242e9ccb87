"""Finding a stage's model on disk or on the hub (loading it is `pipeline.models.loading`).

A stage's `model` is one of
- ``builtin:<name>``: the project's tiny random models, built on first use (see `builtin`);
- a local directory (absolute, ``./``, ``~`` or an existing path);
- a hub id (``owner/name``) at a pinned `revision`, looked up in the Hugging Face cache first and
  downloaded only when the hub is reachable and `HF_HUB_OFFLINE` is not set.
A model that is not available is a `ModelUnavailableError` naming the model and why (its `reason`:
``offline``, ``unreachable``, ``no_directory``, ``no_safetensors``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline.config import StageConfig
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


def resolve(stage: StageConfig, models_dir: Path | None = None, *, download: bool = True) -> Path:
    """The local directory holding `stage`'s model, building or downloading it if allowed."""
    if stage.is_builtin:
        from pipeline.models.builtin import ensure_builtin

        return ensure_builtin(stage.model.split(":", 1)[1], models_dir or default_models_dir())
    if is_local(stage.model):
        path = Path(stage.model).expanduser()
        if not (path / "config.json").is_file():
            raise ModelUnavailableError(
                f"model directory {path} does not exist or holds no config.json",
                reason="no_directory", model=stage.model,
            )  # fmt: skip
        _require_safetensors(path, stage)
        return path
    return _from_hub(stage, download=download and not hub_offline())


def _require_safetensors(path: Path, stage: StageConfig) -> None:
    """Pickled weights can run code when loaded: we only ever load safetensors."""
    if not any(path.glob("*.safetensors")):
        raise ModelUnavailableError(
            f"model {stage.model} at {path} has no safetensors weights (pickled weights are "
            "never loaded): convert it, or pin a revision that has model.safetensors",
            reason="no_safetensors", model=stage.model,
        )  # fmt: skip


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
                    "reachable", reason="unreachable", model=stage.model,
                ) from None  # fmt: skip
    try:
        path = Path(
            snapshot_download(
                stage.model, revision=stage.revision, allow_patterns=ALLOW_PATTERNS,
                local_files_only=not download,
            )
        )  # fmt: skip
    except (OSError, HfHubHTTPError, ValueError) as exc:
        reason = "unreachable" if download else "offline"
        why = "not in the local Hugging Face cache" + (
            " and the hub is not reachable" if download else " (downloads are off: HF_HUB_OFFLINE)"
        )
        log.debug("hub lookup of %s failed: %s", name, exc)
        raise ModelUnavailableError(
            f"model {name} is {why}", reason=reason, model=stage.model
        ) from None
    _require_safetensors(path, stage)
    return path


def quiet_transformers() -> None:
    """Progress bars and advice from transformers are noise on a CLI's stderr."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
