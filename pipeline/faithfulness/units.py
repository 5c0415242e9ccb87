"""Units of measure after a figure, and whether two measures say the same thing.

Translators convert: "14,5 km" may come out as "nine miles", "8,7 millioner liter" as "2.3 million
gallons", "30 grader" as "86F". Only the units news uses are here; a figure with a unit not listed
is compared by its number alone.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

# unit as written (lower case) → (canonical unit, dimension, factor to the dimension's base)
_UNITS_TEXT = """
km kilometer kilometers kilometre kilometres kilometer=km length 1000
m meter meters metre metres=m length 1
cm centimeter centimeters centimetre centimetres=cm length 0.01
mm millimeter millimeters millimetre millimetres=mm length 0.001
miles mile mi=mi length 1609.344
nautical_miles nautiske_mil sjømil nautiska_mil=nmi length 1852
ft feet foot fot=ft length 0.3048
inches inch tommer tum=in length 0.0254
yards yard=yd length 0.9144
kg kilo kilos kilogram kilograms kilogramme kilogrammes=kg mass 1
g gram grams gramme grammes=g mass 0.001
tonn tonnes tonne tons ton tonnor=t mass 1000
pounds pound lb lbs=lb mass 0.45359
ounces ounce oz unse unser=oz mass 0.02835
liter litre litres liters l=l volume 1
dl desiliter=dl volume 0.1
ml milliliter millilitre=ml volume 0.001
gallons gallon=gal volume 3.785
fat barrels barrel tønner=bbl volume 159
km/t km/h kph km_i_timen kilometer_i_timen kilometer/time km/time kilometer/timen=km/h speed 1
mph miles_per_hour miles_an_hour miles/hour=mph speed 1.609344
knop knots knot=kn speed 1.852
m/s=m/s speed 3.6
km2 km² kvadratkilometer square_kilometres square_kilometers sq_km=km2 area 1000000
square_miles sq_mi=sq_mi area 2589988
m2 m² kvadratmeter square_metres square_meters=m2 area 1
square_feet sq_ft=sq_ft area 0.0929
hektar hectares hectare ha=ha area 10000
dekar mål=daa area 1000
acres acre=acre area 4046.86
°c grader_celsius degrees_celsius celsius grader graders=°C temperature 1
°f degrees_fahrenheit fahrenheit=°F temperature 1
"""
_NORDIC_ONLY = {"mil"}  # the Scandinavian mile is 10 km; English "mil" is something else


def _table() -> dict[str, tuple[str, str, Decimal]]:
    table = {}
    for line in _UNITS_TEXT.strip().splitlines():
        names, rest = line.split("=")
        canonical, dimension, factor = rest.split()
        for name in names.split():
            table[name.replace("_", " ")] = (canonical, dimension, Decimal(factor))
    table["mil"] = ("mil", "length", Decimal(10000))
    return table


_TABLE = _table()


@functools.cache
def _pattern() -> re.Pattern[str]:
    names = sorted(_TABLE, key=len, reverse=True)
    alternation = "|".join(re.escape(n).replace(r"\ ", r"[ \u00a0]") for n in names)
    return re.compile(rf"[ \u00a0\u202f-]?(?:{alternation})(?![^\W\d_])", re.IGNORECASE)


def unit_at(text: str, position: int, language: str) -> str | None:
    """The canonical unit written at `position` of `text` (just after a figure), if any."""
    match = _pattern().match(text, position)
    if match is None:
        return None
    name = match.group().strip(" \u00a0\u202f-").lower().replace("\u00a0", " ")
    if name in _NORDIC_ONLY and language == "en":
        return None
    return _TABLE[name][0]


def dimension(unit: str | None) -> str | None:
    """ "length", "mass", ... for a canonical unit; None for no or an unknown unit."""
    return _CANONICAL[unit][0] if unit in _CANONICAL else None


def in_base(value: Decimal, unit: str) -> Decimal:
    """`value` in the base unit of its dimension (metres, kilograms, litres, km/h, m²)."""
    return value * _CANONICAL[unit][1]


_CANONICAL = {canonical: (dimension, factor) for canonical, dimension, factor in _TABLE.values()}


def same_measure(a: Decimal, unit_a: str, b: Decimal, unit_b: str, tolerance: float = 0.05) -> bool:
    """Whether `a` `unit_a` and `b` `unit_b` are the same measure, give or take rounding.

    Only for different units of one dimension: the same unit is compared exactly elsewhere.
    Translators round conversions to two significant digits ("5 km" → "3 miles", 3.1), which
    stays within 5 per cent; "3 000 km" → "2,000 miles" (1,864) does not.
    """
    if unit_a == unit_b or unit_a not in _CANONICAL or unit_b not in _CANONICAL:
        return False
    dim_a, factor_a = _CANONICAL[unit_a]
    dim_b, factor_b = _CANONICAL[unit_b]
    if dim_a != dim_b:
        return False
    if dim_a == "temperature":
        celsius_a = a if unit_a == "°C" else (a - 32) * 5 / 9
        celsius_b = b if unit_b == "°C" else (b - 32) * 5 / 9
        return abs(celsius_a - celsius_b) <= 1
    base_a, base_b = a * factor_a, b * factor_b
    if not base_a or not base_b:
        return False
    return abs(base_a - base_b) / max(base_a, base_b) <= Decimal(str(tolerance))
