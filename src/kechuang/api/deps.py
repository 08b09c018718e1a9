"""Request dependencies: the database session, the caller, and authorisation by the policy.

* :func:`get_session` — one session per request, committed when the route returns normally and
  rolled back on any error, before the response is sent.
* :func:`current_principal` — the caller from ``Authorization: Bearer <token>`` (login or API
  token) or the web session cookie. Cookie-authenticated writes must echo the session's CSRF token
  in ``X-CSRF-Token`` (double submit; the cookie is HttpOnly and SameSite=Lax).
* :func:`authorize` — ``Depends(authorize("credit.loan", "read"))`` checks
  :data:`kechuang.auth.policy.POLICY` and returns the caller; the route then scopes its queries
  with :func:`Scoped.scope` / :func:`Scoped.check`. Every route names its ``(resource, action)``
  this way (the role × endpoint test fails for a route that does not).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy import Select
from sqlalchemy.orm import Session

from kechuang.api.settings import Settings
from kechuang.auth import policy
from kechuang.auth import service as auth_service
from kechuang.auth.errors import AuthenticationFailed, PermissionDenied
from kechuang.auth.service import Principal
from kechuang.core.i18n import Msg
from kechuang.storage.audit import AuditContext
from kechuang.storage.db import session_factory

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"

T = TypeVar("T", bound=Select[Any])


def settings_of(request: Request) -> Settings:
    """The app's :class:`Settings`."""
    settings: Settings = request.app.state.settings
    return settings


def audit_of(request: Request) -> AuditContext:
    """The request's audit context (set by the request-id middleware)."""
    ctx = getattr(request.state, "audit", None)
    if not isinstance(ctx, AuditContext):
        ctx = AuditContext()
        request.state.audit = ctx
    return ctx


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request: commit on success, roll back on error."""
    session = session_factory(settings_of(request).database_url)()
    session.info["audit"] = audit_of(request)
    try:
        yield session
        if session.info.get("kechuang_rollback_only"):
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    """The bearer token of the ``Authorization`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def resolve_principal(request: Request, session: Session, *, check_csrf: bool = True) -> Principal:
    """Authenticate the request (bearer token, else session cookie) and remember the caller.

    Sets ``request.state.principal`` and ``request.state.csrf_token`` (the login session's CSRF
    token, for web forms) and the audit context's actor. With ``check_csrf`` (the default), a
    cookie-authenticated unsafe request must carry the CSRF token in ``X-CSRF-Token``; web form
    handlers pass ``check_csrf=False`` and call :func:`check_csrf_token` with the form field.

    Raises:
        AuthenticationFailed: no credentials, or invalid / expired / revoked ones.
        PermissionDenied: a cookie-authenticated write without the matching CSRF token.
    """
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = bearer_token(request)
    via = "session"
    if token is None:
        token = request.cookies.get(settings_of(request).cookie_name)
        via = "cookie"
    if not token:
        raise AuthenticationFailed(Msg("请先登录", "sign in first"))
    verified = auth_service.verify(session=session, token=token, via=via)
    request.state.csrf_token = verified.csrf_token
    if check_csrf and via == "cookie" and request.method not in SAFE_METHODS:
        check_csrf_token(request, request.headers.get(CSRF_HEADER, ""))
    principal = verified.principal
    ctx = audit_of(request)
    ctx.actor = principal.username
    ctx.role = principal.role.value
    request.state.principal = principal
    return principal


def check_csrf_token(request: Request, sent: str | None) -> None:
    """Raise :class:`PermissionDenied` unless ``sent`` is the login session's CSRF token."""
    expected = getattr(request.state, "csrf_token", None)
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise PermissionDenied(
            Msg("缺少或错误的 CSRF 令牌", "missing or wrong CSRF token"), code="auth.csrf"
        )


def current_principal(request: Request, session: SessionDep) -> Principal:
    """The authenticated caller (see :func:`resolve_principal`)."""
    return resolve_principal(request, session)


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    """Set the web session cookie (HttpOnly, SameSite=Lax, Secure per settings)."""
    response.set_cookie(
        settings.cookie_name,
        token,
        max_age=int(settings.token_ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


PrincipalDep = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True, slots=True)
class Authorize:
    """Dependency that checks ``(resource, action)`` against the policy; returns a :class:`Scoped`.

    Instances are discoverable on a route (``route.dependant``), which is how the role × endpoint
    matrix test finds what each route requires.
    """

    resource: str
    action: str

    async def __call__(self, principal: PrincipalDep, session: SessionDep) -> Scoped:
        policy.require(principal, self.resource, self.action)
        return Scoped(principal=principal, session=session, resource=self.resource)


@dataclass(frozen=True, slots=True)
class Scoped:
    """The caller, authorised for one resource, with the policy's org scoping at hand."""

    principal: Principal
    session: Session
    resource: str

    def scope(self, stmt: T, resource: str | None = None) -> T:
        """Restrict ``stmt`` to the caller's rows of the resource."""
        return policy.scope(
            stmt, session=self.session, principal=self.principal, resource=resource or self.resource
        )

    def check(self, obj: Any, resource: str | None = None) -> None:
        """Raise unless ``obj`` is one of the caller's rows."""
        policy.check_object(
            session=self.session,
            principal=self.principal,
            resource=resource or self.resource,
            obj=obj,
        )

    def require_own(self, *, institution: str | None = None, enterprise: str | None = None) -> None:
        """Raise unless the organisation named in a write is the caller's."""
        policy.require_own(self.principal, institution=institution, enterprise=enterprise)

    @property
    def actor(self) -> str:
        """The caller's username, for service ``actor`` arguments."""
        return self.principal.username


def authorize(resource: str, action: str) -> Any:
    """``Depends`` for a route needing ``action`` on ``resource`` (checked at import time)."""
    if (resource, action) not in policy.POLICY:
        raise KeyError(f"no policy entry for ({resource!r}, {action!r}) in kechuang.auth.policy")
    return Depends(Authorize(resource, action))


PUBLIC = "public"
"""Marker for the few routes that need no login (``openapi_extra={"x-kechuang-auth": PUBLIC}``)."""
