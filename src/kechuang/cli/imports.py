"""``kechuang import KIND FILE`` and ``kechuang template KIND``, and the import runner shared with
``kechuang ip import``."""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import typer
from sqlalchemy.orm import Session

from kechuang.cli.common import (
    console,
    err_console,
    issues_table,
    print_json,
    progress_bar,
    t,
)
from kechuang.core.errors import ImportRejected
from kechuang.core.i18n import current_lang
from kechuang.core.importspec import ImportSpec, template_rows
from kechuang.core.tabular import write_issues, write_xlsx
from kechuang.credit.imports import SPECS as CREDIT_SPECS
from kechuang.ip.imports import SPECS as IP_SPECS
from kechuang.migrations import ensure_schema
from kechuang.registry.imports import SPECS, ImportReport, Progress, import_file
from kechuang.storage import audit
from kechuang.storage.db import unit_of_work


class Kind(StrEnum):
    """What a file holds."""

    enterprises = "enterprises"
    enterprise_years = "enterprise-years"
    qualifications = "qualifications"
    institutions = "institutions"


class TemplateKind(StrEnum):
    """What a template is for: the registry kinds, then the IP kinds (``kechuang ip import``)."""

    enterprises = "enterprises"
    enterprise_years = "enterprise-years"
    qualifications = "qualifications"
    institutions = "institutions"
    patents = "patents"
    events = "events"
    pct = "pct"
    pledges = "pledges"
    centres = "centres"
    programmes = "programmes"
    awards = "awards"
    concordance = "concordance"
    grants = "grants"
    loans = "loans"
    loan_events = "loan-events"


TEMPLATE_SPECS: dict[str, ImportSpec] = {
    **SPECS,
    **IP_SPECS,
    "grants": CREDIT_SPECS["grants"],
    "loans": CREDIT_SPECS["loans"],
    "loan-events": CREDIT_SPECS["events"],  # `kechuang credit import events`
}
"""Every import spec a template can be written for: registry, IP (`ip import`) and credit
(`credit import`; its ``events`` template is ``loan-events`` to stay apart from patent events)."""

if set(TEMPLATE_SPECS) != {k.value for k in TemplateKind}:  # pragma: no cover - a coding slip
    raise RuntimeError("TemplateKind does not list the import specs")


class ReportFormat(StrEnum):
    """Output format of the import report."""

    table = "table"
    json = "json"


class Importer(Protocol):
    """An ``import_file`` function (registry or IP): same arguments, same report."""

    def __call__(
        self,
        *,
        session: Session,
        kind: str,
        path: str | Path,
        actor: str = ...,
        dry_run: bool = ...,
        progress: Progress | None = ...,
    ) -> ImportReport: ...


def _domain_of(importer: Importer) -> str:
    """``credit`` for ``kechuang.credit.imports.import_file`` (the API's ``domain`` names)."""
    parts = importer.__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "kechuang" else parts[-1]


