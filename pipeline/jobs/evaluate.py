"""Scoring translations against references: corpus BLEU and chrF with sacrebleu.

    from pipeline import Pipeline
    from pipeline.jobs.evaluate import evaluate

    pipe = Pipeline.from_config(profile="default")
    result = evaluate(source="test.nb", reference="test.en", language="nb", pipeline=lambda: pipe)
    print(result.table())

A test set is a source file and a reference file, one sentence per line, line *i* of each the
same sentence. The pipeline translates every source line as one sentence (`translate_sentences`:
no re-splitting, batched, through the translation memory like any article sentence), or
existing outputs (``hypotheses``) are scored as they are, without any model. ``testset="flores200"``
(devtest; ``flores200/dev`` for dev) takes FLORES-200 instead, fetched and cached by sacrebleu's
downloader into ``$SACREBLEU`` (default ``~/.sacrebleu``), as its own test sets are.

Scores are sacrebleu's defaults (BLEU: 13a tokenisation, exponential smoothing; chrF: character
6-grams, beta 2), the ones the OPUS-MT model cards and leaderboard report; their signatures say
so. sacrebleu is imported only when something is scored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.atomic_files import replace_file
from pipeline.errors import InputError, LanguageError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pipeline.orchestrator import Pipeline

#: FLORES-200 as its authors publish it (CC BY-SA 4.0): dev (997 lines) and devtest (1,012).
FLORES_URL = "https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
TESTSETS = {"flores200": "devtest", "flores200/dev": "dev"}
FLORES_CODES = {"nb": "nob_Latn", "nn": "nno_Latn", "da": "dan_Latn", "sv": "swe_Latn"}
_PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class SystemScore:
    """The scores of one system's translations."""

    name: str
    bleu: float
    chrf: float
    hypothesis: str | None = None  # the file scored; None for the pipeline's own translation


