"""Credit: applications, grants, loans, risk-compensation claims and bank reporting imports.

Bank officers see and change only their own bank's records; enterprises see their own; the
government and auditors see everything (``kechuang.auth.policy``). Claim approval is the credit
domain's own maker-checker (``kechuang.credit.claims.approve_claim``), mirrored in the approvals
queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.uploads import ImportReportOut, import_upload, reject_foreign_rows
from kechuang.auth import approvals
from kechuang.auth.enums import ApprovalKind, Role
from kechuang.core import importspec as sp
from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.core.tabular import read_table
from kechuang.credit import claims as credit_claims
from kechuang.credit import imports as credit_imports
from kechuang.credit import service as credit_service
from kechuang.credit.enums import ApplicationStatus, ClaimStatus, LoanStatus
from kechuang.credit.models import CompensationClaim, CreditApplication, CreditGrant, Loan
from kechuang.credit.schemas import (
    ApplicationCreate,
    ApplicationRead,
    GrantCreate,
    GrantRead,
    LoanRead,
    LoanStatement,
)
from kechuang.registry.models import Institution

router = APIRouter(prefix="/credit", tags=["credit"])

Key = Annotated[str, Path(min_length=1, max_length=60)]


class FileClaimIn(BaseModel):
    """A compensation claim filed by the lending bank."""

    claim_no: str = Field(min_length=1, max_length=40)
    loan_no: str = Field(min_length=1, max_length=60)
    agreement_key: str = Field(min_length=1, max_length=60)
    on: dt.date


class OnDate(BaseModel):
    """The business date of an action."""

    on: dt.date


# ----------------------------------------------------------------------------- applications


@router.get("/applications", response_model=Page[ApplicationRead])
def list_applications(
    scoped: Annotated[Scoped, authorize("credit.application", "read")],
    page: PageDep,
    status: ApplicationStatus | None = None,
    product: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[ApplicationRead]:
    """Credit applications (a bank sees its own, an enterprise its own)."""
    stmt = select(CreditApplication).order_by(CreditApplication.application_no)
    if status is not None:
        stmt = stmt.where(CreditApplication.status == status)
    if product:
        stmt = stmt.where(CreditApplication.product_key == product)
    return paginate(scoped.session, scoped.scope(stmt), page, ApplicationRead.model_validate)


def _application(scoped: Scoped, application_no: str) -> CreditApplication:
    """The application, if it is within the caller's organisation (else 403/404)."""
    app = credit_service.get_application(session=scoped.session, application_no=application_no)
    scoped.check(app, "credit.application")
    return app


@router.get("/applications/{application_no}", response_model=ApplicationRead)
def get_application(
    application_no: Key, scoped: Annotated[Scoped, authorize("credit.application", "read")]
) -> ApplicationRead:
    """One credit application."""
    app = credit_service.get_application(session=scoped.session, application_no=application_no)
    scoped.check(app)
    return ApplicationRead.model_validate(app)


@router.post("/applications", response_model=ApplicationRead, status_code=201)
def submit_application(
    body: ApplicationCreate,
    scoped: Annotated[Scoped, authorize("credit.application", "write")],
) -> ApplicationRead:
    """Record an application: a bank records one it received, an enterprise applies itself."""
    scoped.require_own(institution=body.bank_code, enterprise=body.uscc)
    app = credit_service.submit_application(
        session=scoped.session, application_in=body, actor=scoped.actor
    )
    return ApplicationRead.model_validate(app)


class DecisionIn(BaseModel):
    """A bank's decision on an application: grant terms to approve, or a reason to reject."""

    on: dt.date
    grant: GrantCreate | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=2000)


@router.post("/applications/{application_no}/review", response_model=ApplicationRead)
def start_review(
    application_no: Key,
    body: OnDate,
    scoped: Annotated[Scoped, authorize("credit.grant", "write")],
) -> ApplicationRead:
    """The bank starts reviewing an application it received (submitted → under review)."""
    app = _application(scoped, application_no)
    app = credit_service.start_review(
        session=scoped.session, application=app, on=body.on, actor=scoped.actor
    )
    return ApplicationRead.model_validate(app)


