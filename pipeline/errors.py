"""The one exception tree of the library.

    PipelineError                 base: a problem the user can fix, said in one line
    ├── InputError                the article: missing, unreadable, empty, binary, too large
    ├── LanguageError             a language we do not translate, or none could be told
    ├── ModelUnavailableError     a model that is not downloaded, not on disk, or broken
    ├── ConfigError               models.yaml: missing, syntax, unknown key, wrong type, profile
    └── OutputExistsError         a batch output holds results; neither resume nor overwrite

Messages say what is wrong in the library's terms. Each error also carries a `reason` (a short
code such as ``"too_large"`` or ``"offline"``) and the `details` a front end needs to say how to
fix it in its own terms: the CLI turns them into flag names and commands (see `pipeline.cli`),
a batch job may retry or skip. Anything that is not a `PipelineError` is a bug.
"""

from __future__ import annotations

from typing import Any


class PipelineError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    kind = "error"

    def __init__(self, message: str, *, reason: str = "", **details: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.details = details


class InputError(PipelineError):
    """The article cannot be read as text (missing, empty, binary, too large)."""

    kind = "input"


class LanguageError(PipelineError):
    """The article is in a language the pipeline does not translate (or in none it can tell)."""

    kind = "language"


class ModelUnavailableError(PipelineError):
    """A model is not available here (offline, not downloaded, no such directory, broken)."""

    kind = "model"


class ConfigError(PipelineError):
    """The model profile file is missing or invalid."""

    kind = "config"


class OutputExistsError(PipelineError):
    """A batch output already holds results, and neither resuming nor overwriting was asked."""

    kind = "output"
