"""ORM records of the insurance domain.

Natural keys: ``InsurancePolicy.policy_no``; ``CoinsuranceShare`` (policy, insurer);
``InsuredObject`` (policy, kind, ref); ``PremiumSubsidy.subsidy_no``; ``InsuranceClaim.claim_no``.
Money is exact (元); shares are exact fractions stored with 8 decimals and must sum to exactly 1.
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

from kechuang.insurance.enums import (
    ClaimStatus,
    InsuranceLine,
    InsuredObjectKind,
    PolicyStatus,
    SubsidyStatus,
)
from kechuang.storage import Base, Money, Ratio, TimestampMixin
from kechuang.storage.base import enum_type


class InsurancePolicy(TimestampMixin, Base):
    """An insurance policy: insured party, objects, cover, premium, term, co-insurers."""

    __tablename__ = "insurance_policy"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="term_order"),
        CheckConstraint("sum_insured > 0", name="sum_insured_positive"),
        CheckConstraint("premium >= 0", name="premium_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_no: Mapped[str] = mapped_column(String(60), unique=True)
    product_key: Mapped[str] = mapped_column(String(60), index=True)
    line: Mapped[InsuranceLine] = mapped_column(enum_type(InsuranceLine), index=True)
    insured_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), index=True
    )
    insured_institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id"), index=True
    )
    """For insured parties that are institutions (hospitals, universities, incubators)."""
    insured_name: Mapped[str] = mapped_column(String(200))
    sum_insured: Mapped[Decimal] = mapped_column(Money())
    """保额 (风险保障), 元."""
    premium: Mapped[Decimal] = mapped_column(Money())
    """Premium actually charged, 元."""
    rate: Mapped[Decimal] = mapped_column(Ratio())
    """Premium rate (premium ÷ sum insured as priced, e.g. 0.03 for 3%)."""
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date] = mapped_column(Date, index=True)
    """Last day of cover (inclusive)."""
    status: Mapped[PolicyStatus] = mapped_column(
        enum_type(PolicyStatus), default=PolicyStatus.BOUND
    )
    bound_on: Mapped[dt.date | None] = mapped_column(Date)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_policy.id"))
    pool_key: Mapped[str | None] = mapped_column(String(60), index=True)
    """Co-insurance pool (共保体) the policy was placed with, e.g. ``china_ic_pool``."""
    district_code: Mapped[str | None] = mapped_column(String(6))
    incubator_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    """For start-up founder liability: the incubator the insured start-up sits in."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    shares: Mapped[list[CoinsuranceShare]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="CoinsuranceShare.id"
    )
    objects: Mapped[list[InsuredObject]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="InsuredObject.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CoinsuranceShare(Base):
    """One insurer's share of a policy (the lead insurer is marked)."""

    __tablename__ = "coinsurance_share"
    __table_args__ = (
        UniqueConstraint("policy_id", "insurer_id"),
        CheckConstraint("share > 0", name="share_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_policy.id", ondelete="CASCADE"), index=True
    )
    insurer_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    share: Mapped[Decimal] = mapped_column(Ratio())
    lead: Mapped[bool] = mapped_column(Boolean, default=False)

    policy: Mapped[InsurancePolicy] = relationship(back_populates="shares")


class InsuredObject(Base):
    """Something a policy covers: a project, an equipment set, a clinical trial, a founder…"""

    __tablename__ = "insured_object"
    __table_args__ = (UniqueConstraint("policy_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_policy.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[InsuredObjectKind] = mapped_column(enum_type(InsuredObjectKind))
    ref: Mapped[str] = mapped_column(String(80))
    """Identifier of the object: project code, equipment key, trial registration no., founder code."""
    name: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    """The enterprise the object belongs to (e.g. a founder's start-up)."""
    sum_insured: Mapped[Decimal | None] = mapped_column(Money())

    policy: Mapped[InsurancePolicy] = relationship(back_populates="objects")


class PremiumSubsidy(TimestampMixin, Base):
    """A premium-subsidy application on a policy, checked against the product's subsidy rule."""

    __tablename__ = "premium_subsidy"

    id: Mapped[int] = mapped_column(primary_key=True)
    subsidy_no: Mapped[str] = mapped_column(String(60), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("insurance_policy.id"), index=True)
    equipment_key: Mapped[str | None] = mapped_column(String(80), index=True)
    """For first-of-kind equipment: which equipment set (years subsidised are counted per set)."""
    applied_on: Mapped[dt.date] = mapped_column(Date)
    applicant: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Money())
    """Subsidy computed by the rule, 元."""
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Every rule applied: rule, observed, required, effect, reference, status, message_zh/en."""
    status: Mapped[SubsidyStatus] = mapped_column(
        enum_type(SubsidyStatus), default=SubsidyStatus.APPLIED
    )
    maker: Mapped[str | None] = mapped_column(String(120))
    checker: Mapped[str | None] = mapped_column(String(120))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    payment_ref: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class InsuranceClaim(TimestampMixin, Base):
    """A claim under a policy: notified → assessed → paid / rejected, allocated across co-insurers."""

    __tablename__ = "insurance_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(60), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("insurance_policy.id"), index=True)
    loss_date: Mapped[dt.date] = mapped_column(Date)
    notified_on: Mapped[dt.date] = mapped_column(Date)
    assessed_amount: Mapped[Decimal | None] = mapped_column(Money())
    assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal | None] = mapped_column(Money())
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    allocations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Insurer code → amount (text, exact to the fen; sums to the paid amount)."""
    status: Mapped[ClaimStatus] = mapped_column(
        enum_type(ClaimStatus), default=ClaimStatus.NOTIFIED
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
