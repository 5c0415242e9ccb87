"""Numbers, amounts, percentages, dates and times in Nordic and English news text.

`extract_quantities` turns "1,4 milliarder", "12 500", "8,8 billioner", "38 mill.", "60 prosent",
"1. juli" and "kl. 14" (Norwegian, Danish, Swedish) and "$1.4bn", "12,500", "8.8 trillion",
"60 per cent", "July 1" and "2 pm" (English) into values that can be compared across the two
languages. Two Nordic conventions are why this module exists: the decimal comma with a space as
thousands separator, and the long scale, in which a Nordic *billion* is an English trillion
(10^12) and a *milliard* is an English billion (10^9).

No pattern here nests quantifiers, so even adversarial input (20,000 digits, spaces and commas)
is scanned in linear time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

NORDIC = frozenset({"nb", "nn", "no", "da", "sv"})
_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_SP = f"[{_SPACES}]"
_WORD_END = r"(?![^\W\d_])"  # not followed by a letter
_WORD_START = r"(?<![^\W\d_])"
_CURRENCY = re.compile(r"(?:[$£€¥]|\b[A-Z]{3} ?)\Z")  # a sign or code just before: "$", "NOK "


@dataclass(frozen=True)
class Quantity:
    """A figure found in text.

    `value` is a Decimal; dates are month*100+day (July 1 → 701) and times hour*100+minute
    (14:30 → 1430). `kind` is "number", "percent", "date", "year" or "time". `spelled` marks
    words such as "tre"/"three"; `scaled` marks a scale word such as "mrd." or "billion".
    """

    value: Decimal
    kind: str
    text: str
    span: tuple[int, int]
    spelled: bool = False
    scaled: bool = False

    @property
    def key(self) -> tuple[str, Decimal]:
        """What two mentions must share to be the same figure; percent and year count as numbers
        because a translation may drop the unit ("60 prosent" → "60%", "60 percent", "60")."""
        return (self.kind if self.kind in ("date", "time") else "number", self.value)


# Scale words → power of ten. Nordic languages use the long scale: billion = 10^12.
_NORDIC_SCALES = {
    "hundre": 2, "hundrede": 2, "hundra": 2, "tusen": 3, "tusind": 3, "tusinde": 3,
    "million": 6, "millioner": 6, "millionar": 6, "miljon": 6, "miljoner": 6, "mill.": 6,
    "mill": 6, "mln.": 6, "mln": 6, "mio.": 6, "mio": 6, "milj.": 6, "mkr": 6,
    "milliard": 9, "milliarder": 9, "milliardar": 9, "miljard": 9, "miljarder": 9,
    "mrd.": 9, "mrd": 9, "mia.": 9, "mia": 9, "mdr.": 9, "mdr": 9,
    "billion": 12, "billioner": 12, "billionar": 12, "biljon": 12, "biljoner": 12,
    "billiard": 15, "billiarder": 15,
}  # fmt: skip
_ENGLISH_SCALES = {
    "hundred": 2, "thousand": 3, "million": 6, "mln": 6, "mn": 6, "billion": 9, "bn": 9,
    "trillion": 12, "trn": 12, "tn": 12,
}  # fmt: skip
_PERCENT = {
    "nordic": ("prosentpoeng", "prosentpoint", "procentenheter", "procentenhet",
               "procentpoint", "prosent", "procent", "pst.", "pst", "%"),
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
_NB = "to tre fire fem seks sju syv åtte ni ti elleve tolv tretten fjorten femten seksten sytten"
_WORDS = {
    "nb": f"{_NB} atten nitten tjue tyve en ett ei",
    "nn": f"{_NB} atten nitten tjue ein eitt ei",
    "da": "to tre fire fem seks syv otte ni ti elleve tolv tretten fjorten femten seksten sytten "
    "atten nitten tyve en et",
    "sv": "två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton femton sexton sjutton "
    "arton nitton tjugo en ett",
}
_NORDIC_VALUES = {
    "to": 2, "två": 2, "tre": 3, "fire": 4, "fyra": 4, "fem": 5, "seks": 6, "sex": 6, "sju": 7,
    "syv": 7, "åtte": 8, "otte": 8, "åtta": 8, "ni": 9, "nio": 9, "ti": 10, "tio": 10,
    "elleve": 11, "elva": 11, "tolv": 12, "tretten": 13, "tretton": 13, "fjorten": 14,
    "fjorton": 14, "femten": 15, "femton": 15, "seksten": 16, "sexton": 16, "sytten": 17,
    "sjutton": 17, "atten": 18, "arton": 18, "nitten": 19, "nitton": 19, "tjue": 20, "tyve": 20,
    "tjugo": 20,
}  # fmt: skip
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
_ENGLISH_VALUES = (
    {w: n for n, w in enumerate(_EN_ONES + _EN_TEENS, 1)}
    | {w: 10 * n for n, w in enumerate(_EN_TENS, 2)}
    | {w: n for n, w in enumerate(_EN_ORDINALS, 1)}
)


def _alternation(words) -> str:
    """A regex alternation of `words`, longest first so "millioner" wins over "mill"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _build(language: str) -> re.Pattern[str]:
    """The single scanning pattern for one language; alternatives are tried in order."""
    nordic = language != "en"
    scales = _alternation(_NORDIC_SCALES if nordic else _ENGLISH_SCALES)
    units = _alternation([*(_NORDIC_SCALES if nordic else _ENGLISH_SCALES),
                          *_PERCENT["nordic" if nordic else "en"]])  # fmt: skip
    words = _alternation(_WORDS.get(language, _WORDS["nb"]).split() if nordic
                         else [*_ENGLISH_VALUES, *_ARTICLES])  # fmt: skip
    ones = _alternation(_EN_ONES + _EN_ORDINALS[:9])
    iso = r"(?P<iso>(?<!\d)(?P<iy>\d{4})-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?!\d))"
    clock = r"(?P<hm>(?<![\d.,])(?P<hh>[0-2]?\d):(?P<mm>[0-5]\d)(?![\d:]))"
    if nordic:
        months = _alternation(_NORDIC_MONTHS)
        specific = [
            r"(?P<dmy>(?<![\d.,])(?P<nd>[0-3]?\d)\.(?P<nm>[01]?\d)\.(?P<ny>\d{4})(?!\d))",
            rf"(?P<clock>\b(?:kl\.?|klokka|klokken|klockan){_SP}?(?P<ch>[0-2]?\d)"
            rf"(?:[.:](?P<cm>[0-5]\d))?(?!\d))",
            rf"(?P<date>(?<![\d.,])(?P<d1>[0-3]?\d)\.?{_SP}(?P<m1>{months}){_WORD_END}"
            rf"(?:{_SP}(?P<y1>\d{{4}})(?!\d))?)",
        ]
        attached = ""
    else:
        months = _alternation(_ENGLISH_MONTHS)
        specific = [
            rf"(?P<ampm>(?<![\d.,])(?P<ah>1[0-2]|0?[1-9])(?:[:.](?P<am>[0-5]\d))?{_SP}?"
            rf"(?i:(?P<ap>[ap])\.?m\.?){_WORD_END})",
            rf"(?P<date>(?P<m1>{months}){_SP}(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
            rf"(?:,?{_SP}(?P<y1>\d{{4}})(?!\d))?)",
            rf"(?P<date2>(?<![\d.,])(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?{_SP}(?:of{_SP})?"
            rf"(?P<m2>{months}){_WORD_END}(?:,?{_SP}(?P<y2>\d{{4}})(?!\d))?)",
        ]
        attached = rf"(?P<att>[mMkK]){_WORD_END}|"
    number = (
        rf"(?P<num>\d+(?:[.,{_SPACES}]\d+)*)"
        rf"(?:{attached}{_SP}?(?i:(?P<unit>{units})){_WORD_END})?"
    )
    compound = rf"(?:-(?P<w2>{ones}){_WORD_END})?" if not nordic else ""
    spelled = (
        rf"(?i:{_WORD_START}(?P<word>{words}){_WORD_END}{compound}"
        rf"(?:{_SP}(?P<wunit>{scales}){_WORD_END})?)"
    )
    # Order matters: "2:30 pm" must be read as one time before "2:30" alone, dates before numbers.
    return re.compile("|".join([iso, *specific, clock, number, spelled]))


