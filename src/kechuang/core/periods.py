"""Reporting periods and dates: fiscal years, quarters, months, and tolerant date parsing.

The fiscal year in China is the calendar year (1 January – 31 December), so a
:class:`FiscalYear` is a calendar year. Periods are frozen, hashable and ordered within their
kind; ``str(period)`` is the canonical key (``2023``, ``2023Q4``, ``2023-05``) and
:func:`parse_period` reads it back along with the Chinese forms (``2023年第4季度``).

:func:`parse_date` reads the dates users type and spreadsheets hold: ISO ``2023-05-01``,
``2023/5/1``, ``2023.5.1``, ``2023年5月1日``, ``20230501``, ``date`` / ``datetime`` objects and
Excel serial numbers (see :func:`from_excel_serial`). Month-first or day-first forms such as
``5/1/2023`` are ambiguous and rejected.

"Today" is the date in China Standard Time (UTC+8, no daylight saving), not the server's
local date: see :func:`today`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar, Final

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Lang, Msg, current_lang

__all__ = [
    "CHINA_TZ",
    "EXCEL_SERIAL_MAX",
    "EXCEL_STRING_SERIAL_RANGE",
    "FiscalYear",
    "Month",
    "Period",
    "Quarter",
    "add_years",
    "age_in_days",
    "completed_years",
    "from_excel_serial",
    "parse_as_of",
    "parse_date",
    "parse_period",
    "to_excel_serial",
    "today",
    "year_end",
    "year_start",
]

CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")
"""China Standard Time, UTC+8 all year."""

_EXCEL_EPOCH: Final = date(1899, 12, 30)
"""Day 0 for serials after Excel's fictitious 1900-02-29 (serial 60)."""

EXCEL_SERIAL_MAX: Final = 2958465
"""Excel serial of 9999-12-31, the last date Excel (and :class:`datetime.date`) can hold."""

EXCEL_STRING_SERIAL_RANGE: Final = (20000, 80000)
"""Serials accepted when written as text: 1954-10-03 .. 2119-01-11.

Outside this window a bare number in a text field is more likely a year, an amount or an id
than a date, so it is rejected instead of being silently turned into a date.
"""

_CN_DIGITS: Final[dict[str, int]] = {"一": 1, "二": 2, "三": 3, "四": 4}

_DATE_FORMS: Final = Msg(
    "可接受的格式：2023-05-01、2023/5/1、2023.5.1、2023年5月1日、20230501 或 Excel 日期序列号",
    "accepted formats: 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501 "
    "or an Excel date serial number",
)
_PERIOD_FORMS: Final = Msg(
    "可接受的格式：2023、2023年、2023Q4、2023-Q4、2023年第4季度、2023-05、2023年5月",
    "accepted formats: 2023, 2023年, 2023Q4, 2023-Q4, 2023年第4季度, 2023-05, 2023年5月",
)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _period_error(zh: str, en: str) -> ValidationError:
    return ValidationError(
        Msg(f"{zh}；{_PERIOD_FORMS.zh}", f"{en}; {_PERIOD_FORMS.en}"), code="period.invalid"
    )


def _date_error(
    value: object, zh: str = "无法识别的日期", en: str = "unrecognised date"
) -> ValidationError:
    return ValidationError(
        Msg(
            f"{zh}：{_show(value)}；{_DATE_FORMS.zh}",
            f"{en}: {_show(value)}; {_DATE_FORMS.en}",
        ),
        code="date.invalid",
    )


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _period_error(
            f"{name} 必须是 {low}–{high} 的整数，收到 {_show(value)}",
            f"{name} must be an integer in {low}..{high}, got {_show(value)}",
        )


# ---------------------------------------------------------------- periods


