"""Funds: guide funds, funds of funds, sub-funds; metrics (DPI, RVPI, TVPI, IRR, 返投 …)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Request, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.uploads import ImportReportOut, import_upload, reject_foreign_rows
from kechuang.auth.enums import Role
from kechuang.core import importspec as sp
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.core.tabular import read_table
from kechuang.funds import imports as funds_imports
from kechuang.funds import service as funds_service
from kechuang.funds.enums import FundKind, FundState
from kechuang.funds.metrics import fund_metrics
from kechuang.funds.models import Fund
from kechuang.registry.models import Institution

router = APIRouter(prefix="/funds", tags=["funds"])

Code = Annotated[str, Path(min_length=1, max_length=40)]


class FundRead(BaseModel):
    """A fund as listed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: FundKind
    vintage: int
    state: FundState
    sponsor_institution_id: int | None
    manager_institution_id: int | None
    district_code: str | None


def _fund(scoped: Scoped, code: str) -> Fund:
    fund = funds_service.get_by_code(session=scoped.session, code=code)
    scoped.check(fund)
    return fund


@router.get("", response_model=Page[FundRead])
def list_funds(
    scoped: Annotated[Scoped, authorize("funds.fund", "read")],
    page: PageDep,
    kind: FundKind | None = None,
) -> Page[FundRead]:
    """Funds (a fund manager sees the funds it manages)."""
    stmt = select(Fund).order_by(Fund.code)
    if kind is not None:
        stmt = stmt.where(Fund.kind == kind)
    return paginate(scoped.session, scoped.scope(stmt), page, FundRead.model_validate)


@router.get("/{code}", response_model=FundRead)
def get_fund(code: Code, scoped: Annotated[Scoped, authorize("funds.fund", "read")]) -> FundRead:
    """One fund."""
    return FundRead.model_validate(_fund(scoped, code))


@router.get("/{code}/metrics", response_model=dict[str, Any])
def metrics(
    code: Code,
    scoped: Annotated[Scoped, authorize("funds.fund", "read")],
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Fund metrics as of a date (definitions in docs/funds.md)."""
    fund = _fund(scoped, code)
    return fund_metrics(session=scoped.session, fund=fund, as_of=as_of or today()).to_json()


def _manager_precheck(scoped: Scoped, kind: str) -> Any:
    """A fund manager's file may only name itself as manager and touch the funds it manages."""
    if scoped.principal.role is not Role.FUND_MANAGER:
        return None
    session = scoped.session
    own = session.scalar(select(Institution.id).where(Institution.code == scoped.principal.org))

    def check(path: FilePath) -> None:
        parsed = sp.parse_table(read_table(path), funds_imports.SPECS[kind])
        key = "code" if kind == "funds" else "fund_code"
        codes = {r.values.get(key) for r in parsed.rows} - {None}
        managers = {
            row[0]: row[1]
            for row in session.execute(
                select(Fund.code, Fund.manager_institution_id).where(Fund.code.in_(codes))
            )
        }

        def offending(r: sp.ParsedRow) -> tuple[str, str] | None:
            v = r.values
            if v.get("manager_code") not in (None, scoped.principal.org):
                return ("manager_code", str(v["manager_code"]))
            if v.get(key) in managers and managers[v[key]] != own:
                return (key, str(v[key]))
            return None

        reject_foreign_rows(
            path,
            parsed.rows,
            offending,
            row_message=Msg("不属于本管理人的基金", "a fund of another manager"),
            touched=Msg("其他管理人的基金", "another manager's funds"),
        )

    return check


@router.post("/imports/{kind}", response_model=ImportReportOut)
def import_funds_file(
    kind: Literal["funds", "commitments", "calls", "distributions", "valuations", "investments"],
    request: Request,
    scoped: Annotated[Scoped, authorize("funds.import", "import")],
    file: Annotated[UploadFile, File(description="CSV 或 XLSX 文件 / CSV or XLSX file")],
    dry_run: bool = False,
) -> ImportReportOut:
    """Import a fund manager's file, all or nothing."""
    return import_upload(
        scoped,
        request,
        file,
        kind=kind,
        domain="funds",
        importer=funds_imports.import_file,
        dry_run=dry_run,
        precheck=_manager_precheck(scoped, kind),
    )
