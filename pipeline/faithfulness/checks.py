"""Checks that figures and names survive translation and summarisation.

Numbers and names are where machine translation and abstractive summaries hurt readers most: a
dropped amount, a Nordic *billion* (10^12) rendered as an English billion (10^9), a figure the
summariser made up, a person's name lost on the way. These checks compare what the texts say, not
how they say it ("1,4 milliarder" = "$1.4bn", "1. juli" = "July 1", "tre" = "three"), and lean
towards silence: a check that cries wolf on every article gets ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal

from .quantities import Quantity, describe, extract_quantities

__all__ = ["Check", "Quantity", "check_summary", "check_translation", "extract_quantities"]


@dataclass(frozen=True)
class Check:
    """One problem: the `stage` it came from, its `kind`, the offending `value`, a `message`."""

    stage: str  # "translate" or "summarise"
    kind: str  # "number_missing", "number_scale", "number_invented" or "name_missing"
    value: str  # the offending text as it appears in the source (or summary)
    message: str  # one readable sentence

    def to_dict(self) -> dict[str, str]:
        """The JSON shape used in the pipeline's `checks` list."""
        return asdict(self)


def check_translation(source: str, translation: str, language: str = "nb") -> list[Check]:
    """Figures and names in `source` (Nordic `language`) that `translation` lost, in source order.

    Nothing is flagged for English sources or a translation identical to the source; passages
    the translation kept word for word (English quotes in a Nordic article) are skipped too.
    """
    if language == "en" or source.strip() == translation.strip():
        return []
    kept = _kept_passages(source, translation)
    found = _number_checks(source, translation, language, kept)
    found += _name_checks(source, translation, kept)
    found.sort(key=lambda pair: pair[0])
    return [check for _, check in found]


def check_summary(translation: str, summary: str) -> list[Check]:
    """Figures in `summary` that appear nowhere in `translation` (invented ones), in order.

    Spelled-out small numbers ("two ministers", "the first") are not checked on their own: the
    summariser rephrases them freely and they are rarely the figure a reader relies on.
    """
    known = _Known(extract_quantities(translation, "en"), translation)
    checks: list[Check] = []
    seen: set[tuple[str, Decimal]] = set()
    for q in extract_quantities(summary, "en"):
        if (q.spelled and not q.scaled) or q.key in seen:
            continue
        seen.add(q.key)
        check = _compare(q, known, "summarise", "summary", "number_invented")
        if check is not None:
            checks.append(check)
    return checks


_PUNCTUATION = "\"'“”‘’«»()[],.;:!?"


