"""The same screening on every engine: DuckDB, SQLite, PostgreSQL and Spark agree.

For every standard in the catalogue, about 500 generated profiles (seeded: the same profiles on
every run) are screened with :func:`engine.screen_rows` on each engine, and every output column
(outcome, route, score, score_high, each ``<criterion>__passed`` / ``__points``) must equal
DuckDB's for every subject. DuckDB itself is checked against the one-by-one Python evaluation.

Profiles mix generic values from each :class:`FieldSpec` (edges, unknowns, amounts up to 10^13
fen) with the plausible ranges of ``test_properties.HINTS``.

SQLite has no exact wide integer type: Ibis casts the products of two amounts in the growth test
(``GrowthAtLeast``: ``b·b + c·a`` against ``2·a·b·(q + p)``) to DECIMAL(38, 0), which SQLite
computes as REAL (a double). See :func:`test_sqlite_growth_on_a_boundary_with_huge_amounts`
and the ``SQLITE_MONEY_MAX`` note below. DuckDB, PostgreSQL and Spark are compared at full
magnitude.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import uuid
import warnings
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import create_engine, pool, text

from kechuang.standards import catalog
from kechuang.standards import expr as ex
from kechuang.standards.engine import Standard, screen_rows
from kechuang.standards.engines import connect, load_table
from tests.standards.test_properties import (
    AS_OF,
    DATE_OFFSETS,
    GROWTH_RATES,
    HINTS,
    HUGE,
    INT_EDGES,
    MONEY_EDGES,
    MONEY_UNITS,
    assert_batch_equals_single,
    growth_series,
)

# ibis 12 calls DuckDB 2.0's deprecated fetch_arrow_table(); both are pinned in constraints.txt.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
)

PROFILES = 500
SPARK_PROFILES = 200
SQLITE_MONEY_MAX = 10**7
"""Largest amount (fen) generated for the SQLite comparison of standards with a growth test.

