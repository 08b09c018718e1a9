"""A product's eligibility compiled to conditions in the standards' expression language.

Each condition of :class:`~kechuang.products.schemas.Eligibility` becomes one :class:`Condition`
whose ``expr`` reads the flat match row (:mod:`kechuang.matching.rows`):

* ``qualifications`` (any of the kinds): ``holds__<kind>``; for ``sci_tech_enterprise`` the
  standard's own rule over the ``holds__*`` columns; with ``qualification_basis: holds_or_meets``
  and a standard with registry facts (``tech_sme``, ``high_tech``), ``holds__<kind> OR`` the
  standard's ``qualified`` expression over its ``<standard>__*`` columns — the very expression
  the standards engine evaluates and screens, renamed, never re-written;
* ``size_classes``: the declared size class, else the ``sme_size_class`` standard's class code;
* ``min_age_years`` / ``max_age_years``: ``registered_ymd + N·10000`` against the as-of date's
  ``yyyymmdd`` (an anniversary day counts);
* ``districts``, ``industries``: the district code / industry division is one of the list;
* ``no_serious_dishonesty``: not on the serious-dishonesty list;
* ``conditions``: a fact or a ratio of two facts against a threshold (ratios exactly, by
  cross-multiplication).

Product constants are parameters (``match.<product>.<condition>``) resolved with the standards'
parameters, so :func:`kechuang.standards.expr.evaluate` and :func:`~kechuang.standards.expr.to_ibis`
see the same values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any, Final

from kechuang.core.i18n import Msg
from kechuang.products.schemas import (
    FACTS,
    QUALIFICATION_BASES,
    QUALIFICATION_KEYS,
    FactCondition,
    Product,
    ProductTerms,
    Sourced,
)
from kechuang.registry.reference import district_name
from kechuang.standards import catalog as standards_catalog
from kechuang.standards import expr as ex
from kechuang.standards.params import Resolved
from kechuang.standards.sme_size_class import SIZE_CODE

from .rows import SIZE_CODES, ymd

__all__ = [
    "AS_OF_PARAM",
    "MEETS_STANDARDS",
    "CompiledProduct",
    "Condition",
    "compile_product",
    "meets_expr",
    "resolver",
    "size_code_expr",
]

MEETS_STANDARDS: Final = ("tech_sme", "high_tech")
"""Qualification kinds that ``holds_or_meets`` may test on the facts (standards with registry facts)."""

AS_OF_PARAM: Final = "match.as_of_ymd"
"""Parameter holding the as-of date as ``yyyymmdd``."""

_SIZE_LABELS: Final = {
    1: Msg("大型", "large"),
    2: Msg("中型", "medium"),
    3: Msg("小型", "small"),
    4: Msg("微型", "micro"),
}


def _rename(node: ex.Expr, new: Callable[[str], str], memo: dict[int, ex.Expr]) -> ex.Expr:
    """``node`` with every field ``F(name)`` renamed; shared subexpressions stay shared."""
    done = memo.get(id(node))
    if done is not None:
        return done
    if isinstance(node, ex.F):
        out: ex.Expr = ex.F(new(node.name))
    else:
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(node):  # type: ignore[arg-type]
            value = getattr(node, f.name)
            if isinstance(value, ex.Expr):
                changes[f.name] = _rename(value, new, memo)
            elif isinstance(value, tuple):
                changes[f.name] = tuple(_rename_item(v, new, memo) for v in value)
        out = dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]
    memo[id(node)] = out
    return out


def _rename_item(value: Any, new: Callable[[str], str], memo: dict[int, ex.Expr]) -> Any:
    if isinstance(value, ex.Expr):
        return _rename(value, new, memo)
    if isinstance(value, tuple):
        return tuple(_rename_item(v, new, memo) for v in value)
    return value


@cache
def meets_expr(kind: str) -> ex.Expr:
    """The ``qualified`` expression of standard ``kind`` over the match row's columns."""
    standard = standards_catalog.get(kind)
    if kind == "sci_tech_enterprise":
        return _rename(standard.qualified, lambda n: n.replace("holds_", "holds__", 1), {})
    return _rename(standard.qualified, lambda n: f"{kind}__{n}", {})


