"""`Pipeline`: the library entry point that chains detect → translate → summarise.

Each stage goes through one caching wrapper (`Pipeline._through_cache`), keyed by stage name,
stage version, model identity, generation settings and the stage's input. Models load lazily, on
the first cache miss that needs them, and once per `Pipeline`; a run whose stages are all cached
imports neither torch nor transformers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipeline.cache import DiskCache, default_cache_dir, make_key
from pipeline.config import Profile, load_profile
from pipeline.errors import InputError, LanguageError, PipelineError
from pipeline.language.codes import SUPPORTED, language_name
from pipeline.language.detect import detect_language
from pipeline.models.backends.base import Seq2SeqBackend
from pipeline.models.loading import choose_backend, load_backend
from pipeline.result import ErrorResult, Language, Result
from pipeline.summarise import SummariseStage
from pipeline.text.article import DEFAULT_MAX_CHARS, Article, parse_article
from pipeline.translate import TranslateStage

log = logging.getLogger("pipeline")

# nb, nn, da and sv all go through the North Germanic → English model; en skips translation.
STAGE_ORDER = ("detect", "translate", "summarise")


class DetectStage:
    """Language of an article body. Input: the body; output: {"code", "confidence"}."""

    name = "detect"
    version = "1"
    identity: ClassVar[dict[str, Any]] = {"detector": "pipeline.language.detect"}
    settings: ClassVar[dict[str, Any]] = {}

    def run_many(self, inputs: Sequence[str], *, use_cache: bool = True) -> list[dict[str, Any]]:
        """Detect each input's language (`use_cache`: no memory of its own to bypass)."""
        found = [detect_language(text) for text in inputs]
        return [{"code": d.language, "confidence": round(d.confidence, 4)} for d in found]


