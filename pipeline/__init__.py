"""Norwegian (and Nordic) news → English: detect the language, translate, summarise.

    from pipeline import Pipeline
    pipe = Pipeline.from_config("models.yaml", profile="default")
    result = pipe.run(open("article.txt").read())
    print(result.language.code, result.summary)

Importing this package is cheap: torch and transformers load only when a model is first needed.
"""

from pipeline.api import Pipeline
from pipeline.errors import (
    ConfigError,
    InputError,
    LanguageError,
    ModelUnavailableError,
    PipelineError,
)
from pipeline.language.detect import Detection, detect_language
from pipeline.result import ErrorResult, Language, Result
from pipeline.text.sentences import split_sentences

__all__ = [
    "ConfigError",
    "Detection",
    "ErrorResult",
    "InputError",
    "Language",
    "LanguageError",
    "ModelUnavailableError",
    "Pipeline",
    "PipelineError",
    "Result",
    "detect_language",
    "split_sentences",
]