@router.post("/applications/{application_no}/approve", response_model=GrantRead, status_code=201)
def approve_application(
    application_no: Key,
    body: DecisionIn,
    scoped: Annotated[Scoped, authorize("credit.grant", "write")],
) -> GrantRead:
    """The bank approves an application it received: the credit grant (授信) with its terms."""
    app = _application(scoped, application_no)
    if body.grant is None:
        raise ValidationError(
            Msg("批准授信需要授信条款（grant）", "approving needs the grant terms (grant)"),
            code="grant_required",
        )
    grant = credit_service.approve_application(
        session=scoped.session, application=app, grant_in=body.grant, on=body.on, actor=scoped.actor
    )
    return GrantRead.model_validate(grant)


@router.post("/applications/{application_no}/reject", response_model=ApplicationRead)
def reject_application(
    application_no: Key,
    body: DecisionIn,
    scoped: Annotated[Scoped, authorize("credit.grant", "write")],
) -> ApplicationRead:
    """The bank rejects an application it received (a reason is required)."""
    app = _application(scoped, application_no)
    if not body.reason:
        raise ValidationError(
            Msg("拒绝申请需要说明理由（reason）", "rejecting needs a reason"),
            code="reason_required",
        )
    app = credit_service.reject_application(
        session=scoped.session, application=app, reason=body.reason, on=body.on, actor=scoped.actor
    )
    return ApplicationRead.model_validate(app)


class WithdrawIn(BaseModel):
    """The applicant withdraws its application (submitted or under review)."""

    on: dt.date
    reason: str | None = Field(default=None, min_length=1, max_length=2000)


@router.post("/applications/{application_no}/withdraw", response_model=ApplicationRead)
def withdraw_application(
    application_no: Key,
    body: WithdrawIn,
    scoped: Annotated[Scoped, authorize("credit.application", "withdraw")],
) -> ApplicationRead:
    """The enterprise withdraws its own application (submitted or under review → withdrawn)."""
    app = _application(scoped, application_no)
    app = credit_service.withdraw_application(
        session=scoped.session, application=app, on=body.on, actor=scoped.actor, reason=body.reason
    )
    return ApplicationRead.model_validate(app)


class DrawdownIn(BaseModel):
    """A drawdown under a credit grant."""

    loan_no: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(gt=0, decimal_places=2)
    on: dt.date
    months: int | None = Field(default=None, gt=0, le=600)
    reference: str | None = Field(default=None, max_length=80)


class RepaymentIn(BaseModel):
    """A repayment of principal and / or interest."""

    principal: Decimal = Field(default=Decimal("0"), ge=0, decimal_places=2)
    interest: Decimal = Field(default=Decimal("0"), ge=0, decimal_places=2)
    on: dt.date
    reference: str | None = Field(default=None, max_length=80)


# ----------------------------------------------------------------------------- grants, loans


@router.get("/grants", response_model=Page[GrantRead])
def list_grants(
    scoped: Annotated[Scoped, authorize("credit.grant", "read")],
    page: PageDep,
    granted_from: dt.date | None = None,
    granted_to: dt.date | None = None,
) -> Page[GrantRead]:
    """Credit grants (授信)."""
    stmt = select(CreditGrant).order_by(CreditGrant.contract_no)
    if granted_from:
        stmt = stmt.where(CreditGrant.granted_on >= granted_from)
    if granted_to:
        stmt = stmt.where(CreditGrant.granted_on <= granted_to)
    return paginate(scoped.session, scoped.scope(stmt), page, GrantRead.model_validate)


@router.get("/grants/{contract_no}", response_model=GrantRead)
def get_grant(
    contract_no: Key, scoped: Annotated[Scoped, authorize("credit.grant", "read")]
) -> GrantRead:
    """One credit grant by contract number."""
    grant = credit_service.get_grant_by_contract(session=scoped.session, contract_no=contract_no)
    scoped.check(grant)
    return GrantRead.model_validate(grant)


