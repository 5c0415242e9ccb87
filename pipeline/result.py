"""What a run returns: the result of one article, or the error that stopped it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Language:
    """Detected (or forced) source language: ISO 639-1 code and confidence 0–1."""

    code: str
    confidence: float


@dataclass
class Result:
    """One article through the chain. Fields of stages that did not run are None."""

    language: Language = field(default_factory=lambda: Language("und", 0.0))
    translation: str | None = None
    summary: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[dict[str, str]] = field(default_factory=list)
    id: str | None = None
    status: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `run --format json`; stages that did not run are left out."""
        out: dict[str, Any] = {
            "language": {"code": self.language.code, "confidence": self.language.confidence}
        }
        if self.id is not None:
            out = {"id": self.id, "status": self.status, **out}
        if self.translation is not None:
            out["translation"] = self.translation
        if self.summary is not None:
            out["summary"] = self.summary
        out.update(metadata=self.metadata, stages=self.stages, models=self.models)
        if "translate" in self.stages:
            out["checks"] = self.checks
        return out


@dataclass
class ErrorResult:
    """An article that failed; batch runs yield this and go on with the rest."""

    id: str | None
    kind: str  # input, language, model, config, ...
    message: str
    line: int | None = None
    status: str = "error"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a failed record in `batch` output."""
        error: dict[str, Any] = {"kind": self.kind, "message": self.message}
        if self.line is not None:
            error["line"] = self.line
        return {"id": self.id, "status": self.status, "error": error}
