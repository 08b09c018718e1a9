"""``kechuang validate uscc|patent-no``: check identifiers and show their normalised form."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer
from rich.table import Table

from kechuang.cli.common import console, print_json, t
from kechuang.core.errors import InvalidIdentifier
from kechuang.core.ids import validate_patent_no, validate_uscc

app = typer.Typer(
    help=t("校验统一社会信用代码和专利申请号", "Validate USCCs and patent application numbers"),
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    """Output format of validation commands."""

    table = "table"
    json = "json"


def _render(results: list[dict[str, Any]], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        print_json(results)
    else:
        table = Table(title=title)
        for col in (
            t("输入", "input"),
            t("结果", "valid"),
            t("规范形式", "normalized"),
            t("类型", "kind"),
            t("说明", "detail"),
        ):
            table.add_column(col, overflow="fold")
        for r in results:
            ok = (
                "[green]✓ " + t("有效", "valid") + "[/green]"
                if r["valid"]
                else "[red]✗ " + t("无效", "invalid") + "[/red]"
            )
            table.add_row(
                r["input"],
                ok,
                r["normalized"] or "",
                r["kind"] or "",
                r["kind_label"] if r["valid"] else r["error"],
            )
        console.print(table)
    if not all(r["valid"] for r in results):
        raise typer.Exit(1)


@app.command("uscc")
def uscc(
    codes: list[str] = typer.Argument(
        ..., help=t("一个或多个统一社会信用代码", "one or more USCCs")
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """校验统一社会信用代码（GB 32100 校验码及内嵌组织机构代码校验位）/ Validate USCCs."""
    results: list[dict[str, Any]] = []
    for raw in codes:
        try:
            u = validate_uscc(raw)
            results.append(
                {
                    "input": raw,
                    "valid": True,
                    "normalized": u.code,
                    "kind": u.kind,
                    "kind_label": u.describe().text(),
                    "error": None,
                    "rule": None,
                }
            )
        except InvalidIdentifier as exc:
            results.append(
                {
                    "input": raw,
                    "valid": False,
                    "normalized": None,
                    "kind": None,
                    "kind_label": None,
                    "error": exc.message.text(),
                    "rule": exc.rule,
                }
            )
    _render(results, fmt, t("统一社会信用代码校验", "USCC validation"))


@app.command("patent-no")
def patent_no(
    numbers: list[str] = typer.Argument(
        ..., help=t("一个或多个专利申请号/专利号", "one or more patent application numbers")
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """校验专利申请号（含 CN/ZL 前缀、空格等写法）/ Validate Chinese patent application numbers."""
    results: list[dict[str, Any]] = []
    for raw in numbers:
        try:
            p = validate_patent_no(raw)
            results.append(
                {
                    "input": raw,
                    "valid": True,
                    "normalized": p.canonical,
                    "kind": p.kind,
                    "kind_label": p.kind_name.text(),
                    "error": None,
                    "rule": None,
                }
            )
        except InvalidIdentifier as exc:
            results.append(
                {
                    "input": raw,
                    "valid": False,
                    "normalized": None,
                    "kind": None,
                    "kind_label": None,
                    "error": exc.message.text(),
                    "rule": exc.rule,
                }
            )
    _render(results, fmt, t("专利申请号校验", "Patent number validation"))
