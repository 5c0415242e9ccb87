"""Long articles are covered whole, through the real loading code (tiny models)."""

from __future__ import annotations

import pytest

from pipeline import Pipeline

from .conftest import CONFIG, article


@pytest.fixture(scope="module")
def long_article():
    text = article("nb-long-hospital-report.txt")
    header, body = text.split("\n\n", 1)
    return header + "\n\n" + "\n\n".join([body.strip()] * 3)  # 2,300+ words


def test_long_article_is_translated_and_summarised_whole(long_article, tmp_path):
    assert len(long_article.split()) > 2000
    pipe = Pipeline.from_config(CONFIG, profile="tiny", cache_dir=tmp_path / "c")
    result = pipe.run(long_article)
    source = [p for p in long_article.split("\n\n")[1:] if p.strip()]
    translated = [p for p in result.translation.split("\n\n") if p.strip()]
    assert len(translated) == len(source)  # every paragraph, in place
    assert not set(source) & set(translated)  # and none left untranslated
    assert result.stages["summarise"]["chunks"] > 1
    assert result.summary.strip()
    # Repeated paragraphs are translated once: the translation memory serves the copies.
    assert result.stages["translate"]["sentences_translated"] * 3 == pytest.approx(
        result.stages["translate"]["sentences_total"], abs=3
    )
