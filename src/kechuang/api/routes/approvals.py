"""The maker-checker queue: every approval (payouts, subsidies, release publication)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.types import UtcDatetime
from kechuang.auth.enums import ApprovalKind, ApprovalStatus
from kechuang.auth.models import Approval

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
