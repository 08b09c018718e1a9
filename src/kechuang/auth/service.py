"""Users, passwords, logins, API tokens and login throttling.

Passwords are hashed with argon2id (argon2-cffi defaults). A login issues a random token (shown
once) whose SHA-256 is stored in :class:`LoginSession` with an expiry; logout revokes it. API
tokens for integrations are the same idea with scopes and an optional expiry. Failed logins are
throttled: after ``max_failures`` failures for a username (or from one client) within ``window``,
further attempts are refused until the window has passed — even with the right password.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from kechuang.auth.enums import ORG_KIND, Role
from kechuang.auth.errors import AuthenticationFailed, Throttled
from kechuang.auth.models import ApiToken, LoginAttempt, LoginSession, User
from kechuang.core.errors import Conflict, Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.base import utcnow

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("kechuang-dummy-password")

MIN_PASSWORD_LENGTH = 10
TOKEN_SCOPES = frozenset({"read", "write"})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the authenticated user as the policy sees it.

    Attributes:
        user_id: the user's id.
        username: login name, used as ``actor`` in history and the audit log.
        role: the user's role.
        org: institution code or enterprise USCC (``None`` for city-wide roles).
        scopes: ``{"read", "write"}`` for a login; an API token's scopes otherwise.
        via: ``session`` (bearer login token), ``cookie`` (web) or ``api_token``.
        session_id: the login session's id (for logout), if any.
    """

    user_id: int
    username: str
    role: Role
    org: str | None
    scopes: frozenset[str] = TOKEN_SCOPES
    via: str = "session"
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token: the secret (shown once) and its record."""

    token: str
    expires_at: dt.datetime | None
    csrf_token: str | None = None
    record_id: int | None = None


def digest(token: str) -> str:
    """SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def hash_password(password: str) -> str:
    """argon2id hash of ``password``."""
    return _hasher.hash(password)


def principal_of(
    user: User,
    *,
    scopes: frozenset[str] = TOKEN_SCOPES,
    via: str = "session",
    session_id: int | None = None,
) -> Principal:
    """The :class:`Principal` of ``user``."""
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        org=user.org,
        scopes=scopes,
        via=via,
        session_id=session_id,
    )


# ------------------------------------------------------------------------------------ users


def _check_org(session: Session, role: Role, org: str | None) -> str | None:
    kind = ORG_KIND[role]
    if kind is None:
        if org:
            raise ValidationError(
                Msg(
                    f"角色 {role.value} 是全市范围的角色，不应指定机构（--org）",
                    f"role {role.value} is city-wide and takes no organisation (--org)",
                ),
                code="auth.org_not_allowed",
            )
        return None
    if not org:
        raise ValidationError(
            Msg(f"角色 {role.value} 必须指定所属机构（--org）", f"role {role.value} needs --org"),
            code="auth.org_required",
        )
    org = org.strip().upper() if kind == "enterprise" else org.strip()
    if kind == "enterprise":
        found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == org))
        what = Msg("企业（统一社会信用代码）", "enterprise (USCC)")
    else:
        found = session.scalar(select(Institution.id).where(Institution.code == org))
        what = Msg("机构（机构代码）", "institution (code)")
    if found is None:
        raise NotFound(
            Msg(f"找不到{what.zh} {org}", f"no {what.en} {org}"), code="auth.org_not_found"
        )
    return org


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    org: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user with an argon2-hashed password.

    Raises:
        ValidationError: short password, or an organisation missing / not allowed for the role.
        NotFound: the organisation is not in the registry.
        Conflict: the username is taken.
    """
    name = username.strip()
    if not name:
        raise ValidationError(Msg("用户名不能为空", "username is empty"), code="auth.username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            Msg(
                f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
                f"password needs at least {MIN_PASSWORD_LENGTH} characters",
            ),
            code="auth.password_too_short",
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(
            Msg(f"用户名 {name} 已存在", f"username {name} is taken"), code="auth.user_exists"
        )
    user = User(
        username=name,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        org=_check_org(session, role, org),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def get_by_username(*, session: Session, username: str) -> User:
    """The user called ``username``.

    Raises:
        NotFound: no such user.
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(
            Msg(f"没有用户 {username}", f"no user {username}"), code="auth.user_not_found"
        )
    return user


def list_users(*, session: Session, role: Role | None = None, org: str | None = None) -> list[User]:
    """Users ordered by username, optionally of one role / organisation."""
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if org is not None:
        stmt = stmt.where(User.org == org)
    return list(session.scalars(stmt.order_by(User.username)))


def set_active(*, session: Session, user: User, active: bool) -> User:
    """Enable or disable ``user``; disabling also revokes every login and API token."""
    user.active = active
    if not active:
        now = utcnow()
        for s in session.scalars(
            select(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
            )
        ):
            s.revoked_at = now
        for t in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            t.revoked_at = now
    session.flush()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Replace ``user``'s password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            Msg(
                f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
                f"password needs at least {MIN_PASSWORD_LENGTH} characters",
            ),
            code="auth.password_too_short",
        )
    user.password_hash = hash_password(password)
    session.flush()


