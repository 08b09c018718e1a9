"""Match one enterprise (registry or ad-hoc profile) against the whole product catalogue.

For every product open on the as-of date: ``eligible`` / ``not_eligible`` / ``undetermined``
(missing facts named), the checks behind it (each product condition; for qualifications met on
the facts, the standard's own evaluation with its per-criterion explanations), the smallest
changes for products it misses (:mod:`~kechuang.matching.changes`), and the benefit.

Order of the result: eligible products by benefit (largest first), then undetermined ones, then
products it misses by closeness (fewest unmet conditions, then smallest change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

from kechuang.core.i18n import Msg
from kechuang.core.money import format_amount
from kechuang.products.catalog import Catalog, default_catalog
from kechuang.products.schemas import STATUS_FLAGS, Product, ProductTerms, Sourced
from kechuang.registry.reference import district_name
from kechuang.standards import catalog as standards_catalog
from kechuang.standards import expr as ex
from kechuang.standards.engine import Evaluation, evaluate_row, fraction_pct
from kechuang.standards.params import Resolved, default_parameters

from .changes import Change, changes_for
from .rows import MATCH_STANDARDS, MatchSubject, field_name, profile_subject, registry_subjects
from .rules import (
    MEETS_STANDARDS,
    CompiledProduct,
    Condition,
    compile_product,
    resolver,
    size_code_expr,
)

__all__ = [
    "Benefit",
    "ProductMatch",
    "Tier",
    "match_enterprise",
    "match_profile",
    "match_subject",
]

Outcome = Literal["eligible", "not_eligible", "undetermined"]
Tier = Literal["eligible", "near_eligible", "not_eligible", "undetermined"]

OUTCOME_LABELS: Final[dict[str, Msg]] = {
    "eligible": Msg("符合", "eligible"),
    "near_eligible": Msg("差一项条件", "near-eligible (one unmet condition)"),
    "not_eligible": Msg("不符合", "not eligible"),
    "undetermined": Msg("待定（缺少数据）", "undetermined (facts missing)"),
}
_SIZE_LABELS: Final = {1: "大型 large", 2: "中型 medium", 3: "小型 small", 4: "微型 micro"}


@dataclass(frozen=True, slots=True)
class Benefit:
    """What a product offers, with a sortable score.

    Attributes:
        score: an amount in 元 for ranking: the most one enterprise may receive (``max_amount``),
            else a subsidy's cap, else 0.
        max_amount: loan / investment / grant limit, 元.
        programme_quota: total programme quota, 元.
        pricing: the loan's pricing as text.
        subsidies: each subsidy rule (kind, share, caps) as JSON.
        refinance_rate: re-lending / rediscount rate.
        refinance_share: share of principal refinanced.
        status: ``confirmed``, ``unverified`` or ``illustrative`` — the least sure of the terms
            the score rests on.
        text: one-line summary.
    """

    score: Decimal
    max_amount: Decimal | None
    programme_quota: Decimal | None
    pricing: str | None
    subsidies: list[dict[str, Any]]
    refinance_rate: Decimal | None
    refinance_share: Decimal | None
    status: str
    text: Msg

    def as_dict(self) -> dict[str, Any]:
        """JSON form (money and rates as exact strings)."""

        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "score": str(self.score),
            "max_amount": s(self.max_amount),
            "programme_quota": s(self.programme_quota),
            "pricing": self.pricing,
            "subsidies": self.subsidies,
            "refinance_rate": s(self.refinance_rate),
            "refinance_share": s(self.refinance_share),
            "status": self.status,
            "flag": STATUS_FLAGS[self.status].both(),
            "text_zh": self.text.zh,
            "text_en": self.text.en,
        }


_RANK: Final = {"confirmed": 0, "unverified": 1, "illustrative": 2}


def _least_sure(terms: Sequence[Sourced | None]) -> str:
    statuses = [t.status for t in terms if t is not None] or ["confirmed"]
    return max(statuses, key=lambda s: _RANK[s])


def benefit_of(terms: ProductTerms) -> Benefit:
    """The benefit of a product version."""
    subsidies = [
        {
            "key": r.key,
            "kind": r.kind.value,
            "share": str(r.share),
            "cap_per_loan": None if r.cap_per_loan is None else str(r.cap_per_loan),
            "cap_per_policy": None if r.cap_per_policy is None else str(r.cap_per_policy),
            "status": r.status,
            "text_zh": r.display("zh"),
            "text_en": r.display("en"),
        }
        for r in terms.subsidies
    ]
    score = Decimal(0)
    basis: list[Sourced | None] = []
    if terms.max_amount is not None:
        score, basis = terms.max_amount.value, [terms.max_amount]
    else:
        for rule in terms.subsidies:
            cap = rule.cap_per_loan or rule.cap_per_policy
            if cap is not None and cap > score:
                score, basis = cap, [rule]
    parts_zh: list[str] = []
    parts_en: list[str] = []
    if terms.max_amount is not None:
        parts_zh.append(f"最高 {format_amount(terms.max_amount.value, lang='zh')}")
        parts_en.append(f"up to {format_amount(terms.max_amount.value, lang='en')}")
    if terms.pricing is not None:
        parts_zh.append(terms.pricing.value.display("zh"))
        parts_en.append(terms.pricing.value.display("en"))
    for rule in terms.subsidies:
        parts_zh.append(rule.display("zh"))
        parts_en.append(rule.display("en"))
    if terms.refinance_rate is not None:
        rate = f"{(terms.refinance_rate.value * 100).normalize():f}%"
        parts_zh.append(f"再融资利率 {rate}")
        parts_en.append(f"refinancing at {rate}")
    status = _least_sure(basis) if basis else "confirmed"
    return Benefit(
        score=score,
        max_amount=terms.max_amount.value if terms.max_amount else None,
        programme_quota=terms.programme_quota.value if terms.programme_quota else None,
        pricing=terms.pricing.value.display() if terms.pricing else None,
        subsidies=subsidies,
        refinance_rate=terms.refinance_rate.value if terms.refinance_rate else None,
        refinance_share=terms.refinance_share.value if terms.refinance_share else None,
        status=status,
        text=Msg("；".join(parts_zh) or "—", "; ".join(parts_en) or "—"),
    )


def provider_of(terms: ProductTerms) -> str:
    """Who offers the product: banks, insurers, or the payer of its subsidy."""
    if terms.providers is not None:
        return "、".join(terms.providers.value)
    payers = [r.payer for r in terms.subsidies if r.payer]
    return "、".join(dict.fromkeys(payers))


@dataclass(slots=True)
class ProductMatch:
    """One product matched against one enterprise.

    Attributes:
        product: product key.
        kind: product kind (``credit`` …).
        name: product name.
        provider: banks / insurers / payer.
        outcome: ``eligible``, ``not_eligible`` or ``undetermined``.
        checks: one explanation per product condition (JSON-ready), the qualification check with
            the standards' own evaluations under ``standards``.
        missing: input fields whose absence leaves the outcome undetermined.
        closest_changes: for products it misses: changes that would meet the unmet conditions,
            smallest first (each alone suffices when one condition is unmet).
        benefit: what the product offers.
        unmet: number of conditions not met (``near_eligible`` = not eligible with one unmet).
        distance: closeness for ranking misses (``None``: no computable way to become eligible).
        as_of: the date matched on.
        terms_from: first day of the terms version used.
    """

    product: str
    kind: str
    name: Msg
    provider: str
    outcome: Outcome
    checks: list[dict[str, Any]]
    missing: list[str]
    closest_changes: list[Change]
    benefit: Benefit
    unmet: int
    distance: Decimal | None
    as_of: dt.date
    terms_from: dt.date
    unmet_conditions: list[str] = field(default_factory=list)

    @property
    def tier(self) -> Tier:
        """``eligible``, ``near_eligible`` (one unmet condition), ``not_eligible``, ``undetermined``."""
        if self.outcome == "not_eligible" and self.unmet == 1:
            return "near_eligible"
        return self.outcome

    def to_json(self) -> dict[str, Any]:
        """The issue's JSON shape: ``product``, ``kind``, ``provider``, ``outcome``, ``checks``,
        ``closest_changes``, ``benefit`` (plus names, ``tier``, ``missing`` and ``as_of``)."""
        return {
            "product": self.product,
            "kind": self.kind,
            "provider": self.provider,
            "outcome": self.outcome,
            "checks": self.checks,
            "closest_changes": [c.as_dict() for c in self.closest_changes],
            "benefit": self.benefit.as_dict(),
            "name_zh": self.name.zh,
            "name_en": self.name.en,
            "tier": self.tier,
            "missing": self.missing,
            "as_of": self.as_of.isoformat(),
            "terms_from": self.terms_from.isoformat(),
        }


# ---------------------------------------------------------------------------- explanations


def _flag(term: Sourced) -> tuple[str, str]:
    if term.status == "illustrative":
        return "（示例参数，非正式条款）", " (illustrative, not law)"
    if term.status == "unverified":
        return "（参数待核实）", " (unverified)"
    return "", ""


def _observed(cond: Condition, subject: MatchSubject, row: Mapping[str, Any], res: Any) -> str:
    key = cond.key
    if key == "qualification":
        held = [k for k in cond.kinds if row.get(f"holds__{k}")]
        if "sci_tech_enterprise" in cond.kinds:
            from kechuang.standards.sci_tech_enterprise import KINDS

            held += [k for k, _l in KINDS if row.get(f"holds__{k}") and k not in held]
        return ("持有 holds: " + ", ".join(held)) if held else "未持有 holds none"
    if key == "size_class":
        code = ex.evaluate(size_code_expr(), row, res)
        return _SIZE_LABELS.get(code, "—") if code is not None else "—"
    if key in ("min_age", "max_age"):
        reg = row.get("ent__registered_ymd")
        if reg is None:
            return "—"
        y, md = divmod(reg, 10000)
        return f"{y:04d}-{md // 100:02d}-{md % 100:02d}"
    if key == "districts":
        return district_name(subject.district_code).text() if subject.district_code else "—"
    if key == "industries":
        return subject.industry_code or "—"
    if key == "no_serious_dishonesty":
        v = row.get("ent__dishonest")
        return "—" if v is None else ("已列入 listed" if v else "未列入 not listed")
    if cond.fact is not None:
        fc = cond.fact
        if fc.ratio is not None:
            return (
                fraction_pct(row.get(f"fact__{fc.ratio[0]}"), row.get(f"fact__{fc.ratio[1]}"))
                or "—"
            )
        v = row.get(f"fact__{fc.fact}")
        if v is None:
            return "—"
        from kechuang.products.schemas import FACTS

        return f"{Decimal(v) / 100:,.2f}元" if FACTS[fc.fact or ""][0] == "money" else str(v)
    return "—"


def _missing(cond: Condition, row: Mapping[str, Any]) -> list[str]:
    cols = sorted(c for c in ex.fields_of(cond.expr) if row.get(c) is None)
    if cond.key == "size_class" and cols:
        # the declared class is enough; otherwise the facts the size class is computed from
        cols = [c for c in cols if c != "ent__size_class"]
        return ["size_class", *dict.fromkeys(field_name(c) for c in cols)]
    return list(dict.fromkeys(field_name(c) for c in cols))


@dataclass(slots=True)
class _Context:
    subject: MatchSubject
    as_of: dt.date
    resolved: Resolved
    cache: dict[int, Any] = field(default_factory=dict)
    changes: dict[int, list[Change]] = field(default_factory=dict)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)

    def evaluation(self, kind: str) -> Evaluation | None:
        if kind not in self.subject.standard_rows or not self.subject.standard_rows[kind]:
            return None
        if kind not in self.evaluations:
            standard = standards_catalog.get(kind)
            self.evaluations[kind] = evaluate_row(
                standard, self.subject.standard_rows[kind], self.resolved
            )
        return self.evaluations[kind]


def _check(
    cond: Condition,
    value: bool | None,
    ctx: _Context,
    res: Any,
    missing: list[str],
) -> dict[str, Any]:
    row = ctx.subject.row
    observed = _observed(cond, ctx.subject, row, res)
    fz, fe = _flag(cond.term)
    if value is True:
        zh, en = "符合", "met"
    elif value is False:
        zh, en = "不符合", "not met"
    else:
        zh = "待定（缺少：" + "、".join(missing) + "）"
        en = "undetermined (missing: " + ", ".join(missing) + ")"
    check: dict[str, Any] = {
        "criterion": cond.key,
        "label_zh": cond.label.zh,
        "label_en": cond.label.en,
        "passed": value,
        "observed": observed,
        "required": cond.required.both(),
        "reference": cond.term.reference,
        "status": cond.term.status,
        "flag": STATUS_FLAGS[cond.term.status].both(),
        "message_zh": f"{cond.label.zh}：{observed}（要求 {cond.required.zh}），{zh}{fz}",
        "message_en": f"{cond.label.en}: {observed} (required {cond.required.en}), {en}{fe}",
    }
    if cond.key == "qualification":
        evaluations = []
        for kind in cond.kinds:
            if kind not in MEETS_STANDARDS:
                continue
            # Holds-only requirements show the standard for information when not met.
            if cond.basis != "holds_or_meets" and value is True:
                continue
            ev = ctx.evaluation(kind)
            if ev is not None:
                evaluations.append(ev.as_dict())
        if evaluations:
            check["standards"] = evaluations
    return check


def _evaluate(compiled: CompiledProduct, ctx: _Context) -> ProductMatch:
    row = ctx.subject.row
    res = resolver(ctx.resolved, compiled.params, ctx.as_of)
    values: list[bool | None] = []
    for cond in compiled.conditions:
        key = id(cond.expr)
        if key not in ctx.cache:
            ctx.cache[key] = ex.evaluate(cond.expr, row, res)
        values.append(ctx.cache[key])
    overall = ex.evaluate(compiled.eligible, row, res) if not compiled.conditions else None
    if compiled.conditions:
        if any(v is False for v in values):
            outcome: Outcome = "not_eligible"
        elif all(v is True for v in values):
            outcome = "eligible"
        else:
            outcome = "undetermined"
    else:
        outcome = "eligible" if overall is not False else "not_eligible"
    checks: list[dict[str, Any]] = []
    missing: list[str] = []
    changes: list[Change] = []
    unmet: list[str] = []
    distance: Decimal | None = Decimal(0)
    for cond, value in zip(compiled.conditions, values, strict=True):
        cond_missing = _missing(cond, row) if value is None else []
        missing.extend(m for m in cond_missing if m not in missing)
        checks.append(_check(cond, value, ctx, res, cond_missing))
        if value is False:
            unmet.append(cond.key)
            key = id(cond.expr)
            if key not in ctx.changes:
                ctx.changes[key] = changes_for(cond, row, res, ctx.as_of)
            found = ctx.changes[key]
            changes.extend(found)
            if not found:
                distance = None
            elif distance is not None:
                distance += found[0].distance
    product = compiled.product
    return ProductMatch(
        product=product.key,
        kind=product.kind.value,
        name=product.name,
        provider=provider_of(compiled.terms),
        outcome=outcome,
        checks=checks,
        missing=missing if outcome == "undetermined" else [],
        closest_changes=changes,
        benefit=benefit_of(compiled.terms),
        unmet=len(unmet),
        distance=distance if outcome == "not_eligible" else None,
        as_of=ctx.as_of,
        terms_from=compiled.terms.valid_from,
        unmet_conditions=unmet,
    )


def _order(matches: list[ProductMatch]) -> list[ProductMatch]:
    big = Decimal(10) ** 30

    def key(m: ProductMatch) -> tuple[Any, ...]:
        if m.outcome == "eligible":
            return (0, -m.benefit.score, m.product)
        if m.outcome == "undetermined":
            return (1, 0, m.product)
        return (2, m.unmet, m.distance if m.distance is not None else big, m.product)

    return sorted(matches, key=key)


def open_products(catalog: Catalog, as_of: dt.date) -> list[tuple[Product, ProductTerms]]:
    """Products open on ``as_of`` with the terms in force (scheduled and closed ones left out)."""
    out = []
    for product in catalog.products(as_of=as_of):
        terms = product.terms_at(as_of)
        if terms is not None:
            out.append((product, terms))
    return out


def match_subject(
    subject: MatchSubject, *, as_of: dt.date, catalog: Catalog | None = None
) -> list[ProductMatch]:
    """Match a prepared subject against every product open on ``as_of``."""
    cat = catalog or default_catalog()
    ctx = _Context(subject=subject, as_of=as_of, resolved=default_parameters().at(as_of))
    matches = [
        _evaluate(compile_product(product, terms), ctx)
        for product, terms in open_products(cat, as_of)
    ]
    return _order(matches)


def match_enterprise(
    *, session: Session, uscc: str, as_of: dt.date, catalog: Catalog | None = None
) -> list[ProductMatch]:
    """Match a registry enterprise (facts as the standards read them on ``as_of``).

    Raises:
        NotFound: no enterprise with ``uscc``.
    """
    subjects = registry_subjects(session=session, as_of=as_of, uscc=uscc)
    return match_subject(subjects[0], as_of=as_of, catalog=catalog)


def match_profile(
    *, profile: Mapping[str, Any], as_of: dt.date, catalog: Catalog | None = None
) -> list[ProductMatch]:
    """Match an ad-hoc profile (a form or a file; fields as in the standards' profiles, money in
    元; see :func:`~kechuang.matching.rows.profile_subject`).

    Raises:
        ValidationError: invalid fields, each named.
    """
    subject = profile_subject(profile, as_of=as_of, standards=MATCH_STANDARDS)
    return match_subject(subject, as_of=as_of, catalog=catalog)
