"""The shortcuts the computation takes at scale give the same answers as the general forms:
``qualified_column`` equals ``screen_table``'s outcome, and a spec's ``measured`` rows are its
``records`` without the display columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pytest

from kechuang.indicators import expressions as x
from kechuang.indicators.options import Options
from kechuang.indicators.tables import Period, Tables
from kechuang.standards import sci_tech_enterprise, sme_size_class
from kechuang.standards.engine import screen_table
from kechuang.standards.params import default_parameters
from tests.indicators.conftest import Built

ON = dt.date(2023, 12, 31)


@pytest.fixture
def tables(built: Built) -> Iterator[Tables]:
    t = Tables(built.open().path / "tables")
    t.params_on = ON
    yield t
    t.close()


@pytest.mark.parametrize("standard", ["sci_tech", "size"])
def test_qualified_column_is_screen_tables_outcome(tables: Tables, standard: str) -> None:
    t = tables
    std, profiles = (
        (sci_tech_enterprise.STANDARD, x._holds(t, ON))
        if standard == "sci_tech"
        else (sme_size_class.STANDARD, x._size_profiles(t, ON))
    )
    resolved = default_parameters().at(ON)
    wide, q = x.qualified_column(std, profiles, resolved)
    mine = wide.select(
        id=wide.id,
        outcome=ibis.cases((q.isnull(), "undetermined"), (q, "qualified"), else_="not_qualified"),
    )
    screened = screen_table(std, profiles, resolved).select("id", "outcome")
    got = sorted(t.to_arrow(mine).to_pylist(), key=lambda r: r["id"])
    want = sorted(t.to_arrow(screened).to_pylist(), key=lambda r: r["id"])
    assert got == want
    assert len({r["outcome"] for r in want}) >= 2  # the data reach more than one outcome


DISPLAY_ONLY = {"uscc", "name", "loans", "size_rule", "application_no", "filing_date", "grant_date"}
"""Columns the records show people and the measuring rows may leave out."""


def test_measured_rows_are_the_records_without_display_columns(tables: Tables) -> None:
    t = tables
    checked = 0
    for spec in x.SPECS.values():
        if spec.measured is None:
            continue
        for period in (Period(2023), Period(2022)):
            records = spec.records(t, period, Options())
            measured = spec.measured(t, period, Options())
            assert set(records.columns) - set(measured.columns) <= DISPLAY_ONLY, spec.key
            cols = sorted(set(measured.columns) & set(records.columns))
            assert cols, spec.key

            def key(r: dict[str, object]) -> str:
                return repr(sorted(r.items()))

            got = sorted(t.to_arrow(measured.select(*cols)).to_pylist(), key=key)
            want = sorted(t.to_arrow(records.select(*cols)).to_pylist(), key=key)
            assert got == want, spec.key
            assert t.execute(spec.measure(measured)) == t.execute(spec.measure(records))
            checked += bool(got)
    assert checked >= 14  # the credit figures and the invention figures have rows


def test_balances_of_both_year_ends_in_one_pass_equal_one_date_at_a_time(built: Built) -> None:
    folder = built.open().path / "tables"
    ends = (dt.date(2023, 12, 31), dt.date(2022, 12, 31), dt.date(2021, 12, 31))
    got: dict[dt.date, list[dict[str, object]]] = {}
    want: dict[dt.date, list[dict[str, object]]] = {}
    for report_dates, out in ((ends, got), ((), want)):
        t = Tables(folder)
        t.report_dates = report_dates
        try:
            for on in ends:
                rows = t.to_arrow(x.enterprise_balances(t, on)).to_pylist()
                out[on] = sorted(rows, key=lambda r: str(r["enterprise_id"]))
        finally:
            t.close()
    assert got == want
    assert got[ends[0]] != got[ends[1]]  # the dates differ in the data
    assert all(r["balance"] > 0 for r in got[ends[0]])  # type: ignore[operator]
