"""Reading the Universal Dependencies gold data (CoNLL-U) used to train and measure.

Only the comment lines matter here: ``# text =`` (one sentence), ``# newpar`` and
``# newdoc`` (paragraph and document starts). Used by :mod:`tools.evaluate` and by
``python -m tools.evaluate train``; never imported by the detector or the splitter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FILES = {
    "nb": "no_bokmaal-ud-dev.conllu",
    "nn": "no_nynorsk-ud-dev.conllu",
    "da": "da_ddt-ud-dev.conllu",
    "sv": "sv_talbanken-ud-dev.conllu",
    "en": "en_ewt-ud-dev.conllu",
}
DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ud"
# Danish has no paragraph markers: pretend every this-many sentences start one, so that
# cross-validation folds and paragraph figures still have units to work with.
_PSEUDO_PARAGRAPH = 5
_CLOSING = ".!?:;…»”\"')]"


@dataclass(frozen=True)
class Sentence:
    """One gold sentence and whether it starts a paragraph / a document."""

    text: str
    newpar: bool
    newdoc: bool


def read_sentences(path: Path) -> list[Sentence]:
    """All sentences of one CoNLL-U file, in order, with their paragraph flags."""
    out: list[Sentence] = []
    newpar = newdoc = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# newdoc"):
                newdoc = newpar = True
            elif line.startswith("# newpar"):
                newpar = True
            elif line.startswith("# text ="):
                text = line[len("# text =") :].strip()
                out.append(Sentence(text, newpar or not out, newdoc or not out))
                newpar = newdoc = False
    return out


def paragraphs(sentences: list[Sentence]) -> list[list[str]]:
    """Sentences grouped into paragraphs (pseudo-paragraphs when a file has no markers)."""
    marked = sum(s.newpar for s in sentences) > 1
    groups: list[list[str]] = []
    for i, s in enumerate(sentences):
        starts = s.newpar if marked else i % _PSEUDO_PARAGRAPH == 0
        if starts or not groups:
            groups.append([])
        groups[-1].append(s.text)
    return groups


def rebuild(sentences: list[str]) -> str:
    """A paragraph's running text: one space between sentences, a newline after a heading."""
    parts: list[str] = []
    for i, s in enumerate(sentences):
        if i:
            parts.append(" " if sentences[i - 1][-1] in _CLOSING else "\n")
        parts.append(s)
    return "".join(parts)


def load(data_dir: Path | str = DEFAULT_DIR) -> dict[str, list[Sentence]]:
    """Sentences per language code for every treebank present in ``data_dir``."""
    root = Path(data_dir)
    return {
        code: read_sentences(root / name) for code, name in FILES.items() if (root / name).exists()
    }


def folds(sentences: list[Sentence], k: int) -> Iterator[tuple[list[int], list[int]]]:
    """``k`` (train, test) index splits into contiguous blocks cut at paragraph starts.

    Contiguous blocks keep a document's sentences together, so a held-out fold is text
    the model has not seen the neighbours of (documents are mostly unmarked in nb/nn/da).
    """
    n = len(sentences)
    marked = sum(s.newpar for s in sentences) > 1
    starts = [
        i for i, s in enumerate(sentences) if (s.newpar if marked else i % _PSEUDO_PARAGRAPH == 0)
    ]
    cuts = [0]
    for j in range(1, k):
        target = j * n // k
        cuts.append(min((s for s in starts if s >= target), default=n))
    cuts.append(n)
    for j in range(k):
        test = list(range(cuts[j], cuts[j + 1]))
        train = list(range(cuts[j])) + list(range(cuts[j + 1], n))
        yield train, test
