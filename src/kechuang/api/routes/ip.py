"""Intellectual property: patents (status on a date, owners) and IP imports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.uploads import ImportReportOut, import_upload
from kechuang.core.periods import today
from kechuang.ip import imports as ip_imports
from kechuang.ip import service as ip_service
from kechuang.ip.enums import PatentType
from kechuang.ip.models import Patent
from kechuang.ip.schemas import PatentRead
from kechuang.standards.patent_report import patent_report

router = APIRouter(prefix="/ip", tags=["ip"])


@router.get("/patents", response_model=Page[PatentRead])
def list_patents(
    scoped: Annotated[Scoped, authorize("ip.patent", "read")],
    page: PageDep,
    patent_type: PatentType | None = None,
    filed_from: dt.date | None = None,
    filed_to: dt.date | None = None,
    ipc: Annotated[str | None, Query(max_length=20, description="IPC 前缀")] = None,
) -> Page[PatentRead]:
    """Patents (an enterprise sees the patents it owns or owned)."""
    stmt = select(Patent).order_by(Patent.application_no)
    if patent_type is not None:
        stmt = stmt.where(Patent.patent_type == patent_type)
    if filed_from:
        stmt = stmt.where(Patent.filing_date >= filed_from)
    if filed_to:
        stmt = stmt.where(Patent.filing_date <= filed_to)
    if ipc:
        stmt = stmt.where(Patent.main_ipc.startswith(ipc.upper()))
    return paginate(scoped.session, scoped.scope(stmt), page, PatentRead.model_validate)


@router.get("/patents/{application_no}", response_model=dict[str, Any])
def get_patent(
    application_no: Annotated[str, Path(min_length=1, max_length=40)],
    scoped: Annotated[Scoped, authorize("ip.patent", "read")],
    on: dt.date | None = None,
) -> dict[str, Any]:
    """A patent on ``on`` (default today): legal status, term end, years maintained, owners,
    legal-status timeline, SEI classification, pledges, awards and the high-value verdict with
    every check — what ``kechuang ip show --json`` prints."""
    patent = ip_service.get_by_application_no(session=scoped.session, application_no=application_no)
    scoped.check(patent)
    day = on or today()
    data = patent_report(session=scoped.session, patent=patent, on=day).as_json()
    return data | {"expiry_date": data["patent"]["expiry_date"]}


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_ip_file(
    kind: Literal[
        "concordance", "pct", "patents", "events", "pledges", "awards", "centres", "programmes"
    ],
    request: Request,
    scoped: Annotated[Scoped, authorize("ip.patent", "import")],
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / CSV or XLSX file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import an IP file (patents, legal-status events, PCT, pledges, awards …), all or nothing."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="ip",
        importer=ip_imports.import_file,
        dry_run=dry_run,
    )
