"""``kechuang credit refinance``: 沪科专贷 / 沪科专贴 quotas, submissions and quota usage.

Mounted by :mod:`kechuang.cli.credit` as ``refinance``. The rules live in
:mod:`kechuang.credit.refinance`; this module reads options and files and prints.
"""

from __future__ import annotations

import datetime as dt
import getpass
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.i18n import Msg
from kechuang.core.money import format_percent, parse_amount
from kechuang.core.periods import parse_as_of
from kechuang.credit import refinance
from kechuang.credit.enums import RefinanceProgramme
from kechuang.migrations import ensure_schema
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "沪科专贷（再贷款）/ 沪科专贴（再贴现）：额度、报送、用量",
        "Sci-tech re-lending (沪科专贷) and rediscount (沪科专贴): quotas, submissions, usage",
    ),
    no_args_is_help=True,
)

_PROGRAMME_HELP = t("relending（再贷款）或 rediscount（再贴现）", "relending or rediscount")
_BANK_HELP = t("银行机构代码", "bank institution code")
_JSON_HELP = t("输出 JSON", "print JSON")


def _text(zh: str, en: str) -> str:
    return Msg(zh, en).text()


def _yuan(value: str | Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def _print_unverified(params: list[dict[str, Any]]) -> None:
    for p in params:
        label = (
            t("参数待核实", "unverified parameter")
            if p["status"] == "unverified"
            else t("演示参数", "illustrative parameter")
        )
        value = p["value"]
        if p["unit"] == "ratio":
            value = format_percent(Decimal(value))
        elif p["unit"] == "yuan":
            value = f"{_yuan(value)} {t('元', 'yuan')}"
        console.print(f"[yellow]{label}: {p['key']} = {value} ({p['reference']})[/yellow]")


def _render(report: dict[str, Any]) -> None:
    label = report["programme_label"]["zh" if t("zh", "en") == "zh" else "en"]
    console.print(
        f"[bold]{report['submission_no']}[/bold]  {label}  {report['bank_code']} {report['bank_name']}  "
        f"{report['submitted_on']}  {t('报送人', 'by')} {report['submitted_by']}"
    )
    table = Table(title=t("报送明细", "Items"))
    for col, right in (
        (t("借据/票据", "item"), False),
        (t("金额（元）", "amount (yuan)"), True),
        (t("结果", "result"), False),
        (t("再融资金额（元）", "refinanced (yuan)"), True),
        (t("原因 / 优先", "reasons / priority"), False),
    ):
        table.add_column(col, justify="right" if right else "left", overflow="fold")
    for item in report["items"]:
        if item["eligible"]:
            flags = [
                _text(c["message_zh"], c["message_en"])
                for c in item["checks"]
                if c["criterion"].startswith("priority.") and c["passed"]
            ]
            note = "；".join(flags) if flags else ""
            result = f"[green]{t('通过', 'accepted')}[/green]"
        else:
            note = "\n".join(_text(r["zh"], r["en"]) for r in item["reasons"])
            result = f"[red]{t('不通过', 'rejected')}[/red]"
        table.add_row(
            item["item_ref"], _yuan(item["amount"]), result, _yuan(item["refinanced_amount"]), note
        )
    console.print(table)
    console.print(
        t(
            f"通过 {report['items_accepted']}/{report['items_total']} 笔，再融资合计 {_yuan(report['refinanced_total'])} 元",
            f"{report['items_accepted']} of {report['items_total']} accepted, {_yuan(report['refinanced_total'])} yuan refinanced",
        )
    )
    _print_unverified(report["unverified_parameters"])


@app.command("quota")
@handle_errors
def quota_cmd(
    programme: RefinanceProgramme = typer.Option(..., "--programme", help=_PROGRAMME_HELP),
    bank: str = typer.Option(..., "--bank", help=_BANK_HELP),
    year: int = typer.Option(..., "--year", min=2000, max=2100, help=t("年度", "year")),
    amount: str = typer.Option(
        ...,
        "--amount",
        help=t("额度，元（可写 50亿、5000万元）", "quota in yuan (or 50亿, 5000万元)"),
    ),
    actor: str | None = typer.Option(None, "--actor", help=t("操作人", "who sets it")),
) -> None:
    """设置银行某年度的再贷款/再贴现额度 / Set a bank's quota for a year."""
    ensure_schema()
    value = parse_amount(amount)
    with unit_of_work() as session:
        inst = refinance.bank_by_code(session, bank)
        refinance.set_quota(
            session=session,
            programme=programme,
            bank_id=inst.id,
            year=year,
            quota=value,
            actor=actor or getpass.getuser(),
        )
        usage = refinance.quota_usage(
            session=session, programme=programme, bank_id=inst.id, year=year
        )
        name = inst.name
    console.print(
        t(
            f"{name} {year} 年{programme.label.zh}额度：{_yuan(usage.quota)} 元（已用 {_yuan(usage.used)}，剩余 {_yuan(usage.remaining)}）",
            f"{name} {year} {programme.label.en} quota: {_yuan(usage.quota)} yuan (used {_yuan(usage.used)}, remaining {_yuan(usage.remaining)})",
        )
    )


@app.command("submit")
@handle_errors
def submit_cmd(
    programme: RefinanceProgramme = typer.Option(..., "--programme", help=_PROGRAMME_HELP),
    bank: str = typer.Option(..., "--bank", help=_BANK_HELP),
    file: Path = typer.Option(
        ...,
        "--file",
        help=t(
            "报送文件（CSV/XLSX）：再贷款一列“借据号”；再贴现为 票据号码、统一社会信用代码、票面金额、贴现日期、贴现利率",
            "file (CSV/XLSX): re-lending one column 'Loan no'; rediscount Bill no, USCC, Amount, Discount date, Rate",
        ),
    ),
    number: str | None = typer.Option(
        None, "--no", help=t("报送批次号（默认自动编号）", "submission number (default: generated)")
    ),
    on: str | None = typer.Option(
        None, "--on", help=t("报送日期（默认今天）", "submission date (default today)")
    ),
    actor: str | None = typer.Option(None, "--actor", help=t("报送人", "who submits")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """报送借据或票据申请再贷款/再贴现：逐笔核验并占用额度 / Submit loans or bills; every item is checked and counted against the quota."""
    ensure_schema()
    day: dt.date = parse_as_of(on)
    items = refinance.read_items(file, programme)
    with unit_of_work() as session:
        inst = refinance.bank_by_code(session, bank)
        no = number or refinance.next_submission_no(session, programme, inst.id, day)
        refinance.submit(
            session=session,
            programme=programme,
            bank_id=inst.id,
            submission_no=no,
            items=items,
            on=day,
            actor=actor or getpass.getuser(),
        )
        report = refinance.submission_report(session=session, submission_no=no)
    if json_out:
        print_json(report)
    else:
        _render(report)


@app.command("show")
@handle_errors
def show_cmd(
    submission_no: str = typer.Argument(..., help=t("报送批次号", "submission number")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示一个报送批次：逐笔结果、核验项与所用参数 / Show a submission with every item's checks."""
    ensure_schema()
    with unit_of_work() as session:
        report = refinance.submission_report(session=session, submission_no=submission_no)
    if json_out:
        print_json(report)
    else:
        _render(report)


@app.command("usage")
@handle_errors
def usage_cmd(
    programme: RefinanceProgramme = typer.Option(..., "--programme", help=_PROGRAMME_HELP),
    bank: str = typer.Option(..., "--bank", help=_BANK_HELP),
    year: int = typer.Option(..., "--year", min=2000, max=2100, help=t("年度", "year")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """银行某年度额度用量 / A bank's quota usage for a year."""
    ensure_schema()
    with unit_of_work() as session:
        inst = refinance.bank_by_code(session, bank)
        usage = refinance.quota_usage(
            session=session, programme=programme, bank_id=inst.id, year=year
        )
        code, name = inst.code, inst.name
    if json_out:
        print_json({**usage.as_dict(), "bank_code": code, "bank_name": name})
        return
    table = Table(
        title=t(
            f"{name} {year} 年{programme.label.zh}额度", f"{name} {year} {programme.label.en} quota"
        )
    )
    for col in (
        t("额度", "quota"),
        t("已用", "used"),
        t("剩余", "remaining"),
        t("批次", "submissions"),
        t("通过/不通过", "accepted/rejected"),
    ):
        table.add_column(col, justify="right")
    table.add_row(
        _yuan(usage.quota),
        _yuan(usage.used),
        _yuan(usage.remaining),
        str(usage.submissions),
        f"{usage.items_accepted}/{usage.items_rejected}",
    )
    console.print(table)
    if usage.quota is None:
        console.print(f"[yellow]{t('尚未设置额度', 'no quota set')}[/yellow]")
