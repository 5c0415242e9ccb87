"""Property tests: the text plumbing is lossless and input decoding fails only in known ways.

`test_document.py` checks the round trip on a small alphabet; here the alphabet is all of
Unicode (`st.text()`), bytes are arbitrary (`st.binary()`), and cache addresses are anything.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.cache import DiskCache, make_key
from pipeline.errors import InputError
from pipeline.text.article import decode_bytes, normalise
from pipeline.text.document import split_document
from pipeline.text.token_limit import split_to_fit

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text that looks like news: words, every kind of space and line break, punctuation, quotes.
NEWSY = st.text(
    alphabet=st.one_of(
        st.sampled_from("abcæøåABCÆØÅ 1.,!?:;«»“”\"'()–-\n\n\t\r\x0b\x0c\u00a0\u2028\u3000…"),
        st.characters(),
    ),
    max_size=400,
)


def words(texts):
    return [len(t.split()) + 1 for t in texts]


@FAST
@given(st.one_of(st.text(), NEWSY))
@example("Første avsnitt. Andre setning!\n\n  «Sitat.»  \nSiste linje uten punktum")
@example("\n\n \t\n")
def test_split_and_rebuild_is_lossless_for_any_text(text):
    doc = split_document(text)
    assert doc.rebuild(lambda s, e, sentence: sentence) == text
    # Paragraph breaks survive whatever replaces the sentences.
    assert doc.rebuild(lambda s, e, sentence: "X").count("\n") == text.count("\n")


@FAST
@given(st.one_of(st.text(), NEWSY))
def test_sentence_spans_are_ordered_disjoint_and_cover_every_visible_character(text):
    doc = split_document(text)
    spans = [span for p in doc.paragraphs for span in p.sentences]
    flat = [offset for span in spans for offset in span]
    assert flat == sorted(flat)  # ordered, and no two spans overlap
    for paragraph in doc.paragraphs:
        assert "\n" not in doc.paragraph_text(paragraph)
        for s, e in paragraph.sentences:
            assert paragraph.start <= s < e <= paragraph.end
            assert text[s:e] == text[s:e].strip()  # no sentence starts or ends with space
    inside = [False] * len(text)
    for s, e in spans:
        inside[s:e] = [True] * (e - s)
    assert all(inside[i] for i, char in enumerate(text) if not char.isspace())
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())  # nothing lost or duplicated


@FAST
@given(st.one_of(st.binary(max_size=2000), st.binary(max_size=50).map(lambda b: b * 20)))
@example(b"\x89PNG\r\n\x1a\n")
@example(b"\xff\xfe\x00")  # a UTF-16 BOM and half a character
@example(b"\xef\xbb\xbf\xff")
@example(b"\x00\x00\xfe\xff\x00")
def test_decoding_arbitrary_bytes_raises_only_input_error(data):
    try:
        text = decode_bytes(data, name="blob")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("blob: ")
        return
    assert isinstance(text, str)
    assert "\r" not in text and "\x00" not in text and "\ufeff" not in text


@FAST
@given(
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]),
    st.binary(max_size=400),
)
def test_decoding_bytes_behind_any_bom_raises_only_input_error(bom, data):
    with contextlib.suppress(InputError):
        decode_bytes(bom + data)


@FAST
@given(st.text())
@example("e\x00\u0301")
def test_normalised_text_is_nfc_and_normalising_again_changes_nothing(text):
    once = normalise(text)
    assert unicodedata.is_normalized("NFC", once)
    assert normalise(once) == once


@FAST
@given(NEWSY.filter(lambda t: t.strip()), st.integers(min_value=2, max_value=30))
def test_split_to_fit_pieces_fit_and_keep_every_character_in_order(text, limit):
    pieces = split_to_fit(text, words, limit)
    assert all(words([piece])[0] <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@FAST
@given(st.text(max_size=80), st.text(max_size=80))
@example("..", make_key(1))
@example("translate", "../../" + make_key(1)[6:])
@example("translate\n", make_key(1))
def test_no_cache_address_leads_outside_the_cache(tmp_path_factory, stage, key):
    root = tmp_path_factory.getbasetemp() / "address-cache"
    cache = DiskCache(root)
    try:
        path = cache._path(stage, key)
    except ValueError:
        return
    assert path.resolve().is_relative_to(root.resolve())
    assert path.parent.parent.parent == root and path.name == f"{key}.json"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@FAST
@given(value=JSON, parts=st.lists(st.text(max_size=20), min_size=1, max_size=3))
def test_cache_round_trips_any_json_value(tmp_path_factory, value, parts):
    cache = DiskCache(tmp_path_factory.getbasetemp() / "roundtrip-cache")
    key = make_key(*parts)
    cache.put("translate", key, value)
    assert cache.get("translate", key) == json.loads(json.dumps(value))
