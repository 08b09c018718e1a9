"""``kechuang funds``: list funds, show one (LPs, cash flows, investments, compliance), metrics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.errors import NotFound
from kechuang.core.i18n import Msg
from kechuang.core.periods import parse_as_of
from kechuang.funds import service as funds_service
from kechuang.funds.compliance import check_fund
from kechuang.funds.metrics import commitments, fund_metrics, investments
from kechuang.funds.models import CapitalCall, Distribution, Fund
from kechuang.funds.schemas import amount_text
from kechuang.migrations import ensure_schema
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "基金：引导基金、母基金、子基金、直投基金的指标与合规",
        "Funds: guide funds, funds of funds, sub-funds and direct funds — metrics and compliance",
    ),
    no_args_is_help=True,
)

_JSON_HELP = t("输出 JSON", "print JSON")
_AS_OF_HELP = t("截至日期（默认今天）", "as of this date (default today)")
_FUND_HELP = t("基金代码", "fund code")


class OutFormat(StrEnum):
    """Output of metrics."""

    table = "table"
    json = "json"


def _fund(session: Session, code: str) -> Fund:
    fund = session.scalars(select(Fund).where(Fund.code == code)).first()
    if fund is None:
        raise NotFound(
            Msg(f"找不到基金：{code}", f"fund not found: {code}"), code="funds.not_found"
        )
    return fund


@app.command("list")
@handle_errors
def list_cmd(json_out: bool = typer.Option(False, "--json", help=_JSON_HELP)) -> None:
    """列出基金 / List funds."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        rows = [
            {
                "code": f.code,
                "name": f.name,
                "kind": f.kind.value,
                "state": f.state.value,
                "vintage": f.vintage,
                "target_size": amount_text(f.target_size),
                "closed_size": amount_text(f.closed_size),
            }
            for f in session.scalars(select(Fund).order_by(Fund.code))
        ]
    if json_out:
        print_json({"total": len(rows), "items": rows})
        return
    table = Table(title=t(f"基金（共 {len(rows)} 只）", f"Funds ({len(rows)} in all)"))
    for col in (
        t("代码", "code"),
        t("名称", "name"),
        t("类型", "kind"),
        t("状态", "state"),
        t("设立年份", "vintage"),
        t("目标规模", "target size"),
        t("已募规模", "closed size"),
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(("" if v is None else str(v)) for v in r.values()))
    console.print(table)


@app.command("metrics")
@handle_errors
def metrics_cmd(
    fund_code: str = typer.Argument(..., help=_FUND_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    fmt: OutFormat = typer.Option(OutFormat.table, "--format", help=t("输出格式", "output format")),
) -> None:
    """基金指标 / Fund metrics: paid-in, DPI, RVPI, TVPI, IRR, leverage, 返投 …"""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        data = fund_metrics(session=session, fund=_fund(session, fund_code), as_of=day).to_json()
    if fmt is OutFormat.json:
        print_json(data)
        return
    table = Table(title=t(f"基金指标 {fund_code}（{day}）", f"Fund metrics {fund_code} ({day})"))
    table.add_column(t("指标", "metric"))
    table.add_column(t("数值", "value"), justify="right")
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)


def _show_data(session: Session, fund: Fund, day: dt.date) -> dict[str, Any]:
    calls = session.scalars(
        select(CapitalCall).where(CapitalCall.fund_id == fund.id, CapitalCall.call_date <= day)
    ).all()
    dists = session.scalars(
        select(Distribution).where(Distribution.fund_id == fund.id, Distribution.dist_date <= day)
    ).all()
    by_stage: dict[str, list[Any]] = {}
    for i in investments(session=session, fund=fund, as_of=day):
        entry = by_stage.setdefault(i.stage.value, [0, 0])
        entry[0] += 1
        entry[1] += i.amount
    return {
        "fund": {
            "code": fund.code,
            "name": fund.name,
            "kind": fund.kind.value,
            "state": fund.state.value,
            "vintage": fund.vintage,
            "target_size": amount_text(fund.target_size),
            "closed_size": amount_text(fund.closed_size),
            "phases": funds_service.phase_sizes(session=session, fund=fund),
        },
        "as_of": day.isoformat(),
        "lps": [
            {
                "investor_key": c.investor_key,
                "investor_name": c.investor_name,
                "investor_type": c.investor_type.value,
                "amount": amount_text(c.amount),
                "committed_on": c.committed_on.isoformat(),
            }
            for c in commitments(session=session, fund=fund, as_of=day)
        ],
        "calls": {
            "count": len(calls),
            "total": amount_text(sum((c.amount for c in calls), Decimal(0))),
        },
        "distributions": {
            "count": len(dists),
            "total": amount_text(sum((d.amount for d in dists), Decimal(0))),
        },
        "investments_by_stage": {
            k: {"count": v[0], "amount": amount_text(v[1])} for k, v in sorted(by_stage.items())
        },
        "metrics": fund_metrics(session=session, fund=fund, as_of=day).to_json(),
        "compliance": [c.to_json() for c in check_fund(session=session, fund=fund, as_of=day)],
    }


@app.command("show")
@handle_errors
def show_cmd(
    fund_code: str = typer.Argument(..., help=_FUND_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """基金详情 / Show a fund: LPs, calls and distributions, investments by stage, compliance."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        fund = _fund(session, fund_code)
        data = _show_data(session, fund, day)
        checks = check_fund(session=session, fund=fund, as_of=day)
    if json_out:
        print_json(data)
        return
    f = data["fund"]
    console.print(f"[bold]{f['code']}[/bold] {f['name']} · {f['kind']} · {f['state']} · {day}")
    lps = Table(title=t("出资人（LP）", "Limited partners"))
    for col in (t("出资人", "LP"), t("类型", "type"), t("认缴", "committed"), t("日期", "date")):
        lps.add_column(col)
    for lp in data["lps"]:
        lps.add_row(lp["investor_name"], lp["investor_type"], lp["amount"], lp["committed_on"])
    console.print(lps)
    m = data["metrics"]
    console.print(
        t(
            f"实缴 {m['paid_in']}（{data['calls']['count']} 次）· 分配 {m['distributed']}"
            f"（{data['distributions']['count']} 次）· NAV {m['nav']} · DPI {m['dpi']} · "
            f"TVPI {m['tvpi']} · IRR {m['irr']}",
            f"paid-in {m['paid_in']} ({data['calls']['count']} calls) · distributed "
            f"{m['distributed']} ({data['distributions']['count']}) · NAV {m['nav']} · "
            f"DPI {m['dpi']} · TVPI {m['tvpi']} · IRR {m['irr']}",
        )
    )
    stages = Table(title=t("按阶段投资", "Investments by stage"))
    for col in (t("阶段", "stage"), t("笔数", "count"), t("金额", "amount")):
        stages.add_column(col)
    for stage, v in data["investments_by_stage"].items():
        stages.add_row(stage, str(v["count"]), v["amount"])
    console.print(stages)
    comp = Table(title=t("合规检查", "Compliance"))
    for col in (t("规则", "rule"), t("对象", "subject"), t("结果", "result"), t("说明", "message")):
        comp.add_column(col, overflow="fold")
    for c in checks:
        result = (
            "[yellow]?[/yellow]"
            if c.passed is None
            else ("[green]✓[/green]" if c.passed else "[red]✗[/red]")
        )
        comp.add_row(c.rule, c.subject, result, c.message.text())
    console.print(comp)


from kechuang.cli import funds_import as _funds_import  # noqa: E402

_funds_import.register(app)
