"""Money: one constructor, one rounding rule, exact allocation and the report's display units.

The rule, stated once:
    Amounts are :class:`~decimal.Decimal` values in 元 (yuan), quantised to the fen (``0.01``)
    with :data:`ROUND_HALF_UP` (四舍五入). Money is never a ``float``: binary floating point
    cannot represent most fen amounts exactly (``0.1 + 0.2 != 0.3``), so :func:`D` refuses it.

* :func:`D` is the one constructor (it parses, it does not quantise); :func:`money` parses and
  quantises to the fen; :func:`from_unit` / :func:`parse_amount` read figures written in
  万元 / 亿元 / 万亿元 the way reports print them (``18.69 亿元``).
* :func:`allocate` splits an amount into fen-exact parts that sum exactly to it
  (largest-remainder method).
* :func:`format_amount`, :func:`format_yuan` and :func:`format_percent` print figures as the
  reports do (``10486.31 亿元``, ``2.06 万亿元``, ``52.14%``); display rounding is also
  ``ROUND_HALF_UP``.
* :func:`ratio_at_least` compares a ratio to a threshold exactly (a 5.00% ratio meets ≥ 5%).

Arithmetic here runs in a private context (60 significant digits, ``ROUND_HALF_UP``, errors
trapped), so results do not depend on the caller's thread-local decimal context.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction
from typing import Final

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Lang, Msg, current_lang

__all__ = [
    "FEN",
    "ROUNDING",
    "UNITS",
    "WAN",
    "WAN_YI",
    "YI",
    "YUAN",
    "D",
    "MoneyLike",
    "allocate",
    "allocate_by_shares",
    "decimal_from_cell",
    "format_amount",
    "format_percent",
    "format_yuan",
    "from_unit",
    "is_fen_exact",
    "money",
    "parse_amount",
    "quantize_fen",
    "ratio",
    "ratio_at_least",
    "to_unit",
    "unit_factor",
]

ROUNDING: Final = ROUND_HALF_UP
"""The one rounding rule for money, storage and display alike: 四舍五入 (half away from zero)."""

FEN: Final = Decimal("0.01")
"""The quantum of stored amounts: one fen (分), 0.01 元."""

YUAN: Final = Decimal(1)
WAN: Final = Decimal(10**4)
YI: Final = Decimal(10**8)
WAN_YI: Final = Decimal(10**12)

MoneyLike = str | int | Decimal
"""What :func:`D` accepts: never ``float``."""

_CTX: Final = Context(
    prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)

UNITS: Final[dict[str, Decimal]] = {
    "元": YUAN,
    "万元": WAN,
    "亿元": YI,
    "万亿元": WAN_YI,
}
"""Chinese display units and their size in 元."""

_UNIT_ALIASES: Final[dict[str, str]] = {
    "元": "元",
    "yuan": "元",
    "cny": "元",
    "rmb": "元",
    "万元": "万元",
    "万": "万元",
    "wan": "万元",
    "亿元": "亿元",
    "亿": "亿元",
    "yi": "亿元",
    "万亿元": "万亿元",
    "万亿": "万亿元",
    "wan_yi": "万亿元",
    "wanyi": "万亿元",
}

_EN_SCALES: Final[dict[str, Decimal]] = {
    "trillion": Decimal(10**12),
    "billion": Decimal(10**9),
    "million": Decimal(10**6),
}

_EN_TO_ZH: Final[dict[str, str]] = {"million": "万元", "billion": "亿元", "trillion": "万亿元"}
_ZH_TO_EN: Final[dict[Decimal, str]] = {
    YUAN: "yuan",
    WAN: "million",
    YI: "billion",
    WAN_YI: "trillion",
}

_FLOAT_MSG: Final = Msg(
    "金额不接受 float：二进制浮点数无法精确表示分（0.1 + 0.2 != 0.3）；"
    "请传入 str、int 或 Decimal（电子表格数值单元格用 decimal_from_cell）",
    "money must not be a float: binary floating point cannot represent fen exactly "
    "(0.1 + 0.2 != 0.3); pass a str, int or Decimal (use decimal_from_cell for spreadsheet "
    "number cells)",
)

_NUMBER_RE: Final = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_RE: Final = re.compile(r"\d{1,3}(?:,\d{3})+")
_AMOUNT_UNIT_RE: Final = re.compile(r"^(.*?)\s*(万亿元|亿元|万元|万亿|亿|万)$")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _invalid(value: object, why_zh: str = "", why_en: str = "") -> ValidationError:
    zh = f"无效的金额：{_show(value)}"
    en = f"invalid amount: {_show(value)}"
    if why_zh:
        zh += f"（{why_zh}）"
        en += f" ({why_en})"
    return ValidationError(Msg(zh, en), code="money.invalid")


def _nonneg_zero(d: Decimal) -> Decimal:
    """Drop the sign of a zero, so ``-0.00`` never shows up."""
    return d.copy_abs() if d.is_zero() else d


def _parse_str(value: str) -> Decimal:
    text = unicodedata.normalize("NFKC", value).replace("\u2212", "-")
    text = "".join(text.split())  # all whitespace, including thin/ideographic spaces
    if text.endswith("元"):
        text = text[:-1]
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:]
    if text[:1] == "¥":  # NFKC maps the full-width ￥ to ¥
        text = text[1:]
    if not sign and text[:1] in ("+", "-"):
        sign, text = text[0], text[1:]
    if "," in text:
        int_part, _, frac = text.partition(".")
        if not _GROUPED_RE.fullmatch(int_part) or "," in frac:
            raise _invalid(
                value, "千位分隔符位置不对", "thousands separators must group three digits"
            )
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        raise _invalid(value)
    return Decimal(sign + text)


def D(value: MoneyLike) -> Decimal:  # noqa: N802 - the short name is the point
    """Build a :class:`Decimal` amount in 元 from ``str``, ``int`` or ``Decimal`` (no quantising).

    Strings may carry surrounding or grouping spaces, thousands separators (``,`` / ``，``,
    which must group three digits), a leading ``¥`` / ``￥`` (before or after the sign) and a
    trailing ``元``; full-width digits are accepted. Plain decimal notation only (no ``1e5``).

    Raises:
        TypeError: for ``float`` (and ``bool`` or any other type) — see the module docstring.
        ValidationError: ``money.invalid`` for NaN, infinities and unparseable text.
    """
    v: object = value  # checked at run time: callers may not be type-checked
    if isinstance(v, bool):
        raise TypeError(Msg("金额不接受 bool", "money must not be a bool (True/False)").both())
    if isinstance(v, float):
        raise TypeError(_FLOAT_MSG.both())
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise _invalid(v, "不是有限数", "not a finite number")
        return _nonneg_zero(v)
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        return _nonneg_zero(_parse_str(v))
    raise TypeError(
        Msg(
            f"金额只接受 str、int 或 Decimal，收到 {type(value).__name__}",
            f"money accepts str, int or Decimal, got {type(value).__name__}",
        ).both()
    )


def decimal_from_cell(value: object) -> Decimal:
    """Read a spreadsheet cell (``float`` allowed) as a :class:`Decimal`, not quantised.

    A float is converted through its shortest round-tripping ``repr`` (``0.1`` →
    ``Decimal("0.1")``, not ``0.1000000000000000055…``), which is what the spreadsheet showed.
    Use this only at the import boundary; everything else goes through :func:`D`.

    Raises:
        ValidationError: ``money.invalid`` for non-finite floats, other types and bad text.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(value, "不是有限数", "not a finite number")
        return _nonneg_zero(Decimal(repr(value)))
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _invalid(value, "不是数字", "not a number")
    return D(value)