def change_password(
    *, session: Session, user: User, current: str, new: str, keep_session_id: int | None = None
) -> None:
    """Change ``user``'s own password after checking the current one; every other login of the
    user is revoked (``keep_session_id``: the login making the change stays valid).

    Raises:
        ValidationError: the current password is wrong (``auth.wrong_password``; a 422, not a
            401, so a client does not take it for an expired login), or the new password is too
            short or equals the current one.
    """
    try:
        ok = bool(_hasher.verify(user.password_hash, current))
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        wrong = Msg("当前密码不正确", "the current password is wrong")
        raise ValidationError(
            wrong,
            code="auth.wrong_password",
            issues=[Issue(rule="auth.wrong_password", message=wrong, column="current_password")],
        )
    if new == current:
        raise ValidationError(
            Msg("新密码不能与当前密码相同", "the new password equals the current one"),
            code="auth.password_unchanged",
        )
    set_password(session=session, user=user, password=new)
    now = utcnow()
    for row in session.scalars(
        select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
        )
    ):
        if row.id != keep_session_id:
            row.revoked_at = now
    session.flush()


# ----------------------------------------------------------------------------- login / logout


def _recent_failures(session: Session, where: ColumnElement[bool], since: dt.datetime) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(where, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since)
    )
    return int(count or 0)


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    client: str | None = None,
    max_failures: int = 5,
    window: dt.timedelta = dt.timedelta(minutes=15),
) -> User:
    """Check a username and password; every attempt is recorded for throttling.

    Raises:
        Throttled: too many recent failures for this username or client.
        AuthenticationFailed: unknown user, wrong password or disabled user (one message for all,
            so the answer does not reveal which usernames exist).
    """
    name = username.strip()
    now = utcnow()
    since = now - window
    if _recent_failures(session, LoginAttempt.username == name, since) >= max_failures or (
        client is not None
        and _recent_failures(session, LoginAttempt.client == client, since) >= max_failures * 4
    ):
        raise Throttled(
            Msg(
                f"登录失败次数过多，请 {int(window.total_seconds() // 60)} 分钟后再试",
                f"too many failed logins; try again in {int(window.total_seconds() // 60)} minutes",
            )
        )
    user = session.scalar(select(User).where(User.username == name))
    ok = False
    if user is None:
        # same work as a real check, so timing does not reveal unknown usernames
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
    else:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(username=name[:120], client=client, succeeded=ok, attempted_at=now))
    session.flush()
    if not ok or user is None:
        raise AuthenticationFailed(Msg("用户名或密码错误", "wrong username or password"))
    user.last_login_at = now
    return user


def login(
    *, session: Session, user: User, ttl: dt.timedelta = dt.timedelta(hours=8)
) -> IssuedToken:
    """Issue a login token (and its CSRF token) for ``user``, valid for ``ttl``."""
    token = "kcs_" + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = utcnow() + ttl
    session.add(
        LoginSession(user_id=user.id, token_hash=digest(token), csrf_token=csrf, expires_at=expires)
    )
    session.flush()
    return IssuedToken(token=token, expires_at=expires, csrf_token=csrf)


def logout(*, session: Session, token: str) -> bool:
    """Revoke the login ``token``; ``True`` if it was active."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.flush()
    return True


def issue_api_token(
    *,
    session: Session,
    user: User,
    name: str,
    scopes: frozenset[str] | set[str] = TOKEN_SCOPES,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    """Issue an API token for an integration acting as ``user``.

    Raises:
        ValidationError: an unknown scope.
    """
    bad = set(scopes) - TOKEN_SCOPES
    if bad or not scopes:
        raise ValidationError(
            Msg(
                f"令牌权限范围无效：{sorted(bad)}（可用 read、write）",
                f"invalid scopes {sorted(bad)} (read, write)",
            ),
            code="auth.scope",
        )
    token = "kct_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[:10],
        token_hash=digest(token),
        scopes=sorted(scopes),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, expires_at=expires_at, record_id=row.id)


def revoke_api_token(*, session: Session, token_id: int, user: User | None = None) -> ApiToken:
    """Revoke the API token ``token_id`` (optionally only if it belongs to ``user``)."""
    row = session.get(ApiToken, token_id)
    if row is None or (user is not None and row.user_id != user.id):
        raise NotFound(
            Msg(f"没有令牌 {token_id}", f"no token {token_id}"), code="auth.token_not_found"
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Verified:
    """A verified token: the principal and (for logins) the CSRF token of its session."""

    principal: Principal
    csrf_token: str | None


def verify(*, session: Session, token: str, via: str = "session") -> Verified:
    """Verify a login token or API token and return who it belongs to.

    Raises:
        AuthenticationFailed: unknown, expired or revoked token, or a disabled user.
    """
    now = utcnow()
    hashed = digest(token)
    invalid = AuthenticationFailed(
        Msg("登录已失效，请重新登录", "the token is invalid or expired; sign in again"),
        code="auth.invalid_token",
    )
    if token.startswith("kct_"):
        api = session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed))
        if (
            api is None
            or api.revoked_at is not None
            or (api.expires_at is not None and _aware(api.expires_at) <= now)
        ):
            raise invalid
        user = session.get(User, api.user_id)
        if user is None or not user.active:
            raise invalid
        return Verified(
            principal_of(user, scopes=frozenset(api.scopes), via="api_token"), csrf_token=None
        )
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == hashed))
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        raise invalid
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise invalid
    return Verified(principal_of(user, via=via, session_id=row.id), csrf_token=row.csrf_token)
