"""Checks that a summary invents nothing: no figure and no name that its text does not have.

Abstractive summarisers trained on news (BART on CNN/Daily Mail) put entities and figures from
outside the article into their summaries. A summary is checked against the whole text it
summarises, not sentence by sentence: a summary moves facts around. A name counts as there
under the same rules as a translation's (`presence`): its distinctive part ("Mr Støre" for
"Jonas Gahr Støre"), genitives, accents, exonyms, spelled-out abbreviations. Summary and text
are in one language: English in the pipeline, any of nb, nn, da, sv as well.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from pipeline.text.sentences import sentence_spans

from .checks import Check, _missing_parts, _noun, _quote, _sorted
from .exonyms import exonyms
from .figures import Index, scale_slip
from .names import (
    _FUNCTION_WORDS,
    _NORDIC_ENDINGS,
    _NOT_NAMES,
    _PARTICLES,
    _TOKEN,
    Name,
    SourceContext,
    _forms,
    _opening,
    _strip_genitive,
    _wordset,
    find_names,
    fold,
)
from .presence import TargetIndex, _shared_prefix, present
from .quantities import Quantity, describe, extract_quantities

__all__ = [
    "INVENTED_KINDS",
    "check_summary",
    "emptied",
    "summary_sentences",
    "without_sentences",
]

#: The kinds of check that say the summary has something its text does not.
INVENTED_KINDS = frozenset({"number_invented", "number_scale", "name_invented"})

# Capitalised English words that are no names: titles, calendar words, the words that open
# English sentences (whose capital says nothing), and abbreviations of common nouns. Folded.
_ENGLISH_NOT_NAMES = _wordset("""
mr mrs ms miss dr sir lord lady dame madam prof professor president presidents vice prime
minister ministers premier chancellor secretary general senator governor mayor king queen
prince princess crown pope chief executive chairman chairwoman chair director leader
spokesman spokeswoman spokesperson deputy foreign finance defence defense justice health
state mp mps ceo cfo
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december
the a an in on at and but or nor so yet when while after before as with without for from to
by of if also he she it they we i you this that these those his her their its our my there
here however meanwhile despite although though since until during under over about against
among between into onto through throughout according both each every all some many most more
no not one two three four five six seven eight nine ten last next first new then now
tv url dna pc gps sms bc bce ad ce am pm
""")
# Nationality adjectives and demonyms: they name no one ("Norwegian police"). Folded. Those of
# countries English spells its own way are taken from the exonym table's English forms.
_NATIONALITIES = _wordset("""
norwegian norwegians swedish swede swedes danish dane danes finnish finn finns icelandic nordic
scandinavian scandinavians european europeans american americans british briton britons
english scottish welsh irish russian russians ukrainian ukrainians polish pole poles dutch
african asian arab arabs arabic israeli israelis palestinian palestinians iranian iranians
syrian syrians afghan afghans pakistani pakistanis japanese korean koreans vietnamese thai
mexican mexicans cuban argentinian argentine chilean peruvian venezuelan somali somalis
sudanese kenyan nigerian nigerians sami muslim muslims christian christians jewish jews
sunni sunnis shiite shiites shia
catholic protestant lutheran western eastern northern southern soviet
""")


def check_summary(text: str, summary: str, language: str = "en") -> list[Check]:
    """What `summary` says that `text` does not: figures (`number_invented`, or a wrong scale
    word, `number_scale`) and the names of people, places and organisations
    (`name_invented`), all errors, sorted by summary sentence. Both texts are in `language`
    (en, nb, nn, da or sv).

    Spelled-out small numbers ("two ministers", "the first") are not checked on their own: a
    summary rephrases them freely and they are rarely the figure a reader relies on.
    """
    if not summary.strip():
        return []
    sentences = summary_sentences(summary, language)
    checks = _figure_checks(text, sentences, language)
    checks += _name_checks(text, sentences, language)
    return _sorted(checks)


def summary_sentences(summary: str, language: str = "en") -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence of `summary`: what a check's `sentence` counts."""
    return [(start, summary[start:end]) for start, end in sentence_spans(summary, language)]


