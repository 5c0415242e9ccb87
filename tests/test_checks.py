"""Checks on translations and summaries: lost, rescaled and invented figures, lost names."""

from __future__ import annotations

import random
import time

import pytest

from pipeline.faithfulness.checks import Check, check_summary, check_translation
from pipeline.text.article import parse_article

from .conftest import article

# A careful human translation of ../shared/articles/seed-defence-visit.txt (body only).
SEED_EN = """\
Japanese Defence Minister Gen Nakatani's official visit to Turkey this week marked a milestone \
in defence cooperation between Ankara and Tokyo, with drone procurement a central theme \
alongside broader cooperation in the defence industry.
On Tuesday, Nakatani met his Turkish counterpart Yasar Guler in Ankara, becoming the first \
Japanese defence minister to visit Turkey. The two ministers held talks lasting more than 90 \
minutes, in which they agreed to strengthen bilateral defence cooperation and to start \
consultations between senior defence officials to explore joint opportunities in equipment and \
technology.
"In light of today's changing global security environment, I would like to stress that we are \
ready to do everything we can to further develop our cooperation with our Japanese friends, \
especially in the defence industry and military relations," Güler said in a post on social \
media after the meeting.
Visit to Turkey's leading drone makers
As part of the programme, Nakatani also visited Turkish Aerospace Industries (TUSAS), and on \
Wednesday he travelled to Baykar, Turkey's leading drone manufacturer. In Istanbul, the Japanese \
delegation was briefed on the company's activities by Baykar chairman Selcuk Bayraktar and chief \
executive Haluk Bayraktar, with Turkey's defence industry secretary Haluk Gorgun also present.
"It was a pleasure to host His Excellency," Baykar said in a post on the Turkish social media \
platform NSosyal, where it shared pictures from the visit.
Possible drone procurement?
Japanese media have reported that Tokyo plans to set aside 200 billion yen (about $1.4 billion) \
from its 2026 budget to speed up the procurement of unmanned aerial vehicles. Drone investment \
is a key component of Japan's record defence budget of 8.8 trillion yen, with plans to \
integrate air, sea and underwater drones into the Self-Defense Forces by 2027.
While Tokyo is also considering procurement options from the United States and Australia, \
Baykar's combat-proven drones have attracted particular interest, according to The Japan Times.
Nakatani's visit, which includes further meetings with Turkish defence companies, signals \
Japan's intention to position Turkish-made UAVs in its growing defence portfolio – a step that \
could lift bilateral ties from traditional friendship to a strategic defence partnership.
"""

SEED_SUMMARY = (
    "Japanese Defence Minister Gen Nakatani visited Turkey this week. Tokyo plans to set aside "
    "200 billion yen ($1.4bn) from its 2026 budget for drones. Japan's defence budget is a "
    "record 8.8 trillion yen."
)


@pytest.fixture
def seed() -> str:
    return parse_article(article("seed-defence-visit.txt")).body


def kinds(checks: list[Check]) -> list[tuple[str, str]]:
    return [(c.kind, c.value) for c in checks]


def test_correct_translation_of_seed_article_has_no_checks(seed):
    assert check_translation(seed, SEED_EN) == []


def test_faithful_summary_has_no_checks():
    assert check_summary(SEED_EN, SEED_SUMMARY) == []


def test_dropped_number_is_flagged(seed):
    broken = SEED_EN.replace("more than 90 minutes", "over an hour and a half")
    checks = check_translation(seed, broken)
    assert kinds(checks) == [("number_missing", "90")]
    assert checks[0].stage == "translate"


def test_billion_trillion_slip_is_flagged(seed):
    checks = check_translation(seed, SEED_EN.replace("8.8 trillion", "8.8 billion"))
    assert kinds(checks) == [("number_scale", "8,8 billioner")]
    assert checks[0].message == (
        'source has "8,8 billioner" (8.8 trillion), translation has 8.8 billion'
    )


def test_invented_figure_in_summary_is_flagged():
    summary = SEED_SUMMARY.replace("this week.", "this week with 35 officials.")
    checks = check_summary(SEED_EN, summary)
    assert kinds(checks) == [("number_invented", "35")]
    assert checks[0].stage == "summarise"


def test_summary_scale_slip():
    summary = SEED_SUMMARY.replace("8.8 trillion", "8.8 billion")
    assert kinds(check_summary(SEED_EN, summary)) == [("number_scale", "8.8 billion")]


def test_dropped_name_is_flagged(seed):
    broken = SEED_EN.replace("the Turkish social media platform NSosyal", "a Turkish platform")
    checks = check_translation(seed, broken)
    assert kinds(checks) == [("name_missing", "NSosyal")]
    assert checks[0].message == 'source names "NSosyal", translation does not'


def test_dropped_multiword_name_is_flagged_once():
    source = "Møtet ble ledet av Yasar Guler. Etterpå snakket Guler med pressen."
    checks = check_translation(source, "The meeting was chaired by the minister. He then spoke.")
    assert kinds(checks) == [("name_missing", "Yasar Guler")]