def run_import(
    importer: Importer,
    *,
    kind: str,
    file: Path,
    dry_run: bool,
    errors_out: Path | None,
    actor: str | None,
    fmt: ReportFormat,
    domain: str | None = None,
) -> None:
    """Run one file import in a unit of work and print the report (shared by every import command).

    A dry run rolls back; a rejected file prints (or writes, with ``errors_out``) every issue and
    exits with status 1. A saved import writes one ``import`` row to the audit log (file, SHA-256,
    counts, batch; ``domain`` defaults to the importer's package, e.g. ``credit``) and no row per
    imported row — exactly as an API upload does.
    """
    who = actor or getpass.getuser()
    created_schema = ensure_schema()
    if created_schema:
        err_console.print(t("已创建新数据库结构", "created a new database schema"))
    try:
        with (
            progress_bar(t(f"导入 {file.name}", f"importing {file.name}")) as progress,
            unit_of_work(commit=not dry_run) as session,
        ):
            report = audit.audited_import(
                lambda: importer(
                    session=session,
                    kind=kind,
                    path=file,
                    actor=who,
                    dry_run=dry_run,
                    progress=progress,
                ),
                session=session,
                domain=domain or _domain_of(importer),
                kind=kind,
                file=file.name,
                dry_run=dry_run,
            )
    except ImportRejected as exc:
        if errors_out:
            write_issues(errors_out, exc.issues)
        if fmt is ReportFormat.json:
            print_json(
                {
                    "ok": False,
                    "message": exc.message.text(),
                    "issues": [i.as_dict() for i in exc.issues],
                }
            )
        else:
            err_console.print(f"[red]{exc.message.text()}[/red]")
            err_console.print(issues_table(exc.issues))
            if errors_out:
                err_console.print(
                    t(f"问题清单已写入 {errors_out}", f"issues written to {errors_out}")
                )
        raise typer.Exit(1) from exc
    if errors_out:
        write_issues(errors_out, report.issues)
    if fmt is ReportFormat.json:
        print_json(
            {
                "ok": True,
                "kind": report.kind,
                "file": report.file,
                "encoding": report.encoding,
                "sha256": report.sha256,
                "rows": report.rows_total,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "dry_run": report.dry_run,
                "batch_id": report.batch_id,
                "message": report.summary().text(),
                "issues": [i.as_dict() for i in report.issues],
            }
        )
        return
    if report.issues:
        console.print(issues_table(report.issues))
    style = "green" if report.changed else "cyan"
    console.print(f"[{style}]{report.summary().text()}[/{style}]")
    if report.encoding:
        console.print(t(f"文件编码：{report.encoding}", f"file encoding: {report.encoding}"))


def import_cmd(
    kind: Kind = typer.Argument(..., help=t("数据类型", "what the file holds")),
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
    actor: str = typer.Option(
        None, "--actor", help=t("操作人（默认当前系统用户）", "who imports (default: OS user)")
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help=t("报告格式", "report format")
    ),
) -> None:
    """导入企业、年度数据、资质或机构（整文件要么全部导入、要么全部不导入）/ Import a file, all or nothing."""
    run_import(
        import_file,
        kind=kind.value,
        file=file,
        dry_run=dry_run,
        errors_out=errors_out,
        actor=actor,
        fmt=fmt,
    )


def template_cmd(
    kind: TemplateKind = typer.Argument(..., help=t("数据类型", "what the template is for")),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help=t("输出文件（默认 KIND-template.xlsx）", "output file (default KIND-template.xlsx)"),
    ),
    lang: str | None = typer.Option(
        None,
        "--header-lang",
        help=t("表头语言 zh/en（默认随界面语言）", "header language zh/en (default: UI language)"),
    ),
) -> None:
    """生成导入模板（表头、说明行、示例行）/ Write an XLSX import template (headers, description row, example row)."""
    spec = TEMPLATE_SPECS[kind.value]
    header_lang = lang or current_lang()
    headers, descriptions, example = template_rows(spec, header_lang)
    out = output or Path(f"{kind.value}-template.xlsx")
    guide = [["列 Column", "字段 Field", "必填 Required", "说明 Description", "示例 Example"]] + [
        [
            c.zh if header_lang == "zh" else c.en,
            c.field,
            "是 yes" if c.required else "否 no",
            f"{c.description.zh} / {c.description.en}",
            str(c.example),
        ]
        for c in spec.columns
    ]
    guide.append([])
    guide.append(
        [
            "以 # 开头的行为说明行，导入时自动跳过；请用实际数据替换示例行。",
            "",
            "",
            "Rows starting with # are skipped on import; replace the example row with real data.",
            "",
        ]
    )
    write_xlsx(
        out,
        headers,
        [example],
        comment_rows=[descriptions],
        sheet_title=spec.kind,
        extra_sheets={"说明 Guide": guide},
    )
    console.print(t(f"模板已写入 {out}", f"template written to {out}"))
