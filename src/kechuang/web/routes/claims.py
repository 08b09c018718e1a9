"""Insurance claims (理赔): the list of claims on the user's policies (filters: status, product,
notification date), a claim with its policy, co-insurers' allocation and history, and the
insurer's actions the domain allows — 报案 (notify), 定损 (assess), 赔付 (pay), 拒赔 (reject).

Rows are the policy's scope of ``insurance.claim``: an insurer officer sees the claims on policies
its insurer shares in, an enterprise those on policies it is insured under, city-wide roles every
claim (read only: only ``("insurance.claim", "write")`` shows and accepts the actions). The state
machine and every rule are :mod:`kechuang.insurance.claims`'s, run with the user as actor; paying
a claim is the insurer's own decision (no maker-checker in the domain or the API).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.insurance import claims as insurance_claims
from kechuang.insurance.enums import ClaimStatus
from kechuang.insurance.models import InsuranceClaim, InsurancePolicy
from kechuang.registry.models import Institution
from kechuang.storage.history import ChangeHistory
from kechuang.web.core import Ctx, PageCtx, PageError, page_number, paginate, parse_date

router = APIRouter(include_in_schema=False)

WRITE: tuple[str, str] = ("insurance.claim", "write")
LIST = "/insurance/claims"


def _optional_date(ctx: Ctx, value: str | None) -> dt.date | None:
    if not (value or "").strip():
        return None
    day: dt.date = ctx.get(lambda: parse_date(value))
    return day


def _status(value: str | None) -> ClaimStatus | None:
    if not value:
        return None
    try:
        return ClaimStatus(value)
    except ValueError as exc:
        raise PageError(
            422, Msg(f"未知的理赔状态：{value}", f"unknown claim status: {value}")
        ) from exc


@router.get("/insurance/claims")
def claims(
    ctx: PageCtx,
    status: str | None = None,
    product: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page: str | None = None,
) -> Response:
    """Claims on the user's policies, newest notification first, 50 a page."""
    ctx.require("insurance.claim")
    chosen = _status(status)
    start, end = _optional_date(ctx, date_from), _optional_date(ctx, date_to)
    stmt = (
        select(InsuranceClaim)
        .join(InsurancePolicy, InsurancePolicy.id == InsuranceClaim.policy_id)
        .order_by(InsuranceClaim.notified_on.desc(), InsuranceClaim.claim_no)
    )
    if chosen is not None:
        stmt = stmt.where(InsuranceClaim.status == chosen)
    if product:
        stmt = stmt.where(InsurancePolicy.product_key == product.strip())
    if start is not None:
        stmt = stmt.where(InsuranceClaim.notified_on >= start)
    if end is not None:
        stmt = stmt.where(InsuranceClaim.notified_on <= end)
    pager = paginate(ctx.session, ctx.scope(stmt, "insurance.claim"), page_number(page))
    policies = _policies(ctx, {c.policy_id for c in pager.rows})
    own_policies: list[InsurancePolicy] = []
    if ctx.may(*WRITE):
        p = select(InsurancePolicy).order_by(InsurancePolicy.policy_no).limit(500)
        own_policies = list(ctx.session.scalars(ctx.scope(p, "insurance.policy")))
    products = sorted(
        set(
            ctx.session.scalars(
                ctx.scope(select(InsurancePolicy.product_key).distinct(), "insurance.policy")
            )
        )
    )
    return ctx.render(
        "insurance_claims.html",
        pager=pager,
        policies=policies,
        statuses=list(ClaimStatus),
        products=products,
        filters={
            "status": chosen.value if chosen else "",
            "product": product or "",
            "date_from": start.isoformat() if start else "",
            "date_to": end.isoformat() if end else "",
        },
        may_write=ctx.may(*WRITE),
        own_policies=own_policies,
        today=parse_date(None),
    )


def _policies(ctx: Ctx, ids: set[int]) -> dict[int, InsurancePolicy]:
    if not ids:
        return {}
    stmt = select(InsurancePolicy).where(InsurancePolicy.id.in_(ids))
    return {p.id: p for p in ctx.session.scalars(stmt)}


def _claim(ctx: Ctx, claim_no: str) -> InsuranceClaim:
    claim = ctx.get(
        lambda: insurance_claims.get_by_claim_no(session=ctx.session, claim_no=claim_no)
    )
    ctx.check(claim, "insurance.claim")
    assert isinstance(claim, InsuranceClaim)
    return claim


def _history(ctx: Ctx, claim: InsuranceClaim) -> list[dict[str, Any]]:
    """The claim's change history, oldest first, with each step's bilingual decision note."""
    stmt = (
        select(ChangeHistory)
        .where(ChangeHistory.table_name == "insurance_claim", ChangeHistory.record_id == claim.id)
        .order_by(ChangeHistory.changed_at, ChangeHistory.id)
    )
    out: list[dict[str, Any]] = []
    for h in ctx.session.scalars(stmt):
        changes = dict(h.changes or {})
        decision = changes.pop("decision", None)
        note = decision[1] if isinstance(decision, list) and len(decision) == 2 else None
        if isinstance(note, str) and " / " in note:
            zh, en = note.split(" / ", 1)
            note = en if ctx.lang == "en" else zh
        out.append({"row": h, "note": note, "changes": changes})
    return out


