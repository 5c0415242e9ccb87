"""Measure the faithfulness checks on real translations: precision and recall on our model's
output from hand labels, false alarms on human translations, injected errors caught, speed.

    python tools/evaluate_checks.py [--data ../shared/data/mt] [--json] [--limit N]
    python tools/evaluate_checks.py --unlabelled     # alarms and candidates nobody judged yet

Data: FLORES-200 dev for nb, da and sv with the professional English reference and real system
outputs (see the data folder's README); `tc-big-gmq-en` is our default model's own output.

- Precision and recall on the model's output come from the hand labels in `check_labels.tsv`
  (see `real_errors.py` for what a label says and how the figures are counted).
- False alarms: the reference is a faithful translation, so any check on it is a false alarm;
  reported as the share of documents with any check.
- Injected errors: errors are injected into the reference, one per document, and counted as
  caught when a check of the right family names the very sentence and figure or name:
  figure changed (one digit of a figure that source and reference share, half of them after the
  decimal point when it has one); scale swapped (million ↔ billion); name dropped (a name both
  spell the same, removed); surname dropped (of a two-word name, the second word removed).

Documents: `metadata_dev.tsv` groups the lines into articles (consecutive lines with the same
URL, 1 to 5 sentences); a short document is one article. A news-length document is 4
consecutive articles (about 14 sentences, 2,500 characters), each article a paragraph. Every
line is one sentence pair, as the pipeline's are. Everything is seeded; two runs print the same
figures (timings aside).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from pipeline.faithfulness import Check, SentencePair, check_translation  # noqa: E402
from pipeline.faithfulness.figures import same_figure  # noqa: E402
from pipeline.faithfulness.names import fold  # noqa: E402
from pipeline.faithfulness.quantities import extract_quantities  # noqa: E402
from tools import real_errors  # noqa: E402
from tools.injections import (  # noqa: E402, F401
    inject,
    inject_figure,
    inject_name,
    inject_scale,
    lowercase_words,
)

LANGUAGES = ("nb", "da", "sv")
SIZES = {"short": 1, "long": 4}  # articles per document
SEED = 11
INJECTIONS = ("figure_changed", "figure_changed_decimal", "scale_swapped", "name_dropped",
              "surname_dropped")  # fmt: skip
FAMILY = {"figure_changed": "number", "figure_changed_decimal": "number",
          "scale_swapped": "number", "name_dropped": "name", "surname_dropped": "name"}  # fmt: skip


def default_data() -> Path:
    """../shared/data/mt beside the checkout (or beside the main checkout of a worktree)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "data" / "mt"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "mt"


@dataclass(frozen=True)
class Corpus:
    """One language: source lines, the human reference, each system's output, the articles."""

    language: str
    source: list[str]
    outputs: dict[str, list[str]]  # "human" and system names → lines
    articles: list[range]  # line ranges, consecutive lines of one source article


def load(data: Path, language: str, limit: int | None = None) -> Corpus:
    """The FLORES dev files of `language`, grouped into articles by `metadata_dev.tsv`."""
    folder = data / f"{language}-en"
    source = _lines(folder / f"flores-dev.{language}", limit)
    outputs = {"human": _lines(folder / "flores-dev.en", limit)}
    for path in sorted(folder.glob("flores-dev.*.en")):
        outputs[path.name.split(".")[1]] = _lines(path, limit)
    groups = [r for r in real_errors.articles(data / "metadata_dev.tsv") if r.stop <= len(source)]
    return Corpus(language, source, outputs, groups)


def _lines(path: Path, limit: int | None) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[:limit] if limit else lines


def documents(articles: Sequence[range], size: int) -> list[list[range]]:
    """Documents of `size` consecutive articles each (the last one may have fewer)."""
    return [list(articles[k : k + size]) for k in range(0, len(articles), size)]


def lines_of(document: Sequence[range]) -> list[int]:
    """The line indices of a document, in order."""
    return [i for article in document for i in article]


def pairs_of(source: Sequence[str], target: Sequence[str],
             document: Sequence[range]) -> list[SentencePair]:  # fmt: skip
    """The document's sentence pairs, one paragraph per article."""
    return [SentencePair(p, source[i], target[i]) for p, article in enumerate(document)
            for i in article]  # fmt: skip


# ---- false alarms --------------------------------------------------------------------------


