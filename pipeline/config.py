"""Model profiles (`models.yaml`): found, read with YAML's safe loader, validated into typed data.

The file is looked up in this order: the path given (``--config``), ``$NORDTRANS_CONFIG``,
``./models.yaml``, then the default that ships inside the package. Validation is msgspec's, with
unknown keys forbidden; every problem is a `ConfigError` whose message is one line naming the
file, the key and what was expected, e.g.
``models.yaml: profiles.tiny.translate.generate.num_beam: unknown key``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import msgspec
from msgspec import Meta, Struct

from pipeline.errors import ConfigError

STAGES = ("translate", "summarise")
BUILTIN_MODELS = ("tiny-marian", "tiny-bart")  # see pipeline.models.builtin
CONFIG_ENV = "NORDTRANS_CONFIG"
PACKAGED = Path(__file__).resolve().parent / "models.yaml"

Backend = Literal["auto", "transformers", "ctranslate2"]
Device = Literal["auto", "cpu", "cuda"]
Invented = Literal["flag", "drop"]
#: The choices of the settings that have a fixed set, for error messages.
CHOICES = {"backend": get_args(Backend), "device": get_args(Device), "invented": get_args(Invented)}
MIN_MAX_SIZE = 10**6  # below 1 MB a cap only thrashes

_UNITS = {
    "": 1, "b": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6,
    "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Bytes in "20GB", "512 MB", "1.5GiB" or 1000000. K/M/G/T(B) are powers of 1000, KiB/MiB/
    GiB/TiB powers of 1024. Raises ValueError naming the text and the accepted forms."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = _SIZE.fullmatch(str(text))
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(
                f"invalid size {text!r}: expected a number and an optional unit "
                "(B, KB, MB, GB, TB in 1000s; KiB, MiB, GiB, TiB in 1024s), e.g. 20GB"
            )
        value = int(float(match.group(1)) * _UNITS[unit])
    if value < MIN_MAX_SIZE:
        raise ValueError(f"invalid size {text!r}: a cache needs at least 1MB")
    return value


NonNegative = Annotated[int, Meta(ge=0)]
Positive = Annotated[int, Meta(ge=1)]
PositiveFloat = Annotated[float, Meta(gt=0)]


class Generate(Struct, forbid_unknown_fields=True, frozen=True):
    """Generation settings, passed through to decoding. Left out: the model's own default."""

    num_beams: Positive | None = None
    min_new_tokens: NonNegative | None = None
    max_new_tokens: Positive | None = None
    # Cap on new tokens relative to the input length (a guard against runaway decoding).
    max_new_tokens_ratio: PositiveFloat | None = None
    length_penalty: Annotated[float, Meta(ge=0)] | None = None
    no_repeat_ngram_size: NonNegative | None = None
    repetition_penalty: PositiveFloat | None = None

    def __post_init__(self) -> None:
        low, high = self.min_new_tokens, self.max_new_tokens
        if low is not None and high is not None and low > high:
            raise ValueError("min_new_tokens is larger than max_new_tokens")


class StageConfig(Struct, forbid_unknown_fields=True, frozen=True):
    """One stage of a profile: which model, where from, and how to decode."""

    model: str
    revision: str | None = None
    backend: Backend = "auto"
    device: Device = "auto"
    compute_type: str = "auto"
    decoding: Generate = msgspec.field(default_factory=Generate, name="generate")

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("model: expected a non-empty string (a hub id or a local directory)")
        name = self.model.removeprefix("builtin:")
        if self.is_builtin and name not in BUILTIN_MODELS:
            names = ", ".join(f"builtin:{m}" for m in BUILTIN_MODELS)
            raise ValueError(f"model: unknown built-in model {self.model!r} ({names})")

    @property
    def is_builtin(self) -> bool:
        """True for the project's own tiny models (``builtin:<name>``)."""
        return self.model.startswith("builtin:")

    @property
    def generate(self) -> dict[str, Any]:
        """The generation settings the profile sets, as a dict (part of every cache key)."""
        return {k: v for k, v in msgspec.structs.asdict(self.decoding).items() if v is not None}


class SummariseConfig(StageConfig, forbid_unknown_fields=True, frozen=True):
    """The summarise stage: a stage, and what to do with summary sentences that have a name or
    a figure the translation does not (`invented`): `flag` them in the checks, or `drop` them
    from the summary."""

    invented: Invented = "flag"


class _ProfileBody(Struct, forbid_unknown_fields=True, frozen=True):
    translate: StageConfig
    summarise: SummariseConfig


