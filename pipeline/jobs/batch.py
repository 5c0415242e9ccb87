"""Batch jobs over JSONL files or folders of .txt files that never lose or hide work.

Each input record becomes one output line, appended and flushed (and fsynced) as soon as its
batch completes, so a killed job keeps everything it finished. The rules for an existing output:

- without `resume` or `overwrite`, an output that exists and is not empty is refused
  (`OutputExistsError`): one forgotten flag must not lose a long job's results;
- `overwrite` starts the output afresh;
- `resume` keeps the records that succeeded and runs the others again: the ones not there yet
  and the ones that failed (an input fixed since, a model now downloaded). A torn last line
  left by a kill is dropped.

A resumed (or any) run ends by rewriting the output atomically with exactly one line per id, the
latest outcome, in input order, so that the file says what the job's final state is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from pipeline.atomic_files import replace_file
from pipeline.errors import InputError, OutputExistsError, PipelineError
from pipeline.records import record_id
from pipeline.results import Failure, Result
from pipeline.text.article import read_source

# A record read from the input: its id, its line number (JSONL), and the record or why not.
Record = tuple[str, int | None, dict[str, Any] | Failure]


@dataclass
class BatchSummary:
    """What a batch run did; `failed` counts the error lines of the final output."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0  # succeeded in an earlier run (resume)
    retried: int = 0  # failed in an earlier run, run again (resume)
    total: int = 0  # records in the input
    done: int = 0  # records run so far in this run (for progress)


def read_records(source: Path) -> Iterator[Record]:
    """(id, line number, record or failure) for each JSONL line, or each .txt of a folder.

    A record without an id gets ``line-N`` (or the file's stem), so that resuming can find it.
    """
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            try:
                yield path.stem, None, {"id": path.stem, "text": read_source(str(path))}
            except PipelineError as exc:
                yield path.stem, None, Failure.of(exc)
        return
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield _parse_line(raw, number)


def _parse_line(raw: bytes, number: int) -> Record:
    fallback = f"line-{number}"
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return fallback, number, Failure("input", f"not valid JSON: {exc}", number)
    if not isinstance(record, dict):
        return fallback, number, Failure("input", "expected a JSON object", number)
    rid = record_id(record, fallback)
    return rid, number, {**record, "id": rid}


def previous_outcomes(output: Path) -> dict[str, str]:
    """id → status of the records already in `output` (the last line of an id wins).

    A torn last line (from a kill) is cut off the file.
    """
    if not output.exists():
        return {}
    data = output.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with output.open("r+b") as handle:
            handle.truncate(end)
    outcomes = {}
    for line in data[:end].splitlines():
        try:
            row = json.loads(line)
            outcomes[str(row["id"])] = str(row.get("status", "ok"))
        except (ValueError, KeyError, TypeError):
            continue
    return outcomes


def run_batch(
    pipe,
    source: Path,
    output: Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    batch_size: int = 16,
    progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Run every record of `source` through `pipe` into `output` (see the module docstring)."""
    if resume and overwrite:
        raise ValueError("resume and overwrite exclude each other")
    if not (resume or overwrite) and output.exists() and output.stat().st_size > 0:
        raise OutputExistsError(f"{output} exists and is not empty", reason="output_exists")
    summary = BatchSummary()
    before = previous_outcomes(output) if resume else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    order: list[str] = []

    def todo() -> Iterator[Record]:
        for record in read_records(source):
            order.append(record[0])
            summary.total += 1
            status = before.get(record[0])
            if status == "ok":
                summary.skipped += 1
                continue
            summary.retried += status is not None
            yield record

    records = todo()
    try:
        with output.open("a" if resume else "w", encoding="utf-8") as out:
            while chunk := list(islice(records, batch_size)):
                _run_chunk(pipe, chunk, out, summary)
                if progress is not None:
                    progress(summary)
    except OSError as exc:
        raise InputError(f"{output}: cannot write ({exc.strerror or exc})") from None
    statuses = _compact(output, order)
    summary.failed = sum(status == "error" for status in statuses.values())
    summary.ok = len(statuses) - summary.failed - summary.skipped
    return summary


def _run_chunk(pipe, chunk: list[Record], out: IO[str], summary: BatchSummary) -> None:
    valid = [record for _, _, record in chunk if isinstance(record, dict)]
    results = iter(pipe.run_many(valid, batch_size=max(1, len(valid))))
    for rid, line, record in chunk:
        if isinstance(record, Failure):
            result = Result(id=rid, error=record)
        else:
            result = next(results)
            if result.error is not None and result.error.line is None and line is not None:
                result.error = Failure(result.error.kind, result.error.message, line)
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    out.flush()
    os.fsync(out.fileno())
    summary.done += len(chunk)  # a finished batch survives a crash of the machine, not just ours


def _compact(output: Path, order: list[str]) -> dict[str, str]:
    """Rewrite `output` atomically with one line per id (the last one written): the input's ids
    in input order, then any others (an earlier run's, on another input: kept, never lost).
    Returns the status of each input id."""
    latest: dict[str, tuple[bytes, str]] = {}
    for line in output.read_bytes().splitlines():
        try:
            row = json.loads(line)
            latest[str(row["id"])] = (line, str(row.get("status", "ok")))
        except (ValueError, KeyError, TypeError):
            continue
    inputs = dict.fromkeys(order)
    ids = [*inputs, *(rid for rid in latest if rid not in inputs)]
    lines = (latest[rid][0] + b"\n" for rid in ids if rid in latest)
    replace_file(output, lines, durable=True)
    return {rid: latest[rid][1] for rid in inputs if rid in latest}


def count_records(source: Path) -> int:
    """How many records `source` holds (for progress), without parsing them."""
    if source.is_dir():
        return sum(1 for _ in source.glob("*.txt"))
    with source.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())
