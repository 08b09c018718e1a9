"""Shared pieces of the CLI: console, error rendering, progress bars, output formats."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kechuang.core.errors import Issue, KechuangError
from kechuang.core.i18n import Msg, current_lang, tr

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def t(zh: str, en: str) -> str:
    """Text in the active language."""
    return tr(zh, en)


def issues_table(issues: Sequence[Issue], *, limit: int | None = 200) -> Table:
    """A table of issues: severity, file, row, column, value, rule, message."""
    table = Table(title=t("问题清单", "Issues"), show_lines=False, expand=False)
    for col in (
        t("级别", "level"),
        t("文件", "file"),
        t("行", "row"),
        t("列", "column"),
        t("值", "value"),
        t("规则", "rule"),
        t("说明", "message"),
    ):
        table.add_column(col, overflow="fold")
    shown = issues if limit is None else issues[:limit]
    for issue in shown:
        level = t("错误", "error") if issue.severity == "error" else t("警告", "warning")
        style = "red" if issue.severity == "error" else "yellow"
        table.add_row(
            f"[{style}]{level}[/{style}]",
            issue.file or "",
            "" if issue.row is None else str(issue.row),
            issue.column or "",
            issue.value or "",
            issue.rule,
            issue.message.text(),
        )
    if limit is not None and len(issues) > limit:
        table.caption = t(
            f"仅显示前 {limit} 条，共 {len(issues)} 条；用 --errors-out 导出全部",
            f"showing {limit} of {len(issues)}; use --errors-out for all",
        )
    return table


def fail(message: Msg, code: int = 1) -> None:
    """Print ``message`` to stderr and exit with ``code``."""
    err_console.print(f"[red]{message.text()}[/red]")
    raise typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn :class:`KechuangError` into a clear message (and issue table) with exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KechuangError as exc:
            err_console.print(f"[red]{exc.message.text()}[/red]")
            if exc.issues:
                err_console.print(issues_table(exc.issues))
            raise typer.Exit(1) from exc

    return wrapper


@contextmanager
def progress_bar(
    description: str, *, transient: bool = True
) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar; yields a ``(stage, done, total)`` callback."""
    stages = {"parse": t("校验", "checking"), "write": t("写入", "writing")}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not err_console.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(
                    f"{description} · {stages.get(stage, stage)}", total=total
                )
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def print_json(data: Any) -> None:
    """Print ``data`` as JSON (UTF-8, not ASCII-escaped) on stdout."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def lang() -> str:
    """The active language code."""
    return current_lang()
