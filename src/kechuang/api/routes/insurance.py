"""Insurance: policies (with co-insurance shares), claims, premium subsidies, insurer imports.

Insurer officers see policies their insurer has a share in, and their claims and subsidies;
enterprises see policies they are insured under. Subsidy approval is the insurance domain's own
maker-checker (``kechuang.insurance.subsidies.approve``), mirrored in the approvals queue.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.uploads import ImportReportOut, import_upload, reject_foreign_rows
from kechuang.auth import approvals
from kechuang.auth.enums import ApprovalKind, Role
from kechuang.core import importspec as sp
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.core.tabular import read_table
from kechuang.insurance import claims as insurance_claims
from kechuang.insurance import imports as insurance_imports
from kechuang.insurance import policies as insurance_policies
from kechuang.insurance import subsidies as insurance_subsidies
from kechuang.insurance.enums import ClaimStatus, InsuranceLine
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    PremiumSubsidy,
)
from kechuang.insurance.schemas import PolicyRead
from kechuang.registry.models import Institution

router = APIRouter(prefix="/insurance", tags=["insurance"])

Key = Annotated[str, Path(min_length=1, max_length=60)]


class OnDate(BaseModel):
    """The business date of an action."""

    on: dt.date


class PayIn(BaseModel):
    """Payment of an approved subsidy."""

    on: dt.date
    payment_ref: str = Field(min_length=1, max_length=80)


@router.get("/policies", response_model=Page[PolicyRead])
def list_policies(
    scoped: Annotated[Scoped, authorize("insurance.policy", "read")],
    page: PageDep,
    line: InsuranceLine | None = None,
    in_force_on: dt.date | None = None,
) -> Page[PolicyRead]:
    """Policies (an insurer sees those it shares in, an enterprise its own)."""
    stmt = (
        select(InsurancePolicy)
        .options(selectinload(InsurancePolicy.shares), selectinload(InsurancePolicy.objects))
        .order_by(InsurancePolicy.policy_no)
    )
    if line is not None:
        stmt = stmt.where(InsurancePolicy.line == line)
    if in_force_on is not None:
        stmt = stmt.where(
            InsurancePolicy.start_date <= in_force_on, InsurancePolicy.end_date >= in_force_on
        )
    return paginate(scoped.session, scoped.scope(stmt), page, PolicyRead.model_validate)


@router.get("/policies/{policy_no}", response_model=dict[str, Any])
def get_policy(
    policy_no: Key,
    scoped: Annotated[Scoped, authorize("insurance.policy", "read")],
    on: dt.date | None = None,
) -> dict[str, Any]:
    """A policy with its status on ``on``, objects, co-insurance shares and allocations."""
    policy = insurance_policies.get_by_policy_no(session=scoped.session, policy_no=policy_no)
    scoped.check(policy)
    return insurance_policies.policy_dict(session=scoped.session, policy=policy, on=on or today())


@router.get("/claims", response_model=Page[dict[str, Any]])
def list_claims(
    scoped: Annotated[Scoped, authorize("insurance.claim", "read")],
    page: PageDep,
    status: ClaimStatus | None = None,
) -> Page[dict[str, Any]]:
    """Insurance claims."""
    stmt = select(InsuranceClaim).order_by(InsuranceClaim.claim_no)
    if status is not None:
        stmt = stmt.where(InsuranceClaim.status == status)
    return paginate(scoped.session, scoped.scope(stmt), page, insurance_claims.claim_dict)


@router.get("/claims/{claim_no}", response_model=dict[str, Any])
def get_claim(
    claim_no: Key, scoped: Annotated[Scoped, authorize("insurance.claim", "read")]
) -> dict[str, Any]:
    """One insurance claim."""
    claim = insurance_claims.get_by_claim_no(session=scoped.session, claim_no=claim_no)
    scoped.check(claim)
    return insurance_claims.claim_dict(claim)


class NotifyIn(BaseModel):
    """A claim notified (报案) under a policy."""

    claim_no: str = Field(min_length=1, max_length=60)
    policy_no: str = Field(min_length=1, max_length=60)
    loss_date: dt.date
    notified_on: dt.date
    description: str | None = Field(default=None, max_length=2000)


class AssessIn(BaseModel):
    """The assessed loss (定损)."""

    amount: Decimal = Field(gt=0, decimal_places=2)
    on: dt.date


class ClaimRejectIn(BaseModel):
    """A rejection (拒赔) with its reason."""

    reason: str = Field(min_length=1, max_length=2000)
    on: dt.date | None = None


def _own_claim(scoped: Scoped, claim_no: str) -> InsuranceClaim:
    claim = insurance_claims.get_by_claim_no(session=scoped.session, claim_no=claim_no)
    scoped.check(claim, "insurance.claim")
    return claim


@router.post("/claims", response_model=dict[str, Any], status_code=201)
def notify_claim(
    body: NotifyIn, scoped: Annotated[Scoped, authorize("insurance.claim", "write")]
) -> dict[str, Any]:
    """Record a claim under a policy the caller's insurer shares in."""
    policy = insurance_claims.get_policy_by_no(session=scoped.session, policy_no=body.policy_no)
    scoped.check(policy, "insurance.policy")
    claim = insurance_claims.notify(
        session=scoped.session,
        policy=policy,
        claim_no=body.claim_no,
        loss_date=body.loss_date,
        notified_on=body.notified_on,
        description=body.description,
        actor=scoped.actor,
    )
    return insurance_claims.claim_dict(claim, policy)