def without_sentences(summary: str, drop: set[int], language: str = "en") -> str:
    """`summary` without its sentences numbered in `drop` (as `summary_sentences` counts)."""
    kept = [s for i, (_, s) in enumerate(summary_sentences(summary, language)) if i not in drop]
    return " ".join(kept)


def emptied(dropped: int) -> Check:
    """The check that says why a summary is empty: each of its `dropped` sentences had a name
    or a figure that the translation does not (`invented: drop`)."""
    each = "its one sentence" if dropped == 1 else f"each of its {dropped} sentences"
    message = (
        f"The summary is empty: {each} had a name or a figure that is not in the translation, "
        "and was dropped (invented: drop)."
    )
    return Check("summarise", "summary_dropped", "warning", "", message, None, None, None, None,
                 None, None)  # fmt: skip


# ---- figures -------------------------------------------------------------------------------


def _figure_checks(text: str, sentences: list[tuple[int, str]], language: str) -> list[Check]:
    wanted: list[tuple[int, str, Quantity]] = []
    seen: set[tuple[str, Decimal]] = set()
    for index, (_offset, sentence) in enumerate(sentences):
        for q in extract_quantities(sentence, language):
            if (q.spelled and not q.scaled) or q.kind == "scale" or q.key in seen:
                continue
            seen.add(q.key)
            wanted.append((index, sentence, q))
    if not wanted:  # the text's figures are not needed (the longer part of the work)
        return []
    known = extract_quantities(text, language)
    known_index = Index(known)
    missing = [(i, sentence, q) for i, sentence, q in wanted if not known_index.matches(q, False)]
    return [_figure_check(i, sentence, q, known, text, language) for i, sentence, q in missing]


def _figure_check(
    index: int, sentence: str, q: Quantity, known: list[Quantity], text: str, language: str
) -> Check:
    where = f"summary sentence {index + 1}"
    slip = next((k for k in known if k.power and scale_slip(k, q)), None) if q.power else None
    if slip is None:
        message = f"The {_noun(q)} {_quote(q)} in {where} is not in the {_text_name(language)}."
        return Check("summarise", "number_invented", "error", q.text, message, None, index,
                     None, sentence, None, q.span)  # fmt: skip
    message = (
        f"The {_noun(q)} {_quote(q)} in {where} is {describe(slip)} in the {_text_name(language)}."
    )
    source, span = _sentence_at(text, slip.span, language)
    return Check("summarise", "number_scale", "error", q.text, message, None, index, source,
                 sentence, span, q.span)  # fmt: skip


def _text_name(language: str) -> str:
    """What the summarised text is to a reader: the pipeline summarises the translation."""
    return "translation" if language == "en" else "text"


def _sentence_at(
    text: str, span: tuple[int, int], language: str
) -> tuple[str | None, tuple[int, int] | None]:
    """The sentence of `text` holding `span` and the span's offsets within it."""
    for start, end in sentence_spans(text, language):
        if start <= span[0] < end:
            return text[start:end], (span[0] - start, span[1] - start)
    return None, None


# ---- names ---------------------------------------------------------------------------------


