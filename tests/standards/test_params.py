"""Dated parameters: which value is in force on a day, overrides, exact parsing.

A small parameter tree is written to ``tmp_path`` and loaded with :func:`params.load_directory`,
exactly as the shipped ``parameters/*.yaml`` are.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from kechuang.core.errors import KechuangError, ValidationError
from kechuang.standards import params as pm
from kechuang.standards.params import ParameterSet, load_directory, parse_value, with_overlay

TREE = """\
description: 测试标准 / a test standard
limits:
  max_staff:
    description: 职工上限 / maximum staff
    unit: persons
    values:
      - start: 2017-05-03
        value: 500
        reference: 文件一 第六条
        status: confirmed
      - start: 2021-01-01
        value: 300
        reference: 文件二 第三条
        status: unverified
        note: tightened
  max_revenue:
    description: 收入上限 / maximum revenue
    unit: fen
    values:
      - start: 2017-05-03
        value: 2亿
        reference: 文件一 第六条
        status: confirmed
  subsidy:
    description: 已废止的补贴 / a subsidy that was abolished
    unit: fen
    values:
      - start: 2018-01-01
        value: 500万元
        reference: 文件三
        status: confirmed
      - start: 2020-07-01
        value: null
        reference: 文件四（废止）
        status: confirmed
ratios:
  rd_min:
    unit: ratio
    values:
      - start: 2017-05-03
        value: "5%"
        reference: 文件一 第七条
        status: confirmed
  share:
    unit: ratio
    values:
      - start: 2017-05-03
        value: "1/3"
        reference: 文件一 第八条
  decimal:
    unit: ratio
    values:
      - start: 2017-05-03
        value: "0.05"
        reference: 文件一 第九条
        status: confirmed
  bands:
    unit: ratio
    values:
      - start: 2017-05-03
        value: [["30%", 20], ["25%", 16], ["10%", 4]]
        reference: 文件一 第七条
        status: confirmed