class _Known:
    """The figures of an English text, indexed for the questions the checks ask."""

    def __init__(self, quantities: list[Quantity], text: str) -> None:
        # Runs of up to three words, for the verbatim fallback; a set keeps checks linear.
        words = _words(text)
        self.phrases = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))}
        self.keys = {q.key for q in quantities}
        self.scaled: dict[Decimal, Quantity] = {}
        for q in quantities:
            if q.scaled:
                self.scaled.setdefault(q.value, q)
            # A date or time also vouches for its parts: "the 21st" may be "21. august".
            if q.kind == "date":
                self.keys.add(("number", q.value % 100))
            if q.kind == "time":
                self.keys.add(("number", q.value // 100))

    def has(self, q: Quantity) -> bool:
        """Whether `q` is in the text, by value or (for digits) as the very same words."""
        if q.key in self.keys:
            return True
        if q.kind == "time":  # "kl. 14" may come out as "at 14" or "14.00", "kl. 14.30" as 14.30
            hour, minute = divmod(int(q.value), 100)
            alternatives = {Decimal(hour) + Decimal(minute) / 100}
            if not minute:
                alternatives.add(Decimal(hour))
            return any(("number", v) in self.keys for v in alternatives)
        # Exact characters count for digits only: "to" (two) would match the English "to".
        return not q.spelled and " ".join(_words(q.text)) in self.phrases

    def scale_slip(self, q: Quantity) -> Quantity | None:
        """The figure 1000 times too small or large that stands in for scaled `q`, if any."""
        if not q.scaled or q.key[0] != "number":
            return None
        for other in (q.value / 1000, q.value * 1000):
            if other in self.scaled:
                return self.scaled[other]
        return None


def _quote(q: Quantity) -> str:
    """ "8,8 billioner" (8.8 trillion), or just "90" when the plain reading adds nothing."""
    plain = describe(q)
    return f'"{q.text}"' if plain == q.text else f'"{q.text}" ({plain})'


def _words(text: str) -> list[str]:
    return [word.strip(_PUNCTUATION) for word in text.split()]


def _number_checks(
    source: str, translation: str, language: str, kept: list[tuple[int, int]]
) -> list[tuple[int, Check]]:
    """number_missing and number_scale checks for `source`, with their positions."""
    known = _Known(extract_quantities(translation, "en"), translation)
    found: list[tuple[int, Check]] = []
    seen: set[tuple[str, Decimal]] = set()
    for q in extract_quantities(source, language):
        if q.key in seen or _inside(q.span[0], kept):
            continue
        seen.add(q.key)
        check = _compare(q, known, "translate", "source", "number_missing")
        if check is not None:
            found.append((q.span[0], check))
    return found


def _compare(q: Quantity, known: _Known, stage: str, side: str, absent: str) -> Check | None:
    """A check for quantity `q` of `side` unless the translation has it (`absent`: its kind)."""
    if known.has(q):
        return None
    slip = known.scale_slip(q)
    if slip is not None:
        message = f"{side} has {_quote(q)}, translation has {describe(slip)}"
        return Check(stage, "number_scale", q.text, message)
    return Check(stage, absent, q.text, f"{side} has {_quote(q)}, translation does not")


# Pieces of at least this many characters copied verbatim into the translation were not
# translated (English quotes inside a Nordic article): their figures and names are the same.
_MIN_KEPT = 20
_PIECE = re.compile(r"[^\n.!?]+")


def _kept_passages(source: str, translation: str) -> list[tuple[int, int]]:
    """Spans of `source` (between sentence punctuation) that `translation` repeats verbatim."""
    spans = []
    for piece in _PIECE.finditer(source):
        text = piece.group().strip()
        if len(text) >= _MIN_KEPT and text in translation:
            spans.append(piece.span())
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


# ---- names -------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = ".!?:;…\n"
_OPENERS = " \t\"'“”«»‘’„([–—-"
# Capitalised words that are translated rather than kept: honorifics, months, weekdays.
_NOT_NAMES_TEXT = (
    "hans hennes deres eksellense majestet kongelige hoyhet herr fru kong dronning kronprins "
    "januar januari februar februari mars marts april mai maj juni juli august augusti "
    "september oktober november desember december mandag tirsdag tisdag tysdag onsdag "
    "torsdag fredag lordag laurdag sondag sundag monday tuesday wednesday thursday friday "
    "saturday sunday january february march may june july october"
)
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Words that open sentences before a name ("Ifølge Reuters", "Mens Tokyo"), folded.
_FUNCTION_TEXT = (
    "i pa da na nar men og mens etter efter for fra fran til med om ved under over hos ifolge "
    "enligt ifolje bade som den det de dette disse detta han hun hon vi jeg jag eg du der her "
    "hvis selv ogsa ocksa likevel sa nu och at the a an in on at and but when while after as "
    "with for from to by of if also"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
# Place names English spells its own way (folded Nordic form → folded English words).
_EXONYMS = {
    "tyrkia": "turkey turkiye turkish", "tyrkiet": "turkey turkiye", "turkiet": "turkey",
    "kina": "china chinese", "russland": "russia russian", "ryssland": "russia",
    "tyskland": "germany german", "sverige": "sweden swedish", "norge": "norway norwegian",
    "noreg": "norway", "danmark": "denmark danish", "usa": "us usa united america american",
    "storbritannia": "britain uk british", "storbritannien": "britain uk british",
    "frankrike": "france french", "frankrig": "france french", "spania": "spain",
    "spanien": "spain", "italia": "italy", "italien": "italy", "ukraina": "ukraine",
    "polen": "poland", "island": "iceland", "nederland": "netherlands dutch",
    "nederlandene": "netherlands", "nederlanderna": "netherlands", "belgia": "belgium",
    "belgien": "belgium", "osterrike": "austria", "ostrig": "austria", "sveits": "switzerland",
    "schweiz": "switzerland", "hellas": "greece", "graekenland": "greece", "grekland": "greece",
    "europa": "europe european", "afrika": "africa", "asia": "asia", "asien": "asia",
    "nordsjoen": "north", "nordsoen": "north", "nordsjon": "north", "ostersjoen": "baltic",
    "ostersoen": "baltic", "ostersjon": "baltic", "kobenhavn": "copenhagen",
    "goteborg": "gothenburg", "moskva": "moscow", "brussel": "brussels", "bryssel": "brussels",
    "fn": "un united nations", "selenskyj": "zelensky zelenskyy", "gronland": "greenland",
    "irland": "ireland", "skottland": "scotland", "estland": "estonia", "litauen": "lithuania",
    "lettland": "latvia", "letland": "latvia", "kypros": "cyprus", "cypern": "cyprus",
    "norsk": "norwegian", "dansk": "danish", "svensk": "swedish", "finsk": "finnish",
}  # fmt: skip
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ı": "i", "đ": "d", "ł": "l", "œ": "oe"})
_DEFINITE = ("ene", "et", "en")  # Nordic definite endings: "Stortinget" is "the Storting"
_PATRONYMIC = ("sen", "son", "sson")


def _fold(word: str) -> str:
    """Lower case without diacritics, so "Güler" matches "Guler" and "Bodø" matches "Bodo"."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _name_checks(
    source: str, translation: str, kept: list[tuple[int, int]]
) -> list[tuple[int, Check]]:
    """name_missing checks: names in `source` of which no word shows up in `translation`."""
    vocabulary = _vocabulary(translation)
    prefixes: dict[str, list[str]] = {}
    for word in vocabulary:
        prefixes.setdefault(word[:5], []).append(word)
    found: list[tuple[int, Check]] = []
    flagged: set[str] = set()
    for position, text, words in _names(source):
        folded = {_fold(w) for w in words}
        if _inside(position, kept) or folded <= flagged:
            continue
        if any(_present(form, vocabulary, prefixes) for w in words for form in _forms(w)):
            continue
        flagged |= folded
        message = f'source names "{text}", translation does not'
        found.append((position, Check("translate", "name_missing", text, message)))
    return found


def _vocabulary(text: str) -> set[str]:
    """The folded words of `text`, also without a final "s" ("Baykar's" and "UAVs" alike)."""
    words = set()
    for token in re.findall(r"[^\W\d_]+", text):
        word = _fold(token)
        words.add(word)
        if len(word) > 3 and word.endswith("s"):
            words.add(word[:-1])
    return words


def _present(form: str, vocabulary: set[str], prefixes: dict[str, list[str]]) -> bool:
    """Whether `form` or a close cognate ("Statistiska" ~ "Statistics") is in the vocabulary."""
    if form in vocabulary:
        return True
    if len(form) < 6:
        return False
    for word in prefixes.get(form[:5], ()):
        if _shared_prefix(form, word) >= 0.7 * min(len(form), len(word)):
            return True
    return False


def _shared_prefix(a: str, b: str) -> int:
    """How many leading characters `a` and `b` have in common."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _forms(word: str) -> set[str]:
    """Spellings of source `word` the translation may use: folded, without genitive -s or a
    definite ending, hyphen parts, and English exonyms ("Tyrkias" → "tyrkia" → "turkey")."""
    folded = _fold(word)
    forms = {folded, *(part for part in folded.split("-") if len(part) >= 3)}
    for form in list(forms):
        if len(form) > 3 and form.endswith("s"):
            forms.add(form[:-1])
        if not form.endswith(_PATRONYMIC):  # "Stortinget" → "storting", but "Hansen" stays
            forms.update(form[: -len(e)] for e in _DEFINITE if form.endswith(e) and len(form) > 6)
    for form in list(forms):
        forms.update(_EXONYMS.get(form, "").split())
    return {form for form in forms if len(form) >= 2}


def _names(text: str) -> list[tuple[int, str, list[str]]]:
    """Candidate names in `text`: (position, text as written, words), in order.

    A name is a run of capitalised words, less months, weekdays and honorifics. A sentence's
    capitalised first word counts only as part of a longer run (see `_opener`); a single word
    also used in lower case, or looking like a translated institution, is not a name.
    """
    tokens = [(m.start(), m.group().rstrip("'’-")) for m in _TOKEN.finditer(text)]
    lowercase = {_fold(t) for _, t in tokens if t[0].islower()}
    starts = {p for p, _ in tokens if _starts_sentence(text, p)}
    mid_caps = {_fold(t) for p, t in tokens if t[0].isupper() and p not in starts}
    out = []
    for run in _capital_runs(text, tokens):
        if run[0][0] in starts and _opener(run, mid_caps, lowercase):
            run = run[1:]
        run = [(p, t) for p, t in run if _fold(t) not in _NOT_NAMES and len(t) > 1]
        if not run:
            continue
        if len(run) == 1 and (_fold(run[0][1]) in lowercase or _looks_translated(run[0][1])):
            continue
        first, last = run[0], run[-1]
        out.append((first[0], text[first[0] : last[0] + len(last[1])], [t for _, t in run]))
    return out


def _opener(run: list[tuple[int, str]], mid_caps: set[str], lowercase: set[str]) -> bool:
    """Whether a sentence-initial run starts with a merely capitalised ordinary word.

    "Ola Nordmann" opening a sentence is a name; "Mens Tokyo" or "I Istanbul" is not. A word
    also capitalised mid-sentence elsewhere is a name wherever it stands.
    """
    first = _fold(run[0][1])
    if first in mid_caps:
        return False
    return len(run) == 1 or first in lowercase or first in _FUNCTION_WORDS


def _capital_runs(text: str, tokens: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Runs of capitalised tokens separated by exactly one space ("Gen Nakatani")."""
    runs: list[list[tuple[int, str]]] = []
    previous_end = -2
    for position, token in tokens:
        if not token[0].isupper():
            previous_end = -2
            continue
        joined = position == previous_end + 1 and text[previous_end] in " \u00a0"
        if joined and runs:
            runs[-1].append((position, token))
        else:
            runs.append([(position, token)])
        previous_end = position + len(token)
    return runs


def _starts_sentence(text: str, position: int) -> bool:
    """Whether the word at `position` opens a sentence, line, quote or dialogue line."""
    k = position - 1
    while k >= 0 and text[k] in _OPENERS:
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


def _looks_translated(word: str) -> bool:
    """A long capitalised word with a Nordic definite ending ("Selvforsvarsstyrkene",
    "Regjeringen") names an institution that English translates, not a proper name."""
    folded = _fold(word)
    return len(folded) >= 9 and folded.endswith(_DEFINITE) and not folded.endswith(_PATRONYMIC)
