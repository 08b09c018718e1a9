"""Numbers as the seed prints them: exact Decimal → "2.99 万户", "10486.31 亿元", "49.99%"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.indicators.model import IndicatorDefinition, Scale
from kechuang.reports.formatting import SCALE_FACTOR, format_value, yoy_phrase


def _def(unit: str, unit_zh: str, unit_en: str, scale: Scale, decimals: int) -> IndicatorDefinition:
    return IndicatorDefinition(
        key="k",
        label_zh="",
        label_en="",
        unit=unit,
        unit_zh=unit_zh,
        unit_en=unit_en,
        formula_zh="",
        formula_en="",
        section="7.1.2",
        group="credit",
        scale=scale,
        decimals=decimals,
    )


@pytest.mark.parametrize(
    ("definition", "value", "zh", "en"),
    [
        (
            _def("enterprise", "万户", "10 thousand enterprises", "wan", 2),
            "29937",
            "2.99 万户",
            "29,900 enterprises",
        ),
        (
            _def("yuan", "亿元", "100 million yuan", "yi", 2),
            "1048631000000",
            "10486.31 亿元",
            "CNY 1,048.631 billion",
        ),
        (
            _def("yuan", "亿元", "100 million yuan", "yi", 2),
            "475647000000",
            "4756.47 亿元",
            "CNY 475.647 billion",
        ),
        # the seed prints money without trailing zeros: "45 亿元", "2937.6 万元"
        (
            _def("yuan", "亿元", "100 million yuan", "yi", 2),
            "4500000000",
            "45 亿元",
            "CNY 4.5 billion",
        ),
        (
            _def("yuan", "万元", "10 thousand yuan", "wan_yuan", 1),
            "29376000",
            "2937.6 万元",
            "CNY 29.376 million",
        ),
        (
            _def("yuan", "万亿元", "trillion yuan", "wan_yi", 2),
            "2060000000000",
            "2.06 万亿元",
            "CNY 2.06 trillion",
        ),
        (
            _def("patent", "万件", "10 thousand patents", "wan", 2),
            "159100",
            "15.91 万件",
            "159,100 patents",
        ),
        (
            _def("per_10k", "件", "per 10,000 residents", "one", 1),
            "50.2",
            "50.2 件",
            "50.2 per 10,000 residents",
        ),
        (_def("patent", "件", "applications", "one", 0), "6185", "6185 件", "6,185 applications"),
        # half-up, never banker's rounding
        (
            _def("enterprise", "万户", "10k enterprises", "wan", 2),
            "26350",
            "2.64 万户",
            "26,400 enterprises",
        ),
        (
            _def("enterprise", "万户", "10k enterprises", "wan", 2),
            "0",
            "0.00 万户",
            "0 enterprises",
        ),
    ],
)
def test_values_print_as_the_seed(
    definition: IndicatorDefinition, value: str, zh: str, en: str
) -> None:
    assert format_value(definition, Decimal(value)) == zh
    assert format_value(definition, Decimal(value), lang="en") == en


def test_yoy_phrases() -> None:
    assert yoy_phrase(Decimal("0.4999")) == "比上年增长 49.99%"
    assert yoy_phrase(Decimal("0.927")) == "比上年增长 92.70%"
    assert yoy_phrase(Decimal("-0.03104")) == "比上年下降 3.10%"
    assert yoy_phrase(Decimal("0.00004")) == "与上年持平"
    assert yoy_phrase(Decimal("0.52135"), lang="en") == "up 52.14% on the year"


@given(
    st.decimals(min_value=0, max_value=10**15, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["one", "wan", "yi", "wan_yi"]),
    st.integers(min_value=0, max_value=3),
)
def test_printed_number_is_within_half_a_unit_of_the_exact_value(
    value: Decimal, scale: Scale, decimals: int
) -> None:
    d = _def("patent", "件", "patents", scale, decimals)
    printed = format_value(d, value).split(" ")[0]
    shown = Decimal(printed) * SCALE_FACTOR[scale]
    half = Decimal(1).scaleb(-decimals) * SCALE_FACTOR[scale] / 2
    assert abs(shown - value) <= half
    assert len(printed.split(".")[1]) == decimals if decimals else "." not in printed
