"""A small expression language for qualification rules: one definition, two evaluators.

A rule is written once as a tree of :class:`Expr` nodes. :func:`evaluate` computes it for one
profile in Python; :func:`to_ibis` compiles it to an Ibis expression that runs over a whole
population on DuckDB, SQLite, PostgreSQL or Spark. Both follow the same semantics:

* **Nulls are "unknown"** (a missing input). Comparisons and arithmetic with an unknown operand
  are unknown; ``&`` / ``|`` / ``~`` follow Kleene (SQL) three-valued logic: ``False & None`` is
  ``False``, ``True & None`` is ``None``.
* **Exact arithmetic.** Values are integers: counts, days, and money in **fen** (0.01 元, see
  :mod:`kechuang.standards.profiles`). Thresholds are exact fractions. A ratio test
  ``num / den ≥ p / q`` is evaluated as ``num · q ≥ p · den`` (``den > 0``), never by division, so a
  ratio of exactly 5.00% meets "≥ 5%". Products of two money values (growth rates) are computed
  as ``DECIMAL(38, 0)`` in SQL and as Python integers here.
* A ratio with a zero or negative denominator is unknown.

Parameters (:class:`P`) are resolved before evaluation, so both evaluators see the same constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

Value = int | bool | dt.date | Fraction | None
Resolver = Callable[[str], Any]
"""Returns the value of a parameter key (already chosen for the evaluation date)."""


class Expr:
    """Base class of expression nodes; operators build new nodes."""

    def __and__(self, other: Expr) -> Expr:
        return And((self, other))

    def __or__(self, other: Expr) -> Expr:
        return Or((self, other))

    def __invert__(self) -> Expr:
        return Not(self)

    def __add__(self, other: Expr | int) -> Expr:
        return Arith("+", self, lift(other))

    def __sub__(self, other: Expr | int) -> Expr:
        return Arith("-", self, lift(other))

    def __mul__(self, other: Expr | int) -> Expr:
        return Arith("*", self, lift(other))

    def __ge__(self, other: Expr | int) -> Expr:
        return Cmp(">=", self, lift(other))

    def __gt__(self, other: Expr | int) -> Expr:
        return Cmp(">", self, lift(other))

    def __le__(self, other: Expr | int) -> Expr:
        return Cmp("<=", self, lift(other))

    def __lt__(self, other: Expr | int) -> Expr:
        return Cmp("<", self, lift(other))

    def eq(self, other: Expr | int | bool) -> Expr:
        """Equality (``==`` is kept for dataclass comparison)."""
        return Cmp("==", self, lift(other))

    def is_null(self) -> Expr:
        """True when the value is unknown."""
        return IsNull(self)

    def fill(self, default: int | bool) -> Expr:
        """The value, or ``default`` when unknown."""
        return Coalesce(self, Lit(default))


def lift(value: Expr | int | bool) -> Expr:
    """Wrap a Python constant as a literal node."""
    return value if isinstance(value, Expr) else Lit(value)


@dataclass(frozen=True, eq=False)
class F(Expr):
    """An input field of the profile (integer, fen, bool or date)."""

    name: str


@dataclass(frozen=True, eq=False)
class Lit(Expr):
    """A constant."""

    value: int | bool | None


@dataclass(frozen=True, eq=False)
class Null(Expr):
    """An unknown value of a given type (``boolean`` or ``int64``)."""

    dtype: str = "boolean"


@dataclass(frozen=True, eq=False)
class P(Expr):
    """A parameter, resolved for the evaluation date (int, bool or Fraction)."""

    key: str


@dataclass(frozen=True, eq=False)
class And(Expr):
    """Kleene conjunction of all parts."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Or(Expr):
    """Kleene disjunction of all parts."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Not(Expr):
    """Kleene negation."""

    part: Expr


@dataclass(frozen=True, eq=False)
class Cmp(Expr):
    """Comparison of two integer (or date) expressions."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Arith(Expr):
    """Integer ``+``, ``-`` or ``*``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class IsNull(Expr):
    """True when the operand is unknown (never unknown itself)."""

    part: Expr


@dataclass(frozen=True, eq=False)
class Coalesce(Expr):
    """The first known value."""

    part: Expr
    default: Expr


@dataclass(frozen=True, eq=False)
class RatioAtLeast(Expr):
    """``num / den ≥ threshold`` by cross-multiplication; unknown when ``den ≤ 0`` or inputs unknown."""

    num: Expr
    den: Expr
    threshold: Expr
    strict: bool = False


@dataclass(frozen=True, eq=False)
class Bands(Expr):
    """Points for ``num / den`` from descending ``(threshold, points)`` bands (lower bounds inclusive).

    ``table`` resolves to a list of ``(Fraction, int)`` ordered from the highest threshold down;
    a ratio below every threshold scores ``otherwise``. Unknown inputs give unknown points.
    """

    num: Expr
    den: Expr
    table: P
    otherwise: int = 0


@dataclass(frozen=True, eq=False)
class CountBands(Expr):
    """Points for an integer value from descending ``(minimum, points)`` bands."""

    value: Expr
    table: P
    otherwise: int = 0


@dataclass(frozen=True, eq=False)
class Case(Expr):
    """The value of the first true condition, else ``otherwise`` (unknown conditions are skipped)."""

    whens: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr


@dataclass(frozen=True, eq=False)
class Greatest(Expr):
    """The largest known value (unknown only when all are unknown)."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class DaysBetween(Expr):
    """Whole days from ``start`` to ``end`` (``end − start``)."""

    start: Expr
    end: Expr


