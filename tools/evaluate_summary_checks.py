"""Measure the summary checks on human summaries: false alarms and caught inventions.

    python tools/evaluate_summary_checks.py [--data ../shared/data/norsumm/NorSumm_dev.json]
        [--mt ../shared/data/mt] [--json] [--list] [--seed N] [--languages nb,nn,en] [--limit N]

Data: NorSumm (Norwegian news articles, three human summaries each in Bokmål and in Nynorsk;
see the data folder's README). Each summary is checked against its article with
`check_summary(article, summary, language)`. A person's summary invents next to nothing, so a
check there is nearly always a false alarm; the checks that point to something the person did
add (a fact from outside the article, a wrong date) are labelled "real" by hand in
`summary_check_labels.json` beside this script, and counted apart. `--list` prints every check
with its label, to label new ones.

Errors are then injected into the human summaries, one per summary that has room for it, and
counted as caught when a new check of the right kind names the injected sentence (three
draws per summary, each injected alone):

- name: a name of the article in the summary (a run of capitalised words the article writes
  capitalised inside its sentences and never in lower case) replaced by a name with as many
  words from another article, which this article does not have;
- figure: one digit of a figure the summary shares with its article changed, so that the
  article no longer has it.

The summaries of the Nynorsk side summarise Bokmål articles: their figures are a second,
harder measure (the name forms differ between the two written standards).

English (`en`, from `--mt`, FLORES-200 dev nb→en): no English summaries written by people are
at hand, so the "summaries" are three sentences of a machine translation (Google's) checked
against the human translation of the same 16-sentence document: the same facts in other
words, a harder test than a summariser that copies its text. Some of its checks are real
errors of the machine translation; they are not labelled.

Seeded; two runs print the same figures, apart from the timing.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from pipeline.faithfulness import Check, check_summary  # noqa: E402
from pipeline.faithfulness.figures import same_figure  # noqa: E402
from pipeline.faithfulness.names import fold  # noqa: E402
from pipeline.faithfulness.quantities import extract_quantities  # noqa: E402
from pipeline.faithfulness.summary import _nationality, summary_sentences  # noqa: E402

LANGUAGES = ("nb", "nn", "en")
MT_DOCUMENT = 16  # sentences of a FLORES document (see tools/evaluate_checks.py)
MT_SYSTEM = "google"
SEED = 23
ROUNDS = 3  # injections tried per summary (each its own draw), for steadier figures
REPEATS = 5  # timings per summary, of which the median counts
INJECTIONS = ("name", "figure")
KINDS = {"name": ("name_invented",), "figure": ("number_invented", "number_scale")}
LABELS = Path(__file__).resolve().with_name("summary_check_labels.json")


def default_data() -> Path:
    """../shared/data/norsumm/NorSumm_dev.json beside the checkout (or the main checkout)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "data" / "norsumm" / "NorSumm_dev.json"
        if candidate.is_file():
            return candidate
    return ROOT.parent / "shared" / "data" / "norsumm" / "NorSumm_dev.json"


def default_mt() -> Path:
    """../shared/data/mt beside the checkout (or the main checkout)."""
    return default_data().parent.parent / "mt"


def load(path: Path) -> list[dict]:
    """The records: id, article, summaries_nb, summaries_nn."""
    return json.loads(path.read_text(encoding="utf-8"))


def load_mt(folder: Path) -> list[dict]:
    """English records in NorSumm's shape: the human translation of each FLORES document of
    16 sentences as the article, runs of three machine-translated sentences as summaries."""
    human = (folder / "nb-en" / "flores-dev.en").read_text(encoding="utf-8").splitlines()
    machine = (folder / "nb-en" / f"flores-dev.{MT_SYSTEM}.en").read_text(encoding="utf-8")
    lines = html.unescape(machine).splitlines()  # the file has "&#39;" for "'"
    records = []
    for start in range(0, len(human) - MT_DOCUMENT + 1, MT_DOCUMENT):
        runs = [" ".join(lines[k : k + 3]) for k in range(start, start + MT_DOCUMENT, 4)]
        records.append({"id": f"flores-dev-{start + 1}", "article": "\n".join(
            human[start : start + MT_DOCUMENT]), "summaries_en": [
            {f"summary{n}": run} for n, run in enumerate(runs, start=1)]})  # fmt: skip
    return records