class CacheConfig(Struct, forbid_unknown_fields=True, frozen=True):
    """The file's `cache:` section: where the cache lives and how large it may grow."""

    dir: str | None = None  # a directory, or files:DIR for the file-per-entry store
    max_size: str | int | None = None  # "20GB" (see `parse_size`); None: the default cap

    def __post_init__(self) -> None:
        if self.max_size is not None:
            parse_size(self.max_size)  # a ValueError here is a config error naming the key

    @property
    def max_bytes(self) -> int | None:
        """The cap in bytes, or None for the default."""
        return parse_size(self.max_size) if self.max_size is not None else None


class _File(Struct, forbid_unknown_fields=True, frozen=True):
    profiles: dict[str, Any]  # each profile is checked on its own, so that errors name it
    cache: CacheConfig = msgspec.field(default_factory=CacheConfig)


class Profile(Struct, frozen=True):
    """A named set of stage configurations, and the file it came from."""

    name: str
    translate: StageConfig
    summarise: SummariseConfig
    source: str = str(PACKAGED)
    cache: CacheConfig = msgspec.field(default_factory=CacheConfig)

    def stage(self, name: str) -> StageConfig:
        """The configuration of stage `name` (translate or summarise)."""
        return {"translate": self.translate, "summarise": self.summarise}[name]


def find_config(path: str | Path | None = None) -> Path:
    """The profiles file to use: `path`, ``$NORDTRANS_CONFIG``, ``./models.yaml``, the packaged."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    here = Path("models.yaml")
    return here if here.is_file() else PACKAGED


def load_profile(path: str | Path | None = None, profile: str = "default") -> Profile:
    """Find and read the profiles file (YAML or JSON), validate it, return profile `profile`."""
    found, parsed = _load(path)
    where = found.name
    profiles = parsed.profiles
    if profile not in profiles:
        names = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"{where}: no profile {profile!r} (profiles: {names})")
    body = _convert(profiles[profile], _ProfileBody, where, f"profiles.{profile}")
    return Profile(profile, body.translate, body.summarise, str(found), parsed.cache)


def _convert(data: Any, kind: type[Any], where: str, prefix: str) -> Any:
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {_readable(str(exc), prefix)}") from None


def load_cache_config(path: str | Path | None = None) -> CacheConfig:
    """The profiles file's `cache:` section (for the cache commands, which need no profile)."""
    return _load(path)[1].cache


def _load(path: str | Path | None) -> tuple[Path, _File]:
    found = find_config(path)
    data = _read(found)
    if not isinstance(data, dict):
        raise ConfigError(f"{found.name}: (top level): expected a mapping, got {_kind(data)}")
    return found, _convert(data, _File, found.name, "")


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


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PLAIN = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
    "bool": "bool",
}


def _readable(message: str, prefix: str = "") -> str:
    """msgspec's "Expected `int`, got `str` - at `$.profiles.x.generate.num_beams`" as
    "profiles.x.generate.num_beams: expected an integer, got str"."""
    match = _AT.match(message.strip())
    assert match is not None  # the pattern matches any text
    what, where = match.group("what"), (match.group("path") or "").lstrip(".")
    where = _join(prefix, where) if where else prefix
    unknown = re.match(r"Object contains unknown field `([^`]+)`", what)
    if unknown:
        return f"{_join(where, unknown.group(1))}: unknown key"
    missing = re.match(r"Object missing required field `([^`]+)`", what)
    if missing:
        return f"{_join(where, missing.group(1))}: missing"
    typed = re.match(r"Expected `([^`]+)`(?:, got `([^`]+)`)?(.*)", what)
    if typed:
        expected, got, bound = typed.groups()
        if bound.strip():  # "Expected `int` >= 1"
            zero_ok = bound.strip() in (">= 0", ">= 0.0")
            return f"{where}: must be {'zero or more' if zero_ok else 'positive'}"
        parts = [p.strip() for p in expected.split("|") if p.strip() != "null"]
        text = " or ".join(_PLAIN.get(part, part) for part in parts)
        return f"{where}: expected {text}" + (f", got {_PLAIN.get(got, got)}" if got else "")
    if what.startswith("Invalid enum value"):
        choices = CHOICES.get(where.rsplit(".", 1)[-1])
        if choices:
            return f"{where}: expected one of {', '.join(choices)}, got {what[19:]}"
        return f"{where}: {what[0].lower()}{what[1:]}"
    field = re.match(r"(\w+): (.*)", what)  # a ValueError of a __post_init__, naming its field
    if field and where and not where.endswith(field.group(1)):
        return f"{_join(where, field.group(1))}: {field.group(2)}"
    return f"{where or '(top level)'}: {what}"


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the string {value!r}"
    return type(value).__name__
