"""Finding the names of a Nordic sentence (whether its translation has them: `presence`).

A name is a run of capitalised words ("Bob Dylan", "Stanford University"), a capitalised part of
a compound ("Dalhousie-universitet", "TV-kanal"), an abbreviation ("FN") or a code ("H5N1"). It
is present when its distinctive part is: the surname of a person, not just the first name; the
"Stanford" of "Stanford University". Presence allows what translation does to names: genitives
("Nakatanis"), definite endings, accents ("Güler" ~ "Guler"), transliteration ("Krutsjov" ~
"Khrushchev"), adjectives ("Ungarn" ~ "Hungarian") and exonyms ("Köln" ~ "Cologne").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .exonyms import exonyms, phrase_starts

_TOKEN = re.compile(r"[^\W_](?:[\w'’-]*\w)?")
_QUOTES_AND_BRACKETS = "\"'“”«»‘’„([*•"
_DASHES = "-–—"
_SENTENCE_END = ".!?:;…"


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARTICLES = _wordset("""
de da di do dos das du van von der den del della al el la le bin ibn y of the
""")
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ı": "i", "đ": "d", "ł": "l", "œ": "oe"})

# Capitalised words that are translated, not kept: months, weekdays, titles and honorifics.
_NOT_NAMES = _wordset("""
januar januari februar februari mars marts april mai maj juni juli august augusti september
oktober november desember december mandag tirsdag tisdag tysdag onsdag torsdag fredag lordag
laurdag sondag sundag mandagen fredagen hr herr fru frk fr dr prof professor kong konge kung
kongen kungen dronning drottning dronningen drottningen prins prinsesse prinsessa kronprins
kronprinsesse kronprinsessa president presidenten statsminister statsministeren minister
ministeren general generalen kaptein kapten sjef direktor eksellense majestet hoyhet hans hennes
deres sankt saint st
""")
# Words that open a sentence without being names (folded): pronouns, articles, conjunctions,
# prepositions and adverbs of nb, nn, da and sv.
_FUNCTION_WORDS = _wordset("""
i pa paa da na nar naar men og mens etter efter for fra fran til med om ved under over hos
ifolge enligt ifolje bade som den det de dei dette disse detta dessa denne denna han hun hon ho
vi jeg jag eg du dere der her hvis om selv sjolv ogsa ocksa likevel sa nu no och at ikke inte
ikkje ingen inga ett et en ei ein eit mange manga flere fleire flera noen nogen nagon nokon alle
alla hele heile hela begge bagge bada hver hvert varje kvar nar hvor hvar kor hva hvad vad hvem
vem kven hvorfor varfor kvifor hvordan hur korleis siden sidan sedan innen inom blant bland mot
mod mellom mellem mellan uten utan utan gjennom genom rundt omkring sammen tillsammans dessuten
desuden dessutom derfor darfor difor dermed darmed likevel dog bare kun endast berre enda endnu
annen anden annan andre andra nye nya ny nytt gamle gamla store stora storste ikke allerede
redan alltid aldri aldrig altid ofte ofta noen nogle nagra disse dessa dei slik slike sadan
sadana sadant slikt forst forste forsta sist siste sista medan hja mykje dessutan samstundes
kor kven eit desse me dykk berre ifylgje framleis heller
""")
# Words that name the kind of thing rather than which one: "Stanford University" is found by
# "Stanford". English and Nordic, folded. Ordinals too: "Det Andet Slag ved Fallujah" is the
# Second Battle of Fallujah, "Kyssets Gyde" the Alley of the Kiss.
_GENERIC = _wordset("""
university universitet universitetet college school skole skolen skola institute institutt
instituttet institutet academy akademi akademiet museum museet hospital sykehus sjukhus center
centre senter senteret centrum street gate gata gade road vei vej vag avenue square plass
plassen torg torget torv park parken bridge bru brua bro bron airport lufthavn flyplass
flygplats station stasjon hotel hotell church kirke kirken kyrka kyrkan cathedral castle slott
palace tower river elv elva lake sjo sjon mount mountain fjell island islands bay gulf sea hav
havet ocean valley north nord south sor syd east ost west vest vast new great grand royal
national international united federal republic kingdom state states city county district region
province party parti partiet union unionen council committee commission association forbund
forbundet federation league liga club klubb klub team group gruppen company corporation inc ltd
co as asa ab bank banken foundation stiftelse fund fond agency service ministry department
departement office court forces army navy air force police politi polis times news post open cup
championship prix festival award prize pris day dag war krig world rooms house hus hall theatre
teater film the of and for og
gyde straede smug smau battle slag slaget
forste andre anden andet tredje fjerde femte sjette sjunde sjuende syvende attende ottende
""")
_ARTICLES = frozenset({"den", "det", "de", "dei", "the"})
_DEFINITE = ("ene", "ane", "erna", "arna", "orna", "et", "en", "a", "n")
_PATRONYMIC = ("sen", "son", "sson")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without diacritics, so "Güler" matches "Guler" and "Bodø" matches "Bodo"."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Name:
    """A name in a source sentence: its text and span there, and what must be in the target.

    `required` are the distinctive words, as (text, span); `english` the forms an exonym table
    gives for the whole name ("Nya Zeeland" → "new zealand"), if any.
    """

    text: str
    span: tuple[int, int]
    required: tuple[tuple[str, tuple[int, int]], ...]
    english: tuple[str, ...] = ()
    nordic: bool = False  # the head of a Nordic phrase ("Svarta havet", "Grus-kungen")


@dataclass(frozen=True)
class SourceContext:
    """What the whole source document says about its words: which are also written in lower
    case (ordinary words) and which are capitalised mid-sentence (names wherever they stand)."""

    lowercase: frozenset[str]
    capitalised: frozenset[str]

    @classmethod
    def of(cls, sentences: Sequence[str]) -> SourceContext:
        lower: set[str] = set()
        caps: set[str] = set()
        for sentence in sentences:
            for match in _TOKEN.finditer(sentence):
                word = match.group()
                if word[0].islower():
                    lower.add(fold(word))
                elif not _starts_sentence(sentence, match.start()):
                    caps.add(fold(_strip_genitive(word)))
        return cls(frozenset(lower), frozenset(caps))


def _starts_sentence(text: str, position: int) -> bool:
    """Whether the word at `position` opens a sentence, line, quote, bracket or list item,
    where a capital letter says nothing about names."""
    return _opening(text, position) is not None


def _opening(text: str, position: int) -> str | None:
    """ "sentence" when the word at `position` opens the text or follows end punctuation,
    "quote" when it follows an opening quote, bracket or dash, None inside a sentence."""
    k = position - 1
    while k >= 0 and text[k] in " \t\u00a0":
        k -= 1
    if k < 0 or text[k] in _SENTENCE_END:
        return "sentence"
    if text[k] in _QUOTES_AND_BRACKETS:
        k2 = k - 1
        while k2 >= 0 and text[k2] in _QUOTES_AND_BRACKETS + " \t\u00a0":
            k2 -= 1
        return "sentence" if k2 < 0 or text[k2] in _SENTENCE_END + "," else "quote"
    if text[k] in _DASHES and (k == 0 or text[k - 1] in " \t\u00a0"):
        return "quote"
    return None


_APOSTROPHE_ENDING = re.compile(r"['’](?:s|er|erne|en|ene|ar|arna|na|n)?$")


def _strip_genitive(word: str) -> str:
    """ "Nakatani's" → "Nakatani", "REM'er" → "REM", "Paris'" → "Paris"."""
    return _APOSTROPHE_ENDING.sub("", word)


def find_names(sentence: str, context: SourceContext) -> list[Name]:
    """The names of one source sentence, in order."""
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(sentence)]
    folded = [fold(t) for _, t in tokens]
    names: list[Name] = []
    i = 0
    while i < len(tokens):
        start, word = tokens[i]
        phrase = _table_phrase(folded, i)
        if phrase and word[0].isupper():
            end_pos, end_word = tokens[i + phrase - 1]
            span = (start, end_pos + len(end_word))
            text = sentence[span[0] : span[1]]
            english = exonyms()[" ".join(folded[i : i + phrase])]
            names.append(Name(text, span, ((text, span),), english))
            i += phrase
            continue
        if not _capitalised(word):
            part = _capitalised_part(word, start)
            if part is not None:
                names.append(Name(part[0], part[1], (part,)))
            i += 1
            continue
        if "-" in word and word.split("-")[-1].islower() and not _is_code(word):
            head = _name_part(word)  # "Grus-kungen", "Dalhousie-universitet"
            if (
                head
                and fold(head) not in _NOT_NAMES
                and (not _opening(sentence, start) or _foreign_head(head, context))
            ):
                span = (start, start + len(head))
                names.append(Name(head, span, ((head, span),), nordic=True))
                i += 1
                continue
        run = [(start, word)]
        j = i + 1
        while j < len(tokens):
            gap = sentence[run[-1][0] + len(run[-1][1]) : tokens[j][0]]
            nxt = tokens[j][1]
            if gap not in (" ", "\u00a0"):
                break
            if _capitalised(nxt) or (
                fold(nxt) in _PARTICLES and j + 1 < len(tokens) and _capitalised(tokens[j + 1][1])
            ):
                run.append(tokens[j])
                j += 1
            else:
                break
        name = _name_of_run(sentence, run, context)
        if name is not None:
            end = name.span[1]
            suspended = sentence[end : end + 1] == "-"  # "Svarta- och Kaspiska havet"
            if len(name.required) == 1 and (
                suspended or (j < len(tokens) and _definite(tokens[j][1]))
            ):
                name = Name(name.text, name.span, name.required, name.english, nordic=True)
            names.append(name)
        i = j
    return names


def _foreign_head(head: str, context: SourceContext) -> bool:
    """Whether the head of a compound opening a sentence is a name all the same: a foreign
    word that the document never writes in lower case ("Tutankhamon-gravkammeret")."""
    folded = fold(head)
    return (len(head) >= 5 and folded not in context.lowercase and folded not in _FUNCTION_WORDS
            and not looks_nordic(head))  # fmt: skip


def _definite(word: str) -> bool:
    """A lower-case Nordic noun in the definite form ("havet", "stan", "domstolen")."""
    return word.islower() and len(word) >= 3 and word.endswith(("et", "en", "an", "na", "ne"))


def _capitalised(word: str) -> bool:
    return word[0].isupper()


def _table_phrase(folded: list[str], i: int) -> int:
    """How many words from `i` form a multi-word exonym ("stilla havet"), or 0."""
    for phrase in phrase_starts().get(folded[i], ()):
        words = phrase.split()
        if folded[i : i + len(words)] == words:
            return len(words)
    return 0


def _capitalised_part(word: str, start: int) -> tuple[str, tuple[int, int]] | None:
    """The capitalised part of a lower-case compound: "anti-Trump" → "Trump"."""
    offset = 0
    for part in word.split("-"):
        if offset and len(part) > 1 and part[0].isupper():  # "sør-Øst-Europa" → "Øst-Europa"
            return word[offset:], (start + offset, start + len(word))
        offset += len(part) + 1
    return None


def _name_of_run(sentence: str, run: list[tuple[int, str]], context: SourceContext) -> Name | None:
    """The name a run of capitalised words stands for, or None when it is no name."""
    first_pos, first = run[0]
    opening = _opening(sentence, first_pos)
    if opening and not _kept_opener(first, len(run), context, opening == "quote"):
        run = run[1:]
    while run and fold(run[0][1]) in _ARTICLES and len(run) > 1:  # "Det Kaspiske Hav"
        run = run[1:]
    words = [(p, _name_part(w)) for p, w in run]
    words = [(p, w) for p, w in words if w and fold(w) not in _NOT_NAMES]
    if not words:
        return None
    if len(words) == 1 and not _is_code(words[0][1]):
        single = words[0][1]
        if fold(single) in context.lowercase:
            return None
        # "Romerriget", "Unionskommissær": a long Nordic compound is a translated noun.
        if len(single) >= 10 and looks_nordic(single) and not _forms(single) & exonyms().keys():
            return None
    start = words[0][0]
    end = words[-1][0] + len(words[-1][1])
    text = sentence[start:end]
    english = exonyms().get(_lookup_form(text), ())
    return Name(text, (start, end), _required(words), english)


def _kept_opener(word: str, run_length: int, context: SourceContext, quoted: bool) -> bool:
    """Whether the capitalised first word of a sentence is a name.

    "Ola Nordmann" opening a sentence is; "Mens Tokyo" or "Nyheten" is not. A word capitalised
    mid-sentence elsewhere, an abbreviation, a code and a listed exonym are names wherever they
    stand; another single word opening a sentence is taken for an ordinary word.
    """
    folded = fold(_strip_genitive(word))
    if folded in _FUNCTION_WORDS:
        return False
    if folded in context.capitalised or _is_code(word) or _is_acronym(word):
        return True
    if folded in exonyms() and (len(folded) > 3 or _is_acronym(word)):  # not "Seks" ~ "SEK"
        return True
    if run_length > 1 and folded.endswith(_NAME_ADJECTIVES):  # "Sosialistisk Venstreparti"
        return True
    if folded in context.lowercase or looks_nordic(word):  # "Ordføraren Ola Nordmann"
        return False
    # After a quote or bracket ("«Zoungla»", "(Bremer, 1998)") a foreign-looking word is a name.
    return run_length > 1 or (quoted and not looks_nordic(word))


# Strong adjective endings: an adjective capitalised before another capitalised word is the
# first word of the name ("Sosialistisk Venstreparti", "Kristelig Folkeparti"), since Nordic
# writes an ordinary adjective before a name in lower case ("norske Equinor"). A noun that
# opens the sentence before a name ("Ordføraren Ola Nordmann") is not.
_NAME_ADJECTIVES = ("lig", "leg", "isk")


def _name_part(word: str) -> str:
    """The name inside a token: "Dalhousie-universitet" → "Dalhousie", "USAs" → "USA"."""
    word = _strip_genitive(word)
    if _is_code(word):  # "COVID-19-viruset" → "COVID-19", "Il-76-modeller" → "Il-76"
        parts = word.split("-")
        while len(parts) > 1 and parts[-1].islower():
            parts.pop()
        return "-".join(parts)
    parts = word.split("-")
    if len(parts) > 1 and not all(p[:1].isupper() for p in parts):
        kept = [p for p in parts if len(p) > 1 and p[0].isupper()]
        return kept[0] if kept else ""
    if re.fullmatch(r"[A-ZÆØÅÄÖ]{2,}s", word):  # "USAs", "FNs": a genitive
        return word[:-1]
    return word if len(word) > 1 else ""


def _is_code(word: str) -> bool:
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def is_acronym(word: str) -> bool:
    """ "FN", "SSB", "USAs": an abbreviation, which English often spells out instead."""
    return _is_acronym(word)


def _is_acronym(word: str) -> bool:
    letters = [c for c in _name_part_simple(word) if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _name_part_simple(word: str) -> str:
    word = _strip_genitive(word).split("-")[0]
    return word[:-1] if re.fullmatch(r"[A-ZÆØÅÄÖ]{2,}s", word) else word


def _required(words: list[tuple[int, str]]) -> tuple[tuple[str, tuple[int, int]], ...]:
    """The distinctive words of a name: the last one that is not generic (the surname) and any
    that a generic word follows ("Stanford" in "Stanford University School")."""
    distinctive = [not _generic(w) for _, w in words]
    required = []
    last = max((k for k, d in enumerate(distinctive) if d), default=None)
    for k, (position, word) in enumerate(words):
        if not distinctive[k]:
            continue
        followed_by_generic = k + 1 < len(words) and not distinctive[k + 1]
        if k == last or followed_by_generic:
            required.append((word, (position, position + len(word))))
    return tuple(required)


def _generic(word: str) -> bool:
    """A word naming the kind of thing, or a long Nordic compound ("Naturskyddsområde")."""
    folded = fold(word)
    return folded in _GENERIC or folded in _PARTICLES or (len(word) >= 10 and looks_nordic(word))


def _lookup_form(text: str) -> str:
    return fold(_strip_genitive(text))


def _forms(word: str) -> set[str]:
    """Spellings of source `word` a translation may use: folded, without a genitive -s or a
    definite ending, and its hyphen parts."""
    folded = fold(_strip_genitive(word))
    forms = {folded}
    if "-" in folded:
        forms.update(p for p in folded.split("-") if len(p) >= 2)
        forms.add(folded.replace("-", ""))
    for form in list(forms):
        if len(form) >= 3 and form.endswith("s"):  # a genitive: "Ios" (Io's), "Baykars"
            forms.add(form[:-1])
    for form in list(forms):
        if len(form) > 6 and not form.endswith(_PATRONYMIC):
            forms.update(form[: -len(e)] for e in _DEFINITE if form.endswith(e))
    for form in list(forms):  # "Sydøsteuropa" is found by "Europe", "Nordafrika" by "Africa"
        match = _COMPASS.match(form)
        if match and len(form) - match.end() >= 4:
            forms.add(form[match.end() :].lstrip("-"))
    return forms


_COMPASS = re.compile(
    r"(?:nord|syd|sor|sore|sud|ost|vest|vast|soder|norra|sodra|ostra|vastra)"
    r"(?:ost|vest|vast)?-?"
)


_NORDIC_LETTERS = frozenset("æøåäöÆØÅÄÖ")
_NORDIC_ENDINGS = ("ene", "erne", "arna", "orna", "ets", "ens", "nes", "ige", "iga", "iske",
                   "iska", "ske", "ska", "lige", "liga", "et", "en", "gt", "kt",
                   # "Kristelig", "Kristeleg", "Sosialistisk", neuter "Nasjonalt"
                   "lig", "leg", "lege", "isk", "nalt", "ralt")  # fmt: skip
# Nynorsk stems in the names of organisations ("Noregs Bondelag", "Hovudorganisasjon").
_NYNORSK_STEMS = ("noreg", "hovud", "raud", "kyrkj")
# Heads of Nordic compounds naming a kind of body ("Folkeparti", "Bondelag", "Mattilsynet"):
# such a name is usually given its English name, not kept.
_BODY_HEADS = ("parti", "partiet", "lag", "laget", "forbund", "forbundet", "organisasjon",
               "organisasjonen", "direktorat", "direktoratet", "tilsyn", "tilsynet",
               "verket", "institutt", "instituttet", "departement", "departementet", "nemnd",
               "nemnda")  # fmt: skip


def looks_nordic(word: str) -> bool:
    """Whether `word` looks like an ordinary Nordic word (a translated name's part): Nordic
    letters or a Nordic inflection, not a patronymic surname."""
    folded = fold(word)
    if folded.endswith(_PATRONYMIC):
        return False
    if any(c in _NORDIC_LETTERS for c in word):
        return True
    if len(folded) >= 3 and folded in _FUNCTION_WORDS:  # "Dei" in "Miljøpartiet Dei Grøne"
        return True
    if len(folded) >= 7 and folded.endswith(_BODY_HEADS):
        return True
    return folded.startswith(_NYNORSK_STEMS) or (
        len(folded) >= 5 and folded.endswith(_NORDIC_ENDINGS)
    )
