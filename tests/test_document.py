"""Reversible plumbing and fitting text to a model's limit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.document import split_document
from pipeline.text.token_limit import split_to_fit

from .conftest import article


def words(texts):
    return [len(t.split()) + 1 for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab æ.,!?«»–\n\t 1:;\"'"), max_size=300))
def test_split_and_rebuild_is_lossless(text):
    doc = split_document(text)
    assert doc.rebuild(lambda s, e, sentence: sentence) == text
    covered = "".join(doc.text[s:e] for p in doc.paragraphs for s, e in p.sentences)
    assert covered.replace(" ", "").replace("\t", "") == "".join(text.split())


def test_paragraph_breaks_survive_a_translation():
    text = article("seed-defence-visit.txt")
    doc = split_document(text)
    out = doc.rebuild(lambda s, e, sentence: "X")
    assert out.count("\n") == text.count("\n")
    assert len(doc.paragraphs) == len([line for line in text.splitlines() if line.strip()])


def test_split_to_fit_keeps_every_word_in_order():
    sentence = " ".join(f"w{i}" for i in range(4000))  # a 4,000-word "sentence"
    pieces = split_to_fit(sentence, words, 50)
    assert all(words([p])[0] <= 50 for p in pieces)
    assert " ".join(pieces).split() == sentence.split()


def test_split_to_fit_prefers_clause_boundaries():
    sentence = "første del av setningen, andre del av setningen; tredje del og fjerde del"
    pieces = split_to_fit(sentence, words, 7)
    assert pieces[0] == "første del av setningen,"
    assert " ".join(pieces) == sentence


def test_short_text_is_left_alone():
    assert split_to_fit("kort setning.", words, 50) == ["kort setning."]