@router.post("/claims/{claim_no}/assess", response_model=dict[str, Any])
def assess_claim(
    claim_no: Key, body: AssessIn, scoped: Annotated[Scoped, authorize("insurance.claim", "write")]
) -> dict[str, Any]:
    """Record the assessed loss of a notified claim."""
    claim = insurance_claims.assess(
        session=scoped.session,
        claim=_own_claim(scoped, claim_no),
        amount=body.amount,
        on=body.on,
        actor=scoped.actor,
    )
    return insurance_claims.claim_dict(claim)


@router.post("/claims/{claim_no}/pay", response_model=dict[str, Any])
def pay_claim(
    claim_no: Key, body: OnDate, scoped: Annotated[Scoped, authorize("insurance.claim", "write")]
) -> dict[str, Any]:
    """Pay an assessed claim (allocated exactly across the co-insurers)."""
    claim = insurance_claims.pay(
        session=scoped.session, claim=_own_claim(scoped, claim_no), on=body.on, actor=scoped.actor
    )
    return insurance_claims.claim_dict(claim)


@router.post("/claims/{claim_no}/reject", response_model=dict[str, Any])
def reject_claim(
    claim_no: Key,
    body: ClaimRejectIn,
    scoped: Annotated[Scoped, authorize("insurance.claim", "write")],
) -> dict[str, Any]:
    """Reject a notified or assessed claim (a reason is required)."""
    claim = insurance_claims.reject(
        session=scoped.session,
        claim=_own_claim(scoped, claim_no),
        reason=body.reason,
        on=body.on,
        actor=scoped.actor,
    )
    return insurance_claims.claim_dict(claim)


@router.get("/subsidies", response_model=Page[dict[str, Any]])
def list_subsidies(
    scoped: Annotated[Scoped, authorize("insurance.subsidy", "read")], page: PageDep
) -> Page[dict[str, Any]]:
    """Premium subsidies."""
    stmt = select(PremiumSubsidy).order_by(PremiumSubsidy.subsidy_no)
    return paginate(scoped.session, scoped.scope(stmt), page, insurance_subsidies.subsidy_dict)


def _subsidy(scoped: Scoped, subsidy_no: str) -> PremiumSubsidy:
    row = insurance_subsidies.get_by_subsidy_no(session=scoped.session, subsidy_no=subsidy_no)
    scoped.check(row, "insurance.subsidy")
    return row


