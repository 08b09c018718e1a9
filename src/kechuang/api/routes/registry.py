"""Registry: enterprises, institutions, summary and registry imports (``/api/v1/registry``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from pydantic import BaseModel
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.types import UtcDatetime
from kechuang.api.uploads import ImportReportOut, import_upload
from kechuang.core.periods import today
from kechuang.registry import imports as registry_imports
from kechuang.registry import service as registry_service
from kechuang.registry.enums import InstitutionKind, QualificationKind
from kechuang.registry.models import Enterprise, Institution, Qualification
from kechuang.registry.schemas import (
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    InstitutionCreate,
    InstitutionRead,
    RegistrySummary,
)

router = APIRouter(prefix="/registry", tags=["registry"])

USCC = Annotated[str, Path(min_length=1, max_length=40, description="统一社会信用代码 / USCC")]


class HistoryRead(BaseModel):
    """One change-history row of an enterprise."""

    table_name: str
    record_key: str
    action: str
    changes: dict[str, Any]
    actor: str
    source: str | None
    changed_at: UtcDatetime


def _enterprise(scoped: Scoped, uscc: str) -> Enterprise:
    ent = registry_service.get_by_uscc(session=scoped.session, uscc=uscc)
    scoped.check(ent)
    return ent


@router.get("/enterprises", response_model=Page[EnterpriseRead])
def list_enterprises(
    scoped: Annotated[Scoped, authorize("registry.enterprise", "read")],
    page: PageDep,
    district: Annotated[str | None, Query(max_length=6, description="区划代码")] = None,
    industry: Annotated[str | None, Query(max_length=8, description="行业代码前缀")] = None,
    name: Annotated[str | None, Query(max_length=100, description="名称包含")] = None,
    qualification: QualificationKind | None = None,
    as_of: dt.date | None = None,
) -> Page[EnterpriseRead]:
    """Enterprises (an enterprise user sees only itself), filtered and paginated."""
    stmt = select(Enterprise).order_by(Enterprise.uscc)
    if district:
        stmt = stmt.where(Enterprise.district_code == district)
    if industry:
        stmt = stmt.where(Enterprise.industry_code.startswith(industry.upper()))
    if name:
        stmt = stmt.where(Enterprise.name.contains(name))
    if qualification is not None:
        day = as_of or today()
        held = select(Qualification.enterprise_id).where(
            Qualification.kind == qualification,
            Qualification.valid_from <= day,
            (Qualification.valid_to.is_(None)) | (Qualification.valid_to >= day),
            (Qualification.revoked_on.is_(None)) | (Qualification.revoked_on > day),
        )
        stmt = stmt.where(Enterprise.id.in_(held))
    return paginate(scoped.session, scoped.scope(stmt), page, EnterpriseRead.model_validate)


@router.get("/enterprises/{uscc}", response_model=EnterpriseRead)
def get_enterprise(
    uscc: USCC, scoped: Annotated[Scoped, authorize("registry.enterprise", "read")]
) -> EnterpriseRead:
    """One enterprise by USCC."""
    return EnterpriseRead.model_validate(_enterprise(scoped, uscc))


@router.get("/enterprises/{uscc}/history", response_model=list[HistoryRead])
def enterprise_history(
    uscc: USCC, scoped: Annotated[Scoped, authorize("registry.enterprise", "read")]
) -> list[HistoryRead]:
    """Change history of an enterprise (who changed what, when, from which file)."""
    ent = _enterprise(scoped, uscc)
    rows = registry_service.history(session=scoped.session, uscc=ent.uscc)
    return [
        HistoryRead(
            table_name=r.table_name,
            record_key=r.record_key,
            action=r.action,
            changes=r.changes,
            actor=r.actor,
            source=r.source,
            changed_at=r.changed_at,
        )
        for r in rows
    ]


@router.post("/enterprises", response_model=EnterpriseRead, status_code=201)
def create_enterprise(
    body: EnterpriseCreate,
    scoped: Annotated[Scoped, authorize("registry.enterprise", "write")],
) -> EnterpriseRead:
    """Register an enterprise."""
    ent = registry_service.create(session=scoped.session, enterprise_in=body, actor=scoped.actor)
    return EnterpriseRead.model_validate(ent)


@router.patch("/enterprises/{uscc}", response_model=EnterpriseRead)
def update_enterprise(
    uscc: USCC,
    body: EnterpriseUpdate,
    scoped: Annotated[Scoped, authorize("registry.enterprise", "write")],
) -> EnterpriseRead:
    """Change an enterprise (send the ``version`` you read: optimistic locking)."""
    ent = _enterprise(scoped, uscc)
    ent = registry_service.update(
        session=scoped.session, enterprise=ent, enterprise_in=body, actor=scoped.actor
    )
    return EnterpriseRead.model_validate(ent)


@router.get("/institutions", response_model=Page[InstitutionRead])
def list_institutions(
    scoped: Annotated[Scoped, authorize("registry.institution", "read")],
    page: PageDep,
    kind: InstitutionKind | None = None,
) -> Page[InstitutionRead]:
    """Institutions: banks, insurers, fund managers, IP centres …"""
    stmt = select(Institution).order_by(Institution.code)
    if kind is not None:
        stmt = stmt.where(Institution.kind == kind)
    return paginate(scoped.session, scoped.scope(stmt), page, InstitutionRead.model_validate)


@router.post("/institutions", response_model=InstitutionRead, status_code=201)
def create_institution(
    body: InstitutionCreate,
    scoped: Annotated[Scoped, authorize("registry.institution", "write")],
) -> InstitutionRead:
    """Add an institution."""
    inst = registry_service.create_institution(
        session=scoped.session, institution_in=body, actor=scoped.actor
    )
    return InstitutionRead.model_validate(inst)


@router.get("/summary", response_model=RegistrySummary)
def summary(
    scoped: Annotated[Scoped, authorize("registry.summary", "read")],
    as_of: dt.date | None = None,
) -> RegistrySummary:
    """City-wide registry counts."""
    return registry_service.summary(session=scoped.session, as_of=as_of)


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_registry_file(
    kind: Literal["enterprises", "enterprise-years", "qualifications", "institutions"],
    request: Request,
    scoped: Annotated[Scoped, authorize("registry.enterprise", "import")],
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / CSV or XLSX file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import a registry file, all or nothing (422 with the row-level report if any row is bad)."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="registry",
        importer=registry_imports.import_file,
        dry_run=dry_run,
    )
