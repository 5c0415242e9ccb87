"""The summarise stage: English text → an abstractive summary that covers the whole article.

The summariser reads at most its input limit (1024 tokens for BART). Longer texts are split on
paragraph boundaries into chunks that fit, each chunk is summarised, and the joined chunk
summaries are summarised again, repeating until one chunk remains. All the articles of a call
share each round's model call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from pipeline.models.backends.base import Seq2SeqBackend
from pipeline.stages.base import Output
from pipeline.stages.decoding_guards import generate_guarded, tally
from pipeline.text.sentences import split_sentences
from pipeline.text.token_limit import pack, split_to_fit

# Headroom for the tokens a join adds that the per-part estimate in `pack` does not see.
CHUNK_MARGIN = 16
MAX_ROUNDS = 8


@dataclass
class _Job:
    parts: list[str]
    chunks: int = 0
    rounds: int = 0
    summary: str | None = None
    guards: dict[str, int] = field(default_factory=dict)


class SummariseOutput(Output, frozen=True):
    """A summary, how many chunks and rounds it took, the names and figures it invented (or,
    with `invented: drop`, how many of its sentences were dropped for having them)."""

    summary: str
    chunks: int
    rounds: int
    guards: dict[str, int]
    checks: list[dict[str, Any]]
    dropped_sentences: int | None = None  # None: sentences are flagged, not dropped


class SummariseStage:
    """Summarise English texts (the text → `SummariseOutput`)."""

    name: ClassVar[str] = "summarise"
    version: ClassVar[str] = "4"  # bump when the output changes: chunking, guards, checks
    output_type: ClassVar[type[msgspec.Struct]] = SummariseOutput

    def __init__(
        self,
        backend: Callable[[], Seq2SeqBackend],
        *,
        model: dict[str, Any],
        settings: dict[str, Any],
        invented: str = "flag",
    ) -> None:
        self._backend = backend
        self.model = model  # id, revision, backend
        self.settings = settings
        self.invented = invented  # "flag" or "drop": see `pipeline.config.SummariseConfig`

    @property
    def identity(self) -> dict[str, Any]:
        """Model, generation settings and what to do with invented names and figures: part
        of every cache key."""
        return {"model": self.model, "settings": self.settings, "invented": self.invented}

    def run(self, inputs: Sequence[str], *, use_cache: bool = True) -> list[SummariseOutput]:
        """Summarise every input, one model call per round for all of them.

        (`use_cache`: the stage keeps no memory of its own to bypass.)
        """
        backend = self._backend()
        jobs = [_Job(parts=[p for p in text.split("\n") if p.strip()] or [text]) for text in inputs]
        while pending := [job for job in jobs if job.summary is None]:
            plans = [self._chunks(job.parts, backend) for job in pending]
            flat = [chunk for plan in plans for chunk in plan]
            out, flags = generate_guarded(backend, flat, self.settings, check_length=False)
            pos = 0
            for job, plan in zip(pending, plans, strict=True):
                span, pos = slice(pos, pos + len(plan)), pos + len(plan)
                summaries = out[span]
                job.chunks = job.chunks or len(plan)
                job.rounds += 1
                for key, value in tally(flags[span]).items():
                    job.guards[key] = job.guards.get(key, 0) + value
                if len(plan) == 1 or job.rounds >= MAX_ROUNDS:
                    job.summary = " ".join(summaries)
                else:
                    job.parts = summaries
        return [self._output(job, text) for job, text in zip(jobs, inputs, strict=True)]

    def _output(self, job: _Job, text: str) -> SummariseOutput:
        """`job`'s summary, checked against the English `text` (and cut, with `drop`)."""
        from pipeline.faithfulness import check_summary  # not needed by a cached run

        summary = job.summary or ""
        checks = check_summary(text, summary)
        dropped = None
        if self.invented == "drop":
            summary, dropped, checks = _drop_invented(text, summary, checks)
        return SummariseOutput(summary=summary, chunks=job.chunks, rounds=job.rounds,
                               guards=job.guards, checks=[c.to_dict() for c in checks],
                               dropped_sentences=dropped)  # fmt: skip

    def _chunks(self, parts: list[str], backend: Seq2SeqBackend) -> list[str]:
        """`parts` packed into chunks that fit the model, long paragraphs cut at sentences."""
        limit = backend.max_input_tokens - CHUNK_MARGIN
        count = backend.count_tokens
        pieces: list[str] = []
        for part, size in zip(parts, count(parts), strict=True):
            if size <= limit:
                pieces.append(part)
                continue
            for sentence in split_sentences(part, "en"):
                pieces.extend(split_to_fit(sentence, count, limit))
        return pack(pieces, count, limit)


def _drop_invented(text: str, summary: str, checks: list[Any]) -> tuple[str, int, list[Any]]:
    """`summary` without the sentences that have a name or a figure `text` does not, how many
    went, and the checks of what is left (one saying why, when nothing is)."""
    from pipeline.faithfulness import check_summary
    from pipeline.faithfulness.summary import INVENTED_KINDS, emptied, without_sentences

    dropped = 0
    # Each round drops at least one sentence; what is left is checked again, as it is read
    # without the dropped sentences' context.
    while drop := {
        c.sentence for c in checks if c.kind in INVENTED_KINDS and c.sentence is not None
    }:
        summary = without_sentences(summary, drop)
        dropped += len(drop)
        if not summary.strip():
            return "", dropped, [emptied(dropped)]
        checks = check_summary(text, summary)
    return summary, dropped, checks
