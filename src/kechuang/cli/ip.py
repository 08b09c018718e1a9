"""``kechuang ip``: the IP registry (patents, events, PCT filings, pledges, centres, programmes,
awards, IPC concordance)."""

from __future__ import annotations

import datetime as dt
import getpass
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.cli.imports import ReportFormat, run_import
from kechuang.core.i18n import Msg
from kechuang.core.money import format_amount
from kechuang.core.periods import parse_as_of
from kechuang.ip import service as ip_service
from kechuang.ip.enums import AwardKind, MatchStatus, PatentType
from kechuang.ip.imports import import_file
from kechuang.ip.schemas import OwnerReviewItem
from kechuang.ip.status import STATES
from kechuang.migrations import ensure_schema
from kechuang.standards import ip_facts
from kechuang.standards.patent_report import patent_report
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t("知识产权库：导入与查询", "IP registry: imports and look-ups"), no_args_is_help=True
)


# --------------------------------------------------------------------------- import


class IpKind(StrEnum):
    """What an IP file holds (the same names as ``kechuang template``)."""

    patents = "patents"
    events = "events"
    pct = "pct"
    pledges = "pledges"
    centres = "centres"
    programmes = "programmes"
    awards = "awards"
    concordance = "concordance"


@app.command(
    "import",
    help=t(
        "导入专利、法律事件、PCT、质押、中心、项目、奖项或 IPC 对照表文件（整文件全部成功才保存）",
        "Import an IP file: patents, events, PCT, pledges, centres, programmes, awards or the "
        "IPC concordance (all or nothing)",
    ),
)
@handle_errors
def import_cmd(
    kind: IpKind = typer.Argument(..., help=t("数据类型", "what the file holds")),
    file: Path = typer.Argument(
        ..., exists=False, help=t("CSV（UTF-8/GBK）或 XLSX 文件", "CSV (UTF-8/GBK) or XLSX file")
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help=t("只校验并报告将做的更改，不保存", "check and report, save nothing"),
    ),
    errors_out: Path | None = typer.Option(
        None,
        "--errors-out",
        help=t(
            "把问题清单写入文件（.csv/.xlsx/.json）", "write issues to a file (.csv/.xlsx/.json)"
        ),
    ),
    actor: str | None = typer.Option(
        None, "--actor", help=t("操作人（默认当前系统用户）", "who imports (default: OS user)")
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help=t("报告格式", "report format")
    ),
) -> None:
    """导入专利、法律事件、PCT、质押、中心、项目、奖项或 IPC 对照表（整文件要么全部导入、要么全部不导入）/ Import an IP file, all or nothing."""
    run_import(
        import_file,
        kind=kind.value,
        file=file,
        dry_run=dry_run,
        errors_out=errors_out,
        actor=actor,
        fmt=fmt,
    )


# ---------------------------------------------------------------------------- IP queries: show, portfolio, owners

_OUTCOMES = {
    "qualified": Msg("是高价值发明专利", "high-value invention patent"),
    "not_qualified": Msg("不是高价值发明专利", "not a high-value invention patent"),
    "undetermined": Msg("无法确定", "undetermined"),
}
_SOURCES = {
    "declared": Msg("数据源申报", "declared in the source data"),
    "concordance": Msg("IPC 对照表（最长前缀）", "IPC concordance (longest prefix)"),
}
_NO_VERDICT = Msg(
    "高价值发明专利统计口径在该日尚无有效参数（自 2021-01-01 起），不作判定",
    "no high-value verdict: the statistical scope has no parameters in force on that date (from 2021-01-01)",
)
_AS_OF_HELP = t("查询日期（默认今天）", "as-of date (default today)")
_JSON_HELP = t("输出 JSON", "print JSON")


def _patent_report(session: Session, application_no: str, day: dt.date) -> dict[str, Any]:
    """Everything ``ip show`` prints, as JSON-ready data (:mod:`kechuang.standards.patent_report`)."""
    patent = ip_service.get_by_application_no(session=session, application_no=application_no)
    return patent_report(session=session, patent=patent, on=day).as_json()


def _bilingual(data: dict[str, Any], key: str) -> str:
    return Msg(str(data[f"{key}_zh"]), str(data[f"{key}_en"])).text()


def _or_dash(value: Any) -> str:
    return "—" if value is None else str(value)


