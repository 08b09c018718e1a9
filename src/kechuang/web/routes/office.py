"""Programme office: registry search and edit (with history), standards and their parameters
(what-if), products, approvals waiting for a checker, releases (create, verify, publish) and
report downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from sqlalchemy import or_, select
from starlette.background import BackgroundTask

from kechuang.api.deps import settings_of
from kechuang.auth import approvals
from kechuang.auth.enums import ApprovalKind, ApprovalStatus
from kechuang.core.errors import Conflict, KechuangError
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.credit import claims as credit_claims
from kechuang.credit.enums import ClaimStatus
from kechuang.credit.models import CompensationClaim
from kechuang.indicators.releases import (
    create_release,
    list_releases,
    open_release,
    publish_release,
    verify_release,
)
from kechuang.products.catalog import default_catalog
from kechuang.registry import service as registry_service
from kechuang.registry.enums import EnterpriseStatus, SizeClass
from kechuang.registry.models import Enterprise
from kechuang.registry.schemas import EnterpriseUpdate
from kechuang.reports import render as render_report
from kechuang.standards import service as standards_service
from kechuang.web.core import PageCtx, PageError, parse_date

router = APIRouter(prefix="/office", include_in_schema=False)

REPORT_FORMATS = {
    "pdf": "application/pdf",
    "html": "text/html",
    "md": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ----------------------------------------------------------------------------- registry


@router.get("/registry")
def registry(ctx: PageCtx, q: str | None = None) -> Response:
    """Search the registry by name or USCC."""
    ctx.require("registry.summary")
    stmt = select(Enterprise).order_by(Enterprise.name)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Enterprise.name.like(like), Enterprise.uscc.like(like)))
    rows = list(ctx.session.scalars(ctx.scope(stmt.limit(200), "registry.enterprise")))
    return ctx.render("registry.html", rows=rows, q=q or "")


def _enterprise(ctx: PageCtx, uscc: str) -> Enterprise:
    ent = ctx.get(lambda: registry_service.get_by_uscc(session=ctx.session, uscc=uscc))
    ctx.check(ent, "registry.enterprise")
    assert isinstance(ent, Enterprise)
    return ent


@router.get("/registry/{uscc}")
def enterprise(ctx: PageCtx, uscc: str) -> Response:
    """One enterprise: its record, an edit form and the history of changes."""
    ctx.require("registry.enterprise")
    ent = _enterprise(ctx, uscc)
    history = registry_service.history(session=ctx.session, uscc=ent.uscc)
    return ctx.render(
        "enterprise.html",
        ent=ent,
        history=history,
        may_edit=ctx.may("registry.enterprise", "write"),
        sizes=list(SizeClass),
        statuses=list(EnterpriseStatus),
    )


@router.post("/registry/{uscc}")
async def edit_enterprise(ctx: PageCtx, uscc: str) -> Response:
    """Change an enterprise (optimistic lock on its version; recorded in its history)."""
    ctx.require("registry.enterprise", "write")
    form = await ctx.form()
    ent = _enterprise(ctx, uscc)

    def run() -> None:
        changes: dict[str, Any] = {"version": int(str(form.get("version") or "0"))}
        for key in ("name", "district_code", "industry_code", "address"):
            value = str(form.get(key) or "").strip()
            if value and value != (getattr(ent, key) or ""):
                changes[key] = value
        size = str(form.get("size_class") or "")
        if size and (ent.size_class is None or size != ent.size_class.value):
            changes["size_class"] = size
        try:
            update = EnterpriseUpdate.model_validate(changes)
        except ValueError as exc:
            from kechuang.core.errors import ValidationError

            raise ValidationError(Msg(f"输入无效：{exc}", f"invalid input: {exc}")) from exc
        registry_service.update(
            session=ctx.session, enterprise=ent, enterprise_in=update, actor=ctx.actor
        )

    return ctx.act(f"/office/registry/{uscc}", Msg("已保存", "saved"), run)


# ----------------------------------------------------------------------------- standards


@router.get("/standards")
def standards(ctx: PageCtx) -> Response:
    """Every standard with its legal basis."""
    ctx.require("standards.catalog")
    return ctx.render("standards.html", rows=standards_service.list_standards())


@router.get("/standards/{key}")
def standard(ctx: PageCtx, key: str, as_of: str | None = None) -> Response:
    """A standard's parameters in force on a date (with every dated value) and a what-if form."""
    ctx.require("standards.catalog")
    day = ctx.get(lambda: parse_date(as_of))
    params = ctx.get(lambda: standards_service.show_parameters(standard_key=key, as_of=day))
    return ctx.render(
        "standard.html",
        params=params,
        as_of=day,
        result=None,
        outcomes=[],
        may_simulate=ctx.may("standards.simulation"),
        form={},
    )