@dataclass(frozen=True, eq=False)
class GrowthAtLeast(Expr):
    """Average growth ``½·(b/a + c/b) − 1 ≥ threshold`` over three year-end values, exactly.

    With ``a`` unknown, the single ratio ``c/b − 1`` is used (two-year form). Unknown when a
    denominator is not positive. Compared as ``(b·b + c·a)·q ≥ 2·a·b·(q + p)`` for ``p/q``.
    """

    a: Expr
    b: Expr
    c: Expr
    threshold: Expr
    strict: bool = False
    """Compare with ``>`` instead of ``≥`` (for bands such as "growth > 0")."""


def all_of(*parts: Expr) -> Expr:
    """Kleene AND of ``parts``."""
    return And(tuple(parts))


def any_of(*parts: Expr) -> Expr:
    """Kleene OR of ``parts``."""
    return Or(tuple(parts))


def case(*whens: tuple[Expr, Expr | int], otherwise: Expr | int) -> Expr:
    """``CASE WHEN … THEN … ELSE … END``."""
    return Case(tuple((c, lift(v)) for c, v in whens), lift(otherwise))


def greatest(*parts: Expr) -> Expr:
    """The largest known value."""
    return Greatest(tuple(parts))


# ---------------------------------------------------------------------------- Python evaluator


def _frac(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("boolean used as a number")
    return Fraction(value)


def evaluate(node: Expr, row: Mapping[str, Any], param: Resolver) -> Any:
    """Evaluate ``node`` for one profile ``row`` (missing keys are unknown)."""
    match node:
        case F(name):
            return row.get(name)
        case Lit(value):
            return value
        case Null():
            return None
        case P(key):
            return param(key)
        case And(parts):
            seen_null = False
            for p in parts:
                v = evaluate(p, row, param)
                if v is False:
                    return False
                if v is None:
                    seen_null = True
            return None if seen_null else True
        case Or(parts):
            seen_null = False
            for p in parts:
                v = evaluate(p, row, param)
                if v is True:
                    return True
                if v is None:
                    seen_null = True
            return None if seen_null else False
        case Not(part):
            v = evaluate(part, row, param)
            return None if v is None else not v
        case Cmp(op, left, right):
            lv, rv = evaluate(left, row, param), evaluate(right, row, param)
            if lv is None or rv is None:
                return None
            return _CMP[op](lv, rv)
        case Arith(op, left, right):
            lv, rv = evaluate(left, row, param), evaluate(right, row, param)
            if lv is None or rv is None:
                return None
            return lv + rv if op == "+" else lv - rv if op == "-" else lv * rv
        case IsNull(part):
            return evaluate(part, row, param) is None
        case Coalesce(part, default):
            v = evaluate(part, row, param)
            return evaluate(default, row, param) if v is None else v
        case RatioAtLeast(num, den, threshold, strict):
            n, d, t = (
                evaluate(num, row, param),
                evaluate(den, row, param),
                evaluate(threshold, row, param),
            )
            if n is None or d is None or t is None or d <= 0:
                return None
            f = _frac(t)
            lhs, rhs = n * f.denominator, f.numerator * d
            return lhs > rhs if strict else lhs >= rhs
        case Bands(num, den, table, otherwise):
            n, d = evaluate(num, row, param), evaluate(den, row, param)
            if n is None or d is None or d <= 0:
                return None
            for threshold, points in param(table.key):
                f = _frac(threshold)
                if n * f.denominator >= f.numerator * d:
                    return points
            return otherwise
        case CountBands(value, table, otherwise):
            v = evaluate(value, row, param)
            if v is None:
                return None
            for minimum, points in param(table.key):
                if v >= minimum:
                    return points
            return otherwise
        case Case(whens, otherwise):
            for cond, value in whens:
                if evaluate(cond, row, param) is True:
                    return evaluate(value, row, param)
            return evaluate(otherwise, row, param)
        case Greatest(parts):
            values = [v for v in (evaluate(p, row, param) for p in parts) if v is not None]
            return max(values) if values else None
        case DaysBetween(start, end):
            s, e = evaluate(start, row, param), evaluate(end, row, param)
            if s is None or e is None:
                return None
            return (e - s).days
        case GrowthAtLeast(a, b, c, threshold, strict):
            av, bv, cv, t = (evaluate(x, row, param) for x in (a, b, c, threshold))
            if bv is None or cv is None or t is None or bv <= 0:
                return None
            f = _frac(t)
            tn, td = f.numerator, f.denominator
            if av is None:
                lhs, rhs = cv * td, bv * (td + tn)
            elif av <= 0:
                return None
            else:
                lhs, rhs = (bv * bv + cv * av) * td, 2 * av * bv * (td + tn)
            return bool(lhs > rhs) if strict else bool(lhs >= rhs)
    raise TypeError(f"unknown expression node {node!r}")


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}


