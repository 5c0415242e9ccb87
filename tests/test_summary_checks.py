"""Summaries that invent nothing: names and figures of a summary that its text does not have,
flagged or dropped by the summarise stage, in every output format."""

from __future__ import annotations

import json
import sys

import msgspec
import pytest
import yaml
from typer.testing import CliRunner

from pipeline import Pipeline, check_summary, cli
from pipeline.cache import DiskCache
from pipeline.config import load_profile
from pipeline.errors import ConfigError
from pipeline.render.review_page import review_page

from .conftest import CONFIG, FakeBackend

TEXT_EN = (
    "Prime Minister Jonas Gahr Støre met Swedish Prime Minister Ulf Kristersson in Oslo on "
    "Monday.\n"
    "The two leaders agreed to spend 1.2 billion kroner on the railway between Oslo and "
    "Stockholm, Støre's office said.\n"
    "The Norwegian Public Roads Administration will build the line by 2030."
)


def kinds(checks):
    return [(c.kind, c.value) for c in checks]


# ---- check_summary ---------------------------------------------------------------------------


def test_a_faithful_summary_has_no_checks():
    summary = (
        "Mr Støre met Ulf Kristersson in Oslo on Monday. The Prime Minister's office said "
        "Norway and Sweden will spend 1.2 billion kroner on the railway. The Norwegian Public "
        "Roads Administration will build it by 2030."
    )
    assert check_summary(TEXT_EN, summary) == []


def test_an_invented_person_is_an_error_that_says_where_it_is():
    summary = "Mr Støre met Ulf Kristersson in Oslo. Angela Merkel joined them on Monday."
    checks = check_summary(TEXT_EN, summary)
    assert kinds(checks) == [("name_invented", "Angela Merkel")]
    found = checks[0]
    assert (found.stage, found.severity, found.sentence, found.paragraph) == (
        "summarise", "error", 1, None,
    )  # fmt: skip
    assert found.target[slice(*found.target_span)] == "Angela Merkel"
    assert found.message == (
        'The name "Angela Merkel" in summary sentence 2 is not in the translation.'
    )


@pytest.mark.parametrize(
    "summary",
    [
        "Støre, Norway's prime minister, met Kristersson.",  # the surname alone; genitive
        "Jonas Gahr Store met Ulf Kristersson.",  # accents
        "On Monday, the Swedish and Norwegian leaders met in Oslo.",  # calendar, nationality
        "Prime Minister Støre and Mr Kristersson agreed on the railway.",  # titles
        "The Stockholm line will be built by 2030, Støre's office said.",  # openers
        "Critics say the railway will cost more.",  # English openers are not names
    ],
)
def test_names_the_text_has_in_another_form_are_not_flagged(summary):
    assert check_summary(TEXT_EN, summary) == []


@pytest.mark.parametrize(
    ("summary", "invented"),
    [
        ("Mr Støre met Ulf Kristersson in Copenhagen.", "Copenhagen"),  # a place
        ("Støre met Kristersson and Mette Frederiksen in Oslo.", "Mette Frederiksen"),
        ("The line will be built by Equinor by 2030.", "Equinor"),  # an organisation
        ("Støre met Kristersson in Oslo, NTB reported.", "NTB"),
    ],
)
def test_invented_places_people_and_organisations_are_flagged(summary, invented):
    assert kinds(check_summary(TEXT_EN, summary)) == [("name_invented", invented)]


def test_figures_are_checked_as_before_with_names():
    summary = "Støre and Angela Merkel agreed to spend 1.2 million kroner by 2035."
    assert sorted(kinds(check_summary(TEXT_EN, summary))) == [
        ("name_invented", "Angela Merkel"),
        ("number_invented", "2035"),
        ("number_scale", "1.2 million"),
    ]


