"""Repayment schedules: 等额本息, 等额本金 and 按期付息到期还本, exact to the fen.

Conventions (stated once here and in ``docs/credit.md``):

* **Monthly rate** = annual rate / 12, kept as an exact fraction (no intermediate rounding).
* **Due dates**: installment *k* falls due on the start date's day of the *k*-th following month,
  clamped to that month's last day. The day always comes from the start date, not from the
  previous due date: a 31 January start gives 28/29 February, 31 March, 30 April, 31 May …
* **Rounding**: every amount is rounded to the fen with ``ROUND_HALF_UP`` (四舍五入,
  :data:`kechuang.core.money.ROUNDING`), from the exact value, once.
* **Interest** of a period = outstanding balance × monthly rate, rounded.
* **等额本息 equal_installment**: the payment ``P·r·(1+r)^n / ((1+r)^n − 1)`` (``P / n`` at a zero
  rate) is rounded once; each installment's principal is payment − interest; the **last
  installment takes the remainder**: its principal is the whole remaining balance and its payment
  is that principal plus its interest, so the principal parts sum exactly to the loan.
* **等额本金 equal_principal**: the principal part ``P / n`` is rounded once; interest on the
  balance; the last installment's principal is the remaining balance.
* **按期付息到期还本 interest_only**: interest on the full principal every month; the whole
  principal in the last installment.
* A non-final installment never repays more principal than is outstanding (only possible for
  loans of a few fen over many months); once the balance reaches zero the remaining installments
  are zero.

Everything is computed with :class:`fractions.Fraction` and rounded half up exactly, so results do
not depend on a decimal context.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from kechuang.core.errors import Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import D, is_fen_exact, quantize_fen
from kechuang.credit.enums import RepaymentMethod

__all__ = [
    "MAX_ANNUAL_RATE",
    "MAX_MONTHS",
    "Installment",
    "Schedule",
    "add_months",
    "parse_rate",
    "schedule",
]

MAX_MONTHS: Final = 600
"""Longest schedule accepted (50 years): beyond it the input is almost certainly a typo."""

MAX_ANNUAL_RATE: Final = Decimal(1)
"""Highest annual rate accepted (100%): ``4.35`` is refused so that ``4.35%`` is not misread."""

_ZERO: Final = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Installment:
    """One installment of a schedule. Amounts are Decimal 元, quantised to the fen.

    Attributes:
        n: installment number, 1-based.
        due_date: the day it falls due.
        payment: what the borrower pays (principal + interest).
        principal: the principal part.
        interest: the interest part (balance before the installment × monthly rate, rounded).
        balance: principal outstanding after the installment (0 after the last).
    """

    n: int
    due_date: dt.date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the date in ISO format, amounts as strings with two decimals."""
        return {
            "n": self.n,
            "due_date": self.due_date.isoformat(),
            "payment": _text(self.payment),
            "principal": _text(self.principal),
            "interest": _text(self.interest),
            "balance": _text(self.balance),
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule.

    Attributes:
        installments: the installments in order (as many as the loan has months).
        total_interest: sum of the interest parts.
        total_payment: sum of the payments (= principal + total interest).
    """

    installments: tuple[Installment, ...]
    total_interest: Decimal
    total_payment: Decimal

    @property
    def total_principal(self) -> Decimal:
        """Sum of the principal parts (always exactly the loan)."""
        return sum((i.principal for i in self.installments), _ZERO)

    def as_dict(self) -> dict[str, Any]:
        """``{"installments": [...], "total_interest", "total_payment"}`` with amounts as strings."""
        return {
            "installments": [i.as_dict() for i in self.installments],
            "total_interest": _text(self.total_interest),
            "total_payment": _text(self.total_payment),
        }


def _text(amount: Decimal) -> str:
    return f"{quantize_fen(amount):f}"


# ---------------------------------------------------------------------------- validation


def _invalid(field: str, value: object, zh: str, en: str) -> ValidationError:
    msg = Msg(f"{field} {value}：{zh}", f"{field} {value}: {en}")
    return ValidationError(
        msg,
        code="schedule.invalid",
        issues=[Issue(rule=f"schedule.{field}", column=field, value=str(value), message=msg)],
    )


def _decimal(field: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _invalid(
            field,
            repr(value),
            "应为 Decimal、int 或 str（不接受 float）",
            "must be a Decimal, int or str (not a float)",
        )
    try:
        return D(value)
    except ValidationError:
        raise _invalid(field, repr(value), "不是有效的数", "not a valid number") from None


def parse_rate(text: str | Decimal) -> Decimal:
    """Read an annual rate written as a fraction (``0.0435``) or a percentage (``4.35%``).

    Raises:
        ValidationError: ``schedule.invalid`` for text that is not a number.
    """
    if isinstance(text, Decimal):
        return text
    raw = text.strip().replace("％", "%")
    percent = raw.endswith("%")
    number = raw[:-1].strip() if percent else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise _invalid(
            "annual_rate",
            text,
            "应写成 0.0435 或 4.35%",
            "write it as 0.0435 or 4.35%",
        ) from None
    if not value.is_finite():
        raise _invalid("annual_rate", text, "不是有限数", "not a finite number")
    return value / 100 if percent else value


def _check(
    principal: object, annual_rate: object, months: object, method: object, start: object
) -> tuple[Decimal, Decimal, int, RepaymentMethod, dt.date]:
    p = _decimal("principal", principal)
    if p <= 0:
        raise _invalid("principal", p, "贷款本金必须大于 0", "the principal must be greater than 0")
    if not is_fen_exact(p):
        raise _invalid(
            "principal", p, "贷款本金不能小于 1 分的精度", "the principal must be whole fen (0.01)"
        )
    rate = _decimal("annual_rate", annual_rate)
    if rate < 0:
        raise _invalid(
            "annual_rate", rate, "年利率不能为负数", "the annual rate must not be negative"
        )
    if rate > MAX_ANNUAL_RATE:
        raise _invalid(
            "annual_rate",
            rate,
            "年利率超过 100%；4.35% 应写成 0.0435 或 4.35%",
            "the annual rate exceeds 100%; write 4.35% as 0.0435 or 4.35%",
        )
    if isinstance(months, bool) or not isinstance(months, int):
        raise _invalid("months", repr(months), "期数应为整数", "months must be an integer")
    if not 1 <= months <= MAX_MONTHS:
        raise _invalid(
            "months",
            months,
            f"期数应在 1–{MAX_MONTHS} 之间",
            f"months must be between 1 and {MAX_MONTHS}",
        )
    try:
        how = RepaymentMethod(str(method))
    except ValueError:
        choices = ", ".join(m.value for m in RepaymentMethod)
        raise _invalid(
            "method",
            method,
            f"未知的还款方式（可选：{choices}）",
            f"unknown method (use {choices})",
        ) from None
    if isinstance(start, dt.datetime):
        start = start.date()
    if not isinstance(start, dt.date):
        raise _invalid("start", repr(start), "起始日期应为日期", "the start must be a date")
    return p, rate, months, how, start


# ---------------------------------------------------------------------------- arithmetic


def _fen(q: Fraction) -> Decimal:
    """Round a non-negative exact amount to the fen, half up (四舍五入)."""
    whole, rest = divmod(q.numerator * 100, q.denominator)
    if 2 * rest >= q.denominator:
        whole += 1
    return Decimal(f"{whole}e-2")  # exact: no context rounding


def add_months(start: dt.date, k: int) -> dt.date:
    """``start``'s day in the ``k``-th following month, clamped to that month's last day."""
    index = start.year * 12 + (start.month - 1) + k
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(start.day, last))


def _equal_payment(principal: Fraction, r: Fraction, n: int) -> Fraction:
    if r == 0:
        return principal / n
    growth = (1 + r) ** n
    return principal * r * growth / (growth - 1)


def schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    start: dt.date,
) -> Schedule:
    """The repayment schedule of a loan (conventions in the module docstring).

    Args:
        principal: the loan, 元, > 0 and whole fen.
        annual_rate: nominal annual rate as a fraction (``Decimal("0.0435")`` for 4.35%), 0 allowed.
        months: number of monthly installments, 1..:data:`MAX_MONTHS`.
        method: :class:`RepaymentMethod`.
        start: drawdown date; installment *k* is due *k* months later.

    Raises:
        ValidationError: ``schedule.invalid`` (bilingual, naming the field) for bad input.
    """
    p, rate, n, how, day0 = _check(principal, annual_rate, months, method, start)
    r = Fraction(rate) / 12
    balance = Fraction(p)
    level_payment = _fen(_equal_payment(balance, r, n))
    level_principal = _fen(balance / n)

    rows: list[Installment] = []
    for k in range(1, n + 1):
        interest = _fen(balance * r)
        if k == n:
            part = _fen(balance)  # the last installment takes the remainder
        elif how is RepaymentMethod.EQUAL_INSTALLMENT:
            part = level_payment - interest
        elif how is RepaymentMethod.EQUAL_PRINCIPAL:
            part = level_principal
        else:
            part = _ZERO
        part = min(part, _fen(balance))
        balance -= Fraction(part)
        rows.append(
            Installment(
                n=k,
                due_date=add_months(day0, k),
                payment=part + interest,
                principal=part,
                interest=interest,
                balance=_fen(balance),
            )
        )
    total_interest = sum((i.interest for i in rows), _ZERO)
    total_payment = sum((i.payment for i in rows), _ZERO)
    return Schedule(
        installments=tuple(rows), total_interest=total_interest, total_payment=total_payment
    )
