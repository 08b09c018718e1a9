"""The programme / policy registry (规划与政策) and external statistics used by the report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, page_of_list
from kechuang.api.uploads import ImportReportOut, import_upload
from kechuang.policy import imports as policy_imports
from kechuang.policy import service as policy_service
from kechuang.policy.enums import PolicyKind
from kechuang.policy.schemas import (
    ExternalStatisticCreate,
    ExternalStatisticRead,
    PolicyItemCreate,
    PolicyItemRead,
)

router = APIRouter(prefix="/policy", tags=["policy"])


@router.get("/items", response_model=Page[PolicyItemRead])
def list_items(
    scoped: Annotated[Scoped, authorize("policy.item", "read")],
    page: PageDep,
    year: Annotated[int | None, Query(ge=1949, le=2200)] = None,
    section: Annotated[str | None, Query(max_length=20)] = None,
    kind: PolicyKind | None = None,
) -> Page[PolicyItemRead]:
    """Programme and policy entries in report order, by year, section or kind."""
    items = policy_service.list_policy_items(
        session=scoped.session, year=year, section=section, kind=kind
    )
    return page_of_list([PolicyItemRead.model_validate(i) for i in items], page)


@router.get("/items/{code}", response_model=PolicyItemRead)
def get_item(
    code: Annotated[str, Path(min_length=1, max_length=60)],
    scoped: Annotated[Scoped, authorize("policy.item", "read")],
) -> PolicyItemRead:
    """One entry."""
    return PolicyItemRead.model_validate(
        policy_service.get_policy_item(session=scoped.session, code=code)
    )


@router.post("/items", response_model=PolicyItemRead, status_code=201)
def create_item(
    body: PolicyItemCreate, scoped: Annotated[Scoped, authorize("policy.item", "write")]
) -> PolicyItemRead:
    """Add an entry."""
    item = policy_service.create_policy_item(
        session=scoped.session, item_in=body, actor=scoped.actor, source="api"
    )
    return PolicyItemRead.model_validate(item)


@router.get("/statistics", response_model=Page[ExternalStatisticRead])
def list_statistics(
    scoped: Annotated[Scoped, authorize("policy.item", "read")],
    page: PageDep,
    key: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[int | None, Query(ge=1949, le=2200)] = None,
) -> Page[ExternalStatisticRead]:
    """External statistics (population, GII rank …) with their sources."""
    stats = policy_service.list_external_statistics(
        session=scoped.session, key=key, period_year=year
    )
    return page_of_list([ExternalStatisticRead.model_validate(s) for s in stats], page)


@router.post("/statistics", response_model=ExternalStatisticRead, status_code=201)
def create_statistic(
    body: ExternalStatisticCreate, scoped: Annotated[Scoped, authorize("policy.item", "write")]
) -> ExternalStatisticRead:
    """Add an external figure (with its source)."""
    stat = policy_service.create_external_statistic(
        session=scoped.session, stat_in=body, actor=scoped.actor, source="api"
    )
    return ExternalStatisticRead.model_validate(stat)


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_policy_file(
    kind: Literal["policy_items", "external_statistics"],
    request: Request,
    scoped: Annotated[Scoped, authorize("policy.item", "import")],
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / CSV or XLSX file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import programme entries or external statistics, all or nothing."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="policy",
        importer=policy_imports.import_file,
        dry_run=dry_run,
    )