def alarm_rates(corpus: Corpus, size: int) -> dict[str, dict]:
    """Per output: documents with any check, with an error, and the checks' kinds."""
    out = {}
    human = corpus.outputs["human"]
    docs = documents(corpus.articles, size)
    for name, target in corpus.outputs.items():
        alarmed = errors = confirmed = total = 0
        kinds: dict[str, int] = {}
        for document in docs:
            lines = lines_of(document)
            checks = check_translation(pairs_of(corpus.source, target, document), corpus.language)
            alarmed += bool(checks)
            errors += any(c.severity == "error" for c in checks)
            for check in checks:
                kinds[check.kind] = kinds.get(check.kind, 0) + 1
                total += 1
                if name != "human":
                    assert check.sentence is not None  # translate checks name their sentence
                    confirmed += _reference_has(check, human[lines[check.sentence]])
        out[name] = {"documents": len(docs), "alarm_rate": alarmed / len(docs),
                     "error_rate": errors / len(docs), "checks": total, "kinds": kinds}  # fmt: skip
        if name != "human":
            out[name]["confirmed_by_reference"] = confirmed / total if total else 0.0
    return out


def _reference_has(check: Check, reference: str) -> bool:
    """Whether the human reference has what the check says the system lost (a likely real
    error of the system's rather than a false alarm)."""
    if check.kind.startswith("number"):
        wanted = [q for q in extract_quantities(check.source or "", "nb")
                  if check.source_span and q.span[0] == check.source_span[0]]  # fmt: skip
        known = extract_quantities(reference, "en")
        return any(same_figure(q, k) for q in wanted for k in known)
    from pipeline.faithfulness.presence import TargetIndex, present

    index = TargetIndex(reference)
    return all(present(word, index) for word in check.value.split() if word[:1].isupper())


# ---- injected errors (tools/injections.py) ------------------------------------------------


def recall(corpus: Corpus, size: int, kind: str, seed: int) -> dict:
    """Share of documents, with one error of `kind` injected, in which a new check of the right
    family names the injected sentence."""
    rng = random.Random(f"{seed}-{corpus.language}-{size}-{kind}")
    human = corpus.outputs["human"]
    ordinary = lowercase_words(human)
    caught = tried = exact = 0
    for document in documents(corpus.articles, size):
        lines = lines_of(document)
        candidates = []
        for i in lines:
            result = inject(kind, corpus.source[i], human[i], corpus.language, rng, ordinary)
            if result:
                candidates.append((i, *result))
        if not candidates:
            continue
        i, changed, marker = rng.choice(candidates)
        target = list(human)
        target[i] = changed
        clean = {_identity(c) for c in check_translation(
            pairs_of(corpus.source, human, document), corpus.language)}  # fmt: skip
        checks = check_translation(pairs_of(corpus.source, target, document), corpus.language)
        new = [c for c in checks
               if _identity(c) not in clean and lines[c.sentence or 0] == i]  # fmt: skip
        hits = [c for c in new if c.kind.startswith(FAMILY[kind])
                and (not marker or fold(marker) in fold(c.value + " " + c.message))]  # fmt: skip
        tried += 1
        caught += bool(hits)
        exact += any(c.kind == _EXPECTED.get(kind, c.kind) for c in hits)
    return {"injected": tried, "recall": caught / tried if tried else 0.0,
            "exact_kind": exact / tried if tried else 0.0}  # fmt: skip


_EXPECTED = {"figure_changed": "number_changed", "figure_changed_decimal": "number_changed",
             "scale_swapped": "number_scale"}  # fmt: skip


def _identity(check: Check) -> tuple:
    return (check.kind, check.sentence, check.value)


# ---- precision and recall on the model's output, from the hand labels ----------------------


def labelled(corpora: Sequence[Corpus], labels: dict, reference_labels: dict | None = None) -> dict:
    """Precision and recall on the model's output per language and pooled (`real_errors`), and
    what the alarms on the human references point at (`reference_labels`)."""
    items: dict[str, tuple[list, list, list]] = {}
    for corpus in corpora:
        model = corpus.outputs[real_errors.MODEL]
        human = corpus.outputs["human"]
        items[corpus.language] = (
            real_errors.alarms(corpus.source, model, corpus.language, corpus.articles),
            real_errors.alarms(corpus.source, human, corpus.language, corpus.articles),
            real_errors.all_candidates(corpus.source, human, model, corpus.language),
        )
    out = {lang: real_errors.score(*found, labels, [lang]) for lang, found in items.items()}
    pooled = [[item for found in items.values() for item in found[k]] for k in range(3)]
    out["all"] = real_errors.score(pooled[0], pooled[1], pooled[2], labels, list(items))
    out["all"]["reference"] = real_errors.reference_score(pooled[1], reference_labels or {})
    return out