class _PeriodMixin:
    """Behaviour shared by the three period kinds (they define ``start`` and ``end``)."""

    __slots__ = ()

    @property
    def start(self) -> date:
        raise NotImplementedError

    @property
    def end(self) -> date:
        raise NotImplementedError

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        """Whether date ``d`` (a ``datetime`` counts by its date) lies in the period, ends included."""
        if isinstance(d, datetime):
            d = d.date()
        return self.start <= d <= self.end

    def months(self) -> list[Month]:
        """The months of the period, in order."""
        out: list[Month] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(Month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass(frozen=True, order=True, slots=True)
class FiscalYear(_PeriodMixin):
    """A fiscal (= calendar) year, e.g. ``FiscalYear(2023)``: 2023-01-01 .. 2023-12-31."""

    year: int
    kind: ClassVar[str] = "year"

    def __post_init__(self) -> None:
        _check_int("年份 / year", self.year, 1, 9999)

    @classmethod
    def containing(cls, d: date) -> FiscalYear:
        """The fiscal year that contains ``d``."""
        return cls(d.year)

    @property
    def start(self) -> date:
        """1 January."""
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """31 December (inclusive)."""
        return date(self.year, 12, 31)

    def previous(self) -> FiscalYear:
        """The year before (the base of a year-on-year comparison)."""
        return FiscalYear(self.year - 1)

    def next(self) -> FiscalYear:
        """The year after."""
        return FiscalYear(self.year + 1)

    def same_period_last_year(self) -> FiscalYear:
        """上年同期: for a year, the previous year."""
        return self.previous()

    def quarters(self) -> list[Quarter]:
        """Q1..Q4 of the year."""
        return [Quarter(self.year, q) for q in range(1, 5)]

    def label(self, lang: Lang | None = None) -> str:
        """``2023年`` in Chinese, ``2023`` in English."""
        return str(self.year) if (lang or current_lang()) == "en" else f"{self.year}年"

    def __str__(self) -> str:
        return f"{self.year:04d}"


@dataclass(frozen=True, order=True, slots=True)
class Quarter(_PeriodMixin):
    """A calendar quarter, e.g. ``Quarter(2023, 4)``: 2023-10-01 .. 2023-12-31."""

    year: int
    quarter: int
    kind: ClassVar[str] = "quarter"

    def __post_init__(self) -> None:
        _check_int("年份 / year", self.year, 1, 9999)
        _check_int("季度 / quarter", self.quarter, 1, 4)

    @classmethod
    def containing(cls, d: date) -> Quarter:
        """The quarter that contains ``d``."""
        return cls(d.year, (d.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        """First day of the quarter's first month."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter's last month (inclusive)."""
        return Month(self.year, 3 * self.quarter).end

    def previous(self) -> Quarter:
        """The quarter immediately before (环比 base): 2023Q1 → 2022Q4.

        For a year-on-year (同比) base use :meth:`same_period_last_year`.
        """
        return (
            Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)
        )

    def next(self) -> Quarter:
        """The quarter immediately after."""
        return (
            Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)
        )

    def same_period_last_year(self) -> Quarter:
        """上年同期 (year-on-year base): 2023Q4 → 2022Q4."""
        return Quarter(self.year - 1, self.quarter)

    def fiscal_year(self) -> FiscalYear:
        """The year this quarter belongs to."""
        return FiscalYear(self.year)

    def quarters(self) -> list[Quarter]:
        """Just this quarter (so years and quarters can be treated alike)."""
        return [self]

    def label(self, lang: Lang | None = None) -> str:
        """``2023年第4季度`` in Chinese, ``2023-Q4`` in English."""
        if (lang or current_lang()) == "en":
            return f"{self.year}-Q{self.quarter}"
        return f"{self.year}年第{self.quarter}季度"

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.quarter}"


