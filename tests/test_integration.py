"""End to end through the real loading code, on the tiny models the project builds itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import Pipeline

from .conftest import ARTICLES, CONFIG, ROOT, env_without_offline

SEED = ARTICLES / "seed-defence-visit.txt"


def cli(*args, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def seed_text():
    if not SEED.exists():
        pytest.skip("sample article not available")
    return SEED.read_text(encoding="utf-8")


def test_library_call_on_tiny_profile(seed_text, tmp_path):
    pipe = Pipeline.from_config(CONFIG, profile="tiny", cache_dir=tmp_path / "c")
    result = pipe.run(seed_text)
    assert result.language.code == "nb"
    assert result.metadata["date"] == "2025-08-21"
    assert result.translation.strip() and result.summary.strip()
    assert result.translation.count("\n") == seed_text.strip().count("\n")  # paragraphs kept
    assert result.models["translate"]["id"] == "builtin:tiny-marian"
    assert pipe.detect(seed_text).code == "nb"
    assert pipe.translate(seed_text) == result.translation
    assert isinstance(pipe.summarise("The port expects growth to slow this year."), str)


def test_cli_run_json_then_everything_cached(tmp_path):
    first = cli("run", SEED, "--profile", "tiny", "--format", "json", "--config", CONFIG)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["language"]["code"] == "nb"
    assert data["metadata"]["date"] == "2025-08-21"
    assert data["translation"].strip() and data["summary"].strip()
    assert set(data["stages"]) == {"detect", "translate", "summarise"}
    assert data["models"]["summarise"] == {
        "id": "builtin:tiny-bart",
        "revision": "builtin-v1",
        "backend": data["models"]["summarise"]["backend"],
    }
    assert "random-weight" in first.stderr  # the tiny profile says its output is noise
    second = cli("run", SEED, "--profile", "tiny", "--format", "json", "--config", CONFIG)
    again = json.loads(second.stdout)
    assert all(stage["cached"] for stage in again["stages"].values())
    assert (again["translation"], again["summary"]) == (data["translation"], data["summary"])


def test_cached_run_imports_neither_torch_nor_transformers(tmp_path):
    pipe = Pipeline.from_config(CONFIG, profile="tiny")
    pipe.run(SEED.read_text(encoding="utf-8"))
    code = (
        "import sys, runpy; script, sys.argv = sys.argv[1], ['cli.py', 'run', sys.argv[2],"
        " '--profile', 'tiny', '--config', sys.argv[3]]\n"
        "try:\n    runpy.run_path(script, run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "cli.py"), str(SEED), str(CONFIG)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_import_and_help_are_light():
    code = (
        "import sys, pipeline, cli\n"
        "print([m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_default_profile_without_network_names_model_and_fix(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Regjeringen la fram statsbudsjettet for neste år på tirsdag.")
    for env in (None, env_without_offline()):  # HF_HUB_OFFLINE=1, then a failed hub lookup
        result = cli("run", article, "--config", CONFIG, env=env)
        assert result.returncode == 5, result.stderr
        assert result.stderr.count("\n") == 1
        assert "Helsinki-NLP/opus-mt-tc-big-gmq-en" in result.stderr
        assert "models pull" in result.stderr and "local directory" in result.stderr


def test_models_list_shows_what_is_missing():
    result = cli("models", "list", "--config", CONFIG)
    assert result.returncode == 0
    assert "Helsinki-NLP/opus-mt-tc-big-gmq-en" in result.stdout and "missing" in result.stdout


def test_missing_local_model_directory(tmp_path):
    config = tmp_path / "models.yaml"
    config.write_text(
        "profiles:\n  local:\n"
        "    translate: {model: ./no-such-model}\n    summarise: {model: builtin:tiny-bart}\n"
    )
    result = cli("translate", SEED, "--config", config, "--profile", "local", cwd=tmp_path)
    assert result.returncode == 5
    assert "no-such-model does not exist" in result.stderr and "models.yaml" in result.stderr


def test_offline_hints_name_the_command_typed_and_how_to_copy_the_cache(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Regjeringen la fram statsbudsjettet for neste år på tirsdag.")
    run = cli("run", article, "--config", CONFIG)
    assert run.returncode == 5
    assert "`python cli.py models pull --profile default`" in run.stderr  # not `nordtrans ...`
    assert "Hugging Face cache" in run.stderr and "HF_HUB_OFFLINE=1" in run.stderr
    pull = cli("models", "pull", "--config", CONFIG)  # offline: do not say "run models pull"
    assert pull.returncode == 5 and pull.stderr.count("\n") == 1
    assert "run `python cli.py models pull --profile default` on a machine that reaches" in (
        pull.stderr
    )
    module = subprocess.run([sys.executable, "-m", "pipeline", "run", str(article), "--config",
                             str(CONFIG)], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert "`python -m pipeline models pull" in module.stderr


def test_every_public_name_the_readme_shows_exists():
    """The README's code uses these names; `import pipeline` must offer each of them."""
    import re

    import pipeline

    readme = (ROOT / "README.md").read_text("utf-8")
    imported = set(re.findall(r"from pipeline import ([\w, ]+)", readme))
    names = {n.strip() for group in imported for n in group.split(",")}
    names |= set(re.findall(r"`pipeline\.(\w+)\(", readme))
    assert names >= {"Pipeline", "process_dataset", "detect_language", "split_sentences"}
    for name in names:
        assert hasattr(pipeline, name), name
        assert name in pipeline.__all__, name
