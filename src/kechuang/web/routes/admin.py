"""Administration: users and roles, the audit log."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.storage import audit
from kechuang.web.core import PageCtx

router = APIRouter(prefix="/admin", include_in_schema=False)

PAGE = 100


@router.get("/users")
def users(ctx: PageCtx, role: str | None = None) -> Response:
    """Users with their role and organisation; create, disable and enable (administrators)."""
    ctx.require("auth.user")
    chosen = Role(role) if role in {r.value for r in Role} else None
    rows = auth_service.list_users(session=ctx.session, role=chosen)
    return ctx.render(
        "users.html", rows=rows, roles=list(Role), may_admin=ctx.may("auth.user", "admin")
    )


@router.post("/users")
async def create_user(ctx: PageCtx) -> Response:
    """Create a user (the organisation must exist in the registry for org-bound roles)."""
    ctx.require("auth.user", "admin")
    form = await ctx.form()

    def run() -> Msg:
        role_value = str(form.get("role") or "")
        if role_value not in {r.value for r in Role}:
            raise ValidationError(Msg("请选择角色", "choose a role"), code="auth.role")
        user = auth_service.create_user(
            session=ctx.session,
            username=str(form.get("username") or ""),
            password=str(form.get("password") or ""),
            role=Role(role_value),
            org=str(form.get("org") or "").strip() or None,
            display_name=str(form.get("display_name") or "").strip() or None,
        )
        return Msg(f"已创建用户 {user.username}", f"user {user.username} created")

    return ctx.act("/admin/users", Msg("已创建", "created"), run)


@router.post("/users/{username}/active")
async def set_active(ctx: PageCtx, username: str) -> Response:
    """Disable or enable a user (disabling ends the user's sessions)."""
    ctx.require("auth.user", "admin")
    form = await ctx.form()
    active = form.get("active") == "1"

    def run() -> None:
        user = auth_service.get_by_username(session=ctx.session, username=username)
        auth_service.set_active(session=ctx.session, user=user, active=active)

    done = (
        Msg(f"已启用 {username}", f"{username} enabled")
        if active
        else Msg(f"已停用 {username}", f"{username} disabled")
    )
    return ctx.act("/admin/users", done, run)


@router.get("/audit")
def audit_log(
    ctx: PageCtx, actor: str | None = None, table: str | None = None, page: int = 1
) -> Response:
    """Every write: who, when, which record, what changed (newest first)."""
    ctx.require("audit")
    page = max(page, 1)
    rows = audit.list_(
        session=ctx.session,
        actor=actor or None,
        table_name=table or None,
        limit=PAGE + 1,
        offset=(page - 1) * PAGE,
    )
    return ctx.render(
        "audit.html",
        rows=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        actor=actor or "",
        table=table or "",
    )