def test_names_tolerate_diacritics_genitive_and_exonyms():
    source = "Samtalen med Güler varte lenge. Styret i Baykars selskap og Tyrkias regjering møttes."
    translation = "The talks with Guler lasted long. Baykar's board and Turkey's government met."
    assert check_translation(source, translation) == []


def test_capitalised_first_words_months_and_institutions_are_not_names():
    source = (
        "Regjeringen la fram budsjettet. Mandag 1. juli møttes de i Stortinget, sa Hans "
        "Eksellense til Selvforsvarsstyrkene."
    )
    translation = (
        "The government presented the budget. On Monday July 1 they met in parliament, His "
        "Excellency told the Self-Defense Forces."
    )
    assert check_translation(source, translation) == []


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("Det kostet 38 mill. kroner.", "It cost NOK 38 million."),
        ("Det kostet 1,2 mrd. kroner.", "It cost 1.2 billion kroner."),
        ("Det kom 12 500 mennesker.", "12,500 people came."),
        ("Utslippene falt med ca. 60 prosent.", "Emissions fell by about 60 per cent."),
        ("Seks skal leveres innen 1. juli.", "Six are to be delivered by 1 July."),
        ("Han sa det torsdag kl. 14.", "He said so at 2 pm on Thursday."),
        ("Han sa det torsdag kl. 14.", "He said so at 14.00 on Thursday."),
        ("Det tok tre år.", "It took three years."),
        ("De har 21 helelektriske fartøy.", "They have 21 all-electric vessels."),
        ("Vedtaket skal fattes 21. august 2025.", "The decision is due on August 21, 2025."),
    ],
)
def test_nordic_forms_match_their_translations(source, translation):
    assert check_translation(source, translation) == []


FERRIES_EN = """\
The Norwegian Public Roads Administration on Friday presented a new report showing that the \
electric ferries along the coast have reduced emissions by about 60 per cent since 2019. The \
report covers 48 connections, including Bastø–Moss, Hareid–Sulesund and several smaller \
connections in Nordland.

"We see that the technology works, and that passengers appreciate quieter and calmer \
crossings," says section manager Kari Nygård at the Roads Administration. She nevertheless \
stresses that the development of charging infrastructure has become a bottleneck.

According to the report, it cost an average of NOK 38 million to rebuild a ferry berth for \
charging. In some municipalities, the grid companies have spent up to three years delivering \
sufficient capacity. This applies, for example, to connections where the ferry must charge in \
less than ten minutes so that the timetable can be kept.

The ferry company Fjord1 says that operating costs per crossing have fallen by 12 percent. The \
company now has 21 all-electric vessels in operation, and a further six are to be delivered by \
1 July next year.

The government aims for all new ferry tenders from 2027 to require zero- or low-emission \
solutions. The Minister of Transport told NTB on Thursday at 2 pm that NOK 1.2 billion has \
been set aside in the revised budget for grid reinforcement along the coast.

The business organisation Confederation of Norwegian Industry believes the pace is too slow. \
"If we are to reach the climate targets for 2030, construction must be faster, and it must be \
easier to get a licence," says technical director Per Ivar Holm.
"""


def test_correct_translation_of_ferries_article_has_no_checks():
    source = parse_article(article("nb-electric-ferries.txt")).body
    assert check_translation(source, FERRIES_EN) == []
    broken = FERRIES_EN.replace("1 July", "1 June").replace("NOK 38 million", "NOK 38 billion")
    assert kinds(check_translation(source, broken)) == [
        ("number_scale", "38 mill."),
        ("number_missing", "1. juli"),
    ]


def test_identical_or_english_text_is_never_flagged():
    text = "Volumes rose by 7 per cent to 250,000 units, said Ingvild Sæther."
    assert check_translation(text, text) == []
    assert check_translation(text, "Something else entirely.", language="en") == []


def test_english_quote_kept_verbatim_is_not_read_as_norwegian():
    quote = '"We paid 1,400 dollars to Nordvolt for two of them," he said.'
    source = f"Fondet kommenterte kjøpet onsdag.\n{quote}"
    translation = f"The fund commented on the purchase on Wednesday.\n{quote}"
    assert check_translation(source, translation) == []


def test_order_of_appearance_and_no_duplicates():
    source = "Ola Nordmann betalte 90 kroner. Etterpå betalte Nordmann 90 kroner og 2027 kroner."
    checks = check_translation(source, "Someone paid a little, twice.")
    assert kinds(checks) == [
        ("name_missing", "Ola Nordmann"),
        ("number_missing", "90"),
        ("number_missing", "2027"),
    ]


def test_to_dict():
    check = Check("translate", "number_missing", "90", 'source has "90", translation does not')
    assert check.to_dict() == {
        "stage": "translate",
        "kind": "number_missing",
        "value": "90",
        "message": 'source has "90", translation does not',
    }


def test_adversarial_input_is_fast():
    rng = random.Random(11)
    source = "".join(rng.choice("0123456789 ,") for _ in range(20_000))
    translation = "".join(rng.choice("0123456789 ,") for _ in range(20_000))
    start = time.perf_counter()
    check_translation(source, translation)
    check_summary(translation, source)
    assert time.perf_counter() - start < 0.5
