"""Authentication and authorisation errors (rendered as 401 / 403 / 429 by the API)."""

from __future__ import annotations

from kechuang.core.errors import KechuangError


class AuthenticationFailed(KechuangError):
    """Who is calling could not be established (no, wrong or expired credentials)."""

    code = "auth.unauthenticated"


class Throttled(KechuangError):
    """Too many failed logins; try again later."""

    code = "auth.throttled"


class PermissionDenied(KechuangError):
    """The caller is known but may not do this (role, organisation, token scope, read-only)."""

    code = "auth.forbidden"
