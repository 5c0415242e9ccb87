"""Robustness: hostile or odd input, pathological text, bad configs and models, cache faults.

Each test is one row of the robustness checklist (see the module sections below). The CLI tests
run in-process with typer's CliRunner and the fake models of conftest (`cli._pipeline` is swapped
for a fake-backed pipeline), so they cost milliseconds; the few that must prove something about a
real process (no model imported, a bounded read) start `cli.py` in a subprocess.
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import re
import resource
import sqlite3
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline import Pipeline, cli
from pipeline.cache import DiskCache, make_key
from pipeline.config import StageConfig, load_profile
from pipeline.errors import ConfigError, InputError, ModelUnavailableError
from pipeline.jobs.batch import run_batch
from pipeline.stages.decoding_guards import repeated_ngram
from pipeline.text.article import DEFAULT_MAX_CHARS, decode_bytes, parse_article, read_source
from pipeline.text.document import split_document
from pipeline.text.token_limit import split_to_fit

from .conftest import CONFIG, ROOT
from .linear import assert_linear
from .stores import STORES, addresses, entry_label, make_store, read_raw, remove, write_raw

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_logger(pipeline_logger):
    """Every test here starts with a clean "pipeline" logger (see conftest.pipeline_logger)."""
    return pipeline_logger


NB = (
    "date 2026-01-02\ntitle Overskrift\n\n"
    "Regjeringen la fram budsjettet i dag. Det ble godt mottatt av de fleste.\n\n"
    "Opposisjonen er kritisk til forslaget, og vil stemme imot i Stortinget."
)
HEAVY = ("torch", "transformers", "ctranslate2")


def error_line(result) -> str:
    """The single `error:` line of a failed CLI run (and no traceback anywhere)."""
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def run_json(invoke, path, *extra):
    result = invoke("run", path, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


# ---- input rows through `run` ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\t\r\n  \n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf \r\n\x00\x07\n"],
    ids=["empty", "whitespace", "utf8-bom-only", "utf16-bom-only", "bom-blanks-controls"],
)
def test_empty_or_blank_file_is_one_line_no_text(fake_cli, tmp_path, data):
    path = tmp_path / "blank.txt"
    path.write_bytes(data)
    result = fake_cli("run", path)
    assert result.exit_code == 3
    assert "no text" in error_line(result)


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"Regjeringen la fram budsjettet i dag. " * 50),
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 16,  # a JPEG
        bytes((i * 37 + 11) % 256 for i in range(8192)),  # arbitrary binary, NULs included
        b"GIF89a" + bytes(range(256)) * 4,
    ],
    ids=["gzip", "jpeg", "binary", "gif"],
)
def test_binary_file_is_not_a_text_file(fake_cli, fakes, tmp_path, data):
    path = tmp_path / "upload.dat"
    path.write_bytes(data)
    result = fake_cli("run", path)
    assert result.exit_code == 3
    line = error_line(result)
    assert "not a text file" in line and str(path) in line
    assert fakes[0].calls == []


def test_chinese_is_refused_naming_the_language_and_the_supported_ones(fake_cli, tmp_path):
    path = tmp_path / "zh.txt"
    path.write_text(
        "国务院总理今天在北京主持召开国务院常务会议，研究部署进一步扩大内需的政策措施。"
    )
    result = fake_cli("run", path)
    assert result.exit_code == 4
    line = error_line(result)
    assert "Chinese (zh) is not supported" in line
    assert "supported: nb, nn, da, sv, en" in line and "--language" in line


def test_language_option_forces_the_source_language_on_the_cli(fake_cli, fakes, tmp_path):
    german = "Die Bundesregierung hat heute den Haushalt für das kommende Jahr vorgestellt."
    path = tmp_path / "de.txt"
    path.write_text(german)
    data, _ = run_json(fake_cli, path, "--language", "nb")
    assert data["language"]["code"] == "nb" and data["stages"]["detect"]["forced"]
    assert fakes[0].inputs == [german]
    assert data["translation"] == f"<en:{german}>"


def _denied(path, *args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied", str(path))


def test_unreadable_file_names_the_path_in_the_library(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("Hei.")
    # Tests run as root, whom chmod 000 does not stop: make `open` say what it says to a user.
    monkeypatch.setattr("pipeline.text.article.open", _denied, raising=False)
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}: cannot read \(Permission"):
        read_source(str(path))


def test_unreadable_file_is_one_line_naming_the_path(fake_cli, tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("Hei.")
    monkeypatch.setattr("pipeline.text.article.open", _denied, raising=False)
    result = fake_cli("run", path)
    assert result.exit_code == 3
    assert f"{path}: cannot read (Permission denied)" in error_line(result)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_file_that_fails_to_read_even_for_root_names_the_path(fake_cli):
    result = fake_cli("run", "/proc/self/mem")  # reading offset 0 is EIO, for every user
    assert result.exit_code == 3
    assert "/proc/self/mem: cannot read" in error_line(result)


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),  # BOM + native order
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: b"\xff\xfe" + t.replace("\n", "\r\n").encode("utf-16-le"),
    ],
    ids=["utf8-bom", "utf16", "utf16-be", "utf16-le-crlf"],
)
def test_bom_files_work_and_the_bom_is_removed(fake_cli, fakes, tmp_path, encode):
    path = tmp_path / "bom.txt"
    path.write_bytes(encode(NB))
    data, _ = run_json(fake_cli, path)
    # A BOM left in place would hide the `date` header at the very start of the file.
    assert data["metadata"]["date"] == "2026-01-02"
    assert data["metadata"]["title_original"] == "Overskrift"
    assert fakes[0].inputs[0] == "Regjeringen la fram budsjettet i dag."
    assert "\ufeff" not in data["translation"] and "\r" not in data["translation"]


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_legacy_8_bit_encodings_work_with_a_warning_naming_the_encoding(
    fake_cli, fakes, tmp_path, codec
):
    text = "Ifølge rapporten kostet det 38 mill. kroner å bygge om fergeleiet på Bastø i år."
    path = tmp_path / "old.txt"
    path.write_bytes(text.encode(codec))
    data, stderr = run_json(fake_cli, path)
    assert data["translation"] == f"<en:{text}>"
    warning = re.search(rf"warning: {re.escape(str(path))} is not UTF-8; decoded as (\S+)", stderr)
    assert warning is not None, stderr
    assert warning.group(1).replace("_", "-") in {"cp1252", "latin-1", "iso8859-15", "iso8859-1"}


def test_crlf_nul_and_control_characters_are_normalised_before_processing(
    fake_cli, fakes, tmp_path
):
    raw = (
        b"date 2026-01-02\r\n\r\nRegjeringen\x00 la fram budsjettet i dag.\x07 Det ble godt\x1b "
        b"mottatt av de fleste.\r\n\r\nOpposisjonen\x0c er kritisk til forslaget.\x7f\r\n"
    )
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw)
    data, _ = run_json(fake_cli, path)
    assert data["metadata"] == {"date": "2026-01-02"}
    assert fakes[0].inputs == [
        "Regjeringen la fram budsjettet i dag.",
        "Det ble godt mottatt av de fleste.",
        "Opposisjonen er kritisk til forslaget.",
    ]
    assert data["translation"].count("\n\n") == 1  # the paragraph break survives, as LF
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", data["translation"])


# ---- one 4,000-word "sentence" -----------------------------------------------------------------

WORDS = [f"ord{i}" for i in range(4000)]  # all different: no guard sees a loop


def test_4000_word_sentence_is_split_to_fit_the_fake_nothing_truncated(fake_pipeline, fakes):
    translator, _ = fakes
    translator.max_input_tokens = 64
    result = fake_pipeline().run(" ".join(WORDS), language="nb")
    stage = result.stages["translate"]
    assert stage["sentences_total"] == 1 and stage["sentences_translated"] == 1
    assert len(translator.calls) == 1  # no guard retry: the first call is all there was
    assert all(translator.count_tokens([t])[0] <= 64 for t in translator.inputs)
    assert " ".join(translator.inputs).split() == WORDS  # every word, once, in order
    assert result.translation.count("<en:") == len(translator.inputs) > 60
    assert result.summary and result.stages["summarise"]["chunks"] >= 1


class Recording:
    """A real backend that records what `generate` was asked to translate."""

    def __init__(self, inner) -> None:
        self.inner, self.name = inner, inner.name
        self.max_input_tokens = inner.max_input_tokens
        self.calls: list[list[str]] = []

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def generate(self, texts, settings):
        self.calls.append(list(texts))
        return self.inner.generate(texts, settings)


def test_4000_word_sentence_through_the_tiny_marian(models_dir, tmp_path):
    from pipeline.models.loading import load_backend

    profile = load_profile(CONFIG, "tiny")
    translator = Recording(load_backend(profile.translate, models_dir))
    assert translator.max_input_tokens == 512
    pipe = Pipeline(profile, cache=DiskCache(tmp_path / "c"), models_dir=models_dir,
                    backends={"translate": translator})  # fmt: skip
    result = pipe.run(" ".join(WORDS), language="nb", until="translate")
    assert result.stages["translate"]["sentences_total"] == 1
    assert result.translation.strip()
    first = translator.calls[0]  # later calls are guard retries of noisy outputs
    assert max(translator.count_tokens(first)) <= translator.max_input_tokens
    assert " ".join(first).split() == WORDS


# ---- very large input --------------------------------------------------------------------------

# Runs cli.py in this child, then reports its exit code and which heavy modules it imported.
_PROBE = (
    "import os, runpy, sys\n"
    "sys.argv = ['cli.py', *sys.argv[1:]]\n"
    "try:\n    runpy.run_path(os.environ['CLI'], run_name='__main__')\n"
    "except SystemExit as exc:\n    print('EXIT', exc.code)\n"
    f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n"
)


def probe_cli(*args, timeout=60, **kwargs):
    env = {**os.environ, "CLI": str(ROOT / "cli.py")}
    return subprocess.run([sys.executable, "-c", _PROBE, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout, **kwargs)  # fmt: skip


@pytest.mark.parametrize(
    ("size", "extra", "limit"),
    [(DEFAULT_MAX_CHARS + 1, [], "500,000"), (5_000, ["--max-chars", "4999"], "4,999")],
    ids=["default-limit", "max-chars"],
)
def test_too_large_input_is_refused_before_any_model_loads(tmp_path, size, extra, limit):
    path = tmp_path / "big.txt"
    path.write_text(("Regjeringen la fram budsjettet i dag. " * (size // 38 + 1))[:size])
    # The default profile's models are not on this machine: reaching them would be exit 5.
    start = time.perf_counter()
    out = probe_cli("run", path, "--config", CONFIG, *extra)
    assert time.perf_counter() - start < 30
    assert "EXIT 3" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr
    assert out.stderr.count("error:") == 1 and f"over the limit of {limit}" in out.stderr
    assert "Traceback" not in out.stderr


def _limit_memory():  # the child may not take the machine down if it reads without bound
    resource.setrlimit(resource.RLIMIT_AS, (1 << 29, 1 << 29))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_input_is_refused_without_reading_it_all():
    try:
        out = probe_cli("run", "/dev/zero", "--config", CONFIG, "--max-chars", "1000",
                        timeout=30, preexec_fn=_limit_memory)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("still reading /dev/zero after 30 s")
    assert "EXIT 3" in out.stdout, out.stdout + out.stderr[-500:]
    assert out.stderr.count("error:") == 1 and "Traceback" not in out.stderr


# ---- HTML instead of text ----------------------------------------------------------------------

HTML = b"""<!DOCTYPE html>
<html lang="nb"><head><meta charset="utf-8"><title>Elektriske ferger</title>
<style>p { color: red; }</style><script>var x = "<p>ikke tekst</p>";</script></head>
<body><h1>Fergene blir elektriske</h1>
<p>Regjeringen vil at alle riksvegferger skal g&aring; p&aring; str&oslash;m innen 2030.</p>
<ul><li>Bast&oslash;-sambandet er f&oslash;rst ute.</li></ul>
<p>Det koster <b>38 millioner</b> kroner per fergeleie.</p></body></html>
"""


def test_html_input_is_extracted_to_text():
    article = parse_article(decode_bytes(HTML, name="page.html"))
    assert article.metadata.get("title") == "Elektriske ferger"
    body = article.body
    assert "Regjeringen vil at alle riksvegferger skal gå på strøm innen 2030." in body
    assert "Fergene blir elektriske" in body and "Bastø-sambandet er først ute." in body
    assert "Det koster 38 millioner kroner per fergeleie." in body
    assert "<" not in body and "ikke tekst" not in body and "color" not in body
    assert len(split_document(body).paragraphs) >= 4  # one paragraph per block


# ---- pathological input against the regexes ----------------------------------------------------


def fill(unit: str, prefix: str = "Saken ", suffix: str = ""):
    return lambda n: (
        prefix + (unit * (n // len(unit) + 1))[: n - len(prefix) - len(suffix)] + suffix
    )


UNITS = {
    "dots": ".",
    "spaces": " ",
    "quotes": "\"«»“”'",
    "digits": "0123456789",
    "dot-space": ". ",
    "ellipsis-upper": "... A",
    "comma-space": ", ",
    "mix": 'a. "1 ,\t- og ?! 2026-01-02 ',
    "header-like": "date title ",
    "crlf-controls": "a\r\n\x07\r\x1b\x0c \x00" + "b " * 300,
}
PATHOLOGICAL = {kind: fill(unit, suffix="x") for kind, unit in UNITS.items()}
# split_to_fit only works on text over the limit: many words first, then the hostile run.
WORDY = "ord " * 200


def words(texts):
    return [len(t.split()) + 1 for t in texts]


@pytest.mark.parametrize("kind", list(PATHOLOGICAL))
def test_split_document_is_linear(kind):
    assert_linear(split_document, PATHOLOGICAL[kind])


@pytest.mark.parametrize("kind", list(PATHOLOGICAL))
def test_decode_and_parse_are_linear(kind):
    make = PATHOLOGICAL[kind]
    assert_linear(lambda t: parse_article(decode_bytes(t), max_chars=10**6),
                  lambda n: make(n).encode())  # fmt: skip


@pytest.mark.parametrize("kind", [*PATHOLOGICAL, "word-loop"])
def test_repeated_ngram_is_linear(kind):
    make = PATHOLOGICAL.get(kind) or fill("a b c d e ")
    assert_linear(repeated_ngram, make)


@pytest.mark.parametrize("kind", [*PATHOLOGICAL, "spaces-then-og"])
def test_split_to_fit_is_linear(kind):
    if kind == "spaces-then-og":
        make = fill(" ", prefix=WORDY, suffix=" og x")
    else:
        make = fill(UNITS[kind], prefix=WORDY, suffix="x")
    assert_linear(lambda t: split_to_fit(t, words, 50), make)


# ---- config, models and paths: safe by construction -------------------------------------------


def test_remote_code_is_never_trusted_anywhere_in_the_code():
    sources = [ROOT / "cli.py", *sorted((ROOT / "pipeline").rglob("*.py"))]
    offenders = [str(p) for p in sources if "trust_remote_code" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_transformers_backend_loads_safetensors_only(models_dir, monkeypatch):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from pipeline.models.backends.transformers_backend import TransformersBackend
    from pipeline.models.builtin import ensure_builtin

    seen: dict[str, list[dict]] = {"model": [], "tokenizer": []}

    def spy(kind, original):
        def from_pretrained(*args, **kwargs):
            seen[kind].append(kwargs)
            return original(*args, **kwargs)

        return from_pretrained

    monkeypatch.setattr(AutoModelForSeq2SeqLM, "from_pretrained",
                        spy("model", AutoModelForSeq2SeqLM.from_pretrained))  # fmt: skip
    monkeypatch.setattr(AutoTokenizer, "from_pretrained",
                        spy("tokenizer", AutoTokenizer.from_pretrained))  # fmt: skip
    backend = TransformersBackend(ensure_builtin("tiny-marian", models_dir), device="cpu")
    assert backend.count_tokens(["Hei."])[0] > 0
    assert [kw.get("use_safetensors") for kw in seen["model"]] == [True]
    assert not any(kw.get("trust_remote_code") for kws in seen.values() for kw in kws)


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_pickled_weights_are_never_opened(models_dir, tmp_path, monkeypatch, backend):
    import shutil

    import torch

    from pipeline.models.builtin import ensure_builtin
    from pipeline.models.loading import load_backend

    if backend == "ctranslate2":
        pytest.importorskip("pipeline.models.backends.ctranslate2_backend")
    model = tmp_path / "pickled-model"
    shutil.copytree(ensure_builtin("tiny-marian", models_dir), model)
    (model / "model.safetensors").unlink()
    (model / "pytorch_model.bin").write_bytes(b"not a checkpoint: must never be unpickled")
    opened = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: opened.append(a) or {})
    try:
        with pytest.raises(ModelUnavailableError, match="pickled-model"):
            load_backend(StageConfig(model=str(model), backend=backend, device="cpu"),
                         tmp_path / "models")  # fmt: skip
    finally:
        assert opened == [], "torch.load opened pickled weights"


def test_yaml_tags_are_not_constructed(tmp_path):
    marker = tmp_path / "pwned"
    config = tmp_path / "models.yaml"
    config.write_text(f'profiles: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ConfigError, match=r"models\.yaml: invalid YAML") as info:
        load_profile(config, "tiny")
    assert "\n" not in str(info.value)
    assert not marker.exists()
    config.write_text("profiles: !!python/name:os.system\n")
    with pytest.raises(ConfigError):
        load_profile(config, "tiny")


def _tiny_with(**changes):
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["profiles"]["tiny"]["translate"].update(changes)
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"\(top level\): expected a mapping, got nothing"),
        ("- tiny\n- default\n", r"\(top level\): expected a mapping, got list"),
        ("profiles:\n", r"profiles: expected a mapping, got nothing"),
        ("profiles:\n  tiny: builtin\n", r"profiles.tiny: expected a mapping"),
        (b"profiles:\n  tiny: \xff\xfe\n", r"cannot read config file"),
        (_tiny_with(generate={"num_beams": True}), r"num_beams: expected an integer, got bool"),
        (_tiny_with(generate={"num_beams": 0}), r"num_beams: must be positive"),
        (_tiny_with(generate={"max_new_tokens": 4, "min_new_tokens": 9}), r"min_new_tokens is"),
        (_tiny_with(device="tpu"), r"translate.device: expected one of"),
        (_tiny_with(model="  "), r"translate.model: expected a non-empty string"),
    ],
    ids=["empty", "list", "no-profiles", "profile-string", "not-utf8", "bool", "zero-beams",
         "min-over-max", "device", "blank-model"],
)  # fmt: skip
def test_more_malformed_configs_are_one_line_config_errors(tmp_path, content, message):
    config = tmp_path / "models.yaml"
    if isinstance(content, bytes):
        config.write_bytes(content)
    else:
        config.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        load_profile(config, "tiny")
    assert "\n" not in str(info.value)


def test_config_that_is_a_directory_is_exit_6(fake_cli, tmp_path):
    (tmp_path / "conf.yaml").mkdir()
    result = runner.invoke(cli.app, ["models", "list", "--config", str(tmp_path / "conf.yaml")])
    assert result.exit_code == 6
    assert "conf.yaml: cannot read config file" in error_line(result)


def test_unknown_builtin_model_is_a_one_line_error(tmp_path, pipeline_logger):
    config = tmp_path / "models.yaml"
    config.write_text(
        "profiles:\n  x:\n    translate: {model: 'builtin:tiny-nope'}\n"
        "    summarise: {model: 'builtin:tiny-bart'}\n"
    )
    result = runner.invoke(cli.app, ["translate", "-", "--config", str(config), "--profile", "x",
                                     "--language", "nb"], input="Hei på deg.")  # fmt: skip
    assert result.exit_code in (5, 6), result.output
    assert "tiny-nope" in error_line(result)


@pytest.mark.parametrize(
    ("stage", "key"),
    [
        ("../../etc", make_key(1)),
        ("/abs", make_key(1)),
        ("translate/../..", make_key(1)),
        ("", make_key(1)),
        ("Translate", make_key(1)),
        ("translate", "../" + make_key(1)[3:]),
        ("translate", make_key(1).upper()),
        ("translate", make_key(1)[:63]),
        ("translate", make_key(1) + "0"),
        ("translate", make_key(1)[:10] + "/" + make_key(1)[11:]),
        ("translate", make_key(1)[:63] + "\x00"),
        ("translate\n", make_key(1)),
        ("translate", make_key(1) + "\n"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("kind", STORES)
def test_cache_rejects_every_address_that_is_not_stage_and_sha256(tmp_path, stage, key, kind):
    cache = make_store(kind, tmp_path / "c")
    with pytest.raises(ValueError, match="invalid cache address"):
        cache.put(stage, key, {"v": 1})
    with pytest.raises(ValueError, match="invalid cache address"):
        cache.get(stage, key)
    with pytest.raises(ValueError, match="invalid cache address"):
        cache.put_many(stage, [(make_key(2), {"v": 2}), (key, {"v": 1})])
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("kind", STORES)
def test_batch_record_ids_never_become_paths(fake_pipeline, tmp_path, kind):
    ids = ["../../escape", "/etc/passwd", "..\\..\\win", "a/b/c", "\x00nul", "~root", ".."]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": NB}) + "\n" for i in ids))
    output = tmp_path / "out" / "results.jsonl"
    before = set(tmp_path.parent.iterdir())
    summary = run_batch(fake_pipeline(cache=make_store(kind, tmp_path / "cache")), source, output)
    assert summary.ok == len(ids)
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == ids
    assert set(tmp_path.parent.iterdir()) == before  # nothing beside this test's directory
    made = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    entry_file = r"[0-9a-f]{64}\.json" if kind == "files" else r"cache\.db(-wal|-shm)?"
    assert made - {Path("in.jsonl"), Path("out/results.jsonl")} == {
        p for p in made if p.parts[0] == "cache" and re.fullmatch(entry_file, p.name)
    }


# ---- cache faults in one process ---------------------------------------------------------------


def entries(kind: str, root: Path, stage: str) -> list[str]:
    return sorted(key for s, key in addresses(kind, root) if s == stage)


def _other_entry(kind: str, root: Path, stage: str, key: str, raw: bytes) -> bytes:
    """What another entry of the store holds (for the wrong-key damage on SQLite)."""
    other = next(k for s, k in addresses(kind, root) if (s, k) != (stage, key))
    return read_raw(kind, root, next(s for s, k in addresses(kind, root) if k == other), other)


DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "bit-rot": lambda raw: raw[:-12] + bytes([raw[-12] ^ 1]) + raw[-11:],  # inside the value
    "garbage": lambda raw: b"\x00\x01\xff not json",
    "empty": lambda raw: b"",
    "wrong-key": lambda raw: raw.replace(raw[9:20], b"0" * 11),  # files: the key field
}


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("stage", ["translate", "tm", "summarise", "detect"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_corrupted_entry_of_a_real_stage_is_recomputed_with_a_warning(
    fake_pipeline, fakes, tmp_path, caplog, stage, damage, kind
):
    root = tmp_path / "cache"
    first = fake_pipeline(cache=make_store(kind, root)).run(NB)
    (victim, *_) = entries(kind, root, stage)
    raw = read_raw(kind, root, stage, victim)
    if damage == "wrong-key" and kind == "sqlite":  # a value stored under another key
        raw = _other_entry(kind, root, stage, victim, raw)
    else:
        raw = DAMAGE[damage](raw)
    write_raw(kind, root, stage, victim, raw)
    if stage == "tm":  # the sentence memory is read only when the translation is not cached
        remove(kind, root, "translate", entries(kind, root, "translate")[0])
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        second = fake_pipeline(cache=make_store(kind, root)).run(NB)
    label = entry_label(kind, root, stage, victim)
    assert re.search(rf"cache entry {re.escape(label)} (is corrupted|unreadable).*"
                     "recomputing", caplog.text), caplog.text  # fmt: skip
    assert (second.translation, second.summary, second.language, second.metadata) == (
        first.translation, first.summary, first.language, first.metadata,
    )  # fmt: skip
    if stage in ("translate", "summarise", "detect"):
        assert second.stages[stage]["cached"] is False
    assert make_store(kind, root).get(stage, victim) is not None  # healed by the recomputation


class _OsProxy(types.SimpleNamespace):
    """`os` as pipeline.cache sees it, with some calls replaced."""

    def __getattr__(self, name):
        return getattr(os, name)


def _fail_write(code):
    def fdopen(fd, *args, **kwargs):
        handle = os.fdopen(fd, *args, **kwargs)

        def write(data):
            raise OSError(code, os.strerror(code))

        handle.write = write
        return handle

    return fdopen


def _fail_mkstemp(*args, **kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def _fail_replace(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _read_only_sqlite(*args, **kwargs):
    """sqlite3.connect on a read-only mount (what it is even for root)."""
    path, *rest = args
    return _SQLITE_CONNECT(f"file:{path}?mode=ro", *rest, uri=True, **kwargs)


def _full_sqlite(*args, **kwargs):
    raise sqlite3.OperationalError("database or disk is full")


_SQLITE_CONNECT = sqlite3.connect


@pytest.mark.parametrize(
    ("kind", "fault"),
    [("files", "read-only"), ("files", "full-on-write"), ("files", "full-on-rename"),
     ("sqlite", "read-only"), ("sqlite", "full-on-write")],
)  # fmt: skip
def test_unwritable_cache_warns_once_and_the_run_answers(
    fake_pipeline, tmp_path, caplog, monkeypatch, kind, fault
):
    if kind == "sqlite":
        target = ("sqlite3.connect", _read_only_sqlite) if fault == "read-only" else (
            "diskcache.Cache.set", _full_sqlite)  # fmt: skip
        monkeypatch.setattr(*target)
    elif fault == "read-only":
        monkeypatch.setattr("pipeline.atomic_files.tempfile.mkstemp", _fail_mkstemp)
    elif fault == "full-on-write":
        monkeypatch.setattr("pipeline.atomic_files.os", _OsProxy(fdopen=_fail_write(errno.ENOSPC)))
    else:
        monkeypatch.setattr("pipeline.atomic_files.os", _OsProxy(replace=_fail_replace))
    root = tmp_path / "cache"
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        result = fake_pipeline(cache=make_store(kind, root)).run(NB)
        again = fake_pipeline(cache=make_store(kind, root)).run(NB)  # warns once more, no more
    assert result.translation and result.summary and again.summary == result.summary
    assert len(re.findall("cannot (use|write to) cache", caplog.text)) == 2, caplog.text
    assert [r.levelno for r in caplog.records] == [logging.WARNING] * 2
    monkeypatch.undo()
    assert addresses(kind, root) == []


@pytest.mark.parametrize("kind", STORES)
def test_cache_root_that_is_a_file_warns_once(fake_pipeline, tmp_path, caplog, kind):
    root = tmp_path / "not-a-dir"
    root.write_text("")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        result = fake_pipeline(cache=make_store(kind, root)).run(NB)
    assert result.translation and result.summary  # this part holds
    assert len(caplog.records) == 1, caplog.text
