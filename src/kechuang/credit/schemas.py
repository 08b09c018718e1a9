"""Pydantic schemas of the credit lifecycle: ``<Noun>Create`` (input) and ``<Noun>Read`` (output),
loan statements and the portfolio summary. Money is exact ``Decimal`` in 元 (JSON: strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kechuang.core.errors import KechuangError
from kechuang.core.ids import validate_uscc
from kechuang.credit.enums import (
    ApplicationStatus,
    LedgerKind,
    LoanStatus,
    RepaymentMethod,
    Security,
)


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value).code
    except KechuangError as exc:  # pydantic reports ValueError as a field error
        raise ValueError(exc.message.both()) from exc


# ---------------------------------------------------------------- input


class ApplicationCreate(BaseModel):
    """A credit application by an enterprise (USCC) to a bank (institution code)."""

    model_config = ConfigDict(extra="forbid")

    application_no: str = Field(min_length=1, max_length=40)
    uscc: str = Field(description="统一社会信用代码")
    bank_code: str = Field(min_length=1, max_length=32, description="银行机构代码")
    product_key: str = Field(min_length=1, max_length=60)
    requested_amount: Decimal = Field(gt=0, decimal_places=2)
    requested_term_months: int = Field(gt=0, le=600)
    applied_on: dt.date

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str) -> str:
        return _uscc(v)


class GrantCreate(BaseModel):
    """The terms of a credit grant (授信) given when an application is approved."""

    model_config = ConfigDict(extra="forbid")

    contract_no: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(gt=0, decimal_places=2)
    term_months: int = Field(gt=0, le=600, description="loan term of drawdowns, months")
    annual_rate: Decimal = Field(ge=0, lt=1, decimal_places=8, description="0.0345 = 3.45%")
    repayment_method: RepaymentMethod
    security: Security
    first_loan: bool = False
    conditions: str | None = None
    expires_on: dt.date | None = Field(
        default=None,
        description="last day a drawdown may be made (default: granted_on + term_months)",
    )
    lpr_spread_bp: int | None = None
    premium_paid: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    guarantee_fee_paid: Decimal | None = Field(default=None, ge=0, decimal_places=2)


# ---------------------------------------------------------------- records


class ApplicationRead(BaseModel):
    """A credit application as shown to users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    application_no: str
    enterprise_id: int
    bank_id: int
    product_key: str
    requested_amount: Decimal
    requested_term_months: int
    applied_on: dt.date
    status: ApplicationStatus
    decided_on: dt.date | None
    decided_by: str | None
    rejection_reason: str | None
    version: int


class GrantRead(BaseModel):
    """A credit grant as shown to users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    contract_no: str
    application_id: int | None
    enterprise_id: int
    bank_id: int
    product_key: str
    amount: Decimal
    granted_on: dt.date
    term_months: int
    expires_on: dt.date
    annual_rate: Decimal
    lpr_spread_bp: int | None
    repayment_method: RepaymentMethod
    security: Security
    first_loan: bool
    conditions: str | None
    cancelled_on: dt.date | None
    version: int


class LoanRead(BaseModel):
    """A loan as shown to users (no balance: see :class:`LoanStatement`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    loan_no: str
    grant_id: int
    enterprise_id: int
    bank_id: int
    product_key: str
    principal: Decimal
    drawdown_date: dt.date
    maturity_date: dt.date
    annual_rate: Decimal
    repayment_method: RepaymentMethod
    status: LoanStatus
    status_since: dt.date
    first_loan: bool
    unsecured: bool
    version: int


class InstallmentRead(BaseModel):
    """One scheduled installment."""

    model_config = ConfigDict(from_attributes=True)

    n: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal


class LedgerEventRead(BaseModel):
    """One ledger event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: LedgerKind
    event_date: dt.date
    amount: Decimal
    reference: str | None
    recorded_by: str


# ---------------------------------------------------------------- statement and portfolio


class StatementLine(BaseModel):
    """One installment of the schedule against what was paid by the statement date.

    Principal repaid is applied to installments oldest first (as for days past due).
    ``state``: ``paid``, ``partial`` (partly paid, not yet due), ``overdue`` (due before the
    statement date and not fully paid), ``due`` (due on the statement date) or ``upcoming``.
    """

    n: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    principal_paid: Decimal
    principal_unpaid: Decimal
    state: str
    days_past_due: int


class LoanStatement(BaseModel):
    """A loan at a date: status, balances from the ledger, days past due, schedule vs paid, events."""

    loan: LoanRead
    contract_no: str
    as_of: dt.date
    status: LoanStatus
    """Recorded status (as of its last transition, ``loan.status_since``)."""
    status_by_ledger: LoanStatus
    """What the ledger says at ``as_of`` for a current/overdue loan (``current`` / ``overdue`` /
    ``repaid``); equal to ``status`` otherwise. Differs from ``status`` until
    ``service.refresh_status`` records the change."""
    outstanding: Decimal
    principal_repaid: Decimal
    interest_paid: Decimal
    written_off: Decimal
    recovered: Decimal
    days_past_due: int
    bucket: str
    principal_due_to_date: Decimal
    """Scheduled principal of installments due on or before ``as_of``."""
    interest_due_to_date: Decimal
    """Scheduled interest of installments due on or before ``as_of``."""
    principal_in_arrears: Decimal
    """Scheduled principal due before ``as_of`` not covered by principal repaid."""
    schedule: list[StatementLine]
    events: list[LedgerEventRead]
    """Ledger events dated on or before ``as_of``."""


class PortfolioLine(BaseModel):
    """Loans with a balance in one group of the portfolio."""

    loans: int = 0
    borrowers: int = 0
    outstanding: Decimal = Decimal("0.00")


class Portfolio(BaseModel):
    """Outstanding loans at a date, for one bank or all.

    Only loans with outstanding principal > 0 count. ``borrowers`` is 存量户数 (distinct
    enterprises with a balance). ``by_status`` uses the recorded status, except that a
    current/overdue loan is classed by its days past due at ``as_of``.
    """

    as_of: dt.date
    bank_id: int | None
    loans: int
    borrowers: int
    outstanding: Decimal
    by_status: dict[str, PortfolioLine]
    by_bucket: dict[str, PortfolioLine]
