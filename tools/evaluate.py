"""Measure language identification and sentence segmentation on UD gold data; retrain.

    python -m tools.evaluate all                # every table below (under a minute)
    python -m tools.evaluate langid             # cross-validated + shipped-model accuracy
    python -m tools.evaluate segment            # boundary precision / recall / F1
    python -m tools.evaluate speed              # detector load and warm detection time
    python -m tools.evaluate train              # rewrite pipeline/language/data/*.npz.gz

``--data DIR`` points at the UD dev sets (default ``../shared/data/ud`` beside the repo).
Off-the-shelf tools (py3langid, lingua, syntok, pysbd) are measured side by side when
they are importable. Everything is deterministic; only the timings vary between runs.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.language.ngram_model import LANGUAGES, MODEL_PATH, NgramModel
from pipeline.text.sentences import split_sentences
from tools import ud
from tools.langid_training import save, train_counts

Table = Sequence[tuple[str, ...]]
# The "single sentence" test set: sentences of at least three words with letters. Lines
# such as "12:30 PM 2004" have too little language in them to count either way.
_MIN_WORDS = 3


def _print(title: str, header: Sequence[str], rows: Table) -> None:
    widths = [max(len(str(r[i])) for r in [tuple(header), *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    for row in [tuple(header), tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


# ---------------------------------------------------------------- language identification


def _units(sentences: Sequence[ud.Sentence]) -> dict[str, list[str]]:
    """Test units: single sentences (≥3 words) and consecutive 3-sentence paragraphs."""
    singles = [s.text for s in sentences if _letter_words(s.text) >= _MIN_WORDS]
    triples = [" ".join(singles[i : i + 3]) for i in range(0, len(singles) - 2, 3)]
    return {"single": singles, "triple": triples}


def _letter_words(text: str) -> int:
    """Number of whitespace-separated words with at least one letter."""
    return sum(any(ch.isalpha() for ch in word) for word in text.split())


def _macro(hits: dict[str, dict[str, list[bool]]], kind: str) -> str:
    per = [sum(h) / len(h) for code in LANGUAGES if (h := hits[code][kind])]
    return f"{sum(per) / len(per):.4f}"


def _per_language(hits: dict[str, dict[str, list[bool]]], kind: str) -> str:
    return " ".join(f"{c} {sum(h) / len(h):.3f}" for c in LANGUAGES if (h := hits[c][kind]))


def _score(predict: Callable[[str], str], units: dict[str, dict[str, list[str]]]):
    return {
        code: {kind: [predict(t) == code for t in texts] for kind, texts in kinds.items()}
        for code, kinds in units.items()
    }


def _cross_validated(data: dict[str, list[ud.Sentence]], k: int):
    """Hits of the full detector when each fold is scored by a model trained on the rest."""
    from pipeline.language.detect import _identifier, classify

    splits = {code: list(ud.folds(data[code], k)) for code in LANGUAGES}
    hits: dict[str, dict[str, list[bool]]] = {c: {"single": [], "triple": []} for c in LANGUAGES}
    for fold in range(k):
        train = {c: [data[c][i].text for i in splits[c][fold][0]] for c in LANGUAGES}
        model = NgramModel(*train_counts(train))
        for code in LANGUAGES:
            test = [data[code][i] for i in splits[code][fold][1]]
            for kind, texts in _units(test).items():
                hits[code][kind] += [classify(t, model, _identifier).code == code for t in texts]
    return hits


def _baselines() -> dict[str, Callable[[str], str]]:
    """Off-the-shelf identifiers that are importable, as text → code."""
    found: dict[str, Callable[[str], str]] = {}
    from pipeline.language.detect import _identifier

    p3 = _identifier()
    found["py3langid (all languages)"] = lambda t: {"no": "nb"}.get(c := p3.rank(t)[0][0], c)
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return found
    five = [Language.BOKMAL, Language.NYNORSK, Language.DANISH, Language.SWEDISH, Language.ENGLISH]
    lingua = LanguageDetectorBuilder.from_languages(*five).build()
    codes = {lang: lang.iso_code_639_1.name.lower() for lang in five}

    def run_lingua(text: str) -> str:
        found_lang = lingua.detect_language_of(text)
        return codes[found_lang] if found_lang is not None else "und"

    found["lingua (nb/nn/da/sv/en only)"] = run_lingua
    return found


def langid_report(data: dict[str, list[ud.Sentence]], k: int) -> None:
    """Print macro accuracy (singles, 3-sentence paragraphs) for ours and the baselines."""
    from pipeline.language.detect import detect_language

    units = {code: _units(sentences) for code, sentences in data.items()}
    systems = [
        (f"ours, {k}-fold cross-validated (honest)", _cross_validated(data, k)),
        (
            "ours, shipped model (saw all dev data)",
            _score(lambda t: detect_language(t).code, units),
        ),
    ]
    systems += [(name, _score(fn, units)) for name, fn in _baselines().items()]
    rows = [
        (name, _macro(h, "single"), _macro(h, "triple"), _per_language(h, "single"))
        for name, h in systems
    ]
    n = {kind: sum(len(u[kind]) for u in units.values()) for kind in ("single", "triple")}
    _print(
        f"Language ID, macro accuracy over {'/'.join(LANGUAGES)} "
        f"({n['single']} sentences ≥{_MIN_WORDS} words with letters, "
        f"{n['triple']} 3-sentence paragraphs;"
        " goals ≥0.95 / ≥0.998)",
        ("system", "sentences", "3-sentence paragraphs", "sentences per language"),
        rows,
    )


# ---------------------------------------------------------------- sentence segmentation


def _ends(sentences: Sequence[str]) -> set[int]:
    """Sentence end offsets counted in non-whitespace characters."""
    ends, position = set(), 0
    for sentence in sentences:
        position += sum(not ch.isspace() for ch in sentence)
        ends.add(position)
    return ends


def boundary_counts(
    split: Callable[[str], list[str]], paragraphs: list[list[str]]
) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of sentence ends."""
    tp = fp = fn = 0
    for gold in paragraphs:
        expected, found = _ends(gold), _ends(split(ud.rebuild(gold)))
        tp += len(expected & found)
        fp += len(found - expected)
        fn += len(expected - found)
    return tp, fp, fn


