"""Sign in and out, the caller's own account and API tokens; user administration; the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from kechuang.api.deps import (
    PUBLIC,
    Scoped,
    SessionDep,
    authorize,
    bearer_token,
    set_session_cookie,
    settings_of,
)
from kechuang.api.pagination import Page, PageDep, paginate
from kechuang.api.types import UtcDatetime
from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.auth.errors import AuthenticationFailed
from kechuang.auth.models import ApiToken, User
from kechuang.storage import audit
from kechuang.storage.base import utcnow

router = APIRouter(tags=["auth"])

PUBLIC_ROUTE = {"x-kechuang-auth": PUBLIC}


class LoginIn(BaseModel):
    """Username and password."""

    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1024)


class UserRead(BaseModel):
    """A user as others see it (never the password hash)."""

    username: str
    display_name: str | None
    role: Role
    org: str | None
    active: bool


class LoginOut(BaseModel):
    """A login token (also set as the HttpOnly session cookie) and its CSRF token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: UtcDatetime
    csrf_token: str
    user: UserRead


class TokenIn(BaseModel):
    """A new API token for a system integration."""

    name: str = Field(min_length=1, max_length=120)
    scopes: list[Literal["read", "write"]] = Field(default=["read"], min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class TokenOut(BaseModel):
    """An API token; ``token`` is shown only when issued."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    expires_at: UtcDatetime | None
    revoked: bool
    token: str | None = None


class UserCreate(BaseModel):
    """A new user (administrators only)."""

    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=1024)
    role: Role
    org: str | None = Field(default=None, max_length=32)
    display_name: str | None = Field(default=None, max_length=200)


class AuditRead(BaseModel):
    """One audit-log row."""

    id: int
    at: UtcDatetime
    actor: str
    actor_role: str | None
    request_id: str | None
    action: str
    table_name: str
    record_id: str | None
    changes: dict[str, object]


def user_read(user: User) -> UserRead:
    """Public view of a user."""
    return UserRead(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org=user.org,
        active=user.active,
    )


def _token_out(row: ApiToken, token: str | None = None) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=list(row.scopes),
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None,
        token=token,
    )


@router.post("/auth/login", response_model=LoginOut, openapi_extra=PUBLIC_ROUTE)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> LoginOut:
    """Sign in: returns a bearer token and sets the HttpOnly session cookie for the web."""
    settings = settings_of(request)
    client = request.client.host if request.client else None
    # Attempts are committed even when the login fails, so throttling sees them.
    try:
        user = auth_service.authenticate(
            session=session,
            username=body.username,
            password=body.password,
            client=client,
            max_failures=settings.login_max_failures,
            window=settings.login_window,
        )
    except AuthenticationFailed:
        session.commit()
        raise
    issued = auth_service.login(session=session, user=user, ttl=settings.token_ttl)
    assert issued.expires_at is not None
    assert issued.csrf_token is not None
    set_session_cookie(response, settings, issued.token)
    return LoginOut(
        access_token=issued.token,
        expires_at=issued.expires_at,
        csrf_token=issued.csrf_token,
        user=user_read(user),
    )


@router.post("/auth/logout", status_code=204)
def logout(
    request: Request, scoped: Annotated[Scoped, authorize("auth.self", "write")]
) -> Response:
    """Sign out: revokes the token (or cookie session) used for this request."""
    settings = settings_of(request)
    token = bearer_token(request) or request.cookies.get(settings.cookie_name)
    if token:
        auth_service.logout(session=scoped.session, token=token)
    response = Response(status_code=204)
    response.delete_cookie(settings.cookie_name, path="/")
    return response


@router.get("/auth/me", response_model=UserRead)
def me(scoped: Annotated[Scoped, authorize("auth.self", "read")]) -> UserRead:
    """The signed-in user."""
    return user_read(auth_service.get_by_username(session=scoped.session, username=scoped.actor))


class PasswordIn(BaseModel):
    """The current and the new password."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)


@router.post("/auth/password", status_code=204)
def change_password(
    body: PasswordIn, scoped: Annotated[Scoped, authorize("auth.self", "write")]
) -> Response:
    """Change the caller's own password; the caller's other logins are signed out."""
    user = auth_service.get_by_username(session=scoped.session, username=scoped.actor)
    auth_service.change_password(
        session=scoped.session,
        user=user,
        current=body.current_password,
        new=body.new_password,
        keep_session_id=scoped.principal.session_id,
    )
    return Response(status_code=204)


@router.get("/auth/tokens", response_model=list[TokenOut])
def list_tokens(scoped: Annotated[Scoped, authorize("auth.self", "read")]) -> list[TokenOut]:
    """The caller's API tokens."""
    rows = scoped.session.scalars(
        select(ApiToken).where(ApiToken.user_id == scoped.principal.user_id).order_by(ApiToken.id)
    )
    return [_token_out(r) for r in rows]


@router.post("/auth/tokens", response_model=TokenOut, status_code=201)
def create_token(
    body: TokenIn, scoped: Annotated[Scoped, authorize("auth.self", "write")]
) -> TokenOut:
    """Issue an API token acting as the caller (the token is shown once)."""
    user = auth_service.get_by_username(session=scoped.session, username=scoped.actor)
    expires = (
        None if body.expires_in_days is None else utcnow() + dt.timedelta(days=body.expires_in_days)
    )
    issued = auth_service.issue_api_token(
        session=scoped.session,
        user=user,
        name=body.name,
        scopes=set(body.scopes),
        expires_at=expires,
    )
    row = scoped.session.get(ApiToken, issued.record_id)
    assert row is not None
    return _token_out(row, issued.token)


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: int, scoped: Annotated[Scoped, authorize("auth.self", "write")]
) -> Response:
    """Revoke one of the caller's API tokens."""
    user = auth_service.get_by_username(session=scoped.session, username=scoped.actor)
    auth_service.revoke_api_token(session=scoped.session, token_id=token_id, user=user)
    return Response(status_code=204)


