"""File-upload imports: the same all-or-nothing import functions and row-level report as the CLI.

An upload is saved under its (sanitised) file name in a temporary directory so that every issue
names the file as the user knows it. A rejected file answers 422 with one ``details`` entry per
problem (file, row, column, value, rule, message) — exactly the issues ``kechuang import`` prints.
A successful import also writes one ``import`` row to the audit log with the batch and its SHA-256
(:func:`kechuang.storage.audit.audited_import`, shared with the CLI; no row per imported row).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fastapi import Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kechuang.api.deps import Scoped, settings_of
from kechuang.auth.errors import PermissionDenied
from kechuang.core.errors import Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.importspec import ParsedRow
from kechuang.storage import audit

ROLLBACK_ONLY = "kechuang_rollback_only"
"""``session.info`` flag: the request's session is rolled back instead of committed (dry runs)."""

_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


class IssueOut(BaseModel):
    """One row-level issue of an import report."""

    rule: str
    message_zh: str
    message_en: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"


class ImportReportOut(BaseModel):
    """What an import did (or, for a dry run, would do)."""

    kind: str
    file: str
    rows_total: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    batch_id: int | None = None
    sha256: str | None = None
    message_zh: str
    message_en: str
    issues: list[IssueOut] = Field(default_factory=list)
    """Warnings (errors reject the file: HTTP 422 with the issues as ``details``)."""


def safe_name(name: str | None) -> str:
    """A file name safe to write: no directories, only word characters, dots and dashes."""
    base = Path(name or "upload.csv").name
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload.csv"
    return cleaned[:120]


def run_import(
    *,
    session: Session,
    upload: UploadFile,
    kind: str,
    domain: str,
    importer: Callable[..., Any],
    actor: str,
    dry_run: bool,
    max_bytes: int,
    precheck: Callable[[Path], None] | None = None,
) -> ImportReportOut:
    """Save ``upload``, run ``importer(session=, kind=, path=, actor=, dry_run=)``, report.

    Raises:
        ValidationError: the file is too large or not CSV / XLSX.
        ImportRejected: any row has an error (nothing is written).
    """
    name = safe_name(upload.filename)
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError(
            Msg(f"{name}：只接受 CSV 或 XLSX 文件", f"{name}: only CSV or XLSX files are accepted"),
            code="import.file_type",
        )
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            Msg(
                f"{name}：文件超过 {max_bytes // (1024 * 1024)} MB",
                f"{name}: the file exceeds {max_bytes // (1024 * 1024)} MB",
            ),
            code="import.too_large",
        )
    with tempfile.TemporaryDirectory(prefix="kechuang-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        if precheck is not None:
            precheck(path)
        report = audit.audited_import(
            lambda: importer(session=session, kind=kind, path=path, actor=actor, dry_run=dry_run),
            session=session,
            domain=domain,
            kind=kind,
            file=name,
            dry_run=dry_run,
        )
    if dry_run:
        session.info[ROLLBACK_ONLY] = True
    summary = report.summary()
    return ImportReportOut(
        kind=kind,
        file=name,
        rows_total=report.rows_total,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        dry_run=dry_run,
        batch_id=report.batch_id,
        sha256=getattr(report, "sha256", None),
        message_zh=summary.zh,
        message_en=summary.en,
        issues=[IssueOut(**i.as_dict()) for i in report.issues],
    )


def import_upload(
    scoped: Scoped,
    request: Request,
    upload: UploadFile,
    *,
    kind: str,
    domain: str,
    importer: Callable[..., Any],
    dry_run: bool,
    precheck: Callable[[Path], None] | None = None,
) -> ImportReportOut:
    """:func:`run_import` for an API route: the caller's session and actor, the app's size limit."""
    return run_import(
        session=scoped.session,
        upload=upload,
        kind=kind,
        domain=domain,
        importer=importer,
        actor=scoped.actor,
        dry_run=dry_run,
        max_bytes=settings_of(request).max_upload_bytes,
        precheck=precheck,
    )


def reject_foreign_rows(
    path: Path,
    rows: Iterable[ParsedRow],
    offending: Callable[[ParsedRow], tuple[str, str] | None],
    *,
    row_message: Msg,
    touched: Msg,
) -> None:
    """Refuse a whole upload if any row belongs to another organisation than the caller's.

    Args:
        path: the saved upload (its name is the file the issues name).
        rows: the parsed rows of the file.
        offending: for one row, the ``(field, value)`` that names another organisation, or
            ``None`` if the row is the caller's.
        row_message: the message of each row's issue (e.g. "a record of another bank").
        touched: what the offending rows touch, for the summary (e.g. "another bank's records").

    Raises:
        PermissionDenied: ``auth.foreign_org`` with one issue per offending row.
    """
    issues: list[Issue] = []
    for row in rows:
        bad = offending(row)
        if bad is not None:
            issues.append(
                Issue(
                    rule="auth.foreign_org",
                    message=row_message,
                    file=path.name,
                    row=row.row,
                    column=row.raw.get(bad[0], bad[0]),
                    value=bad[1],
                )
            )
    if issues:
        raise PermissionDenied(
            Msg(
                f"{path.name}：{len(issues)} 行涉及{touched.zh}，整个文件未导入",
                f"{path.name}: {len(issues)} row(s) touch {touched.en}; nothing was imported",
            ),
            code="auth.foreign_org",
            issues=issues,
        )
