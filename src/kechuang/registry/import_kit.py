"""The machinery every domain's file import shares (registry, credit, insurance, IP, funds, policy).

An import reads one CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX file, parses and checks every row,
resolves references in the caller's session, and only then writes, all or nothing: any error
raises :class:`~kechuang.core.errors.ImportRejected` with every issue (:func:`reject`). What is
the same in every domain lives here:

- the report and the batch: :class:`ImportReport`, :func:`open_batch`, :func:`close_batch`;
- reading: :func:`file_sha256`, :func:`read_and_parse`, :func:`parse_for_import`,
  :func:`finish_checks`;
- cell parsers several domains use alike: :func:`cell_text`, :func:`reference`, :func:`choice`,
  :func:`key`, and the column helper :func:`column`;
- the per-file context (:class:`ImportContext`: the file's issues, ``failed``, an upsert and
  change-history rows as the file's actor, source and batch), chunked look-ups (:func:`chunks`,
  :func:`preload`), write progress (:func:`write_tick`, :func:`set_counts`);
- the skeleton every domain's ``import_file`` runs, :func:`import_prepared`: read and parse, let
  the kind's ``prepare(ctx, rows)`` check the rows and return the :data:`Writer`, reject the file
  if any issue is an error, else open the batch, write, close the batch.

:mod:`kechuang.registry.imports` re-exports the report and batch helpers under their old names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Row, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from kechuang.core import importspec as sp
from kechuang.core.enums import LabelledEnum
from kechuang.core.errors import ImportRejected, Issue
from kechuang.core.i18n import Msg
from kechuang.core.tabular import RawTable, read_table
from kechuang.storage.base import Base
from kechuang.storage.history import ImportBatch
from kechuang.storage.upsert import UpsertResult, upsert

__all__ = [
    "CHUNK",
    "UNKNOWN_ENTERPRISE",
    "ImportContext",
    "ImportReport",
    "Progress",
    "Writer",
    "cell_text",
    "choice",
    "chunks",
    "close_batch",
    "column",
    "file_sha256",
    "finish_checks",
    "import_prepared",
    "key",
    "no_rows_issue",
    "nothing",
    "open_batch",
    "parse_for_import",
    "preload",
    "read_and_parse",
    "reference",
    "reject",
    "set_counts",
    "write_tick",
]

Progress = Callable[[str, int, int], None]
"""Progress callback: ``(stage, done, total)``."""

CHUNK: Final = 500
"""Keys per ``IN`` list."""

UNKNOWN_ENTERPRISE: Final = Msg(
    "企业库中没有该统一社会信用代码，请先导入企业",
    "no enterprise with this USCC in the registry; import the enterprise first",
)
"""The message of ``import.unknown_enterprise``: a row names a USCC the registry does not have."""


# =============================================================================== report and batch


@dataclass(slots=True)
class ImportReport:
    """The outcome of importing one file."""

    kind: str
    file: str
    file_format: str
    encoding: str | None
    sha256: str
    rows_total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    batch_id: int | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import created or updated anything."""
        return bool(self.created or self.updated)

    def summary(self) -> Msg:
        """One-line bilingual summary."""
        if not self.changed:
            return Msg(
                f"{self.file}：{self.rows_total} 行与库中一致，未做任何更改",
                f"{self.file}: all {self.rows_total} rows already up to date; nothing changed",
            )
        prefix = Msg("（试运行，未保存）", "(dry run, not saved) ") if self.dry_run else Msg("", "")
        return Msg(
            f"{prefix.zh}{self.file}：共 {self.rows_total} 行，新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}",
            f"{prefix.en}{self.file}: {self.rows_total} rows, {self.created} created, {self.updated} updated, {self.unchanged} unchanged",
        )


def set_counts(report: ImportReport, res: UpsertResult) -> None:
    """Copy an upsert's created / updated / unchanged counts onto ``report``."""
    report.created, report.updated, report.unchanged = res.created, res.updated, res.unchanged


