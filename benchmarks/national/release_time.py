"""Time ``create_release`` on generated data: load an operational SQLite store, then release.

``.venv/bin/python -m national.release_time DATA_DIR [--year 2023]`` (from ``benchmarks/``), or
``bench_indicators.py --release`` — ``DATA_DIR`` is a folder written by ``gen_national``.

1. **Untimed:** a fresh, migrated SQLite database (``kechuang.migrations.upgrade``), filled from
   the generated Parquet with stdlib ``sqlite3`` ``executemany`` in the storage representation of
   the ORM (decimals as scaled integers, dates as ISO text, booleans as 0/1).
2. **Timed:** :func:`kechuang.indicators.releases.create_release` exactly as ``kechuang release
   create`` calls it — snapshot every table to Parquet, compute every indicator, write the release
   — with the snapshot and indicator stages timed separately through the progress callback.
3. **Checked:** the release's figures equal those computed directly on the generated Parquet
   (so the load was faithful and the figures of the benchmark are the figures of a release).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BATCH = 100_000


def _sqlite_columns(batch: Any) -> list[list[Any]]:
    """One Arrow record batch → columns of Python values in the ORM's SQLite representation."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.compute as pc

    out: list[list[Any]] = []
    for field, col in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_decimal(field.type):
            factor = pa.scalar(
                Decimal(10) ** field.type.scale, pa.decimal128(field.type.scale + 1, 0)
            )
            out.append(pc.multiply(col, factor).cast(pa.int64()).to_pylist())
        elif pa.types.is_timestamp(field.type):
            out.append(pc.strftime(col, format="%Y-%m-%d %H:%M:%S").to_pylist())
        elif pa.types.is_date32(field.type):
            out.append(col.cast(pa.string()).to_pylist())
        elif pa.types.is_boolean(field.type):
            out.append(col.cast(pa.int64()).to_pylist())
        else:
            out.append(col.to_pylist())
    return out


def load_sqlite(tables: Path, db: Path, log: Any = None) -> dict[str, int]:
    """Fill the migrated SQLite database ``db`` from ``tables/*.parquet`` (foreign keys off)."""
    import pyarrow.parquet as pq

    from .schema import table_names

    rows: dict[str, int] = {}
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("PRAGMA synchronous=OFF")
        for name in table_names():
            f = pq.ParquetFile(tables / f"{name}.parquet")
            if f.metadata.num_rows == 0:
                continue
            cols = f.schema_arrow.names
            sql = (
                f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                f"VALUES ({', '.join('?' * len(cols))})"
            )
            for batch in f.iter_batches(batch_size=BATCH):
                con.executemany(sql, zip(*_sqlite_columns(batch), strict=True))
            con.commit()
            rows[name] = f.metadata.num_rows
            if log:
                log(f"  loaded {name}: {rows[name]:,}")
    finally:
        con.close()
    return rows


def time_release(data: Path, year: int = 2023, log: Any = None) -> dict[str, Any]:
    """Load, then time ``create_release``; returns timings and the figure check."""
    from kechuang.indicators.compute import compute_values
    from kechuang.indicators.options import Options
    from kechuang.indicators.releases import create_release, open_release
    from kechuang.indicators.tables import Tables
    from kechuang.migrations import upgrade
    from kechuang.storage.db import reset_engines, sqlite_url

    with tempfile.TemporaryDirectory(prefix="kc-release-", dir=data) as tmp:
        work = Path(tmp)
        db = work / "store.db"
        url = sqlite_url(db)
        reset_engines()
        upgrade(url)
        reset_engines()  # release the migration's connection before the raw load
        started = time.perf_counter()
        rows = load_sqlite(data / "tables", db, log)
        load_seconds = time.perf_counter() - started

        marks: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            marks.setdefault(f"{stage}_first", time.perf_counter())
            marks[f"{stage}_last"] = time.perf_counter()

        start = time.perf_counter()
        manifest = create_release(
            url=url, year=year, root=work / "releases", synthetic=True, progress=progress
        )
        total = time.perf_counter() - start
        snapshot_seconds = marks.get("snapshot_last", start) - start
        indicators_seconds = marks.get("indicators_last", start) - marks.get("snapshot_last", start)
        release = open_release(manifest.release_id, root=work / "releases")
        stored = {v.key: (v.value, v.previous, v.yoy) for v in release.values()}
        t = Tables(data / "tables", "duckdb")
        try:
            direct = {
                v.key: (v.value, v.previous, v.yoy) for v in compute_values(t, year, Options())
            }
        finally:
            t.close()
        reset_engines()
        from .workers import _peak_bytes

        return {
            "peak_rss_bytes_incl_load": _peak_bytes(),
            "rows": rows,
            "db_bytes": db.stat().st_size,
            "load_seconds_untimed": load_seconds,
            "create_release_seconds": total,
            "snapshot_seconds": snapshot_seconds,
            "indicators_seconds": indicators_seconds,
            "write_seconds": total - snapshot_seconds - indicators_seconds,
            "release_tables": sorted(manifest.row_counts),
            "figures_match_parquet": stored == direct,
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="national.release_time", description=__doc__.split("\n")[0]
    )
    parser.add_argument("data", type=Path, help="folder written by gen_national (has tables/)")
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args(argv)
    result = time_release(args.data, args.year, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2))
    return 0 if result["figures_match_parquet"] else 1


if __name__ == "__main__":
    sys.exit(main())