TEXT_NB = (
    "Fremskrittspartiet vil bygge ut jernbanen | Kristin Halvorsen (SV) sier nei.\n"
    "Partiet til Siv Jensen vil bruke 20 milliarder kroner på nye spor i Norge, skriver "
    "Aftenposten. SV-lederen Halvorsen mener pengene heller bør gå til skolen."
)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Frp og Siv Jensen vil bruke 20 milliarder på jernbanen, men Halvorsens parti SV "
         "sier nei.", []),  # an abbreviation of the text's party, a genitive
        ("Halvorsen mener pengene bør gå til skolen.", []),  # a name opening a sentence
        # a party's full name opening a sentence, spelled out from the text's "SV"
        ("Sosialistisk Venstreparti og Halvorsen sier nei.", []),
        ("Stoltenberg mener pengene bør gå til skolen.", [("name_invented", "Stoltenberg")]),
        ("Siv Jensen vil bruke 25 milliarder kroner, skriver VG.",
         [("number_invented", "25 milliarder"), ("name_invented", "VG")]),
    ],
)  # fmt: skip
def test_norwegian_summaries_of_norwegian_text(summary, expected):
    assert kinds(check_summary(TEXT_NB, summary, "nb")) == expected


@pytest.mark.parametrize(
    ("language", "text", "summary", "invented"),
    [
        ("da", "Mette Frederiksen besøgte Aarhus i går.", "Frederiksen og Lars Løkke besøgte "
         "Aarhus.", "Lars Løkke"),
        ("sv", "Ulf Kristersson besökte Göteborg i går.", "Kristersson besökte Göteborg och "
         "Malmö.", "Malmö"),
        ("nn", "Erna Solberg vitja Bergen i går.", "Solberg og Jonas Gahr Støre vitja Bergen.",
         "Jonas Gahr Støre"),
    ],
)  # fmt: skip
def test_danish_swedish_and_nynorsk(language, text, summary, invented):
    assert kinds(check_summary(text, summary, language)) == [("name_invented", invented)]


BOKMAL_TEXT = (
    "Høyre og Kristelig Folkeparti vil samarbeide med Fremskrittspartiet, sier Erna Solberg. "
    "Høyesterett avgjør saken i Norge."
)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # Nynorsk spellings of the Bokmål text's names are the same names
        ("Høgre og Kristeleg Folkeparti vil samarbeida med Framstegspartiet, seier Solberg. "
         "Høgsterett avgjer saka i Noreg.", []),
        ("Høgre vil samarbeida med Senterpartiet.", [("name_invented", "Senterpartiet")]),
        # Nynorsk words opening a sentence, which the Bokmål text spells otherwise
        ("Einskilde veljarar vil ha Høgre. Partifella til Solberg er samde. Veljarane òg.", []),
        ("Diarra vil samarbeida med Høgre.", [("name_invented", "Diarra")]),
    ],
)  # fmt: skip
def test_a_nynorsk_summary_of_a_bokmal_text(summary, expected):
    assert kinds(check_summary(BOKMAL_TEXT, summary, "nn")) == expected
    assert kinds(check_summary("Solberg vil samarbeide med Frp.", "Høgre vil det.", "nn")) == [
        ("name_invented", "Høgre")
    ]


