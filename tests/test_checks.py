"""Checks on translations and summaries: lost, changed, rescaled and invented figures, lost
names; each saying where it is, with exact spans for highlighting."""

from __future__ import annotations

import json
import random
import time

import pytest

from pipeline.faithfulness import (
    Check,
    SentencePair,
    check_summary,
    check_translation,
    pair_paragraphs,
)
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


def check(source: str | list[str], target: str | list[str], language: str = "nb") -> list[Check]:
    """Checks of one paragraph given as aligned sentences (or one sentence each)."""
    sources = [source] if isinstance(source, str) else source
    targets = [target] if isinstance(target, str) else target
    pairs = [SentencePair(0, s, t) for s, t in zip(sources, targets, strict=True)]
    return check_translation(pairs, language)


def test_correct_translation_of_seed_article_has_no_checks(seed):
    assert check_translation(pair_paragraphs(seed, SEED_EN), "nb") == []


def test_faithful_summary_has_no_checks():
    assert check_summary(SEED_EN, SEED_SUMMARY) == []


def test_dropped_number_says_where_it_is(seed):
    broken = SEED_EN.replace("more than 90 minutes", "over an hour and a half")
    pairs = pair_paragraphs(seed, broken)
    checks = check_translation(pairs, "nb")
    assert kinds(checks) == [("number_missing", "90")]
    found = checks[0]
    assert (found.stage, found.severity, found.paragraph, found.sentence) == (
        "translate",
        "warning",
        1,
        1,
    )
    assert found.source == pairs[1].source and found.target == pairs[1].target
    assert found.source[slice(*found.source_span)] == "90"
    assert found.target_span is None
    assert found.message == "The figure 90 in paragraph 2, sentence 1 is not in the translation."


def test_billion_trillion_slip_is_an_error_with_both_spans(seed):
    broken = SEED_EN.replace("8.8 trillion", "8.8 billion")
    checks = check_translation(pair_paragraphs(seed, broken), "nb")
    assert kinds(checks) == [("number_scale", "8,8 billioner")]
    found = checks[0]
    assert found.severity == "error"
    assert found.target[slice(*found.target_span)] == "8.8 billion"
    assert found.message == (
        'The figure 8.8 trillion ("8,8 billioner") in paragraph 8, sentence 1 is 8.8 billion in '
        "the translation, 1,000 times too small."
    )


@pytest.mark.parametrize(
    ("source", "target", "value", "stand_in"),
    [
        ("Prisen steg til 3,75 kroner.", "The price rose to 3.79 kroner.", "3,75", "3.79"),
        ("Det kom 12 500 mennesker.", "12,600 people came.", "12 500", "12,600"),
        (
            "Vedtaket kom 21. august.",
            "The decision came on 21 September.",
            "21. august",
            "21 September",
        ),
        ("De to ble valgt i 2019.", "The two were elected in 2018.", "2019", "2018"),
        # A figure given twice and translated once changed: the second is the changed one.
        (
            "Han scoret 60 mål, og 60 er rekord.",
            "He scored 60 goals, and 64 is a record.",
            "60",
            "64",
        ),
        # A conversion the translator added must agree with the source.
        ("Han veide 16 kg.", "He weighed 36 pounds (76 kg).", "16", "76"),
    ],
)
def test_changed_figure_is_an_error(source, target, value, stand_in):
    checks = check(source, target)
    assert [(c.kind, c.severity) for c in checks] == [("number_changed", "error")]
    found = checks[0]
    assert found.source[slice(*found.source_span)] == found.value
    assert value in found.value
    assert found.target[slice(*found.target_span)] == stand_in


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Formuen er 2,3 milliarder dollar.", "His fortune is $2.3 million."),
        ("Formuen er 2,3 milliarder dollar.", "His fortune is $2.3 trillion."),
        ("Det koster 8,8 billioner yen.", "It costs 8.8 billion yen."),
        ("Tanken rommer 8,7 millioner liter.", "The tank holds 2.3 billion gallons."),
        ("Skattene var på milliarder av kroner.", "The taxes ran to millions of kroner."),
    ],
)
def test_scale_word_swapped_is_an_error(source, target):
    assert [(c.kind, c.severity) for c in check(source, target)] == [("number_scale", "error")]


