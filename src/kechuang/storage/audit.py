"""The audit log: every insert, update and delete made through the ORM, with who, when and what.

A session hook (:func:`install`, done on import) records one :class:`AuditLog` row per changed row
at flush time, with the actor and request id of the current :class:`AuditContext`, the primary key
and ``{column: [old, new]}``. The hook records only when an audit context is active — the API opens
one per request (:func:`audit_context` or ``session.info["audit"]``), the CLI one per command
(channel ``cli``: the command and its options are logged once, as a ``command`` row, with the
first commit that changed anything). Secret columns (password and token hashes) are masked.
File imports log one ``import`` row per file, never one per imported row
(:func:`audited_import`: per-row logging is suppressed while the importer runs).
"""

from __future__ import annotations

import contextvars
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, DateTime, Integer, String, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.base import NO_VALUE

from kechuang.storage.base import Base, utcnow
from kechuang.storage.history import json_value

SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "csrf_token"})
"""Columns whose values never reach the audit log (shown as ``***``)."""

SKIP_TABLES = frozenset({"audit_log", "auth_login_attempt"})
"""Tables not audited: the log itself, and login attempts (kept for throttling, not business)."""

SUPPRESS_KEY = "kechuang_audit_suppressed"
"""``session.info`` flag: the flush hook logs nothing for this session (see :func:`rows_suppressed`)."""

COMMAND_ACTION = "command"
"""``action`` of the one row per CLI command that names the command and its options."""


