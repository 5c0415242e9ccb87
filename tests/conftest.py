"""Shared fixtures: an isolated filesystem for every test, honest fakes, the tiny models once."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import Pipeline, cli
from pipeline.cache import DiskCache
from pipeline.config import load_profile
from pipeline.text.article import DEFAULT_MAX_CHARS

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT.parent / "shared" / "articles"
CONFIG = ROOT / "models.yaml"


def article(name: str) -> str:
    """A sample article from ../shared/articles (skips the test when it is not there)."""
    path = ARTICLES / name
    if not path.exists():
        pytest.skip(f"sample article {name} not available")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """Built-in tiny models, built once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, models_dir):
    """Cache, models and the HF hub cache under tmp: nothing touches the real home directory."""
    monkeypatch.setenv("NORDTRANS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NORDTRANS_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


class FakeBackend:
    """A predictable 'model': wraps each input as <name:text>; records every call.

    Token counts are words + 1 (an end token), so limits can be exercised with small numbers.
    """

    def __init__(self, tag: str = "en", max_input_tokens: int = 512, name: str = "fake") -> None:
        self.tag = tag
        self.name = name
        self.max_input_tokens = max_input_tokens
        self.calls: list[list[str]] = []

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def generate(self, texts, settings):
        for text in texts:
            assert self.count_tokens([text])[0] <= self.max_input_tokens, "input over the limit"
        self.calls.append(list(texts))
        return [f"<{self.tag}:{t}>" for t in texts]

    @property
    def inputs(self) -> list[str]:
        return [t for call in self.calls for t in call]


class ShortSummary(FakeBackend):
    """A summariser fake whose output is short: the first three words of the input."""

    def generate(self, texts, settings):
        super().generate(texts, settings)
        return [" ".join(t.split()[:3]) for t in texts]


@pytest.fixture
def fakes():
    """(translator, summariser) fakes."""
    return FakeBackend("en"), ShortSummary("sum", max_input_tokens=1024)


@pytest.fixture
def fake_pipeline(fakes, tmp_path):
    """A Pipeline on the tiny profile whose models are the fakes, caching under tmp."""
    translator, summariser = fakes
    profile = load_profile(CONFIG, "tiny")

    def make(**options) -> Pipeline:
        options.setdefault("cache", DiskCache(tmp_path / "cache"))
        return Pipeline(
            profile, backends={"translate": translator, "summarise": summariser}, **options
        )

    return make


def env_without_offline() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}


@pytest.fixture
def pipeline_logger():
    """A clean "pipeline" logger: `cli._setup_logging` adds a handler and stops propagation on
    every call, which would hide records from caplog and pile up handlers across tests."""
    logger = logging.getLogger("pipeline")
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers.clear()
    logger.propagate = True
    yield logger
    logger.handlers[:], logger.propagate = saved[0], saved[1]
    logger.setLevel(saved[2])


@pytest.fixture
def fake_cli(monkeypatch, fake_pipeline, pipeline_logger):
    """Invoke the CLI in-process with the fake models instead of loading a profile's models."""

    def make(
        config=None,
        profile="default",
        cache_dir=None,
        no_cache=False,
        refresh=False,
        max_chars=None,
        cache_max_size=None,
    ):
        return fake_pipeline(max_chars=max_chars or DEFAULT_MAX_CHARS)

    monkeypatch.setattr(cli, "_pipeline", make)

    def invoke(*args, input=None):
        pipeline_logger.handlers.clear()  # one stderr handler per invocation
        return CliRunner().invoke(cli.app, [str(a) for a in args], input=input)

    return invoke