def _prf(counts: tuple[int, int, int]) -> tuple[str, str, str]:
    tp, fp, fn = counts
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return f"{p:.4f}", f"{r:.4f}", f"{2 * p * r / max(p + r, 1e-9):.4f}"


def _segmenters() -> dict[str, Callable[[str, str], list[str]]]:
    found: dict[str, Callable[[str, str], list[str]]] = {"ours": split_sentences}
    try:
        import syntok.segmenter as syntok

        found["syntok"] = lambda text, _: [
            "".join(t.spacing + t.value for t in s).strip() for p in syntok.analyze(text) for s in p
        ]
    except ImportError:
        pass
    try:
        import pysbd

        # pysbd has no Norwegian or Swedish rules; Danish's are the closest.
        seg = {
            c: pysbd.Segmenter(language="en" if c == "en" else "da", clean=False) for c in LANGUAGES
        }
        found["pysbd"] = lambda text, code: seg[code].segment(text)
    except ImportError:
        pass
    return found


def _with_language(split: Callable[[str, str], list[str]], code: str, text: str) -> list[str]:
    return split(text, code)


def segment_report(data: dict[str, list[ud.Sentence]]) -> None:
    """Print boundary precision, recall and F1 per language, and nb+nn pooled."""
    paragraphs = {code: ud.paragraphs(sentences) for code, sentences in data.items()}
    rows: list[tuple[str, ...]] = []
    for name, split in _segmenters().items():
        tp = fp = fn = 0
        for code in paragraphs:
            counts = boundary_counts(
                functools.partial(_with_language, split, code), paragraphs[code]
            )
            if code in ("nb", "nn"):
                tp, fp, fn = tp + counts[0], fp + counts[1], fn + counts[2]
            rows.append((name, code, *_prf(counts)))
        rows.append((name, "nb+nn", *_prf((tp, fp, fn))))
    _print(
        "Sentence boundaries (goals for nb+nn: F1 ≥0.97, precision ≥0.99; "
        "Danish paragraphs are 5-sentence chunks)",
        ("system", "language", "precision", "recall", "F1"),
        rows,
    )