@functools.cache
def _pattern(language: str) -> re.Pattern[str]:
    """The compiled pattern for `language`, built on first use (import stays cheap)."""
    return _build(language if language in ("nb", "nn", "da", "sv", "en") else "nb")


_DIGITS = re.compile(r"\d+")


def extract_quantities(text: str, language: str) -> list[Quantity]:
    """Every figure in `text`, in order of appearance.

    `language` is nb, nn, da, sv or en; other codes are read with Nordic conventions (decimal
    comma), which most continental European languages share.
    """
    pattern = _pattern(language)
    found: list[Quantity] = []
    for match in pattern.finditer(text):
        found.extend(_from_match(match, language))
    return found


def _from_match(m: re.Match[str], language: str) -> list[Quantity]:
    """The quantities one match of the scanning pattern stands for."""
    if m.group("iso"):
        return _date(m, "id", "im", "iy")
    if m.group("hm"):
        return [_time(m, int(m.group("hh")), int(m.group("mm")), "hm")]
    groups = m.groupdict()
    if groups.get("dmy"):
        return _date(m, "nd", "nm", "ny")
    if groups.get("clock"):
        return [_time(m, int(m.group("ch")), int(m.group("cm") or 0), "clock")]
    if groups.get("ampm"):
        hour = int(m.group("ah")) % 12 + (12 if m.group("ap").lower() == "p" else 0)
        return [_time(m, hour, int(m.group("am") or 0), "ampm")]
    if m.group("date"):
        return _date(m, "d1", "m1", "y1")
    if groups.get("date2"):
        return _date(m, "d2", "m2", "y2")
    if m.group("num"):
        return _numbers(m, language)
    return _spelled(m, language)