@router.get("/loans", response_model=Page[LoanRead])
def list_loans(
    scoped: Annotated[Scoped, authorize("credit.loan", "read")],
    page: PageDep,
    status: LoanStatus | None = None,
) -> Page[LoanRead]:
    """Loans."""
    stmt = select(Loan).order_by(Loan.loan_no)
    if status is not None:
        stmt = stmt.where(Loan.status == status)
    return paginate(scoped.session, scoped.scope(stmt), page, LoanRead.model_validate)


@router.get("/loans/{loan_no}", response_model=LoanRead)
def get_loan(loan_no: Key, scoped: Annotated[Scoped, authorize("credit.loan", "read")]) -> LoanRead:
    """One loan."""
    loan = credit_service.get_loan(session=scoped.session, loan_no=loan_no)
    scoped.check(loan)
    return LoanRead.model_validate(loan)


@router.get("/loans/{loan_no}/statement", response_model=LoanStatement)
def loan_statement(
    loan_no: Key,
    scoped: Annotated[Scoped, authorize("credit.loan", "read")],
    on: dt.date | None = None,
) -> LoanStatement:
    """Balances, days past due, schedule against payments and events of a loan on a date."""
    loan = credit_service.get_loan(session=scoped.session, loan_no=loan_no)
    scoped.check(loan)
    return credit_service.loan_statement(loan=loan, on=on or today())


@router.post("/grants/{contract_no}/drawdowns", response_model=LoanRead, status_code=201)
def draw_down(
    contract_no: Key,
    body: DrawdownIn,
    scoped: Annotated[Scoped, authorize("credit.loan", "write")],
) -> LoanRead:
    """Record a drawdown under one of the caller's bank's grants (loan, event, installments)."""
    grant = credit_service.get_grant_by_contract(session=scoped.session, contract_no=contract_no)
    scoped.check(grant, "credit.grant")
    loan = credit_service.draw_down(
        session=scoped.session,
        grant=grant,
        loan_no=body.loan_no,
        amount=body.amount,
        on=body.on,
        actor=scoped.actor,
        months=body.months,
        reference=body.reference,
    )
    return LoanRead.model_validate(loan)


@router.post("/loans/{loan_no}/repayments", response_model=LoanRead)
def repay(
    loan_no: Key,
    body: RepaymentIn,
    scoped: Annotated[Scoped, authorize("credit.loan", "write")],
) -> LoanRead:
    """Record a repayment on one of the caller's bank's loans (its status follows the ledger)."""
    loan = credit_service.get_loan(session=scoped.session, loan_no=loan_no)
    scoped.check(loan)
    credit_service.repay(
        session=scoped.session,
        loan=loan,
        principal=body.principal,
        interest=body.interest,
        on=body.on,
        actor=scoped.actor,
        reference=body.reference,
    )
    return LoanRead.model_validate(loan)


# ----------------------------------------------------------------------------- claims


@router.get("/claims", response_model=Page[dict[str, Any]])
def list_claims(
    scoped: Annotated[Scoped, authorize("credit.claim", "read")],
    page: PageDep,
    status: ClaimStatus | None = None,
) -> Page[dict[str, Any]]:
    """Risk-compensation claims."""
    stmt = select(CompensationClaim).order_by(CompensationClaim.claim_no)
    if status is not None:
        stmt = stmt.where(CompensationClaim.status == status)
    return paginate(scoped.session, scoped.scope(stmt), page, credit_claims.claim_dict)


def _claim(scoped: Scoped, claim_no: str) -> CompensationClaim:
    claim = credit_claims.get_by_claim_no(session=scoped.session, claim_no=claim_no)
    scoped.check(claim, "credit.claim")
    return claim


@router.get("/claims/{claim_no}", response_model=dict[str, Any])
def get_claim(
    claim_no: Key, scoped: Annotated[Scoped, authorize("credit.claim", "read")]
) -> dict[str, Any]:
    """A claim with its full explanation (checks, loss, shares, caps, unconfirmed terms)."""
    claim = _claim(scoped, claim_no)
    return credit_claims.explain(session=scoped.session, claim=claim).as_dict()


