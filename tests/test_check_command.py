"""`nordtrans check SOURCE TRANSLATION` and `pipeline.check_texts`: the checks on a translation
made elsewhere, aligned by lines or by paragraphs, in every format, with its exit codes, and no
model loaded.

Assertions are on kinds, severities, places and exit codes, not on the checks' wording (the
checks are tuned elsewhere)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import CheckReport, InputError, LanguageError, check_texts, cli

from .conftest import ROOT, article
from .test_checks import SEED_EN
from .test_review_page import Page, marks, seed_result

MT = ROOT.parent / "shared" / "data" / "mt" / "nb-en"
# "Vidal har deltatt i 49 kamper ..." is the 7th line of FLORES dev.
CHANGED = ("49 matches", "48 matches")
DROPPED_FIGURE = ("more than 90 minutes", "more than an hour and a half")


def flores(name: str, count: int = 7) -> str:
    """The first `count` lines of a FLORES-200 dev file of ../shared/data/mt/nb-en."""
    path = MT / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return "".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:count])


@pytest.fixture
def pair(tmp_path) -> tuple[Path, Path]:
    """Seven lines of FLORES dev in Bokmål and what our default model made of them."""
    source, english = tmp_path / "dev.nb", tmp_path / "dev.en"
    source.write_text(flores("flores-dev.nb"), encoding="utf-8")
    english.write_text(flores("flores-dev.tc-big-gmq-en.en"), encoding="utf-8")
    return source, english


def run(*args, input: str | None = None):
    return CliRunner().invoke(cli.app, ["check", *map(str, args)], input=input)


def changed(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    out = path.with_name(f"changed-{path.name}")
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


# ---- the library --------------------------------------------------------------------------


def test_a_test_set_and_its_output_pair_line_by_line(pair):
    report = check_texts(*(p.read_text(encoding="utf-8") for p in pair))
    assert isinstance(report, CheckReport)
    assert (report.aligned, report.units, report.pairs) == ("lines", 7, 7)
    assert report.language.code == "nb" and not report.language.forced
    assert report.errors == 0


def test_a_changed_figure_is_an_error_on_its_line(pair):
    source, english = pair
    report = check_texts(source.read_text(), changed(english, *CHANGED).read_text())
    (found,) = [c for c in report.checks if c["severity"] == "error"]
    assert (found["paragraph"], found["sentence"]) == (6, 6)  # line 7
    assert found["source"][slice(*found["source_span"])] == "49"
    assert found["target"][slice(*found["target_span"])] == "48"
    assert report.errors == 1


def test_each_line_is_checked_on_its_own():
    # The figure of line 1 is lost in its translation; line 2 has it, which must not excuse it.
    source = (
        "Budsjettet øker med 45 millioner kroner.\nTil sammen 45 millioner kroner går til skolen.\n"
    )
    english = "The budget is growing.\nA total of 45 million kroner goes to the school.\n"
    report = check_texts(source, english, "nb")
    assert report.aligned == "lines"
    assert [(c["paragraph"], c["value"]) for c in report.checks] == [(0, "45 millioner")]


def test_an_empty_line_in_the_translation_is_an_error(pair):
    source, english = pair
    lines = english.read_text().split("\n")
    lines[3] = ""
    report = check_texts(source.read_text(), "\n".join(lines))
    assert report.aligned == "lines"
    (found,) = report.checks
    assert (found["kind"], found["severity"], found["paragraph"]) == (
        "translation_empty",
        "error",
        3,
    )
    assert found["source"] == source.read_text().split("\n")[3]


def test_articles_pair_by_paragraph_with_their_header_as_in_run():
    seed = article("seed-defence-visit.txt")
    english = SEED_EN.replace("\n", "\n\n")  # blank lines between the paragraphs
    report = check_texts(seed, english)
    assert (report.aligned, report.units, report.errors) == ("paragraphs", 10, 0)
    assert report.metadata == {"date": "2025-08-21"}
    assert report.pairs > report.units  # sentences paired inside paragraphs
    assert report.source.startswith("Den japanske") and report.translation == english.strip()


def test_sentences_pair_within_a_line_only_when_counts_match():
    source = "Han kom klokken 10. Hun kom klokken 12.\nDe dro 15 minutter senere."
    english = "He came at 10 and she at 12.\nThey left 15 minutes later."
    report = check_texts(source, english, "nb")
    assert [source[slice(*a.source)] for a in report.alignment] == source.split("\n")
    assert [english[slice(*a.target)] for a in report.alignment] == english.split("\n")
    english = "He came at 10. She came at 12. They left 15 minutes later."
    report = check_texts(source.replace("\n", " "), english, "nb")
    assert [english[slice(*a.target)] for a in report.alignment] == [
        "He came at 10.", "She came at 12.", "They left 15 minutes later.",
    ]  # fmt: skip


def test_check_reports_what_run_reported_on_its_own_translation(tmp_path):
    broken = SEED_EN.replace(*DROPPED_FIGURE).replace("8.8 trillion", "8.8 billion")
    result = seed_result(tmp_path, broken)
    ours = [c for c in result.checks if c["stage"] == "translate"]
    assert ours
    # The body without its header, line for line: an article is one document only if asked.
    body, english = result.source or "", result.translation or ""
    report = check_texts(body, english, "nb", align="paragraphs")
    assert report.checks == ours


def test_texts_that_do_not_align_say_where_they_part(pair):
    seed = article("seed-defence-visit.txt")
    with pytest.raises(InputError, match=r"10 paragraphs, the translation 9.*paragraph 7") as err:
        check_texts(seed, SEED_EN.replace("Possible drone procurement?\n", ""))
    assert err.value.reason == "not_aligned"
    source, english = pair
    lines = english.read_text().split("\n")
    with pytest.raises(InputError, match=r"by lines: the source has 7 lines, the translation 6.*"
                       r"line 4 of the source.*line 4 of the translation"):  # fmt: skip
        check_texts(source.read_text(), "\n".join(lines[:3] + lines[4:]))


@pytest.mark.parametrize(
    ("source", "english", "language", "reason"),
    [
        ("The budget grows by 45 million kroner this year, the minister says.",
         "Budsjettet øker med 45 millioner kroner i år, sier statsråden.", None, "swapped"),
        ("The budget grows by 45 million kroner this year, the minister says.",
         "The budget grows by 45 million kroner this year.", None, "unsupported_language"),
        ("Budsjettet øker med 45 millioner kroner i år, sier statsråden.",
         "Budsjettet øker med 45 millioner kroner i år, sier statsråden.", None,
         "translation_not_english"),
        ("Budsjettet øker.", "The budget grows.", "en", "unsupported_language"),
        ("Budsjettet øker.", "The budget grows.", "de", "unsupported_language"),
    ],
)  # fmt: skip
def test_languages_the_checks_cannot_read_are_refused(source, english, language, reason):
    with pytest.raises(LanguageError) as err:
        check_texts(source, english, language)
    assert err.value.reason == reason


def test_a_given_language_is_not_detected():
    report = check_texts(
        "Budsjettet øker med 45 prosent.", "The budget grows by 45 per cent.", "da"
    )
    assert report.language.code == "da" and report.language.forced


# ---- the command --------------------------------------------------------------------------


def test_clean_translation_exits_0_in_every_format(pair):
    for fmt in ("text", "json", "markdown", "html"):
        result = run(*pair, "--format", fmt)
        assert result.exit_code == 0, (fmt, result.output)
    data = json.loads(run(*pair, "--format", "json").stdout)
    assert {k: data[k] for k in ("aligned", "lines", "pairs", "errors", "warnings")} == {
        "aligned": "lines", "lines": 7, "pairs": 7, "errors": 0, "warnings": 0,
    }  # fmt: skip
    assert data["language"] == {"code": "nb", "confidence": data["language"]["confidence"]}


def test_errors_exit_9_in_every_format(pair):
    source, english = pair
    wrong = changed(english, *CHANGED)
    outputs = {}
    for fmt in ("text", "json", "markdown", "html"):
        result = run(source, wrong, "--format", fmt)
        assert result.exit_code == cli.EXIT_CHECK_ERRORS == 9, (fmt, result.output)
        outputs[fmt] = result.stdout
    data = json.loads(outputs["json"])
    assert data["errors"] == 1
    (error,) = [c for c in data["checks"] if c["severity"] == "error"]
    assert f"- error: {error['message']}" in outputs["text"].splitlines()
    assert f"- error: {error['message']}" in outputs["markdown"].splitlines()
    assert outputs["markdown"].startswith("# ")
    assert "## Checks" in outputs["markdown"]
    page = Page(outputs["html"])
    (n,) = [e["attrs"]["id"][len("check-") :] for e in page.find("li", cls="error")]
    assert marks(page, int(n)) == {"src": ["49"], "tgt": ["48"]}


def test_json_checks_have_the_shape_of_run(tmp_path):
    ran = seed_result(tmp_path, SEED_EN.replace(*DROPPED_FIGURE)).to_dict()
    seed = tmp_path / "seed.txt"
    seed.write_text(article("seed-defence-visit.txt"), encoding="utf-8")
    english = tmp_path / "seed.en"
    english.write_text(SEED_EN.replace(*DROPPED_FIGURE), encoding="utf-8")
    result = run(seed, english, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["aligned"], data["paragraphs"], data["errors"]) == ("paragraphs", 10, 0)
    assert data["warnings"] == len(data["checks"]) >= 1
    assert ran["checks"] and all(c.keys() == ran["checks"][0].keys() for c in data["checks"])
    assert [c["message"] for c in data["checks"]] == [
        c["message"] for c in ran["checks"] if c["stage"] == "translate"
    ]


def test_warnings_alone_exit_0(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(article("seed-defence-visit.txt"), encoding="utf-8")
    english = tmp_path / "seed.en"
    english.write_text(SEED_EN.replace(*DROPPED_FIGURE), encoding="utf-8")
    result = run(seed, english)
    assert result.exit_code == 0, result.output
    assert "- warning: " in result.stdout and "- error: " not in result.stdout


def test_one_of_the_two_can_be_stdin(pair):
    source, english = pair
    for args, text in (((source, "-"), english), (("-", english), source)):
        result = run(*args, "--format", "json", input=text.read_text(encoding="utf-8"))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["pairs"] == 7


def test_files_are_read_as_run_reads_them(pair, tmp_path):
    source, english = pair
    latin1 = tmp_path / "dev.latin1.nb"
    latin1.write_bytes(source.read_text(encoding="utf-8").encode("cp1252"))
    utf16 = tmp_path / "dev.utf16.en"
    utf16.write_text(changed(english, *CHANGED).read_text(encoding="utf-8"), encoding="utf-16")
    result = run(latin1, utf16, "--format", "json")
    assert result.exit_code == 9, result.output
    assert "not UTF-8" in result.stderr
    assert json.loads(result.stdout)["errors"] == 1


def test_text_output_says_what_was_checked_and_how(pair):
    out = run(*pair).stdout.splitlines()
    assert out[0].startswith("language: Norwegian Bokmål (nb")
    assert "translation: given, not made by nordtrans" in out
    assert "aligned: by lines: 7 lines, 7 sentence pairs" in out
    assert "checks: 0 errors, 0 warnings" in out
    assert out[-2:] == ["CHECKS", "No figure or name went missing or changed."]


def test_review_page_of_a_given_translation_claims_no_machine_translation(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(article("seed-defence-visit.txt"), encoding="utf-8")
    english = tmp_path / "seed.en"
    english.write_text(SEED_EN.replace("90", "95"), encoding="utf-8")
    result = run(seed, english, "--format", "html")
    assert result.exit_code == 9, result.output
    html = result.stdout
    page = Page(html)
    assert page.find(cls="eyebrow")[0]["text"] == "Check of a given translation"
    assert not page.find(cls="noise-banner") and not page.find(cls="summary")
    assert "machine" not in html.lower().replace("machine-readable", "")
    assert page.find(cls="tgt-head")[0]["text"] == "Translation · English (given)"
    assert len(page.find("div", cls="src")) == len(page.find("div", cls="tgt")) == 10
    facts = {e["text"] for e in page.find("dd")}
    assert "given, not made by nordtrans" in facts and "2025-08-21" in facts
    (error,) = page.find("li", cls="error")
    assert marks(page, int(error["attrs"]["id"][len("check-") :])) == {"src": ["90"], "tgt": ["95"]}


def test_review_page_by_lines_numbers_rows_by_their_line(tmp_path):
    source, english = tmp_path / "s.nb", tmp_path / "t.en"
    source.write_text(
        "Budsjettet øker med 45 millioner.\n\nTil sammen 45 millioner går til skolen."
    )
    english.write_text(
        "The budget grows by 45 million.\n\nA total of 46 million goes to the school."
    )
    result = run(source, english, "--format", "html")
    assert result.exit_code == 9, result.output
    page = Page(result.stdout)
    assert [e["text"] for e in page.find("div", cls="pnum")] == ["", "1", "3"]
    assert page.find("section", cls="by-lines")
    assert marks(page, 1) == {"src": ["45 millioner"], "tgt": ["46 million"]}


def test_a_dropped_sentence_is_labelled_on_the_review_page(tmp_path):
    source, english = tmp_path / "s.nb", tmp_path / "t.en"
    source.write_text(
        "Tillatelser må bestilles på forhånd. Du må ha en tillatelse for å overnatte ved "
        "Sirena-stasjonen.\n"
    )
    english.write_text("You must have a permit to stay overnight at Sirena station.\n")
    page = Page(run(source, english, "--format", "html").stdout)
    (check,) = page.find("li", cls="check")
    assert "Sentence missing" in check["text"]


def test_clean_review_page_says_so(pair):
    page = Page(run(*pair, "--format", "html").stdout)
    assert page.find("p", cls="all-clear")
    assert not page.find("li", cls="check")


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (("missing.nb", "{english}"), None, 3, "missing.nb: no such file"),
        (("{source}", "{short}"), None, 3, "do not align by lines"),
        (("{source}", "{english}", "--align", "paragraphs", "--max-chars", "100"), None, 3,
         "over the limit"),
        (("{english}", "{english}"), None, 4, "--language"),
        (("{source}", "{english}", "--language", "en"), None, 4, "languages: nb, nn, da, sv"),
        (("{english}", "{source}"), None, 4, "swapped"),
        (("-", "-"), "x", 2, "only one of SOURCE and TRANSLATION"),
        (("{source}", "{english}", "--format", "pdf"), None, 2, "pdf"),
        (("{source}", "{empty}"), None, 3, "translation: no text"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_with_its_exit_code(pair, tmp_path, args, stdin, code, message):
    source, english = pair
    short = tmp_path / "short.en"
    short.write_text("".join(english.read_text().splitlines(keepends=True)[:5]))
    empty = tmp_path / "empty.en"
    empty.write_text("\n\n")
    names = {"source": source, "english": english, "short": short, "empty": empty}
    result = run(*(a.format(**names) for a in args), input=stdin)
    assert result.exit_code == code, result.output
    assert message in result.output
    if code != 2:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_forced_language_error_gives_no_detection_hint(pair):
    result = run(*pair, "--language", "en")
    assert result.exit_code == 4 and "detection" not in result.stderr


def test_the_command_loads_no_model(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(article("seed-defence-visit.txt"), encoding="utf-8")
    english = tmp_path / "seed.en"
    english.write_text(SEED_EN.replace("90", "95"), encoding="utf-8")
    code = (
        "import sys, runpy; script, sys.argv = sys.argv[1], ['cli.py', 'check', *sys.argv[2:]]\n"
        "try:\n    runpy.run_path(script, run_name='__main__')\n"
        "except SystemExit as exit:\n    print('EXIT', exit.code)\n"
        "heavy = ('torch', 'transformers', 'ctranslate2')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "cli.py"), str(seed), str(english)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert "EXIT 9" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr
