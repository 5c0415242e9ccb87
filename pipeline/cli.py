"""nordtrans: Norwegian (and Nordic) news → English translation and summary, from the shell.

A thin front over the library: parse options, call the library, print. Results go to stdout;
warnings and errors to stderr, an error as one line with a documented exit code. This is the one
place that knows flag names and commands, so the hints that say how to fix an error live here
(`_hint`); the library's errors say what is wrong in its own terms.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from pipeline.cache import default_cache_dir
from pipeline.errors import (
    ConfigError,
    InputError,
    LanguageError,
    ModelUnavailableError,
    OutputExistsError,
    PipelineError,
)
from pipeline.text.article import DEFAULT_MAX_CHARS, read_source

#: Exit codes (the README's table): 1 is a bug, 2 a usage error (Typer's own).
EXIT_CODES: dict[type[PipelineError], int] = {
    InputError: 3,
    LanguageError: 4,
    ModelUnavailableError: 5,
    ConfigError: 6,
    OutputExistsError: 8,
}
EXIT_SOME_FAILED = 7  # batch: some records failed (the output is complete either way)
EXIT_CHECK_ERRORS = 9  # check: the translation has errors (a figure changed, a line left empty)

app = typer.Typer(
    help="Translate Norwegian, Danish and Swedish news into English and summarise it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"nordtrans {version('nordtrans')}")
        except PackageNotFoundError:  # a checkout that was never installed
            typer.echo("nordtrans (not installed)")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Translate Norwegian, Danish and Swedish news into English and summarise it."""


models_app = typer.Typer(help="Which models a profile needs; download them.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect and clean the stage cache.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")

T = TypeVar("T")


class _Command(typer.core.TyperCommand):
    """Usage lines as people write them: ``run [OPTIONS] FILE``, not Typer's ``{FILE}``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer vendors its own click
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


class OutputFormat(str, Enum):
    """What `run` and the stage commands print."""

    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


Source = Annotated[
    str, typer.Argument(metavar="FILE", help="Article (text or HTML), or - for stdin.")
]
Config = Annotated[
    Path | None,
    typer.Option(
        "--config", metavar="PATH", envvar="NORDTRANS_CONFIG",
        help="Model profiles (default: ./models.yaml, else the packaged one).",
    ),
]  # fmt: skip
Profile = Annotated[
    str,
    typer.Option("--profile", metavar="NAME", help="Profile in the config (default, light, tiny)."),
]
CacheDir = Annotated[
    str | None,
    typer.Option(
        "--cache-dir", metavar="DIR", envvar="NORDTRANS_CACHE_DIR",
        help="Cache directory (files:DIR: one file per entry, for shared filesystems).",
        show_default=str(default_cache_dir()),
    ),
]  # fmt: skip
CacheSize = Annotated[
    str | None,
    typer.Option(
        "--cache-max-size", metavar="SIZE", envvar="NORDTRANS_CACHE_MAX_SIZE",
        help="Cap on the cache, e.g. 20GB (default: models.yaml's cache.max_size, else 5GB).",
    ),
]  # fmt: skip
Format = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Recompute, then overwrite the cache.")]
Force = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        metavar="CODE",
        help="Source language (nb, nn, da, sv, en); skips detection.",
    ),
]
MaxChars = Annotated[
    int, typer.Option("--max-chars", metavar="N", min=1, help="Largest input accepted.")
]


class _StderrHandler(logging.StreamHandler):
    """Warnings as 'warning: ...' on whatever sys.stderr is now (tests swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _setup_logging() -> None:
    logger = logging.getLogger("pipeline")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.WARNING)
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


def _prog() -> str:
    """How the user started us, for hints that name a command."""
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if argv0 == "cli.py":
        return "python cli.py"
    if argv0 == "__main__.py":
        return "python -m pipeline"
    return "nordtrans"


def _hub_cache() -> str:
    home = os.environ.get("HF_HOME") or "~/.cache/huggingface"
    return os.environ.get("HF_HUB_CACHE") or f"{home}/hub"


