"""The number normaliser: Nordic and English forms of the same figure read as the same value."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.faithfulness.quantities import describe, extract_quantities

from .linear import assert_linear


def only(text: str, language: str):
    """The single quantity in `text`."""
    found = extract_quantities(text, language)
    assert len(found) == 1, found
    return found[0]


def keys(text: str, language: str) -> list[tuple[str, Decimal]]:
    return [q.key for q in extract_quantities(text, language)]


NORDIC = [
    ("1,4 milliarder", "nb", "1.4e9", "number"),
    ("200 milliarder yen", "nb", "2e11", "number"),
    ("8,8 billioner yen", "nb", "8.8e12", "number"),  # long scale: billion = 10^12
    ("12 500", "nb", "12500", "number"),
    ("12\u00a0500", "nb", "12500", "number"),  # no-break space
    ("12\u202f500", "nb", "12500", "number"),  # narrow no-break space
    ("12\u2009500", "nb", "12500", "number"),  # thin space
    ("1 250 000,5", "nb", "1250000.5", "number"),
    ("1.400", "da", "1400", "number"),
    ("38 mill. kroner", "nb", "38e6", "number"),
    ("1,2 mrd. kroner", "nb", "1.2e9", "number"),
    ("2,4 milliardar kroner", "nn", "2.4e9", "number"),
    ("5 mia. kr.", "da", "5e9", "number"),
    ("3 miljoner kronor", "sv", "3e6", "number"),
    ("12 tusen", "nb", "12000", "number"),
    ("ca. 60 prosent", "nb", "60", "percent"),
    ("60 pst.", "nb", "60", "percent"),
    ("20 procent", "sv", "20", "percent"),
    ("60 %", "da", "60", "percent"),
    ("i 2027", "nb", "2027", "year"),
    ("tre år", "nb", "3", "number"),
    ("tyve", "da", "20", "number"),
    ("två", "sv", "2", "number"),
    ("en million husstande", "da", "1e6", "number"),
    ("tre millioner", "nb", "3e6", "number"),
]

ENGLISH = [
    ("1.4 billion", "1.4e9", "number"),
    ("$1.4bn", "1.4e9", "number"),
    ("200 billion yen", "2e11", "number"),
    ("8.8 trillion", "8.8e12", "number"),
    ("12,500", "12500", "number"),
    ("12 500", "12500", "number"),
    ("1,234.5", "1234.5", "number"),
    ("38 million kroner", "38e6", "number"),
    ("NOK 38 million", "38e6", "number"),
    ("$38m", "38e6", "number"),
    ("NOK 38m", "38e6", "number"),
    ("£5k", "5000", "number"),
    ("60%", "60", "percent"),
    ("60 per cent", "60", "percent"),
    ("60 percent", "60", "percent"),
    ("2027", "2027", "year"),
    ("three years", "3", "number"),
    ("twenty-one", "21", "number"),
    ("a million households", "1e6", "number"),
    ("the third time", "3", "number"),
]


@pytest.mark.parametrize(("text", "language", "value", "kind"), NORDIC)
def test_nordic_forms(text, language, value, kind):
    q = only(text, language)
    assert (q.value, q.kind) == (Decimal(value), kind)
    assert text[q.span[0] : q.span[1]] == q.text


@pytest.mark.parametrize(("text", "value", "kind"), ENGLISH)
def test_english_forms(text, value, kind):
    q = only(text, "en")
    assert (q.value, q.kind) == (Decimal(value), kind)
    assert text[q.span[0] : q.span[1]] == q.text


@pytest.mark.parametrize(
    ("nordic", "english"),
    [
        ("1,4 milliarder", "1.4 billion"),
        ("1,4 milliarder dollar", "$1.4bn"),
        ("200 milliarder yen", "200 billion yen"),
        ("8,8 billioner", "8.8 trillion"),
        ("12 500", "12,500"),
        ("38 mill. kroner", "NOK 38 million"),
        ("1,2 mrd. kroner", "NOK 1.2 billion"),
        ("60 prosent", "60%"),
        ("tre år", "three years"),
        ("21 helelektriske", "21 all-electric"),
        ("1. juli", "July 1"),
        ("1. juli", "1 July"),
        ("21. august 2025", "August 21, 2025"),
        ("21. august 2025", "21 August 2025"),
        ("15. oktober", "15th of October"),
        ("1 juli", "July 1st"),  # Swedish writes no ordinal dot
        ("kl. 14", "2 pm"),
        ("kl. 14", "14:00"),
        ("kl. 9.30", "9:30 a.m."),
        ("2025-08-21", "2025-08-21"),
        ("21.08.2025", "21 August 2025"),
    ],
)
def test_both_directions(nordic, english):
    assert keys(nordic, "nb") == keys(english, "en")


def test_norwegian_billion_is_not_english_billion():
    assert keys("8,8 billioner", "nb") != keys("8.8 billion", "en")
    assert keys("8,8 billioner", "nb") == keys("8.8 trillion", "en")


def test_articles_are_not_numbers():
    # "en"/"a" are articles unless a scale word follows; "one" is a number in English.
    assert extract_quantities("en milepæl og et skritt", "nb") == []
    assert extract_quantities("a milestone", "en") == []
    assert only("one year", "en").value == 1


def test_dates_carry_their_year_separately():
    date, year = extract_quantities("21. august 2025", "nb")
    assert (date.kind, date.value, year.kind, year.value) == ("date", 821, "year", 2025)


def test_runs_split_where_grouping_does_not_fit():
    assert [q.value for q in extract_quantities("i 2025 12 500 personer", "nb")] == [2025, 12500]
    assert [q.value for q in extract_quantities("1,4", "en")] == [Decimal("1.4")]  # MT leftover


def test_measure_is_not_million():
    assert only("a 38m yacht", "en").value == 38  # "m" means million only after a currency sign


def test_words_inside_words_are_ignored():
    assert extract_quantities("tree, often, tjueårsdag, fireworks", "en") == []
    assert extract_quantities("fireworks og femtiden", "nb") == []


@pytest.mark.parametrize(
    ("text", "language", "plain"),
    [
        ("8,8 billioner", "nb", "8.8 trillion"),
        ("12 500", "nb", "12,500"),
        ("60 prosent", "nb", "60%"),
        ("1. juli", "nb", "July 1"),
        ("kl. 14", "nb", "14:00"),
        ("2027", "nb", "2027"),
    ],
)
def test_describe(text, language, plain):
    assert describe(only(text, language)) == plain


@pytest.mark.parametrize("language", ["nb", "en"])
def test_adversarial_digits_spaces_commas_are_linear(language):
    rng = random.Random(7)
    noise = "".join(rng.choice("0123456789 ,.\u00a0") for _ in range(40_000))
    for make in (lambda n: noise[:n], lambda n: "1 " * (n // 2), lambda n: "1," * (n // 2)):
        assert_linear(lambda text: extract_quantities(text, language), make)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789 ,.%-:\u00a0kKlmjuiMbn", max_size=80))
def test_spans_point_at_their_text(text):
    for language in ("nb", "en"):
        for q in extract_quantities(text, language):
            assert text[q.span[0] : q.span[1]] == q.text


def test_half_past_in_words_is_half_an_hour_before_the_hour_named():
    # Nordic "halv tolv" is 11:30; only after "klokka" or before "-tiden" is it a time.
    assert keys("klokka halv tolv", "nb") == [("time", Decimal(1130))]
    assert keys("kl. halv ett", "sv") == [("time", Decimal(30))]
    assert keys("i halv tolv-tiden", "nb") == [("time", Decimal(1130))]
    assert keys("en halv tolv meters båt", "nb") == [("number", Decimal(12))]
    assert keys("at half past midnight", "en") == [("time", Decimal(30))]
    assert keys("at half past eleven", "en") == [("time", Decimal(1130))]