def test_check_summary_is_public_and_costs_nothing_to_import():
    import subprocess

    code = (
        "import sys, pipeline; before = set(sys.modules); pipeline.check_summary; "
        "print('pipeline.faithfulness' in before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- the summarise stage: flag or drop ----------------------------------------------------------

ARTICLE = "\n".join(TEXT_EN.split("\n"))


class InventingSummariser(FakeBackend):
    """A summariser fake that writes `summary` whatever it reads."""

    def __init__(self, summary: str) -> None:
        super().__init__("sum", max_input_tokens=1024)
        self.summary = summary

    def generate(self, texts, settings):
        super().generate(texts, settings)
        return [self.summary for _ in texts]


def make_pipeline(tmp_path, summary: str, invented: str = "flag") -> Pipeline:
    profile = load_profile(CONFIG, "tiny")
    stage = msgspec.structs.replace(profile.summarise, invented=invented)
    profile = msgspec.structs.replace(profile, summarise=stage)
    backends = {"translate": FakeBackend("en"), "summarise": InventingSummariser(summary)}
    return Pipeline(profile, backends=backends, cache=DiskCache(tmp_path / "cache"))


MIXED = "Mr Støre met Ulf Kristersson in Oslo. Angela Merkel joined them on Monday."


def test_flag_keeps_the_summary_and_reports_the_invented_name(tmp_path):
    result = make_pipeline(tmp_path, MIXED).run(ARTICLE, language="en")
    assert result.summary == MIXED
    checks = [c for c in result.checks if c["stage"] == "summarise"]
    assert [(c["kind"], c["value"]) for c in checks] == [("name_invented", "Angela Merkel")]
    assert "dropped_sentences" not in result.stages["summarise"]


def test_drop_removes_the_sentences_with_invented_names_and_counts_them(tmp_path):
    result = make_pipeline(tmp_path, MIXED, "drop").run(ARTICLE, language="en")
    assert result.summary == "Mr Støre met Ulf Kristersson in Oslo."
    assert result.stages["summarise"]["dropped_sentences"] == 1
    assert [c for c in result.checks if c["stage"] == "summarise"] == []


def test_drop_of_every_sentence_leaves_an_empty_summary_and_says_why(tmp_path):
    summary = "Angela Merkel visited Berlin. The line will cost 9 billion euros."
    result = make_pipeline(tmp_path, summary, "drop").run(ARTICLE, language="en")
    assert result.summary == ""
    assert result.stages["summarise"]["dropped_sentences"] == 2
    (check,) = [c for c in result.checks if c["stage"] == "summarise"]
    assert check["kind"] == "summary_dropped"
    assert "each of its 2 sentences" in check["message"]


def test_flag_and_drop_are_cached_apart(tmp_path):
    make_pipeline(tmp_path, MIXED, "flag").run(ARTICLE, language="en")
    dropped = make_pipeline(tmp_path, MIXED, "drop").run(ARTICLE, language="en")
    assert dropped.stages["summarise"]["cached"] is False
    assert dropped.summary == "Mr Støre met Ulf Kristersson in Oslo."


def test_name_checks_show_in_every_format(tmp_path, monkeypatch, pipeline_logger):
    monkeypatch.setattr(cli, "_pipeline", lambda **_: make_pipeline(tmp_path, MIXED))
    runner = CliRunner()
    base = ["run", "-", "--language", "en"]
    as_json = json.loads(runner.invoke(cli.app, [*base, "--format", "json"], input=ARTICLE).stdout)
    assert ("name_invented", "Angela Merkel") in [(c["kind"], c["value"]) for c in
                                                   as_json["checks"]]  # fmt: skip
    message = 'The name "Angela Merkel" in summary sentence 2 is not in the translation.'
    for fmt in ("text", "markdown"):
        out = runner.invoke(cli.app, [*base, "--format", fmt], input=ARTICLE).stdout
        assert message in out
    page = runner.invoke(cli.app, [*base, "--format", "html"], input=ARTICLE).stdout
    summary_panel = page[page.index('class="panel summary"') :]
    assert message.replace('"', "&quot;") in summary_panel
    assert '<mark class="flag error"' in summary_panel.split("</p>")[0]


def test_the_review_page_says_names_are_checked_too(tmp_path):
    result = make_pipeline(tmp_path, "Mr Støre met Ulf Kristersson in Oslo.").run(
        ARTICLE, language="en"
    )
    assert "Every name and figure in the summary is in the translation." in review_page(result)


# ---- the setting in models.yaml --------------------------------------------------------------


def write_profile(tmp_path, invented):
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["profiles"]["tiny"]["summarise"]["invented"] = invented
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_setting_is_read_from_the_profile(tmp_path):
    assert load_profile(CONFIG, "tiny").summarise.invented == "flag"
    assert load_profile(write_profile(tmp_path, "drop"), "tiny").summarise.invented == "drop"


def test_an_invalid_setting_is_one_line_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_profile(write_profile(tmp_path, "hide"), "tiny")
    assert str(info.value) == (
        "models.yaml: profiles.tiny.summarise.invented: expected one of flag, drop, got 'hide'"
    )


def test_the_setting_belongs_to_the_summarise_stage_only(tmp_path):
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["profiles"]["tiny"]["translate"]["invented"] = "drop"
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"profiles\.tiny\.translate\.invented: unknown key"):
        load_profile(path, "tiny")
