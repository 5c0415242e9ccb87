"""Batch jobs over JSONL files or folders of .txt files that never lose work.

Each input record becomes one output line, written and flushed as soon as its batch completes,
so a killed job keeps everything it finished; `resume` skips the ids already in the output (and
drops a torn last line left by the kill) so the job restarts where it stopped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from pipeline.errors import InputError, PipelineError
from pipeline.result import ErrorResult, Result
from pipeline.text.article import read_source

Record = tuple[int | None, dict[str, Any] | ErrorResult]


@dataclass
class BatchSummary:
    """What a batch run did."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output (resume)


def read_records(source: Path) -> Iterator[Record]:
    """(line number, record or error) for each JSONL line, or each .txt file of a folder.

    A record without an id gets ``line-N`` (or the file's stem), so that resuming can skip it.
    """
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            try:
                yield None, {"id": path.stem, "text": read_source(str(path))}
            except PipelineError as exc:
                yield None, ErrorResult(path.stem, exc.kind, str(exc))
        return
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, _parse_line(raw, number)


def _parse_line(raw: bytes, number: int) -> dict[str, Any] | ErrorResult:
    fallback = f"line-{number}"
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return ErrorResult(fallback, "input", f"not valid JSON: {exc}", line=number)
    if not isinstance(record, dict):
        return ErrorResult(fallback, "input", "expected a JSON object", line=number)
    rid = record.get("id")
    record["id"] = str(rid) if rid is not None and str(rid) else fallback
    return record


def done_ids(output: Path) -> set[str]:
    """Ids already written to `output`. A torn last line (from a kill) is cut off the file."""
    if not output.exists():
        return set()
    data = output.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with output.open("r+b") as handle:
            handle.truncate(end)
    ids = set()
    for line in data[:end].splitlines():
        try:
            ids.add(str(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def run_batch(
    pipe,
    source: Path,
    output: Path,
    *,
    resume: bool = False,
    batch_size: int = 16,
    progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Run every record of `source` through `pipe`, appending one JSON line each to `output`."""
    summary = BatchSummary()
    skip = done_ids(output) if resume else set()
    records = (r for r in read_records(source) if not _skipped(r, skip, summary))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("a" if resume else "w", encoding="utf-8") as out:
        while chunk := list(islice(records, batch_size)):
            _run_chunk(pipe, chunk, out, summary)
            if progress is not None:
                progress(summary)
    return summary


def _skipped(record: Record, skip: set[str], summary: BatchSummary) -> bool:
    rid = record[1].id if isinstance(record[1], ErrorResult) else record[1]["id"]
    if rid in skip:
        summary.skipped += 1
        return True
    return False


def _run_chunk(pipe, chunk: list[Record], out: IO[str], summary: BatchSummary) -> None:
    valid = [record for _, record in chunk if isinstance(record, dict)]
    results = iter(pipe.run_many(valid, batch_size=max(1, len(valid))))
    for line, record in chunk:
        result: Result | ErrorResult = record if isinstance(record, ErrorResult) else next(results)
        if isinstance(result, ErrorResult):
            result.line = result.line if result.line is not None else line
            summary.failed += 1
        else:
            summary.ok += 1
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    out.flush()
    os.fsync(out.fileno())  # a finished batch survives a crash of the machine, not just ours


def count_records(source: Path) -> int:
    """How many records `source` holds (for progress), without parsing them."""
    if source.is_dir():
        return sum(1 for _ in source.glob("*.txt"))
    with source.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


class Progress:
    """A one-line progress display on a terminal: done/total, rate, ETA."""

    def __init__(self, total: int, stream: IO[str] = sys.stderr) -> None:
        self.total, self.stream, self.start = total, stream, time.monotonic()

    def __call__(self, summary: BatchSummary) -> None:
        done = summary.ok + summary.failed
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = max(0, self.total - done - summary.skipped)
        eta = f"{left / rate:.0f}s" if rate > 0 else "?"
        self.stream.write(
            f"\r{done + summary.skipped}/{self.total} articles  {rate:.2f}/s  ETA {eta}  "
            f"({summary.failed} failed)"
        )
        self.stream.flush()

    def close(self) -> None:
        """End the progress line."""
        self.stream.write("\n")
