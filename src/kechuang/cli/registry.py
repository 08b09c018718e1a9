"""``kechuang registry``: look at enterprises, their history and the registry summary."""

from __future__ import annotations

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.money import format_amount
from kechuang.core.periods import parse_as_of
from kechuang.migrations import ensure_schema
from kechuang.registry import service as registry_service
from kechuang.registry.enums import QualificationKind
from kechuang.registry.reference import district_name
from kechuang.registry.schemas import EnterpriseRead, QualificationRead, RegistrySummary
from kechuang.storage.db import unit_of_work

app = typer.Typer(help=t("企业库查询", "Registry look-ups"), no_args_is_help=True)


@app.command("show")
@handle_errors
def show(
    uscc: str = typer.Argument(..., help=t("统一社会信用代码", "USCC")),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("资质有效性判断日期（默认今天）", "date for qualification validity (default today)"),
    ),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """显示一家企业：基本信息、年度数据、资质 / Show one enterprise."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work() as session:
        ent = registry_service.get_by_uscc(session=session, uscc=uscc)
        data = EnterpriseRead.model_validate(ent).model_dump(mode="json")
        quals = [
            QualificationRead.model_validate(q).model_dump(mode="json")
            | {"in_force": q.is_valid_on(day)}
            for q in ent.qualifications
        ]
        years = [
            {
                k: getattr(y, k)
                for k in (
                    "fiscal_year",
                    "employees",
                    "st_staff",
                    "revenue",
                    "operating_revenue",
                    "total_assets",
                    "net_assets",
                    "rd_expense",
                    "total_cost",
                    "high_tech_income",
                )
            }
            for y in ent.years
        ]
    if json_out:
        print_json({"enterprise": data, "qualifications": quals, "years": years, "as_of": day})
        return
    console.print(f"[bold]{data['name']}[/bold]  {data['uscc']}")
    console.print(
        f"{t('所在区', 'district')}: {district_name(data['district_code']).text()}  {t('行业', 'industry')}: {data['industry_code'] or '-'}  {t('成立', 'registered')}: {data['registered_on']}"
    )
    qt = Table(title=t(f"资质（截至 {day}）", f"Qualifications (as of {day})"))
    for col in (
        t("类型", "kind"),
        t("证书编号", "certificate"),
        t("生效", "from"),
        t("至", "to"),
        t("有效", "in force"),
    ):
        qt.add_column(col)
    for q in quals:
        qt.add_row(
            QualificationKind(q["kind"]).label.text(),
            q["certificate_no"] or "",
            q["valid_from"],
            q["valid_to"] or "",
            "✓" if q["in_force"] else "✗",
        )
    console.print(qt)
    yt = Table(title=t("年度数据", "Fiscal years"))
    for col in (
        t("年度", "year"),
        t("职工", "employees"),
        t("科技人员", "S&T staff"),
        t("销售收入", "revenue"),
        t("研发费用", "R&D"),
        t("资产总额", "assets"),
    ):
        yt.add_column(col, justify="right")
    for y in years:
        yt.add_row(
            str(y["fiscal_year"]),
            str(y["employees"] if y["employees"] is not None else "-"),
            str(y["st_staff"] if y["st_staff"] is not None else "-"),
            format_amount(y["revenue"], "万元") if y["revenue"] is not None else "-",
            format_amount(y["rd_expense"], "万元") if y["rd_expense"] is not None else "-",
            format_amount(y["total_assets"], "万元") if y["total_assets"] is not None else "-",
        )
    console.print(yt)


@app.command("history")
@handle_errors
def history(
    uscc: str = typer.Argument(..., help=t("统一社会信用代码", "USCC")),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """显示企业记录的全部修改历史（谁、何时、旧值→新值）/ Show every change to an enterprise's records."""
    ensure_schema()
    with unit_of_work() as session:
        rows = registry_service.history(session=session, uscc=uscc)
        if json_out:
            print_json(
                [
                    {
                        "changed_at": h.changed_at.isoformat(),
                        "actor": h.actor,
                        "table": h.table_name,
                        "record": h.record_key,
                        "action": h.action,
                        "changes": h.changes,
                        "source": h.source,
                        "batch_id": h.batch_id,
                    }
                    for h in rows
                ]
            )
            return
        table = Table(title=t("修改历史", "Change history"))
        for col in (
            t("时间", "when"),
            t("操作人", "who"),
            t("表", "table"),
            t("记录", "record"),
            t("操作", "action"),
            t("变更", "changes"),
            t("来源", "source"),
        ):
            table.add_column(col, overflow="fold")
        for h in rows:
            changes = "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in h.changes.items())
            table.add_row(
                h.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
                h.actor,
                h.table_name,
                h.record_key,
                h.action,
                changes,
                h.source or "",
            )
    console.print(table)


def render_summary(s: RegistrySummary) -> None:
    """Print a registry summary as tables."""
    head = Table(title=t(f"企业库概况（截至 {s.as_of}）", f"Registry summary (as of {s.as_of})"))
    head.add_column(t("项目", "item"))
    head.add_column(t("数量", "count"), justify="right")
    head.add_row(t("企业", "enterprises"), str(s.enterprises))
    head.add_row(
        t("持有有效资质的企业", "holding a qualification in force"),
        str(s.holding_any_qualification),
    )
    head.add_row(t("企业年度数据", "enterprise fiscal years"), str(s.enterprise_years))
    head.add_row(t("资质记录", "qualification records"), str(s.qualifications))
    head.add_row(t("机构", "institutions"), str(s.institutions))
    console.print(head)
    qual = Table(title=t("有效资质（按类型，企业数）", "Qualifications in force (enterprises)"))
    qual.add_column(t("资质", "qualification"))
    qual.add_column(t("企业数", "enterprises"), justify="right")
    for kind, n in s.by_qualification.items():
        qual.add_row(QualificationKind(kind).label.text(), str(n))
    console.print(qual)
    dist = Table(title=t("按区分布", "By district"))
    dist.add_column(t("区", "district"))
    dist.add_column(t("企业数", "enterprises"), justify="right")
    for code, n in s.by_district.items():
        dist.add_row(district_name(code).text(), str(n))
    console.print(dist)
    years = Table(title=t("年度汇总", "By fiscal year"))
    for col in (
        t("年度", "year"),
        t("企业数", "enterprises"),
        t("销售收入合计", "revenue"),
        t("研发费用合计", "R&D expense"),
    ):
        years.add_column(col, justify="right")
    for year, n in s.fiscal_years.items():
        years.add_row(
            str(year),
            str(n),
            format_amount(s.revenue_by_year.get(year, 0), "亿元"),
            format_amount(s.rd_expense_by_year.get(year, 0), "亿元"),
        )
    console.print(years)


@app.command("summary")
@handle_errors
def summary(
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("截至日期（默认今天）", "as-of date (default today)")
    ),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """企业库概况 / Registry summary."""
    ensure_schema()
    with unit_of_work() as session:
        s = registry_service.summary(session=session, as_of=parse_as_of(as_of))
    if json_out:
        print_json(s.model_dump(mode="json"))
    else:
        render_summary(s)