def _render_patent(r: dict[str, Any]) -> None:
    p, s, day = r["patent"], r["status"], r["as_of"]
    console.print(
        f"[bold]{p['application_no']}[/bold]  {_bilingual(p, 'type_label')}"
        + (f"（PCT {p['pct_international_no']}）" if p["pct_international_no"] else "")
        + f"  {p['title'] or ''}"
    )
    style = "green" if s["in_force"] else "red"
    console.print(
        f"{t('申请日', 'filed')}: {p['filing_date']}  {t('授权', 'granted')}: {p['grant_date'] or '—'}"
        f"  {t('期限届满', 'term ends')}: {p['expiry_date']}"
    )
    console.print(
        f"{t(f'{day} 状态', f'status on {day}')}: [{style}]{_bilingual(s, 'label')}[/{style}]"
        + (f"（{t('自', 'since')} {s['since']}）" if s["since"] else "")
        + f"  {t('维持年限', 'years maintained')}: {_or_dash(r['maintenance_years'])}"
    )
    c = r["classification"]
    if c["sei_code"]:
        source = _SOURCES[c["source"]].text()
        via = f"，{c['ipc']} → {c['matched_prefix']}" if c["matched_prefix"] else ""
        note = t("，示例对照", ", illustrative row") if c["illustrative"] else ""
        console.print(
            f"{t('战略性新兴产业', 'SEI')}: {c['sei_code']} {c['sei_name'] or ''}（{source}{via}{note}）"
        )
    else:
        console.print(f"{t('战略性新兴产业', 'SEI')}: {t('未归类', 'not classified')}")
    console.print(
        f"{t('IPC', 'IPC')}: {p['main_ipc'] or '—'}  {t('海外同族', 'foreign family')}: {p['foreign_family_count']}"
        + (f"（{p['foreign_family_offices']}）" if p["foreign_family_offices"] else "")
    )

    ot = Table(title=t("申请人/专利权人", "Applicants / owners"))
    uscc_col = t("企业", "enterprise")
    for col in (
        t("序号", "#"),
        t("名称", "name"),
        t("企业", "enterprise"),
        t("关联", "link"),
        t("期间", "period"),
    ):
        width = {uscc_col: 18, t("期间", "period"): 12}.get(col)
        cap = {t("名称", "name"): 12, t("关联", "link"): 10}.get(col)
        ot.add_column(col, overflow="fold", min_width=width, max_width=cap)
    for o in r["owners"]:
        link = _bilingual(o, "match_label")
        ot.add_row(
            str(o["position"]) + (" ✓" if o["current"] else ""),
            o["name"],
            o["enterprise_uscc"] or "—",
            f"[green]{link}[/green]" if o["counts"] else f"[yellow]{link}[/yellow]",
            f"{o['valid_from']}\n~ {o['valid_to'] or ''}",
        )
    ot.caption = t(f"✓ = {day} 的权利人", f"✓ = owner on {day}")
    console.print(ot)

    tt = Table(title=t("法律状态历史", "Legal-status history"))
    for col in (t("日期", "date"), t("事件", "event"), t("之后状态", "state after")):
        tt.add_column(col, overflow="fold")
    for e in r["timeline"]:
        what = _bilingual(e, "event")
        tt.add_row(
            e["date"],
            f"[dim]{what}[/dim]" if e["derived"] else what,
            STATES[e["state_after"]].text(),
        )
    console.print(tt)

    if r["pledges"]:
        pt = Table(title=t("质押", "Pledges"))
        for col in (
            t("登记号", "registration"),
            t("质权人", "pledgee"),
            t("金额", "amount"),
            t("登记日", "registered"),
            t("解除日", "released"),
            t("当日有效", "active"),
        ):
            pt.add_column(col, overflow="fold")
        for pl in r["pledges"]:
            pt.add_row(
                pl["registration_no"],
                pl["pledgee_name"] or "",
                format_amount(pl["amount"], "万元"),
                pl["registration_date"],
                pl["release_date"] or "",
                "✓" if pl["active"] else "",
            )
        console.print(pt)
    for a in r["awards"]:
        console.print(
            f"{t('奖项', 'award')}: {AwardKind(a['kind']).label.text()} {a['edition']}（{a['awarded_on']}）"
        )

    hv = r["high_value"]
    if hv is None:
        console.print(f"[dim]{_NO_VERDICT.text()}[/dim]")
        return
    style = {"qualified": "green", "not_qualified": "red"}.get(hv["outcome"], "yellow")
    vt = Table(
        title=t(
            f"高价值发明专利（截至 {hv['as_of']}）",
            f"High-value invention patent (as of {hv['as_of']})",
        )
    )
    for col in (
        t("条件", "criterion"),
        t("结果", "result"),
        t("实际", "observed"),
        t("要求", "required"),
    ):
        vt.add_column(col, overflow="fold")
    for chk in hv["checks"]:
        mark = {True: "[green]✓[/green]", False: "[red]✗[/red]"}.get(
            chk["passed"], "[yellow]?[/yellow]"
        )
        vt.add_row(_bilingual(chk, "label"), mark, chk["observed"] or "—", chk["required"] or "")
    console.print(vt)
    console.print(
        f"[bold]{t('结论', 'outcome')}: [{style}]{_OUTCOMES[hv['outcome']].text()}[/{style}][/bold]"
    )
    for u in hv["unverified_parameters"]:
        console.print(
            f"[yellow]{t('参数待核实', 'unverified parameter')}: {u['key']} = {u['value']} ({u['reference']})[/yellow]"
        )


