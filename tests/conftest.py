"""Shared fixtures: isolated ``KECHUANG_HOME``, fresh migrated databases, no silent skips.

Database fixtures
-----------------
``db_url``
    Parametrised ``[sqlite]`` and ``[postgresql]`` (the latter marked ``postgres``): the URL of a
    fresh, fully migrated database of its own for each test.  ``KECHUANG_DATABASE_URL`` points
    at it for the duration of the test, so in-process CLI calls use it too.
``sqlite_url``
    The same, SQLite only.
``pg_server``
    The session's PostgreSQL server (see ``tests/support/pgcluster.py``).

Both backends migrate a *template* once per session (per xdist worker) and copy it per test: a
file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL.

Services in CI
--------------
When ``CI`` is truthy or ``KECHUANG_REQUIRE_SERVICES=1``, missing PostgreSQL binaries fail the
tests instead of skipping them; when ``CI`` is truthy or ``KECHUANG_NO_SKIP=1``, every skipped
test is reported as a failure (xfail/xpass are left alone).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, pool, text

from kechuang.migrations import upgrade
from kechuang.storage import db as storage_db
from kechuang.storage.db import reset_engines
from tests.support import pgcluster

_FALSY = {"", "0", "false", "no", "off", "n", "f"}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in _FALSY


def services_required() -> bool:
    """Missing services must fail, not skip (CI, or ``KECHUANG_REQUIRE_SERVICES=1``)."""
    return _truthy("CI") or os.environ.get("KECHUANG_REQUIRE_SERVICES", "").strip() == "1"


def skips_forbidden() -> bool:
    """Skipped tests count as failures (CI, or ``KECHUANG_NO_SKIP=1``)."""
    return _truthy("CI") or os.environ.get("KECHUANG_NO_SKIP", "").strip() == "1"


# ----------------------------------------------------------------------------- no silent skips


def _skip_reason(longrepr: Any) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, message = longrepr
        return f"{message} ({path}:{lineno})"
    return str(longrepr)


def _no_skips_message(longrepr: Any) -> str:
    return (
        "skipped, but skips are failures when CI is set or KECHUANG_NO_SKIP=1 "
        f"-- skip reason: {_skip_reason(longrepr)}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and skips_forbidden():
        report.outcome = "failed"
        report.longrepr = _no_skips_message(report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    # module-level pytest.skip(allow_module_level=True) / pytest.importorskip(...)
    outcome = yield
    report = outcome.get_result()
    if report.skipped and skips_forbidden():
        report.outcome = "failed"
        report.longrepr = _no_skips_message(report.longrepr)


# ----------------------------------------------------------------------------- isolation


@pytest.fixture(autouse=True)
def _kechuang_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own ``KECHUANG_HOME``; no test touches ``~/.local/share``."""
    home = tmp_path / "kechuang-home"
    home.mkdir()
    monkeypatch.setenv("KECHUANG_HOME", str(home))
    monkeypatch.delenv("KECHUANG_DATABASE_URL", raising=False)
    yield home
    reset_engines()  # whatever the test opened (default database included) is closed


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgcluster.ExternalServer | pgcluster.PgCluster]:
    """The session's PostgreSQL server: ``KECHUANG_TEST_PG_URL`` or a throwaway cluster."""
    try:
        server = pgcluster.start()
    except pgcluster.PostgresUnavailable as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:  # outside the except block: no chained traceback in the report
        if services_required():
            pytest.fail(
                f"PostgreSQL is required (CI / KECHUANG_REQUIRE_SERVICES=1): {missing}",
                pytrace=False,
            )
        pytest.skip(f"PostgreSQL not available: {missing}")
    try:
        yield server
    finally:
        server.stop()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _PgTemplate:
    """A migrated template database and an AUTOCOMMIT admin engine to clone it with."""

    def __init__(self, server: pgcluster.ExternalServer | pgcluster.PgCluster) -> None:
        self.server = server
        # a shared external server may run several sessions/workers at once: unique names there
        self.name = f"kc_template_{uuid.uuid4().hex[:12]}" if server.external else "kc_template"
        self.admin: Engine = create_engine(
            server.admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
        )

    def execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def build(self) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {_quote_ident(self.name)} WITH (FORCE)")
        self.execute(f"CREATE DATABASE {_quote_ident(self.name)}")
        upgrade(self.server.url(self.name))
        reset_engines()  # CREATE DATABASE … TEMPLATE needs the template to have no sessions

    def clone(self) -> str:
        name = f"kc_{uuid.uuid4().hex}"
        self.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE {_quote_ident(self.name)}")
        return name

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    def close(self) -> None:
        try:
            self.drop(self.name)
        finally:
            self.admin.dispose()


@pytest.fixture(scope="session")
def _pg_template(
    pg_server: pgcluster.ExternalServer | pgcluster.PgCluster,
) -> Iterator[_PgTemplate]:
    template = _PgTemplate(pg_server)
    try:
        template.build()
        yield template
    finally:
        template.close()


# ----------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "kechuang.db"
    upgrade(storage_db.sqlite_url(path))
    reset_engines()  # closing the last connection checkpoints the WAL into the main file
    return path


def _copy_sqlite(template: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    for suffix in ("-wal", "-shm"):  # normally gone after the checkpoint; copy if not
        sidecar = template.with_name(template.name + suffix)
        if sidecar.exists():
            shutil.copyfile(sidecar, target.with_name(target.name + suffix))


# ----------------------------------------------------------------------------- per-test databases


def _fresh_database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "db" / "kechuang.db"
        _copy_sqlite(template, target)
        url = storage_db.sqlite_url(target)
        monkeypatch.setenv("KECHUANG_DATABASE_URL", url)
        try:
            yield url
        finally:
            reset_engines()
    elif backend == "postgresql":
        pg: _PgTemplate = request.getfixturevalue("_pg_template")
        name = pg.clone()
        url = pg.server.url(name)
        monkeypatch.setenv("KECHUANG_DATABASE_URL", url)
        try:
            yield url
        finally:
            reset_engines()
            pg.drop(name)
    else:  # pragma: no cover - guarded by the params below
        raise ValueError(f"unknown database backend {backend!r}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """URL of a fresh, migrated database; runs each test on SQLite and on PostgreSQL."""
    yield from _fresh_database(request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def sqlite_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """URL of a fresh, migrated SQLite database (for tests that need only one backend)."""
    yield from _fresh_database("sqlite", request, tmp_path, monkeypatch)
