"""The detect stage: the language of an article body (see `pipeline.language.detect`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import msgspec

from pipeline.language.detect import detect_language
from pipeline.stages.base import Output


class DetectOutput(Output, frozen=True):
    """An ISO 639-1 code (``und``: too little text) and a confidence 0–1."""

    code: str
    confidence: float


class DetectStage:
    """Detect article languages (the body → `DetectOutput`). Needs no model of the profile's."""

    name: ClassVar[str] = "detect"
    version: ClassVar[str] = "2"
    output_type: ClassVar[type[msgspec.Struct]] = DetectOutput

    @property
    def identity(self) -> dict[str, Any]:
        """The detector is built in: its version is the stage's."""
        return {"detector": "pipeline.language.detect"}

    def run(self, inputs: Sequence[str], *, use_cache: bool = True) -> list[DetectOutput]:
        """Detect each input's language (`use_cache`: no memory of its own to bypass)."""
        found = [detect_language(text) for text in inputs]
        return [DetectOutput(code=d.code, confidence=round(d.confidence, 4)) for d in found]
