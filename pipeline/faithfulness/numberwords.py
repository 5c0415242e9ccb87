"""The words of figures in nb, nn, da, sv and English: number words, scale words, months and
percentages. Nordic languages use the long scale: a *billion* is 10^12, a *milliard* 10^9.
"""

from __future__ import annotations

from decimal import Decimal

# Scale words → power of ten. Nordic languages use the long scale: billion = 10^12.
_NORDIC_SCALES = {
    "hundre": 2, "hundrede": 2, "hundra": 2, "tusen": 3, "tusind": 3, "tusinde": 3,
    "million": 6, "millioner": 6, "millionar": 6, "miljon": 6, "miljoner": 6, "mill.": 6,
    "mill": 6, "mln.": 6, "mln": 6, "mio.": 6, "mio": 6, "milj.": 6, "mkr": 6,
    "milliard": 9, "milliarder": 9, "milliardar": 9, "miljard": 9, "miljarder": 9,
    "mrd.": 9, "mrd": 9, "mia.": 9, "mia": 9, "mdr.": 9, "mdr": 9,
    "miliard": 9, "miliarder": 9, "milion": 6, "milioner": 6,  # common misspellings
    "billion": 12, "billioner": 12, "billionar": 12, "biljon": 12, "biljoner": 12,
    "billiard": 15, "billiarder": 15,
}  # fmt: skip
_ENGLISH_SCALES = {
    "hundred": 2, "thousand": 3, "million": 6, "mln": 6, "mn": 6, "billion": 9, "bn": 9,
    "trillion": 12, "trn": 12, "tn": 12,
}  # fmt: skip
# Scale words standing alone: "milliarder av kroner", "millions of people", "milliardær".
_NORDIC_BARE = (
    r"(?P<bare>(?:hundre|hundra|tusen|tusind|million|miljon|milliard|miljard|billion|biljon)"
    r"(?:vis|tals|er|ar|ær|är|erne|ene|erna|ane)?)"
)
_ENGLISH_BARE = r"(?P<bare>(?:hundred|thousand|million|billion|trillion)(?:s|aires?))"
_BARE_POWERS = {
    "hund": 2, "tuse": 3, "tusi": 3, "thou": 3, "millio": 6, "miljon": 6, "millia": 9,
    "miljar": 9, "billio": 9, "biljon": 12, "trilli": 12,
}  # fmt: skip
_PERCENT = {
    "nordic": ("prosentpoeng", "prosentpoint", "procentenheter", "procentenhet",
               "procentpoint", "prosentpoint", "prosent", "procent", "pst.", "pst", "%"),
    "en": ("percentage points", "percentage point", "per cent", "percent", "pct", "%"),
}  # fmt: skip
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_NORDIC_MONTHS = {
    "januar": 1, "januari": 1, "februar": 2, "februari": 2, "mars": 3, "marts": 3, "april": 4,
    "mai": 5, "maj": 5, "juni": 6, "juli": 7, "august": 8, "augusti": 8, "september": 9,
    "oktober": 10, "november": 11, "desember": 12, "december": 12,
    "jan.": 1, "feb.": 2, "apr.": 4, "aug.": 8, "sep.": 9, "sept.": 9, "okt.": 10, "nov.": 11,
    "des.": 12, "dec.": 12,
}  # fmt: skip
_ENGLISH_MONTHS = {name.capitalize(): n for n, name in enumerate(_MONTH_NAMES, 1)} | {
    "Jan.": 1, "Feb.": 2, "Apr.": 4, "Aug.": 8, "Sep.": 9, "Sept.": 9, "Oct.": 10, "Nov.": 11,
    "Dec.": 12,
}  # fmt: skip
# "en", "et", "a", ... mean "one" only before a scale word ("en million"); alone they are articles.
_ARTICLES = frozenset({"en", "ett", "et", "ei", "ein", "eitt", "a", "an"})

