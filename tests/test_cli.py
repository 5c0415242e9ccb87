"""The command line: output formats, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline import cli

from .conftest import ARTICLES, CONFIG

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(cli.app, [str(a) for a in args], input=input)


def test_help_lists_stage_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "detect", "translate", "summarise", "models", "cache"):
        assert command in result.output


def test_detect_json_from_stdin():
    text = (
        "Regjeringen la fram statsbudsjettet for neste år på tirsdag, og opposisjonen er kritisk."
    )
    result = invoke("detect", "-", "--config", CONFIG, "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["language"]["code"] == "nb"
    assert "translation" not in data and "summary" not in data
    assert data["stages"]["detect"]["cached"] is False


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["run", "missing.txt"], None, 3, "missing.txt: no such file"),
        (["run", "-"], "", 3, "no text"),
        (["run", "-"], "  \n\n ", 3, "no text"),
        (["run", "-", "--max-chars", "10"], "Hei og hå, dette er for langt.", 3, "over the limit"),
        (["run", "-"], "Die Bundesregierung hat heute den Haushalt für das Jahr vorgestellt.",
         4, "German (de) is not supported"),
        (["run", "-", "--language", "xx"], "Hei.", 4, "(xx) is not supported"),
        (["run", "-", "--profile", "huge"], "Hei på deg, sa han.", 6, "no profile 'huge'"),
        (["run", "-", "--config", "nope.yaml"], "Hei på deg, sa han.", 6, "nope.yaml"),
        (["run", "-", "--format", "xml"], "Hei.", 2, "--format"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_their_exit_code(args, stdin, code, message):
    result = invoke(*args, input=stdin)
    assert result.exit_code == code, result.output
    # Usage errors (exit 2) come from click itself, as "Error: ...".
    lines = [line for line in result.stderr.splitlines() if line.lower().startswith("error:")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.output


def test_binary_file_is_refused(tmp_path):
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    result = invoke("run", image)
    assert result.exit_code == 3 and "not a text file" in result.stderr


def test_bad_config_is_exit_6(tmp_path):
    bad = tmp_path / "models.yaml"
    bad.write_text("profiles:\n  tiny:\n    translate: {model: x, colour: red}\n")
    result = invoke("run", ARTICLES / "sv-housing.txt", "--config", bad, "--profile", "tiny")
    assert result.exit_code == 6
    assert "models.yaml: profiles.tiny.translate.colour: unknown key" in result.stderr


def test_cache_commands(tmp_path):
    assert invoke("cache", "info").exit_code == 0
    assert "removed 0 entries" in invoke("cache", "clear").output
    assert invoke("cache", "prune").exit_code == 2
    assert invoke("cache", "prune", "--max-size", "1MB").exit_code == 0
    assert invoke("cache", "prune", "--max-size", "lots").exit_code == 2  # a usage error


# ---- the CLI as people expect it (issue 15) ------------------------------------------------


def test_help_shows_choices_metavars_and_defaults():
    out = invoke("run", "--help").output
    assert "Usage: " in out and "run [OPTIONS] FILE" in out and "{" not in out.split("\n")[0]
    assert "text|json|markdown|html" in out  # --format shows its choices
    assert "--profile NAME" in out and "default, light, tiny" in out
    assert "--cache-dir DIR" in out and "default:" in out.split("--cache-dir", 1)[1][:300]


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("nordtrans ")


def test_a_forced_language_says_so(fake_cli, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Die Bundesregierung hat heute den Haushalt vorgestellt, sagte er.")
    text = fake_cli("run", path, "--language", "nb").stdout
    assert "Norwegian Bokmål (nb, given, not detected)" in text and "confidence" not in text
    data = json.loads(fake_cli("run", path, "--language", "nb", "--format", "json").stdout)
    assert data["language"] == {"code": "nb", "forced": True}


def test_detect_lists_no_models(fake_cli, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Regjeringen la fram statsbudsjettet for neste år på tirsdag.")
    data = json.loads(fake_cli("detect", path, "--format", "json").stdout)
    assert "models" not in data
    assert set(json.loads(fake_cli("run", path, "--format", "json").stdout)["models"]) == {
        "translate", "summarise"
    }  # fmt: skip


def test_text_reads_headline_summary_translation_then_checks(fake_cli, fakes, tmp_path):
    translator, _ = fakes
    translator.generate = lambda texts, settings: [
        "The budget is large, says Kari." if "8,8" in t else f"<en:{t}>" for t in texts
    ]
    path = tmp_path / "a.txt"
    path.write_text("title Budsjettet\n\nBudsjettet er på 8,8 billioner kroner, sier Kari Nygård.")
    out = fake_cli("run", path).stdout
    assert out.splitlines()[0] == "<en:Budsjettet>"  # the headline, translated, comes first
    order = [out.index(h) for h in ("SUMMARY", "TRANSLATION", "CHECKS")]
    assert order == sorted(order)
    assert "Nygård" in out.split("CHECKS", 1)[1]  # the dropped surname, in plain words
    markdown = fake_cli("run", path, "--format", "markdown").stdout
    assert (
        markdown.startswith("# <en:Budsjettet>") and "*Original headline:* Budsjettet" in markdown
    )
