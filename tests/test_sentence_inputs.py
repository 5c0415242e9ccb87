"""The translator gets one source sentence per input, never a paragraph.

Our translation model (opus-mt-tc-big-gmq-en) often drops the first of two sentences given as
one input (FLORES dev: "Tillatelser må bestilles på forhånd. For å kunne overnatte på Sirena må
du ha tillatelse." → "To be able to stay at Sirena, you need to have a permit."). Translating
sentence by sentence avoids that; these tests keep it so.
"""

from __future__ import annotations

import re

from pipeline import Pipeline
from pipeline.cache import DiskCache
from pipeline.config import load_profile
from pipeline.faithfulness import SentencePair, check_translation

from .conftest import CONFIG, FakeBackend

PARAGRAPHS = [
    "Tillatelser må bestilles på forhånd. For å kunne overnatte på Sirena må du ha tillatelse.",
    "Hva er en celle? Kl. 11.20 ba politiet demonstrantene flytte seg, sa ca. 17 vitner. "
    "«Vi går ikke», svarte de.",
]
SENTENCES = [
    "Tillatelser må bestilles på forhånd.",
    "For å kunne overnatte på Sirena må du ha tillatelse.",
    "Hva er en celle?",
    "Kl. 11.20 ba politiet demonstrantene flytte seg, sa ca. 17 vitner.",
    "«Vi går ikke», svarte de.",
]
ARTICLE = "title Tillatelser\n\n" + "\n\n".join(PARAGRAPHS)


class DropsFirstOfTwo(FakeBackend):
    """Like the real model: of an input holding two sentences, only the last is translated."""

    def generate(self, texts, settings):
        super().generate(texts, settings)
        out = []
        for text in texts:
            sentences = re.split(r"(?<=[.?!])\s+(?=[A-ZÆØÅ«])", text)
            out.append(f"<en:{sentences[-1]}>")
        return out


def test_each_model_input_is_one_source_sentence(fake_pipeline, fakes):
    translator, _ = fakes
    fake_pipeline().run(ARTICLE)
    inputs = [t for t in translator.inputs if t != "Tillatelser"]  # the headline
    assert inputs == SENTENCES
    assert len(translator.calls) == 1  # batched in one call, still one sentence per input


def test_a_model_that_drops_the_first_of_two_sentences_loses_nothing(tmp_path):
    translator = DropsFirstOfTwo("en")
    summariser = FakeBackend("sum", max_input_tokens=1024)
    pipeline = Pipeline(
        load_profile(CONFIG, "tiny"),
        backends={"translate": translator, "summarise": summariser},
        cache=DiskCache(tmp_path / "cache"),
    )
    result = pipeline.run(ARTICLE)
    for sentence in SENTENCES:
        assert f"<en:{sentence}>" in result.translation
    assert not [c for c in result.checks if c["kind"] == "sentence_missing"]


def test_the_dropping_model_would_lose_a_sentence_given_a_paragraph():
    """The fake above is honest: given the paragraph whole, it loses the first sentence, and
    the checks say so."""
    translation = DropsFirstOfTwo("en").generate([PARAGRAPHS[0]], None)[0]
    assert SENTENCES[0] not in translation
    checks = check_translation([SentencePair(0, PARAGRAPHS[0], translation.strip("<en:>"))])
    assert [c.kind for c in checks] == ["sentence_missing"]
    assert checks[0].value == SENTENCES[0]
