"""ORM records of the funds domain.

Natural keys: ``Fund.code``; ``Commitment`` (fund, investor_key); ``CapitalCall`` (fund, call_no);
``Distribution`` (fund, dist_no); ``Valuation`` (fund, as_of); ``Investment.investment_no``.
A commitment's investor is an LP: a registry institution, an enterprise, another fund (fund of
funds → sub-fund) or a named investor. All cash flows are dated and exact (元).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.funds.enums import DistributionType, FundKind, FundState, InvestorType, Stage
from kechuang.storage import Base, Money, TimestampMixin
from kechuang.storage.base import enum_type


class Fund(TimestampMixin, Base):
    """A fund: guide fund, fund of funds, sub-fund or direct fund."""

    __tablename__ = "fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FundKind] = mapped_column(enum_type(FundKind), index=True)
    sponsor_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    manager_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    vintage: Mapped[int] = mapped_column(Integer)
    target_size: Mapped[Decimal] = mapped_column(Money())
    closed_size: Mapped[Decimal | None] = mapped_column(Money())
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Closings by phase: ``[{"phase": "首期", "target": "1000000000.00", "closed": "500000000.00", "date": "2024-12-01"}]``."""
    term_years: Mapped[int | None] = mapped_column(Integer)
    extension_years: Mapped[int | None] = mapped_column(Integer)
    focus_sectors: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Investment rules as parameters: ``max_public_share``, ``min_local_reinvestment``, ``stage_quotas`` …, each with reference and status."""
    state: Mapped[FundState] = mapped_column(enum_type(FundState), default=FundState.FUNDRAISING)
    district_code: Mapped[str | None] = mapped_column(String(6))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Commitment(TimestampMixin, Base):
    """An LP's commitment to a fund (a fund of funds committing to a sub-fund is an LP too)."""

    __tablename__ = "fund_commitment"
    __table_args__ = (
        UniqueConstraint("fund_id", "investor_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    investor_key: Mapped[str] = mapped_column(String(60))
    """Natural key of the LP: institution code, USCC, ``fund:<code>`` or a name."""
    investor_name: Mapped[str] = mapped_column(String(200))
    investor_type: Mapped[InvestorType] = mapped_column(enum_type(InvestorType))
    investor_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    investor_fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), index=True)
    """Set when the LP is another fund (fund-of-funds → sub-fund commitment)."""
    amount: Mapped[Decimal] = mapped_column(Money())
    committed_on: Mapped[dt.date] = mapped_column(Date)
    phase: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)

    fund: Mapped[Fund] = relationship(foreign_keys=[fund_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CapitalCall(Base):
    """Capital called from (and paid in by) LPs on a date; ``by_investor`` splits it exactly."""

    __tablename__ = "fund_capital_call"
    __table_args__ = (
        UniqueConstraint("fund_id", "call_no"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    call_no: Mapped[str] = mapped_column(String(40))
    call_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    by_investor: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """investor_key → amount paid in (text, exact); sums to ``amount``."""


class Distribution(Base):
    """A distribution to LPs on a date, by type; ``by_investor`` splits it exactly."""

    __tablename__ = "fund_distribution"
    __table_args__ = (
        UniqueConstraint("fund_id", "dist_no"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    dist_no: Mapped[str] = mapped_column(String(40))
    dist_date: Mapped[dt.date] = mapped_column(Date)
    dist_type: Mapped[DistributionType] = mapped_column(enum_type(DistributionType))
    amount: Mapped[Decimal] = mapped_column(Money())
    by_investor: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Valuation(Base):
    """The fund's net asset value (NAV) at a date, net of fees and carry unless ``gross``."""

    __tablename__ = "fund_valuation"
    __table_args__ = (UniqueConstraint("fund_id", "as_of", "gross"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    nav: Mapped[Decimal] = mapped_column(Money())
    gross: Mapped[bool] = mapped_column(Boolean, default=False)


class Investment(TimestampMixin, Base):
    """A fund's investment in a registry enterprise (round, stage, hard-tech and local flags, exit)."""

    __tablename__ = "fund_investment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investment_no: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    investee_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money())
    invested_on: Mapped[dt.date] = mapped_column(Date)
    round: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[Stage] = mapped_column(enum_type(Stage))
    hard_tech_override: Mapped[bool | None] = mapped_column(Boolean)
    """Overrides the derived hard-tech flag (with ``hard_tech_reason``)."""
    hard_tech_reason: Mapped[str | None] = mapped_column(Text)
    local: Mapped[bool | None] = mapped_column(Boolean)
    """Invested in the city (返投); ``None`` = derive from the enterprise's registration."""
    exited_on: Mapped[dt.date | None] = mapped_column(Date)
    exit_proceeds: Mapped[Decimal | None] = mapped_column(Money())
    current_value: Mapped[Decimal | None] = mapped_column(Money())
    version: Mapped[int] = mapped_column(Integer, default=1)

    fund: Mapped[Fund] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
