"""`Pipeline`: the library entry point that chains detect → translate → summarise.

One run is a loop over the stages up to `until`. For each stage, every article still alive says
what it hands the stage (`_inputs`; nothing means "skip me here", e.g. an English article at the
translate stage), all of them go through the one caching wrapper (`_through_cache`: hits from
disk, misses in one batched stage call), and the outputs are written into each article's
`Result` (`_apply`). The cache key is the stage's name, version and identity (model, revision,
settings) plus the input. Models load lazily, on the first cache miss that needs them, once per
`Pipeline`: a run whose stages are all cached imports neither torch nor transformers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from pipeline.cache import Cache, make_key, open_cache, open_configured
from pipeline.config import Profile, load_profile
from pipeline.errors import InputError, LanguageError, PipelineError
from pipeline.language.codes import (
    SUPPORTED,
    TRANSLATED,
    UNDETERMINED,
    Language,
    language_name,
)
from pipeline.models.backends.base import InputShape, Seq2SeqBackend
from pipeline.models.loading import choose_backend, load_backend
from pipeline.records import parse_record, record_id
from pipeline.results import Failure, Result
from pipeline.stages.base import Stage, from_plain, to_plain
from pipeline.stages.detect import DetectOutput, DetectStage
from pipeline.stages.summarise import SummariseOutput, SummariseStage
from pipeline.stages.translate import TranslateInput, TranslateOutput, TranslateStage
from pipeline.text.article import DEFAULT_MAX_CHARS, Article, parse_article

log = logging.getLogger("pipeline")

STAGE_ORDER = ("detect", "translate", "summarise")


@dataclass
class _Job:
    """One article on its way through the chain."""

    article: Article
    result: Result
    error: BaseException | None = None


class Pipeline:
    """Detect, translate and summarise articles with one model profile and one cache."""

    def __init__(
        self,
        profile: Profile,
        *,
        cache: Cache | None = None,
        models_dir: Path | None = None,
        backends: dict[str, Seq2SeqBackend] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self.profile = profile
        self.cache: Cache = cache if cache is not None else open_cache(None)
        self.models_dir = models_dir
        self.max_chars = max_chars
        self._backends: dict[str, Seq2SeqBackend] = dict(backends or {})
        self.models = {name: self._model_info(name) for name in ("translate", "summarise")}
        self._translator = TranslateStage(
            self._loader("translate"), model=self.models["translate"],
            settings=profile.translate.generate, memory=self.cache,
        )  # fmt: skip
        self.stages: dict[str, Stage[Any, Any]] = {
            "detect": DetectStage(),
            "translate": self._translator,
            "summarise": SummariseStage(
                self._loader("summarise"), model=self.models["summarise"],
                settings=profile.summarise.generate, invented=profile.summarise.invented,
            ),
        }  # fmt: skip

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        profile: str = "default",
        cache_dir: str | Path | None = None,
        *,
        use_cache: bool = True,
        refresh: bool = False,
        max_size: int | None = None,
        **options: Any,
    ) -> Pipeline:
        """A pipeline for `profile` of the profiles file `path` (see `pipeline.config`).

        The cache lives at `cache_dir` (a directory, or ``files:DIR`` for the file-per-entry
        store; default: the file's ``cache: dir``, else ``$NORDTRANS_CACHE_DIR`` or the user
        cache directory), capped at `max_size` bytes (default: ``cache: max_size``, else
        `pipeline.cache.default_max_size`).
        """
        loaded = load_profile(path, profile)
        cache = open_configured(
            cache_dir, loaded.cache, max_size=max_size, use_cache=use_cache, refresh=refresh
        )
        return cls(loaded, cache=cache, **options)

    # ---- public verbs -------------------------------------------------------------------

    def detect(self, text: str) -> Language:
        """The language of an article (header lines ignored)."""
        return self.run(text, until="detect").language

    def translate(self, text: str, use_cache: bool = True, language: str | None = None) -> str:
        """The article body in English (unchanged if it is English already)."""
        result = self.run(text, until="translate", language=language, use_cache=use_cache)
        return result.translation or ""

    def translate_sentences(
        self, sentences: Sequence[str], language: str, use_cache: bool = True
    ) -> list[str]:
        """Sentences in `language` (nb, nn, da, sv), one English translation each, in order.

        Each is translated as given, never split into sentences (a test set's lines), through the
        same translation memory as articles: a sentence translated before costs nothing.
        """
        if language not in TRANSLATED:
            raise LanguageError(
                f"{language_name(language)} ({language}) is not translated here; "
                f"source languages: {', '.join(TRANSLATED)}", reason="unsupported_language",
            )  # fmt: skip
        return self._translator.translate_sentences(sentences, use_cache=use_cache)

    def summarise(self, english_text: str, use_cache: bool = True) -> str:
        """A summary of English text."""
        if not english_text.strip():
            raise InputError("no text to summarise")
        ((output, _),) = self._through_cache(self.stages["summarise"], [english_text], use_cache)
        return output.summary

    def run(
        self,
        text: str,
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> Result:
        """Run the chain on one article up to stage `until`. Raises its `PipelineError`."""
        job = self._job(parse_article(text, max_chars=self.max_chars))
        self._run_jobs([job], until, language, use_cache)
        if job.error is not None:
            raise job.error
        return job.result

    def run_many(
        self,
        items: Iterable[str | dict[str, Any]],
        batch_size: int = 16,
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> Iterator[Result]:
        """Run many articles, `batch_size` at a time, yielding a `Result` each, in input order.

        Items are texts or records {"id", "text", optional "metadata"} (see `pipeline.records`).
        Sentences of all the articles of a batch share the model calls. A bad article yields a
        result with `error` set and the rest go on: nothing raises out of the loop for a problem
        with one article.
        """
        numbered = enumerate(items)
        while batch := list(islice(numbered, batch_size)):
            yield from self._run_batch(batch, until, language, use_cache)

    def _run_batch(self, batch, until, language, use_cache) -> list[Result]:
        ids = [record_id(item, str(index)) for index, item in batch]
        jobs: list[_Job | Result] = []
        for rid, (_, item) in zip(ids, batch, strict=True):
            try:
                jobs.append(self._job(parse_record(item, max_chars=self.max_chars)))
            except PipelineError as exc:
                jobs.append(Result(id=rid, error=Failure.of(exc)))
        alive = [job for job in jobs if isinstance(job, _Job)]
        self._run_isolated(alive, until, language, use_cache)
        out = []
        for rid, job in zip(ids, jobs, strict=True):
            if isinstance(job, _Job):
                job.result.id = rid
                if job.error is not None:
                    job.result.error = Failure.of(job.error)
                job = job.result
            out.append(job)
        return out

    def _run_isolated(self, jobs: list[_Job], until, language, use_cache) -> None:
        """`_run_jobs`, with a crash (a bug) narrowed down to the article that caused it."""
        try:
            self._run_jobs(jobs, until, language, use_cache)
        except Exception as exc:  # a bug: keep its traceback in the log, spare the others
            if len(jobs) == 1:
                log.exception("article failed")
                jobs[0].error = exc
                return
            for job in jobs:
                job.result = self._job(job.article).result
                job.error = None
                self._run_isolated([job], until, language, use_cache)

    # ---- the loop over the stages -------------------------------------------------------

    def _job(self, article: Article) -> _Job:
        return _Job(article, Result(metadata=dict(article.metadata), source=article.body))

    def _run_jobs(self, jobs: list[_Job], until: str, language: str | None, use_cache) -> None:
        """Run `jobs` through the stages up to `until`, each stage batched across them.

        An article that cannot go on (a language we do not translate; a model or config problem
        for all of them) gets its `error` and drops out.
        """
        if until not in STAGE_ORDER:
            raise ValueError(f"unknown stage {until!r}")
        if language is not None:
            self._force_language(jobs, language)
        for name in STAGE_ORDER[: STAGE_ORDER.index(until) + 1]:
            stage = self.stages[name]
            todo = [(job, item) for job in jobs if job.error is None
                    for item in [_INPUTS[name](self, job)] if item is not None]  # fmt: skip
            try:
                outputs = self._through_cache(stage, [item for _, item in todo], use_cache)
            except PipelineError as exc:  # a model or config problem: every article of the call
                for job, _ in todo:
                    job.error = exc
                continue
            for (job, _), (output, record) in zip(todo, outputs, strict=True):
                _APPLY[name](self, job, output, record)

    def _force_language(self, jobs: list[_Job], language: str) -> None:
        if language not in SUPPORTED:
            raise LanguageError(_unsupported(language), reason="unsupported_language")
        for job in jobs:
            job.result.language = Language(language, 1.0, forced=True)
            job.result.stages["detect"] = {"cached": False, "seconds": 0.0, "forced": True}

    def _detect_input(self, job: _Job) -> str | None:
        return None if job.result.language.forced else job.article.body

    def _apply_detect(self, job: _Job, output: DetectOutput, record: dict[str, Any]) -> None:
        job.result.language = Language(output.code, output.confidence)
        job.result.stages["detect"] = record
        if output.code not in SUPPORTED:
            job.error = LanguageError(_unsupported(output.code), reason="unsupported_language")

    def _translate_input(self, job: _Job) -> TranslateInput | None:
        result = job.result
        if result.language.code == "en":  # nothing to translate: the body is the English text
            result.translation = job.article.body
            result.stages["translate"] = {"cached": False, "seconds": 0.0, "skipped": True}
            return None
        title = job.article.metadata.get("title") or None
        return TranslateInput(job.article.body, result.language.code, title)

    def _apply_translate(self, job: _Job, output: TranslateOutput, record: dict[str, Any]) -> None:
        result = job.result
        result.translation = output.translation
        if output.title is not None:
            result.metadata["title"] = output.title
            result.metadata["title_original"] = job.article.metadata["title"]
        result.stages["translate"] = {
            **record, "skipped": False, "sentences_total": output.sentences_total,
            "sentences_translated": output.sentences_translated, "guards": output.guards,
        }  # fmt: skip
        result.models["translate"] = self.models["translate"]
        result.checks = list(output.checks)
        result.alignment = output.alignment

    def _summarise_input(self, job: _Job) -> str | None:
        return job.result.translation

    def _apply_summarise(self, job: _Job, output: SummariseOutput, record: dict[str, Any]) -> None:
        result = job.result
        result.summary = output.summary
        result.stages["summarise"] = {
            **record,
            "chunks": output.chunks,
            "rounds": output.rounds,
            "guards": output.guards,
        }
        if output.dropped_sentences is not None:  # invented: drop
            result.stages["summarise"]["dropped_sentences"] = output.dropped_sentences
        result.models["summarise"] = self.models["summarise"]
        # Each list comes sorted; together, the errors of both come first.
        both = result.checks + output.checks
        result.checks = sorted(both, key=lambda c: c.get("severity") != "error")

    def _through_cache(self, stage: Stage[Any, Any], inputs: Sequence[Any], use_cache: bool):
        """(output, {"cached", "seconds"}) per input: hits from disk, misses run together."""
        keys = [make_key(stage.name, stage.version, stage.identity, _plain(item))
                for item in inputs]  # fmt: skip
        found: list[Any] = [None] * len(inputs)
        if use_cache:
            hits = self.cache.get_many(stage.name, keys)
            found = [from_plain(hit, stage.output_type) if hit is not None else None
                     for hit in hits]  # fmt: skip
        missing = [i for i, hit in enumerate(found) if hit is None]
        seconds = 0.0
        if missing:
            start = time.perf_counter()
            fresh = stage.run([inputs[i] for i in missing], use_cache=use_cache)
            seconds = (time.perf_counter() - start) / len(missing)
            for i, output in zip(missing, fresh, strict=True):
                found[i] = output
            if use_cache:
                self.cache.put_many(stage.name, [(keys[i], to_plain(found[i])) for i in missing])
        done = set(missing)
        return [
            (output, {"cached": i not in done, "seconds": round(seconds if i in done else 0.0, 4)})
            for i, output in enumerate(found)
        ]

    # ---- models -------------------------------------------------------------------------

    def _model_info(self, stage: str) -> dict[str, Any]:
        config = self.profile.stage(stage)
        loaded = self._backends.get(stage)
        backend = loaded.name if loaded is not None else choose_backend(config)
        revision = config.revision or ("builtin-v1" if config.is_builtin else None)
        return {"id": config.model, "revision": revision, "backend": backend}

    def _loader(self, stage: str) -> Callable[[], Seq2SeqBackend]:
        def load() -> Seq2SeqBackend:
            if stage not in self._backends:
                inputs: InputShape = "documents" if stage == "summarise" else "sentences"
                self._backends[stage] = load_backend(
                    self.profile.stage(stage), self.models_dir, inputs=inputs
                )
            return self._backends[stage]

        return load


_INPUTS: dict[str, Callable[[Pipeline, _Job], Any]] = {
    "detect": Pipeline._detect_input,
    "translate": Pipeline._translate_input,
    "summarise": Pipeline._summarise_input,
}
_APPLY: dict[str, Callable[[Pipeline, _Job, Any, dict[str, Any]], None]] = {
    "detect": Pipeline._apply_detect,
    "translate": Pipeline._apply_translate,
    "summarise": Pipeline._apply_summarise,
}


def _plain(item: Any) -> Any:
    """A stage input as JSON-ready data, for its cache key."""
    return to_plain(item) if hasattr(item, "__struct_fields__") else item


def _unsupported(code: str) -> str:
    supported = ", ".join(SUPPORTED)
    if code == UNDETERMINED:
        return f"could not tell the article's language (too little text); supported: {supported}"
    return f"{language_name(code)} ({code}) is not supported; supported: {supported}"