def _time(m: re.Match[str], hour: int, minute: int, group: str) -> Quantity:
    return Quantity(Decimal(hour * 100 + minute), "time", m.group(group), m.span(group))


def _date(m: re.Match[str], day: str, month: str, year: str) -> list[Quantity]:
    """A date (month*100+day) and, when it has one, its year as a quantity of its own."""
    name = m.group(month)
    number = int(name) if name.isdigit() else _month_number(name)
    d = int(m.group(day))
    if not (1 <= number <= 12 and 1 <= d <= 31):
        return []
    start, end = m.span()
    out = [Quantity(Decimal(number * 100 + d), "date", m.group(), (start, end))]
    if m.group(year):
        out.append(Quantity(Decimal(m.group(year)), "year", m.group(year), m.span(year)))
    return out


def _month_number(name: str) -> int:
    lowered = name.lower()
    return _NORDIC_MONTHS.get(lowered) or _ENGLISH_MONTHS.get(name.capitalize(), 0)


def _numbers(m: re.Match[str], language: str) -> list[Quantity]:
    """A run of digits and separators: one or more numbers, the last one with its unit."""
    start = m.start("num")
    parts = _split_run(m.group("num"), language)
    out = []
    for value, begin, end, plain in parts:
        kind = "year" if plain and len(str(value)) == 4 and 1800 <= value <= 2100 else "number"
        span = (start + begin, start + end)
        out.append(Quantity(value, kind, m.string[span[0] : span[1]], span))
    last = out[-1]
    unit, att = m.group("unit"), m.groupdict().get("att")
    if att and _CURRENCY.search(m.string, max(0, start - 4), start):  # "$38m", not "38m tall"
        unit = "million" if att.lower() == "m" else "thousand"
    if unit:
        out[-1] = _with_unit(last, unit.lower(), language, m.string[last.span[0] : m.end()])
    return out


