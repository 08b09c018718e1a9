"""Snapshot the operational tables to Parquet (Arrow), for statistical releases.

Every table of a SQLAlchemy ``MetaData`` is read with the raw DB-API cursor in batches
(``fetchmany``) and turned into Arrow **column by column** (``pyarrow.array`` over each column of a
batch) — no ORM objects, no per-row dicts. Types follow the column declarations, not whatever the
driver returned:

===========================  ==================================================================
column                       Arrow type
===========================  ==================================================================
Integer / BigInteger         ``int64``
String / Text / Enum         ``string`` (enums as their member values)
Boolean                      ``bool``
Date                         ``date32``
DateTime                     ``timestamp[us, UTC]``
ExactDecimal(p, s) / Numeric ``decimal128(p, s)`` — exact: SQLite's scaled integers (fen) are
                             rescaled with decimal arithmetic, PostgreSQL ``NUMERIC`` arrives as
                             ``Decimal``
JSON                         ``string`` (the JSON text)
===========================  ==================================================================

The Parquet files are written deterministically (no timestamps in metadata besides the data,
rows in primary-key order), so two snapshots of the same data have the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Engine, Integer, MetaData, Numeric, Table
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator, TypeEngine

from kechuang.storage.base import ExactDecimal

BATCH_ROWS = 100_000
"""Rows fetched per DB-API ``fetchmany`` call."""

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)`` progress callback (stage ``snapshot``, tables done / total)."""


@dataclass(frozen=True, slots=True)
class TableSnapshot:
    """One table written to Parquet.

    Attributes:
        name: table name.
        path: the Parquet file.
        rows: number of rows.
        sha256: checksum of the file's bytes.
    """

    name: str
    path: Path
    rows: int
    sha256: str


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _base_type(col_type: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(col_type, ExactDecimal):
        return col_type
    if isinstance(col_type, TypeDecorator):
        return col_type.impl_instance
    return col_type


def arrow_type(col_type: TypeEngine[Any]) -> Any:
    """The Arrow type of a column type (see the module docstring)."""
    import pyarrow as pa

    t = _base_type(col_type)
    if isinstance(t, ExactDecimal):
        return pa.decimal128(t.precision, t.scale)
    if isinstance(t, SAEnum):
        return pa.string()
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    if isinstance(t, Integer):
        return pa.int64()
    if isinstance(t, Numeric):
        return pa.decimal128(t.precision or 38, t.scale or 10)
    return pa.string()


def _select_sql(table: Table, dialect: str) -> str:
    cols = []
    for col in table.columns:
        name = f'"{col.name}"'
        if isinstance(_base_type(col.type), JSON) and dialect == "postgresql":
            cols.append(f"{name}::text")
        else:
            cols.append(name)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
    return f'SELECT {", ".join(cols)} FROM "{table.name}" ORDER BY {order}'


def _column(values: Sequence[Any], col_type: TypeEngine[Any], dialect: str) -> Any:
    """One batch of one column as an Arrow array of the column's declared type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    target = arrow_type(col_type)
    t = _base_type(col_type)
    if isinstance(t, ExactDecimal) and dialect == "sqlite":
        # Scaled integers (fen for money): rescale exactly, int → decimal(…, 0) × 10^-scale.
        ints = pa.array(values, pa.int64())
        unit = pa.scalar(Decimal(1).scaleb(-t.scale), pa.decimal128(t.scale or 1, t.scale))
        return pc.multiply(ints.cast(pa.decimal128(19, 0)), unit).cast(target)
    if pa.types.is_boolean(target):
        return pa.array(values).cast(pa.bool_()) if values else pa.array([], pa.bool_())
    if pa.types.is_date32(target) and dialect == "sqlite":
        return pa.array(values, pa.string()).cast(target)
    if pa.types.is_timestamp(target) and dialect == "sqlite":
        text = pc.utf8_slice_codeunits(pa.array(values, pa.string()), 0, 26)
        return text.cast(pa.timestamp("us")).cast(target)
    if pa.types.is_decimal(target):
        return pa.array(values, target)
    if pa.types.is_string(target):
        try:  # the usual case: the driver returned text (or NULL) throughout
            return pa.array(values, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            return pa.array(
                [v if v is None or isinstance(v, str) else str(v) for v in values], pa.string()
            )
    return pa.array(values, target)


ROW_GROUP_ROWS = 256 * 1024
"""Rows per Parquet row group. DuckDB and Spark scan a file in parallel by row group, so a
million-row table in one group (pyarrow's default, 1,048,576 rows) is read by one thread; in
groups of 262,144 rows it is read by four. The files grow by about 15 % (zstd has less to work
with per group); the national benchmark's indicator run is about 0.4 s faster on 2 cores."""

_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "write_statistics": True,
    "store_schema": True,
}


def _schema(table: Table) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in table.columns])