# ---------------------------------------------------------------------------- Ibis compiler


def to_ibis(
    node: Expr, table: Any, param: Resolver, shared: Mapping[int, str] | None = None
) -> Any:
    """Compile ``node`` to an Ibis column expression over ``table`` (same semantics as :func:`evaluate`).

    ``shared`` maps ``id(subexpression)`` to a column of ``table`` that already holds its value
    (common subexpressions materialised by :func:`materialise_shared`); the root itself is always
    compiled.
    """
    import ibis
    import ibis.expr.datatypes as idt

    def big(x: Any) -> Any:
        return x.cast(idt.Decimal(38, 0))

    def lit_int(v: int) -> Any:
        return ibis.literal(v, type="int64")

    def go(n: Expr) -> Any:
        if shared and n is not node and id(n) in shared:
            return table[shared[id(n)]]
        match n:
            case F(name):
                return table[name]
            case Lit(value):
                if value is None:
                    return ibis.null("int64")
                return ibis.literal(value, type="boolean" if isinstance(value, bool) else "int64")
            case Null(dtype):
                return ibis.null(dtype)
            case P(key):
                value = param(key)
                if isinstance(value, bool):
                    return ibis.literal(value, type="boolean")
                if isinstance(value, int):
                    return lit_int(value)
                raise TypeError(f"parameter {key} ({value!r}) cannot be used as a plain value")
            case And(parts):
                out = go(parts[0])
                for p in parts[1:]:
                    out = out & go(p)
                return out
            case Or(parts):
                out = go(parts[0])
                for p in parts[1:]:
                    out = out | go(p)
                return out
            case Not(part):
                return ~go(part)
            case Cmp(op, left, right):
                lv, rv = go(left), go(right)
                if op == "==":
                    # Ibis turns `x == NULL` into `x IS NULL`; keep SQL's "unknown" instead.
                    return ibis.ifelse(lv.isnull() | rv.isnull(), ibis.null("boolean"), lv == rv)
                return {">=": lv >= rv, ">": lv > rv, "<=": lv <= rv, "<": lv < rv}[op]
            case Arith(op, left, right):
                lv, rv = go(left), go(right)
                return lv + rv if op == "+" else lv - rv if op == "-" else lv * rv
            case IsNull(part):
                return go(part).isnull()
            case Coalesce(part, default):
                return go(part).coalesce(go(default))
            case RatioAtLeast(num, den, threshold, strict):
                f = _frac(
                    param(threshold.key)
                    if isinstance(threshold, P)
                    else evaluate(threshold, {}, param)
                )
                nv, dv = go(num), go(den)
                lhs, rhs = nv * lit_int(f.denominator), lit_int(f.numerator) * dv
                test = lhs > rhs if strict else lhs >= rhs
                return ibis.ifelse(dv > 0, test, ibis.null("boolean"))
            case Bands(num, den, tbl, otherwise):
                nv, dv = go(num), go(den)
                whens = []
                for threshold, points in param(tbl.key):
                    f = _frac(threshold)
                    whens.append(
                        (nv * lit_int(f.denominator) >= lit_int(f.numerator) * dv, lit_int(points))
                    )
                scored = ibis.cases(*whens, else_=lit_int(otherwise))
                return ibis.ifelse(
                    nv.isnull() | dv.isnull() | (dv <= 0), ibis.null("int64"), scored
                )
            case CountBands(value, tbl, otherwise):
                v = go(value)
                whens = [
                    (v >= lit_int(minimum), lit_int(points)) for minimum, points in param(tbl.key)
                ]
                return ibis.ifelse(
                    v.isnull(), ibis.null("int64"), ibis.cases(*whens, else_=lit_int(otherwise))
                )
            case Case(whens, otherwise):
                pairs = [(go(c).coalesce(False), go(v)) for c, v in whens]
                return ibis.cases(*pairs, else_=go(otherwise))
            case Greatest(parts):
                cols = [go(p) for p in parts]
                return ibis.greatest(*[c.coalesce(lit_int(-(2**62))) for c in cols]).nullif(
                    lit_int(-(2**62))
                )
            case DaysBetween(start, end):
                return go(end).delta(go(start), unit="day").cast("int64")
            case GrowthAtLeast(a, b, c, threshold, strict):
                f = _frac(
                    param(threshold.key)
                    if isinstance(threshold, P)
                    else evaluate(threshold, {}, param)
                )
                tn, td = f.numerator, f.denominator
                av, bv, cv = go(a), go(b), go(c)
                ab, bb, cb = big(av), big(bv), big(cv)
                l3, r3 = (bb * bb + cb * ab) * td, ab * bb * (2 * (td + tn))
                l2, r2 = cb * td, bb * (td + tn)
                three = l3 > r3 if strict else l3 >= r3
                two = l2 > r2 if strict else l2 >= r2
                null_b = bv.isnull() | cv.isnull() | (bv <= 0)
                return ibis.cases(
                    (null_b, ibis.null("boolean")),
                    (av.isnull(), two),
                    (av <= 0, ibis.null("boolean")),
                    else_=three,
                )
        raise TypeError(f"unknown expression node {n!r}")

    return go(node)


