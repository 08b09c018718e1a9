"""ORM records of the credit domain.

Natural keys: ``CreditApplication.application_no``, ``CreditGrant.contract_no``,
``Loan.loan_no``, ``CompensationClaim.claim_no``, ``RefinanceSubmission.submission_no``.
Balances are never stored: the outstanding principal of a loan at a date is the sum of its
:class:`LedgerEvent` rows up to that date (:mod:`kechuang.credit.ledger`). Money is exact, in 元.
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
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.credit.enums import (
    ApplicationStatus,
    ClaimStatus,
    LedgerKind,
    LoanStatus,
    RefinanceProgramme,
    RepaymentMethod,
    Security,
)
from kechuang.storage import Base, Money, Ratio, TimestampMixin
from kechuang.storage.base import enum_type, utcnow


class CreditApplication(TimestampMixin, Base):
    """An enterprise's application for a credit product at a bank."""

    __tablename__ = "credit_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_no: Mapped[str] = mapped_column(String(40), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    product_key: Mapped[str] = mapped_column(String(60), index=True)
    requested_amount: Mapped[Decimal] = mapped_column(Money())
    requested_term_months: Mapped[int] = mapped_column(Integer)
    applied_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus), default=ApplicationStatus.SUBMITTED
    )
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CreditGrant(TimestampMixin, Base):
    """A credit grant (授信): an approved line with amount, term, rate and conditions."""

    __tablename__ = "credit_grant"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_no: Mapped[str] = mapped_column(String(60), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("credit_application.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    product_key: Mapped[str] = mapped_column(String(60), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    granted_on: Mapped[dt.date] = mapped_column(Date, index=True)
    term_months: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    annual_rate: Mapped[Decimal] = mapped_column(Ratio())
    """Annual interest rate as a fraction (0.0345 = 3.45%)."""
    lpr_spread_bp: Mapped[int | None] = mapped_column(Integer)
    """For LPR-priced grants: spread over the LPR in basis points."""
    repayment_method: Mapped[RepaymentMethod] = mapped_column(enum_type(RepaymentMethod))
    security: Mapped[Security] = mapped_column(enum_type(Security))
    first_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    """首贷: the enterprise's first bank loan ever."""
    conditions: Mapped[str | None] = mapped_column(Text)
    premium_paid: Mapped[Decimal | None] = mapped_column(Money())
    """Performance-guarantee insurance premium actually paid (保费), 元 — feeds premium subsidies."""
    guarantee_fee_paid: Mapped[Decimal | None] = mapped_column(Money())
    """Guarantee fee actually paid (担保费), 元 — feeds guarantee-fee subsidies."""
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    loans: Mapped[list[Loan]] = relationship(back_populates="grant")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Loan(TimestampMixin, Base):
    """A loan drawn under a credit grant. Its balance is derived from :class:`LedgerEvent` rows."""

    __tablename__ = "loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_no: Mapped[str] = mapped_column(String(60), unique=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("credit_grant.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    product_key: Mapped[str] = mapped_column(String(60), index=True)
    principal: Mapped[Decimal] = mapped_column(Money())
    """Amount drawn (the drawdown ledger event carries the same amount)."""
    drawdown_date: Mapped[dt.date] = mapped_column(Date, index=True)
    maturity_date: Mapped[dt.date] = mapped_column(Date)
    annual_rate: Mapped[Decimal] = mapped_column(Ratio())
    repayment_method: Mapped[RepaymentMethod] = mapped_column(enum_type(RepaymentMethod))
    status: Mapped[LoanStatus] = mapped_column(enum_type(LoanStatus), default=LoanStatus.CURRENT)
    status_since: Mapped[dt.date] = mapped_column(Date)
    first_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    unsecured: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    grant: Mapped[CreditGrant] = relationship(back_populates="loans")
    events: Mapped[list[LedgerEvent]] = relationship(
        back_populates="loan", order_by="LedgerEvent.event_date, LedgerEvent.id"
    )
    installments: Mapped[list[Installment]] = relationship(
        back_populates="loan", order_by="Installment.n", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Installment(Base):
    """One scheduled installment of a loan (computed by :mod:`kechuang.credit.schedule`)."""

    __tablename__ = "loan_installment"
    __table_args__ = (UniqueConstraint("loan_id", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id", ondelete="CASCADE"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money())
    interest: Mapped[Decimal] = mapped_column(Money())

    loan: Mapped[Loan] = relationship(back_populates="installments")


class LedgerEvent(Base):
    """One money movement on a loan. Append-only: corrections are new events."""

    __tablename__ = "loan_ledger_event"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(enum_type(LedgerKind))
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    reference: Mapped[str | None] = mapped_column(String(80))
    """External reference (bank transaction id, claim number…); with kind and date it is the natural key of imported events."""
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    loan: Mapped[Loan] = relationship(back_populates="events")


class CompensationClaim(TimestampMixin, Base):
    """A bank's claim for risk compensation on a defaulted loan (maker-checker approval)."""

    __tablename__ = "compensation_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(40), unique=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    agreement_key: Mapped[str] = mapped_column(String(60))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    filed_by: Mapped[str] = mapped_column(String(120))
    loss_date: Mapped[dt.date | None] = mapped_column(Date)
    """The day the loan entered its defaulted / written-off status, as it was when the claim was
    filed (the loan's ``status_since`` moves on if it is later written off). ``None`` only for
    claims filed before this column existed (migration 0009)."""
    eligible_loss: Mapped[Decimal] = mapped_column(Money())
    shares: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Party → {"share": "0.55", "amount": "550000.00"}; amounts sum exactly to the eligible loss."""
    government_amount: Mapped[Decimal] = mapped_column(Money())
    """Government pool's share after caps (what is paid out)."""
    cap_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus), default=ClaimStatus.FILED)
    maker: Mapped[str | None] = mapped_column(String(120))
    """First approver (proposes approval)."""
    checker: Mapped[str | None] = mapped_column(String(120))
    """Second approver; must differ from the maker."""
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    clawed_back_on: Mapped[dt.date | None] = mapped_column(Date)
    clawback_reason: Mapped[str | None] = mapped_column(Text)
    recovered_to_pool: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RefinanceQuota(TimestampMixin, Base):
    """A bank's quota under a refinancing programme for a year."""

    __tablename__ = "refinance_quota"
    __table_args__ = (UniqueConstraint("programme", "bank_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[RefinanceProgramme] = mapped_column(enum_type(RefinanceProgramme))
    bank_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quota: Mapped[Decimal] = mapped_column(Money())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RefinanceSubmission(TimestampMixin, Base):
    """A bank's batch of loans (or bills) submitted for re-lending / rediscount."""

    __tablename__ = "refinance_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_no: Mapped[str] = mapped_column(String(40), unique=True)
    programme: Mapped[RefinanceProgramme] = mapped_column(enum_type(RefinanceProgramme))
    bank_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(120))
    refinanced_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[RefinanceItem]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RefinanceItem(Base):
    """One loan or bill in a refinancing submission, with the checks applied to it."""

    __tablename__ = "refinance_item"
    __table_args__ = (UniqueConstraint("submission_id", "item_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("refinance_submission.id", ondelete="CASCADE"), index=True
    )
    item_ref: Mapped[str] = mapped_column(String(60))
    """Loan number (re-lending) or bill number (rediscount)."""
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    eligible: Mapped[bool] = mapped_column(Boolean)
    refinanced_amount: Mapped[Decimal] = mapped_column(Money())
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Every check applied: criterion, passed, observed, required, message_zh, message_en."""

    submission: Mapped[RefinanceSubmission] = relationship(back_populates="items")
