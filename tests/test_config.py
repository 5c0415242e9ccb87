"""models.yaml: validated on load, one readable line per problem."""

from __future__ import annotations

import json

import pytest
import yaml

from pipeline.config import load_profile
from pipeline.errors import ConfigError

from .conftest import CONFIG


def write(tmp_path, data, name="models.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def base():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def test_shipped_profiles_load():
    for name in ("default", "light", "tiny"):
        profile = load_profile(CONFIG, name)
        assert profile.translate.model and profile.summarise.model
    default = load_profile(CONFIG, "default")
    assert default.translate.model == "Helsinki-NLP/opus-mt-tc-big-gmq-en"
    assert default.summarise.generate == {
        "num_beams": 4, "length_penalty": 2.0, "min_new_tokens": 56,
        "max_new_tokens": 142, "no_repeat_ngram_size": 3,
    }  # fmt: skip


def test_json_profile_file_loads(tmp_path):
    path = write(tmp_path, json.dumps(base()), "models.json")
    assert load_profile(path, "tiny").translate.model == "builtin:tiny-marian"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["profiles"]["tiny"]["translate"]["generate"].update(num_beam=2),
         r"models.yaml: profiles.tiny.translate.generate.num_beam: unknown key"),
        (lambda d: d["profiles"]["tiny"]["translate"]["generate"].update(num_beams="four"),
         r"models.yaml: profiles.tiny.translate.generate.num_beams: expected an integer"),
        (lambda d: d["profiles"]["tiny"]["summarise"].update(modle="x"),
         r"models.yaml: profiles.tiny.summarise.modle: unknown key"),
        (lambda d: d["profiles"]["tiny"]["summarise"].update(backend="onnx"),
         r"profiles.tiny.summarise.backend: expected one of"),
        (lambda d: d["profiles"]["tiny"].pop("summarise"), r"profiles.tiny.summarise: missing"),
        (lambda d: d["profiles"]["tiny"]["translate"].update(model=3),
         r"translate.model: expected"),
    ],
)  # fmt: skip
def test_invalid_config_names_file_and_key(tmp_path, edit, message):
    data = base()
    edit(data)
    with pytest.raises(ConfigError, match=message) as info:
        load_profile(write(tmp_path, data), "tiny")
    assert "\n" not in str(info.value)


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, "profiles:\n  tiny: [unclosed\n")
    with pytest.raises(ConfigError, match=r"models.yaml: invalid YAML at line \d+"):
        load_profile(path, "tiny")


def test_missing_file_and_profile(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_profile(tmp_path / "nope.yaml", "tiny")
    with pytest.raises(ConfigError, match="no profile 'huge'"):
        load_profile(CONFIG, "huge")


def test_the_cache_section_is_validated_and_used(tmp_path):
    from pipeline import Pipeline

    data = base()
    data["cache"] = {"dir": str(tmp_path / "c"), "max_size": "2GB"}
    profile = load_profile(write(tmp_path, data), "tiny")
    assert profile.cache.max_bytes == 2 * 10**9
    pipe = Pipeline.from_config(tmp_path / "models.yaml", "tiny")
    usage = pipe.cache.usage()
    assert usage.max_bytes == 2 * 10**9 and str(tmp_path / "c") in usage.location
    data["cache"] = {"max_size": "lots"}
    with pytest.raises(ConfigError, match=r"models.yaml: cache: invalid size 'lots'"):
        load_profile(write(tmp_path, data), "tiny")
    data["cache"] = {"colour": "red"}
    with pytest.raises(ConfigError, match=r"models.yaml: cache.colour: unknown key"):
        load_profile(write(tmp_path, data), "tiny")
