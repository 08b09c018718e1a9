"""Logical tables of a release, loaded on an Ibis backend.

A release's snapshot is a folder of Parquet files (one per operational table). :class:`Tables`
loads the ones an expression asks for onto the chosen engine — DuckDB (default), SQLite,
PostgreSQL or Spark — and hands back Ibis tables. Every decimal column arrives as an exact
``int64`` **scaled by 10^scale** (money in fen, ``external_statistic.value`` in 10⁻⁴), so sums are
integer sums on every engine (SQLite has no decimal type) and nothing is ever a float.
Timestamp columns (``created_at``, ``updated_at``, ``recorded_at``) are left out: no indicator
reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.standards import engines as std_engines

ENGINES = std_engines.ENGINES


@dataclass(frozen=True, slots=True)
class Period:
    """The period an indicator is computed for: a calendar year and its last day."""

    year: int

    @property
    def start(self) -> dt.date:
        """1 January of the year."""
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """31 December of the year (the "year end" of the definitions)."""
        return dt.date(self.year, 12, 31)

    def previous(self) -> Period:
        """The year before."""
        return Period(self.year - 1)


def to_scaled_ints(arrow: Any) -> tuple[Any, dict[str, int]]:
    """``arrow`` with decimal columns as ``int64`` × 10^scale and timestamps dropped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scales: dict[str, int] = {}
    names, arrays = [], []
    for field, column in zip(arrow.schema, arrow.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            continue
        if pa.types.is_decimal(field.type):
            scale = field.type.scale
            factor = pa.scalar(Decimal(10) ** scale, pa.decimal128(scale + 1, 0))
            column = pc.multiply(column, factor).cast(pa.int64())
            scales[field.name] = scale
        names.append(field.name)
        arrays.append(column)
    return pa.table(arrays, names=names), scales


class Tables:
    """The snapshot tables of one release folder, loaded lazily on one Ibis connection.

    Args:
        folder: the folder holding ``<table>.parquet`` files.
        engine: ``duckdb``, ``sqlite``, ``postgres`` or ``spark``.
        url: for ``postgres``, the analytics database URL (else ``KECHUANG_ANALYTICS_URL`` /
            ``KECHUANG_DATABASE_URL``).
    """

    def __init__(self, folder: Path, engine: str = "duckdb", *, url: str | None = None) -> None:
        if engine not in ENGINES:
            raise KechuangError(
                Msg(
                    f"未知引擎：{engine}（可选 {', '.join(ENGINES)}）",
                    f"unknown engine: {engine} (choose {', '.join(ENGINES)})",
                ),
                code="engine.unknown",
            )
        self.folder = folder
        self.engine = engine
        self.con = std_engines.connect(engine, url=url)
        self._tables: dict[str, Any] = {}
        self._cache: dict[Any, Any] = {}
        self.scales: dict[str, dict[str, int]] = {}
        self._prefix = f"kc_{id(self):x}_"
        self._n = 0
        self.params_on: dt.date | None = None
        """Date the standards' parameters are resolved for (the release year's end, so that the
        previous year is computed under the same definitions); ``None``: each period's own date."""
        self.report_dates: tuple[dt.date, ...] = ()
        """Dates the computation will ask the shared building blocks for (both year ends of a
        release), so that a block can compute them in one pass (see
        :func:`kechuang.indicators.expressions.enterprise_balances`); empty: one date at a time."""

    def arrow(self, name: str) -> Any:
        """The raw snapshot table ``name`` as Arrow (declared types, decimals exact)."""
        import pyarrow.parquet as pq

        path = self.folder / f"{name}.parquet"
        if not path.exists():
            raise KechuangError(
                Msg(f"发布快照中没有表 {name}", f"the release snapshot has no table {name}"),
                code="release.no_table",
            )
        return pq.read_table(path)

    def __getitem__(self, name: str) -> Any:
        table = self._tables.get(name)
        if table is None and self.engine in ("duckdb", "spark"):
            table = self._scan_parquet(name)
            self._tables[name] = table
        if table is None:
            arrow, scales = to_scaled_ints(self.arrow(name))
            self.scales[name] = scales
            table = std_engines.load_table(self.con, f"{self._prefix}{name}", arrow)
            self._tables[name] = table
        return table

    def _scan_parquet(self, name: str) -> Any:
        """DuckDB and Spark scan the release's Parquet file themselves (no copy through Python; a
        Spark cluster reads it from the release folder, which must then be on shared storage):
        decimals become scaled ``int64`` exactly as in :func:`to_scaled_ints`, timestamps are left
        out."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.folder / f"{name}.parquet"
        if not path.exists():
            self.arrow(name)  # raises the bilingual error
        schema = pq.read_schema(path)
        raw = self.con.read_parquet(str(path), table_name=f"{self._prefix}{name}")
        cols: dict[str, Any] = {}
        scales: dict[str, int] = {}
        for field in schema:
            if pa.types.is_timestamp(field.type):
                continue
            if pa.types.is_decimal(field.type):
                scale = field.type.scale
                scales[field.name] = scale
                col = raw[field.name]
                if self.engine == "duckdb" and field.type.precision > 18:
                    # DECIMAL(20, 2) is a 128-bit integer in DuckDB and scaling it costs ~10x the
                    # scan; a checked cast to DECIMAL(18, s) keeps it in 64 bits (a value beyond
                    # 10^(18-s) raises, never wraps — int64 fen could not hold it anyway).
                    col = col.cast(f"decimal(18, {scale})")
                cols[field.name] = (col * 10**scale).cast("int64")
            else:
                cols[field.name] = raw[field.name]
        self.scales[name] = scales
        return raw.select(**cols)

    def load(self, name: str, arrow: Any) -> Any:
        """Load a small derived Arrow table (a lookup) on this connection."""
        self._n += 1
        table_name = f"{self._prefix}{name}_{self._n}"
        if self.engine == "spark":  # a temporary view: nothing written, works on a cluster too
            import pyarrow as pa

            types = {pa.string(): "string", pa.int64(): "bigint", pa.bool_(): "boolean"}
            ddl = ", ".join(f"{f.name} {types[f.type]}" for f in arrow.schema)
            rows = [tuple(r.values()) for r in arrow.to_pylist()]
            self.con._session.createDataFrame(rows, schema=ddl).createOrReplaceTempView(table_name)
            return self.con.table(table_name)
        return std_engines.load_table(self.con, table_name, arrow)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """Cache a derived table (e.g. the sci-tech classification on a date) for this session."""
        if key not in self._cache:
            self._cache[key] = build().cache()
        return self._cache[key]

    def execute(self, expr: Any) -> Any:
        """Run a scalar or table expression on this connection."""
        return self.con.execute(expr)

    def to_arrow(self, expr: Any) -> Any:
        """Run a table expression and return Arrow."""
        return self.con.to_pyarrow(expr)

    def close(self) -> None:
        """Drop the connection (Spark sessions stay for reuse)."""
        for cached in self._cache.values():
            release = getattr(cached, "release", None)
            if release is not None:
                release()
        self._cache.clear()
        if self.engine == "spark":
            return
        disconnect = getattr(self.con, "disconnect", None)
        if disconnect is not None:
            disconnect()


__all__ = ["ENGINES", "Period", "Tables", "to_scaled_ints"]
