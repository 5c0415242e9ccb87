"""Precision and recall of the faithfulness checks on our model's real output, from hand labels.

The labels (`check_labels.tsv` beside this file) judge, by hand against the source and the human
reference, every alarm the checks raise on the model's FLORES-200 dev output and every candidate
error a reference diff turns up. A row is keyed by what survives tuning: language, line
(1-based in the FLORES files), family ("figure", "name" or "sentence") and value (the source's
text of the figure, name or sentence an alarm names, or the text a candidate points at).
Verdicts:

- `error`: a real error of the model's translation (a figure, time, unit, currency or name
  changed, dropped or invented; a sentence dropped with its name);
- `ok`: the translation is faithful there (the alarm is a false alarm, the candidate no error);
- `artefact`: a `?` in the published output stands for a lost character: counted neither way;
- `other`: a real error, but of wording rather than figures or names (a job title changed):
  listed, outside recall, since no check here is meant to see it;
- `differs` (reference labels only): the source and the human reference really differ there.

Precision: of the model alarms that the human reference does not also raise at the same place
(language, line, family and value), the share labelled `error`. Recall: of the lines with a
real error, the share on which a model alarm labelled `error` fires. Counting lines rather than
rows keeps one error from counting twice (a dropped first sentence is a `sentence` row and a
`name` row for the name it held); no line of the dev set has two unrelated errors.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.faithfulness import Check, SentencePair, check_translation
from pipeline.faithfulness.figures import same_figure
from pipeline.faithfulness.presence import TargetIndex, present
from pipeline.faithfulness.quantities import Quantity, extract_quantities
from pipeline.text.sentences import split_sentences

LABELS = Path(__file__).resolve().parent / "check_labels.tsv"
# The alarms on the human references, judged the same way: `differs` when the Nordic source and
# the English original really say different things (FLORES translated both from English), `ok`
# when the reference is faithful and the alarm false.
REFERENCE_LABELS = Path(__file__).resolve().parent / "check_labels_reference.tsv"
MODEL = "tc-big-gmq-en"
VERDICTS = ("error", "ok", "artefact", "other", "differs")
COLUMNS = ("language", "line", "family", "value", "verdict", "reason")


@dataclass(frozen=True)
class Item:
    """Something to judge: an alarm or a candidate error, at one line of one language."""

    language: str
    line: int  # 1-based, as in the FLORES files
    family: str  # "figure" or "name"
    value: str
    note: str  # the check's kind or the candidate's reason, for the annotator

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.language, self.line, self.family, self.value)


def family(check: Check) -> str:
    """ "name", "sentence" or "figure" (number_* checks): the first part of the kind."""
    head = check.kind.split("_")[0]
    return head if head in ("name", "sentence") else "figure"


def read_labels(path: Path = LABELS) -> dict[tuple[str, int, str, str], tuple[str, str]]:
    """(language, line, family, value) → (verdict, reason); a clear error on a bad row."""
    labels = {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(rows, start=2):
            if row["verdict"] not in VERDICTS:
                raise ValueError(f"{path.name} line {number}: verdict {row['verdict']!r}")
            key = (row["language"], int(row["line"]), row["family"], row["value"])
            labels[key] = (row["verdict"], row["reason"])
    return labels


def articles(metadata: Path) -> list[range]:
    """Line ranges (0-based) of the articles: consecutive lines with the same source URL."""
    urls = [line.split("\t")[0] for line in metadata.read_text(encoding="utf-8").splitlines()[1:]]
    out: list[range] = []
    start = 0
    for i in range(1, len(urls) + 1):
        if i == len(urls) or urls[i] != urls[start]:
            out.append(range(start, i))
            start = i
    return out


def alarms(source: Sequence[str], target: Sequence[str], language: str,
           groups: Iterable[range]) -> list[Item]:  # fmt: skip
    """Every check on `target`, article by article, as items keyed for the labels."""
    out = []
    for lines in groups:
        pairs = [SentencePair(0, source[i], target[i]) for i in lines]
        for check in check_translation(pairs, language):
            assert check.sentence is not None  # translation checks name their sentence
            line = lines.start + check.sentence + 1
            out.append(Item(language, line, family(check), check.value, check.kind))
    return out


# ---- candidates from a reference diff ------------------------------------------------------

_CURRENCY = re.compile(
    r"[$£€¥]|\b(?:dollars?|euros?|pounds?|kroner|kronor|krona|krone|yen|yuan|francs?|rupees?"
    r"|NOK|SEK|DKK|USD|EUR|GBP)\b",
    re.IGNORECASE,
)
_AMPM = re.compile(r"\b[ap]\.?m\.?(?![a-z])", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![.!?] )(?<!^)\b[A-ZÆØÅÄÖ][\w'’-]+")


def _figures(text: str, language: str) -> list[Quantity]:
    """The figures a reader relies on: not small words ("one", "first"), which rephrase freely."""
    return [q for q in extract_quantities(text, language)
            if not q.spelled or q.scaled or q.kind == "time"]  # fmt: skip


def candidates(language: str, line: int, source: str, reference: str, output: str) -> list[Item]:
    """What may be a real error of `output`, found by comparing it with the reference: a figure,
    time, date, unit, currency or name that source and reference share and the output lacks or
    changes, or one the output has and neither the source nor the reference does."""
    src, ref, out = (_figures(source, language), _figures(reference, "en"),
                     _figures(output, "en"))  # fmt: skip
    items = []
    for q in ref:
        if any(same_figure(s, q) for s in src) and not any(same_figure(q, o) for o in out):
            items.append(Item(language, line, "figure", q.text, "in source and reference only"))
    for q in out:
        if not any(same_figure(s, q) for s in src) and not any(same_figure(q, r) for r in ref):
            items.append(Item(language, line, "figure", q.text, "in the output only"))
    if not _AMPM.search(reference):
        for match in _AMPM.finditer(output):
            items.append(Item(language, line, "figure", match.group(), "a.m./p.m. added"))
    known = {c.lower() for c in _CURRENCY.findall(reference + " " + source)}
    for word in _CURRENCY.findall(output):
        if word.lower() not in known:
            items.append(Item(language, line, "figure", word, "currency added"))
    counts = [len(split_sentences(text, lang)) for text, lang in
              ((source, language), (reference, "en"), (output, "en"))]  # fmt: skip
    if counts[2] < counts[0] <= counts[1]:  # the output merged or lost a sentence
        items.append(Item(language, line, "sentence", f"{counts[2]} of {counts[0]} sentences",
                          "fewer sentences than source and reference"))  # fmt: skip
    source_index, output_index = TargetIndex(source), TargetIndex(output)
    for match in _CAPITALISED.finditer(reference):
        word = re.sub(r"['’]s$", "", match.group())
        if len(word) >= 3 and present(word, source_index) and not present(word, output_index):
            items.append(Item(language, line, "name", word, "in source and reference only"))
    return items


def all_candidates(source: Sequence[str], reference: Sequence[str], output: Sequence[str],
                   language: str) -> list[Item]:  # fmt: skip
    """`candidates` for every line of one language."""
    return [item for i, lines in enumerate(zip(source, reference, output, strict=True))
            for item in candidates(language, i + 1, *lines)]  # fmt: skip


# ---- scoring -------------------------------------------------------------------------------


def score(model_alarms: list[Item], human_alarms: list[Item], cands: list[Item],
          labels: dict, languages: Iterable[str]) -> dict:  # fmt: skip
    """Precision, recall and what is left to label, for `languages` pooled."""
    wanted = set(languages)
    mine = {k: v for k, v in labels.items() if k[0] in wanted}
    on_reference = {a.key for a in human_alarms}
    judged = [a for a in model_alarms if a.key not in on_reference]
    verdicts = [labels.get(a.key, ("unlabelled", ""))[0] for a in judged]
    true = verdicts.count("error")
    false = verdicts.count("ok")
    errors = {k[:2] for k, (verdict, _) in mine.items() if verdict == "error"}
    caught = {a.key[:2] for a in model_alarms if labels.get(a.key, ("",))[0] == "error"}
    unlabelled_alarms = [a for a in model_alarms if a.key not in labels]
    unlabelled_candidates = [c for c in cands if c.key not in labels]
    return {
        "alarms": len(model_alarms),
        "alarms_also_on_reference": len(model_alarms) - len(judged),
        "alarms_judged": true + false,
        "alarms_real": true,
        "alarms_artefact": verdicts.count("artefact"),
        "precision": true / (true + false) if true + false else None,
        "real_errors": len(errors),
        "real_errors_caught": len(errors & caught),
        "recall": len(errors & caught) / len(errors) if errors else None,
        "missed": sorted(f"{k[0]} {k[1]}" for k in errors - caught),
        "other_errors": sum(1 for verdict, _ in mine.values() if verdict == "other"),
        "labels": len(mine),
        "candidates": len(cands),
        "unlabelled_alarms": len(unlabelled_alarms),
        "unlabelled_candidates": len(unlabelled_candidates),
    }


def unlabelled(items: Iterable[Item], labels: dict) -> list[Item]:
    """The items no label judges yet, in file order."""
    seen = set()
    out = []
    for item in items:
        if item.key not in labels and item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return sorted(out, key=lambda i: (i.language, i.line, i.family, i.value))


def reference_score(human_alarms: list[Item], labels: dict) -> dict:
    """How many alarms on the human references point at a real difference between the source
    and the reference (`differs`), how many are false (`ok`), how many nobody judged."""
    verdicts = [labels.get(a.key, ("unlabelled", ""))[0] for a in human_alarms]
    return {"alarms": len(human_alarms), "differs": verdicts.count("differs"),
            "false": verdicts.count("ok"), "unlabelled": verdicts.count("unlabelled")}  # fmt: skip