def _hint(exc: PipelineError, command: str, profile: str | None) -> str:
    """How to fix `exc`, in this CLI's terms (flags, commands); empty when nothing helps."""
    reason = exc.reason
    if reason == "too_large":
        return "raise --max-chars"
    if reason == "config_not_found":
        return "pass --config PATH or set NORDTRANS_CONFIG"
    if reason == "unsupported_language" and not exc.details.get("forced"):
        return "if the detection is wrong, force the source language with --language"
    if reason == "swapped":
        return "give the Nordic text first, then its English translation"
    if reason == "not_aligned":
        if exc.details.get("by") == "lines":
            return "line i of SOURCE must be the translation of line i of TRANSLATION"
        return "both articles need the same paragraphs, one a line; blank lines do not count"
    if reason in ("offline", "unreachable"):
        pull = f"`{_prog()} models pull --profile {profile or 'default'}`"
        copy = f"copy its Hugging Face cache ({_hub_cache()}) here and set HF_HUB_OFFLINE=1"
        local = "or point `model:` in models.yaml at a local directory"
        if command == "models pull":
            return f"run {pull} on a machine that reaches huggingface.co, then {copy}; {local}"
        return f"on a machine with network run {pull}, then {copy}; {local}"
    if reason == "output_exists":
        return "pass --resume to finish it, or --overwrite to start again"
    if reason in ("no_directory", "compute_type"):
        return "fix the stage in models.yaml"
    if reason == "testset_offline":
        cache = exc.details.get("cache", "~/.sacrebleu")
        return (
            f"run it once on a machine with network, then copy its {cache} here or point "
            "SACREBLEU at the copy; or score your own files with --source and --reference"
        )
    if reason == "broken_checkpoint":
        return (
            "its files are incomplete or damaged, or the installed transformers/ctranslate2 "
            "loads them wrongly: download the model again, and check `pip show transformers "
            "ctranslate2` against the versions pyproject.toml allows"
        )
    return ""


def _fail(exc: PipelineError, command: str, profile: str | None) -> typer.Exit:
    message = str(exc).replace("\n", " ")
    hint = _hint(exc, command, profile)
    typer.echo(f"error: {message}" + (f" ({hint})" if hint else ""), err=True)
    return typer.Exit(EXIT_CODES.get(type(exc), 1))


def _call(fn: Callable[[], T], command: str, profile: str | None = None) -> T:
    """Run `fn`; a `PipelineError` becomes one line on stderr and its exit code."""
    try:
        return fn()
    except PipelineError as exc:
        raise _fail(exc, command, profile) from None


def _size(text: str | None) -> int | None:
    """A size option in bytes; a bad one is a usage error (exit 2)."""
    from pipeline.config import parse_size

    try:
        return parse_size(text) if text is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _pipeline(config=None, profile="default", cache_dir=None, no_cache=False, refresh=False,
              max_chars=DEFAULT_MAX_CHARS, cache_max_size=None):  # fmt: skip
    from pipeline.orchestrator import Pipeline

    pipe = Pipeline.from_config(
        config, profile, cache_dir, use_cache=not no_cache, refresh=refresh,
        max_chars=max_chars, max_size=_size(cache_max_size),
    )  # fmt: skip
    if any(m["id"].startswith("builtin:") for m in pipe.models.values()):
        typer.echo(f"note: profile {profile!r} uses random-weight test models; output is noise",
                   err=True)  # fmt: skip
    return pipe


def _chain(until: str, source: str, fmt: OutputFormat, language: str | None, **options) -> None:
    """Read `source`, run the chain up to `until`, print it as `fmt` (options: `_pipeline`'s)."""
    from pipeline.render import render

    _setup_logging()

    def go() -> str:
        text = read_source(source, options["max_chars"])
        pipe = _pipeline(**options)
        return render(pipe.run(text, until=until, language=language), fmt.value)

    typer.echo(_call(go, until, options["profile"]))


def _stage_command(until: str, doc: str):
    """A command running the chain up to `until` (run, translate, summarise share options)."""

    def command(source: Source, config: Config = None, profile: Profile = "default",
                cache_dir: CacheDir = None, fmt: Format = OutputFormat.text,
                no_cache: NoCache = False, refresh: Refresh = False, language: Force = None,
                max_chars: MaxChars = DEFAULT_MAX_CHARS,
                cache_max_size: CacheSize = None) -> None:  # fmt: skip
        _chain(until, source, fmt, language, config=config, profile=profile, cache_dir=cache_dir,
               no_cache=no_cache, refresh=refresh, max_chars=max_chars,
               cache_max_size=cache_max_size)  # fmt: skip

    command.__doc__ = doc
    return command


app.command("run", cls=_Command)(
    _stage_command("summarise", "Detect, translate and summarise an article.")
)


@app.command(cls=_Command)
def detect(source: Source, config: Config = None, profile: Profile = "default",
           cache_dir: CacheDir = None, fmt: Format = OutputFormat.text, no_cache: NoCache = False,
           refresh: Refresh = False, max_chars: MaxChars = DEFAULT_MAX_CHARS,
           cache_max_size: CacheSize = None) -> None:  # fmt: skip
    """Detect an article's language."""
    _chain("detect", source, fmt, None, config=config, profile=profile, cache_dir=cache_dir,
           no_cache=no_cache, refresh=refresh, max_chars=max_chars,
           cache_max_size=cache_max_size)  # fmt: skip