@router.post("/claims", response_model=dict[str, Any], status_code=201)
def file_claim(
    body: FileClaimIn, scoped: Annotated[Scoped, authorize("credit.claim", "write")]
) -> dict[str, Any]:
    """File a compensation claim for one of the caller's bank's defaulted loans."""
    loan = credit_service.get_loan(session=scoped.session, loan_no=body.loan_no)
    scoped.check(loan, "credit.loan")
    return credit_claims.file_claim(
        session=scoped.session,
        loan=loan,
        agreement_key=body.agreement_key,
        on=body.on,
        actor=scoped.actor,
        claim_no=body.claim_no,
    ).as_dict()


@router.post("/claims/{claim_no}/approve", response_model=dict[str, Any])
def approve_claim(
    claim_no: Key, body: OnDate, scoped: Annotated[Scoped, authorize("credit.claim", "approve")]
) -> dict[str, Any]:
    """Maker-checker: the first call records the maker, a second by a different user approves."""
    claim = _claim(scoped, claim_no)
    decision = credit_claims.approve_claim(
        session=scoped.session, claim=claim, actor=scoped.actor, on=body.on
    )
    approvals.record_step(
        session=scoped.session,
        principal=scoped.principal,
        kind=ApprovalKind.COMPENSATION_PAYOUT,
        target=claim.claim_no,
        approved=decision.action == "approved",
        payload={"on": body.on.isoformat()},
    )
    return decision.as_dict()


@router.post("/claims/{claim_no}/pay", response_model=dict[str, Any])
def pay_claim(
    claim_no: Key, body: OnDate, scoped: Annotated[Scoped, authorize("credit.claim", "approve")]
) -> dict[str, Any]:
    """Pay an approved claim (the government's part goes to the loan's ledger)."""
    claim = _claim(scoped, claim_no)
    return credit_claims.pay_claim(
        session=scoped.session, claim=claim, on=body.on, actor=scoped.actor
    ).as_dict()


# ----------------------------------------------------------------------------- imports


def bank_precheck(scoped: Scoped, kind: str) -> Callable[[FilePath], None] | None:
    """A bank officer's file may only touch the officer's bank's grants and loans.

    ``None`` for other roles; used by the API route and the web bank pages alike.
    """
    if scoped.principal.role is not Role.BANK_OFFICER:
        return None
    session = scoped.session
    own = session.scalar(select(Institution.id).where(Institution.code == scoped.principal.org))

    def check(path: FilePath) -> None:
        parsed = sp.parse_table(read_table(path), credit_imports.SPECS[kind])
        contracts = {r.values.get("contract_no") for r in parsed.rows} - {None}
        loans = {r.values.get("loan_no") for r in parsed.rows} - {None}
        grant_bank = {
            row[0]: row[1]
            for row in session.execute(
                select(CreditGrant.contract_no, CreditGrant.bank_id).where(
                    CreditGrant.contract_no.in_(contracts)
                )
            )
        }
        loan_bank = {
            row[0]: row[1]
            for row in session.execute(
                select(Loan.loan_no, Loan.bank_id).where(Loan.loan_no.in_(loans))
            )
        }

        def offending(row: sp.ParsedRow) -> tuple[str, str] | None:
            v = row.values
            if (
                "bank_code" in v
                and v["bank_code"] is not None
                and v["bank_code"] != scoped.principal.org
            ):
                return ("bank_code", str(v["bank_code"]))
            if v.get("contract_no") in grant_bank and grant_bank[v["contract_no"]] != own:
                return ("contract_no", str(v["contract_no"]))
            if v.get("loan_no") in loan_bank and loan_bank[v["loan_no"]] != own:
                return ("loan_no", str(v["loan_no"]))
            return None

        reject_foreign_rows(
            path,
            parsed.rows,
            offending,
            row_message=Msg("不属于本银行的记录", "a record of another bank"),
            touched=Msg("其他银行的记录", "another bank's records"),
        )

    return check


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_credit_file(
    kind: Literal["grants", "loans", "events"],
    request: Request,
    scoped: Annotated[Scoped, authorize("credit.import", "import")],
    file: Annotated[UploadFile, File(description="银行报送文件 / bank reporting file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import a bank's reporting file (grants, monthly loans, ledger events), all or nothing."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="credit",
        importer=credit_imports.import_file,
        dry_run=dry_run,
        precheck=bank_precheck(scoped, kind),
    )