def summaries(record: dict, language: str) -> list[str]:
    """The human summaries of `record` in `language`, in order ({"summary1": ...} items)."""
    return [text for item in record[f"summaries_{language}"] for text in item.values()]


# ---- false alarms --------------------------------------------------------------------------


def load_labels(path: Path = LABELS) -> dict[tuple, dict]:
    """Hand labels: (id, language, summary number, kind, value) → {"real": bool, "note"}."""
    if not path.is_file():
        return {}
    return {_label_key(item): item for item in json.loads(path.read_text(encoding="utf-8"))}


def _label_key(item: dict) -> tuple:
    return (item["id"], item["language"], item["summary"], item["kind"], item["value"])


def alarms(records: Sequence[dict], language: str, labels: dict[tuple, dict]) -> dict:
    """Summaries with any check, with a check not labelled real, and every check found."""
    found = []
    total = alarmed = false = 0
    for record in records:
        for number, summary in enumerate(summaries(record, language), start=1):
            checks = check_summary(record["article"], summary, language)
            total += 1
            alarmed += bool(checks)
            verdicts = []
            for check in checks:
                key = (record["id"], language, number, check.kind, check.value)
                label = labels.get(key)
                verdicts.append(None if label is None else label["real"])
                found.append({"id": record["id"], "language": language, "summary": number,
                              "kind": check.kind, "value": check.value,
                              "sentence": (check.target or "").strip(),
                              "real": verdicts[-1]})  # fmt: skip
            false += any(v is not True for v in verdicts)
    kinds: dict[str, int] = {}
    for item in found:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    real = sum(item["real"] is True for item in found)
    unlabelled = sum(item["real"] is None for item in found)
    return {"summaries": total, "alarm_rate": alarmed / total, "false_alarm_rate": false / total,
            "checks": len(found), "real": real, "unlabelled": unlabelled, "kinds": kinds,
            "found": found}  # fmt: skip


# ---- injected errors -----------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
_OPENERS = '.!?:;«"“”(|–—-•*'


def _initial(text: str, position: int) -> bool:
    """Whether the word at `position` opens a line, sentence, quote or bracket."""
    before = text[:position].rstrip(" \t")
    return not before or before[-1] in _OPENERS or before[-1] == "\n"


def name_words(article: str) -> set[str]:
    """Folded words the article writes capitalised inside its sentences and never in lower
    case: the words of its names."""
    lower = {fold(m.group()) for m in _WORD.finditer(article) if m.group()[0].islower()}
    return {fold(m.group()) for m in _WORD.finditer(article)
            if m.group()[0].isupper() and not _initial(article, m.start())
            and m.group().isalpha() and len(m.group()) >= 2} - lower  # fmt: skip


# Capitalised, never in lower case, and still no person, place or organisation: calendar
# words (English and Nordic) and, in English, nationality adjectives ("a name" as the issue
# defines it). Folded.
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lordag",
        "sondag",
        "januar",
        "februar",
        "mars",
        "mai",
        "juni",
        "juli",
        "oktober",
        "desember",
    ]
)


def _a_name(run: tuple[str, ...]) -> bool:
    return not any(fold(w) in _CALENDAR or _nationality(fold(w)) for w in run)


def name_runs(article: str) -> list[tuple[str, ...]]:
    """The article's names as runs of name words inside its sentences ("Kristin Halvorsen")."""
    words = name_words(article)
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    last_end = -1
    for match in _WORD.finditer(article):
        word = match.group()
        inside = word[0].isupper() and fold(word) in words and not _initial(article, match.start())
        joined = current and article[last_end : match.start()] == " "
        if inside and (joined or not current):
            current.append(word)
        else:
            if current:
                runs.append(tuple(current))
            current = [word] if inside else []
        last_end = match.end()
    if current:
        runs.append(tuple(current))
    return [run for run in runs if _a_name(run)]