def _children(n: Expr) -> list[Expr]:
    out: list[Expr] = []
    for value in vars(n).values():
        if isinstance(value, Expr):
            out.append(value)
        elif isinstance(value, tuple):
            for v in value:
                if isinstance(v, Expr):
                    out.append(v)
                elif isinstance(v, tuple):
                    out.extend(x for x in v if isinstance(x, Expr))
    return out


def materialise_shared(
    roots: Sequence[Expr], table: Any, param: Resolver
) -> tuple[Any, dict[int, str]]:
    """Compute every subexpression used more than once as its own column, innermost first.

    Rules reuse sub-results (points feed scores, scores feed outcomes); inlining them would make
    the SQL grow exponentially. Returns the widened table and ``id(node) → column`` for
    :func:`to_ibis`. Columns are added level by level (one projection per nesting level).
    """
    uses: dict[int, int] = {}
    nodes: dict[int, Expr] = {}
    order: list[Expr] = []
    seen: set[int] = set()

    def visit(n: Expr) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        nodes[id(n)] = n
        for child in _children(n):
            uses[id(child)] = uses.get(id(child), 0) + 1
            visit(child)
        order.append(n)  # post-order: children first

    for root in roots:
        uses[id(root)] = uses.get(id(root), 0) + 1
        visit(root)
    trivial = (F, Lit, Null, P)
    candidates = [n for n in order if uses.get(id(n), 0) > 1 and not isinstance(n, trivial)]
    level: dict[int, int] = {}

    def depth(n: Expr) -> int:
        if id(n) in level:
            return level[id(n)]
        below = [depth(c) for c in _children(n)]
        own = (max(below) if below else 0) + (1 if n in candidates else 0)
        level[id(n)] = own
        return own

    shared: dict[int, str] = {}
    by_level: dict[int, list[Expr]] = {}
    for n in candidates:
        by_level.setdefault(depth(n), []).append(n)
    for lvl in sorted(by_level):
        cols: dict[str, tuple[Expr, Any]] = {}
        for n in by_level[lvl]:
            name = f"_s{len(shared) + len(cols)}"
            cols[name] = (n, to_ibis(n, table, param, shared))
        table = table.mutate(**{name: col for name, (_n, col) in cols.items()})
        for name, (n, _col) in cols.items():
            shared[id(n)] = name
    return table, shared


def fields_of(node: Expr) -> set[str]:
    """Input fields an expression reads."""
    out: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, F):
            out.add(n.name)
        elif isinstance(n, Expr):
            for value in vars(n).values():
                walk(value)
        elif isinstance(n, tuple | list):
            for v in n:
                walk(v)

    walk(node)
    return out


def params_of(node: Expr) -> set[str]:
    """Parameter keys an expression uses."""
    out: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, P):
            out.add(n.key)
        elif isinstance(n, Expr):
            for value in vars(n).values():
                walk(value)
        elif isinstance(n, tuple | list):
            for v in n:
                walk(v)

    walk(node)
    return out


__all__: Sequence[str] = [
    "And",
    "Bands",
    "Case",
    "CountBands",
    "DaysBetween",
    "Expr",
    "F",
    "Greatest",
    "GrowthAtLeast",
    "Lit",
    "Not",
    "Null",
    "Or",
    "P",
    "RatioAtLeast",
    "all_of",
    "any_of",
    "case",
    "evaluate",
    "fields_of",
    "greatest",
    "materialise_shared",
    "params_of",
    "to_ibis",
]