def iter_batches(engine: Engine, table: Table) -> Iterator[Any]:
    """The rows of ``table`` as Arrow record batches of at most :data:`BATCH_ROWS` rows, with the
    declared types, in primary-key order.

    Reads with the raw DB-API cursor (no SQLAlchemy row objects); on PostgreSQL a server-side
    (named) cursor, so the result is streamed rather than held whole by the driver.
    """
    import pyarrow as pa

    dialect = engine.dialect.name
    schema = _schema(table)
    sql = _select_sql(table, dialect)
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        if dialect == "postgresql":
            cursor = driver.cursor(name=f"kc_snapshot_{table.name}")
            cursor.itersize = BATCH_ROWS
        else:
            cursor = driver.cursor()
        try:
            cursor.execute(sql)
            while True:
                rows = cursor.fetchmany(BATCH_ROWS)
                if not rows:
                    break
                columns = zip(*rows, strict=True)
                arrays = [
                    _column(values, col.type, dialect)
                    for values, col in zip(columns, table.columns, strict=True)
                ]
                yield pa.record_batch(arrays, schema=schema)
        finally:
            cursor.close()
        if dialect == "postgresql":
            raw.rollback()  # read only: end the transaction the named cursor needed
    finally:
        raw.close()


def read_table(engine: Engine, table: Table) -> Any:
    """The rows of ``table`` as an Arrow table with the declared types (primary-key order)."""
    import pyarrow as pa

    schema = _schema(table)
    batches = list(iter_batches(engine, table))
    if not batches:
        return schema.empty_table()
    return pa.Table.from_batches(batches, schema=schema)


def write_parquet(arrow: Any, path: Path) -> None:
    """Write ``arrow`` deterministically (zstd, no pandas metadata)."""
    import pyarrow.parquet as pq

    pq.write_table(arrow, path, row_group_size=ROW_GROUP_ROWS, **_PARQUET_OPTIONS)


def write_table_parquet(engine: Engine, table: Table, path: Path) -> int:
    """Stream ``table`` into ``path`` (same bytes as :func:`write_parquet` of
    :func:`read_table`): batches are written as they are fetched, in row groups of exactly
    :data:`ROW_GROUP_ROWS` rows, so memory stays bounded by about one row group. Returns the rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(table)
    rows = 0
    pending: list[Any] = []
    pending_rows = 0
    with pq.ParquetWriter(path, schema, **_PARQUET_OPTIONS) as writer:
        for batch in iter_batches(engine, table):
            pending.append(batch)
            pending_rows += batch.num_rows
            rows += batch.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                buffered = pa.Table.from_batches(pending, schema=schema)
                writer.write_table(buffered.slice(0, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
                rest = buffered.slice(ROW_GROUP_ROWS).combine_chunks()
                pending = rest.to_batches() if rest.num_rows else []
                pending_rows = rest.num_rows
        if pending_rows or rows == 0:
            writer.write_table(
                pa.Table.from_batches(pending, schema=schema), row_group_size=ROW_GROUP_ROWS
            )
    return rows


def snapshot(
    engine: Engine,
    metadata: MetaData,
    folder: Path,
    *,
    tables: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[TableSnapshot]:
    """Write every table of ``metadata`` (or those named) to ``folder/<table>.parquet``.

    Tables marked ``Table.info["release"] = False`` (users, password and token digests, login
    attempts, approvals, the audit log) are never written, even when named: a release is
    published, and those records are not statistics.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(tables) if tables is not None else None
    chosen = [
        t
        for t in metadata.sorted_tables
        if (wanted is None or t.name in wanted) and t.info.get("release") is not False
    ]
    chosen.sort(key=lambda t: t.name)
    out: list[TableSnapshot] = []
    for n, table in enumerate(chosen, start=1):
        path = folder / f"{table.name}.parquet"
        rows = write_table_parquet(engine, table, path)
        out.append(TableSnapshot(table.name, path, rows, sha256_of(path)))
        if progress:
            progress("snapshot", n, len(chosen))
    return out


__all__ = [
    "BATCH_ROWS",
    "ROW_GROUP_ROWS",
    "TableSnapshot",
    "arrow_type",
    "iter_batches",
    "read_table",
    "sha256_of",
    "snapshot",
    "write_parquet",
    "write_table_parquet",
]
