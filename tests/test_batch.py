"""Batch runs: run_many and the `batch` command never lose work and never stop for one article."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.errors import OutputExistsError
from pipeline.jobs.batch import previous_outcomes, run_batch
from pipeline.results import Result

from .conftest import ARTICLES, CONFIG, ROOT

NB = "Regjeringen la fram statsbudsjettet for neste år på tirsdag. Opposisjonen er kritisk."
DE = "Die Bundesregierung hat heute den Haushalt für das kommende Jahr vorgestellt."


def test_run_many_yields_in_order_and_isolates_bad_articles(fake_pipeline, fakes):
    translator, _ = fakes
    items = [
        {"id": "a", "text": NB, "metadata": {"source": "NTB"}},
        {"id": "b", "text": "   "},
        DE,
        {"id": "d", "text": NB.replace("tirsdag", "onsdag")},
    ]
    results = list(fake_pipeline().run_many(items, batch_size=4))
    assert [r.id for r in results] == ["a", "b", "2", "d"]
    assert [r.status for r in results] == ["ok", "error", "error", "ok"]
    assert results[1].error.kind == "input"
    assert results[2].error.kind == "language" and "German" in results[2].error.message
    assert results[0].metadata == {"source": "NTB"}
    assert len(translator.calls) == 1  # one model call for the sentences of both good articles


def test_a_crash_in_one_article_spares_the_others(fake_pipeline, fakes):
    translator, _ = fakes
    original = translator.generate

    def explode(texts, settings):
        if any("eksploderer" in t for t in texts):
            raise RuntimeError("tokenizer crashed")
        return original(texts, settings)

    translator.generate = explode
    items = [NB, "Denne artikkelen eksploderer i modellen, dessverre.", NB.replace("år", "måned")]
    results = list(fake_pipeline().run_many(items))
    assert [r.status for r in results] == ["ok", "error", "ok"]
    assert results[1].error.kind == "internal" and "tokenizer crashed" in results[1].error.message


def write_jsonl(path, records, extra_lines=()):
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        for line in extra_lines:
            handle.write(line + "\n")


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_run_batch_writes_one_line_per_record(fake_pipeline, tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "ok1", "text": NB}, {"id": "empty", "text": ""}],
                ["{not json", '["a list"]', json.dumps({"text": NB})])  # fmt: skip
    summary = run_batch(fake_pipeline(), source, output, batch_size=2)
    rows = read_jsonl(output)
    assert [r["id"] for r in rows] == ["ok1", "empty", "line-3", "line-4", "line-5"]
    assert [r["status"] for r in rows] == ["ok", "error", "error", "error", "ok"]
    assert rows[2]["error"]["line"] == 3 and "not valid JSON" in rows[2]["error"]["message"]
    assert rows[1]["error"] == {"kind": "input", "message": rows[1]["error"]["message"], "line": 2}
    assert rows[0]["translation"] and rows[0]["summary"] and rows[0]["language"]["code"] == "nb"
    assert (summary.ok, summary.failed) == (2, 3)


def test_resume_skips_done_ids_and_drops_a_torn_line(fake_pipeline, fakes, tmp_path):
    translator, _ = fakes
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = {f"id{i}": NB.replace("tirsdag", f"dag {i}") for i in range(4)}
    write_jsonl(source, [{"id": k, "text": v} for k, v in texts.items()])
    done = Result(translation="x", summary="y", id="id0")
    output.write_text(json.dumps(done.to_dict()) + "\n" + '{"id": "id1", "status": "o')
    assert previous_outcomes(output) == {"id0": "ok"}
    summary = run_batch(fake_pipeline(), source, output, resume=True)
    assert (summary.ok, summary.skipped) == (3, 1)
    assert [r["id"] for r in read_jsonl(output)] == ["id0", "id1", "id2", "id3"]
    assert not any("dag 0" in t for t in translator.inputs)


def test_folder_of_text_files(fake_pipeline, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text(NB)
    (folder / "two.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    run_batch(fake_pipeline(), folder, tmp_path / "out.jsonl")
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [(r["id"], r["status"]) for r in rows] == [("one", "ok"), ("two", "error")]


def test_an_output_with_results_is_never_overwritten_by_accident(fake_pipeline, tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "text": NB}])
    output.write_text('{"id": "old", "status": "ok"}\n')
    with pytest.raises(OutputExistsError, match="exists and is not empty"):
        run_batch(fake_pipeline(), source, output)
    assert output.read_text() == '{"id": "old", "status": "ok"}\n'  # untouched
    run_batch(fake_pipeline(), source, output, overwrite=True)
    assert [r["id"] for r in read_jsonl(output)] == ["a"]
    output.write_text("")
    run_batch(fake_pipeline(), source, output)  # an empty output is fine to write into
    assert [r["id"] for r in read_jsonl(output)] == ["a"]


def test_resume_retries_failed_records_and_keeps_one_line_per_id(fake_pipeline, tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "text": NB}, {"id": "b", "text": ""}])
    first = run_batch(fake_pipeline(), source, output)
    assert (first.ok, first.failed) == (1, 1)
    write_jsonl(source, [{"id": "a", "text": NB}, {"id": "b", "text": NB.replace("år", "uke")}])
    fixed = run_batch(fake_pipeline(), source, output, resume=True)
    assert (fixed.ok, fixed.failed, fixed.skipped, fixed.retried) == (1, 0, 1, 1)
    rows = read_jsonl(output)
    assert [(r["id"], r["status"]) for r in rows] == [("a", "ok"), ("b", "ok")]


def test_resume_keeps_results_of_ids_no_longer_in_the_input(fake_pipeline, tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    output.write_text(json.dumps(Result(translation="x", summary="y", id="gone").to_dict()) + "\n")
    write_jsonl(source, [{"id": "a", "text": NB}])
    run_batch(fake_pipeline(), source, output, resume=True)
    assert [r["id"] for r in read_jsonl(output)] == ["a", "gone"]


def _batch_args(source, output, *extra):
    return [sys.executable, str(ROOT / "cli.py"), "batch", str(source), "-o", str(output),
            "--profile", "tiny", "--config", str(CONFIG), *extra]  # fmt: skip


def test_cli_refuses_an_existing_output_with_its_own_exit_code(tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "text": NB}])
    output.write_text('{"id": "old", "status": "ok"}\n')
    result = subprocess.run(_batch_args(source, output), capture_output=True, text=True)
    assert result.returncode == 8, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "--resume" in error[0] and "--overwrite" in error[0]


def test_cli_batch_killed_then_resumed_ends_like_a_clean_run(tmp_path):
    names = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    records = [{"id": n, "text": (ARTICLES / f"{n}.txt").read_text()} for n in names]
    source = tmp_path / "in.jsonl"
    write_jsonl(source, records, ["{broken"])
    clean = tmp_path / "clean.jsonl"
    done = subprocess.run(_batch_args(source, clean, "--batch-size", "1"), capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 7, done.stderr  # the broken line fails, the rest succeed

    output = tmp_path / "out.jsonl"
    args = _batch_args(source, output, "--batch-size", "1")
    job = subprocess.Popen(args, stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and job.poll() is None:
        if output.exists() and output.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    finished = sum(r["status"] == "ok" for r in read_jsonl(output)) if output.exists() else 0
    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 7, resumed.stderr
    assert f"{finished} already done" in resumed.stderr
    rows, expected = read_jsonl(output), read_jsonl(clean)
    ids = [r["id"] for r in rows]
    assert ids == [r["id"] for r in expected]  # every input id once, in input order
    assert ids == [r["id"] for r in records] + ["line-9"]
    for row, want in zip(rows, expected, strict=True):  # the outcome of a clean run
        assert (row["status"], row.get("translation"), row.get("summary")) == (
            want["status"], want.get("translation"), want.get("summary"))  # fmt: skip
