"""``kechuang policy``: the programme/policy registry and external statistics.

``policy list|show|import|load-shipped`` and ``policy stats list|show|import``.
"""

from __future__ import annotations

import getpass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from kechuang.cli.common import console, err_console, handle_errors, print_json, t
from kechuang.cli.imports import ReportFormat, run_import
from kechuang.core.i18n import current_lang
from kechuang.core.importspec import template_rows
from kechuang.core.tabular import write_xlsx
from kechuang.migrations import ensure_schema
from kechuang.policy import imports as policy_imports
from kechuang.policy import service
from kechuang.policy.enums import PolicyKind
from kechuang.policy.models import ExternalStatistic, PolicyItem
from kechuang.storage import audit
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory, json_value

app = typer.Typer(
    help=t(
        "规划与政策条目（方案、基金、联盟、论坛…）及外部统计数据（常住人口、全球创新指数排名…）",
        "Programme/policy registry (plans, funds, alliances, forums …) and external statistics "
        "(resident population, GII rank …)",
    ),
    no_args_is_help=True,
)
stats_app = typer.Typer(
    help=t(
        "外部统计数据：按来源录入，附发布日期和核实状态",
        "External statistics, entered with source, date and verification status",
    ),
    no_args_is_help=True,
)
app.add_typer(stats_app, name="stats")

_JSON_HELP = t("输出 JSON", "print JSON")


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _item_json(item: PolicyItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "kind": item.kind.value,
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "announced_on": json_value(item.announced_on),
        "year": item.year,
        "bodies": list(item.bodies),
        "description_zh": item.description_zh,
        "description_en": item.description_en,
        "section": item.section,
        "indicator_keys": list(item.indicator_keys),
        "product_keys": list(item.product_keys),
        "source_url": item.source_url,
        "sort_order": item.sort_order,
        "version": item.version,
    }


def _stat_json(stat: ExternalStatistic) -> dict[str, Any]:
    return {
        "key": stat.key,
        "period_year": stat.period_year,
        "value": _plain(stat.value),
        "unit": stat.unit,
        "label_zh": stat.label_zh,
        "label_en": stat.label_en,
        "source_title": stat.source_title,
        "source_url": stat.source_url,
        "published_on": json_value(stat.published_on),
        "status": stat.status.value,
        "note": stat.note,
        "version": stat.version,
    }


def _history_json(rows: list[ChangeHistory]) -> list[dict[str, Any]]:
    return [
        {
            "action": h.action,
            "changes": h.changes,
            "actor": h.actor,
            "source": h.source,
            "changed_at": json_value(h.changed_at),
        }
        for h in rows
    ]


def _print_history(rows: list[ChangeHistory]) -> None:
    table = Table(title=t("修改记录", "History"))
    for col in (t("时间", "when"), t("操作", "action"), t("操作人", "who"), t("更改", "changes")):
        table.add_column(col, overflow="fold")
    for h in rows:
        changes = "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in h.changes.items())
        table.add_row(h.changed_at.isoformat(timespec="seconds"), h.action, h.actor, changes)
    console.print(table)


class KindOption(StrEnum):
    """Kinds of registry entries (CLI choice)."""

    plan = "plan"
    action_programme = "action_programme"
    policy = "policy"
    fund_launch = "fund_launch"
    alliance = "alliance"
    forum = "forum"
    pilot = "pilot"
    mechanism = "mechanism"
    recognition = "recognition"
    award = "award"
    project = "project"
    other = "other"


