"""Fund metrics: paid-in, distributions, NAV, DPI/RVPI/TVPI, XIRR, leverage, 返投 and portfolio mix.

Definitions (RULES.md §9; full text in ``docs/funds.md``):

* **paid-in (PIC)**: capital calls dated on or before ``as_of``.
* **distributed**: distributions dated on or before ``as_of`` (total and by type).
* **NAV**: the latest *net* valuation (``gross`` false) dated on or before ``as_of``; ``None``
  when there is none.
* **DPI** = distributed ÷ PIC; **RVPI** = NAV ÷ PIC; **TVPI** = DPI + RVPI; exact Decimal
  ratios, ``None`` when PIC is 0. RVPI and TVPI are ``None`` when NAV is unknown.
* **IRR**: XIRR (actual/365) over −calls, +distributions and +NAV as a terminal flow dated
  ``as_of``; computed by ``pyxirr`` in floating point and rounded to 6 decimals — the only
  float-derived figure. ``None`` when it cannot be computed.
* **leverage** = fund size (``closed_size``, else total commitments to ``as_of``) ÷ public
  commitments (investor type ``public``). Look-through for a fund of funds: total size of its
  sub-funds ÷ (public money in the FoF + public money committed directly to those sub-funds).
* **local reinvestment (返投)** = local invested ÷ public committed; the local share of invested
  is reported too. An investment is local when its ``local`` flag says so, else when its
  enterprise is registered in one of the city's districts.
* **shares of invested amount**: early stages, priority stages, small (size class small/micro,
  else employees ≤ 300 in the latest fiscal year not after the investment year), hard tech
  (override, else a high_tech / little_giant / specialised_sme / sh_little_giant qualification
  valid on the investment date).
* **average holding period**: days from ``invested_on`` to the exit (if exited by ``as_of``)
  or ``as_of``, weighted by amount.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from pyxirr import xirr
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.money import D, ratio
from kechuang.funds.enums import FundKind, InvestorType, Stage
from kechuang.funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    Fund,
    Investment,
    Valuation,
)
from kechuang.funds.schemas import FundMetrics, PortfolioCompany, SponsorMetrics
from kechuang.registry.enums import QualificationKind, SizeClass
from kechuang.registry.models import Enterprise, EnterpriseYear
from kechuang.registry.reference import districts

__all__ = [
    "EARLY_STAGES",
    "HARD_TECH_QUALIFICATIONS",
    "PRIORITY_STAGES",
    "SMALL_EMPLOYEES_MAX",
    "commitments",
    "fund_metrics",
    "fund_size",
    "investments",
    "irr",
    "is_hard_tech",
    "is_local",
    "is_small",
    "leverage_look_through",
    "portfolio_companies",
    "sponsor_metrics",
    "stage_share",
    "sub_fund_commitments",
]

EARLY_STAGES: Final = frozenset(
    {Stage.PROOF_OF_CONCEPT, Stage.PRE_INCUBATION, Stage.PILOT, Stage.SEED, Stage.EARLY}
)
PRIORITY_STAGES: Final = frozenset({Stage.PROOF_OF_CONCEPT, Stage.PRE_INCUBATION, Stage.PILOT})
"""The guide fund's priority stages: 概念验证, 超前孵化, 中试."""
HARD_TECH_QUALIFICATIONS: Final = frozenset(
    {
        QualificationKind.HIGH_TECH,
        QualificationKind.LITTLE_GIANT,
        QualificationKind.SPECIALISED_SME,
        QualificationKind.SH_LITTLE_GIANT,
    }
)
SMALL_EMPLOYEES_MAX: Final = 300
"""Fallback when the investee has no size class: small when employees ≤ 300."""
IRR_PLACES: Final = Decimal("0.000001")
ZERO: Final = Decimal(0)


# ---------------------------------------------------------------- records up to as_of


def commitments(*, session: Session, fund: Fund, as_of: dt.date) -> list[Commitment]:
    """The fund's LP commitments made on or before ``as_of``."""
    return list(
        session.scalars(
            select(Commitment)
            .where(Commitment.fund_id == fund.id, Commitment.committed_on <= as_of)
            .order_by(Commitment.committed_on, Commitment.investor_key)
        )
    )


def sub_fund_commitments(*, session: Session, fund: Fund, as_of: dt.date) -> list[Commitment]:
    """Commitments the fund made as an LP to other funds (FoF → sub-fund), to ``as_of``."""
    return list(
        session.scalars(
            select(Commitment)
            .where(Commitment.investor_fund_id == fund.id, Commitment.committed_on <= as_of)
            .order_by(Commitment.committed_on, Commitment.fund_id)
        )
    )


def investments(*, session: Session, fund: Fund, as_of: dt.date) -> list[Investment]:
    """The fund's investments made on or before ``as_of``."""
    return list(
        session.scalars(
            select(Investment)
            .where(Investment.fund_id == fund.id, Investment.invested_on <= as_of)
            .order_by(Investment.invested_on, Investment.investment_no)
        )
    )


def _calls(session: Session, fund: Fund, as_of: dt.date) -> list[CapitalCall]:
    return list(
        session.scalars(
            select(CapitalCall).where(
                CapitalCall.fund_id == fund.id, CapitalCall.call_date <= as_of
            )
        )
    )


def _distributions(session: Session, fund: Fund, as_of: dt.date) -> list[Distribution]:
    return list(
        session.scalars(
            select(Distribution).where(
                Distribution.fund_id == fund.id, Distribution.dist_date <= as_of
            )
        )
    )


def _nav(session: Session, fund: Fund, as_of: dt.date) -> Valuation | None:
    return session.scalars(
        select(Valuation)
        .where(
            Valuation.fund_id == fund.id,
            Valuation.as_of <= as_of,
            Valuation.gross.is_(False),
        )
        .order_by(Valuation.as_of.desc())
        .limit(1)
    ).first()


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def fund_size(*, session: Session, fund: Fund, as_of: dt.date) -> Decimal:
    """The fund's size: ``closed_size`` when set, else its total commitments to ``as_of``."""
    if fund.closed_size is not None:
        return D(fund.closed_size)
    return _total(c.amount for c in commitments(session=session, fund=fund, as_of=as_of))


def _public(commits: Iterable[Commitment]) -> Decimal:
    return _total(c.amount for c in commits if c.investor_type == InvestorType.PUBLIC)


# ---------------------------------------------------------------- IRR


def irr(flows: Sequence[tuple[dt.date, Decimal]]) -> Decimal | None:
    """XIRR (actual/365) of dated flows, rounded to 6 decimals; ``None`` when not computable.

    The solver works in binary floating point (``pyxirr``): this is the only float-derived
    figure of the funds domain. It needs at least one negative and one positive flow.
    """
    nonzero = [(day, amount) for day, amount in flows if not amount.is_zero()]
    if not any(a < 0 for _, a in nonzero) or not any(a > 0 for _, a in nonzero):
        return None
    try:
        result = xirr([d for d, _ in nonzero], [float(a) for _, a in nonzero])
    except Exception:  # pyxirr raises its own error types when there is no solution
        return None
    if result is None or not math.isfinite(result):
        return None
    return Decimal(repr(result)).quantize(IRR_PLACES, rounding=ROUND_HALF_UP)


def _flows(
    calls: Iterable[CapitalCall],
    dists: Iterable[Distribution],
    nav: Decimal | None,
    as_of: dt.date,
) -> list[tuple[dt.date, Decimal]]:
    out = [(c.call_date, -D(c.amount)) for c in calls]
    out += [(d.dist_date, D(d.amount)) for d in dists]
    if nav is not None and nav > 0:
        out.append((as_of, nav))
    return out


# ---------------------------------------------------------------- investment classification


def is_local(investment: Investment, enterprise: Enterprise | None) -> bool:
    """返投: the ``local`` flag, else the enterprise is registered in one of the city's districts."""
    if investment.local is not None:
        return investment.local
    return enterprise is not None and enterprise.district_code in districts()


def is_hard_tech(investment: Investment, enterprise: Enterprise | None) -> bool:
    """The override when set, else a hard-tech qualification valid on the investment date."""
    if investment.hard_tech_override is not None:
        return investment.hard_tech_override
    if enterprise is None:
        return False
    return any(
        q.kind in HARD_TECH_QUALIFICATIONS and q.is_valid_on(investment.invested_on)
        for q in enterprise.qualifications
    )


def is_small(session: Session, investment: Investment, enterprise: Enterprise | None) -> bool:
    """Size class small/micro; without a size class, employees ≤ 300 in the latest fiscal year
    not after the investment year. Unknown size counts as not small."""
    if enterprise is None:
        return False
    if enterprise.size_class is not None:
        return enterprise.size_class in (SizeClass.SMALL, SizeClass.MICRO)
    year = session.scalars(
        select(EnterpriseYear)
        .where(
            EnterpriseYear.enterprise_id == enterprise.id,
            EnterpriseYear.fiscal_year <= investment.invested_on.year,
            EnterpriseYear.employees.is_not(None),
        )
        .order_by(EnterpriseYear.fiscal_year.desc())
        .limit(1)
    ).first()
    return year is not None and year.employees is not None and year.employees <= SMALL_EMPLOYEES_MAX


def _enterprise(session: Session, investment: Investment) -> Enterprise | None:
    if investment.enterprise_id is None:
        return None
    return session.get(Enterprise, investment.enterprise_id)


def stage_share(invs: Sequence[Investment], stages: Iterable[Stage]) -> Decimal | None:
    """Share of the invested amount in ``stages`` (``None`` when nothing is invested)."""
    wanted = set(stages)
    total = _total(D(i.amount) for i in invs)
    return ratio(_total(D(i.amount) for i in invs if i.stage in wanted), total)


# ---------------------------------------------------------------- fund metrics


def leverage_look_through(*, session: Session, fund: Fund, as_of: dt.date) -> Decimal | None:
    """For a fund of funds: total size of its sub-funds ÷ public money at the top.

    Public money at the top = public commitments to the FoF + public commitments made directly
    to its sub-funds. Other funds (no sub-fund commitments) fall back to plain leverage.
    """
    subs = sub_fund_commitments(session=session, fund=fund, as_of=as_of)
    own_public = _public(commitments(session=session, fund=fund, as_of=as_of))
    if not subs:
        return ratio(fund_size(session=session, fund=fund, as_of=as_of), own_public)
    seen: set[int] = set()
    capital = ZERO
    public = own_public
    for c in subs:
        if c.fund_id in seen:
            continue
        seen.add(c.fund_id)
        sub = session.get(Fund, c.fund_id)
        if sub is None:  # pragma: no cover - foreign key
            continue
        capital += fund_size(session=session, fund=sub, as_of=as_of)
        public += _public(commitments(session=session, fund=sub, as_of=as_of))
    return ratio(capital, public)


def fund_metrics(*, session: Session, fund: Fund, as_of: dt.date) -> FundMetrics:
    """All metrics of ``fund`` as of ``as_of`` (see the module docstring for definitions)."""
    calls = _calls(session, fund, as_of)
    dists = _distributions(session, fund, as_of)
    valuation = _nav(session, fund, as_of)
    nav = None if valuation is None else D(valuation.nav)
    commits = commitments(session=session, fund=fund, as_of=as_of)
    public = _public(commits)

    paid_in = _total(D(c.amount) for c in calls)
    distributed = _total(D(d.amount) for d in dists)
    by_type: dict[str, Decimal] = {}
    for d in dists:
        by_type[d.dist_type.value] = by_type.get(d.dist_type.value, ZERO) + D(d.amount)

    dpi = ratio(distributed, paid_in)
    rvpi = None if nav is None else ratio(nav, paid_in)
    tvpi = None if dpi is None or rvpi is None else dpi + rvpi

    invs = investments(session=session, fund=fund, as_of=as_of)
    invested = _total(D(i.amount) for i in invs)
    by_stage: dict[str, Decimal] = {}
    local = ZERO
    small = ZERO
    hard = ZERO
    weighted_days = ZERO
    for i in invs:
        amount = D(i.amount)
        by_stage[i.stage.value] = by_stage.get(i.stage.value, ZERO) + amount
        ent = _enterprise(session, i)
        if is_local(i, ent):
            local += amount
        if is_small(session, i, ent):
            small += amount
        if is_hard_tech(i, ent):
            hard += amount
        end = i.exited_on if i.exited_on is not None and i.exited_on <= as_of else as_of
        weighted_days += amount * (end - i.invested_on).days

    size = fund_size(session=session, fund=fund, as_of=as_of)
    return FundMetrics(
        fund_code=fund.code,
        as_of=as_of,
        committed=_total(D(c.amount) for c in commits),
        public_committed=public,
        paid_in=paid_in,
        distributed=distributed,
        distributed_by_type=by_type,
        nav=nav,
        nav_date=None if valuation is None else valuation.as_of,
        dpi=dpi,
        rvpi=rvpi,
        tvpi=tvpi,
        irr=irr(_flows(calls, dists, nav, as_of)),
        leverage=ratio(size, public),
        leverage_look_through=(
            leverage_look_through(session=session, fund=fund, as_of=as_of)
            if fund.kind in (FundKind.FUND_OF_FUNDS, FundKind.GUIDE_FUND)
            else None
        ),
        invested=invested,
        invested_by_stage=by_stage,
        local_invested=local,
        local_reinvestment_ratio=ratio(local, public),
        local_share_of_invested=ratio(local, invested),
        early_stage_share=stage_share(invs, EARLY_STAGES),
        priority_stage_share=stage_share(invs, PRIORITY_STAGES),
        small_share=ratio(small, invested),
        hard_tech_share=ratio(hard, invested),
        avg_holding_days=ratio(weighted_days, invested),
    )


# ---------------------------------------------------------------- sponsor book


def sponsor_metrics(
    *, session: Session, sponsor_institution_id: int, as_of: dt.date
) -> SponsorMetrics:
    """Pooled metrics of the funds sponsored by an institution (IRR over all their flows)."""
    funds = list(
        session.scalars(
            select(Fund)
            .where(Fund.sponsor_institution_id == sponsor_institution_id)
            .order_by(Fund.code)
        )
    )
    per_fund = [fund_metrics(session=session, fund=f, as_of=as_of) for f in funds]
    flows: list[tuple[dt.date, Decimal]] = []
    for f, m in zip(funds, per_fund, strict=True):
        flows += _flows(_calls(session, f, as_of), _distributions(session, f, as_of), m.nav, as_of)
    paid_in = _total(m.paid_in for m in per_fund)
    distributed = _total(m.distributed for m in per_fund)
    nav = _total(m.nav for m in per_fund if m.nav is not None)
    dpi = ratio(distributed, paid_in)
    rvpi = ratio(nav, paid_in)
    return SponsorMetrics(
        sponsor_institution_id=sponsor_institution_id,
        as_of=as_of,
        fund_codes=[f.code for f in funds],
        committed=_total(m.committed for m in per_fund),
        public_committed=_total(m.public_committed for m in per_fund),
        paid_in=paid_in,
        distributed=distributed,
        nav=nav,
        dpi=dpi,
        rvpi=rvpi,
        tvpi=None if dpi is None or rvpi is None else dpi + rvpi,
        irr=irr(flows),
        funds=per_fund,
    )


# ---------------------------------------------------------------- look-through portfolio


def portfolio_companies(*, session: Session, fund: Fund, as_of: dt.date) -> list[PortfolioCompany]:
    """The fund's direct investments (weight 1) and, through its sub-fund commitments, the
    sub-funds' investments weighted by its share of each sub-fund's commitments (recursively,
    the product of the shares along the chain)."""
    out: list[PortfolioCompany] = []
    _collect(session, fund, as_of, Decimal(1), {fund.id}, out)
    return out


def _collect(
    session: Session,
    fund: Fund,
    as_of: dt.date,
    weight: Decimal,
    path: set[int],
    out: list[PortfolioCompany],
) -> None:
    for i in investments(session=session, fund=fund, as_of=as_of):
        out.append(
            PortfolioCompany(
                investment_no=i.investment_no,
                enterprise_id=i.enterprise_id,
                investee_name=i.investee_name,
                stage=i.stage.value,
                via_fund_code=fund.code,
                weight=weight,
                amount=D(i.amount),
                look_through_amount=D(i.amount) * weight,
                local=is_local(i, _enterprise(session, i)),
            )
        )
    by_sub: dict[int, Decimal] = {}
    for c in sub_fund_commitments(session=session, fund=fund, as_of=as_of):
        by_sub[c.fund_id] = by_sub.get(c.fund_id, ZERO) + D(c.amount)
    for sub_id, amount in sorted(by_sub.items()):
        if sub_id in path:  # a cycle in the data: do not loop
            continue
        sub = session.get(Fund, sub_id)
        if sub is None:  # pragma: no cover - foreign key
            continue
        total = _total(D(c.amount) for c in commitments(session=session, fund=sub, as_of=as_of))
        share = ratio(amount, total)
        if share is None:
            continue
        _collect(session, sub, as_of, weight * share, path | {sub_id}, out)