@dataclass(frozen=True)
class Evaluation:
    """Scores of one or more systems on one test set."""

    language: str
    lines: int
    reference: str  # the reference file, or the test set's name
    systems: list[SystemScore]
    signatures: dict[str, str]  # metric name -> sacrebleu signature
    source: str | None = None
    model: dict[str, Any] | None = None  # the translate model, when the pipeline translated
    translations: list[str] = field(default_factory=list, repr=False)  # the pipeline's output

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: test set, systems best first, signatures."""
        return {
            "language": self.language,
            "lines": self.lines,
            "source": self.source,
            "reference": self.reference,
            "model": self.model,
            "systems": [vars(s) for s in self.systems],
            "signatures": self.signatures,
        }

    def table(self, markdown: bool = False) -> str:
        """The scores as an aligned table (or a Markdown one), then the signatures."""
        rows = [("system", "BLEU", "chrF")]
        rows += [(s.name, f"{s.bleu:.1f}", f"{s.chrf:.1f}") for s in self.systems]
        width = [max(len(row[i]) for row in rows) for i in range(3)]

        def line(row: tuple[str, ...]) -> str:
            cells = [
                row[0].ljust(width[0]),
                *(c.rjust(w) for c, w in zip(row[1:], width[1:], strict=True)),
            ]
            return "| " + " | ".join(cells) + " |" if markdown else "  ".join(cells)

        head = f"{self.reference}: {self.lines} lines, {self.language} -> en"
        body = [line(rows[0])]
        if markdown:
            body.append("|" + "|".join("-" * (w + 2) for w in width) + "|")
        body += [line(row) for row in rows[1:]]
        notes = [f"{name} signature: {sig}" for name, sig in self.signatures.items()]
        return "\n".join([head, "", *body, "", *notes])


def evaluate(
    *,
    language: str = "nb",
    source: str | Path | None = None,
    reference: str | Path | None = None,
    hypotheses: Sequence[str | Path] = (),
    testset: str | None = None,
    pipeline: Callable[[], Pipeline] | None = None,
    use_cache: bool = True,
    write_translations: str | Path | None = None,
) -> Evaluation:
    """Score `hypotheses` files, or the pipeline's translation of `source`, against `reference`.

    `testset` (a name in `TESTSETS`) stands for both `source` and `reference`. Without
    `hypotheses`, `pipeline()` gives the `Pipeline` that translates (its translate stage only);
    `write_translations` then receives its output, one line per source line.
    """
    sources: list[str] | None
    if testset is not None:
        sources, references = load_testset(testset, language)
        source_name, reference_name = None, testset
    else:
        if reference is None:
            raise InputError("no reference translations given")
        references, reference_name = read_lines(reference), str(reference)
        sources, source_name = (read_lines(source), str(source)) if source else (None, None)
    if hypotheses:
        outputs = {str(path): read_lines(path) for path in hypotheses}
        named = dict(zip(system_names(list(outputs)), outputs.items(), strict=True))
        scored = score({name: lines for name, (_, lines) in named.items()}, references)
        systems = [
            SystemScore(s.name, s.bleu, s.chrf, hypothesis=named[s.name][0]) for s in scored[0]
        ]
        return Evaluation(language, len(references), reference_name, systems, scored[1],
                          source=source_name)  # fmt: skip
    if sources is None or pipeline is None:
        raise InputError("nothing to score: give the source lines to translate, or hypotheses")
    _same_length(sources, references, source_name or "the source", reference_name)
    pipe = pipeline()
    translations = pipe.translate_sentences(sources, language, use_cache=use_cache)
    if write_translations is not None:
        text = "".join(f"{line}\n" for line in translations)
        replace_file(Path(write_translations), [text.encode("utf-8")])
    model = pipe.models["translate"]
    systems, signatures = score({model["id"]: translations}, references)
    return Evaluation(language, len(references), reference_name, systems, signatures,
                      source=source_name, model=model, translations=translations)  # fmt: skip


def score(
    hypotheses: Mapping[str, Sequence[str]], references: Sequence[str]
) -> tuple[list[SystemScore], dict[str, str]]:
    """Corpus BLEU and chrF of each named system (best BLEU first), and the metric signatures."""
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF()
    systems = []
    for name, lines in hypotheses.items():
        _same_length(lines, references, name, "the reference")
        systems.append(
            SystemScore(
                name,
                round(bleu.corpus_score(list(lines), [list(references)]).score, 2),
                round(chrf.corpus_score(list(lines), [list(references)]).score, 2),
            )
        )
    systems.sort(key=lambda s: (-s.bleu, -s.chrf, s.name))
    return systems, {"BLEU": str(bleu.get_signature()), "chrF": str(chrf.get_signature())}


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file, one sentence each (line ends removed, nothing else)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", reason="not_found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", reason="not_text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def system_names(paths: Sequence[str]) -> list[str]:
    """Short names for hypothesis files: what differs between their names
    (``flores-dev.google.en``, ``flores-dev.microsoft.en`` -> ``google``, ``microsoft``)."""
    names = [Path(p).name for p in paths]
    if len(names) > 1:
        head = os.path.commonprefix(names)  # noqa: RUF071 - characters, not path components
        tail = os.path.commonprefix([n[::-1] for n in names])[::-1]  # noqa: RUF071
        # Cut only at separators, so that a shared first letter stays part of a name.
        head = head[: max(head.rfind(c) for c in "._-") + 1] if head else ""
        tail = tail[min((i for i, c in enumerate(tail) if c in "._-"), default=len(tail)) :]
        short = [n[len(head) : len(n) - len(tail)] for n in names]
        if all(short) and len(set(short)) == len(short):
            names = short
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


def load_testset(name: str, language: str) -> tuple[list[str], list[str]]:
    """(source lines, English reference lines) of test set `name` for `language`.

    Downloaded once by sacrebleu's downloader into its cache directory; without a network and
    without a cached copy, an `InputError` (reason ``testset_offline``) saying so.
    """
    if name not in TESTSETS:
        raise InputError(f"unknown test set {name!r} (known: {', '.join(TESTSETS)})",
                         reason="unknown_testset")  # fmt: skip
    if language not in FLORES_CODES:
        raise LanguageError(
            f"{name} has no {language!r} -> English pair here (languages: "
            f"{', '.join(FLORES_CODES)})", reason="unsupported_language",
        )  # fmt: skip
    split = TESTSETS[name]
    dataset = _flores(split, language)
    pair = next(iter(dataset.langpairs))
    # What sacrebleu keeps after a download: the tarball (no download when it is there) and the
    # files it extracted.
    tarball = Path(dataset.rawdir) / f"{dataset.name}.{FLORES_URL.rsplit('/', 1)[-1]}"
    raw = [tarball, *(Path(dataset.rawdir) / part for part in dataset.langpairs[pair])]
    cache = str(Path(dataset.rawdir).parent.parent)
    if not all(path.is_file() for path in raw) and not _reachable(FLORES_URL):
        raise InputError(
            f"test set {name} is not downloaded (sacrebleu cache: {cache}) and "
            f"{_host(FLORES_URL)} cannot be reached", reason="testset_offline", cache=cache,
        )  # fmt: skip
    try:
        return list(dataset.source(pair)), [refs[0].strip() for refs in dataset.references(pair)]
    except (OSError, SystemExit) as exc:  # sacrebleu's downloader exits on some failures
        raise InputError(
            f"test set {name} could not be downloaded from {_host(FLORES_URL)} ({exc})",
            reason="testset_offline", cache=cache,
        ) from None  # fmt: skip


def _flores(split: str, language: str):
    """A sacrebleu plain-text dataset for FLORES-200 `split`, `language` -> English."""
    from sacrebleu.dataset.plain_text import PlainTextDataset

    class Flores(PlainTextDataset):
        def __init__(self, root: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # sacrebleu reads $SACREBLEU once, when it is imported; read it now instead.
            self._outdir = os.path.join(root, self.name)
            self._rawdir = os.path.join(self._outdir, "raw")

        @property
        def rawdir(self) -> str:
            return self._rawdir

    code = FLORES_CODES[language]
    root = os.environ.get("SACREBLEU") or os.path.join(os.path.expanduser("~"), ".sacrebleu")
    files = [f"flores200_dataset/{split}/{lang}.{split}" for lang in (code, "eng_Latn")]
    return Flores(
        root, name="flores200", data=[FLORES_URL], langpairs={f"{split}.{code}-eng": files},
        description="FLORES-200 (NLLB Team et al., 2022), CC BY-SA 4.0",
    )  # fmt: skip


def _host(url: str) -> str:
    return re.sub(r"^\w+://([^/]+).*$", r"\1", url)


def _reachable(url: str) -> bool:
    """A quick TCP probe (sacrebleu's download has no timeout of its own)."""
    import socket

    try:
        with socket.create_connection((_host(url), 443), timeout=_PROBE_TIMEOUT):
            return True
    except OSError:
        return False


def _same_length(lines: Sequence[str], references: Sequence[str], what: str, ref: str) -> None:
    if len(lines) != len(references):
        raise InputError(f"{what} has {len(lines)} lines but {ref} has {len(references)}: "
                         "they must be line by line the same sentences")  # fmt: skip