@router.post("/standards/{key}/whatif")
async def whatif(ctx: PageCtx, key: str) -> Response:
    """Screen the registry with one parameter changed; nothing is stored."""
    ctx.require("standards.simulation")
    form = await ctx.form()
    day = ctx.get(lambda: parse_date(form.get("as_of")))
    params = ctx.get(lambda: standards_service.show_parameters(standard_key=key, as_of=day))
    overrides = {str(form.get("parameter") or ""): str(form.get("value") or "").strip()}
    error = None
    result = None
    try:
        result = standards_service.simulate(
            session=ctx.session, standard_key=key, as_of=day, overrides=overrides
        )
    except KechuangError as exc:
        error = ctx.m(exc.message)
    return ctx.render(
        "standard.html",
        status=422 if error else 200,
        params=params,
        as_of=day,
        result=result,
        outcomes=sorted(set(result.baseline) | set(result.variant)) if result else [],
        error=error,
        may_simulate=True,
        form=form,
    )


# ----------------------------------------------------------------------------- products


@router.get("/products")
def products(ctx: PageCtx, as_of: str | None = None) -> Response:
    """The product catalogue open on a date."""
    ctx.require("products.product")
    day = ctx.get(lambda: parse_date(as_of))
    return ctx.render("products.html", rows=default_catalog().products(as_of=day), as_of=day)


# ----------------------------------------------------------------------------- approvals


@router.get("/approvals")
def approvals_page(ctx: PageCtx) -> Response:
    """Claims waiting for a maker or a checker, and every pending approval."""
    ctx.require("approval")
    stmt = select(CompensationClaim).where(CompensationClaim.status == ClaimStatus.FILED)
    claims = list(ctx.session.scalars(ctx.scope(stmt, "credit.claim")))
    pending = approvals.list_(session=ctx.session, status=ApprovalStatus.PENDING)
    recent = approvals.list_(session=ctx.session)[:30]
    return ctx.render(
        "approvals.html",
        claims=claims,
        pending=pending,
        recent=recent,
        may_claim=ctx.may("credit.claim", "approve"),
        may_publish=ctx.may("indicators.release", "approve"),
        today=parse_date(None),
    )


@router.post("/approvals/claims/{claim_no}")
async def approve_claim(ctx: PageCtx, claim_no: str) -> Response:
    """Maker-checker on a compensation payout: the first officer makes, another approves."""
    ctx.require("credit.claim", "approve")
    form = await ctx.form()
    claim = ctx.get(lambda: credit_claims.get_by_claim_no(session=ctx.session, claim_no=claim_no))
    ctx.check(claim, "credit.claim")

    def run() -> Msg:
        on = parse_date(form.get("on"))
        decision = credit_claims.approve_claim(
            session=ctx.session, claim=claim, actor=ctx.actor, on=on
        )
        approvals.record_step(
            session=ctx.session,
            principal=ctx.principal,
            kind=ApprovalKind.COMPENSATION_PAYOUT,
            target=claim.claim_no,
            approved=decision.action == "approved",
            payload={"on": on.isoformat()},
        )
        return decision.message

    return ctx.act("/office/approvals", Msg("已处理", "done"), run)


@router.post("/approvals/{approval_id}/decide")
async def decide(ctx: PageCtx, approval_id: int) -> Response:
    """The checker's decision on a pending release publication (approve publishes it)."""
    form = await ctx.form()
    row = ctx.get(lambda: approvals.get(session=ctx.session, approval_id=approval_id))
    if row.kind is not ApprovalKind.RELEASE_PUBLISH:
        raise PageError(
            409,
            Msg("此类审批在其业务页面处理", "this kind of approval is decided on its own page"),
        )
    ctx.require("indicators.release", "approve")
    approve = form.get("decision") == "approve"

    def run() -> Msg:
        approvals.decide(
            session=ctx.session,
            principal=ctx.principal,
            approval=row,
            approve=approve,
            note=str(form.get("note") or "") or None,
        )
        if not approve:
            return Msg(f"已驳回发布 {row.target}", f"publication of {row.target} rejected")
        publish_release(
            row.target, by=row.requested_by, approved_by=ctx.actor, root=ctx.releases_root
        )
        return Msg(f"统计发布 {row.target} 已发布", f"release {row.target} published")

    return ctx.act("/office/releases", Msg("已处理", "done"), run)


