"""Change history and import batches, shared by every domain that keeps records.

Every create, update or delete of a registry record writes one :class:`ChangeHistory` row with
who, when, from which source, and ``{field: [old, new]}``. Each file import is one
:class:`ImportBatch`, so a history row can be traced back to the file (and its SHA-256) it came from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.storage.base import Base, utcnow


class ImportBatch(Base):
    """One imported file: what it was, who loaded it, and what it changed."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    """Import kind, e.g. ``enterprises``."""
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the file's bytes."""
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(20))
    rows_total: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChangeHistory(Base):
    """One change to one record: ``changes`` maps field → ``[old, new]`` (JSON-safe text values)."""

    __tablename__ = "change_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60), index=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    record_key: Mapped[str] = mapped_column(String(120), index=True)
    """Natural key of the record, e.g. the USCC or ``USCC/2023``."""
    action: Mapped[str] = mapped_column(String(10))
    """``create``, ``update`` or ``delete``."""
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def json_value(value: Any) -> Any:
    """Render a field value for the JSON ``changes`` column (Decimals and dates as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs between ``old`` and ``new`` as ``{field: [old, new]}``."""
    out: dict[str, list[Any]] = {}
    for key, value in new.items():
        before = None if old is None else old.get(key)
        if before != value:
            out[key] = [json_value(before), json_value(value)]
    return out