"""


@pytest.fixture
def tree(tmp_path: Path) -> ParameterSet:
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "demo.yaml").write_text(TREE, encoding="utf-8")
    return load_directory(folder)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / f"tree-{name}"
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------- loading


def test_keys_are_dotted_paths_under_the_file_stem(tree: ParameterSet) -> None:
    assert set(tree.parameters) == {
        "demo.limits.max_staff",
        "demo.limits.max_revenue",
        "demo.limits.subsidy",
        "demo.ratios.rd_min",
        "demo.ratios.share",
        "demo.ratios.decimal",
        "demo.ratios.bands",
    }
    assert [p.key for p in tree.under("demo.limits")] == [
        "demo.limits.max_revenue",
        "demo.limits.max_staff",
        "demo.limits.subsidy",
    ]
    assert tree.under("demo.limit") == []


def test_values_carry_start_end_reference_status(tree: ParameterSet) -> None:
    first, second = tree.get("demo.limits.max_staff").values
    assert (first.start, first.end) == (dt.date(2017, 5, 3), dt.date(2020, 12, 31))
    assert (second.start, second.end) == (dt.date(2021, 1, 1), None)
    assert first.reference == "文件一 第六条"
    assert first.status == "confirmed" and not first.unverified
    assert second.status == "unverified" and second.unverified
    assert second.note == "tightened"
    assert second.version == "demo.limits.max_staff@2021-01-01"
    assert first.unit == "persons"
    assert "maximum staff" in first.description


def test_status_defaults_to_unverified(tree: ParameterSet) -> None:
    (value,) = tree.get("demo.ratios.share").values
    assert value.status == "unverified"


# ---------------------------------------------------------------------------- dated resolution


@pytest.mark.parametrize(
    ("day", "want"),
    [
        (dt.date(2017, 5, 3), 500),  # first day in force
        (dt.date(2020, 12, 31), 500),  # last day of the old value
        (dt.date(2021, 1, 1), 300),  # the new value's first day
        (dt.date(2030, 1, 1), 300),
    ],
)
def test_the_value_in_force_is_chosen_by_date(tree: ParameterSet, day: dt.date, want: int) -> None:
    resolved = tree.at(day)
    assert resolved("demo.limits.max_staff") == want
    assert resolved.value("demo.limits.max_staff").start <= day


def test_nothing_is_in_force_before_the_first_start(tree: ParameterSet) -> None:
    resolved = tree.at(dt.date(2017, 5, 2))
    with pytest.raises(KechuangError) as err:
        resolved("demo.limits.max_staff")
    assert err.value.code == "parameter.not_in_force"
    assert tree.get("demo.limits.max_staff").at(dt.date(2017, 5, 2)) is None


def test_a_value_of_null_ends_a_parameter(tree: ParameterSet) -> None:
    subsidy = tree.get("demo.limits.subsidy")
    assert subsidy.at(dt.date(2020, 6, 30)) is not None
    assert subsidy.at(dt.date(2020, 6, 30)).value == 500 * 10**4 * 100  # type: ignore[union-attr]
    assert subsidy.values[0].end == dt.date(2020, 6, 30)
    assert subsidy.at(dt.date(2020, 7, 1)) is None
    assert subsidy.at(dt.date(2025, 1, 1)) is None
    assert tree.at(dt.date(2020, 6, 30))("demo.limits.subsidy") == 5 * 10**8
    with pytest.raises(KechuangError) as err:
        tree.at(dt.date(2020, 7, 1))("demo.limits.subsidy")
    assert err.value.code == "parameter.not_in_force"


def test_an_unknown_key_is_an_error(tree: ParameterSet) -> None:
    with pytest.raises(KechuangError) as err:
        tree.get("demo.limits.nope")
    assert err.value.code == "unknown_parameter"
    assert "demo.limits.nope" in str(err.value)
    with pytest.raises(KechuangError) as err:
        tree.at(dt.date(2024, 1, 1), {"demo.limits.nope": 1})
    assert err.value.code == "unknown_parameter"
    with pytest.raises(KechuangError) as err:
        tree.at(dt.date(2024, 1, 1))("demo.limits.nope")
    assert err.value.code == "parameter.not_in_force"


def test_resolved_records_what_was_used(tree: ParameterSet) -> None:
    resolved = tree.at(dt.date(2024, 1, 1))
    resolved("demo.ratios.rd_min")
    assert list(resolved.used) == ["demo.ratios.rd_min"]
    fresh = resolved.fresh()
    assert fresh.used == {} and fresh.day == resolved.day
    assert fresh("demo.limits.max_staff") == 300
    assert list(resolved.used) == ["demo.ratios.rd_min"]


# ---------------------------------------------------------------------------- overrides


def test_an_override_replaces_the_value_and_references_the_original(tree: ParameterSet) -> None:
    day = dt.date(2024, 1, 1)
    resolved = tree.at(day, {"demo.limits.max_revenue": "3亿", "demo.ratios.rd_min": "6%"})
    v = resolved.value("demo.limits.max_revenue")
    assert v.value == 3 * 10**8 * 100
    assert v.status == "override" and v.unverified
    assert v.start == day and v.end is None
    assert v.version == "demo.limits.max_revenue@2024-01-01"
    assert "what-if" in v.reference
    assert "2亿元" in v.reference and "文件一 第六条" in v.reference  # the original
    assert v.raw == "3亿"
    assert resolved("demo.ratios.rd_min") == Fraction(6, 100)
    # the others are untouched
    assert resolved("demo.limits.max_staff") == 300
    assert resolved.value("demo.limits.max_staff").status == "unverified"


def test_an_override_can_revive_an_ended_parameter(tree: ParameterSet) -> None:
    v = tree.at(dt.date(2024, 1, 1), {"demo.limits.subsidy": "100万"}).value("demo.limits.subsidy")
    assert v.value == 10**8
    assert v.status == "override"
    assert "原值" not in v.reference  # nothing was in force to refer to


@pytest.mark.parametrize("raw", ["lots", "0.001元", 1.5])
def test_invalid_overrides_are_refused(tree: ParameterSet, raw: Any) -> None:
    with pytest.raises(ValidationError) as err:
        tree.at(dt.date(2024, 1, 1), {"demo.limits.max_revenue": raw})
    assert err.value.code == "parameter.invalid"


def test_with_overlay_flattens_and_checks_keys(tree: ParameterSet) -> None:
    overlay = {"demo": {"limits": {"max_staff": 250, "max_revenue": "1亿"}, "ratios.rd_min": "4%"}}
    flat = with_overlay(tree, overlay)
    assert flat == {
        "demo.limits.max_staff": 250,
        "demo.limits.max_revenue": "1亿",
        "demo.ratios.rd_min": "4%",
    }
    resolved = tree.at(dt.date(2024, 1, 1), flat)
    assert resolved("demo.limits.max_staff") == 250
    assert resolved("demo.limits.max_revenue") == 10**10
    with pytest.raises(KechuangError) as err:
        with_overlay(tree, {"demo": {"limits": {"typo": 1}}})
    assert err.value.code == "unknown_parameter"


# ---------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "unit", "want"),
    [
        ("5%", "ratio", Fraction(1, 20)),
        ("12.5%", "ratio", Fraction(1, 8)),
        ("0.05", "ratio", Fraction(1, 20)),
        ("1/3", "ratio", Fraction(1, 3)),
        ("-1/4", "ratio", Fraction(-1, 4)),
        ("0%", "ratio", Fraction(0)),
        ("2亿", "fen", 2 * 10**8 * 100),
        ("2亿元", "", 2 * 10**8 * 100),
        ("5000万", "fen", 5000 * 10**4 * 100),
        ("500万元", "", 500 * 10**4 * 100),
        ("1.5万", "fen", 15_000 * 100),
        ("0.01元", "", 1),
        ("3万亿", "fen", 3 * 10**12 * 100),
        ("1234.56", "fen", 123_456),
        (100, "fen", 100 * 100),  # a plain integer amount is in 元
        (500, "persons", 500),
        ("42", "", 42),
        (True, "", True),
        (None, "fen", None),
        ("text", "", "text"),
        ([["30%", 20], ["10%", 4]], "ratio", [(Fraction(3, 10), 20), (Fraction(1, 10), 4)]),
        ([[4, 24], [1, 6]], "count", [(4, 24), (1, 6)]),
        (["a", "b"], "", ["a", "b"]),
    ],
)
def test_values_parse_exactly(raw: Any, unit: str, want: Any) -> None:
    got = parse_value(raw, unit)
    assert got == want
    assert type(got) is type(want)


@pytest.mark.parametrize(
    ("raw", "unit", "message"),
    [
        (0.05, "ratio", "as a string"),
        (1.0, "", "as a string"),
        ("0.001元", "", "finer than a fen"),
        ("0.005", "fen", "finer than a fen"),
        ("两亿", "fen", "not an amount"),
        ([1, 2, 3], "", "a band is"),
        ({"a": 1}, "", "unsupported"),
    ],
)
def test_bad_values_are_refused(raw: Any, unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value([raw] if isinstance(raw, list) else raw, unit)


def test_a_float_in_yaml_is_refused_at_load(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        "floaty",
        "rd_min:\n  unit: ratio\n  values:\n    - start: 2020-01-01\n      value: 0.05\n"
        "      reference: 文件\n",
    )
    with pytest.raises(ValueError, match="so it stays exact"):
        load_directory(folder)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("      value: 1\n      reference: 文件\n      status: maybe\n", "status must be"),
        ("      value: 1\n", "needs a reference"),
    ],
)
def test_bad_entries_are_refused_at_load(tmp_path: Path, entry: str, message: str) -> None:
    folder = _write(tmp_path, "bad", "x:\n  values:\n    - start: 2020-01-01\n" + entry)
    with pytest.raises(ValueError, match=message):
        load_directory(folder)


def test_a_bad_start_date_is_refused(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        "when",
        "x:\n  values:\n    - start: someday\n      value: 1\n      reference: r\n",
    )
    with pytest.raises(ValueError, match="bad start date"):
        load_directory(folder)


def test_a_leaf_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be a mapping"):
        load_directory(_write(tmp_path, "flat", "x: 1\n"))


def test_values_are_sorted_by_start(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        "order",
        "x:\n  values:\n"
        "    - start: 2022-01-01\n      value: 2\n      reference: b\n"
        "    - start: 2020-01-01\n      value: 1\n      reference: a\n",
    )
    param = load_directory(folder).get("order.x")
    assert [v.value for v in param.values] == [1, 2]
    assert param.values[0].end == dt.date(2021, 12, 31)
    assert param.at(dt.date(2021, 6, 1)).value == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "unit", "want"),
    [
        (Fraction(1, 20), "ratio", "5%"),
        (Fraction(1, 3), "ratio", "33.3333%"),
        (2 * 10**10, "fen", "2亿元"),
        (5000 * 10**6, "fen", "5000万元"),
        (123_456, "fen", "1,234.56元"),
        ([(Fraction(3, 10), 20)], "ratio", "≥30%→20"),
        (["a", "b"], "", "a, b"),
        (500, "persons", "500"),
    ],
)
def test_format_value(value: Any, unit: str, want: str) -> None:
    assert pm.format_value(value, unit) == want


def test_shipped_parameters_load_with_references() -> None:
    shipped = pm.default_parameters()
    assert shipped.parameters
    for param in shipped.parameters.values():
        assert param.values, param.key
        for v in param.values:
            if v.value is not None:
                assert v.reference, v.key