def _summary_runs(summary: str, words: set[str]) -> list[tuple[int, int, int, bool]]:
    """(start, end, word count, genitive) of the runs of the summary made of article name
    words, anywhere in it (a genitive -s allowed on the last word)."""
    out = []
    pattern = re.compile(r"[A-ZÆØÅÄÖÉ][\w’'-]*\w(?: [A-ZÆØÅÄÖÉ][\w’'-]*\w)*")
    for match in pattern.finditer(summary):
        parts = match.group().split(" ")
        genitive = fold(parts[-1]) not in words and fold(parts[-1][:-1]) in words
        bare = [*parts[:-1], parts[-1][:-1] if genitive else parts[-1]]
        if all(fold(p) in words and p.isalpha() for p in bare):
            out.append((match.start(), match.end(), len(parts), genitive))
    return out


def inject_name(summary: str, article: str, pool: Sequence[tuple[str, ...]], rng: random.Random):
    """(summary with one of its article's names replaced by a foreign one, the new name), or
    None when the summary has no name of its article or the pool no name to put there."""
    runs = _summary_runs(summary, name_words(article))
    if not runs:
        return None
    start, end, count, genitive = rng.choice(runs)
    present = {part for m in _WORD.finditer(article + " " + summary)
               for part in fold(m.group()).split("-")}  # fmt: skip
    taken = present | {f"{word}s" for word in present}  # not even as a genitive
    choices = [run for run in pool if len(run) == count
               and not any(fold(w) in taken or f"{fold(w)}s" in present for w in run)]  # fmt: skip
    if not choices:
        return None
    new = " ".join(rng.choice(choices)) + ("s" if genitive else "")
    return summary[:start] + new + summary[end:], new


def inject_figure(summary: str, article: str, language: str, rng: random.Random):
    """(summary with one digit of a figure it shares with the article changed, the new
    figure's text), or None when it shares no written figure."""
    known = extract_quantities(article, language)
    shared = [q for q in extract_quantities(summary, language)
              if not q.spelled and any(c.isdigit() for c in q.text)
              and any(same_figure(q, k) for k in known)]  # fmt: skip
    rng.shuffle(shared)
    for q in shared:
        digits = [i for i, c in enumerate(q.text) if c.isdigit()]
        for i in rng.sample(digits, len(digits)):
            choices = [d for d in "0123456789" if d != q.text[i] and not (d == "0" and i == 0)]
            new = q.text[:i] + rng.choice(choices) + q.text[i + 1 :]
            changed = summary[: q.span[0]] + new + summary[q.span[1] :]
            after = [t for t in extract_quantities(changed, language) if t.span[0] == q.span[0]]
            if after and not any(same_figure(after[0], k) for k in known):
                return changed, new
    return None


def recall(records: Sequence[dict], language: str, kind: str, seed: int) -> dict:
    """Share of summaries, with one error of `kind` injected, in which a new check of that
    kind names the injected sentence."""
    rng = random.Random(f"{seed}-{language}-{kind}")
    pools = {r["id"]: name_runs(r["article"]) for r in records} if kind == "name" else {}
    tried = caught = 0
    missed = []
    for record in records:
        pool = [run for rid, runs in pools.items() if rid != record["id"] for run in runs]
        for summary in [s for s in summaries(record, language) for _ in range(ROUNDS)]:
            article = record["article"]
            if kind == "name":
                injected = inject_name(summary, article, pool, rng)
            else:
                injected = inject_figure(summary, article, language, rng)
            if injected is None:
                continue
            changed, new = injected
            where = _sentence_of(changed, changed.index(new), language)
            clean = {_identity(c) for c in check_summary(article, summary, language)}
            hits = [c for c in check_summary(article, changed, language)
                    if _identity(c) not in clean and c.kind in KINDS[kind]
                    and c.sentence == where]  # fmt: skip
            tried += 1
            caught += bool(hits)
            if not hits:
                missed.append(new)
    return {"injected": tried, "recall": caught / tried if tried else 0.0, "missed": missed}