def _name_checks(text: str, sentences: list[tuple[int, str]], language: str) -> list[Check]:
    context = SourceContext.of([*_lines(text), *(s for _, s in sentences)])
    names_index = TargetIndex(_names_only(text))
    whole: TargetIndex | None = None  # every word of the text, when needed
    named: set[int] | None = None  # the exonym entries the text names, likewise
    checks: list[Check] = []
    seen: set[str] = set()  # missing words already reported
    for index, (_offset, sentence) in enumerate(sentences):
        for name, opener, generic in summary_names(sentence, context, language):
            missing = [w for w in _missing_parts(name, names_index) if not _ROMAN.fullmatch(w)]
            if not missing or {fold(w) for w in missing} <= seen:
                continue
            whole = TargetIndex(text) if whole is None else whole
            if opener:  # perhaps an ordinary word: any form of it anywhere in the text will do
                missing = [w for w in missing if not present(w, whole)]
            elif generic:  # "Stortinget" by "stortingsvalget"; "Naturvernforbundet" not by "natur"
                missing = [w for w in missing if not _stem_in(w, whole)]
            else:  # the text writes it in lower case: «Birds of prey»
                missing = [w for w in missing if not _forms(w) & whole.words]
            if not missing:
                continue
            named = _named(text) if named is None else named
            if all(_entries_of(w) & named for w in missing):  # "Frp" for "Fremskrittspartiet"
                continue
            seen.update(fold(w) for w in missing)
            message = (
                f'The name "{name.text}" in summary sentence {index + 1} is not in the '
                f"{_text_name(language)}."
            )
            checks.append(Check("summarise", "name_invented", "error", name.text, message,
                                None, index, None, sentence, None, name.span))  # fmt: skip
    return checks


_KEPT_LOWER = frozenset({"of", "the", "and", "for"})  # inside names: "Bank of England"


def _names_only(text: str) -> str:
    """`text` with its lower-case words blanked out (as digits, which no name matches), so that
    a summary's name is looked for among the text's capitalised words: "Borten" is not found
    by "bort", nor "Langbach" by "lang". Offsets and capitalised runs stay as they were."""
    return _TOKEN.sub(_blank, text)


def _blank(match: re.Match[str]) -> str:
    word = match.group()  # "anti-Trump" is not lower case: it keeps its "Trump"
    return "0" * len(word) if word.islower() and word not in _KEPT_LOWER else word


def _named(text: str) -> set[int]:
    """The exonym entries that the names and phrases of `text` name, in any language."""
    out: set[int] = set()
    words = _TOKEN.findall(text)
    folded = [fold(w) for w in words]
    for n in (2, 3):
        for i in range(len(folded) - n + 1):
            out |= _entries().get(" ".join(folded[i : i + n]), set())
    for word, form in zip(words, folded, strict=True):
        if word[0].isupper():  # not "us", "green" or "progress" as ordinary words
            out |= _entries_of(word)
        country = next((c for p, c in _COUNTRY_ADJECTIVES if form.startswith(p)), None)
        out |= _entries().get(country or "", set())
    return out


def _entries_of(word: str) -> set[int]:
    """The exonym entries that `word` (any form of it) names: "Frp", "Fremskrittspartiet" and
    "Progress Party" name one; so do "Norge", "Noreg", "Norway" and "Norwegian"."""
    table = _entries()
    return {i for form in _forms(word) for i in table.get(form, ())}


@functools.cache
def _entries() -> dict[str, set[int]]:
    """Every folded form of the exonym table, Nordic and English, → the entries it is in."""
    ids: dict[tuple[str, ...], int] = {}
    table: dict[str, set[int]] = {}
    for nordic, english in exonyms().items():
        entry = ids.setdefault(english, len(ids))
        for form in (nordic, *english):
            table.setdefault(form, set()).add(entry)
    return table


# Nordic adjectives name their country, as English ones do in the exonym table: a Norwegian
# summary says "i Norge" of an article that only says "norske bønder". (prefix, country)
_COUNTRY_ADJECTIVES = (
    ("norsk", "norge"), ("nordm", "norge"), ("svensk", "sverige"), ("dansk", "danmark"),
    ("finsk", "finland"), ("islandsk", "island"), ("tysk", "tyskland"), ("fransk", "frankrike"),
    ("britisk", "storbritannia"), ("amerikansk", "usa"), ("russisk", "russland"),
    ("kinesisk", "kina"), ("europeisk", "europa"),
)  # fmt: skip
_ROMAN = re.compile(r"[IVX]+")  # "Elisabeth II" is "Elisabeth 2": the name is "Elisabeth"


def _lines(text: str) -> list[str]:
    """The sentences of `text` line by line (a heading line ends where its line does)."""
    return [line for line in text.splitlines() if line.strip()]