# ----------------------------------------------------------------------------- releases


@router.get("/releases")
def releases(ctx: PageCtx) -> Response:
    """Releases with their status, verification and publication requests."""
    ctx.require("indicators.release")
    manifests = sorted(
        list_releases(ctx.releases_root), key=lambda m: (m.year, m.created_at), reverse=True
    )
    pending = {
        a.target: a
        for a in approvals.list_(
            session=ctx.session, kind=ApprovalKind.RELEASE_PUBLISH, status=ApprovalStatus.PENDING
        )
    }
    return ctx.render(
        "releases.html",
        manifests=manifests,
        pending=pending,
        may_write=ctx.may("indicators.release", "write"),
        may_approve=ctx.may("indicators.release", "approve"),
        formats=list(REPORT_FORMATS),
        this_year=today().year,
    )


@router.post("/releases")
async def create(ctx: PageCtx) -> Response:
    """Snapshot the store and compute every indicator for a year (a draft release)."""
    ctx.require("indicators.release", "write")
    form = await ctx.form()
    url = settings_of(ctx.request).database_url

    def run() -> Msg:
        year = int(str(form.get("year") or "0"))
        m = create_release(
            url=url,
            root=ctx.releases_root,
            year=year,
            revision_note=str(form.get("note") or "") or None,
            synthetic=bool(getattr(settings_of(ctx.request), "synthetic", False)),
        )
        return Msg(
            f"已生成统计发布 {m.release_id}（草稿）", f"release {m.release_id} created (draft)"
        )

    return ctx.act("/office/releases", Msg("已生成", "created"), run)


@router.post("/releases/{release_id}/verify")
async def verify(ctx: PageCtx, release_id: str) -> Response:
    """Check the release's files against its checksums and recompute its figures."""
    ctx.require("indicators.release")
    await ctx.form()

    def run() -> Msg:
        result = verify_release(release_id, root=ctx.releases_root)
        if result.ok:
            return Msg(
                f"{release_id} 校验通过（{result.files_checked} 个文件，数值可复算）",
                f"{release_id} verified ({result.files_checked} files, figures reproduce)",
            )
        raise Conflict(
            Msg(
                f"{release_id} 校验未通过：改动 {result.changed_files}，缺失 {result.missing_files}，"
                f"数值不符 {[m[0] for m in result.mismatches]}",
                f"{release_id} failed verification: changed {result.changed_files}, missing "
                f"{result.missing_files}, mismatched {[m[0] for m in result.mismatches]}",
            ),
            code="release.verify",
        )

    return ctx.act("/office/releases", Msg("已校验", "verified"), run)


@router.post("/releases/{release_id}/request-publish")
async def request_publish(ctx: PageCtx, release_id: str) -> Response:
    """The maker's request to publish; a different user with the checker's role publishes."""
    ctx.require("indicators.release", "write")
    form = await ctx.form()

    def run() -> None:
        open_release(release_id, ctx.releases_root)  # NotFound for an unknown release
        approvals.request(
            session=ctx.session,
            principal=ctx.principal,
            kind=ApprovalKind.RELEASE_PUBLISH,
            target=release_id,
            note=str(form.get("note") or "") or None,
        )

    return ctx.act(
        "/office/releases",
        Msg(f"已提交发布 {release_id}，等待复核", f"publication of {release_id} awaits a checker"),
        run,
    )


@router.get("/releases/{release_id}/report.{fmt}")
def report(ctx: PageCtx, release_id: str, fmt: str, lang: str | None = None) -> Response:
    """The report chapter of a release as PDF, HTML, Markdown or XLSX."""
    ctx.require("indicators.release")
    if fmt not in REPORT_FORMATS:
        raise PageError(404, Msg(f"不支持的格式 {fmt}", f"unknown format {fmt}"))
    release = ctx.get(lambda: open_release(release_id, ctx.releases_root))
    language = "en" if (lang or ctx.lang) == "en" else "zh"
    tmp = tempfile.TemporaryDirectory(prefix="kechuang-report-")
    name = f"report-{release_id}-{language}.{fmt}"
    try:
        path = render_report(release, fmt=fmt, lang=language, out=Path(tmp.name) / name)
    except Exception:
        tmp.cleanup()
        raise
    return FileResponse(
        path,
        media_type=REPORT_FORMATS[fmt],
        filename=name,
        background=BackgroundTask(tmp.cleanup),
    )