# Nordic number words by language: ones, teens, tens; compounds are built from them below.
_ONES = {
    "nb": "én|ett to tre fire fem seks sju|syv åtte ni",
    "nn": "éin|eitt to tre fire fem seks sju åtte ni",
    "da": "én|et to tre fire fem seks syv otte ni",
    "sv": "ett två tre fyra fem sex sju åtta nio",
}
_TEENS = {
    "nb": "ti elleve tolv tretten fjorten femten seksten sytten atten nitten",
    "nn": "ti elleve tolv tretten fjorten femten seksten sytten atten nitten",
    "da": "ti elleve tolv tretten fjorten femten seksten sytten atten nitten",
    "sv": "tio elva tolv tretton fjorton femton sexton sjutton arton nitton",
}
_TENS = {
    "nb": "tjue|tyve tretti|tredve førti femti seksti sytti åtti nitti",
    "nn": "tjue tretti førti femti seksti sytti åtti nitti",
    "da": "tyve tredive fyrre halvtreds tres halvfjerds firs halvfems",
    "sv": "tjugo trettio fyrtio femtio sextio sjuttio åttio nittio",
}
_ORDINALS = {
    "nb": "første _ tredje fjerde femte sjette sjuende|syvende åttende niende tiende",
    "nn": "første _ tredje fjerde femte sjette sjuande åttande niande tiande",
    "da": "første _ tredje fjerde femte sjette syvende ottende niende tiende",
    "sv": "första _ tredje fjärde femte sjätte sjunde åttonde nionde tionde",
}
_EN_ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = [
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
]  # fmt: skip
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
# English words a translator uses for a small count: "fire" may become "quadruple".
_EN_EXTRA: dict[str, int | Decimal] = {
    "dozen": 12, "once": 1, "single": 1, "twice": 2, "double": 2, "pair": 2,
    "twin": 2, "twins": 2, "thrice": 3, "triple": 3, "trio": 3, "quadruple": 4,
    "half": Decimal("0.5"), "quarter": Decimal("0.25"), "noon": 0, "midday": 0, "midnight": 0,
}  # fmt: skip
_EN_TENS_ORDINALS = [w[:-1] + "ieth" for w in _EN_TENS]


def _nordic_words(language: str) -> dict[str, int]:
    """Every number word of `language` with its value: "tre" 3, "åttiåtte" 88, "femogtyve" 25."""
    ones = [group.split("|") for group in _ONES[language].split()]
    words: dict[str, int] = {}
    for n, group in enumerate(ones, 1):
        words.update(dict.fromkeys(group, n))
    for n, word in enumerate(_TEENS[language].split(), 10):
        words[word] = n
    for n, tens_group in enumerate(_TENS[language].split(), 2):
        for tens in tens_group.split("|"):
            words[tens] = 10 * n
            for k, group in enumerate(ones, 1):
                for one in group:
                    one = {"én": "en", "éin": "ein"}.get(one, one)
                    if language == "da":
                        words[f"{one}og{tens}"] = 10 * n + k
                    else:
                        words[f"{tens}{one}"] = 10 * n + k
    for n, ordinals in enumerate(_ORDINALS[language].split(), 1):
        for word in ordinals.split("|"):
            if word != "_":
                words[word] = n
    words["dusin"] = 12
    return words


def _english_words() -> dict[str, Decimal]:
    words: dict[str, Decimal] = {}
    for n, w in enumerate(_EN_ONES + _EN_TEENS, 1):
        words[w] = Decimal(n)
    for n, w in enumerate(_EN_ORDINALS, 1):
        words[w] = Decimal(n)
    for n, w in enumerate(_EN_TENS, 2):
        words[w] = Decimal(10 * n)
        words[_EN_TENS_ORDINALS[n - 2]] = Decimal(10 * n)
    words.update({w: Decimal(v) for w, v in _EN_EXTRA.items()})
    return words


_ENGLISH_VALUES = _english_words()
_ROMAN = {"I": 1, "V": 5, "X": 10}