@dataclass(frozen=True, order=True, slots=True)
class Month(_PeriodMixin):
    """A calendar month, e.g. ``Month(2023, 5)``: 2023-05-01 .. 2023-05-31."""

    year: int
    month: int
    kind: ClassVar[str] = "month"

    def __post_init__(self) -> None:
        _check_int("年份 / year", self.year, 1, 9999)
        _check_int("月份 / month", self.month, 1, 12)

    @classmethod
    def containing(cls, d: date) -> Month:
        """The month that contains ``d``."""
        return cls(d.year, d.month)

    @property
    def start(self) -> date:
        """The 1st."""
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The last day of the month (inclusive)."""
        if self.month == 12:
            return date(self.year, 12, 31)
        return date(self.year, self.month + 1, 1) - timedelta(days=1)

    def previous(self) -> Month:
        """The month immediately before (环比 base): 2023-01 → 2022-12.

        For a year-on-year (同比) base use :meth:`same_period_last_year`.
        """
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month immediately after."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def same_period_last_year(self) -> Month:
        """上年同期 (year-on-year base): 2023-05 → 2022-05."""
        return Month(self.year - 1, self.month)

    def fiscal_year(self) -> FiscalYear:
        """The year this month belongs to."""
        return FiscalYear(self.year)

    def quarter(self) -> Quarter:
        """The quarter this month belongs to."""
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    def label(self, lang: Lang | None = None) -> str:
        """``2023年5月`` in Chinese, ``2023-05`` in English."""
        if (lang or current_lang()) == "en":
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


Period = FiscalYear | Quarter | Month
"""Any reporting period."""

_YEAR_RE: Final = re.compile(r"(?:FY)?(\d{4})(?:年度?)?")
_QUARTER_RES: Final = (
    re.compile(r"(\d{4})(?:年度?|[-/])?Q([1-4])"),
    re.compile(r"(\d{4})年度?第?([1-4一二三四])季度"),
)
_MONTH_RES: Final = (
    re.compile(r"(\d{4})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月份?"),
)


def parse_period(text: str) -> Period:
    """Read a period: ``2023`` / ``2023年`` / ``2023年度``; ``2023Q4`` / ``2023-Q4`` /
    ``2023年第4季度`` / ``2023年第四季度``; ``2023-05`` / ``2023-5`` / ``2023年5月``.

    Spaces are ignored and ``q`` may be lower case.

    Raises:
        ValidationError: ``period.invalid`` with the accepted formats.
    """
    norm = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if m := _YEAR_RE.fullmatch(norm):
        return FiscalYear(int(m.group(1)))
    for rx in _QUARTER_RES:
        if m := rx.fullmatch(norm):
            q = m.group(2)
            return Quarter(int(m.group(1)), _CN_DIGITS.get(q) or int(q))
    for rx in _MONTH_RES:
        if m := rx.fullmatch(norm):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                break
            return Month(int(m.group(1)), month)
    raise _period_error(f"无法识别的期间：{_show(text)}", f"unrecognised period: {_show(text)}")


# ---------------------------------------------------------------- dates


def from_excel_serial(serial: int) -> date:
    """The date of an Excel serial number (1900 date system, as Excel on Windows writes).

    Serial 1 is 1900-01-01. Excel counts a fictitious 1900-02-29 as serial 60 (a Lotus 1-2-3
    bug it kept), so serials 1..59 are ``1899-12-31 + serial``, serial 60 is rejected, and
    serials from 61 on are ``1899-12-30 + serial`` (45047 → 2023-05-01). Valid range
    ``1..2958465`` (9999-12-31).

    Raises:
        ValidationError: ``date.invalid`` outside the range or for serial 60.
    """
    if not 1 <= serial <= EXCEL_SERIAL_MAX:
        raise _date_error(
            serial,
            f"Excel 日期序列号超出范围 1–{EXCEL_SERIAL_MAX}",
            f"Excel date serial outside 1..{EXCEL_SERIAL_MAX}",
        )
    if serial == 60:
        raise _date_error(
            serial,
            "Excel 序列号 60 是不存在的 1900-02-29",
            "Excel serial 60 is the non-existent 1900-02-29",
        )
    if serial < 60:
        return date(1899, 12, 31) + timedelta(days=serial)
    return _EXCEL_EPOCH + timedelta(days=serial)


def to_excel_serial(d: date) -> int:
    """The Excel serial number of ``d`` (inverse of :func:`from_excel_serial`).

    Raises:
        ValueError: for dates before 1900-01-01, which Excel cannot hold.
    """
    if isinstance(d, datetime):
        d = d.date()
    if d < date(1900, 1, 1):
        raise ValueError(f"Excel cannot represent dates before 1900-01-01: {d}")
    if d < date(1900, 3, 1):
        return (d - date(1899, 12, 31)).days
    return (d - _EXCEL_EPOCH).days


_YMD_SEP_RE: Final = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?"
)
_YMD_CN_RE: Final = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
_YMD_COMPACT_RE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_RE: Final = re.compile(r"(\d+)(?:\.0*)?")


def _ymd(value: object, y: str | int, m: str | int, d: str | int) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise _date_error(value, "日期不存在", "no such date") from None


def _from_number(value: object, number: int) -> date:
    if 10000101 <= number <= 99991231:  # an 8-digit yyyymmdd typed into a number cell
        return _ymd(value, number // 10000, number // 100 % 100, number % 100)
    return from_excel_serial(number)


def parse_date(value: object) -> date:
    """Read a date from user input or an imported cell.

    Accepted:
        * ``date``; ``datetime`` (its date; the time is dropped);
        * text ``2023-05-01``, ``2023/5/1``, ``2023/05/01``, ``2023.5.1`` (same separator
          twice, year first), optionally followed by a midnight time ``00:00[:00]`` as
          spreadsheet exports write it; ``2023年5月1日``; ``20230501`` (eight digits are always
          yyyymmdd); full-width digits are fine;
        * Excel serial numbers (see :func:`from_excel_serial`): ``int`` in ``1..2958465`` and
          integral floats or ``Decimal`` (``45047.0``) — a fractional part is a time of day,
          which a date field does not take, so it is rejected; as text only in
          :data:`EXCEL_STRING_SERIAL_RANGE` (20000..80000), so that ``"2023"`` or ``"123"`` is
          never mistaken for a date. An 8-digit number ``20230501`` is yyyymmdd, not a serial.

    Rejected: impossible dates (``2023-02-30``, ``2023/13/1``), ambiguous month/day-first forms
    (``5/1/2023``), empty text and anything else.

    Raises:
        ValidationError: ``date.invalid``, naming the accepted formats.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        raise _date_error(value)
    if isinstance(value, int):
        return _from_number(value, value)
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise _date_error(value)
        if value != int(value):
            raise _date_error(
                value,
                "日期不能带时间部分（Excel 序列号的小数部分）",
                "a date must not carry a time of day (fractional Excel serial)",
            )
        return _from_number(value, int(value))
    if not isinstance(value, str):
        raise _date_error(value)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise _date_error(value, "日期为空", "empty date")
    if m := _YMD_SEP_RE.fullmatch(text):
        return _ymd(value, m.group(1), m.group(3), m.group(4))
    if m := _YMD_CN_RE.fullmatch("".join(text.split())):
        return _ymd(value, *m.groups())
    if m := _YMD_COMPACT_RE.fullmatch(text):
        return _ymd(value, *m.groups())
    if m := _SERIAL_RE.fullmatch(text):
        serial = int(m.group(1))
        low, high = EXCEL_STRING_SERIAL_RANGE
        if low <= serial <= high:
            return from_excel_serial(serial)
    raise _date_error(value)