app.command("translate", cls=_Command)(
    _stage_command("translate", "Detect and translate an article into English.")
)
app.command("summarise", cls=_Command)(
    _stage_command(
        "summarise", "Detect, translate (reusing a cached translation) and summarise an article."
    )
)


class Alignment(str, Enum):
    """How `check` pairs the two texts."""

    lines = "lines"
    paragraphs = "paragraphs"


@app.command(cls=_Command)
def check(
    source: Annotated[
        str,
        typer.Argument(metavar="SOURCE", help="The original (nb, nn, da, sv), or - for stdin."),
    ],
    translation: Annotated[
        str,
        typer.Argument(
            metavar="TRANSLATION",
            help="Its English translation, line by line or paragraph by paragraph, or - for stdin.",
        ),
    ],
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            metavar="CODE",
            help="Source language (nb, nn, da, sv); skips detection.",
        ),
    ] = None,
    align: Annotated[
        Alignment | None,
        typer.Option(
            "--align",
            help="Pair line by line or paragraph by paragraph "
            "[default: lines when both have as many and no header].",
        ),
    ] = None,
    fmt: Format = OutputFormat.text,
    max_chars: MaxChars = DEFAULT_MAX_CHARS,
) -> None:
    """Check a translation made elsewhere (no models): figures and names it lost or changed;
    exit 9 when there are errors."""
    from pipeline.jobs.check import check_texts
    from pipeline.render import render_check

    if source == translation == "-":
        typer.echo("error: only one of SOURCE and TRANSLATION can be - (stdin)", err=True)
        raise typer.Exit(2)
    _setup_logging()

    def go():
        texts = read_source(source, max_chars), read_source(translation, max_chars)
        by = align.value if align else None
        return check_texts(*texts, language, align=by, max_chars=max_chars)

    report = _call(go, "check")
    typer.echo(render_check(report, fmt.value))
    if report.errors:
        raise typer.Exit(EXIT_CHECK_ERRORS)


@app.command(cls=_Command)
def batch(
    source: Annotated[
        Path,
        typer.Argument(metavar="INPUT", help="JSONL file (id, text, metadata) or a folder of .txt"),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="OUT", help="JSONL results, one per record.")
    ],
    config: Config = None,
    profile: Profile = "default",
    cache_dir: CacheDir = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Keep what OUT has done; run the rest and the failed."),
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Start OUT afresh, dropping what it holds.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, metavar="N", help="Articles per batch.")
    ] = 16,
    no_cache: NoCache = False,
    cache_max_size: CacheSize = None,
) -> None:
    """Run many articles into a JSONL file; exit 7 if some failed (the output is complete)."""
    from pipeline.jobs.batch import count_records, run_batch

    if resume and overwrite:
        typer.echo("error: --resume and --overwrite exclude each other", err=True)
        raise typer.Exit(2)
    _setup_logging()

    def go():
        pipe = _pipeline(config, profile, cache_dir, no_cache, cache_max_size=cache_max_size)
        with _progress(None if quiet else count_records(source)) as show:
            return run_batch(pipe, source, output, resume=resume, overwrite=overwrite,
                             batch_size=batch_size, progress=show)  # fmt: skip

    summary = _call(go, "batch", profile)
    done = f", {summary.skipped} already done" if resume else ""
    retried = f" ({summary.retried} failed before and were retried)" if summary.retried else ""
    typer.echo(f"{summary.ok} ok, {summary.failed} failed{done}{retried}", err=True)
    if summary.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