@app.command("list")
@handle_errors
def list_cmd(
    year: int | None = typer.Option(None, "--year", help=t("报告年度", "report year")),
    section: str | None = typer.Option(
        None,
        "--section",
        help=t("章节（含子章节），如 7.1", "section and its subsections, e.g. 7.1"),
    ),
    kind: KindOption | None = typer.Option(None, "--kind", help=t("类型", "kind")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """列出规划与政策条目 / List programme and policy entries."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        items = service.list_policy_items(
            session=session,
            year=year,
            section=section,
            kind=None if kind is None else PolicyKind(kind.value),
        )
        rows = [_item_json(i) for i in items]
    if json_out:
        print_json({"total": len(rows), "items": rows})
        return
    table = Table(
        title=t(f"规划与政策条目（共 {len(rows)} 条）", f"Programme entries ({len(rows)})")
    )
    for col in (
        t("编号", "code"),
        t("年度", "year"),
        t("章节", "section"),
        t("类型", "kind"),
        t("标题", "title"),
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        title = r["title_en"] if t("zh", "en") == "en" and r["title_en"] else r["title_zh"]
        label = PolicyKind(r["kind"]).label.text()
        table.add_row(r["code"], str(r["year"]), r["section"] or "", label, title)
    console.print(table)


@app.command("show")
@handle_errors
def show_cmd(
    code: str = typer.Argument(..., help=t("条目编号", "entry code")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示一个条目及其修改记录 / Show one entry and its history."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        item = service.get_policy_item(session=session, code=code)
        data = _item_json(item)
        hist = list(service.history(session=session, table="policy_item", record_key=code))
        if json_out:
            print_json({**data, "history": _history_json(hist)})
            return
        table = Table(show_header=False, title=data["title_zh"])
        table.add_column(t("字段", "field"))
        table.add_column(t("值", "value"), overflow="fold")
        for key, value in data.items():
            shown = "；".join(value) if isinstance(value, list) else value
            table.add_row(key, "" if shown is None else str(shown))
        console.print(table)
        _print_history(hist)


def _import(
    kind: str,
    file: Path,
    dry_run: bool,
    errors_out: Path | None,
    actor: str | None,
    fmt: ReportFormat,
) -> None:
    run_import(
        policy_imports.import_file,
        kind=kind,
        file=file,
        dry_run=dry_run,
        errors_out=errors_out,
        actor=actor,
        fmt=fmt,
    )


_FILE_HELP = t("CSV（UTF-8/GBK）或 XLSX 文件", "CSV (UTF-8/GBK) or XLSX file")
_DRY_HELP = t("只校验并报告将做的更改，不保存", "check and report, save nothing")
_ERR_HELP = t("把问题清单写入文件（.csv/.xlsx/.json）", "write issues to a file (.csv/.xlsx/.json)")
_ACTOR_HELP = t("操作人（默认当前系统用户）", "who imports (default: OS user)")


@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help=_FILE_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=_DRY_HELP),
    errors_out: Path | None = typer.Option(None, "--errors-out", help=_ERR_HELP),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    fmt: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help=t("报告格式", "report format")
    ),
) -> None:
    """导入规划与政策条目（整文件全部成功才保存，按编号幂等）/ Import programme entries (all or nothing, idempotent by code)."""
    _import("policy_items", file, dry_run, errors_out, actor, fmt)


@app.command("load-shipped")
@handle_errors
def load_shipped_cmd(
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
) -> None:
    """导入随软件提供的上海 2023 年条目和外部统计数据 / Load the shipped Shanghai 2023 entries and external statistics."""
    ensure_schema()
    with unit_of_work() as session:
        with audit.rows_suppressed(session):  # audited as one import row per shipped file
            reports = policy_imports.load_shipped(session=session, actor=actor or getpass.getuser())
        for report in reports:
            audit.record_import(
                session=session, domain="policy", kind=report.kind, file=report.file, report=report
            )
    for report in reports:
        console.print(report.summary().text())


@stats_app.command("list")
@handle_errors
def stats_list_cmd(
    key: str | None = typer.Option(None, "--key", help=t("指标键", "statistic key")),
    year: int | None = typer.Option(None, "--year", help=t("年度", "year")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """列出外部统计数据 / List external statistics."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        rows = [
            _stat_json(s)
            for s in service.list_external_statistics(session=session, key=key, period_year=year)
        ]
    if json_out:
        print_json({"total": len(rows), "items": rows})
        return
    table = Table(
        title=t(f"外部统计数据（共 {len(rows)} 条）", f"External statistics ({len(rows)})")
    )
    for col in (
        t("指标键", "key"),
        t("年度", "year"),
        t("数值", "value"),
        t("单位", "unit"),
        t("来源", "source"),
        t("核实状态", "status"),
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = "yellow" if r["status"] != "confirmed" else ""
        table.add_row(
            r["key"],
            str(r["period_year"]),
            r["value"],
            r["unit"],
            r["source_title"],
            f"[{style}]{r['status']}[/{style}]" if style else r["status"],
        )
    console.print(table)
    if any(r["status"] == "unconfirmed" for r in rows):
        err_console.print(
            t("注意：有未核实的数据（参数待核实）", "note: some figures are unconfirmed")
        )


@stats_app.command("show")
@handle_errors
def stats_show_cmd(
    key: str = typer.Argument(..., help=t("指标键", "statistic key")),
    year: int = typer.Argument(..., help=t("年度", "year")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示一条外部统计数据及其修改记录 / Show one external statistic and its history."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        stat = service.get_external_statistic(session=session, key=key, period_year=year)
        data = _stat_json(stat)
        hist = list(
            service.history(session=session, table="external_statistic", record_key=f"{key}/{year}")
        )
        if json_out:
            print_json({**data, "history": _history_json(hist)})
            return
        table = Table(show_header=False, title=f"{key} {year}")
        table.add_column(t("字段", "field"))
        table.add_column(t("值", "value"), overflow="fold")
        for k, v in data.items():
            table.add_row(k, "" if v is None else str(v))
        console.print(table)
        _print_history(hist)


@stats_app.command("import")
@handle_errors
def stats_import_cmd(
    file: Path = typer.Argument(..., help=_FILE_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=_DRY_HELP),
    errors_out: Path | None = typer.Option(None, "--errors-out", help=_ERR_HELP),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    fmt: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help=t("报告格式", "report format")
    ),
) -> None:
    """导入外部统计数据（按指标键和年度幂等；更正会留下修改记录）/ Import external statistics (idempotent by key and year; corrections keep history)."""
    _import("external_statistics", file, dry_run, errors_out, actor, fmt)


class TemplateKindOption(StrEnum):
    """Policy-domain import kinds (CLI choice)."""

    policy_items = "policy_items"
    external_statistics = "external_statistics"


@app.command("template")
@handle_errors
def template_cmd(
    kind: TemplateKindOption = typer.Argument(
        ...,
        help=t(
            "policy_items 规划/政策条目 / external_statistics 外部统计数据",
            "policy_items or external_statistics",
        ),
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help=t("输出文件（默认 KIND-template.xlsx）", "output file")
    ),
) -> None:
    """生成导入模板（表头、说明行、示例行）/ Write an XLSX import template (headers, description row, example row)."""
    spec = policy_imports.spec_for(kind.value)
    headers, descriptions, example = template_rows(spec, current_lang())
    out = output or Path(f"{kind.value}-template.xlsx")
    write_xlsx(out, headers, [example], comment_rows=[descriptions], sheet_title=spec.kind)
    console.print(t(f"模板已写入 {out}", f"template written to {out}"))
