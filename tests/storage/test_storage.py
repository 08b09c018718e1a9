"""Storage: exact decimals on both backends, the unit of work, optimistic locking, migrations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm.exc import StaleDataError

import kechuang.credit.models
import kechuang.funds.models
import kechuang.insurance.models
import kechuang.ip.models
import kechuang.registry.models
import kechuang.standards.models  # noqa: F401 - register every table on Base.metadata
from kechuang.registry.models import Enterprise
from kechuang.storage import Base, get_engine, unit_of_work
from kechuang.storage.db import database_url, default_database_path, sqlite_url

A = "91310115MA1H7K2A16"


def _enterprise(**kw: object) -> Enterprise:
    values: dict[str, object] = {
        "uscc": A,
        "name": "上海甲科技有限公司",
        "district_code": "310115",
        "registered_on": dt.date(2020, 1, 1),
    }
    values.update(kw)
    return Enterprise(**values)


def test_money_round_trips_exactly_and_sums_exactly(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        session.add(_enterprise(registered_capital=Decimal("12345678901234.56")))
        session.add(_enterprise(uscc="913101041234567882", registered_capital=Decimal("0.1")))
    with unit_of_work(db_url) as session:
        values = sorted(session.scalars(select(Enterprise.registered_capital)))
        assert values == [Decimal("0.10"), Decimal("12345678901234.56")]
        # SQL-side SUM is exact too (integers of fen on SQLite, NUMERIC on PostgreSQL), and the
        # column type converts the sum back to yuan.
        total = session.scalar(select(func.sum(Enterprise.registered_capital)))
        assert total == Decimal("12345678901234.66")


def test_money_is_quantised_half_up_and_floats_are_refused(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        session.add(_enterprise(registered_capital=Decimal("0.005")))
    with unit_of_work(db_url) as session:
        assert session.scalar(select(Enterprise.registered_capital)) == Decimal("0.01")
    with pytest.raises(Exception, match="float"), unit_of_work(db_url) as session:
        session.add(_enterprise(uscc="913101041234567882", registered_capital=0.1))
        session.flush()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.decimals(
        min_value=Decimal("-99999999999999.99"), max_value=Decimal("99999999999999.99"), places=2
    )
)
def test_any_fen_amount_round_trips(sqlite_url: str, amount: Decimal) -> None:
    with unit_of_work(sqlite_url) as session:
        session.execute(text("DELETE FROM enterprise"))
        session.add(_enterprise(registered_capital=amount))
    with unit_of_work(sqlite_url) as session:
        assert session.scalar(select(Enterprise.registered_capital)) == amount


def test_unit_of_work_rolls_back_everything_on_error(db_url: str) -> None:
    with pytest.raises(RuntimeError), unit_of_work(db_url) as session:
        session.add(_enterprise())
        session.flush()
        raise RuntimeError("boom")
    with unit_of_work(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_unit_of_work_without_commit_is_a_dry_run(db_url: str) -> None:
    with unit_of_work(db_url, commit=False) as session:
        session.add(_enterprise())
    with unit_of_work(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_concurrent_updates_to_one_record_cannot_both_win(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        session.add(_enterprise())
    with pytest.raises(StaleDataError), unit_of_work(db_url) as first:
        a = first.scalars(select(Enterprise)).one()
        with unit_of_work(db_url) as second:
            b = second.scalars(select(Enterprise)).one()
            b.name = "second wins"
        a.name = "first loses"
        first.flush()
    with unit_of_work(db_url) as session:
        ent = session.scalars(select(Enterprise)).one()
        assert (ent.name, ent.version) == ("second wins", 2)


def test_migrations_match_the_models(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_database_location(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("KECHUANG_DATABASE_URL", raising=False)
    monkeypatch.setenv("KECHUANG_HOME", str(tmp_path / "home"))
    assert default_database_path() == tmp_path / "home" / "kechuang.db"
    assert database_url() == sqlite_url(tmp_path / "home" / "kechuang.db")
    monkeypatch.setenv("KECHUANG_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite://") == "sqlite://"
