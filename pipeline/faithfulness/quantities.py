"""Reading figures in Nordic and English text as values that can be compared across languages.

A figure has one or more *keys*, the readings a faithful translation may use: "1800-tallet" is
the number 1800 and the 19th century, "9:30" in English is 09:30 or 21:30, "60-tallet" is the
sixties. Two mentions are the same figure when their keys meet. Nordic conventions are why this
module exists: the decimal comma with a space or a dot grouping thousands, the 24-hour clock, and
the long scale, in which a Nordic *billion* is an English trillion (10^12) and a *milliard* an
English billion (10^9).

No pattern here nests quantifiers, so even adversarial input (20,000 digits, spaces and commas)
is scanned in linear time.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from pipeline.language.codes import SUPPORTED

from .currencies import currency_at
from .numberwords import (
    _ARTICLES,
    _BARE_POWERS,
    _EN_ONES,
    _EN_ORDINALS,
    _EN_TENS,
    _EN_TENS_ORDINALS,
    _ENGLISH_BARE,
    _ENGLISH_MONTHS,
    _ENGLISH_SCALES,
    _ENGLISH_VALUES,
    _MONTH_NAMES,
    _NORDIC_BARE,
    _NORDIC_MONTHS,
    _NORDIC_SCALES,
    _ONES,
    _PERCENT,
    _ROMAN,
    _nordic_words,
)
from .units import unit_at

_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_SP = f"[{_SPACES}]"
_WORD_END = r"(?![^\W\d_])"  # not followed by a letter
_WORD_START = r"(?<![^\W\d_])"
_DASHES = "-‐–—"
_CURRENCY = re.compile(r"(?:[$£€¥]|\b[A-Z]{3} ?)\Z")  # a sign or code just before: "$", "NOK "

Key = tuple[str, Decimal]
# Units written against the figure ("160km/h", "5kg"): the figure is still a figure.
_ATTACHED = r"(?:km|kg|cm|mm|m|mi|mph|ft|lbs?|oz|ml|dl|l|g|ha|kn|kr)(?:/[a-z]+|²|2)?(?![^\W\d_])"


@dataclass(frozen=True)
class Quantity:
    """A figure found in text.

    `value` is a Decimal; dates are month*100+day (July 1 → 701), times hour*100+minute
    (14:30 → 1430), decades their two digits (the 1960s → 60), centuries their ordinal.
    `kind` is "number", "percent", "year", "date", "time", "decade", "century" or "scale" (a bare
    "millions"). `spelled` marks words ("tre", "three"); `scaled` a scale word ("mrd.",
    "billion"); `unit` a unit of measure ("km", "mi"); `currency` the money it counts ("$",
    "kroner"). `alternatives` are other readings.
    """

    value: Decimal
    kind: str
    text: str
    span: tuple[int, int]
    spelled: bool = False
    scaled: bool = False
    unit: str | None = None
    alternatives: frozenset[Key] = field(default=frozenset(), compare=False)
    power: int = 0  # the scale word's power of ten: 9 for "milliarder"
    currency: str | None = None  # the currency family ("USD", "KR"): see `currencies`

    @property
    def key(self) -> Key:
        """The main reading; percent and year count as numbers because a translation may drop
        the unit ("60 prosent" → "60%", "60 percent", "60")."""
        if self.kind in ("percent", "year"):
            return ("number", self.value)
        return (self.kind, self.value)

    @property
    def keys(self) -> frozenset[Key]:
        """Every reading: the main one and the alternatives."""
        return self.alternatives | {self.key}

    @property
    def weak(self) -> bool:
        """Words, a bare scale and the figure 1 are paraphrased too freely to be missed."""
        return self.spelled or self.kind == "scale" or (self.kind == "number" and self.value == 1)


def _alternation(words) -> str:
    """A regex alternation of `words`, longest first so "millioner" wins over "mill"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _build(language: str) -> re.Pattern[str]:
    """The single scanning pattern for one language; alternatives are tried in order."""
    nordic = language != "en"
    scales = _alternation(_NORDIC_SCALES if nordic else _ENGLISH_SCALES)
    units = _alternation([*(_NORDIC_SCALES if nordic else _ENGLISH_SCALES),
                          *_PERCENT["nordic" if nordic else "en"]])  # fmt: skip
    words = _alternation(
        [*_nordic_words(language), *_ARTICLES] if nordic else [*_ENGLISH_VALUES, *_ARTICLES]
    )
    ones = _alternation(_EN_ONES + _EN_ORDINALS[:9])
    iso = r"(?P<iso>(?<!\d)(?P<iy>\d{4})-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?!\d))"
    fraction = (
        r"(?P<frac>(?<![\w/.,])(?:(?P<fw>\d{1,2}) )?(?P<fa>\d{1,2})/(?P<fb>\d{1,3})"
        r"(?![\w/]))"
    )
    vulgar = rf"(?P<vf>(?<![\d.,])(?:(?P<vi>\d{{1,4}}){_SP}?)?(?P<vc>[{_VULGAR}]))"
    clock = r"(?P<hm>(?<![\d.,])(?P<hh>[0-2]?\d):(?P<mm>[0-5]\d)(?![\d:]))"
    roman = r"(?P<roman>(?<=[^\W\d_]\s)(?=[IVX])(?:X{0,2}(?:IX|IV|V?I{0,3}))(?![\w'’]))"
    if nordic:
        months = _alternation(_NORDIC_MONTHS)
        teens = _alternation(w for w, v in _nordic_words(language).items() if 10 <= v <= 20)
        hours = _alternation(w for w, v in _nordic_words(language).items() if 1 <= v <= 12)
        specific = [
            r"(?P<dmy>(?<![\d.,])(?P<nd>[0-3]?\d)\.(?P<nm>[01]?\d)\.(?P<ny>\d{4})(?!\d))",
            rf"(?P<clock>\b(?i:kl\.?|klokka|klokken|klockan){_SP}?(?P<ch>[0-2]?\d)"
            rf"(?:[.:](?P<cm>[0-5]\d))?(?!\d))",
            rf"(?P<date>(?<![\d.,])(?P<d1>[0-3]?\d)\.?{_SP}(?P<m1>{months}){_WORD_END}"
            rf"(?:{_SP}(?P<y1>\d{{4}})(?!\d))?)",
            rf"(?P<decade>(?<![\w.,])(?P<dn>\d{{2,4}})(?:[{_DASHES}]?(?i:tall|tal|hundratal)"
            rf"[^\W\d_]*|[{_DASHES}]år(?:a|ene|ane){_WORD_END}|['’]?erne{_WORD_END}|[{_DASHES}](?={_SP}(?:og|och|eller|til|to|and)"
            rf"{_SP}\d{{2,4}}[{_DASHES}]?(?i:tal|år))))",
            rf"(?P<around>(?<![\w.,])(?P<ah>[0-2]?\d)[{_DASHES}]tid(?:en|a)?{_WORD_END})",
            # "klokka halv tolv", "i halv tolv-tiden": half an hour before the hour named
            rf"(?P<halfpast>(?i:\b(?:kl\.?|klokka|klokken|klockan){_SP}halv{_SP}(?P<hp1>{hours})"
            rf"|\bhalv{_SP}(?P<hp2>{hours})[{_DASHES}]tid(?:en|a)?){_WORD_END})",
            # "attenhundretallet", "arton- och nittonhundratalen": centuries in words
            rf"(?P<hcent>(?i:(?<![^\W\d_])(?P<hw>{teens})(?:hundra|hundre|hundrede)-?"
            rf"(?:tal|tall)[^\W\d_]*|(?<![^\W\d_])(?P<hw2>{teens})-(?={_SP}(?:og|och|eller)"
            rf"{_SP}(?:{teens})(?:hundra|hundre|hundrede)-?tal)))",
        ]
        attached = plural = ""
        bare = _NORDIC_BARE
        extra = []
    else:
        months = _alternation(_ENGLISH_MONTHS)
        centuries = _alternation(_EN_ORDINALS + _EN_TENS_ORDINALS)
        hours = _alternation([*_EN_ONES, "ten", "eleven", "twelve"])
        specific = [
            rf"(?P<ampm>(?<![\d.,])(?P<ah>1[0-2]|0?[1-9])(?:[:.](?P<am>[0-5]\d))?{_SP}?"
            rf"(?i:(?P<ap>[ap])\.?m\.?){_WORD_END})",
            rf"(?P<oclock>(?<![\d.,])(?P<oh>1[0-2]|0?[1-9]){_SP}o['’]clock)",
            rf"(?P<halfen>(?i:\bhalf{_SP}past{_SP}(?P<hpe>{hours}|noon|midday|midnight)\b))",
            rf"(?P<mil>(?<![\d.,:])(?P<mh>[0-2]\d)(?P<mm2>[0-5]\d){_SP}?(?:UTC|GMT|hours|hrs)\b)",
            # a Nordic date kept as written ("10.06.1940"): English has no such date of its own
            r"(?P<dmy>(?<![\d.,])(?P<nd>[0-3]?\d)\.(?P<nm>[01]?\d)\.(?P<ny>\d{4})(?!\d))",
            rf"(?P<date>(?P<m1>{months}){_SP}(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
            rf"(?:,?{_SP}(?P<y1>\d{{4}})(?!\d))?)",
            rf"(?P<date2>(?<![\d.,])(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?{_SP}(?:of{_SP})?"
            rf"(?P<m2>{months}){_WORD_END}(?:,?{_SP}(?P<y2>\d{{4}})(?!\d))?)",
            rf"(?P<century>(?i:(?<![\w.,])(?:(?P<cn>\d{{1,2}})(?:st|nd|rd|th)|(?P<cw>{centuries}))"
            rf"(?:{_SP}|[{_DASHES}])centur(?:y|ies)))",
            rf"(?P<decade>(?:(?<![\w.,])(?P<dn>\d{{4}})|(?<![\w.,])['’]?(?P<dn2>\d0))['’]?s"
            rf"{_WORD_END})",
            r"(?P<ord>(?<![\w.,])(?P<on>\d{1,4})(?:st|nd|rd|th)(?![^\W\d_]))",
        ]
        attached = rf"(?P<att>[mMkK]){_WORD_END}|"
        plural = rf"|s{_WORD_END}"  # "Boeing 737s": a plural of a model number
        bare = _ENGLISH_BARE
        tens = _alternation(w[:-1] + "ies" for w in _EN_TENS)
        extra = [rf"(?P<decw>(?i:\b(?P<dw>{tens})\b))"]
    number = (
        rf"(?P<num>(?<![^\W_])(?<![^\W\d_][{_DASHES}])\d+(?:[.,{_SPACES}]\d+)*(?!\d)"
        rf"(?![.,{_SPACES}]\d))"
        rf"(?:{attached}{_SP}?(?i:(?P<unit>{units})){_WORD_END}|(?!(?!{_ATTACHED}{plural})[^\W\d_]))"
    )
    compound = (rf"(?:[-{_SPACES}](?P<w2>{ones}){_WORD_END})?(?P<half>{_SP}and{_SP}a{_SP}half\b)?"
                if not nordic else "")  # fmt: skip
    spelled = (
        rf"(?i:{_WORD_START}(?P<word>{words}){_WORD_END}{compound}"
        rf"(?:{_SP}(?P<wunit>{scales}){_WORD_END})?)"
    )
    bare = rf"(?i:{_WORD_START}{bare}{_WORD_END})"
    # Order matters: "2:30 pm" must be read as one time before "2:30" alone, dates before numbers.
    parts = [iso, *specific, clock, fraction, vulgar, number, spelled, bare, *extra, roman]
    return re.compile("|".join(parts))


