"""The dashboard: counts of what the caller may see, scoped by the same policy as every list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func, select

from kechuang.api.deps import Scoped, authorize
from kechuang.auth import policy

router = APIRouter(tags=["dashboard"])

COUNTED = (
    "registry.enterprise",
    "credit.application",
    "credit.grant",
    "credit.loan",
    "credit.claim",
    "insurance.policy",
    "insurance.claim",
    "insurance.subsidy",
    "funds.fund",
    "ip.patent",
)


class Dashboard(BaseModel):
    """Row counts per resource the caller may read (omitted: not readable by the role)."""

    role: str
    org: str | None
    counts: dict[str, int]


@router.get("/dashboard", response_model=Dashboard)
def dashboard(scoped: Annotated[Scoped, authorize("dashboard", "read")]) -> Dashboard:
    """What the caller's organisation has on record (city-wide for government and auditors)."""
    counts: dict[str, int] = {}
    p = scoped.principal
    for resource in COUNTED:
        if p.role not in policy.allowed_roles(resource, "read"):
            continue
        model: Any = policy.SCOPES[resource].model
        stmt = select(func.count()).select_from(model)
        where = policy.clause(scoped.session, p, resource)
        if where is not None:
            stmt = stmt.where(where)
        counts[resource] = int(scoped.session.scalar(stmt) or 0)
    return Dashboard(role=p.role.value, org=p.org, counts=counts)