def unlabelled_report(data: Path, labels_path: Path, languages: Sequence[str]) -> list[str]:
    """TSV rows, ready to judge, for every alarm and candidate that no label covers yet."""
    labels = real_errors.read_labels(labels_path)
    reference = real_errors.read_labels(real_errors.REFERENCE_LABELS)
    rows = []
    for language in languages:
        corpus = load(data, language)
        model = corpus.outputs[real_errors.MODEL]
        found = real_errors.alarms(corpus.source, model, language, corpus.articles)
        found += real_errors.all_candidates(corpus.source, corpus.outputs["human"], model,
                                            language)  # fmt: skip
        for item in real_errors.unlabelled(found, labels):
            rows.append(f"{item.language}\t{item.line}\t{item.family}\t{item.value}\t?\t"
                        f"{item.note}")  # fmt: skip
        human = real_errors.alarms(corpus.source, corpus.outputs["human"], language,
                                   corpus.articles)  # fmt: skip
        for item in real_errors.unlabelled(human, reference):
            rows.append(f"{item.language}\t{item.line}\t{item.family}\t{item.value}\t?\t"
                        f"on the reference: {item.note}")  # fmt: skip
    return rows


# ---- timing --------------------------------------------------------------------------------


def timing(corpora: Sequence[Corpus], characters: int = 3000, repeats: int = 9) -> dict:
    """Warm milliseconds for the checks on documents of about `characters` characters of source
    (consecutive articles, paired with the model's output): the median over the documents of
    each one's median run."""
    medians = []
    sizes = []
    for corpus in corpora:
        target = corpus.outputs.get(real_errors.MODEL, corpus.outputs["human"])
        document: list[range] = []
        total = 0
        for article in corpus.articles:
            document.append(article)
            total += sum(len(corpus.source[i]) + 1 for i in article)
            if total < characters:
                continue
            pairs = pairs_of(corpus.source, target, document)
            check_translation(pairs, corpus.language)  # warm: patterns compiled, tables built
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                check_translation(pairs, corpus.language)
                runs.append((time.perf_counter() - start) * 1000)
            medians.append(statistics.median(runs))
            sizes.append(total)
            document, total = [], 0
    return {"documents": len(medians), "characters_median": statistics.median(sizes),
            "ms_median": statistics.median(medians), "ms_max": max(medians)}  # fmt: skip


# ---- the report ----------------------------------------------------------------------------


def evaluate(data: Path, limit: int | None = None, seed: int = SEED,
             languages: Sequence[str] = LANGUAGES,
             labels_path: Path = real_errors.LABELS) -> dict:  # fmt: skip
    """Every figure of the report, as a JSON-serialisable dict."""
    corpora = [load(data, language, limit) for language in languages]
    report: dict = {"data": str(data), "seed": seed, "alarms": {}, "recall": {}}
    labels = real_errors.read_labels(labels_path)
    reference = real_errors.read_labels(real_errors.REFERENCE_LABELS)
    report["labelled"] = labelled(corpora, labels, reference)
    for label, size in SIZES.items():
        alarms = {c.language: alarm_rates(c, size) for c in corpora}
        report["alarms"][label] = alarms | {"all": _pooled(alarms)}
        report["recall"][label] = {
            kind: _pool_recall({c.language: recall(c, size, kind, seed) for c in corpora})
            for kind in INJECTIONS
        }
    report["timing"] = timing(corpora)
    return report


def _pooled(alarms: dict[str, dict]) -> dict:
    """The human reference's rates over all languages, weighted by documents."""
    docs = sum(a["human"]["documents"] for a in alarms.values())
    rate = sum(a["human"]["alarm_rate"] * a["human"]["documents"] for a in alarms.values())
    errors = sum(a["human"]["error_rate"] * a["human"]["documents"] for a in alarms.values())
    return {"human": {"documents": docs, "alarm_rate": rate / docs, "error_rate": errors / docs}}


def _pool_recall(per_language: dict[str, dict]) -> dict:
    tried = sum(r["injected"] for r in per_language.values())
    caught = sum(r["recall"] * r["injected"] for r in per_language.values())
    exact = sum(r["exact_kind"] * r["injected"] for r in per_language.values())
    return {"all": {"injected": tried, "recall": caught / tried if tried else 0.0,
                    "exact_kind": exact / tried if tried else 0.0}} | per_language  # fmt: skip