@cache
def size_code_expr() -> ex.Expr:
    """The size class code: declared, else computed by ``sme_size_class`` (1 large … 4 micro)."""
    computed = _rename(SIZE_CODE, lambda n: f"sme_size_class__{n}", {})
    return ex.Coalesce(ex.F("ent__size_class"), computed)


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a product, compiled.

    Attributes:
        key: ``qualification``, ``size_class``, ``min_age``, ``max_age``, ``districts``,
            ``industries``, ``no_serious_dishonesty`` or ``condition.<key>``.
        label: what it is.
        required: the requirement as text.
        expr: Kleene boolean expression over the match row.
        term: the sourced term it comes from (reference, status, note).
        kinds: qualification kinds (``qualification`` only).
        basis: ``holds`` or ``holds_or_meets`` (``qualification`` only).
        years: the age in years (``min_age`` / ``max_age``).
        fact: the fact condition (``condition.*``).
        allowed: allowed codes (sizes, districts, divisions).
    """

    key: str
    label: Msg
    required: Msg
    expr: ex.Expr
    term: Sourced
    kinds: tuple[str, ...] = ()
    basis: str = "holds"
    years: int | None = None
    fact: FactCondition | None = None
    allowed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledProduct:
    """A product's terms in force on a date, compiled.

    Attributes:
        product: the catalogue entry.
        terms: the version in force.
        conditions: its conditions, in display order (empty: open to every enterprise).
        params: product constants (``match.<product>.<condition>``) for the evaluators.
        eligible: Kleene AND of every condition's ``expr``.
        standards: standards whose columns the conditions read.
    """

    product: Product
    terms: ProductTerms
    conditions: tuple[Condition, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    eligible: ex.Expr = field(default_factory=lambda: ex.Lit(True))
    standards: frozenset[str] = frozenset()


def _param(product: Product, name: str) -> ex.P:
    return ex.P(f"match.{product.key}.{name}")


def _kind_label(kind: str) -> Msg:
    return QUALIFICATION_KEYS[kind]


def _qualification(product: Product, terms: ProductTerms) -> Condition | None:
    elig = terms.eligibility
    if elig.qualifications is None:
        return None
    basis_term = elig.qualification_basis
    basis = basis_term.value if basis_term is not None else "holds"
    expr = _qualification_expr(tuple(elig.qualifications.value), basis)
    names = [_kind_label(k) for k in elig.qualifications.value]
    basis_msg = QUALIFICATION_BASES[basis]
    return Condition(
        key="qualification",
        label=Msg("资质要求", "qualification"),
        required=Msg(
            "、".join(n.zh for n in names) + f"（任一；{basis_msg.zh}）",
            ", ".join(n.en for n in names) + f" (any one; {basis_msg.en})",
        ),
        expr=expr,
        term=elig.qualifications,
        kinds=tuple(elig.qualifications.value),
        basis=basis,
    )


@cache
def _qualification_expr(kinds: tuple[str, ...], basis: str) -> ex.Expr:
    """Any of ``kinds`` held (or met, with ``holds_or_meets``) — one shared expression per
    combination, so its value and changes are computed once per enterprise."""
    parts: list[ex.Expr] = []
    for kind in kinds:
        if kind == "sci_tech_enterprise":
            parts.append(meets_expr(kind))
            continue
        held = ex.F(f"holds__{kind}")
        if basis == "holds_or_meets" and kind in MEETS_STANDARDS:
            parts.append(held | meets_expr(kind))
        else:
            parts.append(held)
    return parts[0] if len(parts) == 1 else ex.Or(tuple(parts))


def _one_of(value: ex.Expr, codes: tuple[int, ...]) -> ex.Expr:
    parts = tuple(value.eq(c) for c in codes)
    return parts[0] if len(parts) == 1 else ex.Or(parts)


def compile_product(product: Product, terms: ProductTerms) -> CompiledProduct:
    """Compile the eligibility of ``terms`` (a version of ``product``)."""
    return _compile(product, terms)


_COMPILED: dict[tuple[int, int], tuple[Product, CompiledProduct]] = {}


def _compile(product: Product, terms: ProductTerms) -> CompiledProduct:
    for i, version in enumerate(product.terms):
        if version is terms:
            hit = _COMPILED.get((id(product), i))
            if hit is not None and hit[0] is product:
                return hit[1]
            compiled = _build(product, terms)
            _COMPILED[(id(product), i)] = (product, compiled)
            return compiled
    return _build(product, terms)


def _build(product: Product, terms: ProductTerms) -> CompiledProduct:
    elig = terms.eligibility
    conds: list[Condition] = []
    params: dict[str, Any] = {}
    standards: set[str] = set()
    qual = _qualification(product, terms)
    if qual is not None:
        conds.append(qual)
        if qual.basis == "holds_or_meets":
            standards |= {k for k in qual.kinds if k in MEETS_STANDARDS}
    if elig.size_classes is not None:
        codes = tuple(sorted(SIZE_CODES[s.value] for s in elig.size_classes.value))
        conds.append(
            Condition(
                key="size_class",
                label=Msg("企业规模", "size class"),
                required=Msg(
                    "、".join(_SIZE_LABELS[c].zh for c in codes),
                    ", ".join(_SIZE_LABELS[c].en for c in codes),
                ),
                expr=_one_of(size_code_expr(), codes),
                term=elig.size_classes,
                allowed=codes,
            )
        )
        standards.add("sme_size_class")
    as_of = ex.P(AS_OF_PARAM)
    if elig.min_age_years is not None:
        n = elig.min_age_years.value
        params[f"match.{product.key}.min_age"] = n * 10000
        conds.append(
            Condition(
                key="min_age",
                label=Msg("成立年限", "years since registration"),
                required=Msg(f"成立满 {n} 年", f"at least {n} years since registration"),
                expr=ex.F("ent__registered_ymd") + _param(product, "min_age") <= as_of,
                term=elig.min_age_years,
                years=n,
            )
        )
    if elig.max_age_years is not None:
        m = elig.max_age_years.value
        params[f"match.{product.key}.max_age"] = (m + 1) * 10000
        conds.append(
            Condition(
                key="max_age",
                label=Msg("成立年限上限", "at most years since registration"),
                required=Msg(f"成立不超过 {m} 年", f"at most {m} years since registration"),
                expr=ex.F("ent__registered_ymd") + _param(product, "max_age") > as_of,
                term=elig.max_age_years,
                years=m,
            )
        )
    if elig.districts is not None:
        codes = tuple(int(c) for c in elig.districts.value)
        names = [district_name(c) for c in elig.districts.value]
        conds.append(
            Condition(
                key="districts",
                label=Msg("所在区", "district"),
                required=Msg("、".join(n.zh for n in names), ", ".join(n.en for n in names)),
                expr=_one_of(ex.F("ent__district"), codes),
                term=elig.districts,
                allowed=codes,
            )
        )
    if elig.industries is not None:
        codes = tuple(int(d) for d in elig.industries.value)
        shown = "、".join(elig.industries.value)
        conds.append(
            Condition(
                key="industries",
                label=Msg("所属行业（大类）", "industry division"),
                required=Msg(f"行业大类 {shown}", f"industry division {shown}"),
                expr=_one_of(ex.F("ent__division"), codes),
                term=elig.industries,
                allowed=codes,
            )
        )
    if elig.no_serious_dishonesty is not None and elig.no_serious_dishonesty.value:
        conds.append(
            Condition(
                key="no_serious_dishonesty",
                label=Msg("未列入严重失信主体名单", "not on the serious-dishonesty list"),
                required=Msg("未列入", "not listed"),
                expr=~ex.F("ent__dishonest"),
                term=elig.no_serious_dishonesty,
            )
        )
    for cond in elig.conditions:
        name = f"cond_{cond.key}"
        threshold = _threshold(cond)
        params[f"match.{product.key}.{name}"] = threshold
        conds.append(
            Condition(
                key=f"condition.{cond.key}",
                label=cond.label,
                required=cond.label,
                expr=_fact_expr(cond, _param(product, name)),
                term=cond,
                fact=cond,
            )
        )
    eligible: ex.Expr = (
        ex.Lit(True)
        if not conds
        else conds[0].expr
        if len(conds) == 1
        else ex.And(tuple(c.expr for c in conds))
    )
    return CompiledProduct(
        product=product,
        terms=terms,
        conditions=tuple(conds),
        params=params,
        eligible=eligible,
        standards=frozenset(standards),
    )


def _threshold(cond: FactCondition) -> int | Fraction:
    if cond.ratio is not None:
        return Fraction(cond.value)
    if FACTS[cond.fact or ""][0] == "money":
        return int(cond.value * 100)
    return int(cond.value)


def _fact_expr(cond: FactCondition, threshold: ex.P) -> ex.Expr:
    if cond.ratio is not None:
        num, den = (ex.F(f"fact__{n}") for n in cond.ratio)
        if cond.op == ">=":
            return ex.RatioAtLeast(num, den, threshold)
        if cond.op == ">":
            return ex.RatioAtLeast(num, den, threshold, strict=True)
        if cond.op == "<=":
            return ~ex.RatioAtLeast(num, den, threshold, strict=True)
        return ~ex.RatioAtLeast(num, den, threshold)
    value = ex.F(f"fact__{cond.fact}")
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
    }[cond.op]


def resolver(resolved: Resolved, params: Mapping[str, Any], as_of: dt.date) -> Any:
    """A parameter resolver for the expression evaluators: product constants, the as-of date,
    then the standards' parameters in force."""
    local = {**params, AS_OF_PARAM: ymd(as_of)}

    def get(key: str) -> Any:
        if key in local:
            return local[key]
        return resolved(key)

    return get
