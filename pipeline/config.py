"""Model profiles (`models.yaml`): loaded with YAML's safe loader, validated into typed objects.

Every problem is a `ConfigError` whose message is one line naming the file, the key and what was
expected, e.g. ``models.yaml: profiles.tiny.translate.generate.num_beam: unknown key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

STAGES = ("translate", "summarise")
BUILTIN_MODELS = ("tiny-marian", "tiny-bart")  # see pipeline.models.builtin
BACKENDS = ("auto", "transformers", "ctranslate2")
DEVICES = ("auto", "cpu", "cuda")

# Generation settings we understand, with their type. They are passed through to decoding.
GENERATE_KEYS: dict[str, type] = {
    "num_beams": int,
    "min_new_tokens": int,
    "max_new_tokens": int,
    # Cap on new tokens relative to the input length (a guard against runaway decoding).
    "max_new_tokens_ratio": float,
    "length_penalty": float,
    "no_repeat_ngram_size": int,
    "repetition_penalty": float,
}
STAGE_KEYS = ("model", "revision", "backend", "device", "compute_type", "generate")


@dataclass(frozen=True)
class StageConfig:
    """One stage of a profile: which model, where from, and how to decode."""

    model: str
    revision: str | None = None
    backend: str = "auto"
    device: str = "auto"
    compute_type: str = "auto"
    generate: dict[str, Any] = field(default_factory=dict)

    @property
    def is_builtin(self) -> bool:
        """True for the project's own tiny models (``builtin:<name>``)."""
        return self.model.startswith("builtin:")


@dataclass(frozen=True)
class Profile:
    """A named set of stage configurations."""

    name: str
    translate: StageConfig
    summarise: StageConfig
    source: str = "models.yaml"

    def stage(self, name: str) -> StageConfig:
        """The configuration of stage `name` (translate or summarise)."""
        return {"translate": self.translate, "summarise": self.summarise}[name]


def default_config_path() -> Path:
    """`models.yaml` in the working directory, else the one beside the package (a checkout)."""
    here = Path("models.yaml")
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / "models.yaml"


def load_profile(path: str | Path | None = None, profile: str = "default") -> Profile:
    """Read `path` (YAML or JSON), validate it, and return the profile named `profile`."""
    path = Path(path) if path is not None else default_config_path()
    data = _read(path)
    where = path.name
    profiles = _mapping(data, where, "(top level)", {"profiles"}).get("profiles")
    profiles = _mapping(profiles, where, "profiles", None)
    if profile not in profiles:
        names = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"{where}: no profile {profile!r} (profiles: {names})")
    body = _mapping(profiles[profile], where, f"profiles.{profile}", set(STAGES))
    stages = {}
    for stage in STAGES:
        key = f"profiles.{profile}.{stage}"
        if stage not in body:
            raise ConfigError(
                f"{where}: {key}: missing (each profile needs {' and '.join(STAGES)})"
            )
        stages[stage] = _stage(body[stage], where, key)
    return Profile(name=profile, source=str(path), **stages)


def _read(path: Path) -> Any:
    import yaml  # light, but only needed here

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found", reason="config_not_found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    try:
        # The C loader when libyaml is there: the same safe subset, several times faster.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path.name}: invalid YAML{at}: {problem}") from None


def _mapping(value: Any, where: str, key: str, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: expected a mapping, got {_kind(value)}")
    for name in value:
        if allowed is not None and name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}: {key}.{name}: unknown key (expected one of: {expected})")
    return value


def _stage(value: Any, where: str, key: str) -> StageConfig:
    body = _mapping(value, where, key, set(STAGE_KEYS))
    strings = {}
    for name in ("model", "revision", "backend", "device", "compute_type"):
        if name in body and body[name] is not None:
            if not isinstance(body[name], str) or not body[name].strip():
                raise ConfigError(f"{where}: {key}.{name}: expected a non-empty string")
            strings[name] = body[name].strip()
    if "model" not in strings:
        raise ConfigError(f"{where}: {key}.model: missing (a hub id or a local directory)")
    model = strings["model"]
    if model.startswith("builtin:") and model[8:] not in BUILTIN_MODELS:
        names = ", ".join(f"builtin:{m}" for m in BUILTIN_MODELS)
        raise ConfigError(f"{where}: {key}.model: unknown built-in model {model!r} ({names})")
    for name, allowed in (("backend", BACKENDS), ("device", DEVICES)):
        if strings.get(name, "auto") not in allowed:
            raise ConfigError(f"{where}: {key}.{name}: expected one of {', '.join(allowed)}")
    generate = _generate(body.get("generate") or {}, where, f"{key}.generate")
    return StageConfig(generate=generate, **strings)


def _generate(value: Any, where: str, key: str) -> dict[str, Any]:
    body = _mapping(value, where, key, set(GENERATE_KEYS))
    out: dict[str, Any] = {}
    for name, raw in body.items():
        kind = GENERATE_KEYS[name]
        ok = isinstance(raw, int) and not isinstance(raw, bool)
        if kind is float:
            ok = ok or isinstance(raw, float)
        if not ok:
            what = "an integer" if kind is int else "a number"
            raise ConfigError(f"{where}: {key}.{name}: expected {what}, got {_kind(raw)}")
        if raw < 0 or (name == "num_beams" and raw < 1):
            raise ConfigError(f"{where}: {key}.{name}: must be positive, got {raw}")
        out[name] = kind(raw)
    if out.get("min_new_tokens", 0) > out.get("max_new_tokens", 1 << 30):
        raise ConfigError(f"{where}: {key}: min_new_tokens is larger than max_new_tokens")
    return out


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the string {value!r}"
    return type(value).__name__