def quantize_fen(d: Decimal) -> Decimal:
    """Round ``d`` to the fen with :data:`ROUNDING` (``Decimal("1.005")`` → ``1.01``)."""
    return _nonneg_zero(d.quantize(FEN, rounding=ROUNDING, context=_CTX))


def is_fen_exact(d: Decimal) -> bool:
    """True when ``d`` has no part smaller than a fen (``1.10`` and ``1.1000`` yes, ``1.001`` no)."""
    if not d.is_finite():
        return False
    return d.quantize(FEN, rounding=ROUNDING, context=_CTX) == d


def money(value: MoneyLike) -> Decimal:
    """Parse with :func:`D`, then quantise to the fen: the form amounts are stored in."""
    return quantize_fen(D(value))


def unit_factor(unit: str) -> Decimal:
    """Size in 元 of a unit name: ``元 万元 亿元 万亿元`` or ``yuan wan yi wan_yi`` (also ``万``, ``亿``).

    Raises:
        ValidationError: ``money.unit`` for an unknown unit name.
    """
    canonical = _UNIT_ALIASES.get(unit.strip().lower())
    if canonical is None:
        raise ValidationError(
            Msg(
                f"未知的金额单位：{unit!r}（可用：元、万元、亿元、万亿元）",
                f"unknown money unit: {unit!r} (use 元/yuan, 万元/wan, 亿元/yi, 万亿元/wan_yi)",
            ),
            code="money.unit",
        )
    return UNITS[canonical]


def from_unit(value: MoneyLike, unit: str | Decimal) -> Decimal:
    """Convert a figure in ``unit`` to fen-quantised 元: ``from_unit("18.69", "亿元")`` → ``1869000000.00``.

    ``unit`` is a unit name (see :func:`unit_factor`) or a factor such as :data:`YI`.
    """
    factor = unit if isinstance(unit, Decimal) else unit_factor(unit)
    return quantize_fen(_CTX.multiply(D(value), factor))


