"""Insurer and fund pages: policies with co-insurance shares and subsidy applications; funds with
their metrics. Rows are those the policy lets the user see (an insurer its own policies …)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kechuang.auth import approvals
from kechuang.auth.enums import ApprovalKind
from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.funds.metrics import fund_metrics
from kechuang.funds.models import Fund
from kechuang.insurance import subsidies
from kechuang.insurance.models import InsurancePolicy, PremiumSubsidy
from kechuang.registry.models import Institution
from kechuang.web.core import PageCtx, parse_date

router = APIRouter(include_in_schema=False)


@router.get("/insurance")
def insurance(ctx: PageCtx) -> Response:
    """Policies (with co-insurance shares) and premium-subsidy applications."""
    ctx.require("insurance.policy")
    stmt = (
        select(InsurancePolicy)
        .options(selectinload(InsurancePolicy.shares))
        .order_by(InsurancePolicy.start_date.desc())
        .limit(200)
    )
    policies = list(ctx.session.scalars(ctx.scope(stmt, "insurance.policy")))
    subs: list[PremiumSubsidy] = []
    if ctx.may("insurance.subsidy"):
        s = select(PremiumSubsidy).order_by(PremiumSubsidy.applied_on.desc()).limit(200)
        subs = list(ctx.session.scalars(ctx.scope(s, "insurance.subsidy")))
    insurers = {r[0]: r[1] for r in ctx.session.execute(select(Institution.id, Institution.code))}
    policy_nos = {
        r[0]: r[1]
        for r in ctx.session.execute(select(InsurancePolicy.id, InsurancePolicy.policy_no))
    }
    return ctx.render(
        "insurance.html",
        policies=policies,
        subsidies=subs,
        insurers=insurers,
        policy_nos=policy_nos,
        may_approve=ctx.may("insurance.subsidy", "approve"),
        today=parse_date(None),
    )


@router.post("/insurance/subsidies/{subsidy_no}/approve")
async def approve_subsidy(ctx: PageCtx, subsidy_no: str) -> Response:
    """Maker-checker on a premium subsidy: the first officer makes, a second one approves."""
    ctx.require("insurance.subsidy", "approve")
    form = await ctx.form()
    sub = ctx.get(lambda: subsidies.get_by_subsidy_no(session=ctx.session, subsidy_no=subsidy_no))
    ctx.check(sub, "insurance.subsidy")

    def run() -> Msg:
        on = parse_date(form.get("on"))
        decision = subsidies.approve(session=ctx.session, subsidy=sub, actor=ctx.actor, on=on)
        approvals.record_step(
            session=ctx.session,
            principal=ctx.principal,
            kind=ApprovalKind.SUBSIDY_PAYMENT,
            target=sub.subsidy_no,
            approved=decision.action == "approved",
            payload={"on": on.isoformat()},
        )
        return decision.message

    return ctx.act("/insurance", Msg("已处理", "done"), run)


@router.get("/funds")
def funds(ctx: PageCtx, as_of: str | None = None) -> Response:
    """Funds with DPI / RVPI / TVPI / IRR, leverage and investment shares."""
    ctx.require("funds.fund")
    day = ctx.get(lambda: parse_date(as_of))
    stmt = select(Fund).order_by(Fund.code).limit(100)
    rows: list[dict[str, Any]] = []
    for fund in ctx.session.scalars(ctx.scope(stmt, "funds.fund")):
        try:
            metrics: dict[str, Any] | None = fund_metrics(
                session=ctx.session, fund=fund, as_of=day
            ).to_json()
            error = None
        except KechuangError as exc:
            metrics, error = None, ctx.m(exc.message)
        rows.append({"fund": fund, "metrics": metrics, "error": error})
    return ctx.render("funds.html", rows=rows, as_of=day)