@router.get("/insurance/claims/{claim_no}")
def claim_detail(ctx: PageCtx, claim_no: str) -> Response:
    """A claim: its dates and amounts, the policy with its co-insurers, the allocation of the
    payment, the history, and the next steps allowed (insurer officers only)."""
    ctx.require("insurance.claim")
    claim = _claim(ctx, claim_no)
    policy = ctx.session.scalars(
        select(InsurancePolicy)
        .where(InsurancePolicy.id == claim.policy_id)
        .options(selectinload(InsurancePolicy.shares))
    ).one()
    insurers = {
        r[0]: (r[1], r[2])
        for r in ctx.session.execute(
            select(Institution.id, Institution.code, Institution.name).where(
                Institution.id.in_({s.insurer_id for s in policy.shares})
            )
        )
    }
    allowed = insurance_claims.TRANSITIONS[claim.status] if ctx.may(*WRITE) else frozenset()
    return ctx.render(
        "insurance_claim.html",
        claim=claim,
        policy=policy,
        insurers=insurers,
        history=_history(ctx, claim),
        may_assess=ClaimStatus.ASSESSED in allowed,
        may_pay=ClaimStatus.PAID in allowed,
        may_reject=ClaimStatus.REJECTED in allowed,
        today=parse_date(None),
    )


def _amount(value: Any) -> Decimal:
    text = str(value or "").replace(",", "").strip()
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(
            Msg(f"定损金额无效：{text}", f"invalid assessed amount: {text}"), code="claim.amount"
        ) from exc


@router.post("/insurance/claims")
async def notify(ctx: PageCtx) -> Response:
    """报案: record a claim under a policy the user's insurer shares in."""
    ctx.require(*WRITE)
    form = await ctx.form()
    policy = ctx.get(
        lambda: insurance_claims.get_policy_by_no(
            session=ctx.session, policy_no=str(form.get("policy_no") or "")
        )
    )
    ctx.check(policy, "insurance.policy")
    number = str(form.get("claim_no") or "").strip()

    def run() -> None:
        insurance_claims.notify(
            session=ctx.session,
            policy=policy,
            claim_no=number,
            loss_date=parse_date(form.get("loss_date")),
            notified_on=parse_date(form.get("notified_on")),
            description=str(form.get("description") or ""),
            actor=ctx.actor,
        )

    return ctx.act(LIST, Msg(f"已报案 {number}", f"claim {number} notified"), run)


@router.post("/insurance/claims/{claim_no}/assess")
async def assess(ctx: PageCtx, claim_no: str) -> Response:
    """定损: the assessed loss (at most the sum insured)."""
    ctx.require(*WRITE)
    form = await ctx.form()
    claim = _claim(ctx, claim_no)

    def run() -> None:
        insurance_claims.assess(
            session=ctx.session,
            claim=claim,
            amount=_amount(form.get("amount")),
            on=parse_date(form.get("on")),
            actor=ctx.actor,
        )

    back = f"{LIST}/{claim.claim_no}"
    return ctx.act(back, Msg(f"已定损 {claim_no}", f"claim {claim_no} assessed"), run)


@router.post("/insurance/claims/{claim_no}/pay")
async def pay(ctx: PageCtx, claim_no: str) -> Response:
    """赔付: pay the assessed amount, allocated exactly across the co-insurers."""
    ctx.require(*WRITE)
    form = await ctx.form()
    claim = _claim(ctx, claim_no)

    def run() -> None:
        insurance_claims.pay(
            session=ctx.session, claim=claim, on=parse_date(form.get("on")), actor=ctx.actor
        )

    back = f"{LIST}/{claim.claim_no}"
    return ctx.act(back, Msg(f"已赔付 {claim_no}", f"claim {claim_no} paid"), run)


@router.post("/insurance/claims/{claim_no}/reject")
async def reject(ctx: PageCtx, claim_no: str) -> Response:
    """拒赔: reject a notified or assessed claim, with a reason."""
    ctx.require(*WRITE)
    form = await ctx.form()
    claim = _claim(ctx, claim_no)

    def run() -> None:
        insurance_claims.reject(
            session=ctx.session,
            claim=claim,
            reason=str(form.get("reason") or ""),
            on=parse_date(form.get("on")),
            actor=ctx.actor,
        )

    back = f"{LIST}/{claim.claim_no}"
    return ctx.act(back, Msg(f"已拒赔 {claim_no}", f"claim {claim_no} rejected"), run)