def reject(file: str, issues: Sequence[Issue]) -> ImportRejected:
    """The error that rejects the whole of ``file`` with every issue (nothing is imported).

    Shared by every domain's ``import_file`` so that all imports word a rejection alike.
    """
    n = sum(1 for i in issues if i.severity == "error")
    return ImportRejected(
        Msg(
            f"{file}：发现 {n} 处错误，整个文件未导入",
            f"{file}: {n} error(s) found; nothing was imported",
        ),
        issues=issues,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes (of nothing when it does not exist: reading reports that)."""
    return hashlib.sha256(path.read_bytes() if path.exists() else b"").hexdigest()


def read_and_parse(path: str | Path, spec: sp.ImportSpec) -> tuple[RawTable, sp.ParsedTable]:
    """Read ``path`` and parse it against ``spec`` (no database access; a preview or a check)."""
    table = read_table(path)
    return table, sp.parse_table(table, spec)


def parse_for_import(
    path: Path, spec: sp.ImportSpec, progress: Progress | None
) -> tuple[RawTable, sp.ParsedTable, list[Issue]]:
    """Read and parse ``path`` against ``spec`` for ``import_file``, reporting the parse stage.

    Returns the table, the parse result and the issues so far (the cell issues, plus
    ``import.no_rows`` for a file without data rows).
    """
    table = read_table(path)
    if progress:
        progress("parse", 0, len(table.rows))
    parsed = sp.parse_table(table, spec)
    issues = list(parsed.issues)
    if not parsed.errors and not table.rows:
        issues.append(no_rows_issue(table.file))
    return table, parsed, issues


def no_rows_issue(file: str) -> Issue:
    """The issue of a file that has a header but no data rows."""
    return Issue(
        rule="import.no_rows",
        file=file,
        message=Msg("文件中没有数据行", "the file has no data rows"),
    )


def finish_checks(
    file: str, issues: Sequence[Issue], progress: Progress | None, total: int
) -> None:
    """End the parse stage (``total`` rows read); reject ``file`` if any issue is an error."""
    if progress:
        progress("parse", total, total)
    if any(i.severity == "error" for i in issues):
        raise reject(file, issues)


def open_batch(
    session: Session,
    *,
    kind: str,
    batch_kind: str,
    file: str,
    file_format: str,
    encoding: str | None,
    sha256: str,
    rows_total: int,
    actor: str,
    dry_run: bool,
    issues: list[Issue],
) -> tuple[ImportReport, ImportBatch]:
    """Start writing a checked file: its report and its (flushed) :class:`ImportBatch`.

    ``kind`` names the report, ``batch_kind`` the batch (domains prefix it, e.g. ``funds-calls``).
    Close with :func:`close_batch` once the rows are written.
    """
    report = ImportReport(
        kind=kind,
        file=file,
        file_format=file_format,
        encoding=encoding,
        sha256=sha256,
        rows_total=rows_total,
        dry_run=dry_run,
        issues=issues,
    )
    batch = ImportBatch(
        kind=batch_kind,
        file_name=file,
        sha256=sha256,
        file_format=file_format,
        encoding=encoding,
        rows_total=rows_total,
        actor=actor,
    )
    session.add(batch)
    session.flush()
    return report, batch


def close_batch(session: Session, report: ImportReport, batch: ImportBatch) -> ImportReport:
    """Record the counts on the batch and link it to the report; drop it if nothing changed."""
    if report.changed:
        batch.created, batch.updated, batch.unchanged = (
            report.created,
            report.updated,
            report.unchanged,
        )
        report.batch_id = batch.id
    else:
        session.delete(batch)
    session.flush()
    return report


def write_tick(progress: Progress | None, total: int) -> Callable[[int], None]:
    """A ``done → progress("write", done, total)`` callback (a no-op without ``progress``)."""

    def tick(done: int) -> None:
        if progress:
            progress("write", done, total)

    return tick


# =============================================================================== cell parsers


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a whole-number float (as XLSX gives numbers) without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_PLAIN_REF = re.compile(r"[0-9A-Za-z][0-9A-Za-z._\-/#]{0,79}")


def reference(what: Msg, max_length: int) -> sp.Parser:
    """A contract, loan, policy or claim number: NFKC, no whitespace, case kept, may hold Chinese.

    Plain ASCII numbers (letters, digits, ``._-/#``) are already normal and are taken as they are.
    """

    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length or not _PLAIN_REF.fullmatch(text):
            text = "".join(unicodedata.normalize("NFKC", text).split())
        if not text or len(text) > max_length:
            raise sp.FieldError(
                "value.format",
                Msg(
                    f"{what.zh}应为 1–{max_length} 个字符",
                    f"{what.en} must have 1–{max_length} characters",
                ),
            )
        return text

    return parse


def key(what: Msg, example: str) -> sp.Parser:
    """A product or pool key: lower case letters, digits, ``_ . -``."""

    def parse(value: Any) -> str:
        text = unicodedata.normalize("NFKC", cell_text(value)).strip().lower().replace(" ", "_")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.\-]{0,59}", text):
            raise sp.FieldError(
                "value.format",
                Msg(
                    f"{what.zh}格式不正确，示例：{example}",
                    f"malformed {what.en}; example: {example}",
                ),
            )
        return text

    return parse


def choice(
    enum: type[LabelledEnum],
    aliases: dict[str, LabelledEnum],
    allowed: Sequence[LabelledEnum] | None = None,
) -> sp.Parser:
    """A member of ``enum`` (or of ``allowed``) by value, label or one of the usual words in ``aliases``."""
    members = list(allowed) if allowed is not None else list(enum)
    index: dict[str, LabelledEnum] = {}
    for m in members:
        index[m.value] = m
        index[m.label.zh] = m
        index[m.label.en.lower()] = m
    for word, m in aliases.items():
        if m in members:
            index[word.lower()] = m
    allowed_zh = "、".join(f"{m.label.zh}({m.value})" for m in members)
    allowed_en = ", ".join(m.value for m in members)

    def parse(value: Any) -> LabelledEnum:
        text = unicodedata.normalize("NFKC", cell_text(value)).strip()
        member = index.get(text) or index.get(text.lower())
        if member is None:
            raise sp.FieldError(
                "value.choice",
                Msg(f"取值不在允许范围内：{allowed_zh}", f"not an allowed value: {allowed_en}"),
            )
        return member

    return parse


def column(
    field_name: str,
    zh: str,
    en: str,
    parse: sp.Parser,
    desc: Msg,
    example: Any,
    *,
    required: bool = False,
    money: bool = False,
    aliases: tuple[str, ...] = (),
) -> sp.Column:
    """An :class:`~kechuang.core.importspec.Column` with its description and example in order."""
    return sp.Column(
        field_name,
        zh,
        en,
        parse,
        required=required,
        description=desc,
        example=example,
        aliases=aliases,
        money=money,
    )


# =============================================================================== look-ups


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def preload(
    session: Session,
    key: InstrumentedAttribute[Any],
    columns: Sequence[Any],
    keys: Iterable[Any],
    *,
    range_scan_above: int | None = None,
) -> dict[Any, Row[Any]]:
    """Rows whose ``key`` is in ``keys`` (``None`` keys are skipped), by key.

    ``IN`` lists of :data:`CHUNK` keys; with ``range_scan_above`` set and more distinct keys than
    that, one range scan instead: every row between the smallest and the largest key (one indexed
    query), keeping those asked for, so a big file costs one round trip however many keys it has.

    The range's ends are the smallest and largest key in Python's order (code points). A database
    whose collation orders text differently (PostgreSQL with a language locale, e.g.
    ``en_US.UTF-8``, where ``A-2`` and ``A1`` swap) may leave some asked-for keys outside that
    range; keys the scan did not return are therefore looked up again with ``IN`` lists, so the
    result never depends on the collation (in a correct file none are missing and it costs
    nothing).
    """
    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return {}
    stmt = select(key, *columns)
    out: dict[Any, Row[Any]] = {}
    if range_scan_above is None or len(wanted) <= range_scan_above:
        for chunk in chunks(wanted):
            out.update((r[0], r) for r in session.execute(stmt.where(key.in_(chunk))))
        return out
    wanted_set = set(wanted)
    for r in session.execute(stmt.where(key.between(wanted[0], wanted[-1]))):
        if r[0] in wanted_set:
            out[r[0]] = r
    missing = [k for k in wanted if k not in out]
    for chunk in chunks(missing):
        out.update((r[0], r) for r in session.execute(stmt.where(key.in_(chunk))))
    return out


# =============================================================================== prepare, then write


@dataclass(slots=True)
class ImportContext:
    """One file being imported: session, file name, its issues, actor; the batch once written."""

    session: Session
    file: str
    issues: list[Issue]
    actor: str
    source: str = ""
    batch_id: int = 0

    def issue(
        self,
        row: sp.ParsedRow,
        field_name: str,
        rule: str,
        message: Msg,
        *,
        value: str | None = None,
        severity: str = "error",
    ) -> None:
        """Record an issue about ``field_name`` of ``row`` (shown with ``value`` when given)."""
        if value is None:
            self.issues.append(
                sp.row_issue(self.file, row, field_name, rule, message, severity=severity)
            )
        else:
            self.issues.append(
                Issue(
                    rule=rule,
                    severity=severity,
                    file=self.file,
                    row=row.row,
                    column=row.raw.get(field_name, field_name),
                    value=value,
                    message=message,
                )
            )

    def upsert(
        self,
        model: type[Base],
        rows: Sequence[dict[str, Any]],
        *,
        key: Sequence[str],
        key_label: Callable[[dict[str, Any]], str] | None = None,
        progress: Callable[[int], None] | None = None,
        history_on_create: bool = True,
    ) -> UpsertResult:
        """:func:`~kechuang.storage.upsert.upsert` of ``rows`` as this file's actor, source and batch."""
        return upsert(
            self.session,
            model,
            rows,
            key=key,
            actor=self.actor,
            source=self.source,
            batch_id=self.batch_id,
            key_label=key_label,
            progress=progress,
            history_on_create=history_on_create,
        )

    def history_row(
        self,
        table: str,
        record_id: int,
        key: str,
        action: str,
        changes: dict[str, list[Any]],
        changed_at: dt.datetime,
    ) -> dict[str, Any]:
        """A ``change_history`` row (for a bulk ``INSERT``) of a record this file changed."""
        return {
            "table_name": table,
            "record_id": record_id,
            "record_key": key[:120],
            "action": action,
            "changes": changes,
            "actor": self.actor,
            "source": self.source,
            "batch_id": self.batch_id,
            "changed_at": changed_at,
        }

    def unknown_enterprise(self, row: sp.ParsedRow, field_name: str) -> None:
        """Record ``import.unknown_enterprise`` (an error) for the USCC in ``field_name`` of ``row``."""
        self.issue(row, field_name, "import.unknown_enterprise", UNKNOWN_ENTERPRISE)

    @property
    def failed(self) -> bool:
        """Whether any issue so far is an error (the file will be rejected)."""
        return any(i.severity == "error" for i in self.issues)


C = TypeVar("C", bound=ImportContext)

Writer = Callable[[C, ImportReport, Progress | None], None]
"""Writes a checked file (after the batch exists) and fills the report's counts."""


def nothing(ctx: ImportContext, report: ImportReport, progress: Progress | None) -> None:
    """The writer of a file that failed its checks: never called (the file is rejected)."""
    raise AssertionError("a rejected import must not be written")  # pragma: no cover


def import_prepared(
    *,
    session: Session,
    kind: str,
    spec: sp.ImportSpec,
    path: Path,
    actor: str,
    dry_run: bool,
    progress: Progress | None,
    context: Callable[[Session, str, list[Issue], str], C],
    prepare: Callable[[C, list[sp.ParsedRow]], Writer[C]],
    batch_kind: str,
    source: str,
    sort_issues: bool = False,
    sha256: str | None = None,
) -> ImportReport:
    """Import one file whose kind checks its rows with ``prepare`` and writes with its writer.

    Reads and parses ``path`` (progress ``parse``), makes the file's context with
    ``context(session, file, issues, actor)``, lets ``prepare`` check the rows that parsed, rejects
    the file with every issue if any is an error, else opens the batch (``batch_kind``), sets the
    context's ``batch_id`` and ``source`` (``"{source}: {file}"``), runs the writer and closes the
    batch. ``sort_issues`` puts the issues in file order first (file-level issues first).
    ``sha256`` is the file's hash when the caller has taken it (default: :func:`file_sha256`).
    """
    sha = file_sha256(path) if sha256 is None else sha256
    table, parsed, issues = parse_for_import(path, spec, progress)
    total = len(table.rows)
    file_name, fmt, encoding = table.file, table.format, table.encoding
    del table  # a million raw rows: free them before the checks build their own structures
    ctx = context(session, file_name, issues, actor)
    writer: Writer[C] = nothing
    if parsed.rows:  # rows that parsed cleanly get every cross-field and reference check too
        writer = prepare(ctx, parsed.rows)
    if sort_issues:
        issues.sort(key=lambda i: -1 if i.row is None else i.row)
    finish_checks(file_name, issues, progress, total)

    report, batch = open_batch(
        session,
        kind=kind,
        batch_kind=batch_kind,
        file=file_name,
        file_format=fmt,
        encoding=encoding,
        sha256=sha,
        rows_total=len(parsed.rows),
        actor=actor,
        dry_run=dry_run,
        issues=issues,
    )
    ctx.batch_id = batch.id
    ctx.source = f"{source}: {file_name}"
    writer(ctx, report, progress)
    return close_batch(session, report, batch)
