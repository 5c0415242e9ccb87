"""`evaluate`: BLEU and chrF of the pipeline's translations or of existing outputs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tarfile

import pytest
from typer.testing import CliRunner

from pipeline import cli
from pipeline.errors import InputError, LanguageError
from pipeline.jobs import evaluate as ev

from .conftest import CONFIG, ROOT

sacrebleu = pytest.importorskip("sacrebleu")

MT = ROOT.parent / "shared" / "data" / "mt"
SYSTEMS = ("google", "microsoft", "bergamot-tiny")


def invoke(*args):
    return CliRunner().invoke(cli.app, [str(a) for a in args])


@pytest.fixture
def nb_en():
    folder = MT / "nb-en"
    if not (folder / "flores-dev.en").exists():
        pytest.skip("../shared/data/mt not available")
    return folder


def test_hypotheses_scored_as_sacrebleu_scores_them(nb_en):
    files = [nb_en / f"flores-dev.{name}.en" for name in SYSTEMS]
    args = ["evaluate", "--reference", nb_en / "flores-dev.en", "--format", "json"]
    result = invoke(*args, *[x for f in files for x in ("--hypothesis", f)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lines"] == 997 and data["model"] is None
    references = (nb_en / "flores-dev.en").read_text("utf-8").splitlines()
    got = {s["name"]: s for s in data["systems"]}
    assert set(got) == set(SYSTEMS)
    for name, path in zip(SYSTEMS, files, strict=True):
        lines = path.read_text("utf-8").splitlines()
        assert got[name]["bleu"] == round(sacrebleu.corpus_bleu(lines, [references]).score, 2)
        assert got[name]["chrf"] == round(sacrebleu.corpus_chrf(lines, [references]).score, 2)
        assert got[name]["hypothesis"] == str(path)
    assert data["signatures"]["BLEU"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert data["signatures"]["chrF"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0")
    # The commercial systems are better than the tiny browser model, by both metrics.
    ranked = [s["name"] for s in data["systems"]]
    assert ranked[-1] == "bergamot-tiny"
    for big in ("google", "microsoft"):
        assert got[big]["bleu"] > got["bergamot-tiny"]["bleu"] + 3
        assert got[big]["chrf"] > got["bergamot-tiny"]["chrf"] + 3


def test_text_table(nb_en):
    result = invoke("evaluate", "--reference", nb_en / "flores-dev.en",
                    "--hypothesis", nb_en / "flores-dev.google.en")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("flores-dev.en: 997 lines, nb -> en")
    assert lines[2].split() == ["system", "BLEU", "chrF"]
    assert lines[3].split()[0] == "flores-dev.google.en"  # one file: its whole name
    assert any(line.startswith("BLEU signature: nrefs:1") for line in lines)


def test_tiny_profile_end_to_end(nb_en, tmp_path, monkeypatch):
    source, reference = tmp_path / "test.nb", tmp_path / "test.en"
    for path, lines in ((source, "flores-dev.nb"), (reference, "flores-dev.en")):
        head = (nb_en / lines).read_text("utf-8").splitlines(keepends=True)[:12]
        path.write_text("".join(head), "utf-8")
    out = tmp_path / "hyp.en"
    args = ["evaluate", "--source", source, "--reference", reference, "--config", CONFIG,
            "--profile", "tiny", "--format", "json"]  # fmt: skip
    first = invoke(*args, "--output", out)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["model"]["id"] == "builtin:tiny-marian" and data["lines"] == 12
    (system,) = data["systems"]
    assert system["name"] == "builtin:tiny-marian" and 0 <= system["bleu"] < 5  # noise
    hypotheses = out.read_text("utf-8").splitlines()
    assert len(hypotheses) == 12 and all(line.strip() for line in hypotheses)
    assert "random-weight" in first.stderr

    # Again: every line comes from the translation memory, no model is loaded.
    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr("pipeline.orchestrator.load_backend", no_model)
    again = invoke(*args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["systems"] == data["systems"]


def test_lines_are_translated_whole_and_cached(fake_pipeline, fakes):
    translator, _ = fakes
    pipe = fake_pipeline()
    lines = ["Han kom. Hun gikk.", "", "Dr. Hansen kom kl. 12.", "Han kom. Hun gikk."]
    out = pipe.translate_sentences(lines, "nb")
    assert out == ["<en:Han kom. Hun gikk.>", "", "<en:Dr. Hansen kom kl. 12.>",
                   "<en:Han kom. Hun gikk.>"]  # fmt: skip
    assert translator.calls == [["Han kom. Hun gikk.", "Dr. Hansen kom kl. 12."]]  # one batch
    assert fake_pipeline().translate_sentences(lines[:1], "nb") == out[:1]
    assert len(translator.calls) == 1  # the second pipeline found it in the memory
    with pytest.raises(LanguageError):
        pipe.translate_sentences(lines, "en")


def test_mismatched_files_are_an_input_error(nb_en, tmp_path):
    short = tmp_path / "short.en"
    short.write_text("One line.\n")
    result = invoke("evaluate", "--reference", nb_en / "flores-dev.en", "--hypothesis", short)
    assert result.exit_code == 3
    (line,) = result.stderr.strip().splitlines()
    assert "has 1 lines but" in line and "997" in line


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--testset", "wmt99"], 3, "unknown test set 'wmt99'"),
        (["--testset", "flores200", "-l", "fi"], 4, "no 'fi' -> English pair"),
        (["--source", "x.nb"], 2, "either --reference"),
        (["--reference", "missing.en", "--hypothesis", "h.en"], 3, "missing.en: no such file"),
    ],
)
def test_usage_and_input_errors(args, code, message):
    result = invoke("evaluate", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr and "Traceback" not in result.output


@pytest.fixture
def offline(monkeypatch):
    """No network, as on these machines (made sure of, in case one has it)."""

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr("urllib.request.urlopen", refuse)


def test_testset_offline_is_one_line(tmp_path, monkeypatch, offline):
    monkeypatch.setenv("SACREBLEU", str(tmp_path / "sacrebleu"))
    result = invoke("evaluate", "--testset", "flores200", "--language", "nn")
    assert result.exit_code == 3, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "test set flores200 is not downloaded" in line
    assert "dl.fbaipublicfiles.com cannot be reached" in line and "SACREBLEU" in line
    assert not (tmp_path / "sacrebleu").exists()  # nothing half-made


def test_testset_from_sacrebleus_cache_needs_no_network(tmp_path, monkeypatch, offline):
    """As sacrebleu leaves its cache after a download: the tarball and what it extracted."""
    root = tmp_path / "sacrebleu"
    monkeypatch.setenv("SACREBLEU", str(root))
    raw = root / "flores200" / "raw"
    split = raw / "flores200_dataset" / "devtest"
    split.mkdir(parents=True)
    (split / "swe_Latn.devtest").write_text("Hej på dig.\nTack så mycket.\n", "utf-8")
    (split / "eng_Latn.devtest").write_text("Hello to you.\nThank you very much.\n", "utf-8")
    with tarfile.open(raw / "flores200.flores200_dataset.tar.gz", "w:gz") as tar:
        tar.add(raw / "flores200_dataset", arcname="flores200_dataset")
    assert ev.load_testset("flores200", "sv") == (
        ["Hej på dig.", "Tack så mycket."],
        ["Hello to you.", "Thank you very much."],
    )
    hypotheses = tmp_path / "h.en"
    hypotheses.write_text("Hello to you.\nThanks a lot.\n")
    result = ev.evaluate(testset="flores200", language="sv", hypotheses=[hypotheses])
    assert result.reference == "flores200" and result.lines == 2
    assert 0 < result.systems[0].bleu < 100
    with pytest.raises(InputError, match="is not downloaded"):
        ev.load_testset("flores200/dev", "sv")


def test_system_names():
    assert ev.system_names(["a/flores-dev.google.en", "a/flores-dev.microsoft.en"]) == [
        "google", "microsoft",
    ]  # fmt: skip
    assert ev.system_names(["x/mt.en", "y/mt.en"]) == ["x/mt.en", "y/mt.en"]
    assert ev.system_names(["out-m1.txt", "out-m2.txt"]) == ["m1", "m2"]


def test_import_pipeline_does_not_import_sacrebleu():
    code = "import sys, pipeline, pipeline.cli; print('sacrebleu' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr
