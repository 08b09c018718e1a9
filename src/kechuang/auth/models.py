"""Users, login sessions, API tokens, login attempts and maker-checker approvals.

Secrets are never stored: passwords as argon2id hashes, session and API tokens as SHA-256 digests
of 256-bit random tokens (a digest is enough for a random token; argon2 is for guessable secrets).
None of these tables belongs in a statistical release (``Table.info["release"] is False``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.auth.enums import ApprovalKind, ApprovalStatus, Role
from kechuang.storage.base import Base, TimestampMixin, enum_type, utcnow

NOT_FOR_RELEASE: dict[str, Any] = {"release": False}
"""``Table.info`` of tables that must never be copied into a statistical release (secrets and
personal data: password and token hashes, logins, the audit trail). A release snapshot should
skip every table whose ``info.get("release") is False``."""


class User(TimestampMixin, Base):
    """A person (or integration) who signs in to kechuang."""

    __tablename__ = "auth_user"
    __table_args__ = {"info": NOT_FOR_RELEASE}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    """Login name (also the ``actor`` written to history and the audit log)."""
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id hash (argon2-cffi ``PasswordHasher``)."""
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    org: Mapped[str | None] = mapped_column(String(32), index=True)
    """Institution code (bank, insurer, fund manager, IP centre), enterprise USCC, or none for
    city-wide roles (``gov_admin``, ``programme_officer``, ``auditor``)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A login: the bearer token (or web cookie) issued by ``POST /api/v1/auth/login``."""

    __tablename__ = "auth_session"
    __table_args__ = {"info": NOT_FOR_RELEASE}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the token; the token itself is shown once."""
    csrf_token: Mapped[str] = mapped_column(String(64))
    """Per-session CSRF token the web sends back in ``X-CSRF-Token`` on cookie-authenticated writes."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A long-lived token for a system integration, acting as its user with limited scopes."""

    __tablename__ = "auth_api_token"
    __table_args__ = {"info": NOT_FOR_RELEASE}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    """First characters of the token, shown in listings so a token can be recognised."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    """``read`` and/or ``write``; a token never has more rights than its user."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One login attempt, kept to throttle password guessing (per username and per client)."""

    __tablename__ = "auth_login_attempt"
    __table_args__ = {"info": NOT_FOR_RELEASE}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    client: Mapped[str | None] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Approval(TimestampMixin, Base):
    """A maker-checker approval: one user requests, a different user with the right role approves.

    For compensation payouts and premium subsidies the domain keeps its own maker / checker
    (``kechuang.credit.claims``, ``kechuang.insurance.subsidies``); this record mirrors them so
    every pending approval is in one queue, and is the whole mechanism for publishing a release.
    """

    __tablename__ = "approval"
    __table_args__ = {"info": NOT_FOR_RELEASE}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ApprovalKind] = mapped_column(enum_type(ApprovalKind), index=True)
    target: Mapped[str] = mapped_column(String(120), index=True)
    """Natural key of what is approved: claim number, subsidy number or release id."""
    status: Mapped[ApprovalStatus] = mapped_column(
        enum_type(ApprovalStatus), default=ApprovalStatus.PENDING, index=True
    )
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_role: Mapped[str] = mapped_column(String(30))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_role: Mapped[str | None] = mapped_column(String(30))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Arguments of the approved action (e.g. payment date), replayed when it is approved."""
    version: Mapped[int] = mapped_column(Integer, default=1)
