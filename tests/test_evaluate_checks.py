"""The measuring script for the faithfulness checks, on a small slice of the shared data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import evaluate_checks  # noqa: E402

from tools import real_errors  # noqa: E402

DATA = evaluate_checks.default_data()
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="no ../shared/data/mt beside the repo")
LIMIT = 96  # lines per language: about 28 articles, 7 news-length documents


@pytest.fixture(scope="module")
def report() -> dict:
    return evaluate_checks.evaluate(DATA, limit=LIMIT, languages=("nb", "sv"))


def test_report_has_every_figure(report):
    for label in ("short", "long"):
        alarms = report["alarms"][label]
        assert set(alarms) == {"nb", "sv", "all"}
        assert {"human", "google", "microsoft"} <= set(alarms["nb"])
        for language in ("nb", "sv"):
            for figures in alarms[language].values():
                assert 0 <= figures["error_rate"] <= figures["alarm_rate"] <= 1
        assert set(report["recall"][label]) == set(evaluate_checks.INJECTIONS)
    assert report["timing"]["characters_median"] >= 3000
    labelled = report["labelled"]
    assert set(labelled) == {"nb", "sv", "all"}
    assert labelled["all"]["labels"] == labelled["nb"]["labels"] + labelled["sv"]["labels"]


def test_injected_errors_are_caught_far_more_often_than_clean_text_alarms(report):
    clean = report["alarms"]["short"]["all"]["human"]["alarm_rate"]
    for kind in ("figure_changed", "name_dropped"):
        result = report["recall"]["short"][kind]["all"]
        assert result["injected"] >= 5
        assert result["recall"] > max(0.6, 2 * clean)


def test_injected_errors_are_real_errors():
    source = "Han kom til Oslo 3. mai med 1,4 milliarder kroner til Bob Dylan."
    target = "He came to Oslo on 3 May with 1.4 billion kroner for Bob Dylan."
    import random

    rng = random.Random(1)
    changed = evaluate_checks.inject_figure(source, target, "nb", rng, decimal=True)
    assert changed is not None and changed != target and "1.4 billion" not in changed
    assert evaluate_checks.inject_scale(source, target, "nb", rng) == target.replace(
        "billion", "million"
    )
    ordinary = evaluate_checks.lowercase_words(["he came to the city with money for them"])
    dropped, marker = evaluate_checks.inject_name(source, target, rng, True, ordinary)
    assert (dropped, marker) == ("He came to Oslo on 3 May with 1.4 billion kroner for Bob.",
                                 "Dylan")  # fmt: skip


def test_runs_are_deterministic_and_print_json(capsys):
    args = ["--data", str(DATA), "--limit", "32", "--languages", "da", "--json"]
    assert evaluate_checks.main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert evaluate_checks.main(args) == 0
    second = json.loads(capsys.readouterr().out)
    first.pop("timing"), second.pop("timing")
    assert first == second


def test_text_report_names_its_sections(report):
    text = evaluate_checks.format_report(report)
    assert "False alarms" in text and "Recall on injected errors" in text and "Timing" in text
    assert "precision" in text and "real errors caught" in text


def test_articles_are_runs_of_one_url(tmp_path):
    metadata = tmp_path / "metadata_dev.tsv"
    metadata.write_text("URL\tdomain\na\tx\na\tx\nb\tx\nc\tx\nc\tx\nc\tx\n", encoding="utf-8")
    assert real_errors.articles(metadata) == [range(0, 2), range(2, 3), range(3, 6)]
    assert evaluate_checks.documents([range(0, 2), range(2, 3), range(3, 6)], 2) == [
        [range(0, 2), range(2, 3)],
        [range(3, 6)],
    ]


def test_precision_and_recall_count_judged_alarms_and_real_errors():
    item = real_errors.Item
    model = [
        item("nb", 3, "figure", "5", "number_changed"),  # a real error, caught
        item("nb", 7, "name", "Oslo", "name_missing"),  # a false alarm
        item("nb", 9, "name", "Krita", "name_missing"),
    ]  # also on the reference: not judged
    human = [item("nb", 9, "name", "Krita", "name_missing")]
    candidates = [item("nb", 12, "figure", "p.m.", "a.m./p.m. added")]  # a real error, missed
    labels = {("nb", 3, "figure", "5"): ("error", ""), ("nb", 7, "name", "Oslo"): ("ok", ""),
              ("nb", 9, "name", "Krita"): ("ok", ""), ("nb", 12, "figure", "p.m."): ("error", ""),
              ("da", 1, "figure", "1"): ("error", "")}  # another language: not counted  # fmt: skip
    score = real_errors.score(model, human, candidates, labels, ["nb"])
    assert (score["precision"], score["recall"]) == (0.5, 0.5)
    assert score["missed"] == ["nb 12"] and score["alarms_also_on_reference"] == 1


def test_labels_file_is_complete_and_well_formed():
    labels = real_errors.read_labels()
    assert len(labels) >= 100
    assert {verdict for verdict, _ in labels.values()} <= set(real_errors.VERDICTS)
    assert all(reason for _, reason in labels.values())  # every verdict says why


def test_a_bad_verdict_is_a_clear_error(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text("\t".join(real_errors.COLUMNS) + "\nnb\t3\tfigure\t5\tmaybe\tunsure\n")
    with pytest.raises(ValueError, match="line 2: verdict 'maybe'"):
        real_errors.read_labels(path)


def test_unlabelled_mode_lists_what_nobody_judged(tmp_path, capsys):
    empty = tmp_path / "labels.tsv"
    empty.write_text("\t".join(real_errors.COLUMNS) + "\n")
    args = ["--data", str(DATA), "--languages", "nb", "--labels", str(empty), "--unlabelled"]
    assert evaluate_checks.main(args) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows and all(len(row) == 6 and row[0] == "nb" and row[4] == "?" for row in rows)
    assert ["nb", "25", "figure", "3", "?", "number_changed"] in rows  # 5–3 became 5-4
    assert evaluate_checks.main([*args[:-3], "--unlabelled"]) == 0  # the repo's labels: all judged
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("nb")] == []
