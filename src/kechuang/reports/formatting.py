"""Numbers as the report prints them.

Values arrive exact, in their base unit (元, 户, 件 …). The indicator definition says how to print
them: ``scale`` (``one``, ``wan`` = ÷10⁴, ``yi`` = ÷10⁸, ``wan_yi`` = ÷10¹², ``wan_yuan`` = ÷10⁴) and
``decimals``. Rounding is ``ROUND_HALF_UP`` (:data:`kechuang.core.money.ROUNDING`), never float.

The seed prints money without trailing zeros (``45 亿元``, ``2937.6 万元``, ``10486.31 亿元``) and
every other figure with its fixed decimals (``2.99 万户``, ``50.2 件``); percentages always with two
decimals (``92.70%``). English prints the same scaled number with thousands separators and the
English unit, except money, which uses CNY million / billion / trillion
(:func:`kechuang.core.money.format_amount`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from kechuang.core.i18n import Lang
from kechuang.core.money import ROUNDING, format_amount, format_percent
from kechuang.indicators.model import IndicatorDefinition, Scale

__all__ = ["SCALE_FACTOR", "format_number", "format_value", "format_yoy", "yoy_phrase"]

SCALE_FACTOR: dict[Scale, Decimal] = {
    "one": Decimal(1),
    "wan": Decimal(10**4),
    "yi": Decimal(10**8),
    "wan_yi": Decimal(10**12),
    "wan_yuan": Decimal(10**4),
}
"""Divisor of each :data:`~kechuang.indicators.model.Scale`."""

_TEN_K = re.compile(r"^\s*(10k|10,000|10 000|10 thousand|ten[- ]thousand|万)\s*", re.I)

_ZH_MONEY_UNIT: dict[Scale, str] = {
    "one": "元",
    "wan": "万元",
    "wan_yuan": "万元",
    "yi": "亿元",
    "wan_yi": "万亿元",
}


def format_number(
    value: Decimal, *, decimals: int, strip_zeros: bool = False, grouping: bool = False
) -> str:
    """``value`` rounded half-up to ``decimals`` places (``-0`` prints as ``0``)."""
    q = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING)
    if q.is_zero():
        q = abs(q)
    text = format(q, ",f" if grouping else "f")
    if strip_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(
    definition: IndicatorDefinition, value: Decimal, *, lang: Lang = "zh", space: bool = True
) -> str:
    """``value`` (base unit) printed with the definition's scale, decimals and unit.

    >>> d = IndicatorDefinition(key="k", label_zh="", label_en="", unit="enterprise",
    ...     unit_zh="万户", unit_en="10k enterprises", formula_zh="", formula_en="",
    ...     section="7.1.2", group="credit", scale="wan", decimals=2)
    >>> format_value(d, Decimal(29900))
    '2.99 万户'
    """
    sep = " " if space else ""
    if definition.unit == "yuan":
        if lang == "en":
            return _english_money(value, definition.scale, definition.decimals)
        unit = definition.unit_zh or _ZH_MONEY_UNIT[definition.scale]
        number = format_number(
            value / SCALE_FACTOR[definition.scale], decimals=definition.decimals, strip_zeros=True
        )
        return f"{number}{sep}{unit}"
    scaled = value / SCALE_FACTOR[definition.scale]
    if lang == "en":
        if definition.scale in ("wan", "wan_yi"):
            # English has no 万: print the base count at the precision the Chinese shows
            # (2.99 万户 → 29,900), without a "10k" in the unit.
            places = definition.decimals - SCALE_FACTOR[definition.scale].adjusted()
            rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)
            number = format_number(rounded, decimals=max(places, 0), grouping=True)
            unit = _TEN_K.sub("", definition.unit_en)
            return f"{number} {unit}".rstrip()
        number = format_number(scaled, decimals=definition.decimals, grouping=True)
        return f"{number} {definition.unit_en}".rstrip()
    number = format_number(scaled, decimals=definition.decimals)
    return f"{number}{sep}{definition.unit_zh}".rstrip()


_ZH_EXPONENT: dict[Scale, int] = {"one": 0, "wan": 4, "wan_yuan": 4, "yi": 8, "wan_yi": 12}
_EN_SCALES: tuple[tuple[str, int], ...] = (("trillion", 12), ("billion", 9), ("million", 6))


def _english_money(value: Decimal, scale: Scale, decimals: int) -> str:
    """Money in CNY million / billion / trillion at the precision the Chinese figure shows
    (859 亿元 → CNY 85.9 billion; 0.99 亿元 → CNY 99 million; 2937.6 万元 → CNY 29.376 million)."""
    last_digit = _ZH_EXPONENT[scale] - decimals  # power of ten of the last digit printed in zh
    name, exponent = "million", 6
    for candidate, exp in _EN_SCALES[:-1]:
        # the English unit of the Chinese one's rank (亿 → billion) or smaller, never larger
        if exp <= _ZH_EXPONENT[scale] + 1 and abs(value) >= Decimal(10) ** exp:
            name, exponent = candidate, exp
            break
    return format_amount(
        value, name, decimals=max(exponent - last_digit, 0), strip_zeros=True, lang="en"
    )


def format_yoy(ratio: Decimal) -> str:
    """A year-over-year ratio as an unsigned percentage with two decimals (``0.4999`` → ``49.99%``)."""
    return format_percent(abs(ratio), 2)


def yoy_phrase(ratio: Decimal, *, lang: Lang = "zh") -> str:
    """``比上年增长 49.99%`` / ``比上年下降 3.10%`` / ``与上年持平`` (English: ``up 49.99% on the year``)."""
    pct = format_yoy(ratio)
    if pct == "0.00%":
        return "与上年持平" if lang == "zh" else "unchanged on the year"
    if ratio > 0:
        return f"比上年增长 {pct}" if lang == "zh" else f"up {pct} on the year"
    return f"比上年下降 {pct}" if lang == "zh" else f"down {pct} on the year"