def _ratio(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def format_labelled(labelled: dict) -> list[str]:
    """The precision/recall table on the model's output."""
    lines = [f"Our model ({real_errors.MODEL}) on FLORES dev, judged by hand "
             f"(tools/{real_errors.LABELS.name}):",
             f"  {'':<4}{'precision':>18}{'real errors caught':>22}{'labels':>8}"
             f"{'unlabelled':>12}"]  # fmt: skip
    for lang, r in labelled.items():
        lines.append(
            f"  {lang:<4}{_ratio(r['precision']):>9}"
            f" ({r['alarms_real']:>2}/{r['alarms_judged']:>2})"
            f"{_ratio(r['recall']):>13} ({r['real_errors_caught']:>2}/{r['real_errors']:>2})"
            f"{r['labels']:>8}{r['unlabelled_alarms'] + r['unlabelled_candidates']:>12}"
        )
    pooled = labelled["all"]
    lines.append(
        f"  alarms on the model's output: {pooled['alarms']}, of which "
        f"{pooled['alarms_also_on_reference']} also on the reference (not judged) and "
        f"{pooled['alarms_artefact']} on publishing artefacts; candidates from the reference "
        f"diff: {pooled['candidates']}; real errors of wording outside the checks: "
        f"{pooled['other_errors']}"
    )
    if pooled["missed"]:
        lines.append("  missed: " + ", ".join(pooled["missed"]))
    ref = pooled["reference"]
    lines.append(
        f"  alarms on the human references: {ref['alarms']}, of which {ref['differs']} point at "
        f"a real difference between source and reference and {ref['false']} are false "
        f"(tools/{real_errors.REFERENCE_LABELS.name}; {ref['unlabelled']} unlabelled)"
    )
    return lines


def format_report(report: dict) -> str:
    """The report as text: the labelled figures, false alarms, injected errors, timing."""
    lines = [f"data: {report['data']}  seed: {report['seed']}", ""]
    lines += format_labelled(report["labelled"])
    lines.append("")
    lines.append("Human translations with any alarm (share of documents):")
    for label, size in SIZES.items():
        alarms = report["alarms"][label]
        per = "  ".join(f"{lang} {a['human']['alarm_rate']:>5.1%} of {a['human']['documents']}"
                        for lang, a in alarms.items() if lang != "all")  # fmt: skip
        noun = "article" if size == 1 else f"{size} articles"
        lines.append(f"  {label + ' (' + noun + ')':<22}{per}   all "
                     f"{alarms['all']['human']['alarm_rate']:.1%}")  # fmt: skip
    lines.append("")
    for label, size in SIZES.items():
        alarms = report["alarms"][label]
        languages = [k for k in alarms if k != "all"]
        lines.append(f"False alarms: documents of {size} article(s) with any check ({label})")
        lines.append(f"  {'output':<15}" + "".join(f"{lang:>14}" for lang in languages))
        outputs = sorted({o for lang in languages for o in alarms[lang]},
                         key=lambda o: (o != "human", o))  # fmt: skip
        for output in outputs:
            cells = []
            for lang in languages:
                a = alarms[lang].get(output)
                cells.append(f"{a['alarm_rate']:>7.1%} ({a['documents']:>3})" if a else " " * 14)
            lines.append(f"  {output:<15}" + "".join(f"{c:>14}" for c in cells))
        pooled = alarms["all"]["human"]
        lines.append(
            f"  human, all languages: {pooled['alarm_rate']:.1%} of "
            f"{pooled['documents']} documents (errors only: {pooled['error_rate']:.1%})"
        )
        lines.append(
            "  system checks whose figure or name the human reference has (likely real "
            "errors of the system):"
        )
        for output in outputs[1:]:
            cells = []
            for lang in languages:
                a = alarms[lang].get(output)
                cells.append(f"{a['confirmed_by_reference']:.0%} of {a['checks']}" if a else "")
            lines.append(f"  {output:<15}" + "".join(f"{c:>14}" for c in cells))
        lines.append("")
        lines.append(f"Recall on injected errors ({label}): caught / injected documents")
        for kind in INJECTIONS:
            r = report["recall"][label][kind]
            per = "  ".join(f"{lang} {r[lang]['recall']:.2f}" for lang in languages)
            lines.append(
                f"  {kind:<24}{r['all']['recall']:>6.2f} of {r['all']['injected']:>4}"
                f"  (right kind {r['all']['exact_kind']:.2f})   {per}"
            )
        lines.append("")
    t = report["timing"]
    lines.append(
        f"Timing: {t['ms_median']:.1f} ms warm (median over {t['documents']} documents of "
        f"{t['characters_median']:.0f} characters; slowest {t['ms_max']:.1f} ms)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--limit", type=int, help="use only the first N lines of each file")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--labels", type=Path, default=real_errors.LABELS,
                        help="the hand labels (TSV)")  # fmt: skip
    parser.add_argument("--unlabelled", action="store_true",
                        help="list the alarms and candidates nobody judged yet (TSV)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"no data folder at {args.data} (pass --data)")
    if not args.labels.is_file():
        parser.error(f"no labels file at {args.labels} (pass --labels)")
    languages = args.languages.split(",")
    if args.unlabelled:
        out("\n".join(unlabelled_report(args.data, args.labels, languages)))
        return 0
    report = evaluate(args.data, args.limit, args.seed, languages, args.labels)
    out(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
