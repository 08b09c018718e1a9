"""``kechuang indicators``: the catalogue, drill-down to the records behind a figure, docs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.indicators import catalog
from kechuang.indicators.docs import render_markdown
from kechuang.indicators.explain import explain, write_records

app = typer.Typer(
    help=t("指标：口径目录与下钻明细", "Indicators: the catalogue and drill-down"),
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_cmd(
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """列出全部指标及口径 / List every indicator."""
    if json_out:
        from dataclasses import asdict

        print_json([asdict(d) for d in catalog.DEFINITIONS])
        return
    table = Table(
        title=t(
            f"指标目录（口径版本 {catalog.DEFINITIONS_VERSION}）",
            f"Indicator catalogue (definitions {catalog.DEFINITIONS_VERSION})",
        )
    )
    for col in ("key", t("名称", "label"), t("单位", "unit"), t("章节", "section")):
        table.add_column(col)
    for d in catalog.DEFINITIONS:
        table.add_row(d.key, t(d.label_zh, d.label_en), t(d.unit_zh, d.unit_en), d.section)
    console.print(table)


@app.command("explain")
@handle_errors
def explain_cmd(
    key: str = typer.Argument(..., help=t("指标 key", "indicator key")),
    release: str = typer.Option(
        ..., "--release", help=t("统计发布编号，如 2023-r1", "release id, e.g. 2023-r1")
    ),
    year: int | None = typer.Option(
        None,
        "--year",
        help=t(
            "年份（默认发布年份；可取上年）", "year (default the release year; or the year before)"
        ),
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help=t(
            "写出明细：.csv .xlsx .parquet .json", "write the records: .csv .xlsx .parquet .json"
        ),
    ),
    root: Path | None = typer.Option(None, "--root", help=t("发布目录", "releases folder")),
    limit: int = typer.Option(
        50, "--limit", help=t("屏幕上最多显示的行数", "rows shown on screen")
    ),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """列出指标背后的记录 / List the records behind a figure."""
    ex = explain(release, key, root=root, year=year)
    if out is not None:
        write_records(ex, out)
    if json_out:
        print_json(ex.as_dict())
        return
    d = ex.definition
    data = ex.as_dict()
    console.print(
        f"[bold]{t(d.label_zh, d.label_en)}[/bold] ({d.key}) · {release} · {ex.year}: {data['value']}"
    )
    console.print(t(d.formula_zh, d.formula_en))
    table = Table(title=t(f"明细 {ex.records.num_rows} 行", f"{ex.records.num_rows} records"))
    names = list(ex.records.column_names)
    for name in names:
        table.add_column(name)
    for row in data["records"][:limit]:
        table.add_row(*["" if row[n] is None else str(row[n]) for n in names])
    console.print(table)
    if out is not None:
        console.print(t(f"已写出 {out}", f"written {out}"))


@app.command("docs")
@handle_errors
def docs_cmd(
    out: Path = typer.Option(
        Path("docs/indicators.md"), "--out", help=t("输出文件", "output file")
    ),
) -> None:
    """由目录生成 docs/indicators.md / Generate docs/indicators.md from the catalogue."""
    out.write_text(render_markdown(), encoding="utf-8")
    console.print(t(f"已写出 {out}", f"written {out}"))
