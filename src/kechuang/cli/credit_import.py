"""``kechuang credit import grants|loans|events FILE``: banks' reporting files, all or nothing.

Mounted by :mod:`kechuang.cli.credit` through :func:`register`; the rendering is the shared
:func:`kechuang.cli.imports.run_import` of ``kechuang import`` and ``kechuang ip import``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from kechuang.cli.common import handle_errors, t
from kechuang.cli.imports import ReportFormat, run_import
from kechuang.credit.imports import SPECS, import_file


class CreditKind(StrEnum):
    """What a credit file holds."""

    grants = "grants"
    loans = "loans"
    events = "events"


if set(SPECS) != {k.value for k in CreditKind}:  # pragma: no cover - a coding slip
    raise RuntimeError("CreditKind does not list the credit import specs")


@handle_errors
def import_cmd(
    kind: CreditKind = typer.Argument(
        ...,
        help=t(
            "数据类型：grants 授信 / loans 贷款月报 / events 贷款流水",
            "what the file holds: grants / loans (monthly report) / events (ledger)",
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
    """导入授信、贷款月报或贷款流水（整文件要么全部导入、要么全部不导入；月末余额与台账核对）/ Import credit grants, a monthly loan report or ledger events, all or nothing (month-end balances are reconciled with the ledger)."""
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
    """Add the ``import`` command to ``app`` (``kechuang credit``)."""
    app.command(
        "import",
        help=t(
            "导入授信（grants）、贷款月报（loans）或贷款流水（events）文件（整文件全部成功才保存；"
            "贷款月末余额与台账对账，不符则拒绝）",
            "Import credit grants, a bank's monthly loan report or ledger events (all or nothing; "
            "month-end balances are reconciled with the ledger and a mismatch rejects the file)",
        ),
    )(import_cmd)