def summary_names(
    sentence: str, context: SourceContext, language: str = "en"
) -> list[tuple[Name, bool, bool]]:
    """The names of one summary sentence, each with whether it may be ordinary words: whether
    it is the sentence's first word alone, which a capital letter says nothing of (an opener;
    Nordic sentences only), and whether it is made of words that name a kind of thing
    ("Stortinget", "Arbeiderpartiet": generic).

    Nordic sentences are read by `find_names`; in English ones, titles, calendar words,
    nationality adjectives and sentence openers ("The", "In", "Mr") are lower-cased first, so
    that they neither count as names nor hide the name after them ("Prime Minister Støre").
    """
    reading = _mask_english(sentence) if language == "en" else sentence
    found = find_names(reading, context)
    found = sorted([*found, *_long_words(reading, context, found)], key=lambda n: n.span)
    names = [(_restored(name, sentence), False, not name.required) for name in found]
    # An English sentence opens with words that no list holds ("Eventually", "Critics"); a
    # summariser that copies its text rarely opens with a name the text does not have.
    opener = _opener(reading, context, found, language) if language != "en" else None
    return [(opener, True, False), *names] if opener is not None else names


def _stem_in(word: str, index: TargetIndex) -> bool:
    """Whether `index` has a word that begins with most of `word` ("stortingsvalget" for
    "Stortinget"): the text speaks of the thing in a compound of its own."""
    folded = fold(word)
    return any(_shared_prefix(folded, w) >= 0.7 * len(folded) for w in index.words)


def _long_words(sentence: str, context: SourceContext, names: list[Name]) -> list[Name]:
    """Long capitalised words inside a sentence that `find_names` took for Nordic compounds
    ("Copenhagen", "Knausgårds"). A translation may translate a compound; a summary in the
    language of its text keeps a name as the text writes it."""
    out = []
    for match in _TOKEN.finditer(sentence):
        word = _strip_genitive(match.group())
        if (
            len(word) >= 10
            and word[0].isupper()
            and word.isalpha()
            and fold(word) not in context.lowercase
            and _opening(sentence, match.start()) != "sentence"  # «Kampf 2009» is a name
            and not any(n.span[0] <= match.start() < n.span[1] for n in names)
        ):
            span = (match.start(), match.start() + len(word))
            out.append(Name(word, span, ((word, span),)))
    return out


def _restored(name: Name, sentence: str) -> Name:
    """`name` with its words as `sentence` writes them (an English one was read masked).

    A name made only of words that name a kind of thing ("Arbeiderpartiet", "Stortinget",
    "Naturvernforbundet") has nothing distinctive for a translation to keep; a summary in the
    text's language keeps it whole, so all of it must be there.
    """
    required = tuple((sentence[a:b], (a, b)) for _, (a, b) in name.required)
    text = sentence[name.span[0] : name.span[1]]
    if not required:
        offset = name.span[0]
        required = tuple(
            (m.group(), (offset + m.start(), offset + m.end()))
            for m in _TOKEN.finditer(text)
            if m.group()[0].isupper() and fold(m.group()) not in _PARTICLES
        )
    return Name(text, name.span, required, name.english, name.nordic)


# Words that open Nordic sentences and are no names, beside those `names` knows: verbs that
# open questions, commands and conditions, adverbs, conjunctions, pronouns, prepositions and
# number words of nb, nn, da and sv (the frequent openers of the UD treebanks). Folded.
_NORDIC_OPENERS = _wordset("""
skal skall vil ville kan kunne ma matte bor burde far fikk fick er var har hadde blir ble
blev vert vart bli gjer gjor gor gje gi giv ta tar se sag langs ovenfor utenfor innenfor
bortsett trass tross viss kva kvar korleis kven kvifor nest neste eller kanskje kanske
samtidig samstundes man av alt allt akkurat dersom desto uansett nei ja jo helt heilt noe noko
nagot mer meir mest lite min mitt mine tidligere tidlegare tidigare tilbake tillbaka seinare
senere senare elles ellers annars utover dengang dengangen saledes heldigvis lyckligvis truleg
trolig sikkert fast sjalv selv sjolv sallan sjelden sjeldan sarskilt att ar tenk
taenk tank les sja legg la lat ha kjem kommer kom gar gikk gjekk hej hei same samme
to tre fire fem seks sju syv atte otte ni ti tolv tjue tyve hundre hundrede tusen tusind
tva fyra sex atta nio tio
""")
# Adverbs, adjectives, participles and Nynorsk plurals ("Egentlig", "Varierende", "Spesielt",
# "Veljarar"), never names.
_ORDINARY_ENDINGS = ("lig", "ligt", "ende", "ande", "iskt", "ielt", "uelt", "arar", "arane")


