"""Ibis connections for batch work: DuckDB (default), SQLite, PostgreSQL, Spark.

DuckDB runs in-process and needs nothing else. SQLite uses an in-memory database. PostgreSQL
uses ``KECHUANG_ANALYTICS_URL`` or ``KECHUANG_DATABASE_URL`` (a ``postgresql://`` URL). Spark
needs the optional extra ``kechuang[spark]`` and Java; ``KECHUANG_SPARK_MASTER`` picks the master
(default ``local[2]``).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg

ENGINES = ("duckdb", "sqlite", "postgres", "spark")


def _pg_url(url: str | None) -> str:
    raw = (
        url
        or os.environ.get("KECHUANG_ANALYTICS_URL")
        or os.environ.get("KECHUANG_DATABASE_URL")
        or ""
    )
    if not raw.startswith("postgresql"):
        raise KechuangError(
            Msg(
                "postgres 引擎需要 KECHUANG_ANALYTICS_URL 或 KECHUANG_DATABASE_URL 指向 PostgreSQL",
                "the postgres engine needs KECHUANG_ANALYTICS_URL or KECHUANG_DATABASE_URL pointing at PostgreSQL",
            ),
            code="engine.unavailable",
        )
    return raw.replace("postgresql+psycopg://", "postgres://").replace(
        "postgresql://", "postgres://"
    )


def connect(engine: str = "duckdb", *, url: str | None = None) -> Any:
    """An Ibis backend connection for ``engine``."""
    import ibis

    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "sqlite":
        return ibis.sqlite.connect()
    if engine == "postgres":
        return ibis.connect(_pg_url(url))
    if engine == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise KechuangError(
                Msg(
                    "spark 引擎需要安装 kechuang[spark]（PySpark 4.0）和 Java 17",
                    "the spark engine needs kechuang[spark] (PySpark 4.0) and Java 17",
                ),
                code="engine.unavailable",
            ) from exc
        master = os.environ.get("KECHUANG_SPARK_MASTER", "local[2]")
        scratch = tempfile.mkdtemp(prefix="kechuang-spark-")
        session = (
            SparkSession.builder.master(master)
            .appName("kechuang")
            .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise KechuangError(
        Msg(
            f"未知引擎：{engine}（可选 {', '.join(ENGINES)}）",
            f"unknown engine: {engine} (choose {', '.join(ENGINES)})",
        ),
        code="engine.unknown",
    )


def load_table(con: Any, name: str, arrow: Any) -> Any:
    """Register an Arrow table as ``name`` on ``con`` and return the Ibis table.

    Spark reads it from a temporary Parquet file (no managed tables in the working directory);
    the other engines create a table from Arrow directly.
    """
    if getattr(con, "name", "") == "pyspark":
        import pyarrow.parquet as pq

        folder = tempfile.mkdtemp(prefix="kechuang-profiles-")
        path = os.path.join(folder, f"{name}.parquet")
        pq.write_table(arrow, path)
        return con.read_parquet(path, table_name=name)
    if getattr(con, "name", "") == "postgres":
        # A temporary table: the analytics database may be the operational store itself.
        return con.create_table(name, arrow, temp=True, overwrite=True)
    return con.create_table(name, arrow, overwrite=True)
