"""Batch runs: run_many and the `batch` command never lose work and never stop for one article."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from pipeline.batch import done_ids, run_batch
from pipeline.result import ErrorResult, Result

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
    assert isinstance(results[1], ErrorResult) and results[1].kind == "input"
    assert results[2].kind == "language" and "German" in results[2].message
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
    assert results[1].kind == "internal" and "tokenizer crashed" in results[1].message


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
    assert done_ids(output) == {"id0"}
    summary = run_batch(fake_pipeline(), source, output, resume=True)
    assert (summary.ok, summary.skipped) == (3, 1)
    assert [r["id"] for r in read_jsonl(output)] == ["id0", "id1", "id2", "id3"]
    assert not any("dag 0" in t for t in translator.inputs)


def test_folder_of_text_files(fake_pipeline, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text(NB)
    (folder / "two.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    rows = []
    run_batch(fake_pipeline(), folder, tmp_path / "out.jsonl")
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [(r["id"], r["status"]) for r in rows] == [("one", "ok"), ("two", "error")]


def test_cli_batch_killed_then_resumed_loses_nothing(tmp_path):
    names = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    records = [{"id": n, "text": (ARTICLES / f"{n}.txt").read_text()} for n in names]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, records, ["{broken"])
    args = [sys.executable, str(ROOT / "cli.py"), "batch", str(source), "-o", str(output),
            "--profile", "tiny", "--config", str(CONFIG), "--batch-size", "1"]  # fmt: skip
    job = subprocess.Popen(args, stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and job.poll() is None:
        if output.exists() and output.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    finished = len(read_jsonl(output)) if output.exists() else 0
    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 7, resumed.stderr  # the broken line failed; the rest are done
    rows = read_jsonl(output)
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted([r["id"] for r in records] + ["line-9"])
    assert len(ids) == len(set(ids))
    assert f"{finished} already done" in resumed.stderr
    assert all(r["status"] == "ok" for r in rows if r["id"] != "line-9")
