"""``kechuang funds import funds|commitments|calls|distributions|valuations|investments FILE``.

Mounted by :mod:`kechuang.cli.funds` through :func:`register`; the rendering is the shared
:func:`kechuang.cli.imports.run_import` of ``kechuang import``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from kechuang.cli.common import handle_errors, t
from kechuang.cli.imports import ReportFormat, run_import
from kechuang.funds.imports import SPECS, import_file


class FundsKind(StrEnum):
    """What a funds file holds."""

    funds = "funds"
    commitments = "commitments"
    calls = "calls"
    distributions = "distributions"
    valuations = "valuations"
    investments = "investments"


if set(SPECS) != {k.value for k in FundsKind}:  # pragma: no cover - a coding slip
    raise RuntimeError("FundsKind does not list the funds import specs")


@handle_errors
def import_cmd(
    kind: FundsKind = typer.Argument(
        ...,
        help=t(
            "数据类型：funds 基金 / commitments 认缴 / calls 缴款 / distributions 分配 / "
            "valuations 估值 / investments 投资",
            "what the file holds: funds / commitments / calls / distributions / valuations / "
            "investments",
        ),
    ),
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
    """导入基金、认缴、缴款、分配、估值或投资（整文件要么全部导入、要么全部不导入；缴款按认缴比例精确分摊）/ Import funds, commitments, calls, distributions, valuations or investments, all or nothing (calls are split pro rata to commitments, exactly)."""
    run_import(
        import_file,
        kind=kind.value,
        file=file,
        dry_run=dry_run,
        errors_out=errors_out,
        actor=actor,
        fmt=fmt,
    )


def register(app: typer.Typer) -> None:
    """Add the ``import`` command to ``app`` (``kechuang funds``)."""
    app.command(
        "import",
        help=t(
            "导入基金（funds）、认缴（commitments）、缴款（calls）、分配（distributions）、"
            "估值（valuations）或投资（investments）文件（整文件全部成功才保存）",
            "Import funds, commitments, capital calls, distributions, valuations or investments "
            "(all or nothing)",
        ),
    )(import_cmd)
