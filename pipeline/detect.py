"""Language identification (interim version; being replaced by the tuned detector)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

SUPPORTED = ("nb", "nn", "da", "sv", "en")
_NAMES = {"nb": "Norwegian Bokmål", "nn": "Norwegian Nynorsk", "da": "Danish", "sv": "Swedish",
          "en": "English", "de": "German", "und": "undetermined"}


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float


def language_name(code: str) -> str:
    return _NAMES.get(code, code)


@functools.cache
def _model():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> Detection:
    if len(text.split()) < 2:
        return Detection("und", 0.0)
    code, prob = _model().classify(text)
    return Detection("nb" if code == "no" else code, float(prob))