def test_invented_figure_in_summary_is_flagged():
    summary = SEED_SUMMARY.replace("this week.", "this week with 35 officials.")
    checks = check_summary(SEED_EN, summary)
    assert kinds(checks) == [("number_invented", "35")]
    found = checks[0]
    assert (found.stage, found.severity, found.sentence, found.paragraph) == (
        "summarise",
        "error",
        0,
        None,
    )
    assert found.target[slice(*found.target_span)] == "35"


def test_summary_scale_slip():
    summary = SEED_SUMMARY.replace("8.8 trillion", "8.8 billion")
    checks = check_summary(SEED_EN, summary)
    assert kinds(checks) == [("number_scale", "8.8 billion")]
    assert checks[0].source is not None
    assert checks[0].source[slice(*checks[0].source_span)] == "8.8 trillion"


def test_dropped_name_is_flagged(seed):
    broken = SEED_EN.replace("the Turkish social media platform NSosyal", "a Turkish platform")
    checks = check_translation(pair_paragraphs(seed, broken), "nb")
    assert kinds(checks) == [("name_missing", "NSosyal")]
    assert checks[0].severity == "warning"
    assert checks[0].message == (
        'The name "NSosyal" in paragraph 6, sentence 1 is not in the translation.'
    )


def test_dropped_surname_is_flagged_though_the_first_name_stays():
    checks = check("Prisen gikk til Bob Dylan i 2016.", "The prize went to Bob in 2016.")
    assert kinds(checks) == [("name_missing", "Bob Dylan")]
    assert checks[0].message == (
        'The name "Bob Dylan" in paragraph 1, sentence 1 is only partly in the translation: '
        '"Dylan" is missing.'
    )
    assert check("Prisen gikk til Bob Dylan.", "The prize went to Dylan.") == []


def test_dropped_multiword_name_is_flagged_once_per_sentence():
    source = ["Møtet ble ledet av Yasar Guler.", "Etterpå snakket Guler med pressen."]
    checks = check(source, ["The meeting was chaired by the minister.", "He then spoke."])
    assert [(c.sentence, c.value) for c in checks] == [(0, "Yasar Guler"), (1, "Guler")]
    one = check(" ".join(source), "The meeting was chaired by the minister. He then spoke.")
    assert kinds(one) == [("name_missing", "Yasar Guler")]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        # genitives, accents, exonyms and country names
        (
            "Samtalen med Güler varte lenge. Baykars styre og Tyrkias regjering møttes.",
            "The talks with Guler lasted long. Baykar's board and Turkey's government met.",
        ),
        ("Han reiste fra Irak via Roma til USA.", "He travelled from Iraq via Rome to the US."),
        ("Nakatanis besøk i Köln og København", "Nakatani's visit to Cologne and Copenhagen"),
        ("Hun studerte ved Dalhousie-universitetet.", "She studied at Dalhousie University."),
        ("Sørøst-Europa og Nord-Korea", "South-eastern Europe and North Korea"),
        ("Flyet kom fra Nya Zeeland.", "The plane came from New Zealand."),
        # abbreviations that translate, and capitalised common nouns
        ("BNP økte mer enn FN ventet.", "GDP grew more than the UN expected."),
        ("Han så på TV-kanalen i en ny T-skjorte.", "He watched the TV channel in a new T-shirt."),
        ("Stjernen vant OL-gull i 2022.", "The star won Olympic gold in 2022."),
        ("Han studerte ved University of Washington.", "He studied at UW."),
        # transliteration and adjectives
        ("Krutsjov besøkte Ungarn.", "Khrushchev visited Hungary."),
        ("Grand Prix i Ungarn", "the Hungarian Grand Prix"),
        # a translated institution name: the translation has its own capitalised words
        ("Han satt i Representantenes hus.", "He sat in the House of Representatives."),
        ("Borgen heter Kirby Muxloe Borgen.", "The castle is called Kirby Muxloe Castle."),
    ],
)
def test_names_that_translation_rewrites_are_found(source, target):
    assert check(source, target) == []


