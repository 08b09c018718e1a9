"""``kechuang credit schedule``: print a repayment schedule (等额本息 / 等额本金 / 按期付息到期还本).

Mounted by ``cli/credit.py`` through :func:`register`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.errors import Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import D, unit_factor
from kechuang.core.periods import parse_as_of
from kechuang.credit.enums import RepaymentMethod
from kechuang.credit.schedule import Schedule, parse_rate, schedule

__all__ = ["register", "schedule_cmd"]


class ScheduleFormat(StrEnum):
    """Output of ``credit schedule``."""

    table = "table"
    json = "json"


def _bad(option: str, value: str, zh: str, en: str) -> ValidationError:
    msg = Msg(f"{option} {value}：{zh}", f"{option} {value}: {en}")
    return ValidationError(
        msg,
        code="cli.option",
        issues=[Issue(rule="cli.option", column=option, value=value, message=msg)],
    )


def _method(text: str) -> RepaymentMethod:
    method = RepaymentMethod.parse(text)
    if method is None:
        choices = ", ".join(f"{m.value}（{m.label.zh}）" for m in RepaymentMethod)
        raise _bad(
            "--method", text, f"未知的还款方式，可选：{choices}", f"unknown method; use {choices}"
        )
    return method


_AMOUNT = re.compile(r"^\s*(?P<n>.+?)\s*(?P<u>万亿元|亿元|万元|万亿|亿|万|元)?\s*$")


def _principal(text: str) -> Decimal:
    """``120000``, ``120,000``, ``12万`` → 元, exactly (the schedule rejects amounts finer than a fen)."""
    m = _AMOUNT.match(unicodedata.normalize("NFKC", text))
    try:
        if m is None:
            raise ValueError(text)
        return D(m.group("n")) * unit_factor(m.group("u") or "元")
    except (ValidationError, ValueError):
        raise _bad(
            "--principal",
            text,
            "应为金额，如 120000 或 12万",
            "expected an amount, e.g. 120000 or 12万",
        ) from None


def _money(d: Decimal) -> str:
    return f"{d:,.2f}"


def _render(result: Schedule, title: str) -> None:
    table = Table(title=title)
    for col in (
        t("期数", "n"),
        t("还款日", "due date"),
        t("应还金额", "payment"),
        t("本金", "principal"),
        t("利息", "interest"),
        t("剩余本金", "balance"),
    ):
        table.add_column(col, justify="right")
    for i in result.installments:
        table.add_row(
            str(i.n),
            i.due_date.isoformat(),
            _money(i.payment),
            _money(i.principal),
            _money(i.interest),
            _money(i.balance),
        )
    table.add_section()
    table.add_row(
        t("合计", "total"),
        "",
        _money(result.total_payment),
        _money(result.total_principal),
        _money(result.total_interest),
        "",
    )
    table.caption = t(
        "月利率 = 年利率 ÷ 12；每期利息 = 期初剩余本金 × 月利率；金额四舍五入到分；末期承担尾差",
        "monthly rate = annual ÷ 12; interest = balance × monthly rate; amounts rounded half up "
        "to the fen; the last installment takes the remainder",
    )
    console.print(table)


@handle_errors
def schedule_cmd(
    principal: str = typer.Option(
        ...,
        "--principal",
        help=t("贷款本金（元），如 120000 或 12万", "principal in 元, e.g. 120000 or 12万"),
    ),
    annual_rate: str = typer.Option(
        ...,
        "--annual-rate",
        help=t("年利率：0.0435 或 4.35%", "annual rate: 0.0435 or 4.35%"),
    ),
    months: int = typer.Option(
        ..., "--months", help=t("期数（月）", "number of monthly installments")
    ),
    method: str = typer.Option(
        RepaymentMethod.EQUAL_INSTALLMENT.value,
        "--method",
        help=t(
            "还款方式：equal_installment（等额本息）、equal_principal（等额本金）、interest_only（按期付息到期还本）",
            "repayment method: equal_installment, equal_principal, interest_only",
        ),
    ),
    start: str | None = typer.Option(
        None, "--start", help=t("放款日期（默认今天）", "drawdown date (default today)")
    ),
    fmt: ScheduleFormat = typer.Option(
        ScheduleFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """还款计划：等额本息、等额本金、按期付息到期还本 / Repayment schedule."""
    how = _method(method)
    result = schedule(
        principal=_principal(principal),
        annual_rate=parse_rate(annual_rate),
        months=months,
        method=how,
        start=parse_as_of(start),
    )
    if fmt is ScheduleFormat.json:
        print_json(result.as_dict())
        return
    _render(
        result,
        t(
            f"还款计划：{how.label.zh}，本金 {principal}，年利率 {annual_rate}，{months} 期",
            f"Repayment schedule: {how.label.en}, principal {principal}, annual rate {annual_rate}, {months} months",
        ),
    )


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` command to ``app`` (the ``kechuang credit`` group)."""
    app.command(
        "schedule",
        help=t(
            "还款计划：等额本息、等额本金、按期付息到期还本（金额四舍五入到分，末期承担尾差）",
            "Repayment schedule: equal installments, equal principal or interest only "
            "(amounts to the fen, the last installment takes the remainder)",
        ),
    )(schedule_cmd)
