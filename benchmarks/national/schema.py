"""The release snapshot's table schemas, taken from kechuang's own ORM metadata.

A release folder's ``tables/<table>.parquet`` is written by
:func:`kechuang.storage.release_export.snapshot`: every table of ``Base.metadata``, columns in
declaration order, Arrow types from :func:`kechuang.storage.release_export.arrow_type`, zstd with
statistics. The national generator writes the same files directly from numpy/pyarrow, so the
schemas here are derived from the metadata rather than copied (they cannot drift).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kechuang.storage.release_export import ROW_GROUP_ROWS

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
"""``created_at`` / ``updated_at`` / ``recorded_at`` of every generated row (no indicator reads them)."""


def _metadata() -> Any:
    from kechuang.indicators.releases import _load_models
    from kechuang.storage.base import Base

    _load_models()
    return Base.metadata


#: The modules ``kechuang.indicators.releases._load_models`` imports: their tables are what
#: ``create_release`` snapshots in a process that imported nothing else.
RELEASE_MODEL_MODULES = (
    "kechuang.credit.models",
    "kechuang.funds.models",
    "kechuang.insurance.models",
    "kechuang.ip.models",
    "kechuang.policy.models",
    "kechuang.registry.models",
    "kechuang.standards.models",
    "kechuang.storage.history",
)


def table_names() -> list[str]:
    """The tables of a release snapshot (sorted, as ``snapshot`` writes them).

    Only the tables of :data:`RELEASE_MODEL_MODULES`: ``Base.metadata`` also holds the auth and
    approval tables once something (the CLI, the API) has imported ``kechuang.auth``, and this
    list must not depend on what the process happened to import.
    """
    import importlib

    from sqlalchemy import Table

    from kechuang.storage.base import Base

    _metadata()
    names: set[str] = set()
    for module in RELEASE_MODEL_MODULES:  # association tables (``pledge_patent``)
        names.update(
            v.name for v in vars(importlib.import_module(module)).values() if isinstance(v, Table)
        )
    for mapper in Base.registry.mappers:
        if mapper.class_.__module__ in RELEASE_MODEL_MODULES:
            names.update(t.name for t in mapper.tables)
    return sorted(names)


def schema_of(name: str) -> pa.Schema:
    """The Arrow schema ``snapshot`` gives table ``name`` (declared column order and types)."""
    from kechuang.storage.release_export import arrow_type

    table = _metadata().tables[name]
    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in table.columns])


def _filler(field: pa.Field, n: int) -> pa.Array:
    """Values of a column the generator does not set: version 1, fixed timestamps, else null."""
    if field.name == "version":
        return pa.repeat(pa.scalar(1, field.type), n)
    if pa.types.is_timestamp(field.type):
        return pa.repeat(pa.scalar(STAMP, field.type), n)
    if pa.types.is_boolean(field.type):
        return pa.repeat(pa.scalar(False, field.type), n)
    return pa.nulls(n, field.type)


def build(name: str, columns: Mapping[str, Any], n: int) -> pa.Table:
    """A table of ``name`` with ``n`` rows: ``columns`` given, every other column filled."""
    schema = schema_of(name)
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise KeyError(f"{name} has no columns {sorted(unknown)}")
    arrays = []
    for field in schema:
        if field.name in columns:
            value = columns[field.name]
            arr = value if isinstance(value, pa.Array | pa.ChunkedArray) else pa.array(value)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if arr.type != field.type:
                arr = arr.cast(field.type)
            if len(arr) != n:
                raise ValueError(f"{name}.{field.name}: {len(arr)} values, expected {n}")
            arrays.append(arr)
        else:
            arrays.append(_filler(field, n))
    return pa.Table.from_arrays(arrays, schema=schema)


class Writer:
    """Write one table in chunks with ``write_parquet``'s settings (zstd, statistics, schema)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / f"{name}.parquet"
        self.rows = 0
        self._w = pq.ParquetWriter(
            self.path,
            schema_of(name),
            compression="zstd",
            write_statistics=True,
            store_schema=True,
        )

    def write(self, columns: Mapping[str, Any], n: int) -> None:
        self._w.write_table(build(self.name, columns, n), row_group_size=ROW_GROUP_ROWS)
        self.rows += n

    def close(self) -> int:
        self._w.close()
        return self.rows


def write_empty(folder: Path, name: str) -> None:
    """An empty table with its schema (tables no indicator reads)."""
    from kechuang.storage.release_export import write_parquet

    write_parquet(schema_of(name).empty_table(), folder / f"{name}.parquet")


__all__ = ["STAMP", "Writer", "build", "schema_of", "table_names", "write_empty"]