def to_unit(value: MoneyLike, unit: str | Decimal) -> Decimal:
    """Express an amount in 元 in ``unit``, not rounded: ``to_unit(4500000000, "亿元")`` → 45."""
    factor = unit if isinstance(unit, Decimal) else unit_factor(unit)
    return _CTX.divide(D(value), factor)


def parse_amount(text: str) -> Decimal:
    """Parse a figure with an optional unit as printed in reports: ``"18.69 亿元"``, ``"2937.6万元"``.

    Returns fen-quantised 元. Without a 万/亿/万亿 unit it is :func:`money`.
    """
    norm = unicodedata.normalize("NFKC", text).strip()
    match = _AMOUNT_UNIT_RE.match(norm)
    if match is None:
        return money(text)
    number, unit = match.groups()
    try:
        return from_unit(number, unit)
    except ValidationError:
        raise _invalid(text) from None


# ---------------------------------------------------------------- allocation


def allocate(amount: MoneyLike, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``amount`` (quantised to the fen first) over ``weights``; parts sum exactly to it.

    Largest-remainder (Hamilton) method, computed exactly in whole fen: each part first gets
    the floor of its exact share ``|amount| * w / sum(w)``; the fen left over (fewer than the
    number of parts) go one each to the parts with the largest fractional remainders, ties
    broken by earlier position. So every part is fen-exact and within one fen of its exact
    share, zero weights get zero, and a negative amount gives the negated parts of its
    absolute value.

    Raises:
        ValidationError: ``money.allocation`` when ``weights`` is empty, contains a negative
            weight or sums to zero.
    """
    total = money(amount)
    ws = [D(w) for w in weights]
    if not ws:
        raise ValidationError(
            Msg("分摊权重不能为空", "allocation needs at least one weight"),
            code="money.allocation",
        )
    if any(w < 0 for w in ws):
        raise ValidationError(
            Msg("分摊权重不能为负数", "allocation weights must not be negative"),
            code="money.allocation",
        )
    fracs = [Fraction(w) for w in ws]
    weight_sum = sum(fracs, Fraction(0))
    if weight_sum == 0:
        raise ValidationError(
            Msg("分摊权重之和不能为零", "allocation weights must not all be zero"),
            code="money.allocation",
        )
    fen_total = int(_CTX.multiply(total, Decimal(100)))
    sign = -1 if fen_total < 0 else 1
    whole = abs(fen_total)
    quotas = [whole * f / weight_sum for f in fracs]
    parts = [math.floor(q) for q in quotas]
    leftover = whole - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return [_nonneg_zero(Decimal(sign * p).scaleb(-2, context=_CTX)) for p in parts]


def allocate_by_shares(amount: MoneyLike, shares: Sequence[MoneyLike]) -> list[Decimal]:
    """:func:`allocate` by shares given as fractions summing to exactly 1 or percentages to 100.

    Raises:
        ValidationError: ``money.allocation`` when the shares sum to neither 1 nor 100
            (or are negative / empty).
    """
    ds = [D(s) for s in shares]
    total = sum(ds, Decimal(0))
    if total not in (Decimal(1), Decimal(100)):
        raise ValidationError(
            Msg(
                f"分摊比例之和必须恰好为 1 或 100%，实际为 {total}",
                f"allocation shares must sum to exactly 1 (or 100 %), got {total}",
            ),
            code="money.allocation",
        )
    return allocate(amount, ds)


# ---------------------------------------------------------------- ratios


def ratio(numerator: MoneyLike, denominator: MoneyLike) -> Decimal | None:
    """``numerator / denominator`` as a Decimal, or ``None`` when the denominator is zero.

    Exact when the quotient terminates within 60 significant digits, else correctly rounded
    (``ROUND_HALF_UP``) at 60 digits. To test a ratio against a threshold use
    :func:`ratio_at_least`, which never rounds.
    """
    n, d = D(numerator), D(denominator)
    if d.is_zero():
        return None
    return _nonneg_zero(_CTX.divide(n, d))


def ratio_at_least(numerator: MoneyLike, denominator: MoneyLike, threshold: MoneyLike) -> bool:
    """Whether ``numerator / denominator >= threshold``, decided exactly by cross-multiplication.

    ``threshold`` is a fraction (``Decimal("0.05")`` for 5%). The boundary counts: a ratio of
    exactly 5.00% meets "≥ 5%" (``ratio_at_least(5, 100, Decimal("0.05"))`` is True), while
    ``4.99999 / 100`` does not. For a positive denominator this is
    ``numerator >= threshold * denominator``; a negative denominator flips the inequality. A
    zero denominator has no ratio and returns False.
    """
    n, d, t = Fraction(D(numerator)), Fraction(D(denominator)), Fraction(D(threshold))
    if d == 0:
        return False
    return n >= t * d if d > 0 else n <= t * d


# ---------------------------------------------------------------- formatting


def _round_display(value: Decimal, decimals: int) -> Decimal:
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    return _nonneg_zero(
        value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING, context=_CTX)
    )


def _number_text(value: Decimal, decimals: int, strip_zeros: bool, grouping: bool) -> str:
    text = format(_round_display(value, decimals), ",f" if grouping else "f")
    if strip_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _pick_zh_unit(value: Decimal, unit: str) -> tuple[str, Decimal]:
    key = unit.strip().lower()
    if key in _EN_SCALES:
        key = _EN_TO_ZH[key]
    if key != "auto":
        factor = unit_factor(key)
        name = next(n for n, f in UNITS.items() if f == factor)
        return name, factor
    for name in ("万亿元", "亿元", "万元"):
        if abs(value) >= UNITS[name]:
            return name, UNITS[name]
    return "元", YUAN


def _pick_en_scale(value: Decimal, unit: str) -> tuple[str, Decimal]:
    key = unit.strip().lower()
    if key != "auto" and key not in _EN_SCALES:
        key = _ZH_TO_EN[unit_factor(key)]
    if key in _EN_SCALES:
        return key, _EN_SCALES[key]
    if key == "auto":
        for name, factor in _EN_SCALES.items():
            if abs(value) >= factor:
                return name, factor
    return "", YUAN


def format_amount(
    value: MoneyLike,
    unit: str = "auto",
    *,
    decimals: int = 2,
    strip_zeros: bool = True,
    lang: Lang | None = None,
    space: bool = True,
) -> str:
    """Print an amount in 元 the way the reports do.

    Chinese (default): ``format_amount(Decimal("1048631000000"), "亿元")`` → ``"10486.31 亿元"``;
    2.06 万亿 → ``"2.06 万亿元"``; 45 亿 → ``"45 亿元"``; ``29376000`` in 万元 → ``"2937.6 万元"``
    (``"2937.6万元"`` with ``space=False``). No thousands separators, as in the reports.

    English (``lang="en"``): ``"CNY 1,048.63 billion"`` using million / billion / trillion and
    thousands separators; the space is always there.

    Args:
        value: amount in 元.
        unit: ``"auto"`` picks the largest unit of which ``|value|`` is at least one
            (元 / 万元 / 亿元 / 万亿元, or CNY / million / billion / trillion in English).
            Otherwise a unit name (see :func:`unit_factor`) or ``million`` / ``billion`` /
            ``trillion``. A unit is translated to the output language's scale of the same
            rank: 万元 ↔ million, 亿元 ↔ billion, 万亿元 ↔ trillion, 元 ↔ plain CNY (so a table
            printed in 亿元 reads ``CNY 1,048.63 billion`` in English).
        decimals: digits after the point, rounded ``ROUND_HALF_UP``.
        strip_zeros: drop trailing zeros (and a bare point): ``45.00`` → ``45``.
        lang: ``zh`` or ``en``; default the process language.
        space: put a space between number and Chinese unit.
    """
    d = D(value)
    if (lang or current_lang()) == "en":
        scale, factor = _pick_en_scale(d, unit)
        text = _number_text(_CTX.divide(d, factor), decimals, strip_zeros, grouping=True)
        return f"CNY {text} {scale}" if scale else f"CNY {text}"
    name, factor = _pick_zh_unit(d, unit)
    text = _number_text(_CTX.divide(d, factor), decimals, strip_zeros, grouping=False)
    return f"{text} {name}" if space else f"{text}{name}"


def format_yuan(value: MoneyLike) -> str:
    """Print an amount to the fen with a yen sign and separators: ``"¥1,234,567.89"``, ``"-¥5.00"``."""
    q = quantize_fen(D(value))
    text = format(q.copy_abs(), ",f")
    return f"-¥{text}" if q < 0 else f"¥{text}"


def format_percent(ratio: Decimal | None, decimals: int = 2, *, na: str = "—") -> str:
    """Print a ratio (a fraction) as a percentage: ``Decimal("0.52135")`` → ``"52.14%"``.

    Rounded ``ROUND_HALF_UP`` to ``decimals`` places, trailing zeros kept (``"92.70%"``).
    ``None`` (what :func:`ratio` returns for a zero denominator) prints ``na``.
    """
    if ratio is None:
        return na
    pct = _CTX.multiply(D(ratio), Decimal(100))
    return f"{format(_round_display(pct, decimals), 'f')}%"
