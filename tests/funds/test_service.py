"""Fund services on SQLite and PostgreSQL: lifecycle, commitments, calls, distributions,
valuations, investments and exits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.funds import service
from kechuang.funds.enums import DistributionType, FundKind, FundState, InvestorType, Stage
from kechuang.funds.models import Fund
from kechuang.storage.db import unit_of_work

D = dt.date


def make_fund(session: Session, code: str = "SUB-1", kind: FundKind = FundKind.SUB_FUND) -> Fund:
    return service.create_fund(
        session=session,
        code=code,
        name=f"基金 {code}",
        kind=kind,
        vintage=2024,
        target_size=Decimal("300000000"),
        actor="t",
    )


def three_lps(session: Session, fund: Fund) -> None:
    for key, amount in (("A", "100"), ("B", "100"), ("C", "100")):
        service.commit(
            session=session,
            fund=fund,
            investor_key=key,
            investor_name=key,
            investor_type=InvestorType.MARKET,
            amount=Decimal(amount),
            committed_on=D(2024, 1, 1),
            actor="t",
        )


def test_lifecycle_forward_only(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        fund = make_fund(session)
        assert fund.state is FundState.FUNDRAISING
        service.set_state(
            session=session, fund=fund, to=FundState.INVESTING, on=D(2024, 6, 1), actor="t"
        )
        service.set_state(
            session=session, fund=fund, to=FundState.EXITING, on=D(2030, 1, 1), actor="t"
        )
        for bad in (FundState.EXITING, FundState.MANAGING, FundState.FUNDRAISING):
            with pytest.raises(Conflict) as info:
                service.set_state(session=session, fund=fund, to=bad, on=D(2030, 2, 1), actor="t")
            assert info.value.code == "invalid_transition"
        service.set_state(
            session=session, fund=fund, to=FundState.LIQUIDATED, on=D(2034, 1, 1), actor="t"
        )
        with pytest.raises(Conflict):
            service.set_state(
                session=session, fund=fund, to=FundState.LIQUIDATED, on=D(2034, 1, 2), actor="t"
            )
    with unit_of_work(db_url) as session:
        assert service.get_by_code(session=session, code="SUB-1").state is FundState.LIQUIDATED
        with pytest.raises(NotFound):
            service.get_by_code(session=session, code="NOPE")
        with pytest.raises(Conflict):
            make_fund(session)


def test_call_and_distribute_exactly(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        fund = make_fund(session)
        three_lps(session, fund)
        call = service.call_capital(
            session=session,
            fund=fund,
            call_no="C-1",
            call_date=D(2024, 2, 1),
            amount=Decimal("100.01"),
            actor="t",
        )
        assert sum(Decimal(v) for v in call.by_investor.values()) == Decimal("100.01")
        assert sorted(call.by_investor.values()) == ["33.33", "33.34", "33.34"]
        with pytest.raises(Conflict):
            service.call_capital(
                session=session,
                fund=fund,
                call_no="C-1",
                call_date=D(2024, 2, 1),
                amount=Decimal("1"),
                actor="t",
            )
        with pytest.raises(ValidationError) as info:
            service.call_capital(
                session=session,
                fund=fund,
                call_no="C-2",
                call_date=D(2024, 3, 1),
                amount=Decimal("200.00"),
                actor="t",
            )
        assert info.value.code == "over_committed"
        d = service.distribute(
            session=session,
            fund=fund,
            dist_no="D-1",
            dist_date=D(2025, 1, 1),
            dist_type=DistributionType.GAIN,
            amount=Decimal("10.00"),
            actor="t",
        )
        assert sum(Decimal(v) for v in d.by_investor.values()) == Decimal("10.00")
        with pytest.raises(ValidationError) as info:
            service.distribute(
                session=session,
                fund=fund,
                dist_no="D-0",
                dist_date=D(2024, 1, 15),
                dist_type=DistributionType.GAIN,
                amount=Decimal("1"),
                actor="t",
            )
        assert info.value.code == "no_paid_in"


def test_call_before_any_commitment(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        fund = make_fund(session)
        three_lps(session, fund)
        with pytest.raises(ValidationError) as info:
            service.call_capital(
                session=session,
                fund=fund,
                call_no="C-0",
                call_date=D(2023, 12, 31),
                amount=Decimal("1"),
                actor="t",
            )
        assert info.value.code == "no_commitments"


def test_fund_of_funds_commitment(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        fof = make_fund(session, "FOF-1", FundKind.FUND_OF_FUNDS)
        sub = make_fund(session)
        c = service.commit(
            session=session,
            fund=sub,
            investor_key="ignored",
            investor_name="母基金",
            investor_type=InvestorType.FUND,
            amount=Decimal("5"),
            committed_on=D(2024, 1, 1),
            actor="t",
            investor_fund=fof,
        )
        assert c.investor_key == "fund:FOF-1" and c.investor_fund_id == fof.id
        with pytest.raises(Conflict):
            service.commit(
                session=session,
                fund=fof,
                investor_key="x",
                investor_name="x",
                investor_type=InvestorType.FUND,
                amount=Decimal("5"),
                committed_on=D(2024, 1, 1),
                actor="t",
                investor_fund=fof,
            )


def test_valuation_investment_exit(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        fund = make_fund(session)
        v = service.record_valuation(
            session=session, fund=fund, as_of=D(2024, 12, 31), nav=Decimal("9.5"), actor="t"
        )
        again = service.record_valuation(
            session=session, fund=fund, as_of=D(2024, 12, 31), nav=Decimal("9.75"), actor="t"
        )
        assert again.id == v.id and again.nav == Decimal("9.75")
        with pytest.raises(ValidationError) as info:
            service.record_investment(
                session=session,
                fund=fund,
                investment_no="I-1",
                investee_name="甲",
                amount=Decimal("10"),
                invested_on=D(2024, 3, 1),
                stage=Stage.SEED,
                actor="t",
                hard_tech_override=True,
            )
        assert info.value.code == "hard_tech_reason_required"
        inv = service.record_investment(
            session=session,
            fund=fund,
            investment_no="I-1",
            investee_name="甲",
            amount=Decimal("10"),
            invested_on=D(2024, 3, 1),
            stage=Stage.SEED,
            actor="t",
            uscc="91310115MA1H7K2A16",
            hard_tech_override=True,
            hard_tech_reason="芯片",
        )
        assert inv.enterprise_id is None
        with pytest.raises(ValidationError):
            service.record_exit(
                session=session,
                investment=inv,
                exited_on=D(2024, 1, 1),
                exit_proceeds=Decimal("1"),
                actor="t",
            )
        service.record_exit(
            session=session,
            investment=inv,
            exited_on=D(2026, 1, 1),
            exit_proceeds=Decimal("30"),
            actor="t",
        )
        assert inv.exit_proceeds == Decimal("30")
        with pytest.raises(Conflict):
            service.record_exit(
                session=session,
                investment=inv,
                exited_on=D(2026, 2, 1),
                exit_proceeds=Decimal("1"),
                actor="t",
            )
