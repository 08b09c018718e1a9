"""Credit applications as their applicant sees them: status, bank, product, amount and dates, and
**撤回** (withdraw) for one still ``submitted`` or ``under_review``.

The list is the policy's scope of ``credit.application`` (an enterprise sees its own, a bank its
bank's, city-wide roles everything). Withdrawing needs :data:`WITHDRAW` on the policy and the
application among the user's rows (:meth:`Ctx.check`, the API's object check); the state rule is
the domain's (:func:`kechuang.credit.service.withdraw_application`). The confirmation and the
list update go through htmx; without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.credit import service as credit_service
from kechuang.credit.enums import ApplicationStatus
from kechuang.credit.models import CreditApplication
from kechuang.registry.models import Enterprise, Institution
from kechuang.web.core import (
    WITHDRAW_APPLICATION,
    Ctx,
    PageCtx,
    PageError,
    parse_date,
    redirect,
)

router = APIRouter(include_in_schema=False)

WITHDRAW: tuple[str, str] = WITHDRAW_APPLICATION
"""The policy entry a withdrawal needs (see :data:`kechuang.web.core.WITHDRAW_APPLICATION`)."""

OPEN: tuple[ApplicationStatus, ...] = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
"""States from which the domain allows a withdrawal."""

LIST = "/applications"


def _is_htmx(ctx: Ctx) -> bool:
    return ctx.request.headers.get("HX-Request") == "true"


def _list_values(ctx: Ctx, status: str | None) -> dict[str, Any]:
    stmt = select(CreditApplication).order_by(
        CreditApplication.applied_on.desc(), CreditApplication.application_no
    )
    chosen: ApplicationStatus | None = None
    if status:
        chosen = _status(status)
        stmt = stmt.where(CreditApplication.status == chosen)
    rows = list(ctx.session.scalars(ctx.scope(stmt.limit(200), "credit.application")))
    banks = {
        r[0]: (r[1], r[2])
        for r in ctx.session.execute(
            select(Institution.id, Institution.code, Institution.name).where(
                Institution.id.in_({a.bank_id for a in rows})
            )
        )
    }
    ents = {
        r[0]: r[1]
        for r in ctx.session.execute(
            select(Enterprise.id, Enterprise.name).where(
                Enterprise.id.in_({a.enterprise_id for a in rows})
            )
        )
    }
    return {
        "applications": rows,
        "banks": banks,
        "ents": ents,
        "statuses": list(ApplicationStatus),
        "chosen_status": chosen.value if chosen else "",
        "open_statuses": OPEN,
        "may_withdraw": ctx.may(*WITHDRAW),
        "notice": None,
    }


def _status(value: str) -> ApplicationStatus:
    try:
        return ApplicationStatus(value)
    except ValueError as exc:
        raise PageError(
            422, Msg(f"未知的申请状态：{value}", f"unknown application status: {value}")
        ) from exc


@router.get("/applications")
def applications(ctx: PageCtx, status: str | None = None) -> Response:
    """The user's credit applications (newest first), with 撤回 on open ones."""
    ctx.require("credit.application")
    return ctx.render("applications.html", **_list_values(ctx, status))


def _application(ctx: Ctx, number: str) -> CreditApplication:
    app = ctx.get(
        lambda: credit_service.get_application(session=ctx.session, application_no=number)
    )
    ctx.check(app, "credit.application")
    assert isinstance(app, CreditApplication)
    return app


@router.get("/applications/{number}/withdraw")
def confirm_withdraw(ctx: PageCtx, number: str) -> Response:
    """The confirmation step: the application's details and a 确认撤回 button (a fragment for
    htmx, else a page)."""
    ctx.require(*WITHDRAW)
    app = _application(ctx, number)
    bank = ctx.session.get(Institution, app.bank_id)
    return ctx.render(
        "withdraw_confirm.html",
        app=app,
        bank=bank,
        fragment=_is_htmx(ctx),
        withdrawable=app.status in OPEN,
        today=parse_date(None),
    )


@router.post("/applications/{number}/withdraw")
async def withdraw(ctx: PageCtx, number: str) -> Response:
    """Withdraw an application (submitted / under review → withdrawn) with the user as actor.

    htmx gets the refreshed list with the outcome; a plain form post is redirected to the list
    with the outcome as a flash message. A status that no longer allows it is shown, in the
    page language, and nothing is written.
    """
    ctx.require(*WITHDRAW)
    form = await ctx.form()
    app = _application(ctx, number)
    reason = str(form.get("reason") or "").strip() or None
    ok = Msg(f"已撤回申请 {number}", f"application {number} withdrawn")
    outcome: tuple[str, Msg]
    try:
        credit_service.withdraw_application(
            session=ctx.session,
            application=app,
            on=parse_date(form.get("on")),
            actor=ctx.actor,
            reason=reason,
        )
        ctx.session.flush()
        outcome = ("ok", ok)
    except KechuangError as exc:
        ctx.rollback()
        outcome = (
            "error",
            Msg(f"不能撤回：{exc.message.zh}", f"cannot withdraw: {exc.message.en}"),
        )
    if not _is_htmx(ctx):
        return redirect(LIST, flash=(outcome[0], outcome[1], ()))
    values = _list_values(ctx, None)
    values["notice"] = (outcome[0], ctx.m(outcome[1]))
    return ctx.render("applications.html", **values)
