"""Tests of kechuang.core.money: constructor, rounding, allocation, formatting, ratios."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core.errors import ValidationError
from kechuang.core.money import (
    FEN,
    ROUNDING,
    WAN,
    WAN_YI,
    YI,
    YUAN,
    D,
    allocate,
    allocate_by_shares,
    decimal_from_cell,
    format_amount,
    format_percent,
    format_yuan,
    from_unit,
    is_fen_exact,
    money,
    parse_amount,
    quantize_fen,
    ratio,
    ratio_at_least,
    to_unit,
    unit_factor,
)

# ---------------------------------------------------------------- the rule


def test_rounding_rule_is_stated_once() -> None:
    assert ROUNDING == ROUND_HALF_UP
    assert Decimal("0.01") == FEN
    assert (Decimal(1), Decimal(10**4), Decimal(10**8), Decimal(10**12)) == (YUAN, WAN, YI, WAN_YI)


# ---------------------------------------------------------------- constructor


def test_float_is_rejected_with_a_bilingual_reason() -> None:
    with pytest.raises(TypeError, match="float") as info:
        D(0.1)  # type: ignore[arg-type]
    text = str(info.value)
    assert "浮点" in text
    assert "binary floating point" in text


@pytest.mark.parametrize("value", [True, None, [1], 1 + 0j])
def test_other_types_are_rejected(value: object) -> None:
    with pytest.raises(TypeError):
        D(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("  1234.56  ", "1234.56"),
        ("1,234,567.89", "1234567.89"),
        ("1，234，567.89", "1234567.89"),
        ("¥1,234.50", "1234.50"),
        ("￥1,234.50", "1234.50"),
        ("1234元", "1234"),
        ("￥ 1 234.5 元", "1234.5"),
        ("-¥12.30", "-12.30"),
        ("¥-12.30", "-12.30"),
        ("+7", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("１２３．４", "123.4"),
        ("0.001", "0.001"),
        ("-0", "0"),
    ],
)
def test_string_forms(text: str, expected: str) -> None:
    got = D(text)
    assert got == Decimal(expected)
    assert not got.is_signed() or got != 0


def test_int_and_decimal() -> None:
    assert D(45) == Decimal(45)
    assert D(Decimal("1.005")) == Decimal("1.005")  # D does not quantise
    assert str(D(Decimal("-0.00"))) == "0.00"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "1.2.3",
        "1e5",
        "NaN",
        "inf",
        "--1",
        "1,23",
        "12,34.5",
        "1.234,5",
        "¥",
        "元",
    ],
)
def test_garbage_text_is_a_validation_error(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        D(value)
    assert info.value.code == "money.invalid"
    assert "金额" in info.value.message.zh
    assert "amount" in info.value.message.en


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimal_is_a_validation_error(value: Decimal) -> None:
    with pytest.raises(ValidationError) as info:
        D(value)
    assert info.value.code == "money.invalid"


def test_decimal_from_cell_takes_floats_through_repr() -> None:
    assert decimal_from_cell(0.1) == Decimal("0.1")
    assert decimal_from_cell(1869000000.0) == Decimal("1869000000.0")
    assert decimal_from_cell("1,234") == Decimal(1234)
    with pytest.raises(ValidationError):
        decimal_from_cell(float("nan"))
    with pytest.raises(ValidationError):
        decimal_from_cell(None)


# ---------------------------------------------------------------- quantising


def test_money_quantises_half_up() -> None:
    assert money("1.005") == Decimal("1.01")
    assert money("1.004") == Decimal("1.00")
    assert money("-1.005") == Decimal("-1.01")  # half away from zero
    assert str(money("-0.004")) == "0.00"  # no negative zero
    assert str(money(12)) == "12.00"
    assert quantize_fen(Decimal("2.675")) == Decimal("2.68")  # the float trap: 2.675 -> 2.67


def test_is_fen_exact() -> None:
    assert is_fen_exact(Decimal("1.10"))
    assert is_fen_exact(Decimal("1.1000"))
    assert is_fen_exact(Decimal(5))
    assert not is_fen_exact(Decimal("1.001"))
    assert not is_fen_exact(Decimal("NaN"))


# ---------------------------------------------------------------- units


def test_from_unit() -> None:
    got = from_unit("18.69", "亿元")
    assert got == Decimal("1869000000.00")
    assert str(got) == "1869000000.00"
    assert from_unit("2.06", "万亿元") == Decimal("2060000000000")
    assert from_unit("2937.6", "万元") == Decimal("29376000")
    assert from_unit("45", "yi") == Decimal("4500000000")
    assert from_unit("3", "wan") == Decimal("30000")
    assert from_unit("1", "wan_yi") == WAN_YI
    assert from_unit("12.345", "元") == Decimal("12.35")
    assert from_unit("7", "yuan") == Decimal("7.00")
    assert from_unit("1.5", YI) == Decimal("150000000")


def test_unknown_unit() -> None:
    with pytest.raises(ValidationError) as info:
        unit_factor("千元")
    assert info.value.code == "money.unit"


def test_to_unit_is_exact() -> None:
    assert to_unit(Decimal("1048631000000"), "亿元") == Decimal("10486.31")
    assert to_unit(29376000, "万元") == Decimal("2937.6")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18.69 亿元", "1869000000"),
        ("2.06 万亿元", "2060000000000"),
        ("2937.6万元", "29376000"),
        ("45 亿元", "4500000000"),
        ("10486.31 亿元", "1048631000000"),
        ("1,234.5 元", "1234.5"),
        ("1234.5", "1234.5"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["近 1 亿元", "亿元", "abc 万元"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_amount(text)


# ---------------------------------------------------------------- allocation


def test_allocate_three_ways() -> None:
    assert allocate(Decimal(100), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_allocate_largest_remainder_and_ties() -> None:
    # exact shares of 10 fen: 3.4, 3.3, 3.3 -> floors 3, 3, 3; the 1 fen left goes to the
    # largest remainder (0.4, the first part)
    assert allocate(Decimal("0.10"), [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]) == [
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]
    # all remainders equal: earlier positions win
    assert allocate(Decimal("0.02"), [1, 1, 1]) == [Decimal("0.01"), Decimal("0.01"), Decimal("0")]
    # the largest remainder wins even when it is not first
    assert allocate(Decimal("0.10"), [1, 2]) == [Decimal("0.03"), Decimal("0.07")]


def test_allocate_zero_weights_and_negative_amounts() -> None:
    assert allocate(Decimal("10"), [0, 1, 0]) == [Decimal(0), Decimal(10), Decimal(0)]
    assert allocate(Decimal("-100"), [1, 1, 1]) == [
        Decimal("-33.34"),
        Decimal("-33.33"),
        Decimal("-33.33"),
    ]
    parts = allocate(Decimal("-0.05"), [1, 1, 0, 1])
    assert sum(parts) == Decimal("-0.05")
    assert all(str(p) != "-0.00" for p in parts)


def test_allocate_quantises_the_amount_first() -> None:
    parts = allocate(Decimal("10.005"), [1, 1])
    assert parts == [Decimal("5.01"), Decimal("5.00")]
    assert all(is_fen_exact(p) for p in parts)


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [Decimal("-0.5"), 2]])
def test_allocate_rejects_bad_weights(weights: list[Decimal | int]) -> None:
    with pytest.raises(ValidationError) as info:
        allocate(Decimal(100), weights)
    assert info.value.code == "money.allocation"


def test_allocate_rejects_float_weights() -> None:
    with pytest.raises(TypeError):
        allocate(Decimal(100), [0.5, 0.5])  # type: ignore[list-item]


amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=3
)
weight_lists = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**9),
        st.decimals(min_value=0, max_value=Decimal("1e6"), allow_nan=False, places=4),
    ),
    min_size=1,
    max_size=20,
).filter(lambda ws: sum(ws) > 0)


@given(amount=amounts, weights=weight_lists)
def test_allocation_sums_exactly_and_each_part_is_within_one_fen(
    amount: Decimal, weights: list[Decimal | int]
) -> None:
    parts = allocate(amount, weights)
    total = money(amount)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == total
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    for part, w in zip(parts, weights, strict=True):
        assert is_fen_exact(part)
        exact = Fraction(total) * Fraction(w) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if w == 0:
            assert part == 0


@given(amount=amounts, weights=weight_lists)
def test_allocation_is_symmetric_in_sign(amount: Decimal, weights: list[Decimal | int]) -> None:
    assert allocate(-amount, weights) == [-p for p in allocate(amount, weights)]


def test_allocate_by_shares() -> None:
    assert allocate_by_shares(Decimal(100), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]) == [
        Decimal(50),
        Decimal(30),
        Decimal(20),
    ]
    assert allocate_by_shares(Decimal(100), ["33.33", "33.33", "33.34"]) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert allocate_by_shares(Decimal(1), [100]) == [Decimal(1)]


@pytest.mark.parametrize(
    "shares", [[Decimal("0.5"), Decimal("0.4")], ["33.33", "33.33", "33.33"], ["0.5", "0.5", "1"]]
)
def test_allocate_by_shares_must_sum_to_one_or_hundred(shares: list[Decimal | str]) -> None:
    with pytest.raises(ValidationError) as info:
        allocate_by_shares(Decimal(100), shares)
    assert info.value.code == "money.allocation"


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("1048631000000"), "亿元", "10486.31 亿元"),
        (Decimal("475647000000"), "亿元", "4756.47 亿元"),
        (Decimal("2060000000000"), "万亿元", "2.06 万亿元"),
        (Decimal("4500000000"), "亿元", "45 亿元"),
        (Decimal("1869000000"), "亿元", "18.69 亿元"),
        (Decimal("100000000"), "亿元", "1 亿元"),
        (Decimal("29376000"), "万元", "2937.6 万元"),
        (Decimal("1000000000"), "亿元", "10 亿元"),
        (Decimal("-4500000000"), "亿元", "-45 亿元"),
        (Decimal("12.5"), "元", "12.5 元"),
    ],
)
def test_format_amount_as_the_report_prints(value: Decimal, unit: str, expected: str) -> None:
    assert format_amount(value, unit, lang="zh") == expected


def test_format_amount_options() -> None:
    assert format_amount(Decimal("29376000"), "万元", space=False, lang="zh") == "2937.6万元"
    assert (
        format_amount(Decimal("4500000000"), "亿元", strip_zeros=False, lang="zh") == "45.00 亿元"
    )
    assert format_amount(Decimal("1048631000000"), "亿元", decimals=1, lang="zh") == "10486.3 亿元"
    assert format_amount(Decimal("1048631000000"), "亿元", decimals=0, lang="zh") == "10486 亿元"
    # display rounding is half-up: 0.125 亿 -> 0.13
    assert format_amount(Decimal("12500000"), "亿元", lang="zh") == "0.13 亿元"
    assert format_amount(Decimal("-4000"), "亿元", lang="zh") == "0 亿元"  # no "-0"
    with pytest.raises(ValueError, match="decimals"):
        format_amount(Decimal(1), "元", decimals=-1, lang="zh")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2060000000000"), "2.06 万亿元"),
        (Decimal("1000000000000"), "1 万亿元"),
        (Decimal("999999999999"), "10000 亿元"),
        (Decimal("4500000000"), "45 亿元"),
        (Decimal("100000000"), "1 亿元"),
        (Decimal("99999999"), "10000 万元"),
        (Decimal("29376000"), "2937.6 万元"),
        (Decimal("10000"), "1 万元"),
        (Decimal("9999.99"), "9999.99 元"),
        (Decimal("0"), "0 元"),
        (Decimal("-29376000"), "-2937.6 万元"),
    ],
)
def test_format_amount_auto(value: Decimal, expected: str) -> None:
    assert format_amount(value, lang="zh") == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("1048631000000"), "亿元", "CNY 1,048.63 billion"),
        (Decimal("1048631000000"), "auto", "CNY 1.05 trillion"),
        (Decimal("2060000000000"), "万亿元", "CNY 2.06 trillion"),
        (Decimal("4500000000"), "auto", "CNY 4.5 billion"),
        (Decimal("29376000"), "万元", "CNY 29.38 million"),
        (Decimal("29376000"), "auto", "CNY 29.38 million"),
        (Decimal("12345.6"), "auto", "CNY 12,345.6"),
        (Decimal("12345.6"), "元", "CNY 12,345.6"),
        (Decimal("1048631000000"), "billion", "CNY 1,048.63 billion"),
        (Decimal("-4500000000"), "auto", "CNY -4.5 billion"),
    ],
)
def test_format_amount_english(value: Decimal, unit: str, expected: str) -> None:
    assert format_amount(value, unit, lang="en") == expected


def test_format_amount_follows_process_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_LANG", "en")
    assert format_amount(Decimal("4500000000"), "亿元") == "CNY 4.5 billion"
    monkeypatch.setenv("KECHUANG_LANG", "zh")
    assert format_amount(Decimal("4500000000"), "亿元") == "45 亿元"
    assert format_amount(Decimal("4500000000"), "billion") == "45 亿元"


def test_format_amount_rejects_float_and_unknown_unit() -> None:
    with pytest.raises(TypeError):
        format_amount(4.5e9, "亿元")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        format_amount(Decimal(1), "千元", lang="zh")


def test_format_yuan() -> None:
    assert format_yuan(Decimal("1234567.89")) == "¥1,234,567.89"
    assert format_yuan(Decimal("1234567.885")) == "¥1,234,567.89"
    assert format_yuan(5) == "¥5.00"
    assert format_yuan(Decimal("-1234.5")) == "-¥1,234.50"
    assert format_yuan(Decimal("-0.001")) == "¥0.00"


def test_format_percent() -> None:
    assert format_percent(Decimal("0.5214")) == "52.14%"
    assert format_percent(Decimal("0.52135")) == "52.14%"  # half-up
    assert format_percent(Decimal("0.927")) == "92.70%"  # zeros kept, as the report prints
    assert format_percent(Decimal("0.05"), decimals=0) == "5%"
    assert format_percent(Decimal("-0.032")) == "-3.20%"
    assert format_percent(None) == "—"
    assert format_percent(None, na="n/a") == "n/a"


# ---------------------------------------------------------------- ratios


def test_ratio() -> None:
    assert ratio(5, 100) == Decimal("0.05")
    assert ratio("1048631000000", "689000000000") is not None
    assert ratio(1, 0) is None
    assert ratio(0, 5) == 0
    third = ratio(1, 3)
    assert third is not None
    assert format_percent(third) == "33.33%"


@pytest.mark.parametrize(
    ("num", "den", "threshold", "expected"),
    [
        (5, 100, Decimal("0.05"), True),  # exactly at the boundary: meets ">= 5%"
        (Decimal("5.00"), Decimal("100.00"), Decimal("0.05"), True),
        (Decimal("4.99999"), 100, Decimal("0.05"), False),
        (Decimal("5.00001"), 100, Decimal("0.05"), True),
        (1, 3, Decimal("0.3333333333333333333333333333333333"), True),
        (1, 3, Decimal("0.3333333333333333333333333333333334"), False),
        (1, 0, Decimal("0.05"), False),  # no ratio without a denominator
        (-5, -100, Decimal("0.05"), True),
        (-4, -100, Decimal("0.05"), False),
        (0, 100, Decimal(0), True),
    ],
)
def test_ratio_at_least_is_exact(
    num: Decimal | int, den: Decimal | int, threshold: Decimal, expected: bool
) -> None:
    assert ratio_at_least(num, den, threshold) is expected


@given(
    num=st.decimals(min_value=0, max_value=Decimal("1e12"), allow_nan=False, places=2),
    den=st.decimals(
        min_value=Decimal("0.01"), max_value=Decimal("1e12"), allow_nan=False, places=2
    ),
    threshold=st.decimals(min_value=0, max_value=2, allow_nan=False, places=6),
)
def test_ratio_at_least_agrees_with_exact_fractions(
    num: Decimal, den: Decimal, threshold: Decimal
) -> None:
    expected = Fraction(num) / Fraction(den) >= Fraction(threshold)
    assert ratio_at_least(num, den, threshold) is expected
