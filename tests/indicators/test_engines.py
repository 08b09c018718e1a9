"""The same release gives identical figures on DuckDB, SQLite, PostgreSQL and Spark; a snapshot
taken from PostgreSQL gives the same figures as one taken from SQLite."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kechuang.indicators.releases import create_release, open_release, value_to_dict, verify_release
from kechuang.storage.db import reset_engines, unit_of_work
from tests.indicators import dataset
from tests.indicators.conftest import Built


def _figures(release_id: str, root: Path) -> list[dict[str, Any]]:
    return [value_to_dict(v) for v in open_release(release_id, root).values()]


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    pg = request.getfixturevalue("_pg_template")
    name = pg.clone()
    try:
        yield pg.server.url(name)
    finally:
        reset_engines()
        pg.drop(name)


def test_sqlite_engine_reproduces_the_duckdb_release(built: Built) -> None:
    res = verify_release(built.release_id, root=built.root, engine="sqlite")
    assert res.engine == "sqlite"
    assert res.mismatches == []
    assert res.ok


@pytest.mark.postgres
def test_postgres_engine_reproduces_the_duckdb_release(built: Built, pg_url: str) -> None:
    res = verify_release(built.release_id, root=built.root, engine="postgres", url=pg_url)
    assert res.mismatches == []
    assert res.ok


@pytest.mark.postgres
def test_snapshot_from_postgresql_gives_the_same_figures(
    built: Built, pg_url: str, tmp_path: Path
) -> None:
    with unit_of_work(pg_url) as session:
        dataset.build(session)
    m = create_release(url=pg_url, year=2023, root=tmp_path, engine="postgres")
    assert _figures(m.release_id, tmp_path) == _figures(built.release_id, built.root)
    assert m.row_counts == open_release(built.release_id, built.root).manifest.row_counts


SPARK_NOISE = (
    # pyspark 4.0's toPandas() and ibis' pandas conversion use options pandas 3 deprecates
    "ignore:The copy keyword is deprecated:DeprecationWarning",
    "ignore:The 'future.infer_string' option is deprecated:DeprecationWarning",
    # py4j leaves its gateway sockets to the garbage collector
    "ignore:unclosed <socket.socket:ResourceWarning",
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning",
)


@pytest.mark.slow
@pytest.mark.filterwarnings(*SPARK_NOISE)
def test_spark_engine_reproduces_the_duckdb_release(built: Built) -> None:
    from pyspark.sql import SparkSession

    try:
        res = verify_release(built.release_id, root=built.root, engine="spark")
    finally:
        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        gc.collect()  # py4j's sockets go now, under the filters of this test
    assert res.mismatches == []
    assert res.ok
