"""Norwegian (and Nordic) news → English: detect the language, translate, summarise.

    from pipeline import Pipeline
    pipe = Pipeline.from_config(profile="default")
    result = pipe.run(open("article.txt").read())
    print(result.language.code, result.summary)

Importing this package is cheap: torch and transformers load only when a model is first needed,
ray only when `process_dataset` or `ArticleProcessor` is first used, and the faithfulness checks
only when `check_texts`, `CheckReport` or `check_summary` is.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import (
    ConfigError,
    InputError,
    LanguageError,
    ModelUnavailableError,
    PipelineError,
)
from pipeline.language.codes import Language
from pipeline.language.detect import detect_language
from pipeline.orchestrator import Pipeline
from pipeline.results import Failure, Result
from pipeline.text.sentences import split_sentences

__all__ = [
    "ArticleProcessor",
    "CheckReport",
    "ConfigError",
    "Failure",
    "InputError",
    "Language",
    "LanguageError",
    "ModelUnavailableError",
    "Pipeline",
    "PipelineError",
    "Result",
    "check_summary",
    "check_texts",
    "detect_language",
    "process_dataset",
    "split_sentences",
]


def __getattr__(name: str) -> Any:
    """The Ray Data entry points and the checks' functions, imported on first use (the Ray
    module itself imports no ray; the checks' tables need not load for a run from the cache)."""
    if name == "check_summary":
        from pipeline.faithfulness import check_summary

        return check_summary
    if name in ("ArticleProcessor", "process_dataset"):
        from pipeline.jobs import ray_data

        return getattr(ray_data, name)
    if name in ("CheckReport", "check_texts"):
        from pipeline.jobs import check

        return getattr(check, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