@functools.cache
def _pattern(language: str) -> re.Pattern[str]:
    """The compiled pattern for `language`, built on first use (import stays cheap)."""
    return _build(language if language in SUPPORTED else "nb")


_DIGITS = re.compile(r"\d+")
_RANGE = re.compile(rf"{_SP}?(?:[{_DASHES}]|til|to|or|eller|och|og|and){_SP}?")


def extract_quantities(text: str, language: str) -> list[Quantity]:
    """Every figure in `text`, in order of appearance.

    `language` is nb, nn, da, sv or en; other codes are read with Nordic conventions (decimal
    comma), which most continental European languages share.
    """
    pattern = _pattern(language)
    found: list[Quantity] = []
    for match in pattern.finditer(text):
        found.extend(_from_match(match, language))
    found = [_in_currency(q, text) for q in _ranges(found, text)]
    return [_vague(q, text) for q in found] if language != "en" else found


_VAGUE = re.compile(r"(?i:flere|fleire|flera|mange|mange|många|noen|nokre|nogle|några)[ \u00a0]\Z")


def _vague(q: Quantity, text: str) -> Quantity:
    """ "flere 1000 gjenstander" is "thousands of artefacts": a power of ten after "several" or
    "many" counts as the bare scale it stands for (weak: no figure a reader relies on)."""
    if q.kind not in ("number", "year") or q.scaled or q.value not in _POWERS:
        return q
    if not _VAGUE.search(text, max(0, q.span[0] - 8), q.span[0]):
        return q
    return Quantity(q.value, "scale", q.text, q.span, spelled=True, scaled=True,
                    alternatives=frozenset({("number", q.value)}),
                    power=len(str(int(q.value))) - 1)  # fmt: skip