class Pipeline:
    """Detect, translate and summarise articles with one model profile and one cache."""

    def __init__(
        self,
        profile: Profile,
        *,
        cache: DiskCache | None = None,
        models_dir: Path | None = None,
        backends: dict[str, Seq2SeqBackend] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self.profile = profile
        self.cache = cache if cache is not None else DiskCache(None)
        self.models_dir = models_dir
        self.max_chars = max_chars
        self._backends: dict[str, Seq2SeqBackend] = dict(backends or {})
        self.models = {name: self._model_info(name) for name in ("translate", "summarise")}
        self.stages = {
            "detect": DetectStage(),
            "translate": TranslateStage(
                self._loader("translate"), identity=self.models["translate"],
                settings=profile.translate.generate, memory=self.cache,
            ),
            "summarise": SummariseStage(
                self._loader("summarise"), identity=self.models["summarise"],
                settings=profile.summarise.generate,
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
        **options: Any,
    ) -> Pipeline:
        """A pipeline for `profile` in the YAML/JSON file `path` (default: models.yaml)."""
        root = (cache_dir or default_cache_dir()) if use_cache else None
        cache = DiskCache(root, refresh=refresh)
        return cls(load_profile(path, profile), cache=cache, **options)

    # ---- public verbs -------------------------------------------------------------------

    def detect(self, text: str) -> Language:
        """The language of an article (header lines ignored)."""
        return self.run(text, until="detect").language

    def translate(self, text: str, use_cache: bool = True, language: str | None = None) -> str:
        """The article body in English (unchanged if it is English already)."""
        result = self.run(text, until="translate", language=language, use_cache=use_cache)
        return result.translation or ""

    def summarise(self, english_text: str, use_cache: bool = True) -> str:
        """A summary of English text."""
        if not english_text.strip():
            raise InputError("no text to summarise")
        outputs = self._through_cache(self.stages["summarise"], [english_text], use_cache)
        return outputs[0][0]["summary"]

    def run(
        self,
        text: str,
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> Result:
        """Run the chain on one article up to stage `until`. Raises `PipelineError`s."""
        article = parse_article(text, max_chars=self.max_chars)
        (outcome,) = self.run_articles(
            [article], until=until, language=language, use_cache=use_cache
        )
        if isinstance(outcome, PipelineError):
            raise outcome
        return outcome

    def run_many(
        self,
        items: Iterable[str | dict[str, Any]],
        batch_size: int = 16,
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> Iterator[Result | ErrorResult]:
        """Run many articles, `batch_size` at a time, yielding results in input order.

        Items are texts or records {"id", "text", optional "metadata"}. Sentences of all the
        articles of a batch share the model calls. A bad article yields an `ErrorResult` and the
        rest go on: nothing raises out of the loop for a problem with one article.
        """
        from itertools import islice

        numbered = enumerate(items)
        while batch := list(islice(numbered, batch_size)):
            yield from self._run_batch(batch, until, language, use_cache)

    def run_articles(
        self,
        articles: Sequence[Article],
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> list[Result | PipelineError]:
        """Run the chain on parsed articles, each stage batched across all of them.

        An article in a language we do not translate gets its `LanguageError` in its place.
        """
        if until not in STAGE_ORDER:
            raise ValueError(f"unknown stage {until!r}")
        results = [Result(metadata=dict(a.metadata), models=self.models) for a in articles]
        failed = self._detect(articles, results, language, use_cache)
        alive = [i for i in range(len(articles)) if i not in failed]
        if until != "detect":
            self._translate([articles[i] for i in alive], [results[i] for i in alive], use_cache)
        if until == "summarise":
            self._summarise([results[i] for i in alive], use_cache)
        return [failed.get(i, result) for i, result in enumerate(results)]

    def _run_batch(self, batch, until, language, use_cache) -> list[Result | ErrorResult]:
        ids = {index: _item_id(item, index) for index, item in batch}
        out: dict[int, Result | ErrorResult] = {}
        articles: dict[int, Article] = {}
        for index, item in batch:
            try:
                articles[index] = _item_article(item, self.max_chars)
            except PipelineError as exc:
                out[index] = ErrorResult(ids[index], exc.kind, str(exc))
        order = list(articles)
        outcomes = self._outcomes(articles, order, until, language, use_cache)
        for index, outcome in zip(order, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                out[index] = ErrorResult(ids[index], _kind(outcome), str(outcome))
            else:
                outcome.id = ids[index]
                out[index] = outcome
        return [out[index] for index, _ in batch]

    def _outcomes(self, articles, order, until, language, use_cache) -> list:
        """Results (or exceptions) for `order`; a crash is narrowed down to its article."""
        try:
            return self.run_articles(
                [articles[i] for i in order], until=until, language=language, use_cache=use_cache
            )
        except PipelineError as exc:  # a model or config problem: every article of the batch
            return [exc] * len(order)
        except Exception as exc:  # a bug: keep its traceback in the log, spare the other articles
            if len(order) == 1:
                log.exception("article failed")
                return [exc]
            return [o for i in order for o in self._outcomes(articles, [i], until, language,
                                                             use_cache)]  # fmt: skip

    # ---- stages -------------------------------------------------------------------------

    def _detect(self, articles, results, language, use_cache) -> dict[int, PipelineError]:
        if language is not None:
            if language not in SUPPORTED:
                raise LanguageError(_unsupported(language), reason="unsupported_language")
            for result in results:
                result.language = Language(language, 1.0)
                result.stages["detect"] = {"cached": False, "seconds": 0.0, "forced": True}
            return {}
        outputs = self._through_cache(self.stages["detect"], [a.body for a in articles], use_cache)
        failed: dict[int, PipelineError] = {}
        for i, (result, (output, record)) in enumerate(zip(results, outputs, strict=True)):
            result.language = Language(output["code"], output["confidence"])
            result.stages["detect"] = record
            if output["code"] not in SUPPORTED:
                failed[i] = LanguageError(
                    _unsupported(output["code"]), reason="unsupported_language"
                )
        return failed

    def _translate(self, articles, results, use_cache: bool) -> None:
        todo = [i for i, r in enumerate(results) if r.language.code != "en"]
        inputs = [{"text": articles[i].body, "language": results[i].language.code} for i in todo]
        outputs = self._through_cache(self.stages["translate"], inputs, use_cache)
        for i, (output, record) in zip(todo, outputs, strict=True):
            results[i].translation = output["translation"]
            stats = {k: output[k] for k in ("sentences_total", "sentences_translated", "guards")}
            results[i].stages["translate"] = {**record, "skipped": False, **stats}
            results[i].checks = list(output["checks"])
        for i, result in enumerate(results):
            if result.language.code == "en":
                result.translation = articles[i].body
                result.stages["translate"] = {"cached": False, "seconds": 0.0, "skipped": True}

    def _summarise(self, results, use_cache: bool) -> None:
        texts = [r.translation or "" for r in results]
        outputs = self._through_cache(self.stages["summarise"], texts, use_cache)
        for result, (output, record) in zip(results, outputs, strict=True):
            result.summary = output["summary"]
            stats = {k: output[k] for k in ("chunks", "rounds", "guards")}
            result.stages["summarise"] = {**record, **stats}
            result.checks += output["checks"]

    def _through_cache(self, stage, inputs: Sequence[Any], use_cache: bool) -> list[tuple]:
        """(output, {"cached", "seconds"}) per input: hits from disk, misses run together."""
        keys = [make_key(stage.name, stage.version, stage.identity, stage.settings, item)
                for item in inputs]  # fmt: skip
        found = [self.cache.get(stage.name, key) if use_cache else None for key in keys]
        missing = [i for i, hit in enumerate(found) if hit is None]
        seconds = 0.0
        if missing:
            start = time.perf_counter()
            fresh = stage.run_many([inputs[i] for i in missing], use_cache=use_cache)
            seconds = (time.perf_counter() - start) / len(missing)
            for i, output in zip(missing, fresh, strict=True):
                found[i] = output
                if use_cache:
                    self.cache.put(stage.name, keys[i], output)
        return [
            (
                output,
                {"cached": i not in missing, "seconds": round(seconds if i in missing else 0.0, 4)},
            )
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
                self._backends[stage] = load_backend(self.profile.stage(stage), self.models_dir)
            return self._backends[stage]

        return load


def _unsupported(code: str) -> str:
    supported = ", ".join(SUPPORTED)
    if code == "und":
        return f"could not tell the article's language (too little text); supported: {supported}"
    return f"{language_name(code)} ({code}) is not supported; supported: {supported}"


def _kind(exc: BaseException) -> str:
    return exc.kind if isinstance(exc, PipelineError) else "internal"


def _item_id(item: str | dict[str, Any], index: int) -> str:
    if isinstance(item, dict) and item.get("id") is not None:
        return str(item["id"])
    return str(index)


def _item_article(item: str | dict[str, Any], max_chars: int) -> Article:
    """An item of `run_many` as an article; record metadata adds to the header's."""
    if isinstance(item, str):
        return parse_article(item, max_chars=max_chars)
    if not isinstance(item, dict):
        raise InputError(f"expected a text or a record, got {type(item).__name__}")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("no text: the record has no non-empty 'text'")
    article = parse_article(text, max_chars=max_chars)
    extra = item.get("metadata") or {}
    if not isinstance(extra, dict):
        raise InputError("'metadata' must be an object")
    return Article(article.body, {**article.metadata, **extra})
