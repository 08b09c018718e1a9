"""``kechuang audit``: read and export the audit log (API, web and CLI writes alike)."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.periods import parse_date
from kechuang.migrations import ensure_schema
from kechuang.storage import audit
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "审计日志：谁在何时改了什么（API、网页与命令行的写入）",
        "Audit log: who changed what, when (API, web and CLI writes)",
    ),
    no_args_is_help=True,
)

_ACTOR = t("只看此操作人", "only this actor")
_TABLE = t(
    "只看此表（命令行运行为 cli，导入为 import:领域.类型）", "only this table (cli, import:…)"
)
_REQUEST = t("只看此请求编号（命令行为 cli-…）", "only this request id (cli-… for the CLI)")


class ExportFormat(StrEnum):
    """Export format."""

    csv = "csv"
    json = "json"


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _day_start(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(parse_date(value), dt.time(), tzinfo=dt.UTC)


@app.command("list")
@handle_errors
def list_cmd(
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR),
    table: str | None = typer.Option(None, "--table", help=_TABLE),
    request_id: str | None = typer.Option(None, "--request-id", help=_REQUEST),
    since: str | None = typer.Option(None, "--since", help=t("起始日期（含）", "from this day")),
    until: str | None = typer.Option(
        None, "--until", help=t("截止日期（不含）", "before this day")
    ),
    limit: int = typer.Option(50, "--limit", min=1, help=t("最多显示条数", "at most this many")),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """列出审计日志（最新在前）/ List audit rows, newest first."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        rows = [
            audit.as_dict(r)
            for r in audit.list_(
                session=session,
                actor=actor,
                table_name=table,
                request_id=request_id,
                since=_day_start(since),
                until=_day_start(until),
                limit=limit,
            )
        ]
    if json_out:
        print_json(rows)
        return
    out = Table(title=t("审计日志", "Audit log"))
    for col in (
        t("时间", "at"),
        t("操作人", "actor"),
        t("动作", "action"),
        t("表", "table"),
        t("记录", "record"),
        t("请求", "request"),
        t("修改（前 → 后）", "changes (old → new)"),
    ):
        out.add_column(col, overflow="fold")
    for r in rows:
        out.add_row(
            str(r["at"] or "")[:19],
            str(r["actor"]),
            str(r["action"]),
            str(r["table_name"]),
            str(r["record_id"] or ""),
            str(r["request_id"] or ""),
            _short(json.dumps(r["changes"], ensure_ascii=False)),
        )
    console.print(out)


@app.command("export")
@handle_errors
def export_cmd(
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", "-f", help=t("格式", "format")),
    out: Path | None = typer.Option(
        None, "--out", "-o", help=t("写入文件（默认标准输出）", "write to a file (default stdout)")
    ),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR),
    table: str | None = typer.Option(None, "--table", help=_TABLE),
) -> None:
    """导出审计日志（CSV 或 JSON，含修改前后值）/ Export the audit log as CSV or JSON (old → new)."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        text = audit.export(
            audit.list_(session=session, actor=actor, table_name=table), fmt=fmt.value
        )
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(t(f"已写入 {out}", f"written to {out}"))
