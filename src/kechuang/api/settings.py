"""API settings, from arguments or the environment (``KECHUANG_*``)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings of one API application.

    Attributes:
        database_url: SQLAlchemy URL (``None``: ``KECHUANG_DATABASE_URL`` or the default file).
        token_ttl: lifetime of a login token / session cookie (``KECHUANG_TOKEN_TTL_HOURS``, 8).
        cookie_name: name of the web session cookie.
        cookie_secure: send the cookie over HTTPS only (``KECHUANG_COOKIE_SECURE``; set it behind
            TLS — the default ``False`` suits the loopback default of ``kechuang serve``).
        login_max_failures: failed logins per username within ``login_window`` before throttling.
        login_window: throttling window (``KECHUANG_LOGIN_WINDOW_MINUTES``, 15).
        max_upload_bytes: largest accepted import file (``KECHUANG_MAX_UPLOAD_MB``, 50).
        trusted_hosts: unused placeholder for deployments behind a proxy.
        releases_root: folder of statistical releases (default ``KECHUANG_RELEASES_DIR`` or
            ``$KECHUANG_HOME/releases``).
    """

    database_url: str | None = None
    token_ttl: dt.timedelta = dt.timedelta(hours=8)
    cookie_name: str = "kechuang_session"
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    max_upload_bytes: int = 50 * 1024 * 1024
    trusted_hosts: tuple[str, ...] = field(default_factory=tuple)
    releases_root: str | None = None

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """Settings from ``KECHUANG_*`` environment variables."""
        return cls(
            database_url=database_url or os.environ.get("KECHUANG_DATABASE_URL") or None,
            token_ttl=dt.timedelta(hours=float(os.environ.get("KECHUANG_TOKEN_TTL_HOURS", "8"))),
            cookie_secure=_env_bool("KECHUANG_COOKIE_SECURE", False),
            login_max_failures=int(os.environ.get("KECHUANG_LOGIN_MAX_FAILURES", "5")),
            login_window=dt.timedelta(
                minutes=float(os.environ.get("KECHUANG_LOGIN_WINDOW_MINUTES", "15"))
            ),
            max_upload_bytes=int(
                float(os.environ.get("KECHUANG_MAX_UPLOAD_MB", "50")) * 1024 * 1024
            ),
        )