_POWERS = {Decimal(10) ** p for p in (2, 3, 6)}


def _in_currency(q: Quantity, text: str) -> Quantity:
    """`q` with the currency written around it, if any (not for dates, times, years and
    measures: "17 pounds" with a unit of weight is no money)."""
    if q.kind not in ("number", "scale") or q.unit:
        return q
    currency = currency_at(text, *q.span)
    return replace(q, currency=currency) if currency else q


def _ranges(found: list[Quantity], text: str) -> list[Quantity]:
    """ "2–3 millioner": the 2 is two million, since the scale word covers both; "160-320 km/t":
    the 160 is km/h too."""
    for i in range(len(found) - 1):
        first, second = found[i], found[i + 1]
        gap = text[first.span[1] : second.span[0]]
        if first.kind == "year" and gap in _DASHES + "/" and re.fullmatch(r"\d\d", second.text):
            # "2019–20" and "2023/24" are 2019–2020 and 2023/2024
            found[i + 1] = _with(second, {("number", first.value // 100 * 100 + second.value)})
            continue
        if first.kind != "number" or first.scaled or not _RANGE.fullmatch(gap):
            continue
        value, power, extra = first.value, first.power, set(first.alternatives)
        if second.power:
            value, power = first.value * Decimal(10) ** second.power, second.power
            extra.add(("number", first.value))
        found[i] = Quantity(value, first.kind, first.text, first.span, first.spelled,
                            bool(power), first.unit or second.unit, frozenset(extra),
                            power)  # fmt: skip
    return found


def _from_match(m: re.Match[str], language: str) -> list[Quantity]:
    """The quantities one match of the scanning pattern stands for."""
    group = m.lastgroup or ""
    handler = _HANDLERS.get(group)
    if handler is None:  # a named group inside the alternative matched last: find the outer one
        group = next(name for name in _HANDLERS if _opt(m, name) is not None)
        handler = _HANDLERS[group]
    return handler(m, language)


def _opt(m: re.Match[str], name: str) -> str | None:
    """Group `name` of `m`, None when it did not take part or the pattern has no such group
    (cheaper than `groupdict`, which builds every group of this large pattern)."""
    try:
        return m.group(name)
    except IndexError:  # no such group in this language's pattern
        return None


def _iso(m: re.Match[str], language: str) -> list[Quantity]:
    return _date(m, "id", "im", "iy")


def _hm(m: re.Match[str], language: str) -> list[Quantity]:
    hour, minute = int(m.group("hh")), int(m.group("mm"))
    # English writes "9:30" for 21:30 as well; the Nordic 24-hour clock means what it says.
    twelve = language == "en" and 1 <= hour <= 12
    return [_time(m, hour, minute, "hm", both=twelve)]


def _clock(m: re.Match[str], language: str) -> list[Quantity]:
    hour, minute = int(m.group("ch")), int(m.group("cm") or 0)
    q = _time(m, hour, minute, "clock", both=hour <= 12 and not m.group("cm"))
    # "kl. 14" may come out as "at 14", "kl. 14.30" as "14.30".
    extra = {("number", Decimal(hour) + Decimal(minute) / 100)}
    return [_with(q, extra)]


def _ampm(m: re.Match[str], language: str) -> list[Quantity]:
    hour = int(m.group("ah")) % 12 + (12 if m.group("ap").lower() == "p" else 0)
    return [_time(m, hour, int(m.group("am") or 0), "ampm")]


def _oclock(m: re.Match[str], language: str) -> list[Quantity]:
    return [_time(m, int(m.group("oh")), 0, "oclock", both=True)]


def _military(m: re.Match[str], language: str) -> list[Quantity]:
    """ "0230 UTC": a 24-hour time written as four digits."""
    hour, minute = int(m.group("mh")), int(m.group("mm2"))
    if hour > 24:
        return []
    return [_time(m, hour, minute, "mil")]


def _around(m: re.Match[str], language: str) -> list[Quantity]:
    """ "11-tiden": around eleven o'clock."""
    return [_time(m, int(m.group("ah")), 0, "around", both=True)]


def _half_past(m: re.Match[str], language: str) -> list[Quantity]:
    """ "klokka halv tolv" (11:30) and "i halv tolv-tiden" (about 11:30, any minute from
    11:15 to 11:45); "halv" without either may be a half ("en halv tolv meters båt")."""
    word = (m.group("hp1") or m.group("hp2")).lower()
    hour = (_nordic_value(word, language) - 1) % 12
    q = _time(m, hour, 30, "halfpast", both=True)
    # English may keep the Nordic way of writing it: "11.30"
    q = _with(q, {("number", Decimal(h) + Decimal("0.3")) for h in (hour, hour + 12)})
    if m.group("hp2"):
        q = _with(q, {("time", Decimal(h * 100 + k)) for h in (hour, hour + 12)
                      for k in range(15, 46)})  # fmt: skip
    return [q]


def _half_past_en(m: re.Match[str], language: str) -> list[Quantity]:
    """ "half past eleven" (11:30 or 23:30), "half past midnight" (00:30)."""
    word = m.group("hpe").lower()
    hour = {"noon": 12, "midday": 12, "midnight": 0}.get(word)
    if hour is not None:
        return [_time(m, hour, 30, "halfen")]
    return [_time(m, int(_ENGLISH_VALUES[word]), 30, "halfen", both=True)]


def _time(m: re.Match[str], hour: int, minute: int, group: str, both: bool = False) -> Quantity:
    """A time of day; `both`: a 12-hour reading that may be morning or evening."""
    hour %= 24
    value = Decimal(hour * 100 + minute)
    extra = set()
    if both:
        extra.add(("time", Decimal(((hour + 12) % 24) * 100 + minute)))
    return Quantity(value, "time", m.group(group), m.span(group), alternatives=frozenset(extra))


def _with(q: Quantity, extra: set[Key]) -> Quantity:
    return Quantity(
        q.value,
        q.kind,
        q.text,
        q.span,
        q.spelled,
        q.scaled,
        q.unit,
        q.alternatives | extra,
        q.power,
    )


def _dmy(m: re.Match[str], language: str) -> list[Quantity]:
    return _date(m, "nd", "nm", "ny")


def _date1(m: re.Match[str], language: str) -> list[Quantity]:
    return _date(m, "d1", "m1", "y1", loose=language != "en")


def _date2(m: re.Match[str], language: str) -> list[Quantity]:
    return _date(m, "d2", "m2", "y2")


def _date(m: re.Match[str], day: str, month: str, year: str, loose: bool = False):
    """A date (month*100+day) and, when it has one, its year as a quantity of its own.

    A Nordic date written out ("26. november") also stands for its day alone, so "the 26th" or
    a misspelt month in the translation is not read as a missing date.
    """
    name = m.group(month)
    number = int(name) if name.isdigit() else _month_number(name)
    d = int(m.group(day))
    if not (1 <= number <= 12 and 1 <= d <= 31):
        return []
    start = m.start()
    end = m.end(year) if m.group(year) else m.end(month)
    extra = frozenset({("number", Decimal(d))}) if loose else frozenset()
    out = [Quantity(Decimal(number * 100 + d), "date", m.string[start:end], (start, end),
                    alternatives=extra)]  # fmt: skip
    if m.group(year):
        out.append(Quantity(Decimal(m.group(year)), "year", m.group(year), m.span(year)))
    return out


def _month_number(name: str) -> int:
    lowered = name.lower()
    return _NORDIC_MONTHS.get(lowered) or _ENGLISH_MONTHS.get(name.capitalize(), 0)


def _decade(m: re.Match[str], language: str) -> list[Quantity]:
    """ "1990-tallet", "90-tallet", "1800-tallet", "the 1960s", "'60s": decades and centuries."""
    digits = m.group("dn") or _opt(m, "dn2") or ""
    number = int(digits) * (100 if "hundra" in m.group().lower() else 1)
    span = m.span()
    if number % 100 == 0 and number >= 100:  # "1800-tallet": the 1800s, the 19th century
        keys = {("century", Decimal(number // 100 + 1)), ("number", Decimal(number))}
        return [Quantity(Decimal(number), "year", m.group(), span, alternatives=frozenset(keys))]
    if number % 10:
        return [Quantity(Decimal(number), "number", digits, m.span("dn"))]
    keys = {("decade", Decimal(number % 100))}
    if number >= 1000 or _opt(m, "dn2"):  # "in their 20s" for "20-årsåldern"
        keys.add(("number", Decimal(number)))
    return [
        Quantity(Decimal(number % 100), "decade", m.group(), span, alternatives=frozenset(keys))
    ]


def _century_words(m: re.Match[str], language: str) -> list[Quantity]:
    """ "attenhundretallet" (the 1800s, the 19th century), "arton-" of "arton- och
    nittonhundratalen": a figure a reader relies on, though written in words."""
    word = (m.group("hw") or m.group("hw2")).lower()
    number = _nordic_value(word, language) * 100
    keys = {("century", Decimal(number // 100 + 1)), ("number", Decimal(number))}
    return [Quantity(Decimal(number), "year", m.group(), m.span(), alternatives=frozenset(keys))]


def _decade_word(m: re.Match[str], language: str) -> list[Quantity]:
    """ "the sixties"."""
    word = m.group("dw").lower()
    value = _ENGLISH_VALUES[word[:-3] + "y"]
    extra = frozenset({("number", value)})  # "in their twenties" for "20-årene"
    return [Quantity(value, "decade", m.group(), m.span(), spelled=True, alternatives=extra)]


def _century(m: re.Match[str], language: str) -> list[Quantity]:
    """ "the 19th century", "nineteenth-century": also the ordinal itself ("det 19. århundre")."""
    word = m.group("cw")
    value = _ENGLISH_VALUES[word.lower()] if word else Decimal(m.group("cn"))
    extra = frozenset({("number", value)})
    return [Quantity(value, "century", m.group(), m.span(), alternatives=extra)]


def _ordinal(m: re.Match[str], language: str) -> list[Quantity]:
    """ "19th", "2nd": a number (Nordic writes "19."); "the 19th or 20th century" a century."""
    value = Decimal(m.group("on"))
    return [Quantity(value, "number", m.group(), m.span(), alternatives=_century_near(m, value))]


_CENTURY_NEAR = re.compile(r"[\w\s,-]{0,30}?\bcenturies\b|[\w\s,-]{0,30}?\bcentury\b", re.I)


def _century_near(m: re.Match[str], value: Decimal) -> frozenset[Key]:
    """The century reading of an ordinal a "century" follows within a few words."""
    if _CENTURY_NEAR.match(m.string, m.end()):
        return frozenset({("century", value)})
    return frozenset()


def _fraction(m: re.Match[str], language: str) -> list[Quantity]:
    """ "1/5": a fifth (weak, like a word: "a fifth" reads the same); "2 1/2": two and a half."""
    top, bottom = int(m.group("fa")), int(m.group("fb"))
    if not bottom or top >= bottom:
        return []
    return [_part(m, Decimal(top) / Decimal(bottom), m.group("fw"), language)]


_VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_VULGAR_VALUES = {c: Decimal(str(unicodedata.numeric(c))) for c in _VULGAR}


def _vulgar(m: re.Match[str], language: str) -> list[Quantity]:
    """ "2½", "1 ¾", "½": a vulgar fraction, with its whole part when it has one."""
    return [_part(m, _VULGAR_VALUES[m.group("vc")], m.group("vi"), language)]


def _part(m: re.Match[str], fraction: Decimal, whole: str | None, language: str) -> Quantity:
    """A fraction with an optional whole part: alone it is weak, like a word ("a half"); with
    a whole part ("2½ hours") a figure a reader relies on."""
    value = fraction + Decimal(whole or 0)
    unit = unit_at(m.string, m.end(), language)
    return Quantity(value.quantize(Decimal("0.001")).normalize(), "number", m.group(), m.span(),
                    spelled=whole is None, unit=unit)  # fmt: skip


def _roman(m: re.Match[str], language: str) -> list[Quantity]:
    """ "World War II", "Karl XII": a Roman numeral after a capitalised word (not the pronoun)."""
    text = m.group("roman")
    before = m.string[max(0, m.start() - 12) : m.start()].split()
    if not text or not before or not before[-1][:1].isupper():
        return []
    if text == "I" and before[-1].rstrip(",") != "War":
        return []
    value, previous = 0, 0
    for char in reversed(text):
        digit = _ROMAN[char]
        value += -digit if digit < previous else digit
        previous = max(previous, digit)
    return [Quantity(Decimal(value), "number", text, m.span(), spelled=True)]


def _numbers(m: re.Match[str], language: str) -> list[Quantity]:
    """A run of digits and separators: one or more numbers, the last one with its unit."""
    start = m.start("num")
    parts = _split_run(m.group("num"), language)
    out = []
    for value, begin, end, plain, alternative in parts:
        kind = "year" if plain and len(str(value)) == 4 and 1000 <= value <= 2100 else "number"
        span = (start + begin, start + end)
        extra = frozenset({("number", alternative)}) if alternative is not None else frozenset()
        out.append(Quantity(value, kind, m.string[span[0] : span[1]], span, alternatives=extra))
    last = out[-1]
    unit, att = m.group("unit"), _opt(m, "att")
    if att and _CURRENCY.search(m.string, max(0, start - 4), start):  # "$38m", not "38m tall"
        unit = "million" if att.lower() == "m" else "thousand"
    if unit:
        last = _with_unit(last, unit.lower(), language, m.string[last.span[0] : m.end()])
    if language != "en" and last.kind == "number" and not last.scaled:
        last = _maybe_time(last)
    measure = unit_at(m.string, last.span[1], language)
    if measure is not None:
        last = Quantity(last.value, last.kind, last.text, last.span, last.spelled, last.scaled,
                        measure, last.alternatives, last.power)  # fmt: skip
    out[-1] = last
    return out


def _maybe_time(q: Quantity) -> Quantity:
    """ "11.20" in Nordic text is often a time (Norwegian writes 11.20 for 11:20)."""
    match = re.fullmatch(r"([0-2]?\d)[.:]([0-5]\d)", q.text)
    if not match or int(match.group(1)) > 24:
        return q
    hour, minute = int(match.group(1)), int(match.group(2))
    return _with(q, {("time", Decimal((hour % 24) * 100 + minute))})


def _with_unit(q: Quantity, unit: str, language: str, text: str) -> Quantity:
    """`q` scaled by a scale word, or marked as a percentage; `text` runs to the unit's end."""
    span = (q.span[0], q.span[0] + len(text))
    scales = _ENGLISH_SCALES if language == "en" else _NORDIC_SCALES
    if unit in scales:
        power = Decimal(10) ** scales[unit]
        extra = {(k, v * power) for k, v in q.alternatives if k == "number"}
        if language == "en":  # the target side: "2 million" also vouches for "millioner"
            extra.add(("scale", power))
        return Quantity(q.value * power, "number", text, span, scaled=True,
                        alternatives=frozenset(extra), power=scales[unit])  # fmt: skip
    return Quantity(q.value, "percent", text, span, alternatives=q.alternatives)


def _split_run(run: str, language: str) -> list[tuple[Decimal, int, int, bool, Decimal | None]]:
    """Read "12 500,5" or "1,234.5" or "2025 200" as (value, start, end, plain, other) numbers.

    A separator followed by exactly three digits groups thousands (space or "." in Nordic text,
    space or "," in English); otherwise "," (and "." in Nordic) marks decimals. Anything else
    starts a new number, so "2026 200" is two numbers. `plain` means no separator at all;
    `other` is a second reading: Nordic "1.500" may be an English-style 1.5.
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
        other = None
        if tsep == "." and language != "en" and j == i + 1 and not frac:
            other = _decimal(groups[i][0] + "." + groups[j][0])
        elif language != "en" and frac and j == i + 1 and len(frac) == 4 and len(whole) <= 3:
            other = _decimal(whole + frac[1:])  # "783,562": an English-style 783,562
        value = _decimal(whole + frac)
        if value is not None:
            out.append((value, begin, end, i == j, other))
        i = j + 1
    return out


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


def _spelled(m: re.Match[str], language: str) -> list[Quantity]:
    """A number word ("tre", "twenty-one"), optionally with a scale word ("tre millioner")."""
    word = m.group("word").lower()
    unit = (m.group("wunit") or "").lower()
    if word in _ARTICLES and not unit:
        return []
    if language == "en":
        value = Decimal(1) if word in _ARTICLES else _ENGLISH_VALUES.get(word, Decimal(0))
        if word in ("noon", "midday", "midnight"):
            hour = 12 if word != "midnight" else 0
            return [Quantity(Decimal(hour * 100), "time", m.group(), m.span(), spelled=True)]
    else:
        value = Decimal(1 if word in _ARTICLES else _nordic_value(word, language))
    second = (_opt(m, "w2") or "").lower()
    if second and word in _EN_TENS:
        value += _ENGLISH_VALUES[second]
    if _opt(m, "half"):  # "two and a half"
        value += Decimal("0.5")
    power = 0
    if unit:
        power = (_ENGLISH_SCALES if language == "en" else _NORDIC_SCALES)[unit]
        value *= Decimal(10) ** power
    measure = unit_at(m.string, m.end(), language)  # "nine miles"
    extra = {("scale", Decimal(10) ** power)} if unit and language == "en" else set()
    if language == "en" and not unit and word in _EN_ORDINALS:
        extra |= _century_near(m, value)
    return [Quantity(value, "number", m.group(), m.span(), spelled=True, scaled=bool(unit),
                     unit=measure, alternatives=frozenset(extra), power=power)]  # fmt: skip


@functools.cache
def _nordic_table(language: str) -> dict[str, int]:
    return _nordic_words(language if language in _ONES else "nb")


def _nordic_value(word: str, language: str) -> int:
    return _nordic_table(language).get(word, 0)


def _bare(m: re.Match[str], language: str) -> list[Quantity]:
    """ "milliarder av kroner", "millions of people", "billionaire": a scale without a figure."""
    word = m.group("bare").lower()
    exponent = _BARE_POWERS.get(word[:4]) or _BARE_POWERS[word[:6]]
    if word.startswith("billio") and language != "en":  # the long scale
        exponent = 12
    power = Decimal(10) ** exponent
    return [Quantity(power, "scale", m.group(), m.span(), spelled=True, scaled=True,
                     power=exponent)]  # fmt: skip


_HANDLERS = {
    "iso": _iso, "ampm": _ampm, "oclock": _oclock, "mil": _military, "dmy": _dmy,
    "clock": _clock, "date": _date1, "date2": _date2, "century": _century, "decade": _decade,
    "ord": _ordinal, "hm": _hm, "num": _numbers, "word": _spelled, "bare": _bare,
    "decw": _decade_word, "hcent": _century_words, "roman": _roman, "around": _around,
    "halfpast": _half_past, "halfen": _half_past_en,
    "frac": _fraction, "vf": _vulgar,
}  # fmt: skip


def describe(q: Quantity) -> str:
    """`q` in plain English: "8.8 trillion", "12,500", "60%", "July 1", "14:00", "the 1960s"."""
    value = int(q.value)
    if q.kind == "date":
        return f"{_MONTH_NAMES[value // 100 - 1].capitalize()} {value % 100}"
    if q.kind == "time":
        return f"{value // 100:02d}:{value % 100:02d}"
    if q.kind == "year":
        century = next((v for k, v in q.alternatives if k == "century"), None)
        return f"the {value}s ({_ordinal_suffix(int(century))} century)" if century else str(value)
    if q.kind == "decade":
        return f"the {value:02d}s"
    if q.kind == "century":
        return f"the {_ordinal_suffix(value)} century"
    if q.kind == "scale":
        return {2: "hundreds", 3: "thousands", 6: "millions", 9: "billions", 12: "trillions"}.get(
            len(str(value)) - 1, _english_number(q.value)
        )
    text = _english_number(q.value)
    if q.unit:
        text = f"{text} {q.unit}"
    return text + "%" if q.kind == "percent" else text


def _ordinal_suffix(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _english_number(value: Decimal) -> str:
    for power, word in ((12, "trillion"), (9, "billion"), (6, "million")):
        if abs(value) >= 10**power:
            return f"{_plain(value / 10**power)} {word}"
    return _plain(value, grouped=True)


def _plain(value: Decimal, grouped: bool = False) -> str:
    """A Decimal without exponent or trailing zeros: 1.40E+9 / 10^9 → "1.4"."""
    text = format(value.normalize(), ",f" if grouped else "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