def today() -> date:
    """Today's date in China Standard Time (UTC+8), whatever the server's time zone."""
    return datetime.now(CHINA_TZ).date()


_TODAY_WORDS: Final = frozenset({"today", "今天", "今日", "当天"})


def parse_as_of(text: str | date | None, default: date | None = None) -> date:
    """The "as of" date of a query or report.

    ``None`` or blank → ``default`` when given, else :func:`today`; ``today`` / ``今天`` /
    ``今日`` → :func:`today`; anything else goes through :func:`parse_date`.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return default if default is not None else today()
    if isinstance(text, str) and text.strip().lower() in _TODAY_WORDS:
        return today()
    return parse_date(text)


def year_start(year: int) -> date:
    """1 January of ``year``."""
    return date(year, 1, 1)


def year_end(year: int) -> date:
    """31 December of ``year`` (the usual 截至年底 as-of date)."""
    return date(year, 12, 31)


def add_years(d: date, n: int) -> date:
    """``d`` moved by ``n`` years; 29 February becomes 28 February in a non-leap target year."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        if d.month == 2 and d.day == 29:
            return d.replace(year=d.year + n, day=28)
        raise


def age_in_days(start: date, as_of: date) -> int:
    """Days from ``start`` to ``as_of`` (0 on the same day).

    Raises:
        ValidationError: ``date.after_as_of`` when ``start`` is after ``as_of`` — something
            cannot be aged before it exists, and a negative age would pass "at most N days".
    """
    if start > as_of:
        raise ValidationError(
            Msg(
                f"起始日期 {start} 晚于截至日期 {as_of}",
                f"start date {start} is after the as-of date {as_of}",
            ),
            code="date.after_as_of",
        )
    return (as_of - start).days


def completed_years(start: date, as_of: date) -> int:
    """Whole years completed from ``start`` to ``as_of`` (an anniversary day counts).

    A company founded 2020-05-01 is 3 on 2023-05-01 and still 2 on 2023-04-30; one founded
    on 29 February has its anniversary on 28 February in non-leap years.

    Raises:
        ValidationError: ``date.after_as_of`` when ``start`` is after ``as_of``.
    """
    age_in_days(start, as_of)
    years = as_of.year - start.year
    if add_years(start, years) > as_of:
        years -= 1
    return years
