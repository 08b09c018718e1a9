"""IP pages: patent search (number, owner, type, legal status on a date, filing dates) with
pagination; a patent with its legal-status timeline, status on a date, owners, pledges, awards and
the high-value verdict with every check (what ``kechuang ip show`` prints); the IP centres.

Everyone the policy lets read ``ip.patent`` opens them (an enterprise sees only the patents it
owns or owned, :data:`kechuang.auth.policy.SCOPES`); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.core.ids import normalize_patent_no
from kechuang.ip import service as ip_service
from kechuang.ip.enums import CentreKind, PatentType
from kechuang.ip.models import IpCentre, Patent, PatentOwner
from kechuang.ip.status import STATES
from kechuang.registry.models import Enterprise, Institution
from kechuang.standards.patent_report import patent_report as shared_patent_report
from kechuang.web.core import Ctx, PageCtx, PageError, Pager, page_number, paginate, parse_date

router = APIRouter(include_in_schema=False)

PER_PAGE: Final = 50
STATUS_SCAN_CAP: Final = 20_000
"""Most patents a legal-status filter examines (the state on a date is computed from each
patent's events, not stored); the page says so when the cap is reached."""

OUTCOMES: Final = {
    "qualified": Msg("是高价值发明专利", "high-value invention patent"),
    "not_qualified": Msg("不是高价值发明专利", "not a high-value invention patent"),
    "undetermined": Msg("无法确定", "undetermined"),
}
SOURCES: Final = {
    "declared": Msg("数据源申报", "declared in the source data"),
    "concordance": Msg("IPC 对照表（最长前缀）", "IPC concordance (longest prefix)"),
}
NO_VERDICT: Final = Msg(
    "高价值发明专利统计口径在该日尚无有效参数（自 2021-01-01 起），不作判定",
    "no high-value verdict: the statistical scope has no parameters in force on that date "
    "(from 2021-01-01)",
)


def _enum(kind: type[Any], value: str | None, what: Msg) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError as exc:
        raise PageError(
            422, Msg(f"未知的{what.zh}：{value}", f"unknown {what.en}: {value}")
        ) from exc


def _optional_date(ctx: Ctx, value: str | None) -> dt.date | None:
    if not (value or "").strip():
        return None
    day: dt.date = ctx.get(lambda: parse_date(value))
    return day


def _number_clause(text: str) -> Any:
    """An exact application number when ``text`` is one (any written form), else a substring."""
    try:
        return Patent.application_no == normalize_patent_no(text)
    except KechuangError:
        cleaned = text.strip().upper().replace(" ", "").replace(".", "")
        for prefix in ("CN", "ZL"):
            cleaned = cleaned.removeprefix(prefix)
        return Patent.application_no.contains(cleaned, autoescape=True)


def _search(
    number: str, owner: str, ptype: PatentType | None, start: dt.date | None, end: dt.date | None
) -> Select[Any]:
    stmt = select(Patent).order_by(Patent.application_no)
    if number.strip():
        stmt = stmt.where(_number_clause(number))
    if owner.strip():
        text = owner.strip()
        stmt = stmt.where(
            Patent.owners.any(
                or_(
                    PatentOwner.name.contains(text, autoescape=True),
                    PatentOwner.uscc == text.upper(),
                )
            )
        )
    if ptype is not None:
        stmt = stmt.where(Patent.patent_type == ptype)
    if start is not None:
        stmt = stmt.where(Patent.filing_date >= start)
    if end is not None:
        stmt = stmt.where(Patent.filing_date <= end)
    return stmt


@router.get("/ip/patents")
def patents(
    ctx: PageCtx,
    number: str = "",
    owner: str = "",
    patent_type: str | None = None,
    status: str | None = None,
    filed_from: str | None = None,
    filed_to: str | None = None,
    on: str | None = None,
    page: str | None = None,
) -> Response:
    """Search the patents the user may see; each row with its legal status on ``on``."""
    ctx.require("ip.patent")
    ptype = _enum(PatentType, patent_type, Msg("专利类型", "patent type"))
    if status and status not in STATES:
        raise PageError(422, Msg(f"未知的法律状态：{status}", f"unknown legal status: {status}"))
    day = ctx.get(lambda: parse_date(on))
    start, end = _optional_date(ctx, filed_from), _optional_date(ctx, filed_to)
    stmt = ctx.scope(_search(number, owner, ptype, start, end), "ip.patent").options(
        selectinload(Patent.events), selectinload(Patent.owners)
    )
    capped = False
    if status:
        candidates = list(ctx.session.scalars(stmt.limit(STATUS_SCAN_CAP + 1)))
        capped = len(candidates) > STATUS_SCAN_CAP
        matching = [
            p
            for p in candidates[:STATUS_SCAN_CAP]
            if ip_service.status(patent=p, on=day).state == status
        ]
        pages = max(1, -(-len(matching) // PER_PAGE))
        number_ = min(page_number(page), pages)
        pager = Pager(
            rows=matching[(number_ - 1) * PER_PAGE : number_ * PER_PAGE],
            total=len(matching),
            page=number_,
            per_page=PER_PAGE,
        )
    else:
        pager = paginate(ctx.session, stmt, page_number(page), PER_PAGE)
    rows = [
        {
            "patent": p,
            "status": ip_service.status(patent=p, on=day),
            "owners": [o.name for o in ip_service.owners_on(patent=p, on=day)],
        }
        for p in pager.rows
    ]
    return ctx.render(
        "patents.html",
        pager=pager,
        rows=rows,
        types=list(PatentType),
        states=STATES,
        capped=capped,
        cap=STATUS_SCAN_CAP,
        filters={
            "number": number,
            "owner": owner,
            "patent_type": ptype.value if ptype else "",
            "status": status or "",
            "filed_from": start.isoformat() if start else "",
            "filed_to": end.isoformat() if end else "",
            "on": day.isoformat(),
        },
    )


def patent_report(ctx: Ctx, patent: Patent, day: dt.date) -> dict[str, Any]:
    """What ``kechuang ip show`` reports for ``patent`` on ``day``
    (:func:`kechuang.standards.patent_report.patent_report`), with the page's labels."""
    report = shared_patent_report(session=ctx.session, patent=patent, on=day)
    verdict = report.high_value
    return {
        "status": report.status,
        "expiry_date": report.expiry_date,
        "maintenance_years": report.maintenance_years,
        "owners": report.owners,
        "timeline": report.timeline,
        "classification": report.classification,
        "source": SOURCES.get(report.classification.source or ""),
        "pledges": report.pledges,
        "pledged_amount": report.pledged_amount,
        "awards": report.awards,
        "high_value": verdict,
        "outcome": OUTCOMES.get(verdict["outcome"]) if verdict else None,
        "no_verdict": NO_VERDICT,
    }


@router.get("/ip/patents/{application_no}")
def patent_detail(ctx: PageCtx, application_no: str, on: str | None = None) -> Response:
    """One patent on a date: status, timeline, owners, pledges, awards, high-value verdict."""
    ctx.require("ip.patent")
    day = ctx.get(lambda: parse_date(on))
    patent = ctx.get(
        lambda: ip_service.get_by_application_no(session=ctx.session, application_no=application_no)
    )
    ctx.check(patent, "ip.patent")
    report = ctx.get(lambda: patent_report(ctx, patent, day))
    return ctx.render("patent.html", patent=patent, day=day, r=report, states=STATES)


@router.get("/ip/centres")
def centres(ctx: PageCtx, kind: str | None = None) -> Response:
    """The IP centres recognised by the authorities (operation, finance, protection …)."""
    ctx.require("ip.patent")
    chosen = _enum(CentreKind, kind, Msg("中心类型", "centre kind"))
    stmt = select(IpCentre).order_by(IpCentre.recognised_on.desc(), IpCentre.code).limit(500)
    if chosen is not None:
        stmt = stmt.where(IpCentre.kind == chosen)
    rows = list(ctx.session.scalars(stmt))
    ent_ids = {c.operator_enterprise_id for c in rows if c.operator_enterprise_id}
    inst_ids = {c.operator_institution_id for c in rows if c.operator_institution_id}
    operators: dict[tuple[str, int], str] = {}
    for ident, name in ctx.session.execute(
        select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ent_ids))
    ):
        operators[("e", ident)] = name
    for ident, name in ctx.session.execute(
        select(Institution.id, Institution.name).where(Institution.id.in_(inst_ids))
    ):
        operators[("i", ident)] = name
    items = [
        {
            "centre": c,
            "operator": c.operator_name
            or operators.get(("e", c.operator_enterprise_id or 0))
            or operators.get(("i", c.operator_institution_id or 0))
            or "",
        }
        for c in rows
    ]
    return ctx.render(
        "ip_centres.html",
        items=items,
        kinds=list(CentreKind),
        kind=chosen.value if chosen else "",
    )