@app.command("show")
@handle_errors
def show_cmd(
    application_no: str = typer.Argument(..., help=t("专利申请号", "patent application number")),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示一件专利：著录项目、权利人、法律状态、分类、质押、奖项与高价值判定 / Show one patent."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work() as session:
        report = _patent_report(session, application_no, day)
    if json_out:
        print_json(report)
    else:
        _render_patent(report)


@app.command("portfolio")
@handle_errors
def portfolio_cmd(
    uscc: str = typer.Argument(..., help=t("统一社会信用代码", "USCC")),
    as_of: str | None = typer.Option(None, "--as-of", help=_AS_OF_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """企业在某日拥有的专利：按类型、有效、Ⅰ/Ⅱ类、高价值发明专利 / An enterprise's patents on a date."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work() as session:
        result = ip_facts.portfolio(session=session, uscc=uscc, on=day)
    data = result.as_dict()
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{result.name}[/bold]  {result.uscc}")
    table = Table(title=t(f"专利（截至 {day}，本企业为权利人）", f"Patents owned on {day}"))
    for col in (t("类型", "type"), t("件数", "patents"), t("有效", "in force")):
        table.add_column(col, justify="right" if col != t("类型", "type") else "left")
    for ptype in PatentType:
        table.add_row(
            ptype.label.text(),
            str(data["by_type"][ptype.value]),
            str(data["in_force_by_type"][ptype.value]),
        )
    table.add_row(t("合计", "total"), str(data["total"]), str(data["in_force"]))
    console.print(table)
    console.print(
        f"{t('Ⅰ类（有效发明专利）', 'class I (valid inventions)')}: {data['class_i']}   "
        f"{t('Ⅱ类（有效实用新型与外观设计）', 'class II (valid utility models + designs)')}: {data['class_ii']}   "
        f"{t('高价值发明专利', 'high-value inventions')}: {_or_dash(data['high_value'])}"
    )
    if data["high_value"] is None:
        console.print(f"[dim]{_NO_VERDICT.text()}[/dim]")
    if result.unverified_parameters:
        keys = ", ".join(u["key"] for u in result.unverified_parameters)
        console.print(
            f"[yellow]{t('高价值判定所用参数待核实', 'high-value parameters unverified')}: {keys}[/yellow]"
        )


owners_app = typer.Typer(
    help=t(
        "专利权人名称匹配的人工审核：待确认清单、确认、否决",
        "Review of patent-owner name matches: list, confirm, reject",
    ),
    no_args_is_help=True,
)
app.add_typer(owners_app, name="owners")


def _review_row(item: OwnerReviewItem) -> dict[str, Any]:
    return item.model_dump(mode="json")


@owners_app.command("review")
@handle_errors
def owners_review_cmd(
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """列出待确认的名称匹配 / List proposed name matches awaiting review."""
    ensure_schema()
    with unit_of_work() as session:
        items = [_review_row(i) for i in ip_service.owner_review_list(session=session)]
    if json_out:
        print_json(items)
        return
    table = Table(
        title=t(f"待确认的名称匹配（{len(items)} 条）", f"Proposed name matches ({len(items)})")
    )
    uscc_col = t("候选企业", "candidate enterprise")
    for col in (
        t("编号", "owner id"),
        t("申请号", "application"),
        t("权利人名称", "owner name"),
        t("候选企业", "candidate enterprise"),
        t("期间", "period"),
    ):
        width = {uscc_col: 18, t("期间", "period"): 12}.get(col)
        cap = {t("权利人名称", "owner name"): 14}.get(col)
        table.add_column(col, overflow="fold", min_width=width, max_width=cap)
    for i in items:
        table.add_row(
            str(i["owner_id"]),
            i["application_no"],
            i["owner_name"],
            "\n".join(x for x in (i["enterprise_name"], i["enterprise_uscc"]) if x) or "—",
            f"{i['valid_from']}\n~ {i['valid_to'] or ''}",
        )
    console.print(table)
    if items:
        console.print(
            t(
                "用 kechuang ip owners confirm 编号 / reject 编号 处理",
                "decide with kechuang ip owners confirm ID / reject ID",
            )
        )


_ACTOR_HELP = t("操作人（默认当前系统用户）", "who decides (default: OS user)")


def _decide(owner_id: int, actor: str | None, confirm: bool) -> None:
    ensure_schema()
    who = actor or getpass.getuser()
    with unit_of_work() as session:
        decide = ip_service.confirm_owner if confirm else ip_service.reject_owner
        owner = decide(session=session, owner_id=owner_id, actor=who)
        label = MatchStatus(owner.match_status).label.text()
        name = owner.name
    console.print(
        t(
            f"专利权人记录 {owner_id}（{name}）：{label}",
            f"patent owner {owner_id} ({name}): {label}",
        )
    )


@owners_app.command("confirm")
@handle_errors
def owners_confirm_cmd(
    owner_id: int = typer.Argument(..., help=t("专利权人记录编号", "patent-owner id")),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
) -> None:
    """确认名称匹配：该权利人从此计入企业的专利 / Confirm a proposed name match."""
    _decide(owner_id, actor, confirm=True)


@owners_app.command("reject")
@handle_errors
def owners_reject_cmd(
    owner_id: int = typer.Argument(..., help=t("专利权人记录编号", "patent-owner id")),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
) -> None:
    """否决名称匹配：该权利人不计入企业 / Reject a proposed name match."""
    _decide(owner_id, actor, confirm=False)
