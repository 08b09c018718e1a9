"""Hand-written SVG charts: well-formed, deterministic, bars proportional to exact values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kechuang.reports.charts import _fit, _nice_max, _wrap, grouped_bars, horizontal_bars

SVG = "{http://www.w3.org/2000/svg}"


def test_grouped_bars_scale_to_a_nice_axis() -> None:
    chart = grouped_bars(
        "c",
        "科技型企业贷款（亿元）",
        ["科技型企业贷款余额", "科技型中小企业贷款余额"],
        [("2022", [Decimal("6892.48"), Decimal("2468.30")]), ("2023", [Decimal("10486.31"), None])],
    )
    root = ET.fromstring(chart.svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") and r.get("width") != "10"]
    heights = [Decimal(str(r.get("height"))) for r in bars]
    assert len(heights) == 3  # None draws no bar
    # axis top 12000 (nice), plot height 180: 10486.31 / 12000 × 180 = 157.29
    assert heights[1] == Decimal("157.29")
    assert root.find(f"{SVG}title") is not None and "科技型企业贷款" in chart.svg
    assert (
        chart.svg
        == grouped_bars(
            "c",
            "科技型企业贷款（亿元）",
            ["科技型企业贷款余额", "科技型中小企业贷款余额"],
            [
                ("2022", [Decimal("6892.48"), Decimal("2468.30")]),
                ("2023", [Decimal("10486.31"), None]),
            ],
        ).svg
    )


def test_horizontal_bars_escape_and_fit_labels() -> None:
    chart = horizontal_bars(
        "h",
        "A & B",
        ["<script>", "科技履约贷（含微贷通）授信金额很长很长很长很长"],
        [Decimal(1), Decimal(2)],
    )
    root = ET.fromstring(chart.svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A & B" in texts and "<script>" in texts
    assert any(t and t.endswith("…") for t in texts)


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10) ** 15, places=3))
def test_nice_max_is_at_least_the_value_and_not_much_more(value: Decimal) -> None:
    top = _nice_max(value)
    assert value <= top and top * 3 <= value * 4  # at most a third of the axis is empty


def test_wrap_and_fit() -> None:
    assert _wrap("科技型企业贷款存量户数", 5) == ["科技型企业", "贷款存量户", "数"]
    assert _wrap("Sci-tech enterprises with outstanding loans", 10) == [
        "Sci-tech enterprises",
        "with outstanding",
        "loans",
    ]
    assert _fit("abc", 10) == "abc"
    assert _fit("一二三四五六", 6) == "一二…"
