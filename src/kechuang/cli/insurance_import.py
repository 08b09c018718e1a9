"""``kechuang insurance import policies|shares|objects|claims FILE``: insurers' files, all or nothing.

Mounted by :mod:`kechuang.cli.insurance` through :func:`register`; the rendering is the shared
:func:`kechuang.cli.imports.run_import` of ``kechuang import`` and ``kechuang credit import``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from kechuang.cli.common import handle_errors, t
from kechuang.cli.imports import ReportFormat, run_import
from kechuang.insurance.imports import SPECS, import_file


class InsuranceKind(StrEnum):
    """What an insurance file holds."""

    policies = "policies"
    shares = "shares"
    objects = "objects"
    claims = "claims"


if set(SPECS) != {k.value for k in InsuranceKind}:  # pragma: no cover - a coding slip
    raise RuntimeError("InsuranceKind does not list the insurance import specs")


@handle_errors
def import_cmd(
    kind: InsuranceKind = typer.Argument(
        ...,
        help=t(
            "数据类型：policies 保单 / shares 共保份额 / objects 保险标的 / claims 理赔",
            "what the file holds: policies / shares (co-insurance) / objects / claims",
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
    """导入保单、共保份额、保险标的或理赔（整文件要么全部导入、要么全部不导入）/ Import insurance policies, co-insurance shares, insured objects or claims, all or nothing."""
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
    """Add the ``import`` command to ``app`` (``kechuang insurance``)."""
    app.command(
        "import",
        help=t(
            "导入保单（policies）、共保份额（shares）、保险标的（objects）或理赔（claims）文件"
            "（整文件全部成功才保存；每张保单的共保份额须恰好 100% 且只有一家主承保）",
            "Import insurance policies, co-insurance shares, insured objects or claims (all or "
            "nothing; each policy's shares must sum to exactly 100% with exactly one lead)",
        ),
    )(import_cmd)