# ---------------------------------------------------------------- speed and training

_LOAD_PROBE = """
import sys, time
from pipeline.language.detect import detect_language
text = sys.stdin.read()
t = time.perf_counter()
detect_language(text)
print(time.perf_counter() - t)
"""


def _article(articles: Path) -> str:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(articles.glob("nb-*.txt")))
    return (text * 3)[:3000] if text else ("Dette er en setning om norsk politikk. " * 80)[:3000]


def speed_report(articles: Path) -> None:
    """Print detector load (fresh process, first call) and warm per-article timings."""
    from pipeline.language.detect import detect_language

    text = _article(articles)
    rows: list[tuple[str, ...]] = []
    for what, probe in (("an article", text), ("a short sentence", "Dette er en setning.")):
        loads = [_first_call(probe) for _ in range(3)]
        rows.append(
            (
                f"detector load: first call on {what}, fresh process (best / worst of 3)",
                f"{min(loads):.3f} s / {max(loads):.3f} s",
                "≤ 1 s",
            )
        )
    detect_language(text)
    for name, fn in (
        ("detect 3,000-character article, warm", detect_language),
        ("split 3,000-character article into sentences", split_sentences),
    ):
        best = min(_timed(fn, text) for _ in range(5))
        rows.append((name, f"{best * 1000:.2f} ms", "≤ 20 ms" if "detect" in name else ""))
    _print("Speed", ("figure", "measured", "goal"), rows)


def _first_call(text: str) -> float:
    """Seconds of the first detect_language call (models load) in a new interpreter."""
    root = Path(__file__).resolve().parent.parent
    return float(
        subprocess.run(
            [sys.executable, "-c", _LOAD_PROBE],
            cwd=root,
            check=True,
            input=text,
            capture_output=True,
            text=True,
        ).stdout
    )


def _timed(fn: Callable[[str], object], text: str, repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(text)
    return (time.perf_counter() - start) / repeat


def train(data: dict[str, list[ud.Sentence]], path: Path = MODEL_PATH) -> None:
    """Train the n-gram model on every dev sentence and write it to ``path``."""
    vocab, counts = train_counts({code: [s.text for s in data[code]] for code in LANGUAGES})
    save(path, vocab, counts)
    print(f"wrote {path} ({len(vocab)} n-grams, {path.stat().st_size / 1e6:.2f} MB)")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m tools.evaluate``)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", nargs="?", default="all", choices=("langid", "segment", "speed", "train", "all")
    )
    parser.add_argument("--data", type=Path, default=ud.DEFAULT_DIR, help="UD dev sets")
    parser.add_argument(
        "--articles",
        type=Path,
        default=ud.DEFAULT_DIR.parent.parent / "articles",
        help="sample articles (speed test text)",
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    args = parser.parse_args(argv)
    data = ud.load(args.data)
    if args.command != "speed" and set(data) != set(LANGUAGES):
        parser.error(f"{args.data}: need the five UD dev sets, found {sorted(data)}")
    if args.command == "train":
        train(data)
    if args.command in ("langid", "all"):
        langid_report(data, args.folds)
    if args.command in ("segment", "all"):
        segment_report(data)
    if args.command in ("speed", "all"):
        speed_report(args.articles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