@pytest.mark.parametrize(
    ("language", "source", "target", "expected"),
    [
        (
            "nn",
            "Prosjektet kostar 2,4 milliardar kroner, sa ho.",
            "The project costs NOK 2.4 billion, she said.",
            [],
        ),
        ("nn", "Tunnelen opnar klokka 14 laurdag.", "The tunnel opens at 2 pm on Saturday.", []),
        (
            "nn",
            "Ordføraren Ola Nordmann opna tunnelen.",
            "The mayor opened the tunnel.",
            [("name_missing", "Ola Nordmann")],
        ),
        (
            "nn",
            "Tunnelen er 14,3 kilometer lang.",
            "The tunnel is 14.8 kilometres long.",
            [("number_changed", "14,3")],
        ),
        (
            "da",
            "Det koster 5 mia. kr. ifølge Danmarks Statistik.",
            "It costs DKK 5 billion, according to Statistics Denmark.",
            [],
        ),
        (
            "sv",
            "Statsminister Ulf Kristersson besökte Göteborg.",
            "Prime Minister Ulf Kristersson visited Gothenburg.",
            [],
        ),
        (
            "sv",
            "Huset kostade 3,5 miljoner kronor.",
            "The house cost SEK 3.5 billion.",
            [("number_scale", "3,5 miljoner")],
        ),
        (
            "sv",
            "Statsminister Ulf Kristersson besökte Göteborg.",
            "Prime Minister Ulf visited Gothenburg.",
            [("name_missing", "Ulf Kristersson")],
        ),
    ],
)
def test_nynorsk_danish_and_swedish(language, source, target, expected):
    assert kinds(check(source, target, language)) == expected


def test_capitalised_first_words_months_and_institutions_are_not_names():
    source = (
        "Regjeringen la fram budsjettet. Mandag 1. juli møttes de i Stortinget, sa Hans "
        "Eksellense til Selvforsvarsstyrkene."
    )
    translation = (
        "The government presented the budget. On Monday July 1 they met in parliament, His "
        "Excellency told the Self-Defense Forces."
    )
    assert check(source, translation) == []


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
        ("Møtet starter klokken 12:00.", "The meeting starts at noon."),
        ("Flyet landet 21:30.", "The plane landed at 9:30."),
        ("11.20 ba politiet folk flytte seg.", "At 11:20, the police asked people to move."),
        ("Det tok tre år.", "It took three years."),
        ("Prisen ble fire ganger så høy.", "The price quadrupled."),
        ("De har 21 helelektriske fartøy.", "They have 21 all-electric vessels."),
        ("Vedtaket skal fattes 21. august 2025.", "The decision is due on August 21, 2025."),
        ("Det skjedde på 1800-tallet.", "It happened in the 19th century."),
        ("Musikken fra 60-tallet", "The music of the 1960s"),
        ("Hun var i 20-årene.", "She was in her twenties."),
        ("Vinden nådde 160 km/t.", "The wind reached 100 mph."),
        ("Elva ligger 14,5 km unna.", "The river is nine miles away."),
        ("Det var 32 grader varmt.", "It was 90-degree heat."),
        ("Fossilene er 2–3 millioner år gamle.", "The fossils are two to three million years old."),
        ("Arealet er 783,562 km².", "The area is 783,562 square kilometres."),
        ("Han veide 7,7 kg.", "He weighed 17 pounds 1 ounce."),
        ("Det kostet 14,7 milliarder USD.", "It cost US$14.7 billion."),
        (
            "Ubåter ble brukt i 1. og 2. verdenskrig.",
            "Submarines were used in World War I and World War II.",
        ),
    ],
)
def test_equivalent_forms_match_their_translations(source, translation):
    assert check(source, translation) == []


def test_a_figure_is_looked_for_in_its_own_sentence_first():
    source = ["Møtet varte i 90 minutter.", "Det kom 95 personer."]
    # The 95 of the first translated sentence is the second sentence's figure, not a stand-in.
    checks = check(source, ["The meeting lasted 95 minutes.", "95 people came."])
    assert [(c.kind, c.sentence) for c in checks] == [("number_missing", 0)]
    # A figure moved to the neighbouring sentence is not missing.
    assert check(source, ["The meeting lasted long.", "95 people came in 90 minutes."]) == []


