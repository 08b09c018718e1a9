"""The bank workbench: application queue (grant / reject), drawdowns and repayments, the monthly
reporting file with its row-by-row error report, compensation claims."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from kechuang.api.deps import Scoped
from kechuang.api.routes.credit import bank_precheck
from kechuang.api.uploads import import_upload
from kechuang.core.errors import KechuangError, ValidationError
from kechuang.core.i18n import Msg
from kechuang.credit import claims as credit_claims
from kechuang.credit import imports as credit_imports
from kechuang.credit import service as credit_service
from kechuang.credit.enums import ApplicationStatus, ClaimStatus, RepaymentMethod, Security
from kechuang.credit.models import CompensationClaim, CreditApplication, CreditGrant, Loan
from kechuang.credit.schemas import GrantCreate
from kechuang.registry.models import Enterprise, Institution
from kechuang.web.core import PageCtx, PageError, parse_date

router = APIRouter(include_in_schema=False)

LOAN_WRITE: tuple[str, str] = ("credit.loan", "write")
"""Recording drawdowns and repayments (bank officers)."""

DECIDE: tuple[str, str] = ("credit.grant", "write")
"""Granting or rejecting an application: the bank's decision (bank officers only;
``("credit.application", "write")`` also lets enterprises apply, so it is not the gate)."""

OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def _names(ctx: PageCtx) -> tuple[dict[int, str], dict[int, str]]:
    ents = {r[0]: r[1] for r in ctx.session.execute(select(Enterprise.id, Enterprise.name))}
    banks = {r[0]: r[1] for r in ctx.session.execute(select(Institution.id, Institution.code))}
    return ents, banks


def _money(value: Any, what: Msg) -> Decimal:
    try:
        return Decimal(str(value or "0").replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError(
            Msg(f"{what.zh}无效：{value}", f"invalid {what.en}: {value}"), code="amount_invalid"
        ) from exc


@router.get("/bank")
def workbench(ctx: PageCtx, status: str | None = None) -> Response:
    """Applications, grants, loans and claims of the user's bank (city-wide for government)."""
    ctx.require("credit.application")
    stmt = select(CreditApplication).order_by(CreditApplication.applied_on.desc())
    if status:
        stmt = stmt.where(CreditApplication.status == ApplicationStatus(status))
    applications = list(ctx.session.scalars(ctx.scope(stmt.limit(200), "credit.application")))
    grants: list[CreditGrant] = []
    loans: list[Loan] = []
    claims: list[CompensationClaim] = []
    if ctx.may("credit.grant"):
        g = select(CreditGrant).order_by(CreditGrant.granted_on.desc()).limit(200)
        grants = list(ctx.session.scalars(ctx.scope(g, "credit.grant")))
    if ctx.may("credit.loan"):
        ln = select(Loan).order_by(Loan.drawdown_date.desc()).limit(200)
        loans = list(ctx.session.scalars(ctx.scope(ln, "credit.loan")))
    if ctx.may("credit.claim"):
        c = select(CompensationClaim).order_by(CompensationClaim.claim_no).limit(200)
        claims = list(ctx.session.scalars(ctx.scope(c, "credit.claim")))
    ents, banks = _names(ctx)
    return ctx.render(
        "bank.html",
        applications=applications,
        grants=grants,
        loans=loans,
        claims=claims,
        ents=ents,
        banks=banks,
        open_statuses=OPEN,
        statuses=list(ApplicationStatus),
        methods=list(RepaymentMethod),
        securities=list(Security),
        may_decide=ctx.may(*DECIDE),
        may_loan=ctx.may(*LOAN_WRITE),
        may_claim=ctx.may("credit.claim", "write"),
        may_import=ctx.may("credit.import", "import"),
        claim_statuses=ClaimStatus,
        today=parse_date(None),
    )


def _application(ctx: PageCtx, number: str) -> CreditApplication:
    app = ctx.get(
        lambda: credit_service.get_application(session=ctx.session, application_no=number)
    )
    ctx.check(app, "credit.application")
    assert isinstance(app, CreditApplication)
    return app


@router.post("/bank/applications/{number}/grant")
async def grant(ctx: PageCtx, number: str) -> Response:
    """Approve an application with the grant's terms (submitted applications go under review first)."""
    ctx.require(*DECIDE)
    form = await ctx.form()
    app = _application(ctx, number)

    def run() -> Msg:
        on = parse_date(form.get("on"))
        try:
            terms = GrantCreate(
                contract_no=str(form.get("contract_no") or ""),
                amount=_money(form.get("amount"), Msg("授信金额", "amount")),
                term_months=int(str(form.get("term_months") or "0")),
                annual_rate=_money(form.get("annual_rate"), Msg("年利率", "rate")),
                repayment_method=RepaymentMethod(str(form.get("repayment_method"))),
                security=Security(str(form.get("security"))),
            )
        except ValueError as exc:
            raise ValidationError(
                Msg(f"授信条款无效：{exc}", f"invalid grant terms: {exc}"), code="grant_terms"
            ) from exc
        if app.status is ApplicationStatus.SUBMITTED:
            credit_service.start_review(
                session=ctx.session, application=app, on=on, actor=ctx.actor
            )
        g = credit_service.approve_application(
            session=ctx.session, application=app, grant_in=terms, on=on, actor=ctx.actor
        )
        return Msg(f"已授信，合同 {g.contract_no}", f"granted: contract {g.contract_no}")

    return ctx.act("/bank", Msg("已授信", "granted"), run)


