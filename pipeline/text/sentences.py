"""Rule-based sentence segmentation for Norwegian (Bokmål, Nynorsk), Danish, Swedish, English.

The text is cut only at whitespace: it is read as a sequence of whitespace-separated
tokens (one linear ``\\S+`` scan), and each gap between two tokens is a sentence boundary
or not, decided from the token before it, the token after it and the gap itself. That
makes the result reversible by construction (every non-space character lies in exactly
one span, and spans are stripped) and keeps the cost linear on any input: there is no
regex with nested or overlapping quantifiers to backtrack over.

The rules follow the UD treebanks' conventions: a colon before a quotation, a dialogue
dash or a capitalised clause ends a sentence ("sier han:"), a line break ends a heading or
a list item, and abbreviations ("bl.a.", "f.eks.", "kl."), ordinals ("1. juli"),
initials ("Anne L. Dahl") and decimal commas do not end anything.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\S+")
_OPENING = "«“„\"'‘‚([{¿¡"
_CLOSING = "»”\"'’)]}"
_DASHES = "–—-"
_TERMINAL = "!?…‼⁇⁈⁉"

# Abbreviations after which a full stop practically never ends a sentence (lower-cased,
# without the final dot). Words that often end sentences too ("osv.", "mv.", "etc.",
# "pst.", "mill.") are deliberately absent: they end one when a capital follows.
_COMMON = frozenset(
    {
        "ca",
        "kl",
        "nr",
        "jf",
        "jfr",
        "dvs",
        "bl.a",
        "f.eks",
        "st",
        "dr",
        "prof",
        "mr",
        "mrs",
        "ms",
        "hr",
        "fr",
        "ev",
        "evt",
        "inkl",
        "ekskl",
        "iflg",
        "ift",
        "iht",
        "pga",
        "vs",
        "tlf",
        "adm",
        "avd",
        "ang",
        "vedr",
        "mht",
        "resp",
        "hhv",
        "el",
        "ff",
        "s",
        "a.m",
        "p.m",
        "f.v",
        "t.v",
        "t.h",
    }
)
_NORWEGIAN = _COMMON | {
    "f.o.m",
    "t.o.m",
    "e.l",
    "o.l",
    "sml",
    "pr",
    "gl",
    "kap",
    "art",
    "jr",
    "sr",
    "fv",
    "rv",
    "ordf",
    "stip",
    "nestl",
    "dir",
    "str",
    "f",
    "bl.a",
}
_ABBREVIATIONS = {
    "nb": _NORWEGIAN,
    "nn": _NORWEGIAN | {"t.d", "m.a", "mellom.a"},
    "da": _COMMON | {"pr", "kap", "jvf", "cand", "stud", "lekt", "gl", "f", "dr.phil"},
    "sv": _COMMON
    | {
        "t.ex",
        "s.k",
        "o.d",
        "t.o.m",
        "fr.o.m",
        "m.fl",
        "p.g.a",
        "d.v.s",
        "kap",
        "ung",
        "tel",
        "vol",
        "f",
    },
    "en": _COMMON
    | {
        "e.g",
        "i.e",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "gen",
        "sen",
        "rep",
        "gov",
        "col",
        "lt",
        "sgt",
        "capt",
        "rev",
        "mt",
        "ft",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "no",
        "vol",
        "pp",
        "approx",
        "dept",
        "est",
        "fig",
        "op",
        "ave",
        "blvd",
        "rd",
    },
}
# The Norwegian treebanks end a sentence at a colon that introduces a quotation, a dialogue
# line or a capitalised clause ("sier han: «…»"); the Danish, Swedish and English ones
# do not. Picture and source credits ("Foto: Ola Nordmann") never end at the colon.
_COLON_ENDS = frozenset({"nb", "nn"})
_CREDITS = frozenset(
    {"foto", "kilde", "illustrasjon", "grafikk", "video", "tekst", "bilde", "kjelde"}
)
# English web text often starts sentences in lower case ("are you kidding? why …").
_LOWER_STARTS = frozenset({"en"})


@dataclass(frozen=True)
class _Rules:
    abbreviations: frozenset[str]
    colon_ends: bool
    lower_starts: bool


@functools.cache
def _rules(language: str) -> _Rules:
    code = language if language in _ABBREVIATIONS else "nb"
    return _Rules(frozenset(_ABBREVIATIONS[code]), code in _COLON_ENDS, code in _LOWER_STARTS)


def _starts_sentence(token: str) -> bool:
    """Whether a token can open a sentence: capital, digit, opening quote or a dash."""
    first = token[0]
    if first in _OPENING or first in _DASHES:
        return True
    return first.isupper() or first.isdigit()


def _starts_lower(token: str) -> bool:
    """Whether the first letter-or-digit of a token (after opening quotes) is lower-case."""
    core = token.lstrip(_OPENING)
    return bool(core) and core[0].islower()


def _period_ends(word: str, nxt: str, rules: _Rules) -> bool:
    """Whether ``word.`` followed by the token ``nxt`` ends a sentence."""
    bare = word.lstrip(_OPENING)
    lower = bare.lower()
    if lower in rules.abbreviations or not _starts_sentence(nxt):
        return False
    if _starts_lower(nxt):
        # "… is really cute. i knew …": a plain lower-case word before the dot.
        return rules.lower_starts and len(bare) > 1 and bare.isalpha() and bare.islower()
    # A single capital is an initial ("Anne L. Dahl").
    if len(bare) == 1 and bare.isupper():
        return False
    # An ordinal before a capitalised name ("3. Mosebok") is rarer than a sentence
    # ending in a number ("i 2019."), except for one- or two-digit ordinals before a digit.
    return not (bare.isdigit() and len(bare) <= 2 and nxt[0].isdigit())


def _token_ends(token: str, nxt: str, rules: _Rules, quoted: bool = False) -> bool:
    """Whether a sentence ends after ``token`` when ``nxt`` follows on the same line."""
    core = token.rstrip(_CLOSING)
    if not core:
        return False
    last = core[-1]
    if last in _TERMINAL or core.endswith(".."):
        if rules.lower_starts and core == token and nxt[0].isalpha():
            return True
        return _starts_sentence(nxt) and not _starts_lower(nxt)
    if last == ".":
        return _period_ends(core[:-1], nxt, rules)
    if last == ":" and core == token and rules.colon_ends and not quoted:
        return _starts_sentence(nxt) and not nxt[0].isdigit() and core[:-1].lower() not in _CREDITS
    return False


def _gap_ends(gap: str, token: str, nxt: str, rules: _Rules, quoted: bool) -> bool:
    """Whether the whitespace ``gap`` between two tokens is a sentence boundary.

    ``quoted``: the sentence so far has an unclosed «, as in «Guitar Hero: World Tour».
    """
    # Sentinels on both sides make splitlines() count every separator, "\r\n" as one.
    breaks = len(f"x{gap}x".splitlines()) - 1
    # A blank line always ends; a single line break ends a heading or a list item
    # unless the next line plainly continues the sentence (hard-wrapped text).
    if breaks > 1 or (breaks and not _starts_lower(nxt)):
        return True
    return _token_ends(token, nxt, rules, quoted)


def sentence_spans(text: str, language: str = "nb") -> list[tuple[int, int]]:
    """Sentence offsets ``(start, end)`` in ``text``, sorted and non-overlapping.

    Every ``text[start:end]`` is non-empty and has no surrounding whitespace, and together
    the spans cover every non-whitespace character of ``text``. ``language`` (ISO 639-1:
    nb, nn, da, sv, en) selects the abbreviation list; unknown codes use Bokmål's.
    """
    rules = _rules(language)
    spans: list[tuple[int, int]] = []
    start = prev_end = -1
    prev = ""
    depth = 0  # « minus » so far in the current sentence
    for match in _TOKEN.finditer(text):
        token = match.group()
        if start < 0:
            start = match.start()
        elif _gap_ends(text[prev_end : match.start()], prev, token, rules, depth > 0):
            spans.append((start, prev_end))
            start, depth = match.start(), 0
        depth += token.count("«") - token.count("»")
        prev, prev_end = token, match.end()
    if start >= 0:
        spans.append((start, prev_end))
    return spans


def split_sentences(text: str, language: str = "nb") -> list[str]:
    """The sentences of ``text``: ``[text[s:e] for s, e in sentence_spans(text, language)]``."""
    return [text[s:e] for s, e in sentence_spans(text, language)]
