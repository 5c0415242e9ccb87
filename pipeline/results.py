"""What a run gives back: one `Result` per article, whether it succeeded or failed.

A failed article is a `Result` whose `error` says why (`status` "error"); its other fields hold
what was computed before the failure (the detected language, say). `Pipeline.run` raises the
error instead, for the one-article case; `run_many`, `batch` and the Ray processor return it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PipelineError
from pipeline.language.codes import Language


@dataclass(frozen=True)
class Failure:
    """Why an article failed: the error kind (input, language, model, config, internal)."""

    kind: str
    message: str
    line: int | None = None  # the input line, for batch files

    @classmethod
    def of(cls, exc: BaseException, line: int | None = None) -> Failure:
        """The failure an exception stands for (anything not a PipelineError is "internal")."""
        kind = exc.kind if isinstance(exc, PipelineError) else "internal"
        return cls(kind, str(exc), line)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a failure: {kind, message[, line]}."""
        out: dict[str, Any] = {"kind": self.kind, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class Result:
    """One article through the chain. Fields of stages that did not run are None."""

    language: Language = field(default_factory=lambda: Language("und", 0.0))
    translation: str | None = None
    summary: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    id: str | None = None
    error: Failure | None = None
    # For renderers (the review page), not in `to_dict`: the body as read, and where each of its
    # sentences and their translations are (`pipeline.stages.translate.Aligned`).
    source: str | None = field(default=None, repr=False)
    alignment: list[Any] = field(default_factory=list, repr=False)

    @property
    def status(self) -> str:
        """ "ok", or "error" when the article failed."""
        return "ok" if self.error is None else "error"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `run --format json` (with id and status in batch output)."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out.update(id=self.id, status=self.status)
        if self.error is not None:
            out["error"] = self.error.to_dict()
            return out
        language: dict[str, Any] = {"code": self.language.code}
        if self.language.forced:
            language["forced"] = True
        else:
            language["confidence"] = self.language.confidence
        out["language"] = language
        if self.translation is not None:
            out["translation"] = self.translation
        if self.summary is not None:
            out["summary"] = self.summary
        out.update(metadata=self.metadata, stages=self.stages)
        if self.models:
            out["models"] = self.models
        if "translate" in self.stages:
            out["checks"] = self.checks
        return out
