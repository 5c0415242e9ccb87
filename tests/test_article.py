"""Reading articles: headers into metadata, forgiving decoding, clear refusals."""

from __future__ import annotations

import logging

import pytest

from pipeline.errors import InputError
from pipeline.text.article import decode_bytes, parse_article, read_source

from .conftest import article


def test_date_header_on_the_first_sentence_line():
    parsed = parse_article(decode_bytes(article("seed-defence-visit.txt").encode()))
    assert parsed.metadata == {"date": "2025-08-21"}
    assert parsed.body.startswith("Den japanske forsvarsministeren")


def test_date_and_title_header_lines():
    parsed = parse_article("date 2026-03-14\ntitle Elektriske ferger\n\nTeksten starter her.")
    assert parsed.metadata == {"date": "2026-03-14", "title": "Elektriske ferger"}
    assert parsed.body == "Teksten starter her."


def test_text_that_merely_starts_like_a_header_is_body():
    assert parse_article("Datoen er ikke satt ennå.").body == "Datoen er ikke satt ennå."


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", b"date 2026-01-01\n"])
def test_no_text(data):
    with pytest.raises(InputError, match="no text"):
        parse_article(decode_bytes(data))


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, bytes(200) + b"abc", b"\x7fELF\x02\x01"]
)
def test_binary_is_not_text(data):
    with pytest.raises(InputError, match="not a text file"):
        decode_bytes(data)


def test_boms_and_utf16_are_decoded():
    text = "Blåbær og fjøs."
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode_bytes(text.encode("utf-16")) == text
    assert decode_bytes(text.encode("utf-16-be").join([b"\xfe\xff", b""])) == text


def test_windows_1252_is_decoded_with_a_warning(caplog):
    text = "Ifølge rapporten kostet det 38 mill. kroner å bygge om fergeleiet på Bastø – «dyrt»."
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert decode_bytes(text.encode("cp1252"), name="a.txt") == text
    assert "a.txt is not UTF-8; decoded as cp1252" in caplog.text


def test_crlf_and_control_characters_are_normalised():
    assert decode_bytes(b"En linje.\r\nTo\x00 linjer.\x07\r\n") == "En linje.\nTo linjer.\n"


def test_too_large_input_is_refused():
    with pytest.raises(InputError, match="over the limit of 100"):
        parse_article("ord " * 100, max_chars=100)


def test_missing_and_directory_paths(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        read_source(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_source(str(tmp_path))
