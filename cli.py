"""nordtrans: Norwegian (and Nordic) news → English translation and summary, from the shell.

A thin front over the `pipeline` library: parse options, call the library, print. Results go to
stdout; warnings and errors to stderr, errors as one line with a documented exit code.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from pipeline.errors import PipelineError
from pipeline.text.article import DEFAULT_MAX_CHARS, read_source

app = typer.Typer(
    help="Translate Norwegian, Danish and Swedish news into English and summarise it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Which models a profile needs; download them.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect and clean the stage cache.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")

T = TypeVar("T")

Source = Annotated[str, typer.Argument(help="Article file (text or HTML), or - for stdin.")]
Config = Annotated[
    Path | None, typer.Option("--config", help="Model profiles file (default: models.yaml).")
]
Profile = Annotated[str, typer.Option("--profile", help="Profile in the config file.")]
CacheDir = Annotated[
    Path | None,
    typer.Option("--cache-dir", envvar="NORDTRANS_CACHE_DIR", help="Cache directory."),
]
Format = Annotated[str, typer.Option("--format", help="Output: text, json or markdown.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Recompute, then overwrite the cache.")]
Force = Annotated[
    str | None,
    typer.Option("--language", "-l", help="Source language (nb, nn, da, sv, en); skips detection."),
]
MaxChars = Annotated[int, typer.Option("--max-chars", help="Largest input accepted.")]


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


def _fail(exc: PipelineError) -> typer.Exit:
    message = str(exc).replace("\n", " ")
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(exc.exit_code)


def _call(fn: Callable[[], T]) -> T:
    """Run `fn`; a `PipelineError` becomes one line on stderr and its exit code."""
    try:
        return fn()
    except PipelineError as exc:
        raise _fail(exc) from None


def _pipeline(config, profile, cache_dir, no_cache=False, refresh=False, max_chars=None):
    from pipeline import Pipeline

    pipe = Pipeline.from_config(
        config, profile, cache_dir, use_cache=not no_cache, refresh=refresh,
        max_chars=max_chars or DEFAULT_MAX_CHARS,
    )  # fmt: skip
    if any(m["id"].startswith("builtin:") for m in pipe.models.values()):
        typer.echo(f"note: profile {profile!r} uses random-weight test models; output is noise",
                   err=True)  # fmt: skip
    return pipe


def _chain(until, source, config, profile, cache_dir, fmt, no_cache, refresh, language, max_chars):
    from pipeline.render import FORMATS, render

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    _setup_logging()

    def go() -> str:
        text = read_source(source, max_chars)
        pipe = _pipeline(config, profile, cache_dir, no_cache, refresh, max_chars)
        return render(pipe.run(text, until=until, language=language), fmt)

    typer.echo(_call(go))


def _stage_command(until: str, doc: str):
    """A command running the chain up to `until` (run, translate, summarise share options)."""

    def command(source: Source, config: Config = None, profile: Profile = "default",
                cache_dir: CacheDir = None, fmt: Format = "text", no_cache: NoCache = False,
                refresh: Refresh = False, language: Force = None,
                max_chars: MaxChars = DEFAULT_MAX_CHARS) -> None:  # fmt: skip
        _chain(until, source, config, profile, cache_dir, fmt, no_cache, refresh, language,
               max_chars)  # fmt: skip

    command.__doc__ = doc
    return command


app.command("run")(_stage_command("summarise", "Detect, translate and summarise an article."))


@app.command()
def detect(source: Source, config: Config = None, profile: Profile = "default",
           cache_dir: CacheDir = None, fmt: Format = "text", no_cache: NoCache = False,
           refresh: Refresh = False, max_chars: MaxChars = DEFAULT_MAX_CHARS) -> None:  # fmt: skip
    """Detect an article's language."""
    _chain("detect", source, config, profile, cache_dir, fmt, no_cache, refresh, None, max_chars)


app.command("translate")(
    _stage_command("translate", "Detect and translate an article into English.")
)
app.command("summarise")(
    _stage_command(
        "summarise", "Detect, translate (reusing a cached translation) and summarise an article."
    )
)


@app.command()
def batch(
    source: Annotated[
        Path, typer.Argument(help="JSONL file (id, text, metadata) or a folder of .txt")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL results, one per record.")],
    config: Config = None,
    profile: Profile = "default",
    cache_dir: CacheDir = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip ids already in the output.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Articles per batch.")
    ] = 16,
    no_cache: NoCache = False,
) -> None:
    """Run many articles; exit 7 if some failed (the output is complete either way)."""
    from pipeline.batch import Progress, count_records, run_batch
    from pipeline.errors import EXIT_SOME_FAILED

    _setup_logging()

    def go():
        pipe = _pipeline(config, profile, cache_dir, no_cache)
        show = None if quiet or not sys.stderr.isatty() else Progress(count_records(source))
        summary = run_batch(pipe, source, output, resume=resume, batch_size=batch_size,
                            progress=show)  # fmt: skip
        if show is not None:
            show.close()
        return summary

    summary = _call(go)
    typer.echo(f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already done",
               err=True)  # fmt: skip
    if summary.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


@models_app.command("list")
def models_list(config: Config = None, profile: Profile = "default") -> None:
    """The models a profile needs and whether they are on this machine."""
    from pipeline.config import load_profile
    from pipeline.models import status

    rows = _call(lambda: status(load_profile(config, profile)))
    for row in rows:
        mark = "present" if row.present else "missing"
        typer.echo(f"{row.stage:<10} {row.model} @ {row.revision or '-'}  [{row.backend}]  {mark}")


@models_app.command("pull")
def models_pull(config: Config = None, profile: Profile = "default") -> None:
    """Download (or build) the models a profile needs into the Hugging Face cache."""
    from pipeline.config import load_profile
    from pipeline.models import pull

    _setup_logging()
    for path in _call(lambda: pull(load_profile(config, profile))):
        typer.echo(str(path))


def _cache(cache_dir: Path | None):
    from pipeline.cache import DiskCache, default_cache_dir

    return DiskCache(cache_dir or default_cache_dir())


@cache_app.command("info")
def cache_info(cache_dir: CacheDir = None) -> None:
    """Entries and size per stage."""
    cache = _cache(cache_dir)
    stats = cache.info()
    typer.echo(f"cache: {cache.root}")
    for stage, row in sorted(stats.items()):
        typer.echo(f"{stage:<10} {row.entries:>7} entries {row.bytes / 1e6:>9.2f} MB")
    if not stats:
        typer.echo("(empty)")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDir = None) -> None:
    """Remove every cache entry."""
    typer.echo(f"removed {_cache(cache_dir).clear()} entries")


@cache_app.command("prune")
def cache_prune(
    cache_dir: CacheDir = None,
    older_than_days: Annotated[
        float | None, typer.Option(help="Remove entries unused for N days.")
    ] = None,
    max_size_mb: Annotated[
        float | None, typer.Option(help="Then shrink the cache to N MB.")
    ] = None,
) -> None:
    """Remove old entries, or the least recently used ones beyond a size."""
    if older_than_days is None and max_size_mb is None:
        typer.echo("error: give --older-than-days and/or --max-size-mb", err=True)
        raise typer.Exit(2)
    removed = _cache(cache_dir).prune(
        older_than=older_than_days * 86400 if older_than_days is not None else None,
        max_bytes=int(max_size_mb * 1e6) if max_size_mb is not None else None,
    )
    typer.echo(f"removed {removed} entries")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
