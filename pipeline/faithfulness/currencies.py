"""The currency a figure is in, and whether two currencies may be the same.

Machine translation swaps currencies ("27 millioner pund" → "27 million dollars") and adds
them ("2 milliarder" → "$2 billion"). A figure's currency is the sign or code just before it
("$", "US$", "NOK ") or the word just after it and its scale word ("kroner", "euro", "USD").
Currencies are compared by family: "kroner" may be any of NOK, SEK, DKK and ISK, "¥" yen or
yuan, and "pounds" or "pund" sterling or a weight (compatible with "£" either way).
"""

from __future__ import annotations

import re

# written form (lower case) → family
_WORDS = {
    **dict.fromkeys(("$", "us$", "usd", "dollar", "dollars", "dollaren", "dollarer",
                     "dollarn", "dollarna"), "USD"),
    **dict.fromkeys(("€", "eur", "euro", "euros", "euroen", "evro"), "EUR"),
    **dict.fromkeys(("£", "gbp", "sterling"), "GBP"),
    **dict.fromkeys(("pund", "pundet", "pounds", "pound"), "POUND"),
    **dict.fromkeys(("kr", "kr.", "kroner", "krone", "kronor", "krona", "kronur", "crowns",
                     "kronen"), "KR"),
    **dict.fromkeys(("nok",), "NOK"),
    **dict.fromkeys(("sek",), "SEK"),
    **dict.fromkeys(("dkk",), "DKK"),
    **dict.fromkeys(("isk",), "ISK"),
    **dict.fromkeys(("¥",), "YEN-YUAN"),
    **dict.fromkeys(("yen", "jpy"), "JPY"),
    **dict.fromkeys(("yuan", "cny", "renminbi"), "CNY"),
    **dict.fromkeys(("chf", "franc", "francs", "franc.", "franken"), "CHF"),
    **dict.fromkeys(("rupi", "rupier", "rupee", "rupees", "inr"), "INR"),
    **dict.fromkeys(("rubel", "rubler", "ruble", "rubles", "rouble", "roubles", "rub"), "RUB"),
}  # fmt: skip
_GENERIC = {"KR": {"NOK", "SEK", "DKK", "ISK"}, "YEN-YUAN": {"JPY", "CNY"}, "POUND": {"GBP"}}

_SIGNS = r"US\$|HK\$|A\$|C\$|NZ\$|[$€£¥]"
_CODES = r"USD|EUR|GBP|NOK|SEK|DKK|ISK|JPY|CNY|CHF|INR|RUB"
_BEFORE = re.compile(rf"(?:(?P<sign>{_SIGNS})|\b(?P<code>{_CODES}|kr\.?)[ \u00a0]?)\Z")
_AFTER = re.compile(
    r"[ \u00a0]?(?:(?:amerikanske|amerikanska|american|US|U\.S\.)[ \u00a0])?"
    r"(?P<word>kr\.?|kroner|krone|kronor|krona|kronur|kronen|crowns|dollars?|dollaren|dollarer"
    r"|dollarn|dollarna|euros?|euroen|sterling|pund|pundet|pounds?|yen|yuan|renminbi|francs?"
    r"|franken|rupier|rupees?|rupi|rubler|rubel|roubles?|rubles?|" + _CODES + r"|US\$|[$€£])"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_CURRENCY_WORDS = re.compile(
    r"(?:" + _SIGNS + r")|\b(?:" + _CODES + r")\b|(?<![^\W\d_])(?:kr\.?|kroner|krone|kronor"
    r"|krona|kronur|dollars?|dollaren|dollarer|euros?|euroen|sterling|pund|pounds?|yen|yuan|francs?"
    r"|rupier|rupees?|rubler|rubel|roubles?|rubles?)(?![^\W\d_])",
    re.IGNORECASE,
)


def _family(written: str) -> str | None:
    return _WORDS.get(written.lower().replace("\u00a0", " ").strip())


def currency_at(text: str, start: int, end: int) -> str | None:
    """The currency family of the figure at `text[start:end]` (its scale word included), if
    a sign or code stands just before it or a currency word just after it."""
    before = _BEFORE.search(text, max(0, start - 4), start)
    if before:
        return _family(before.group("sign") or before.group("code"))
    after = _AFTER.match(text, end)
    if after:
        return _family(after.group("word"))
    return None


def currencies_in(text: str) -> set[str]:
    """Every currency family that `text` mentions anywhere."""
    return {f for f in (_family(m.group()) for m in _CURRENCY_WORDS.finditer(text)) if f}


def compatible(a: str, b: str) -> bool:
    """Whether families `a` and `b` may be the same currency ("kroner" and "NOK")."""
    return a == b or b in _GENERIC.get(a, ()) or a in _GENERIC.get(b, ())


_NAMES = {"USD": "dollars", "EUR": "euros", "GBP": "pounds sterling", "POUND": "pounds",
          "KR": "kroner", "YEN-YUAN": "yen or yuan", "JPY": "yen", "CNY": "yuan", "CHF": "francs",
          "INR": "rupees", "RUB": "roubles"}  # fmt: skip


def currency_name(family: str | None) -> str:
    """ "dollars" for "USD", the code for the Nordic ones, "no currency" for None."""
    return _NAMES.get(family, family) if family else "no currency"
