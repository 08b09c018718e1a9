"""The ``db_url``/``sqlite_url`` fixtures give each test a fresh, migrated database on each backend."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from kechuang.migrations import current_revision, head_revision
from kechuang.storage.db import get_engine

EXPECTED_TABLES = {"enterprise", "change_history", "alembic_version"}


def _insert_history_row(url: str, record_key: str) -> None:
    with get_engine(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO change_history"
                " (table_name, record_id, record_key, action, changes, actor, changed_at)"
                " VALUES ('enterprise', 1, :key, 'create', '{}', 'test', CURRENT_TIMESTAMP)"
            ),
            {"key": record_key},
        )


def _count(url: str, table: str) -> int:
    with get_engine(url).connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_migrated_tables_exist(db_url: str) -> None:
    with get_engine(db_url).connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert tables >= EXPECTED_TABLES


def test_schema_is_at_head(db_url: str) -> None:
    assert head_revision() is not None
    assert current_revision(db_url) == head_revision()


@pytest.mark.parametrize("key", ["first", "second"])
def test_each_test_starts_empty(db_url: str, key: str) -> None:
    # both parametrisations insert; each must still find the table empty first
    assert _count(db_url, "change_history") == 0
    assert _count(db_url, "enterprise") == 0
    _insert_history_row(db_url, key)
    assert _count(db_url, "change_history") == 1


def test_database_url_env_points_at_the_test_database(db_url: str) -> None:
    assert os.environ["KECHUANG_DATABASE_URL"] == db_url
    # the default engine (no explicit URL) is the test database
    assert get_engine().url.render_as_string(hide_password=False) == db_url


def test_backend_matches_parameter(db_url: str, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params["db_url"]
    dialect = get_engine(db_url).dialect.name
    assert make_url(db_url).get_backend_name() == backend
    assert dialect == backend
    if backend == "postgresql":
        with get_engine(db_url).connect() as connection:
            version = connection.execute(text("SELECT version()")).scalar_one()
        assert str(version).startswith("PostgreSQL")


def test_kechuang_home_is_isolated(tmp_path: object) -> None:
    home = os.environ["KECHUANG_HOME"]
    assert home.startswith(str(tmp_path))
    assert ".local/share" not in home


def test_sqlite_url_fixture(sqlite_url: str) -> None:
    assert make_url(sqlite_url).get_backend_name() == "sqlite"
    assert current_revision(sqlite_url) == head_revision()
    assert _count(sqlite_url, "change_history") == 0
    _insert_history_row(sqlite_url, "only")
    assert _count(sqlite_url, "change_history") == 1