@contextmanager
def _progress(total: int | None) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar on stderr (done/total, rate, time left) while a batch runs on a terminal."""
    if total is None or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("articles", total=total)
        yield lambda s: bar.update(task, completed=s.done + s.skipped)


@app.command(cls=_Command)
def evaluate(
    source: Annotated[
        Path | None, typer.Option("--source", metavar="FILE", help="Source sentences, one a line.")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", metavar="FILE", help="English references, line by line."),
    ] = None,
    hypothesis: Annotated[
        list[Path] | None,
        typer.Option(
            "--hypothesis",
            metavar="FILE",
            help="Score this existing translation instead (no models); repeat for several.",
        ),
    ] = None,
    testset: Annotated[
        str | None,
        typer.Option(
            "--testset",
            metavar="NAME",
            help="flores200 (devtest) or flores200/dev instead of --source/--reference "
            "(downloaded once by sacrebleu).",
        ),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", "-l", metavar="CODE", help="Source language.")
    ] = "nb",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the translations here."),
    ] = None,
    config: Config = None,
    profile: Profile = "default",
    cache_dir: CacheDir = None,
    fmt: Format = OutputFormat.text,
    no_cache: NoCache = False,
) -> None:
    """Score translations with BLEU and chrF (sacrebleu): the profile's, or --hypothesis files."""
    from pipeline.jobs.evaluate import evaluate as run_evaluation

    if (reference is None) == (testset is None):
        typer.echo("error: give either --reference (with --source or --hypothesis) or --testset",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    if hypothesis and output:
        typer.echo("error: --output writes the profile's translations; not with --hypothesis",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    _setup_logging()

    def go():
        return run_evaluation(
            language=language, source=source, reference=reference, hypotheses=hypothesis or (),
            testset=testset, pipeline=lambda: _pipeline(config, profile, cache_dir, no_cache),
            use_cache=not no_cache, write_translations=output,
        )  # fmt: skip

    result = _call(go, "evaluate", profile)
    if fmt is OutputFormat.json:
        import json

        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.table(markdown=fmt is OutputFormat.markdown))


@models_app.command("list")
def models_list(config: Config = None, profile: Profile = "default") -> None:
    """The models a profile needs and whether they are on this machine."""
    from pipeline.config import PACKAGED, load_profile
    from pipeline.models.loading import status

    loaded = _call(lambda: load_profile(config, profile), "models list", profile)
    packaged = " (the packaged default)" if Path(loaded.source).resolve() == PACKAGED else ""
    typer.echo(f"config: {loaded.source}{packaged}")
    rows = _call(lambda: status(loaded), "models list", profile)
    for row in rows:
        mark = "present" if row.present else "missing"
        typer.echo(f"{row.stage:<10} {row.model} @ {row.revision or '-'}  [{row.backend}]  {mark}")


@models_app.command("pull")
def models_pull(config: Config = None, profile: Profile = "default") -> None:
    """Download (or build) the models a profile needs into the Hugging Face cache."""
    from pipeline.config import load_profile
    from pipeline.models.loading import pull

    _setup_logging()
    for path in _call(lambda: pull(load_profile(config, profile)), "models pull", profile):
        typer.echo(str(path))


def _cache(cache_dir: str | None, config: Path | None, max_size: str | None = None):
    """The cache the stage commands would use: --cache-dir (or its variable), else the profiles
    file's `cache:` section, else the user cache directory."""
    from pipeline.cache import open_configured
    from pipeline.config import load_cache_config

    settings = _call(lambda: load_cache_config(config), "cache")
    try:
        return open_configured(cache_dir, settings, max_size=_size(max_size))
    except ValueError as exc:  # an unknown location scheme
        raise typer.BadParameter(str(exc), param_hint="--cache-dir") from None


@cache_app.command("info")
def cache_info(cache_dir: CacheDir = None, config: Config = None) -> None:
    """Where the cache is, its size against its cap, and entries per stage (instant)."""
    cache = _cache(cache_dir, config)
    usage = cache.usage()
    cap = f" of {usage.max_bytes / 1e9:.2f} GB" if usage.max_bytes else " (no cap while running)"
    typer.echo(f"cache: {usage.location} ({usage.kind})")
    typer.echo(f"{usage.entries} entries, {usage.disk_bytes / 1e6:.2f} MB on disk{cap}")
    for stage, row in sorted(cache.info().items()):
        typer.echo(f"  {stage:<10} {row.entries:>9} entries {row.bytes / 1e6:>10.2f} MB")
    cache.close()


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDir = None, config: Config = None) -> None:
    """Remove every cache entry (stop running jobs first)."""
    cache = _cache(cache_dir, config)
    typer.echo(f"removed {cache.clear()} entries")
    cache.close()


@cache_app.command("prune")
def cache_prune(
    cache_dir: CacheDir = None,
    config: Config = None,
    older_than_days: Annotated[
        float | None, typer.Option(metavar="DAYS", help="Remove entries unused for DAYS days.")
    ] = None,
    max_size: Annotated[
        str | None,
        typer.Option(metavar="SIZE", help="Then shrink the cache to SIZE (e.g. 2GB) on disk."),
    ] = None,
) -> None:
    """Remove old entries, then the least recently used ones beyond a size."""
    if older_than_days is None and max_size is None:
        typer.echo("error: give --older-than-days and/or --max-size", err=True)
        raise typer.Exit(2)
    cache = _cache(cache_dir, config)
    removed = cache.prune(
        older_than=older_than_days * 86400 if older_than_days is not None else None,
        max_bytes=_size(max_size),
    )
    typer.echo(f"removed {removed} entries")
    cache.close()


def main() -> None:
    """Console-script entry point."""
    app()
