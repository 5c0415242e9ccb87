"""`Pipeline`: the library entry point that chains detect → translate → summarise.

Each stage goes through one caching wrapper (`Pipeline._through_cache`), keyed by stage name,
stage version, model identity, generation settings and the stage's input. Models load lazily, on
the first cache miss that needs them, and once per `Pipeline`; a run whose stages are all cached
imports neither torch nor transformers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from .article import DEFAULT_MAX_CHARS, Article, parse_article
from .backends.base import Seq2SeqBackend
from .cache import DiskCache, default_cache_dir, make_key
from .config import Profile, load_profile
from .detect import detect_language, language_name
from .errors import InputError, LanguageError
from .models import choose_backend, load_backend
from .result import Language, Result
from .summarise import SummariseStage
from .translate import TranslateStage

TRANSLATED = ("nb", "nn", "da", "sv")  # all go through the North Germanic → English model
SUPPORTED = (*TRANSLATED, "en")
STAGE_ORDER = ("detect", "translate", "summarise")


class DetectStage:
    """Language of an article body. Input: the body; output: {"code", "confidence"}."""

    name = "detect"
    version = "1"
    identity: ClassVar[dict[str, Any]] = {"detector": "pipeline.detect"}
    settings: ClassVar[dict[str, Any]] = {}

    def run_many(self, inputs: Sequence[str]) -> list[dict[str, Any]]:
        """Detect each input's language."""
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
        """Run the chain on one article up to stage `until`."""
        article = parse_article(text, max_chars=self.max_chars)
        return self.run_articles([article], until=until, language=language, use_cache=use_cache)[0]

    def run_articles(
        self,
        articles: Sequence[Article],
        *,
        until: str = "summarise",
        language: str | None = None,
        use_cache: bool = True,
    ) -> list[Result]:
        """Run the chain on parsed articles, each stage batched across all of them.

        Raises `LanguageError` if an article is in a language we do not translate.
        """
        if until not in STAGE_ORDER:
            raise ValueError(f"unknown stage {until!r}")
        results = [Result(metadata=dict(a.metadata), models=self.models) for a in articles]
        self._detect(articles, results, language, use_cache)
        if until == "detect":
            return results
        self._translate(articles, results, use_cache)
        if until == "translate":
            return results
        outputs = self._through_cache(
            self.stages["summarise"], [r.translation or "" for r in results], use_cache
        )
        for result, (output, record) in zip(results, outputs, strict=True):
            result.summary = output["summary"]
            result.stages["summarise"] = {**record, "chunks": output["chunks"]}
        return results

    # ---- stages -------------------------------------------------------------------------

    def _detect(self, articles, results, language: str | None, use_cache: bool) -> None:
        if language is not None:
            if language not in SUPPORTED:
                raise LanguageError(_unsupported(language))
            for result in results:
                result.language = Language(language, 1.0)
                result.stages["detect"] = {"cached": False, "seconds": 0.0, "forced": True}
            return
        outputs = self._through_cache(self.stages["detect"], [a.body for a in articles], use_cache)
        for result, (output, record) in zip(results, outputs, strict=True):
            result.language = Language(output["code"], output["confidence"])
            result.stages["detect"] = record
        for result in results:
            if result.language.code not in SUPPORTED:
                raise LanguageError(_unsupported(result.language.code))

    def _translate(self, articles, results, use_cache: bool) -> None:
        todo = [i for i, r in enumerate(results) if r.language.code != "en"]
        inputs = [{"text": articles[i].body, "language": results[i].language.code} for i in todo]
        outputs = self._through_cache(self.stages["translate"], inputs, use_cache)
        for i, (output, record) in zip(todo, outputs, strict=True):
            results[i].translation = output["translation"]
            stats = {k: output[k] for k in ("sentences_total", "sentences_translated")}
            results[i].stages["translate"] = {**record, "skipped": False, **stats}
        for i, result in enumerate(results):
            if result.language.code == "en":
                result.translation = articles[i].body
                result.stages["translate"] = {"cached": False, "seconds": 0.0, "skipped": True}

    def _through_cache(self, stage, inputs: Sequence[Any], use_cache: bool) -> list[tuple]:
        """(output, {"cached", "seconds"}) per input: hits from disk, misses run together."""
        keys = [make_key(stage.name, stage.version, stage.identity, stage.settings, item)
                for item in inputs]  # fmt: skip
        found = [self.cache.get(stage.name, key) if use_cache else None for key in keys]
        missing = [i for i, hit in enumerate(found) if hit is None]
        seconds = 0.0
        if missing:
            start = time.perf_counter()
            fresh = stage.run_many([inputs[i] for i in missing])
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
    return (
        f"{language_name(code)} ({code}) is not supported; supported: {supported} "
        "(force a source language with --language)"
    )