SQLite has no exact wide type: Ibis' DECIMAL(38, 0) becomes ``REAL`` there, so the growth test's
products of two amounts (``(b·b + c·a)·q`` against ``2·a·b·(q + p)``) are doubles, exact only
below 2^53 ≈ 9·10^15. Above that, a growth rate that sits exactly on a band boundary can be
misjudged (pinned by :func:`test_sqlite_growth_on_a_boundary_with_huge_amounts`; with 2,000
generated high_tech profiles, amounts up to 10^9 fen already gave 8 subjects whose growth points
differ from DuckDB's, 10^13 fen gave 15). With amounts
up to 10^7 fen (10万元) and the shipped thresholds (q + p ≤ 27), every product stays exact.
Standards without a growth test are compared on SQLite at full magnitude, and DuckDB,
PostgreSQL and Spark are always compared on amounts up to 10^13 fen."""

STANDARDS = [pytest.param(s, id=s.key) for s in catalog.all_standards()]


# ---------------------------------------------------------------------------- profiles


def _generic(kind: str, rng: random.Random, money_max: int) -> Any:
    if rng.random() < 0.12:
        return None
    pick = rng.random()
    if kind in ("int", "int_list"):
        if pick < 0.35:
            return rng.choice(INT_EDGES)
        if pick < 0.8:
            return rng.randint(0, 200)
        return rng.randint(-5, 100_000)
    if kind in ("money", "money_list"):
        if pick < 0.25:
            return rng.choice([m for m in MONEY_EDGES if abs(m) <= money_max])
        if pick < 0.65:
            units = [u for u in MONEY_UNITS if u * 120 <= money_max] or [1]
            return rng.randint(0, 120) * rng.choice(units)
        if pick < 0.95:
            return rng.randint(0, money_max)
        return -rng.randint(1, min(10**9, money_max))
    if kind == "bool":
        return pick < 0.5
    if kind == "date":
        if pick < 0.5:
            return AS_OF - dt.timedelta(days=rng.choice(DATE_OFFSETS))
        return dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 11_322))
    raise AssertionError(f"no generator for field kind {kind!r}")


def _scale(value: Any, money_max: int) -> Any:
    """A hinted amount scaled into ``0 … money_max`` (keeps grid ratios exact)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > money_max:
        return value // (100 * 10**4 * 100) * max(1, money_max // 300)
    return value


def profiles(standard: Standard, n: int, *, seed: int = 2024, money_max: int = HUGE) -> list[dict]:
    """``n`` seeded converted profile rows: half generic, half plausible (where hints exist).

    A list of amounts is, one time in three, an exact growth series at a band edge (optionally
    one fen beside it), as in the property tests.
    """
    rng = random.Random(f"{standard.key}:{seed}:{money_max}")
    hints = HINTS.get(standard.key, {})
    rows = []
    for i in range(n):
        plausible = i % 2 == 1
        row: dict[str, Any] = {"id": f"s{i:04d}"}
        for spec in standard.fields:
            cols = spec.columns()
            if plausible and all(c in hints for c in cols):
                values = [rng.choice(hints[c]) for c in cols]
                if spec.kind.startswith("money"):
                    values = [_scale(v, money_max) for v in values]
            elif spec.kind == "money_list" and rng.random() < 1 / 3:
                values = list(
                    growth_series(
                        rng.choice(GROWTH_RATES),
                        rng.randint(1, max(1, money_max // 1_000)),
                        rng.choice(["three", "three", "two", "zero"]),
                        rng.choice([0, 0, -1, 1]),
                    )
                )
            else:
                values = [_generic(spec.kind, rng, money_max) for _ in cols]
            row.update(zip(cols, values, strict=True))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- comparison


def assert_same(
    standard: Standard, engine: str, want: list[dict[str, Any]], got: list[dict[str, Any]]
) -> None:
    """``got`` (from ``engine``) equals DuckDB's ``want``, subject by subject, column by column."""
    assert [r["id"] for r in got] == [r["id"] for r in want]
    diffs = []
    for w, g in zip(want, got, strict=True):
        assert set(g) == set(w), f"{engine}: columns differ {set(g) ^ set(w)}"
        cols = {k: (w[k], g[k]) for k in w if w[k] != g[k] or type(w[k]) is not type(g[k])}
        if cols:
            diffs.append((w["id"], cols))
    assert not diffs, (
        f"{standard.key}: {engine} differs from DuckDB on {len(diffs)} of {len(want)} subjects "
        f"(duckdb, {engine}): {diffs[:5]}"
    )


def _duckdb(standard: Standard, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    con = connect("duckdb")
    try:
        result = screen_rows(standard, rows, as_of=AS_OF, connection=con)
    finally:
        con.disconnect()
    assert_batch_equals_single(standard, rows, result)
    return result


def test_profiles_are_seeded_and_varied() -> None:
    standard = catalog.get("tech_sme")
    assert profiles(standard, 50) == profiles(standard, 50)
    rows = profiles(standard, PROFILES)
    for col in standard.columns():
        values = [r[col] for r in rows]
        assert None in values, col
        assert len({v for v in values if v is not None}) >= 2, col


def test_the_sample_reaches_every_outcome() -> None:
    for key in ("tech_sme", "high_tech"):
        if key not in catalog.MODULES:
            continue
        standard = catalog.get(key)
        result = _duckdb(standard, profiles(standard, PROFILES))
        outcomes = {r["outcome"] for r in result}
        assert outcomes == {"qualified", "not_qualified", "undetermined"}, (key, outcomes)


# ---------------------------------------------------------------------------- SQLite


def _uses_growth(standard: Standard) -> bool:
    """True when any expression of ``standard`` contains a :class:`expr.GrowthAtLeast`."""

    def walk(node: Any) -> bool:
        if isinstance(node, ex.GrowthAtLeast):
            return True
        if isinstance(node, ex.Expr):
            return any(walk(v) for v in vars(node).values())
        if isinstance(node, tuple | list):
            return any(walk(v) for v in node)
        return False

    exprs = [standard.qualified, standard.direct, standard.score, standard.score_high]
    for c in standard.criteria:
        exprs += [c.passed, c.points, c.points_high]
    return any(walk(e) for e in exprs if e is not None)


@pytest.mark.parametrize("standard", STANDARDS)
def test_sqlite_matches_duckdb(standard: Standard) -> None:
    money_max = SQLITE_MONEY_MAX if _uses_growth(standard) else HUGE
    rows = profiles(standard, PROFILES, money_max=money_max)
    want = _duckdb(standard, rows)
    con = connect("sqlite")
    try:
        got = screen_rows(standard, rows, as_of=AS_OF, connection=con)
    finally:
        con.disconnect()
    assert_same(standard, "sqlite", want, got)


def _growth_on(engine: str, rows: list[tuple[int | None, int, int]]) -> list[bool | None]:
    """``GrowthAtLeast(a, b, c, 10%)`` for ``rows`` on ``engine``."""
    node = ex.GrowthAtLeast(ex.F("a"), ex.F("b"), ex.F("c"), ex.P("ten"))
    con = connect(engine)
    try:
        t = con.create_table("growth", _growth_table(rows), overwrite=True)
        expr = t.select("rid", v=ex.to_ibis(node, t, _ten)).order_by("rid")
        return list(con.to_pyarrow(expr).column("v").to_pylist())
    finally:
        con.disconnect()


def _growth_table(rows: list[tuple[int | None, int, int]]) -> pa.Table:
    return pa.table(
        {
            "rid": pa.array(range(len(rows)), pa.int64()),
            **{k: pa.array([r[i] for r in rows], pa.int64()) for i, k in enumerate("abc")},
        }
    )


def _ten(key: str) -> Fraction:
    return Fraction(1, 10)


def _boundary(scale: int) -> list[tuple[int | None, int, int]]:
    """Growth of exactly 10% (and 1 fen either side), three-year and two-year, at ``scale``."""
    a, b, c = 100 * scale, 110 * scale, 121 * scale
    return [
        (a, b, c),
        (a, b, c - 1),
        (a, b, c + 1),
        (None, b, b + b // 10),
        (None, b, b + b // 10 - 1),
    ]


def test_sqlite_growth_is_exact_up_to_the_compared_magnitude() -> None:
    scale = SQLITE_MONEY_MAX // 121
    rows = _boundary(scale)
    want = [
        ex.evaluate(
            ex.GrowthAtLeast(ex.F("a"), ex.F("b"), ex.F("c"), ex.P("ten")),
            dict(zip("abc", r, strict=True)),
            _ten,
        )
        for r in rows
    ]
    assert want == [True, False, True, True, False]
    assert _growth_on("duckdb", rows) == want
    assert _growth_on("sqlite", rows) == want


@pytest.mark.xfail(
    reason="SQLite has no exact wide integers: DECIMAL(38, 0) is REAL there, so products of "
    "two amounts above ~2^53 are rounded and a growth of exactly 10% at 10^13 fen reads as "
    "below 10%. If this passes, SQLite got exact; raise SQLITE_MONEY_MAX.",
    strict=True,
)
def test_sqlite_growth_on_a_boundary_with_huge_amounts() -> None:
    assert _growth_on("sqlite", _boundary(10**11)) == [True, False, True, True, False]


def test_duckdb_growth_on_a_boundary_with_huge_amounts() -> None:
    assert _growth_on("duckdb", _boundary(10**11)) == [True, False, True, True, False]


# ---------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg_database(pg_server: Any) -> Iterator[str]:
    """A throwaway database on the session's PostgreSQL server (its ``postgresql+psycopg`` URL)."""
    name = f"kc_screen_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        pg_server.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
    )
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        yield pg_server.url(name)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("standard", STANDARDS)
def test_postgres_matches_duckdb(
    standard: Standard, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # engines.connect("postgres") reads KECHUANG_ANALYTICS_URL and converts the
    # postgresql+psycopg:// scheme. The connection is opened here, not by screen_rows(engine=…),
    # because screen_rows never closes a connection it opens (see the xfail below).
    monkeypatch.setenv("KECHUANG_ANALYTICS_URL", pg_database)
    rows = profiles(standard, PROFILES)
    want = _duckdb(standard, rows)
    con = connect("postgres")
    try:
        got = screen_rows(standard, rows, as_of=AS_OF, engine="postgres", connection=con)
    finally:
        con.disconnect()
    assert_same(standard, "postgres", want, got)


@pytest.mark.postgres
def test_postgres_growth_on_a_boundary_with_huge_amounts(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KECHUANG_ANALYTICS_URL", pg_database)
    assert _growth_on("postgres", _boundary(10**11)) == [True, False, True, True, False]


@pytest.mark.postgres
def test_screen_rows_closes_the_connection_it_opens(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KECHUANG_ANALYTICS_URL", pg_database)
    standard = catalog.get("tech_sme")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        screen_rows(standard, profiles(standard, 5), as_of=AS_OF, engine="postgres")
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not leaks, leaks


# ---------------------------------------------------------------------------- Spark


SPARK_NOISE = (
    # pyspark 4.0's toPandas() and ibis' pandas conversion use options pandas 3 deprecates
    "ignore:The copy keyword is deprecated:DeprecationWarning",
    "ignore:The 'future.infer_string' option is deprecated:DeprecationWarning",
    # py4j leaves its gateway sockets to the garbage collector
    "ignore:unclosed <socket.socket:ResourceWarning",
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning",
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the module (starting one takes about 10 s)."""
    con = connect("spark")
    try:
        yield con
    finally:
        con._session.stop()
        gc.collect()  # py4j's sockets go now, under the filters of the Spark test


@pytest.mark.slow
@pytest.mark.filterwarnings(*SPARK_NOISE)
def test_spark_matches_duckdb(spark: Any) -> None:
    for standard in catalog.all_standards():
        rows = profiles(standard, SPARK_PROFILES, seed=7)
        want = _duckdb(standard, rows)
        got = screen_rows(standard, rows, as_of=AS_OF, connection=spark)
        assert_same(standard, "spark", want, got)
    assert _growth_on_spark(spark, _boundary(10**11)) == [True, False, True, True, False]


def _growth_on_spark(spark: Any, rows: list[tuple[int | None, int, int]]) -> list[bool | None]:
    node = ex.GrowthAtLeast(ex.F("a"), ex.F("b"), ex.F("c"), ex.P("ten"))
    t = load_table(spark, "growth", _growth_table(rows))
    expr = t.select("rid", v=ex.to_ibis(node, t, _ten)).order_by("rid")
    return list(spark.to_pyarrow(expr).column("v").to_pylist())
