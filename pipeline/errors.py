"""The one exception tree of the library.

    PipelineError                 base; carries the CLI exit code
    ├── InputError                the article: missing, unreadable, empty, binary, too large  (3)
    ├── LanguageError             a language we do not translate                           (4)
    ├── ModelUnavailableError     a model that is not downloaded / not on disk / offline     (5)
    └── ConfigError               models.yaml: syntax, unknown key, wrong type, profile      (6)

The CLI turns exactly these into a one-line message and their exit code; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 1
    kind = "error"


class InputError(PipelineError):
    """The article cannot be read as text (missing, empty, binary, too large)."""

    exit_code = 3
    kind = "input"


class LanguageError(PipelineError):
    """The article is in a language the pipeline does not translate."""

    exit_code = 4
    kind = "language"


class ModelUnavailableError(PipelineError):
    """A model is not available here (offline, not downloaded, no such directory)."""

    exit_code = 5
    kind = "model"


class ConfigError(PipelineError):
    """The model profile file is missing or invalid."""

    exit_code = 6
    kind = "config"


#: Exit code of `batch` when some records failed (the output file is complete either way).
EXIT_SOME_FAILED = 7