@router.post("/bank/applications/{number}/reject")
async def reject(ctx: PageCtx, number: str) -> Response:
    """Reject an application, with a reason."""
    ctx.require(*DECIDE)
    form = await ctx.form()
    app = _application(ctx, number)

    def run() -> None:
        on = parse_date(form.get("on"))
        if app.status is ApplicationStatus.SUBMITTED:
            credit_service.start_review(
                session=ctx.session, application=app, on=on, actor=ctx.actor
            )
        credit_service.reject_application(
            session=ctx.session,
            application=app,
            reason=str(form.get("reason") or ""),
            on=on,
            actor=ctx.actor,
        )

    return ctx.act("/bank", Msg(f"已拒绝申请 {number}", f"application {number} rejected"), run)


@router.post("/bank/grants/{contract_no}/drawdown")
async def drawdown(ctx: PageCtx, contract_no: str) -> Response:
    """Record a drawdown (a new loan) under a grant of the user's bank."""
    ctx.require(*LOAN_WRITE)
    form = await ctx.form()
    g = ctx.get(
        lambda: credit_service.get_grant_by_contract(session=ctx.session, contract_no=contract_no)
    )
    ctx.check(g, "credit.grant")

    def run() -> Msg:
        loan = credit_service.draw_down(
            session=ctx.session,
            grant=g,
            loan_no=str(form.get("loan_no") or "").strip(),
            amount=_money(form.get("amount"), Msg("放款金额", "amount")),
            on=parse_date(form.get("on")),
            actor=ctx.actor,
        )
        return Msg(f"已放款，借据 {loan.loan_no}", f"drawn: loan {loan.loan_no}")

    return ctx.act("/bank", Msg("已放款", "drawn"), run)


@router.post("/bank/loans/{loan_no}/repay")
async def repay(ctx: PageCtx, loan_no: str) -> Response:
    """Record a repayment of principal and/or interest."""
    ctx.require(*LOAN_WRITE)
    form = await ctx.form()
    loan = ctx.get(lambda: credit_service.get_loan(session=ctx.session, loan_no=loan_no))
    ctx.check(loan, "credit.loan")

    def run() -> None:
        credit_service.repay(
            session=ctx.session,
            loan=loan,
            principal=_money(form.get("principal"), Msg("还款本金", "principal")),
            interest=_money(form.get("interest"), Msg("利息", "interest")),
            on=parse_date(form.get("on")),
            actor=ctx.actor,
        )

    return ctx.act("/bank", Msg(f"已记录还款 {loan_no}", f"repayment of {loan_no} recorded"), run)


@router.post("/bank/claims")
async def file_claim(ctx: PageCtx) -> Response:
    """File a compensation claim for a defaulted loan of the user's bank."""
    ctx.require("credit.claim", "write")
    form = await ctx.form()
    loan = ctx.get(
        lambda: credit_service.get_loan(session=ctx.session, loan_no=str(form.get("loan_no") or ""))
    )
    ctx.check(loan, "credit.loan")

    def run() -> Msg:
        decision = credit_claims.file_claim(
            session=ctx.session,
            loan=loan,
            agreement_key=str(form.get("agreement_key") or ""),
            on=parse_date(form.get("on")),
            actor=ctx.actor,
            claim_no=str(form.get("claim_no") or "").strip(),
        )
        no = decision.claim.claim_no
        return Msg(f"已申报风险补偿 {no}", f"compensation claim {no} filed")

    return ctx.act("/bank", Msg("已申报", "filed"), run)


@router.get("/bank/claims/{claim_no}")
def claim_detail(ctx: PageCtx, claim_no: str) -> Response:
    """A claim with its full explanation (checks, loss, shares, caps)."""
    ctx.require("credit.claim")
    claim = ctx.get(lambda: credit_claims.get_by_claim_no(session=ctx.session, claim_no=claim_no))
    ctx.check(claim, "credit.claim")
    detail = ctx.get(lambda: credit_claims.explain(session=ctx.session, claim=claim).as_dict())
    return ctx.render("claim.html", claim=claim, detail=detail)


@router.post("/bank/import")
async def import_file(ctx: PageCtx) -> Response:
    """Upload a monthly reporting file; all or nothing, with every rejected row listed."""
    ctx.require("credit.import", "import")
    form = await ctx.form()
    upload = form.get("file")
    kind = str(form.get("kind") or "loans")
    if kind not in credit_imports.SPECS or not isinstance(upload, UploadFile):
        raise PageError(422, Msg("请选择文件类型和文件", "choose a file kind and a file"))
    try:
        return _import(ctx, upload, kind, dry_run=bool(form.get("dry_run")))
    finally:
        await upload.close()


def _import(ctx: PageCtx, upload: UploadFile, kind: str, *, dry_run: bool) -> Response:
    scoped = Scoped(principal=ctx.principal, session=ctx.session, resource="credit.import")
    try:
        report = import_upload(
            scoped,
            ctx.request,
            upload,  # type: ignore[arg-type]
            kind=kind,
            domain="credit",
            importer=credit_imports.import_file,
            dry_run=dry_run,
            precheck=bank_precheck(scoped, kind),
        )
    except KechuangError as exc:
        ctx.rollback()
        return ctx.render(
            "import_report.html",
            status=422,
            ok=False,
            kind=kind,
            file=upload.filename,
            message=ctx.m(exc.message),
            issues=list(exc.issues),
            report=None,
        )
    return ctx.render(
        "import_report.html",
        ok=True,
        kind=kind,
        file=report.file,
        message=report.message_en if ctx.lang == "en" else report.message_zh,
        issues=report.issues,
        report=report,
    )
