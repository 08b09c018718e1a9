"""Idempotent bulk upsert on natural keys, with one history row per created or changed record.

Used by every file import. Rows that already exist with the same values are left alone (so
re-importing a file changes nothing); changed rows are updated and their optimistic-lock version
bumped; new rows are inserted. All of it happens in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from kechuang.storage.base import Base, utcnow
from kechuang.storage.history import ChangeHistory, diff, json_value

CHUNK = 500


@dataclass(slots=True)
class UpsertResult:
    """What an upsert did; ``ids`` maps each natural key to the record's id."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: dict[tuple[Any, ...], int] = field(default_factory=dict)
    changes: list[tuple[tuple[Any, ...], str, dict[str, list[Any]]]] = field(default_factory=list)
    """(key, action, {field: [old, new]}) for every created or updated record."""


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    actor: str,
    source: str | None = None,
    batch_id: int | None = None,
    key_label: Callable[[dict[str, Any]], str] | None = None,
    progress: Callable[[int], None] | None = None,
    history_on_create: bool = True,
) -> UpsertResult:
    """Insert new rows, update changed rows, leave identical rows untouched.

    Args:
        session: the caller's session (not committed here).
        model: ORM class; its table must have ``id``, ``version``, ``created_at``, ``updated_at``.
        rows: column values per record; every dict has the same keys, including ``key``.
        key: natural-key columns.
        actor: who makes the change (for history).
        source: free-text source (e.g. the file name) for history.
        batch_id: the :class:`~kechuang.storage.history.ImportBatch` id, if any.
        key_label: renders a row's natural key for ``ChangeHistory.record_key``.
        progress: called with the number of rows processed so far.
        history_on_create: write a history row for every created record (registry records);
            high-volume records (patents) set it to ``False`` and are traced by their import
            batch instead — updates always get a history row.
    """
    table = cast(Table, model.__table__)
    result = UpsertResult()
    if not rows:
        return result
    fields = list(rows[0].keys())
    label = key_label or (lambda r: "/".join(str(json_value(r[k])) for k in key))
    key_cols = [table.c[k] for k in key]
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []

    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        keys = [tuple(r[k] for k in key) for r in chunk]
        cond = (
            key_cols[0].in_([k[0] for k in keys]) if len(key) == 1 else tuple_(*key_cols).in_(keys)
        )
        existing = {
            tuple(getattr(rec, k) for k in key): rec
            for rec in session.execute(select(table).where(cond)).all()
        }
        for r, k in zip(chunk, keys, strict=True):
            old = existing.get(k)
            if old is None:
                inserts.append(r)
                continue
            old_values = {f: getattr(old, f) for f in fields}
            changes = diff(old_values, r)
            result.ids[k] = old.id
            if not changes:
                result.unchanged += 1
                continue
            params = {f"v_{f}": v for f, v in r.items()}
            updates.append(
                {**params, "_id": old.id, "v_version": old.version + 1, "v_updated_at": now}
            )
            result.changes.append((k, "update", changes))
            history.append(
                {
                    "table_name": table.name,
                    "record_id": old.id,
                    "record_key": label(r),
                    "action": "update",
                    "changes": changes,
                    "actor": actor,
                    "source": source,
                    "batch_id": batch_id,
                    "changed_at": now,
                }
            )
        if progress:
            progress(min(start + CHUNK, len(rows)))

    if inserts:
        # RETURNING gives each new id with its natural key, so rows are matched by key (no
        # per-row ordering round trips).
        stmt = insert(table).returning(table.c.id, *key_cols)
        payload = [{**r, "version": 1, "created_at": now, "updated_at": now} for r in inserts]
        new_ids = {tuple(ret[1:]): ret[0] for ret in session.execute(stmt, payload)}
        for r in inserts:
            k = tuple(r[c] for c in key)
            ident = new_ids[k]
            result.ids[k] = ident
            if not history_on_create:
                continue
            changes = diff(None, r)
            result.changes.append((k, "create", changes))
            history.append(
                {
                    "table_name": table.name,
                    "record_id": ident,
                    "record_key": label(r),
                    "action": "create",
                    "changes": changes,
                    "actor": actor,
                    "source": source,
                    "batch_id": batch_id,
                    "changed_at": now,
                }
            )
        result.created = len(inserts)

    if updates:
        stmt_u = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({f: bindparam(f"v_{f}") for f in [*fields, "version", "updated_at"]})
        )
        session.execute(stmt_u, updates)
        result.updated = len(updates)

    if history:
        session.execute(insert(ChangeHistory), history)
    return result