# ------------------------------------------------------------------------- administration


@router.get("/users", response_model=Page[UserRead], tags=["admin"])
def list_users(
    scoped: Annotated[Scoped, authorize("auth.user", "read")],
    page: PageDep,
    role: Role | None = None,
    org: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[UserRead]:
    """Users (administrators and auditors)."""
    stmt = select(User).order_by(User.username)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if org is not None:
        stmt = stmt.where(User.org == org)
    return paginate(scoped.session, stmt, page, user_read)


@router.post("/users", response_model=UserRead, status_code=201, tags=["admin"])
def create_user(
    body: UserCreate, scoped: Annotated[Scoped, authorize("auth.user", "admin")]
) -> UserRead:
    """Create a user (administrators)."""
    user = auth_service.create_user(
        session=scoped.session,
        username=body.username,
        password=body.password,
        role=body.role,
        org=body.org,
        display_name=body.display_name,
    )
    return user_read(user)


@router.post("/users/{username}/disable", response_model=UserRead, tags=["admin"])
def disable_user(
    username: str,
    scoped: Annotated[Scoped, authorize("auth.user", "admin")],
) -> UserRead:
    """Disable a user and revoke their logins and tokens (administrators)."""
    user = auth_service.get_by_username(session=scoped.session, username=username)
    return user_read(auth_service.set_active(session=scoped.session, user=user, active=False))


@router.get("/audit", response_model=Page[AuditRead], tags=["audit"])
def list_audit(
    scoped: Annotated[Scoped, authorize("audit", "read")],
    page: PageDep,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    table: Annotated[str | None, Query(max_length=60)] = None,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditRead]:
    """The audit log, newest first (administrators and auditors)."""
    stmt = select(audit.AuditLog).order_by(audit.AuditLog.id.desc())
    if actor:
        stmt = stmt.where(audit.AuditLog.actor == actor)
    if table:
        stmt = stmt.where(audit.AuditLog.table_name == table)
    if request_id:
        stmt = stmt.where(audit.AuditLog.request_id == request_id)
    return paginate(scoped.session, stmt, page, lambda r: AuditRead(**audit.as_dict(r)))


@router.get("/audit/export", tags=["audit"], response_class=Response)
def export_audit(
    scoped: Annotated[Scoped, authorize("audit", "read")],
    format: Literal["csv", "json"] = "csv",
    actor: Annotated[str | None, Query(max_length=120)] = None,
    table: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """Export the audit log as CSV or JSON (administrators and auditors)."""
    rows = audit.list_(session=scoped.session, actor=actor, table_name=table)
    text = audit.export(rows, fmt=format)
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )
