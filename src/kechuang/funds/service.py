"""Fund services: funds and their lifecycle, LP commitments, capital calls, distributions,
valuations, investments and exits.

Keyword-only arguments; the caller owns the transaction (services flush, never commit). Every
write records a :class:`~kechuang.storage.history.ChangeHistory` row.

Cash flows are split across LPs exactly to the fen (:func:`kechuang.core.money.allocate`,
largest remainder): a capital call pro rata to the commitments in force on the call date, a
distribution pro rata to the capital paid in up to the distribution date. The split is stored in
``by_investor`` (investor_key → amount as text) and sums exactly to the amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import allocate, is_fen_exact
from kechuang.funds.enums import DistributionType, FundKind, FundState, InvestorType, Stage
from kechuang.funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    Fund,
    Investment,
    Valuation,
)
from kechuang.registry.models import Enterprise
from kechuang.storage.history import ChangeHistory, json_value

ZERO = Decimal("0.00")

LIFECYCLE: tuple[FundState, ...] = (
    FundState.FUNDRAISING,
    FundState.INVESTING,
    FundState.MANAGING,
    FundState.EXITING,
    FundState.LIQUIDATED,
)
"""募投管退: a fund only moves forward along this sequence (it may skip states, never go back)."""


# ---------------------------------------------------------------- helpers


def _record(
    session: Session,
    *,
    table: str,
    record_id: int,
    key: str,
    action: str,
    changes: dict[str, Any],
    actor: str,
) -> None:
    session.add(
        ChangeHistory(
            table_name=table,
            record_id=record_id,
            record_key=key,
            action=action,
            changes={k: [json_value(a), json_value(b)] for k, (a, b) in changes.items()},
            actor=actor,
            source="service",
        )
    )


def _positive(what: Msg, value: Decimal) -> Decimal:
    if value <= 0 or not is_fen_exact(value):
        raise ValidationError(
            Msg(f"{what.zh}必须为正且精确到分", f"{what.en} must be positive and exact to the fen"),
            code="invalid_amount",
        )
    return value


def can_transition(current: FundState, to: FundState) -> bool:
    """Whether a fund in ``current`` may move to ``to`` (strictly forward)."""
    return LIFECYCLE.index(to) > LIFECYCLE.index(current)


def split_pro_rata(amount: Decimal, weights: Sequence[tuple[str, Decimal]]) -> dict[str, str]:
    """Split ``amount`` over ``(investor_key, weight)`` exactly to the fen; keys with zero weight
    get ``0.00``. The parts sum exactly to ``amount``.

    Raises:
        ValidationError: ``money.allocation`` when there is nothing to weigh by.
    """
    parts = allocate(amount, [w for _, w in weights])
    return {k: str(p) for (k, _), p in zip(weights, parts, strict=True)}


def commitments_as_of(commitments: Iterable[Commitment], on: dt.date) -> list[tuple[str, Decimal]]:
    """``(investor_key, amount)`` of the commitments made on or before ``on``, by key."""
    return sorted((c.investor_key, c.amount) for c in commitments if c.committed_on <= on)


def paid_in_as_of(calls: Iterable[CapitalCall], on: dt.date) -> list[tuple[str, Decimal]]:
    """``(investor_key, paid-in)`` summed over the calls dated on or before ``on``, by key."""
    totals: dict[str, Decimal] = {}
    for call in calls:
        if call.call_date <= on:
            for key, value in call.by_investor.items():
                totals[key] = totals.get(key, ZERO) + Decimal(value)
    return sorted((k, v) for k, v in totals.items() if v > 0)


def _commitments(session: Session, fund: Fund) -> list[Commitment]:
    return list(session.scalars(select(Commitment).where(Commitment.fund_id == fund.id)))


def _calls(session: Session, fund: Fund) -> list[CapitalCall]:
    return list(session.scalars(select(CapitalCall).where(CapitalCall.fund_id == fund.id)))


# ---------------------------------------------------------------- funds


def get_by_code(*, session: Session, code: str) -> Fund:
    """The fund with this code; :class:`NotFound` if none."""
    fund = session.scalar(select(Fund).where(Fund.code == code))
    if fund is None:
        raise NotFound(Msg(f"基金代码 {code} 不存在", f"no fund with code {code}"))
    return fund


def create_fund(
    *,
    session: Session,
    code: str,
    name: str,
    kind: FundKind,
    vintage: int,
    target_size: Decimal,
    actor: str,
    sponsor_institution_id: int | None = None,
    manager_institution_id: int | None = None,
    closed_size: Decimal | None = None,
    term_years: int | None = None,
    extension_years: int | None = None,
    focus_sectors: str | None = None,
    district_code: str | None = None,
    rules: dict[str, Any] | None = None,
) -> Fund:
    """Create a fund in ``fundraising``; :class:`Conflict` if the code exists."""
    if session.scalar(select(Fund.id).where(Fund.code == code)) is not None:
        raise Conflict(Msg(f"基金代码 {code} 已存在", f"fund {code} exists"), code="duplicate")
    _positive(Msg("目标规模", "target size"), target_size)
    fund = Fund(
        code=code,
        name=name,
        kind=kind,
        vintage=vintage,
        target_size=target_size,
        closed_size=closed_size,
        sponsor_institution_id=sponsor_institution_id,
        manager_institution_id=manager_institution_id,
        term_years=term_years,
        extension_years=extension_years,
        focus_sectors=focus_sectors,
        district_code=district_code,
        rules=dict(rules or {}),
        phases=[],
        state=FundState.FUNDRAISING,
    )
    session.add(fund)
    session.flush()
    _record(
        session,
        table="fund",
        record_id=fund.id,
        key=code,
        action="create",
        changes={"name": (None, name), "kind": (None, kind), "target_size": (None, target_size)},
        actor=actor,
    )
    return fund


def set_state(*, session: Session, fund: Fund, to: FundState, on: dt.date, actor: str) -> Fund:
    """Move ``fund`` forward in its lifecycle (募集 → 投资 → 管理 → 退出 → 清算完毕).

    Raises:
        Conflict: ``invalid_transition`` for a move backwards or to the same state.
    """
    if not can_transition(fund.state, to):
        raise Conflict(
            Msg(
                f"基金 {fund.code} 不能从“{fund.state.label.zh}”变为“{to.label.zh}”（只能向前）",
                f"fund {fund.code} cannot go from {fund.state.value} to {to.value} (forward only)",
            ),
            code="invalid_transition",
        )
    old = fund.state
    fund.state = to
    session.flush()
    _record(
        session,
        table="fund",
        record_id=fund.id,
        key=fund.code,
        action="update",
        changes={"state": (old, to), "state_on": (None, on)},
        actor=actor,
    )
    return fund


# ---------------------------------------------------------------- commitments


def commit(
    *,
    session: Session,
    fund: Fund,
    investor_key: str,
    investor_name: str,
    investor_type: InvestorType,
    amount: Decimal,
    committed_on: dt.date,
    actor: str,
    phase: str | None = None,
    investor_institution_id: int | None = None,
    investor_fund: Fund | None = None,
) -> Commitment:
    """Record an LP's commitment to ``fund``; a fund LP (fund of funds) is linked by ``investor_fund``.

    Raises:
        Conflict: the LP already committed to this fund, or a fund commits to itself.
    """
    _positive(Msg("认缴金额", "commitment"), amount)
    if investor_fund is not None:
        if investor_fund.id == fund.id:
            raise Conflict(
                Msg("基金不能认缴自身", "a fund cannot commit to itself"), code="self_commitment"
            )
        investor_key = f"fund:{investor_fund.code}"
    exists = session.scalar(
        select(Commitment.id).where(
            Commitment.fund_id == fund.id, Commitment.investor_key == investor_key
        )
    )
    if exists is not None:
        raise Conflict(
            Msg(
                f"{investor_key} 已认缴基金 {fund.code}",
                f"{investor_key} already committed to {fund.code}",
            ),
            code="duplicate",
        )
    c = Commitment(
        fund_id=fund.id,
        investor_key=investor_key,
        investor_name=investor_name,
        investor_type=investor_type,
        investor_institution_id=investor_institution_id,
        investor_fund_id=investor_fund.id if investor_fund is not None else None,
        amount=amount,
        committed_on=committed_on,
        phase=phase,
    )
    session.add(c)
    session.flush()
    _record(
        session,
        table="fund_commitment",
        record_id=c.id,
        key=f"{fund.code}/{investor_key}",
        action="create",
        changes={"amount": (None, amount), "committed_on": (None, committed_on)},
        actor=actor,
    )
    return c


# ---------------------------------------------------------------- cash flows


def plan_call(
    *,
    commitments: Iterable[Commitment],
    calls: Iterable[CapitalCall],
    call_no: str,
    call_date: dt.date,
    amount: Decimal,
) -> dict[str, str]:
    """The exact per-LP split of a call (no writes); checks the call fits the commitments.

    ``calls`` are the fund's other calls (a call with the same ``call_no`` is ignored).

    Raises:
        ValidationError: ``no_commitments`` or ``over_committed``.
    """
    weights = commitments_as_of(commitments, call_date)
    if not weights:
        raise ValidationError(
            Msg(
                f"缴款日 {call_date} 前没有任何认缴，无法缴款",
                f"no commitments on or before {call_date}; nothing to call",
            ),
            code="no_commitments",
        )
    committed = sum((w for _, w in weights), ZERO)
    called = sum((c.amount for c in calls if c.call_no != call_no), ZERO)
    if called + amount > committed:
        raise ValidationError(
            Msg(
                f"累计缴款 {called + amount} 超过认缴总额 {committed}",
                f"total called {called + amount} exceeds total committed {committed}",
            ),
            code="over_committed",
        )
    return split_pro_rata(amount, weights)


def call_capital(
    *,
    session: Session,
    fund: Fund,
    call_no: str,
    call_date: dt.date,
    amount: Decimal,
    actor: str,
) -> CapitalCall:
    """Call (and record as paid in) ``amount``, split pro rata to the commitments on ``call_date``.

    Raises:
        Conflict: the call number exists.
        ValidationError: no commitments yet, or the total called would exceed the total committed.
    """
    _positive(Msg("缴款金额", "call amount"), amount)
    calls = _calls(session, fund)
    if any(c.call_no == call_no for c in calls):
        raise Conflict(
            Msg(f"缴款编号 {call_no} 已存在", f"call {call_no} exists"), code="duplicate"
        )
    split = plan_call(
        commitments=_commitments(session, fund),
        calls=calls,
        call_no=call_no,
        call_date=call_date,
        amount=amount,
    )
    call = CapitalCall(
        fund_id=fund.id, call_no=call_no, call_date=call_date, amount=amount, by_investor=split
    )
    session.add(call)
    session.flush()
    _record(
        session,
        table="fund_capital_call",
        record_id=call.id,
        key=f"{fund.code}/{call_no}",
        action="create",
        changes={"amount": (None, amount), "by_investor": (None, split)},
        actor=actor,
    )
    return call


def plan_distribution(
    *, calls: Iterable[CapitalCall], dist_date: dt.date, amount: Decimal
) -> dict[str, str]:
    """The exact per-LP split of a distribution pro rata to paid-in on ``dist_date`` (no writes).

    Raises:
        ValidationError: ``no_paid_in`` when nothing has been paid in by then.
    """
    weights = paid_in_as_of(calls, dist_date)
    if not weights:
        raise ValidationError(
            Msg(
                f"分配日 {dist_date} 前没有实缴出资，无法分配",
                f"nothing paid in on or before {dist_date}; cannot distribute",
            ),
            code="no_paid_in",
        )
    return split_pro_rata(amount, weights)


def distribute(
    *,
    session: Session,
    fund: Fund,
    dist_no: str,
    dist_date: dt.date,
    dist_type: DistributionType,
    amount: Decimal,
    actor: str,
) -> Distribution:
    """Distribute ``amount`` to LPs pro rata to their paid-in capital on ``dist_date``.

    Raises:
        Conflict: the distribution number exists.
        ValidationError: nothing paid in yet.
    """
    _positive(Msg("分配金额", "distribution amount"), amount)
    exists = session.scalar(
        select(Distribution.id).where(
            Distribution.fund_id == fund.id, Distribution.dist_no == dist_no
        )
    )
    if exists is not None:
        raise Conflict(
            Msg(f"分配编号 {dist_no} 已存在", f"distribution {dist_no} exists"), code="duplicate"
        )
    split = plan_distribution(calls=_calls(session, fund), dist_date=dist_date, amount=amount)
    d = Distribution(
        fund_id=fund.id,
        dist_no=dist_no,
        dist_date=dist_date,
        dist_type=dist_type,
        amount=amount,
        by_investor=split,
    )
    session.add(d)
    session.flush()
    _record(
        session,
        table="fund_distribution",
        record_id=d.id,
        key=f"{fund.code}/{dist_no}",
        action="create",
        changes={"amount": (None, amount), "by_investor": (None, split)},
        actor=actor,
    )
    return d


# ---------------------------------------------------------------- valuations, investments


def record_valuation(
    *,
    session: Session,
    fund: Fund,
    as_of: dt.date,
    nav: Decimal,
    actor: str,
    gross: bool = False,
) -> Valuation:
    """Record (or correct) the fund's NAV at ``as_of`` (net unless ``gross``)."""
    if not is_fen_exact(nav):
        raise ValidationError(Msg("净值须精确到分", "NAV must be exact to the fen"))
    v = session.scalar(
        select(Valuation).where(
            Valuation.fund_id == fund.id, Valuation.as_of == as_of, Valuation.gross == gross
        )
    )
    old = None if v is None else v.nav
    if v is None:
        v = Valuation(fund_id=fund.id, as_of=as_of, nav=nav, gross=gross)
        session.add(v)
    else:
        v.nav = nav
    session.flush()
    if old != nav:
        _record(
            session,
            table="fund_valuation",
            record_id=v.id,
            key=f"{fund.code}/{as_of}{'/gross' if gross else ''}",
            action="create" if old is None else "update",
            changes={"nav": (old, nav)},
            actor=actor,
        )
    return v


def check_hard_tech(override: bool | None, reason: str | None) -> None:
    """A hard-tech override needs a reason.

    Raises:
        ValidationError: ``hard_tech_reason_required``.
    """
    if override is not None and not (reason or "").strip():
        raise ValidationError(
            Msg(
                "人工认定硬科技须填写理由",
                "a hard-tech override needs a reason",
            ),
            code="hard_tech_reason_required",
        )


def record_investment(
    *,
    session: Session,
    fund: Fund,
    investment_no: str,
    investee_name: str,
    amount: Decimal,
    invested_on: dt.date,
    stage: Stage,
    actor: str,
    uscc: str | None = None,
    round: str | None = None,
    hard_tech_override: bool | None = None,
    hard_tech_reason: str | None = None,
    local: bool | None = None,
    current_value: Decimal | None = None,
) -> Investment:
    """Record a fund's investment; the investee is linked to the registry by ``uscc`` when known.

    Raises:
        Conflict: the investment number exists.
        ValidationError: a hard-tech override without a reason, or a bad amount.
    """
    _positive(Msg("投资金额", "investment amount"), amount)
    check_hard_tech(hard_tech_override, hard_tech_reason)
    if session.scalar(select(Investment.id).where(Investment.investment_no == investment_no)):
        raise Conflict(
            Msg(f"投资编号 {investment_no} 已存在", f"investment {investment_no} exists"),
            code="duplicate",
        )
    enterprise_id = (
        None
        if uscc is None
        else session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
    )
    inv = Investment(
        investment_no=investment_no,
        fund_id=fund.id,
        enterprise_id=enterprise_id,
        investee_name=investee_name,
        amount=amount,
        invested_on=invested_on,
        round=round,
        stage=stage,
        hard_tech_override=hard_tech_override,
        hard_tech_reason=hard_tech_reason,
        local=local,
        current_value=current_value,
    )
    session.add(inv)
    session.flush()
    _record(
        session,
        table="fund_investment",
        record_id=inv.id,
        key=investment_no,
        action="create",
        changes={"amount": (None, amount), "stage": (None, stage)},
        actor=actor,
    )
    return inv


def record_exit(
    *,
    session: Session,
    investment: Investment,
    exited_on: dt.date,
    exit_proceeds: Decimal,
    actor: str,
) -> Investment:
    """Record the exit of ``investment``.

    Raises:
        Conflict: ``already_exited``.
        ValidationError: exit before the investment date or negative proceeds.
    """
    if investment.exited_on is not None:
        raise Conflict(
            Msg(
                f"投资 {investment.investment_no} 已于 {investment.exited_on} 退出",
                f"investment {investment.investment_no} exited on {investment.exited_on}",
            ),
            code="already_exited",
        )
    if exited_on < investment.invested_on:
        raise ValidationError(
            Msg("退出日期不能早于投资日期", "exit date is before the investment date"),
            code="exit_before_investment",
        )
    if exit_proceeds < 0 or not is_fen_exact(exit_proceeds):
        raise ValidationError(
            Msg(
                "退出金额须为非负且精确到分", "exit proceeds must be non-negative, exact to the fen"
            ),
            code="invalid_amount",
        )
    investment.exited_on = exited_on
    investment.exit_proceeds = exit_proceeds
    session.flush()
    _record(
        session,
        table="fund_investment",
        record_id=investment.id,
        key=investment.investment_no,
        action="update",
        changes={"exited_on": (None, exited_on), "exit_proceeds": (None, exit_proceeds)},
        actor=actor,
    )
    return investment


def phase_sizes(*, session: Session, fund: Fund) -> list[dict[str, str | None]]:
    """Target (from ``Fund.phases``) and committed (commitments tagged with the phase) per phase.

    Commitments without a phase are reported under ``未分期 / unphased``.
    """
    sums: dict[str | None, Decimal] = {}
    for phase, amount in session.execute(
        select(Commitment.phase, Commitment.amount).where(Commitment.fund_id == fund.id)
    ).all():
        sums[phase] = sums.get(phase, Decimal("0.00")) + amount
    rows: list[dict[str, str | None]] = []
    seen: set[str | None] = set()
    for entry in fund.phases or []:
        name = entry.get("phase")
        seen.add(name)
        rows.append(
            {
                "phase": name,
                "target": entry.get("target"),
                "committed": str(sums.get(name, Decimal("0.00"))),
            }
        )
    for name, total in sums.items():
        if name not in seen:
            rows.append(
                {"phase": name or "未分期 / unphased", "target": None, "committed": str(total)}
            )
    return rows
