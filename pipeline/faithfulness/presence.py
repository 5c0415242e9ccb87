"""Whether a translated sentence still has a source name, or a translation of it.

Presence allows what translation does to names: genitives ("Nakatanis"), accents ("Güler" ~
"Guler"), transliteration ("Krutsjov" ~ "Khrushchev"), adjectives ("Ungarn" ~ "Hungarian"),
exonyms ("Köln" ~ "Cologne") and spelled-out abbreviations ("IMF", "UW"). A name made of
ordinary Nordic words is often translated instead ("Representantenes hus" → "House of
Representatives"): `unexplained_capitals` finds the capitalised English words that may be it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .exonyms import exonyms
from .names import (
    _TOKEN,
    _forms,
    _is_acronym,
    _is_code,
    _name_part_simple,
    _starts_sentence,
    _strip_genitive,
    _wordset,
    fold,
)


class TargetIndex:
    """The words of one translated sentence, indexed for the questions `present` asks."""

    def __init__(self, text: str) -> None:
        self.tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text)]
        words = [w for _, w in self.tokens]
        self.folded = [fold(_strip_genitive(w)) for w in words]
        self.words = set(self.folded)
        for word in list(self.words):
            self.words.update(p for p in word.split("-") if p)
            if len(word) > 3 and word.endswith("s"):
                self.words.add(word[:-1])
        self.phrases = {" ".join(self.folded[i : i + n]) for n in (2, 3)
                        for i in range(len(self.folded) - n + 1)}  # fmt: skip
        for dotted in re.findall(r"(?:[A-Z]\.){2,}", text):  # "U.S." → "us"
            self.words.add(dotted.replace(".", "").lower())
        self.text = text
        self.compact = re.sub(r"[^0-9a-z]", "", fold(text))
        self.capitalised = {fold(w) for w in words if w[0].isupper() and len(w) >= 4}
        self.initials = _initialisms(words)
        self.canonical = {canonical(w): w for w in self.words if len(w) >= 4}


def initials(text: str) -> str:
    """ "University of Washington" → "uw"."""
    return "".join(w[0].lower() for w in text.split() if w[:1].isupper())


def _initialisms(words: list[str]) -> set[str]:
    """ "International Monetary Fund" → "imf": the abbreviations the capitalised runs spell."""
    out: set[str] = set()
    run: list[str] = []
    for word in [*words, "."]:
        if word[0].isupper():
            run.append(word[0].lower())
        elif fold(word) in ("of", "the", "and", "for") and run:
            continue
        else:
            if len(run) >= 2:
                out.add("".join(run))
            run = []
    return out


def present(word: str, target: TargetIndex) -> bool:
    """Whether source name `word` shows up in the translated sentence `target`."""
    if _is_code(word):
        return re.sub(r"[^0-9a-z]", "", fold(word)) in target.compact
    forms = _forms(word)
    if forms & target.words:
        return True
    if _is_acronym(word) and fold(_name_part_simple(word)) in target.initials:
        return True
    for form in forms:
        english = exonyms().get(form)
        if english and any(_english_present(e, target) for e in english):
            return True
    return any(_close(form, target) for form in forms if len(form) >= 4)


def english_present(forms: Sequence[str], target: TargetIndex) -> bool:
    """Whether any of an exonym's English `forms` is in `target`."""
    return any(_english_present(e, target) for e in forms)


def _english_present(form: str, target: TargetIndex) -> bool:
    if not form.isalnum() and len(form) == 1:  # "$", "€", "£"
        return form in target.text
    if " " in form:
        return form in target.phrases
    return form in target.words or (len(form) >= 4 and _close(form, target))


def _close(form: str, target: TargetIndex) -> bool:
    """A near spelling: a shared stem ("egypt" ~ "egyptian"), a compound's first part
    ("nobelprisen" ~ "Nobel"), or one or two letters apart once transliterated."""
    for word in target.words:
        if len(word) < 4:
            continue
        shared = _shared_prefix(form, word)
        if shared >= 4 and shared >= 0.7 * min(len(form), len(word)):
            return True
        if len(word) >= 4 and word in target.capitalised and form.startswith(word):
            return True
    key = canonical(form)
    if key in target.canonical:
        return True
    for other in target.canonical:
        shared = _shared_prefix(key, other)
        if shared >= 4 and shared >= 0.7 * min(len(key), len(other)):
            return True
    limit = 1 if len(key) < 7 else 2
    if len(key) < 5:
        return False
    return any(
        abs(len(key) - len(other)) <= limit and _within(key, other, limit)
        for other in target.canonical
    )


def _shared_prefix(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


_CANON = (
    ("stj", "ch"), ("tsj", "ch"), ("tj", "ch"), ("sj", "sh"), ("shch", "ch"), ("sch", "sh"),
    ("kh", "k"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("qu", "kv"), ("q", "k"), ("w", "v"),
    ("z", "s"), ("x", "ks"), ("c", "k"), ("y", "i"), ("j", "i"), ("h", ""),
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def canonical(word: str) -> str:
    """A rough sound key that Nordic and English transliterations share: "krutsjov" (and the
    Swedish "chrustjov") and "khrushchev" come out one letter apart, "pytagoras" and
    "pythagoras" the same."""
    for old, new in _CANON:
        word = word.replace(old, new)
    out: list[str] = []
    for char in word:
        if char.isalpha() and (not out or out[-1] != char):
            out.append(char)
    text = "".join(out)
    return text[:-1] if len(text) > 4 and text.endswith("e") else text


def _within(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance of `a` and `b` is at most `limit`."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


# ---- translated names --------------------------------------------------------------------

# Capitalised English words that translate ordinary Nordic words: titles, the pronoun "I".
_ENGLISH_CAPS = _wordset("""
i mr mrs ms dr sir lord lady president prime minister king queen prince princess pope
chancellor senator governor mayor general colonel captain chief secretary professor saint
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december
""")
_ADJECTIVE_ENDINGS = ("ian", "ean", "ese", "ish", "ic", "an", "i")


def unexplained_capitals(target: TargetIndex, source: str) -> list[int]:
    """Positions (token indices) of capitalised words in `target` that nothing in `source`
    accounts for: where a translated name ("Research Service" for "Forskningstjeneste") is."""
    source_index = TargetIndex(source)
    english = set()
    for _, word in source_index.tokens:
        for form in _forms(word):
            for e in exonyms().get(form, ()):
                english.update(e.split())
    out = []
    for k, (position, word) in enumerate(target.tokens):
        folded = target.folded[k]
        if not word[0].isupper() or _starts_sentence(target.text, position) or len(word) < 2:
            continue
        if folded in _ENGLISH_CAPS or folded in english or folded.endswith(_ADJECTIVE_ENDINGS):
            continue
        if folded in source_index.words or (len(folded) >= 4 and _close(folded, source_index)):
            continue
        out.append(k)
    return out


def positions_of(word: str, target: TargetIndex) -> list[int]:
    """Token indices of `target` where source name `word` shows up."""
    forms = _forms(word)

    def near(folded: str) -> bool:
        return len(folded) >= 4 and any(
            _shared_prefix(f, folded) >= 0.7 * min(len(f), len(folded)) for f in forms
        )

    return [k for k, folded in enumerate(target.folded) if folded in forms or near(folded)]