@router.get("/subsidies/{subsidy_no}", response_model=dict[str, Any])
def get_subsidy(
    subsidy_no: Key, scoped: Annotated[Scoped, authorize("insurance.subsidy", "read")]
) -> dict[str, Any]:
    """One premium subsidy."""
    return insurance_subsidies.subsidy_dict(_subsidy(scoped, subsidy_no))


@router.post("/subsidies/{subsidy_no}/approve", response_model=dict[str, Any])
def approve_subsidy(
    subsidy_no: Key,
    body: OnDate,
    scoped: Annotated[Scoped, authorize("insurance.subsidy", "approve")],
) -> dict[str, Any]:
    """Maker-checker: the first call records the maker, a second by a different user approves."""
    row = _subsidy(scoped, subsidy_no)
    decision = insurance_subsidies.approve(
        session=scoped.session, subsidy=row, actor=scoped.actor, on=body.on
    )
    approvals.record_step(
        session=scoped.session,
        principal=scoped.principal,
        kind=ApprovalKind.SUBSIDY_PAYMENT,
        target=row.subsidy_no,
        approved=decision.action == "approved",
        payload={"on": body.on.isoformat()},
    )
    return decision.as_dict()


@router.post("/subsidies/{subsidy_no}/pay", response_model=dict[str, Any])
def pay_subsidy(
    subsidy_no: Key,
    body: PayIn,
    scoped: Annotated[Scoped, authorize("insurance.subsidy", "approve")],
) -> dict[str, Any]:
    """Pay an approved subsidy."""
    row = _subsidy(scoped, subsidy_no)
    return insurance_subsidies.pay(
        session=scoped.session,
        subsidy=row,
        on=body.on,
        actor=scoped.actor,
        payment_ref=body.payment_ref,
    ).as_dict()


def _insurer_precheck(scoped: Scoped, kind: str) -> Any:
    """An insurer officer's file may only name the officer's insurer and touch policies that
    insurer shares in (or new policies without shares yet)."""
    if scoped.principal.role is not Role.INSURER_OFFICER:
        return None
    session = scoped.session
    own = session.scalar(select(Institution.id).where(Institution.code == scoped.principal.org))

    def check(path: FilePath) -> None:
        parsed = sp.parse_table(read_table(path), insurance_imports.SPECS[kind])
        numbers = {r.values.get("policy_no") for r in parsed.rows} - {None}
        shared: dict[str, set[int]] = {}
        for policy_no, insurer_id in session.execute(
            select(InsurancePolicy.policy_no, CoinsuranceShare.insurer_id)
            .join(CoinsuranceShare, CoinsuranceShare.policy_id == InsurancePolicy.id)
            .where(InsurancePolicy.policy_no.in_(numbers))
        ):
            shared.setdefault(policy_no, set()).add(insurer_id)

        def offending(r: sp.ParsedRow) -> tuple[str, str] | None:
            v = r.values
            if v.get("insurer_code") not in (None, scoped.principal.org):
                return ("insurer_code", str(v["insurer_code"]))
            if v.get("policy_no") in shared and own not in shared[v["policy_no"]]:
                return ("policy_no", str(v["policy_no"]))
            return None

        reject_foreign_rows(
            path,
            parsed.rows,
            offending,
            row_message=Msg("不属于本保险机构的记录", "a record of another insurer"),
            touched=Msg("其他保险机构的记录", "another insurer's records"),
        )

    return check


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_insurance_file(
    kind: Literal["policies", "shares", "objects", "claims"],
    request: Request,
    scoped: Annotated[Scoped, authorize("insurance.import", "import")],
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / CSV or XLSX file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import an insurer's file (policies, co-insurance shares, insured objects, claims)."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="insurance",
        importer=insurance_imports.import_file,
        dry_run=dry_run,
        precheck=_insurer_precheck(scoped, kind),
    )