def _sentence_of(summary: str, position: int, language: str) -> int:
    sentences = summary_sentences(summary, language)
    return max(i for i, (offset, _) in enumerate(sentences) if offset <= position)


def _identity(check: Check) -> tuple:
    return (check.kind, check.sentence, check.value)


# ---- timing and the report -----------------------------------------------------------------


def timing(records: Sequence[dict], language: str) -> dict:
    """Warm milliseconds per `check_summary` call on each summary (the median of `REPEATS`):
    their median and the slowest."""
    pairs = [(r["article"], s) for r in records for s in summaries(r, language)]
    for article, summary in pairs:  # warm: patterns compiled, tables built
        check_summary(article, summary, language)
    runs = []
    for article, summary in pairs:  # the median of a few runs: a busy machine adds outliers
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            check_summary(article, summary, language)
            times.append((time.perf_counter() - start) * 1000)
        runs.append(statistics.median(times))
    return {"summaries": len(runs), "ms_median": statistics.median(runs), "ms_max": max(runs)}


def evaluate(
    data: Path,
    seed: int = SEED,
    languages: Sequence[str] = LANGUAGES,
    mt: Path | None = None,
    limit: int | None = None,
) -> dict:
    """Every figure of the report, as a JSON-serialisable dict (`limit`: the first articles,
    or FLORES documents, only)."""
    norsumm = load(data)[:limit]
    labels = load_labels()
    report: dict = {"data": str(data), "seed": seed, "articles": len(norsumm)}
    for language in languages:
        records = load_mt(mt or default_mt())[:limit] if language == "en" else norsumm
        report[language] = {
            "alarms": alarms(records, language, labels),
            "recall": {kind: recall(records, language, kind, seed) for kind in INJECTIONS},
            "timing": timing(records, language),
        }
    return report


def format_report(report: dict, listing: bool = False) -> str:
    lines = [f"data: {report['data']}  seed: {report['seed']}  articles: {report['articles']}"]
    for language in (k for k in report if k in ("nb", "nn", "da", "sv", "en")):
        part = report[language]
        a = part["alarms"]
        what = "machine-translated runs" if language == "en" else "human summaries"
        lines += [
            "",
            f"{language}: {what} with any check: {a['alarm_rate']:.1%} of "
            f"{a['summaries']} ({a['checks']} checks: "
            + ", ".join(f"{k} {v}" for k, v in sorted(a["kinds"].items()))
            + ")",
            f"  checks labelled real inventions of the summary's writer: {a['real']}; "
            f"unlabelled: {a['unlabelled']}",
            f"  summaries with a check not labelled real (false alarms): "
            f"{a['false_alarm_rate']:.1%}",
        ]
        for kind in INJECTIONS:
            r = part["recall"][kind]
            lines.append(f"  injected {kind} caught: {r['recall']:.2f} of {r['injected']}")
        t = part["timing"]
        lines.append(
            f"  timing: {t['ms_median']:.1f} ms per summary (median; slowest "
            f"{t['ms_max']:.1f} ms) over {t['summaries']} summaries"
        )
        if listing:
            for item in a["found"]:
                label = {True: "real", False: "false", None: "?"}[item["real"]]
                lines.append(f"    [{label}] {item['id']} #{item['summary']} {item['kind']} "
                             f"{item['value']!r}: {item['sentence'][:160]}")  # fmt: skip
            for kind in INJECTIONS:
                lines.append(f"    missed {kind}: {part['recall'][kind]['missed']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--mt", type=Path, default=default_mt(), help="FLORES folder, for en")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--list", action="store_true", help="print every check and its label")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--limit", type=int, help="use only the first N articles")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"no NorSumm file at {args.data} (pass --data)")
    languages = args.languages.split(",")
    if "en" in languages and not (args.mt / "nb-en").is_dir():
        parser.error(f"no FLORES folder at {args.mt} (pass --mt, or leave en out)")
    report = evaluate(args.data, args.seed, languages, args.mt, args.limit)
    out(json.dumps(report, indent=2, ensure_ascii=False) if args.json
        else format_report(report, args.list))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