def test_errors_come_first_then_reading_order():
    source = ["Ola Nordmann kom.", "Han betalte 90 kroner.", "Prisen var 1,5 milliarder."]
    target = ["Someone came.", "He paid.", "The price was 1.5 million."]
    checks = check(source, target)
    assert [(c.severity, c.kind, c.sentence) for c in checks] == [
        ("error", "number_scale", 2),
        ("warning", "name_missing", 0),
        ("warning", "number_missing", 1),
    ]


def test_messages_count_paragraphs_and_sentences_from_one():
    pairs = [
        SentencePair(0, "Innledning.", "Introduction."),
        SentencePair(2, "Det kom 12 500.", "Many came."),
        SentencePair(2, "De betalte 300 kroner.", "They paid."),
    ]
    messages = [c.message for c in check_translation(pairs, "nb")]
    assert messages == [
        'The figure 12,500 ("12 500") in paragraph 3, sentence 1 is not in the translation.',
        "The figure 300 in paragraph 3, sentence 2 is not in the translation.",
    ]


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
    assert check_translation(pair_paragraphs(source, FERRIES_EN), "nb") == []
    broken = FERRIES_EN.replace("1 July", "1 June").replace("NOK 38 million", "NOK 38 billion")
    checks = check_translation(pair_paragraphs(source, broken), "nb")
    assert [(c.kind, c.value, c.severity) for c in checks] == [
        ("number_scale", "38 mill.", "error"),
        ("number_changed", "1. juli", "error"),
    ]
    assert checks[1].message.startswith('The date July 1 ("1. juli") in paragraph 4')


def test_kept_sentences_and_english_text_are_never_flagged():
    text = "Volumes rose by 7 per cent to 250,000 units, said Ingvild Sæther."
    assert check(text, text) == []
    assert check_translation([SentencePair(0, text, "Something else entirely.")], "en") == []
    assert check_translation([], "nb") == []


def test_english_quote_kept_verbatim_is_not_read_as_norwegian():
    quote = '"We paid 1,400 dollars to Nordvolt for two of them," he said.'
    assert check(f"Fondet sa onsdag: {quote}", f"The fund said on Wednesday: {quote}") == []


def test_older_call_with_texts_still_works():
    source = "Ola Nordmann betalte 90 kroner.\nEtterpå betalte han 2027 kroner."
    checks = check_translation(
        pair_paragraphs(source, "Someone paid.\nThen he paid 2027 kroner."), "nb"
    )
    assert [(c.kind, c.value, c.paragraph) for c in checks] == [
        ("name_missing", "Ola Nordmann", 0),
        ("number_missing", "90", 0),
    ]


def test_to_dict_is_json_with_spans_as_lists():
    found = check("Han betalte 90 kroner.", "He paid.")[0]
    data = found.to_dict()
    assert data == {
        "stage": "translate",
        "kind": "number_missing",
        "severity": "warning",
        "value": "90",
        "message": "The figure 90 in paragraph 1, sentence 1 is not in the translation.",
        "paragraph": 0,
        "sentence": 0,
        "source": "Han betalte 90 kroner.",
        "target": "He paid.",
        "source_span": [12, 14],
        "target_span": None,
    }
    assert json.loads(json.dumps(data)) == data


def test_adversarial_input_is_fast():
    rng = random.Random(11)
    source = "".join(rng.choice("0123456789 ,") for _ in range(20_000))
    translation = "".join(rng.choice("0123456789 ,") for _ in range(20_000))
    start = time.perf_counter()
    check(source, translation)
    check_summary(translation, source)
    assert time.perf_counter() - start < 0.5


def test_an_article_is_checked_in_milliseconds():
    source = parse_article(article("seed-defence-visit.txt")).body
    pairs = pair_paragraphs(source, SEED_EN)
    check_translation(pairs, "nb")
    start = time.perf_counter()
    check_translation(pairs, "nb")
    assert time.perf_counter() - start < 0.2  # ~5 ms here; generous for loaded machines