def _with_unit(q: Quantity, unit: str, language: str, text: str) -> Quantity:
    """`q` scaled by a scale word, or marked as a percentage; `text` runs to the unit's end."""
    span = (q.span[0], q.span[0] + len(text))
    scales = _ENGLISH_SCALES if language == "en" else _NORDIC_SCALES
    if unit in scales:
        return Quantity(q.value * 10 ** scales[unit], "number", text, span, scaled=True)
    return Quantity(q.value, "percent", text, span)


def _split_run(run: str, language: str) -> list[tuple[Decimal, int, int, bool]]:
    """Read "12 500,5" or "1,234.5" or "2025 200" as (value, start, end, plain) numbers.

    A separator followed by exactly three digits groups thousands (space or "." in Nordic text,
    space or "," in English); otherwise "," (and "." in Nordic) marks decimals. Anything else
    starts a new number, so "2026 200" is two numbers. `plain` means no separator at all.
    """
    groups = [(g.group(), g.start()) for g in _DIGITS.finditer(run)]
    thousands = _SPACES + ("," if language == "en" else ".")
    out = []
    i = 0
    while i < len(groups):
        whole, begin = groups[i]
        j, tsep = i, None
        while j + 1 < len(groups):
            sep, nxt = run[groups[j + 1][1] - 1], groups[j + 1][0]
            ok = sep in thousands and len(nxt) == 3 and len(groups[i][0]) <= 3
            if not ok or tsep not in (None, sep):
                break
            whole, tsep, j = whole + nxt, sep, j + 1
        frac = ""
        if j + 1 < len(groups) and run[groups[j + 1][1] - 1] in ".,":
            j, frac = j + 1, "." + groups[j + 1][0]
        end = groups[j][1] + len(groups[j][0])
        out.append((Decimal(whole + frac), begin, end, i == j))
        i = j + 1
    return out


def _spelled(m: re.Match[str], language: str) -> list[Quantity]:
    """A number word ("tre", "twenty-one"), optionally with a scale word ("tre millioner")."""
    word = m.group("word").lower()
    unit = (m.group("wunit") or "").lower()
    if word in _ARTICLES and not unit:
        return []
    value = 1 if word in _ARTICLES else _NORDIC_VALUES.get(word) or _ENGLISH_VALUES.get(word, 0)
    second = (m.groupdict().get("w2") or "").lower()
    if second and word in _EN_TENS:
        value += _ENGLISH_VALUES[second]
    number = Decimal(value)
    if unit:
        scales = _ENGLISH_SCALES if language == "en" else _NORDIC_SCALES
        number *= 10 ** scales[unit]
    return [Quantity(number, "number", m.group(), m.span(), spelled=True, scaled=bool(unit))]


def describe(q: Quantity) -> str:
    """`q` in plain English: "8.8 trillion", "12,500", "60%", "July 1", "14:00"."""
    value = int(q.value)
    if q.kind == "date":
        return f"{_MONTH_NAMES[value // 100 - 1].capitalize()} {value % 100}"
    if q.kind == "time":
        return f"{value // 100:02d}:{value % 100:02d}"
    if q.kind == "year":
        return str(value)
    text = _english_number(q.value)
    return text + "%" if q.kind == "percent" else text


def _english_number(value: Decimal) -> str:
    for power, word in ((12, "trillion"), (9, "billion"), (6, "million")):
        if abs(value) >= 10**power:
            return f"{_plain(value / 10**power)} {word}"
    return _plain(value, grouped=True)


def _plain(value: Decimal, grouped: bool = False) -> str:
    """A Decimal without exponent or trailing zeros: 1.40E+9 / 10^9 → "1.4"."""
    text = format(value.normalize(), ",f" if grouped else "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