class AuditLog(Base):
    """One write to one row: who, when, which request, what changed (old → new)."""

    __tablename__ = "audit_log"
    __table_args__ = {"info": {"release": False}}  # noqa: RUF012 - never in a statistical release

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(30))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(10), index=True)
    """``insert``, ``update``, ``delete``, ``import`` or ``command`` (a CLI command's details)."""
    table_name: Mapped[str] = mapped_column(String(60), index=True)
    record_id: Mapped[str | None] = mapped_column(String(60))
    """Primary key of the row (text; composite keys joined with ``/``)."""
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{column: [old, new]}`` (insert: old is null; delete: new is null)."""
    version: Mapped[int] = mapped_column(Integer, default=1)


@dataclass(slots=True)
class AuditContext:
    """Who is writing and in which request. Mutable: the API fills ``actor`` after authentication.

    Attributes:
        actor: username written to the log (``anonymous`` until known).
        request_id: the request id (``X-Request-ID``; ``cli-…`` for a CLI command), if any.
        role: the actor's role, if known.
        channel: where the write comes from: ``api`` (API and web, the default) or ``cli``.
        details: for the CLI, what ran (channel, command, options): logged once per
            ``request_id`` as a ``command`` row when a commit has logged changes. ``None`` (the
            API): no such row.
        resolve: called before each write to bring ``actor`` / ``details`` up to date (the CLI
            reads the running command's ``--by`` / ``--actor`` option, parsed after the context
            was opened).
        written: how many rows this context has logged (the ``command`` row is written only
            when this is non-zero).
    """

    actor: str = "anonymous"
    request_id: str | None = None
    role: str | None = None
    pending: list[dict[str, Any]] = field(default_factory=list)
    channel: str = "api"
    details: dict[str, Any] | None = None
    resolve: Callable[[AuditContext], None] | None = None
    written: int = 0

    def refresh(self) -> None:
        """Let :attr:`resolve` fill in the actor and details known only now."""
        if self.resolve is not None:
            self.resolve(self)


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "kechuang_audit", default=None
)


def current() -> AuditContext | None:
    """The active audit context, if any."""
    return _current.get()


@contextmanager
def audit_context(
    *, actor: str, request_id: str | None = None, role: str | None = None
) -> Iterator[AuditContext]:
    """Record every ORM write made inside the block under ``actor`` / ``request_id``."""
    ctx = AuditContext(actor=actor, request_id=request_id, role=role)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_context(ctx: AuditContext | None) -> contextvars.Token[AuditContext | None]:
    """Set the audit context (for middleware); reset with :func:`reset_context`."""
    return _current.set(ctx)


def reset_context(token: contextvars.Token[AuditContext | None]) -> None:
    """Undo :func:`set_context`."""
    _current.reset(token)


def _context_of(session: Session) -> AuditContext | None:
    ctx = session.info.get("audit")
    if isinstance(ctx, AuditContext):
        return ctx
    return _current.get()


def _value(column: str, value: Any) -> Any:
    if value is NO_VALUE or value is None:
        return None
    if column in SECRET_COLUMNS:
        return "***"
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, default=str))
    return json_value(value)


def _row(obj: Any, action: str) -> dict[str, Any] | None:
    state = inspect(obj)
    mapper = state.mapper
    table = mapper.local_table.name if mapper.local_table is not None else "?"
    if table in SKIP_TABLES:
        return None
    changes: dict[str, list[Any]] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        hist = state.attrs[key].history
        if action == "insert":
            new = getattr(obj, key, None)
            if new is not None:
                changes[key] = [None, _value(key, new)]
        elif action == "delete":
            old = hist.deleted[0] if hist.deleted else state.attrs[key].loaded_value
            changes[key] = [_value(key, old), None]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _value(key, old) != _value(key, new):
                changes[key] = [_value(key, old), _value(key, new)]
    if action == "update" and not changes:
        return None
    identity = state.identity or mapper.primary_key_from_instance(obj)
    record_id = "/".join(str(v) for v in identity) if identity else None
    return {"action": action, "table_name": table, "record_id": record_id, "changes": changes}


def _after_flush(session: Session, _ctx: Any) -> None:
    ctx = _context_of(session)
    if ctx is None or session.info.get(SUPPRESS_KEY):
        return
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if (r := _row(obj, "insert")) is not None:
            rows.append(r)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False) and (r := _row(obj, "update")):
            rows.append(r)
    for obj in session.deleted:
        if (r := _row(obj, "delete")) is not None:
            rows.append(r)
    if rows:
        _write(session, ctx, rows)


def _write(
    session: Session,
    ctx: AuditContext,
    rows: Sequence[dict[str, Any]],
    *,
    actor: str | None = None,
) -> None:
    ctx.refresh()
    now = utcnow()
    ctx.written += len(rows)
    session.connection().execute(
        insert(AuditLog),
        [
            {
                "at": now,
                "actor": actor or ctx.actor,
                "actor_role": ctx.role,
                "request_id": ctx.request_id,
                "version": 1,
                **row,
            }
            for row in rows
        ],
    )


def record(
    *,
    session: Session,
    action: str,
    table_name: str,
    record_id: str | None,
    changes: dict[str, Any],
    actor: str | None = None,
) -> None:
    """Write one audit row by hand (for writes that bypass the ORM, such as bulk imports).

    Written under the active context (``actor`` overrides its actor), or as ``system`` outside one.
    """
    ctx = _context_of(session) or AuditContext(actor=actor or "system")
    _write(
        session,
        ctx,
        [
            {
                "action": action,
                "table_name": table_name,
                "record_id": record_id,
                "changes": {k: json_value(v) for k, v in changes.items()},
            }
        ],
        actor=actor,
    )


@contextmanager
def rows_suppressed(session: Session) -> Iterator[None]:
    """Inside the block the flush hook logs no row of ``session`` (a bulk import logs one row).

    Pending ORM changes are flushed before the block ends, so that none of them is logged later.
    """
    previous = session.info.get(SUPPRESS_KEY)
    session.info[SUPPRESS_KEY] = True
    try:
        yield
        session.flush()
    finally:
        if previous is None:
            session.info.pop(SUPPRESS_KEY, None)
        else:
            session.info[SUPPRESS_KEY] = previous


class ImportOutcome(Protocol):
    """What :func:`record_import` reads from an import report (every domain's report has it)."""

    @property
    def rows_total(self) -> int: ...
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def batch_id(self) -> int | None: ...


R = TypeVar("R", bound=ImportOutcome)


def record_import(
    *, session: Session, domain: str, kind: str, file: str, report: ImportOutcome
) -> None:
    """Write the one ``import`` row of a file import: file, SHA-256, row counts and batch id.

    ``table_name`` is ``import:{domain}.{kind}``, ``record_id`` the import batch id.
    """
    record(
        session=session,
        action="import",
        table_name=f"import:{domain}.{kind}",
        record_id=None if report.batch_id is None else str(report.batch_id),
        changes={
            "file": file,
            "sha256": getattr(report, "sha256", None),
            "rows_total": report.rows_total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )


def audited_import(
    run: Callable[[], R],
    *,
    session: Session,
    domain: str,
    kind: str,
    file: str,
    dry_run: bool,
) -> R:
    """Run one file import (``run()`` returns its report) and log it as one ``import`` row.

    Used by the API uploads and the CLI imports alike. While ``run`` writes, per-row logging of
    ``session`` is suppressed (a 100,000-row file must not write 100,000 audit rows); a dry run
    logs nothing, and an import that raises logs nothing (the caller rolls back).
    """
    with rows_suppressed(session):
        report = run()
    if not dry_run:
        record_import(
            session=session,
            domain=domain,
            kind=kind,
            file=file,
            report=report,
        )
    return report


def _before_commit(session: Session) -> None:
    """For a CLI context: log the command once per request id, if the commit logs any change."""
    ctx = _context_of(session)
    if ctx is None or (ctx.details is None and ctx.resolve is None):
        return  # the API: nothing to add
    if not ctx.written or ctx.request_id is None:
        return
    session.flush()
    ctx.refresh()
    if ctx.details is None:
        return
    conn = session.connection()
    same = AuditLog.request_id == ctx.request_id
    is_command = AuditLog.action == COMMAND_ACTION
    if conn.execute(select(AuditLog.id).where(same, ~is_command).limit(1)).first() is None:
        return  # whatever was logged was rolled back (a savepoint or an earlier transaction)
    if conn.execute(select(AuditLog.id).where(same, is_command).limit(1)).first() is not None:
        return
    _write(
        session,
        ctx,
        [
            {
                "action": COMMAND_ACTION,
                "table_name": ctx.channel,
                "record_id": None,
                "changes": {k: _value(k, v) for k, v in ctx.details.items()},
            }
        ],
    )


_installed = False


def install() -> None:
    """Register the flush hook on every :class:`~sqlalchemy.orm.Session` (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        _installed = True


install()


def list_(
    *,
    session: Session,
    actor: str | None = None,
    table_name: str | None = None,
    request_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[AuditLog]:
    """Audit rows, newest first, filtered by actor, table, request and time window."""
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(AuditLog.actor == actor)
    if table_name:
        stmt = stmt.where(AuditLog.table_name == table_name)
    if request_id:
        stmt = stmt.where(AuditLog.request_id == request_id)
    if since:
        stmt = stmt.where(AuditLog.at >= since)
    if until:
        stmt = stmt.where(AuditLog.at < until)
    stmt = stmt.order_by(AuditLog.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


EXPORT_FIELDS = (
    "id",
    "at",
    "actor",
    "actor_role",
    "request_id",
    "action",
    "table_name",
    "record_id",
    "changes",
)


def as_dict(row: AuditLog) -> dict[str, Any]:
    """One audit row as a JSON-safe dict."""
    return {
        "id": row.id,
        "at": row.at.isoformat() if row.at else None,
        "actor": row.actor,
        "actor_role": row.actor_role,
        "request_id": row.request_id,
        "action": row.action,
        "table_name": row.table_name,
        "record_id": row.record_id,
        "changes": row.changes,
    }


def export(rows: Sequence[AuditLog], *, fmt: str = "csv") -> str:
    """Render audit rows as CSV (``changes`` as JSON text) or JSON."""
    data = [as_dict(r) for r in rows]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(EXPORT_FIELDS))
    writer.writeheader()
    for item in data:
        writer.writerow({**item, "changes": json.dumps(item["changes"], ensure_ascii=False)})
    return buf.getvalue()
