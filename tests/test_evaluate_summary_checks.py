"""The measuring script for the summary checks, on a slice of the shared NorSumm data."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import evaluate_summary_checks as tool  # noqa: E402

DATA = tool.default_data()
pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="no ../shared/data/norsumm")

ARTICLE = (
    "Kristin Halvorsen (SV) møtte Siv Jensen i Oslo. Der sa Halvorsen at 20 prosent av "
    "skolene får 1,5 milliarder kroner."
)
SUMMARY = "Halvorsen møtte Jensen. Hun sa at 20 prosent av skolene får mer."


@pytest.fixture(scope="module")
def report() -> dict:
    return tool.evaluate(DATA, languages=("nb",), limit=8)


def test_report_has_every_figure(report):
    part = report["nb"]
    alarms = part["alarms"]
    assert alarms["summaries"] == 24
    assert 0 <= alarms["false_alarm_rate"] <= alarms["alarm_rate"] <= 1
    assert set(part["recall"]) == {"name", "figure"}
    assert part["timing"]["summaries"] == 24
    json.dumps(report)  # the --json output


def test_injected_errors_are_caught_far_more_often_than_human_summaries_alarm(report):
    clean = report["nb"]["alarms"]["alarm_rate"]
    for kind in ("name", "figure"):
        result = report["nb"]["recall"][kind]
        assert result["injected"] >= 10
        assert result["recall"] > max(0.7, 2 * clean)


def test_an_injected_name_comes_from_another_article_and_replaces_one_of_this_one():
    pool = tool.name_runs("I går møtte Erna Solberg og Jonas Gahr Støre på Stortinget i Oslo.")
    assert pool == [("Erna", "Solberg"), ("Jonas", "Gahr", "Støre"), ("Stortinget",), ("Oslo",)]
    changed, new = tool.inject_name(SUMMARY, ARTICLE, pool, random.Random(1))
    assert new == "Stortinget"  # one word for one word, and not "Oslo", which the article has
    assert changed in (SUMMARY.replace("Halvorsen", new), SUMMARY.replace("Jensen", new))


def test_an_injected_figure_is_one_digit_off_a_figure_the_article_has():
    changed, new = tool.inject_figure(SUMMARY, ARTICLE, "nb", random.Random(1))
    assert new.endswith(" prosent") and changed == SUMMARY.replace("20 prosent", new)
    assert sum(a != b for a, b in zip(new[:2], "20", strict=True)) == 1


def test_every_label_says_why():
    for label in json.loads(tool.LABELS.read_text(encoding="utf-8")):
        assert isinstance(label["real"], bool) and label["note"]
        assert label["language"] in ("nb", "nn")
