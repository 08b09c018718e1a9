"""政策计算器 (enterprise self-check): every qualification and product for one enterprise, with
outcome, reasons and "you would qualify if …"; an enterprise applies for a loan product here."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from kechuang.auth import policy
from kechuang.auth.enums import ORG_KIND
from kechuang.core.errors import KechuangError, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.credit import service as credit_service
from kechuang.credit.schemas import ApplicationCreate
from kechuang.matching import OUTCOME_LABELS, ProductMatch, match_enterprise, match_profile
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution
from kechuang.standards import service as standards_service
from kechuang.web.core import PageCtx, PageError, parse_date

router = APIRouter(include_in_schema=False)

EVAL_LABELS: dict[str, Msg] = {
    "qualified": Msg("符合", "qualified"),
    "not_qualified": Msg("不符合", "not qualified"),
    "undetermined": Msg("待定（缺少数据）", "undetermined (facts missing)"),
}

PROFILE_FIELDS: tuple[tuple[str, Msg, str], ...] = (
    ("name", Msg("企业名称", "Name"), "text"),
    ("district_code", Msg("所在区（代码或名称）", "District (code or name)"), "text"),
    ("registered_on", Msg("成立日期", "Registered on"), "date"),
    ("industry_code", Msg("行业代码", "Industry code"), "text"),
    ("employees", Msg("职工总数", "Employees"), "number"),
    ("st_staff", Msg("科技人员数", "S&T staff"), "number"),
    ("revenue", Msg("销售收入（元）", "Sales revenue (CNY)"), "number"),
    ("operating_revenue", Msg("营业收入（元）", "Operating revenue (CNY)"), "number"),
    ("total_assets", Msg("资产总额（元）", "Total assets (CNY)"), "number"),
    ("rd_expense", Msg("研发费用（元）", "R&D expense (CNY)"), "number"),
)
QUALIFICATIONS: tuple[tuple[str, Msg], ...] = (
    ("high_tech", Msg("高新技术企业", "high-tech enterprise")),
    ("tech_sme", Msg("科技型中小企业", "tech-based SME")),
    ("innovative_sme", Msg("创新型中小企业", "innovative SME")),
    ("specialised_sme", Msg("专精特新中小企业", "specialised SME")),
    ("little_giant", Msg("专精特新“小巨人”", "little giant")),
)


def _enterprise_choices(ctx: PageCtx) -> list[Enterprise]:
    stmt = select(Enterprise).order_by(Enterprise.name).limit(300)
    return list(ctx.session.scalars(ctx.scope(stmt, "registry.enterprise")))


def _own_uscc(ctx: PageCtx) -> str | None:
    """An enterprise user checks itself only."""
    if ORG_KIND[ctx.principal.role] == "enterprise":
        return ctx.principal.org
    return None


def _qualifications(ctx: PageCtx, uscc: str, as_of: dt.date) -> list[dict[str, Any]]:
    out = []
    for info in standards_service.list_standards():
        if not info.registry_facts:
            continue
        row: dict[str, Any] = {"key": info.key, "label": ctx.m(info.label)}
        try:
            ev = standards_service.evaluate_enterprise(
                session=ctx.session, standard_key=info.key, uscc=uscc, as_of=as_of
            )
        except KechuangError as exc:
            row.update(outcome="undetermined", text=ctx.m(exc.message), checks=[])
        else:
            row.update(
                outcome=ev.outcome,
                text=ctx.m(EVAL_LABELS.get(ev.outcome, Msg(ev.outcome, ev.outcome))),
                score=ev.score,
                checks=[c.as_dict() for c in ev.checks],
            )
        out.append(row)
    return out


def _products(ctx: PageCtx, matches: list[ProductMatch]) -> list[dict[str, Any]]:
    rows = []
    for p in matches:
        data = p.to_json()
        data["name"] = ctx.m(p.name)
        data["outcome_text"] = ctx.m(OUTCOME_LABELS[p.tier])
        data["benefit_text"] = ctx.m(p.benefit.text)
        data["changes"] = [ctx.m(c.message) for c in p.closest_changes]
        rows.append(data)
    return rows


def _banks(ctx: PageCtx) -> list[Institution]:
    stmt = select(Institution).where(Institution.kind == InstitutionKind.BANK)
    return list(ctx.session.scalars(stmt.order_by(Institution.code)))


@router.get("/selfcheck")
def selfcheck(ctx: PageCtx, uscc: str | None = None, as_of: str | None = None) -> Response:
    """Pick an enterprise (an enterprise user: itself) and see qualifications and products."""
    ctx.require("products.matching")
    ctx.require("standards.evaluation")
    day = ctx.get(lambda: parse_date(as_of))
    own = _own_uscc(ctx)
    chosen = own or uscc
    enterprise = None
    quals: list[dict[str, Any]] = []
    products: list[dict[str, Any]] = []
    if chosen:
        enterprise = ctx.session.scalar(select(Enterprise).where(Enterprise.uscc == chosen))
        if enterprise is None:
            raise PageError(404, Msg(f"名录中没有企业 {chosen}", f"no enterprise {chosen}"))
        ctx.check(enterprise, "registry.enterprise")
        ctx.check(enterprise, "standards.evaluation")
        ctx.check(enterprise, "products.matching")
        quals = _qualifications(ctx, enterprise.uscc, day)
        products = _products(
            ctx,
            ctx.get(lambda: match_enterprise(session=ctx.session, uscc=enterprise.uscc, as_of=day)),
        )
    return ctx.render(
        "selfcheck.html",
        enterprises=[] if own else _enterprise_choices(ctx),
        enterprise=enterprise,
        as_of=day,
        quals=quals,
        products=products,
        fields=PROFILE_FIELDS,
        qualifications=QUALIFICATIONS,
        profile={},
        banks=_banks(ctx),
        may_apply=ctx.may(*APPLY) and enterprise is not None,
    )


def _profile_of(form: dict[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for key, _label, kind in PROFILE_FIELDS:
        value = str(form.get(key) or "").strip()
        if not value:
            continue
        if kind == "number":
            try:
                profile[key] = Decimal(value) if "." in value else int(value)
            except (InvalidOperation, ValueError):
                profile[key] = value  # reported by the service, named
        else:
            profile[key] = value
    profile["qualifications"] = [k for k, _ in QUALIFICATIONS if form.get(f"q_{k}")]
    return profile


@router.post("/selfcheck/profile")
async def selfcheck_profile(ctx: PageCtx) -> Response:
    """Match a profile filled in by hand (nothing is stored)."""
    ctx.require("products.matching")
    form = await ctx.form()
    day = ctx.get(lambda: parse_date(form.get("as_of")))
    profile = _profile_of(form)
    error = None
    products: list[dict[str, Any]] = []
    issues: tuple[Any, ...] = ()
    try:
        products = _products(ctx, match_profile(profile=profile, as_of=day))
    except ValidationError as exc:
        error, issues = ctx.m(exc.message), tuple(exc.issues)
    own = _own_uscc(ctx)
    return ctx.render(
        "selfcheck.html",
        status=422 if error else 200,
        enterprises=[] if own else _enterprise_choices(ctx),
        enterprise=None,
        as_of=day,
        quals=[],
        products=products,
        fields=PROFILE_FIELDS,
        qualifications=QUALIFICATIONS,
        profile=form,
        banks=[],
        may_apply=False,
        profile_error=error,
        profile_issues=issues,
    )


APPLY: tuple[str, str] = ("credit.application", "write")
"""Submitting a credit application: a bank officer records one, an enterprise applies itself."""


@router.post("/selfcheck/apply")
async def apply(ctx: PageCtx) -> Response:
    """Submit a credit application for a loan product (an enterprise for itself, or a bank
    officer for a customer of its own bank — the policy decides)."""
    ctx.require(*APPLY)
    form = await ctx.form()
    uscc = str(form.get("uscc") or "")
    bank_code = str(form.get("bank_code") or "")
    back = f"/selfcheck?uscc={uscc}"

    def run() -> Msg:
        policy.require_own(ctx.principal, institution=bank_code, enterprise=uscc)
        number = "WEB-" + today().strftime("%Y%m%d") + "-" + secrets.token_hex(3).upper()
        try:
            body = ApplicationCreate(
                application_no=number,
                uscc=uscc,
                bank_code=bank_code,
                product_key=str(form.get("product_key") or ""),
                requested_amount=Decimal(str(form.get("amount") or "0")),
                requested_term_months=int(str(form.get("term_months") or "0")),
                applied_on=parse_date(form.get("applied_on")),
            )
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(
                Msg(f"申请信息无效：{exc}", f"invalid application: {exc}"), code="application"
            ) from exc
        app = credit_service.submit_application(
            session=ctx.session, application_in=body, actor=ctx.actor
        )
        return Msg(
            f"已提交授信申请 {app.application_no}，等待银行审查",
            f"credit application {app.application_no} submitted; the bank will review it",
        )

    return ctx.act(back, Msg("已提交", "submitted"), run)
