"""The expression language: Python evaluator, Ibis compiler and SQL agree.

* A property test: random small boolean expression trees give, on every combination of inputs
  (true / false / unknown booleans, small integers and unknowns), the same answer in
  :func:`expr.evaluate` (Python, one row), :func:`expr.to_ibis` run on DuckDB, and plain SQL
  written by hand for DuckDB: Kleene logic is SQL's three-valued logic.
* Hand-checked cases of every node with edge semantics (ratio boundaries, inclusive band
  bounds, the growth formulas, ``Greatest`` with unknowns, ``Case`` skipping unknown conditions,
  ``DaysBetween``), each run through **both** evaluators.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.standards import expr as ex
from kechuang.standards.expr import (
    And,
    Arith,
    Bands,
    Case,
    Cmp,
    Coalesce,
    CountBands,
    DaysBetween,
    Expr,
    F,
    Greatest,
    GrowthAtLeast,
    IsNull,
    Lit,
    Not,
    Null,
    Or,
    P,
    RatioAtLeast,
)

# ibis 12 calls DuckDB 2.0's deprecated fetch_arrow_table(); both are pinned in constraints.txt.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
)

PARAMS: dict[str, Any] = {
    "pct5": Fraction(5, 100),
    "pct10": Fraction(1, 10),
    "zero": Fraction(0),
    "third": Fraction(1, 3),
    "limit": 500,
    "flag": True,
    "bands": [
        (Fraction(30, 100), 20),
        (Fraction(25, 100), 16),
        (Fraction(20, 100), 12),
        (Fraction(15, 100), 8),
        (Fraction(10, 100), 4),
    ],
    "count_bands": [(4, 24), (3, 18), (2, 12), (1, 6)],
}


def resolver(key: str) -> Any:
    return PARAMS[key]


@pytest.fixture(scope="module")
def con() -> Iterator[Any]:
    backend = ibis.duckdb.connect()
    yield backend
    backend.disconnect()


def _arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, dt.date):
        return pa.date32()
    return pa.int64()


def both(
    con: Any,
    node: Expr,
    row: Mapping[str, Any] | None = None,
    types: Mapping[str, pa.DataType] | None = None,
) -> Any:
    """``node`` on ``row`` in Python and on DuckDB; asserts they agree and returns the value.

    Unknown (``None``) inputs are int64 columns unless ``types`` says otherwise.
    """
    row = dict(row or {})
    python = ex.evaluate(node, row, resolver)
    fields = [pa.field("rid", pa.int64())] + [
        pa.field(k, (types or {}).get(k) or _arrow_type(v)) for k, v in row.items()
    ]
    table = pa.table(
        {f.name: pa.array([0 if f.name == "rid" else row[f.name]], f.type) for f in fields},
        schema=pa.schema(fields),
    )
    t = ibis.memtable(table)
    got = con.to_pyarrow(t.select(v=ex.to_ibis(node, t, resolver))).column("v").to_pylist()
    assert got == [python], f"python {python!r} != duckdb {got[0]!r} for {node!r} on {row}"
    return python


# ---------------------------------------------------------------------------- Kleene = SQL

BOOLS = (True, False, None)
INTS = (None, -1, 0, 1, 2)
BOOL_FIELDS = ("b0", "b1", "b2")
INT_FIELDS = ("i0", "i1")


def all_inputs() -> pa.Table:
    """Every combination of three Kleene booleans and two small integers (675 rows)."""
    combos = list(itertools.product(BOOLS, BOOLS, BOOLS, INTS, INTS))
    columns: dict[str, pa.Array] = {"rid": pa.array(range(len(combos)), pa.int64())}
    for i, name in enumerate(BOOL_FIELDS):
        columns[name] = pa.array([c[i] for c in combos], pa.bool_())
    for i, name in enumerate(INT_FIELDS, start=3):
        columns[name] = pa.array([c[i] for c in combos], pa.int64())
    return pa.table(columns)


INPUTS = all_inputs()
INPUT_ROWS = INPUTS.to_pylist()

int_leaf = st.one_of(
    st.sampled_from([F(n) for n in INT_FIELDS]),
    st.integers(-1, 2).map(Lit),
    st.just(Null("int64")),
)
int_expr = st.one_of(
    int_leaf,
    st.builds(Arith, st.sampled_from(["+", "-", "*"]), int_leaf, int_leaf),
    st.builds(Coalesce, int_leaf, st.integers(-1, 2).map(Lit)),
    st.builds(lambda parts: Greatest(tuple(parts)), st.lists(int_leaf, min_size=1, max_size=3)),
)


bool_leaf = st.one_of(
    st.sampled_from([F(n) for n in BOOL_FIELDS]),
    st.sampled_from([Lit(True), Lit(False), Null("boolean")]),
    st.builds(Cmp, st.sampled_from([">=", ">", "<=", "<", "=="]), int_expr, int_expr),
    st.builds(IsNull, st.one_of(int_leaf, st.sampled_from([F(n) for n in BOOL_FIELDS]))),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    parts = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        parts.map(And),
        parts.map(Or),
        children.map(Not),
        st.builds(Coalesce, children, children),
        st.builds(
            lambda whens, otherwise: Case(tuple(whens), otherwise),
            st.lists(st.tuples(children, children), min_size=1, max_size=2),
            children,
        ),
    )


bool_expr = st.recursive(bool_leaf, _extend, max_leaves=8)


def to_sql(node: Expr) -> str:
    """Plain DuckDB SQL for ``node``, written independently of Ibis."""
    match node:
        case F(name):
            return name
        case Lit(value):
            if value is None:
                return "CAST(NULL AS BIGINT)"
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            return f"CAST({value} AS BIGINT)"
        case Null(dtype):
            return "CAST(NULL AS BOOLEAN)" if dtype == "boolean" else "CAST(NULL AS BIGINT)"
        case And(parts):
            return "(" + " AND ".join(to_sql(p) for p in parts) + ")"
        case Or(parts):
            return "(" + " OR ".join(to_sql(p) for p in parts) + ")"
        case Not(part):
            return f"(NOT {to_sql(part)})"
        case Cmp(op, left, right):
            return f"({to_sql(left)} {'=' if op == '==' else op} {to_sql(right)})"
        case Arith(op, left, right):
            return f"({to_sql(left)} {op} {to_sql(right)})"
        case IsNull(part):
            return f"({to_sql(part)} IS NULL)"
        case Coalesce(part, default):
            return f"COALESCE({to_sql(part)}, {to_sql(default)})"
        case Greatest(parts):
            # SQL's GREATEST skips NULLs (DuckDB and PostgreSQL): NULL only when all are NULL
            return "GREATEST(" + ", ".join(to_sql(p) for p in parts) + ")"
        case Case(whens, otherwise):
            body = " ".join(f"WHEN {to_sql(c)} THEN {to_sql(v)}" for c, v in whens)
            return f"(CASE {body} ELSE {to_sql(otherwise)} END)"
    raise AssertionError(f"no SQL for {node!r}")


@pytest.fixture(scope="module")
def raw() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.register("inputs", INPUTS)
    yield connection
    connection.close()


def _no_params(key: str) -> Any:
    raise AssertionError(f"no parameters here ({key})")


@settings(max_examples=300, deadline=None)
@given(node=bool_expr)
def test_kleene_logic_equals_sql(node: Expr, con: Any, raw: duckdb.DuckDBPyConnection) -> None:
    python = [ex.evaluate(node, row, _no_params) for row in INPUT_ROWS]
    t = ibis.memtable(INPUTS)
    compiled = t.select("rid", v=ex.to_ibis(node, t, _no_params)).order_by("rid")
    via_ibis = con.to_pyarrow(compiled).column("v").to_pylist()
    sql = f"SELECT {to_sql(node)} AS v FROM inputs ORDER BY rid"
    via_sql = [r[0] for r in raw.execute(sql).fetchall()]
    for row, p, i, s in zip(INPUT_ROWS, python, via_ibis, via_sql, strict=True):
        assert p == i == s, f"python {p!r}, ibis {i!r}, SQL {s!r} on {row} for {sql}"


@pytest.mark.parametrize(
    "node",
    [
        Cmp("==", Null("int64"), Null("int64")),
        Cmp("==", Lit(1), Null("int64")),
        Cmp("==", F("x"), Lit(None)),
    ],
    ids=["null==null", "1==null", "field==None"],
)
def test_eq_with_a_null_literal_is_unknown(con: Any, node: Expr) -> None:
    # Ibis rewrites `x == NULL` to `x IS NULL`; to_ibis must keep SQL's unknown
    assert both(con, node, {"x": 1}) is None


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, False, False, False),
        (False, None, False, None),
        (True, None, None, True),
        (None, None, None, None),
    ],
)
def test_kleene_truth_table(con: Any, a: Any, b: Any, and_: Any, or_: Any) -> None:
    row = {"a": a, "b": b}
    types = {"a": pa.bool_(), "b": pa.bool_()}
    assert both(con, F("a") & F("b"), row, types) is and_
    assert both(con, F("b") & F("a"), row, types) is and_
    assert both(con, F("a") | F("b"), row, types) is or_
    assert both(con, F("b") | F("a"), row, types) is or_
    assert both(con, ~F("a"), row, types) is (None if a is None else not a)


def test_unknown_propagates_through_comparison_and_arithmetic(con: Any) -> None:
    row = {"x": None, "y": 3}
    assert both(con, F("x") >= F("y"), row) is None
    assert both(con, F("y") >= 3, row) is True
    assert both(con, F("x") + F("y"), row) is None
    assert both(con, F("x").is_null(), row) is True
    assert both(con, F("y").is_null(), row) is False
    assert both(con, F("x").fill(7), row) == 7
    assert both(con, F("y").fill(7), row) == 3
    assert both(con, F("y").eq(3), row) is True
    assert both(con, (F("y") * 10**12) - 1, row) == 3 * 10**12 - 1


def test_parameters_resolve_in_both(con: Any) -> None:
    assert both(con, F("n") <= P("limit"), {"n": 500}) is True
    assert both(con, F("n") <= P("limit"), {"n": 501}) is False
    assert both(con, P("flag") & (F("n") > 0), {"n": 1}) is True


def test_a_ratio_parameter_is_not_a_plain_value(con: Any) -> None:
    t = ibis.memtable(pa.table({"n": pa.array([1], pa.int64())}))
    with pytest.raises(TypeError, match="cannot be used as a plain value"):
        ex.to_ibis(F("n") >= P("pct5"), t, resolver)


def test_unknown_nodes_are_refused() -> None:
    class Strange(Expr):
        pass

    with pytest.raises(TypeError, match="unknown expression node"):
        ex.evaluate(Strange(), {}, resolver)
    t = ibis.memtable(pa.table({"n": pa.array([1], pa.int64())}))
    with pytest.raises(TypeError, match="unknown expression node"):
        ex.to_ibis(Strange(), t, resolver)


# ---------------------------------------------------------------------------- RatioAtLeast


@pytest.mark.parametrize(
    ("num", "den", "key", "strict", "want"),
    [
        (5, 100, "pct5", False, True),  # exactly 5.00% meets "≥ 5%"
        (5, 100, "pct5", True, False),  # … but not "> 5%"
        (6, 100, "pct5", True, True),
        (4, 100, "pct5", False, False),
        (499_999, 10**7, "pct5", False, False),  # 4.99999%
        (500_000, 10**7, "pct5", False, True),
        (5 * 10**11, 10**13, "pct5", False, True),  # huge amounts stay exact
        (5 * 10**11 - 1, 10**13, "pct5", False, False),
        (1, 3, "third", False, True),  # a ratio no decimal can hold
        (333, 1000, "third", False, False),
        (0, 100, "zero", False, True),
        (0, 100, "zero", True, False),
        (-1, 100, "zero", False, False),
        (5, 0, "pct5", False, None),  # zero denominator: unknown
        (5, -100, "pct5", False, None),  # negative denominator: unknown
        (None, 100, "pct5", False, None),
        (5, None, "pct5", False, None),
    ],
)
def test_ratio_at_least(
    con: Any, num: int | None, den: int | None, key: str, strict: bool, want: bool | None
) -> None:
    node = RatioAtLeast(F("num"), F("den"), P(key), strict=strict)
    assert both(con, node, {"num": num, "den": den}) is want


def test_ratio_with_a_literal_threshold(con: Any) -> None:
    node = RatioAtLeast(F("num"), F("den"), Lit(1))
    assert both(con, node, {"num": 100, "den": 100}) is True
    assert both(con, node, {"num": 99, "den": 100}) is False


# ---------------------------------------------------------------------------- Bands


@pytest.mark.parametrize(
    ("num", "den", "want"),
    [
        (30, 100, 20),  # lower bounds are inclusive
        (3, 10, 20),
        (100, 100, 20),
        (29, 100, 16),
        (25, 100, 16),
        (2_499_999, 10**7, 12),
        (20, 100, 12),
        (15, 100, 8),
        (10, 100, 4),
        (9, 100, 0),  # below every band: otherwise
        (0, 100, 0),
        (30, 0, None),  # zero denominator: unknown
        (30, -100, None),
        (None, 100, None),
        (30, None, None),
    ],
)
def test_bands_inclusive_lower_bounds(
    con: Any, num: int | None, den: int | None, want: int | None
) -> None:
    assert both(con, Bands(F("num"), F("den"), P("bands")), {"num": num, "den": den}) == want


def test_bands_otherwise(con: Any) -> None:
    node = Bands(F("num"), F("den"), P("bands"), otherwise=-1)
    assert both(con, node, {"num": 1, "den": 100}) == -1


@pytest.mark.parametrize(
    ("value", "want"), [(5, 24), (4, 24), (3, 18), (2, 12), (1, 6), (0, 0), (-1, 0), (None, None)]
)
def test_count_bands(con: Any, value: int | None, want: int | None) -> None:
    assert both(con, CountBands(F("v"), P("count_bands")), {"v": value}) == want


# ---------------------------------------------------------------------------- GrowthAtLeast


@pytest.mark.parametrize(
    ("a", "b", "c", "key", "strict", "want"),
    [
        # three years: ½·(110/100 + 121/110) − 1 = 10% exactly
        (100, 110, 121, "pct10", False, True),
        (100, 110, 121, "pct10", True, False),
        (100, 110, 120, "pct10", False, False),
        (100, 110, 122, "pct10", True, True),
        # the same at 10^13 fen: exact, no rounding
        (10**12, 11 * 10**11, 121 * 10**10, "pct10", False, True),
        (10**12, 11 * 10**11, 121 * 10**10 - 1, "pct10", False, False),
        (10**13, 10**13, 10**13, "zero", False, True),
        (10**13, 10**13, 10**13, "zero", True, False),
        # two years when the first is unknown: 110/100 − 1 = 10%
        (None, 100, 110, "pct10", False, True),
        (None, 100, 110, "pct10", True, False),
        (None, 100, 109, "pct10", False, False),
        (None, 100, 100, "zero", True, False),
        (None, 100, 101, "zero", True, True),
        (None, 100, 50, "zero", False, False),
        # growth that averages out: ½·(200/100 + 100/200) − 1 = 25%
        (100, 200, 100, "pct10", False, True),
        # unknown: non-positive denominators, missing b or c
        (0, 100, 110, "pct10", False, None),
        (-5, 100, 110, "pct10", False, None),
        (100, 0, 110, "pct10", False, None),
        (100, -1, 110, "pct10", False, None),
        (100, None, 110, "pct10", False, None),
        (100, 110, None, "pct10", False, None),
        (None, None, 110, "pct10", False, None),
    ],
)
def test_growth_at_least(
    con: Any,
    a: int | None,
    b: int | None,
    c: int | None,
    key: str,
    strict: bool,
    want: bool | None,
) -> None:
    node = GrowthAtLeast(F("a"), F("b"), F("c"), P(key), strict=strict)
    assert both(con, node, {"a": a, "b": b, "c": c}) is want


def test_growth_with_a_literal_threshold(con: Any) -> None:
    node = GrowthAtLeast(F("a"), F("b"), F("c"), Lit(0))
    assert both(con, node, {"a": 100, "b": 100, "c": 100}) is True


# ---------------------------------------------------------------------------- Greatest


@pytest.mark.parametrize(
    ("x", "y", "z", "want"),
    [
        (2, 7, 5, 7),
        (None, 3, None, 3),
        (-5, None, None, -5),
        (0, -1, None, 0),
        (None, None, None, None),
        (10**13, None, 1, 10**13),
    ],
)
def test_greatest_skips_unknowns(
    con: Any, x: int | None, y: int | None, z: int | None, want: int | None
) -> None:
    node = ex.greatest(F("x"), F("y"), F("z"))
    assert both(con, node, {"x": x, "y": y, "z": z}) == want


# ---------------------------------------------------------------------------- Case


def test_case_skips_unknown_conditions(con: Any) -> None:
    types = {"b": pa.bool_(), "c": pa.bool_()}
    row = {"b": None, "c": True}
    assert both(con, ex.case((F("b"), 1), (F("c"), 2), otherwise=3), row, types) == 2
    assert both(con, ex.case((F("b"), 1), otherwise=3), row, types) == 3
    assert both(con, ex.case((Null(), 1), (Lit(False), 2), otherwise=3), row, types) == 3
    # the first true condition wins
    assert both(con, ex.case((F("c"), 1), (F("c"), 2), otherwise=3), row, types) == 1
    # an unknown value is returned as unknown (only conditions are skipped)
    assert both(con, ex.case((F("c"), Null("int64")), otherwise=3), row, types) is None
    assert both(con, ex.case((F("b"), 1), otherwise=F("x")), {**row, "x": None}, types) is None


# ---------------------------------------------------------------------------- DaysBetween


@pytest.mark.parametrize(
    ("start", "end", "want"),
    [
        (dt.date(2024, 2, 28), dt.date(2024, 3, 1), 2),  # leap year
        (dt.date(2023, 2, 28), dt.date(2023, 3, 1), 1),
        (dt.date(2023, 6, 30), dt.date(2024, 6, 30), 366),
        (dt.date(2022, 6, 30), dt.date(2023, 6, 30), 365),
        (dt.date(2024, 3, 1), dt.date(2024, 2, 28), -2),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 1), 0),
        (dt.date(2000, 1, 1), dt.date(2030, 12, 31), 11322),
        (None, dt.date(2024, 3, 1), None),
        (dt.date(2024, 3, 1), None, None),
    ],
)
def test_days_between(
    con: Any, start: dt.date | None, end: dt.date | None, want: int | None
) -> None:
    node = DaysBetween(F("start"), F("end"))
    types = {"start": pa.date32(), "end": pa.date32()}
    assert both(con, node, {"start": start, "end": end}, types) == want


def test_days_between_against_a_threshold(con: Any) -> None:
    node = P("limit") <= DaysBetween(F("start"), F("end"))
    types = {"start": pa.date32(), "end": pa.date32()}
    row = {"start": dt.date(2020, 1, 1), "end": dt.date(2020, 1, 1) + dt.timedelta(days=500)}
    assert both(con, node, row, types) is True
    row["end"] -= dt.timedelta(days=1)
    assert both(con, node, row, types) is False


# ---------------------------------------------------------------------------- introspection


def test_fields_and_params_of() -> None:
    node = ex.all_of(
        RatioAtLeast(F("a"), F("b"), P("pct5")),
        ex.case((F("c") >= P("limit"), Lit(True)), otherwise=Null()),
        Bands(F("a"), F("d"), P("bands")) > 0,
    )
    assert ex.fields_of(node) == {"a", "b", "c", "d"}
    assert ex.params_of(node) == {"pct5", "limit", "bands"}


def test_operators_build_nodes() -> None:
    checks: list[tuple[Expr, type[Expr]]] = [
        (F("a") & F("b"), And),
        (F("a") | F("b"), Or),
        (~F("a"), Not),
        (F("a") + 1, Arith),
        (F("a") - 1, Arith),
        (F("a") * 1, Arith),
        (F("a") >= 1, Cmp),
        (F("a") > 1, Cmp),
        (F("a") <= 1, Cmp),
        (F("a") < 1, Cmp),
        (F("a").eq(1), Cmp),
        (F("a").is_null(), IsNull),
        (F("a").fill(0), Coalesce),
        (ex.any_of(F("a"), F("b")), Or),
    ]
    for node, kind in checks:
        assert isinstance(node, kind)
