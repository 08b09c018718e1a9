"""Tests of kechuang.core.periods: periods, date parsing, Excel serials, date helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core import periods
from kechuang.core.errors import ValidationError
from kechuang.core.periods import (
    EXCEL_SERIAL_MAX,
    FiscalYear,
    Month,
    Quarter,
    add_years,
    age_in_days,
    completed_years,
    from_excel_serial,
    parse_as_of,
    parse_date,
    parse_period,
    to_excel_serial,
    year_end,
    year_start,
)

# ---------------------------------------------------------------- periods


def test_fiscal_year() -> None:
    fy = FiscalYear(2023)
    assert (fy.start, fy.end) == (date(2023, 1, 1), date(2023, 12, 31))
    assert fy.days == 365
    assert FiscalYear(2024).days == 366
    assert fy.contains(date(2023, 12, 31))
    assert fy.contains(datetime(2023, 6, 1, 12, 30))
    assert not fy.contains(date(2024, 1, 1))
    assert fy.previous() == FiscalYear(2022)
    assert fy.same_period_last_year() == FiscalYear(2022)
    assert fy.next() == FiscalYear(2024)
    assert str(fy) == "2023"
    assert fy.label("zh") == "2023年"
    assert fy.label("en") == "2023"
    assert fy.quarters() == [Quarter(2023, q) for q in (1, 2, 3, 4)]
    assert fy.months() == [Month(2023, m) for m in range(1, 13)]
    assert FiscalYear.containing(date(2023, 7, 9)) == fy


def test_quarter() -> None:
    q4 = Quarter(2023, 4)
    assert (q4.start, q4.end) == (date(2023, 10, 1), date(2023, 12, 31))
    assert (Quarter(2024, 1).start, Quarter(2024, 1).end) == (date(2024, 1, 1), date(2024, 3, 31))
    assert Quarter(2023, 2).end == date(2023, 6, 30)
    assert Quarter(2023, 3).end == date(2023, 9, 30)
    assert q4.contains(date(2023, 10, 1))
    assert not q4.contains(date(2023, 9, 30))
    assert q4.previous() == Quarter(2023, 3)
    assert Quarter(2023, 1).previous() == Quarter(2022, 4)
    assert Quarter(2023, 4).next() == Quarter(2024, 1)
    assert q4.same_period_last_year() == Quarter(2022, 4)
    assert q4.fiscal_year() == FiscalYear(2023)
    assert q4.months() == [Month(2023, 10), Month(2023, 11), Month(2023, 12)]
    assert q4.quarters() == [q4]
    assert str(q4) == "2023Q4"
    assert q4.label("zh") == "2023年第4季度"
    assert q4.label("en") == "2023-Q4"
    assert Quarter.containing(date(2023, 5, 1)) == Quarter(2023, 2)


def test_month() -> None:
    may = Month(2023, 5)
    assert (may.start, may.end) == (date(2023, 5, 1), date(2023, 5, 31))
    assert Month(2024, 2).end == date(2024, 2, 29)
    assert Month(2023, 2).end == date(2023, 2, 28)
    assert Month(2023, 12).end == date(2023, 12, 31)
    assert may.contains(date(2023, 5, 31))
    assert not may.contains(date(2023, 6, 1))
    assert may.previous() == Month(2023, 4)
    assert Month(2023, 1).previous() == Month(2022, 12)
    assert Month(2023, 12).next() == Month(2024, 1)
    assert may.same_period_last_year() == Month(2022, 5)
    assert may.quarter() == Quarter(2023, 2)
    assert may.fiscal_year() == FiscalYear(2023)
    assert may.months() == [may]
    assert str(may) == "2023-05"
    assert may.label("zh") == "2023年5月"
    assert may.label("en") == "2023-05"
    assert Month.containing(date(2023, 5, 17)) == may


def test_label_follows_process_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_LANG", "en")
    assert Quarter(2023, 4).label() == "2023-Q4"
    monkeypatch.setenv("KECHUANG_LANG", "zh")
    assert Quarter(2023, 4).label() == "2023年第4季度"


def test_ordering_and_hashing() -> None:
    assert sorted([Quarter(2023, 2), Quarter(2022, 4), Quarter(2023, 1)]) == [
        Quarter(2022, 4),
        Quarter(2023, 1),
        Quarter(2023, 2),
    ]
    assert Month(2023, 12) < Month(2024, 1)
    assert FiscalYear(2022) < FiscalYear(2023)
    assert len({Month(2023, 5), Month(2023, 5), Month(2023, 6)}) == 2


@pytest.mark.parametrize(
    ("factory", "args"),
    [(Quarter, (2023, 5)), (Quarter, (2023, 0)), (Month, (2023, 13)), (FiscalYear, (0,))],
)
def test_invalid_periods(factory: type, args: tuple[int, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        factory(*args)
    assert info.value.code == "period.invalid"


def test_period_fields_must_be_ints() -> None:
    with pytest.raises(ValidationError):
        FiscalYear("2023")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Month(2023, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023", FiscalYear(2023)),
        ("2023年", FiscalYear(2023)),
        ("2023年度", FiscalYear(2023)),
        (" 2023 ", FiscalYear(2023)),
        ("2023Q4", Quarter(2023, 4)),
        ("2023-Q4", Quarter(2023, 4)),
        ("2023q1", Quarter(2023, 1)),
        ("2023 Q2", Quarter(2023, 2)),
        ("2023年第4季度", Quarter(2023, 4)),
        ("2023年4季度", Quarter(2023, 4)),
        ("2023年第三季度", Quarter(2023, 3)),
        ("2023-05", Month(2023, 5)),
        ("2023-5", Month(2023, 5)),
        ("2023/05", Month(2023, 5)),
        ("2023年5月", Month(2023, 5)),
        ("2023年12月", Month(2023, 12)),
    ],
)
def test_parse_period(text: str, expected: object) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "23", "2023Q5", "2023-13", "2023年13月", "2023年第5季度", "2023-05-01"]
)
def test_parse_period_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_period(text)
    assert info.value.code == "period.invalid"
    assert "2023年第4季度" in info.value.message.zh
    assert "accepted formats" in info.value.message.en


@pytest.mark.parametrize(
    "period",
    [FiscalYear(2023), Quarter(2023, 4), Quarter(1999, 1), Month(2023, 5), Month(2023, 11)],
)
def test_str_round_trips_through_parse_period(period: FiscalYear | Quarter | Month) -> None:
    assert parse_period(str(period)) == period
    assert parse_period(period.label("zh")) == period
    assert parse_period(period.label("en")) == period


# ---------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    "value",
    [
        "2023-05-01",
        "2023-5-1",
        "2023/5/1",
        "2023/05/01",
        "2023.5.1",
        "2023年5月1日",
        "2023年05月01日",
        "2023 年 5 月 1 日",
        "２０２３年５月１日",
        "20230501",
        " 2023-05-01 ",
        "2023-05-01 00:00:00",
        "2023-05-01T00:00:00",
        "45047",
        "45047.0",
        45047,
        45047.0,
        Decimal("45047"),
        20230501,
        date(2023, 5, 1),
        datetime(2023, 5, 1),
        datetime(2023, 5, 1, 23, 59),
    ],
)
def test_parse_date_accepts(value: object) -> None:
    assert parse_date(value) == date(2023, 5, 1)


def test_parse_date_returns_plain_dates() -> None:
    got = parse_date(datetime(2023, 5, 1, 8, 0))
    assert type(got) is date


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-30",
        "2023/13/1",
        "2023-00-10",
        "abc",
        "",
        "   ",
        "5/1/2023",
        "01/05/2023",
        "2023-05/01",
        "2023-05-01 13:45:00",
        "2023",
        "123",
        "19999",  # below the text-serial window
        "80001",  # above the text-serial window
        "45047.5",
        "20230230",
        45047.5,
        float("nan"),
        float("inf"),
        0,
        -1,
        60,  # Excel's fictitious 1900-02-29
        EXCEL_SERIAL_MAX + 1,
        None,
        True,
        [2023, 5, 1],
    ],
)
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse_date(value)
    assert info.value.code == "date.invalid"
    assert "2023年5月1日" in info.value.message.zh
    assert "Excel" in info.value.message.en


def test_parse_date_names_the_problem() -> None:
    with pytest.raises(ValidationError) as info:
        parse_date("2023-02-30")
    assert "日期不存在" in info.value.message.zh
    assert "no such date" in info.value.message.en
    with pytest.raises(ValidationError) as info:
        parse_date(45047.25)
    assert "time of day" in info.value.message.en


# ---------------------------------------------------------------- Excel serials


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (367, date(1901, 1, 1)),
        (25569, date(1970, 1, 1)),
        (36526, date(2000, 1, 1)),
        (45047, date(2023, 5, 1)),
        (45291, date(2023, 12, 31)),
        (EXCEL_SERIAL_MAX, date(9999, 12, 31)),
    ],
)
def test_excel_serials(serial: int, expected: date) -> None:
    assert from_excel_serial(serial) == expected
    assert to_excel_serial(expected) == serial


def test_to_excel_serial_takes_datetimes_by_their_date() -> None:
    assert to_excel_serial(datetime(2023, 5, 1, 12, 0)) == 45047


def test_to_excel_serial_rejects_dates_before_1900() -> None:
    with pytest.raises(ValueError, match="1900"):
        to_excel_serial(date(1899, 12, 31))


# ---------------------------------------------------------------- round trips

dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@given(d=dates)
def test_iso_round_trip(d: date) -> None:
    assert parse_date(d.isoformat()) == d


@given(d=dates)
def test_chinese_round_trip(d: date) -> None:
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d
    assert parse_date(d.strftime("%Y%m%d")) == d


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_excel_serial_round_trip(d: date) -> None:
    serial = to_excel_serial(d)
    assert serial != 60
    assert parse_date(serial) == d
    assert parse_date(float(serial)) == d
    assert from_excel_serial(serial) == d


@given(d=st.dates(min_value=date(1954, 10, 3), max_value=date(2119, 1, 11)))
def test_excel_serial_text_round_trip(d: date) -> None:
    assert parse_date(str(to_excel_serial(d))) == d


@given(d=st.dates(min_value=date(1001, 1, 1), max_value=date(9998, 12, 31)))
def test_every_date_is_in_its_periods(d: date) -> None:
    for period in (FiscalYear.containing(d), Quarter.containing(d), Month.containing(d)):
        assert period.contains(d)
        assert not period.contains(period.start - timedelta(days=1))
        assert not period.contains(period.end + timedelta(days=1))
        assert not period.next().contains(d)
        assert not period.previous().contains(d)
        assert period.previous().next() == period


# ---------------------------------------------------------------- as-of and helpers


def test_parse_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periods, "today", lambda: date(2024, 3, 15))
    assert parse_as_of(None) == date(2024, 3, 15)
    assert parse_as_of("  ") == date(2024, 3, 15)
    assert parse_as_of(None, default=date(2023, 12, 31)) == date(2023, 12, 31)
    assert parse_as_of("today") == date(2024, 3, 15)
    assert parse_as_of("Today") == date(2024, 3, 15)
    assert parse_as_of("今天") == date(2024, 3, 15)
    assert parse_as_of("2023年12月31日") == date(2023, 12, 31)
    assert parse_as_of(date(2023, 1, 2)) == date(2023, 1, 2)
    with pytest.raises(ValidationError):
        parse_as_of("yesterday")


def test_today_is_china_standard_time() -> None:
    expected = datetime.now(periods.CHINA_TZ).date()
    assert periods.today() in {expected, expected + timedelta(days=1)}


def test_year_bounds() -> None:
    assert year_start(2023) == date(2023, 1, 1)
    assert year_end(2023) == date(2023, 12, 31)


def test_add_years() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2023, 5, 1), -3) == date(2020, 5, 1)
    with pytest.raises(ValueError, match="out of range"):
        add_years(date(9999, 1, 1), 1)


def test_age_in_days() -> None:
    assert age_in_days(date(2023, 5, 1), date(2023, 5, 1)) == 0
    assert age_in_days(date(2023, 1, 1), date(2023, 12, 31)) == 364
    with pytest.raises(ValidationError) as info:
        age_in_days(date(2024, 1, 1), date(2023, 12, 31))
    assert info.value.code == "date.after_as_of"


def test_completed_years() -> None:
    assert completed_years(date(2020, 5, 1), date(2023, 5, 1)) == 3
    assert completed_years(date(2020, 5, 1), date(2023, 4, 30)) == 2
    assert completed_years(date(2020, 2, 29), date(2023, 2, 28)) == 3
    assert completed_years(date(2020, 2, 29), date(2023, 2, 27)) == 2
    assert completed_years(date(2023, 5, 1), date(2023, 5, 1)) == 0