def _opener(
    sentence: str, context: SourceContext, names: list[Name], language: str = "nb"
) -> Name | None:
    """The first word of `sentence` as a name, when `find_names` left it out as an opener but
    it could be one: "Halvorsen mener ...", "Borten vart statsminister ..."."""
    match = _TOKEN.search(sentence)
    if match is None or _opening(sentence, match.start()) != "sentence":
        return None
    word = _strip_genitive(match.group())
    folded = fold(word)
    if (
        not word[:1].isupper()
        or not word.isalpha()
        or len(word) < 2
        or folded in _FUNCTION_WORDS
        or folded in _NOT_NAMES
        or folded in context.lowercase
        or folded in _NORDIC_OPENERS
        or folded.endswith(_ORDINARY_ENDINGS)
        or any(folded.startswith(prefix) for prefix, _ in _COUNTRY_ADJECTIVES)
        or folded.endswith(_NORDIC_ENDINGS)  # "Regjeringen", "Partiet": a Nordic noun
        or (language == "nn" and _nynorsk_word(folded))
        or any(name.span[0] <= match.start() < name.span[1] for name in names)
    ):
        return None
    span = (match.start(), match.start() + len(word))
    return Name(word, span, ((word, span),))


def _nynorsk_word(folded: str) -> bool:
    """A Nynorsk compound noun in the definite form ("Offentleglova", "Partifella", "Irane")
    or a word with Nynorsk's diphthong before an inflection ("Einskilde", "Heile"): a Nynorsk
    summary of a Bokmål text opens sentences with such words, which the text spells otherwise.
    Short words in -a are left alone: many names end so ("Diarra", "Sofia")."""
    if (len(folded) >= 5 and folded.endswith("ane")) or (len(folded) >= 9 and folded[-1] == "a"):
        return True
    return len(folded) >= 5 and "ei" in folded and folded.endswith("e")


_ASCII_WORD = re.compile(r"(?<!\w)[A-Za-z]+(?!\w)")  # whole words: not the "May" of "Mayøy"


def _mask_english(sentence: str) -> str:
    """`sentence` with the capitalised English words that are no names in lower case (same
    length: only ASCII words are listed)."""
    out = []
    last = 0
    for match in _ASCII_WORD.finditer(sentence):
        word = match.group()
        folded = word.lower()
        if word[0].isupper() and (folded in _ENGLISH_NOT_NAMES or _nationality(folded)):
            out.append(sentence[last : match.start()])
            out.append(folded)
            last = match.end()
    out.append(sentence[last:])
    return "".join(out)


def _nationality(folded: str) -> bool:
    return folded in _NATIONALITIES or folded in _adjectives()


@functools.cache
def _adjectives() -> frozenset[str]:
    """English adjectives and demonyms of the exonym table ("German", "Danes"), not countries."""
    forms = {f for english in exonyms().values() for f in english[1:]} - _PLACES
    return frozenset(f for f in forms if f.isalpha() and f.endswith(_DEMONYM_ENDINGS))


_PLACES = frozenset({"atlantic", "pacific", "arctic", "antarctic", "baltic", "balkan", "caribbean"})


_DEMONYM_ENDINGS = ("ian", "ians", "ean", "eans", "ese", "ish", "ic", "an", "ans", "i", "ch",
                    "ss", "es", "ks")  # fmt: skip
