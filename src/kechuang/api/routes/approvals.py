"""The maker-checker queue: every approval (payouts, subsidies, release publication).

Releases are published here: ``POST /api/v1/releases/{id}/publish`` records the maker's request,
``POST /api/v1/approvals/{id}/approve`` by a different government administrator publishes.
Payouts and subsidies are approved through their domain routes (their own maker-checker) and are
mirrored in this queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize, settings_of
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.types import UtcDatetime
from kechuang.auth import approvals
from kechuang.auth.enums import ApprovalKind, ApprovalStatus
from kechuang.auth.models import Approval
from kechuang.core.errors import Conflict
from kechuang.core.i18n import Msg
from kechuang.indicators import releases as rel

router = APIRouter(prefix="/approvals", tags=["approvals"])


class ApprovalRead(BaseModel):
    """One maker-checker approval."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ApprovalKind
    target: str
    status: ApprovalStatus
    requested_by: str
    requested_role: str
    decided_by: str | None
    decided_role: str | None
    decided_at: UtcDatetime | None
    note: str | None
    payload: dict[str, Any]


@router.get("", response_model=Page[ApprovalRead])
def list_approvals(
    scoped: Annotated[Scoped, authorize("approval", "read")],
    page: PageDep,
    kind: ApprovalKind | None = None,
    status: ApprovalStatus | None = None,
) -> Page[ApprovalRead]:
    """Approvals, newest first (government and auditors)."""
    stmt = select(Approval).order_by(Approval.id.desc())
    if kind is not None:
        stmt = stmt.where(Approval.kind == kind)
    if status is not None:
        stmt = stmt.where(Approval.status == status)
    return paginate(scoped.session, stmt, page, ApprovalRead.model_validate)


class DecisionIn(BaseModel):
    """A checker's note (optional)."""

    note: str | None = Field(default=None, max_length=2000)


def _decide(
    approval_id: int, scoped: Scoped, request: Request, body: DecisionIn, approve: bool
) -> ApprovalRead:
    row = approvals.get(session=scoped.session, approval_id=approval_id)
    if row.kind is not ApprovalKind.RELEASE_PUBLISH:
        # payouts and subsidies are approved through their own domain's maker-checker
        where = (
            f"/api/v1/credit/claims/{row.target}/approve"
            if row.kind is ApprovalKind.COMPENSATION_PAYOUT
            else f"/api/v1/insurance/subsidies/{row.target}/approve"
        )
        raise Conflict(
            Msg(f"请通过 {where} 审批", f"approve through {where}"), code="approval.use_domain"
        )
    approvals.decide(
        session=scoped.session,
        principal=scoped.principal,
        approval=row,
        approve=approve,
        note=body.note,
    )
    if approve:
        root = settings_of(request).releases_root
        rel.publish_release(
            row.target,
            by=row.requested_by,
            approved_by=scoped.actor,
            root=None if root is None else Path(root),
        )
    return ApprovalRead.model_validate(row)


@router.post("/{approval_id}/approve", response_model=ApprovalRead)
def approve(
    approval_id: int,
    request: Request,
    scoped: Annotated[Scoped, authorize("approval", "approve")],
    body: DecisionIn | None = None,
) -> ApprovalRead:
    """The checker approves (a different user with the right role); a release is published."""
    return _decide(approval_id, scoped, request, body or DecisionIn(), approve=True)


@router.post("/{approval_id}/reject", response_model=ApprovalRead)
def reject(
    approval_id: int,
    request: Request,
    scoped: Annotated[Scoped, authorize("approval", "approve")],
    body: DecisionIn | None = None,
) -> ApprovalRead:
    """The checker rejects the request."""
    return _decide(approval_id, scoped, request, body or DecisionIn(), approve=False)
