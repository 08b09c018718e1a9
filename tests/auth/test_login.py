"""Users, argon2 passwords, login tokens and cookies, logout, throttling, API tokens, CSRF."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.auth.models import LoginSession, User
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.storage.audit import AuditLog
from kechuang.storage.db import unit_of_work
from tests.api.client import TestClient
from tests.api.conftest import PASSWORD, UserMaker, login


def test_password_is_argon2_hashed_and_never_stored_plain(
    sqlite_url: str, make_user: UserMaker
) -> None:
    make_user("admin", Role.GOV_ADMIN)
    with unit_of_work(sqlite_url) as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_create_user_rules(sqlite_url: str, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    with unit_of_work(sqlite_url, commit=False) as session:
        with pytest.raises(Conflict):
            auth_service.create_user(
                session=session, username="admin", password=PASSWORD, role=Role.AUDITOR
            )
        with pytest.raises(ValidationError):
            auth_service.create_user(
                session=session, username="x", password="short", role=Role.AUDITOR
            )
        with pytest.raises(ValidationError):  # a bank officer needs a bank
            auth_service.create_user(
                session=session, username="b", password=PASSWORD, role=Role.BANK_OFFICER
            )
        with pytest.raises(ValidationError):  # a city-wide role takes no org
            auth_service.create_user(
                session=session, username="g", password=PASSWORD, role=Role.AUDITOR, org="BANK-A"
            )
        with pytest.raises(NotFound):  # the org must exist
            auth_service.create_user(
                session=session, username="b", password=PASSWORD, role=Role.BANK_OFFICER, org="NOPE"
            )


def test_login_me_logout(client: TestClient, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    assert client.get("/api/v1/auth/me").status_code == 401
    headers = login(client, "admin")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "gov_admin"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = client.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["code"] == "auth.invalid_token"


def test_wrong_password_is_401_with_error_body(client: TestClient, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong password"})
    assert r.status_code == 401
    body = r.json()
    assert set(body) == {"code", "message_zh", "message_en", "details"}
    assert body["message_zh"] == "用户名或密码错误"
    # an unknown user gets the same answer
    r2 = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "wrong password"})
    assert r2.status_code == 401
    assert r2.json()["message_en"] == body["message_en"]


def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: TestClient, make_user: UserMaker
) -> None:
    make_user("admin", Role.GOV_ADMIN)
    for _ in range(5):
        r = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "wrong password"}
        )
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["code"] == "auth.throttled"


def test_expired_token_is_refused(
    client: TestClient, make_user: UserMaker, sqlite_url: str
) -> None:
    make_user("admin", Role.GOV_ADMIN)
    headers = login(client, "admin")
    with unit_of_work(sqlite_url) as session:
        for row in session.scalars(select(LoginSession)):
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_cookie_session_and_csrf(client: TestClient, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    csrf = r.json()["csrf_token"]
    # the client now holds the cookie: reads work without a header
    assert client.get("/api/v1/auth/me").status_code == 200
    # a cookie-authenticated write without the CSRF header is refused
    no_csrf = client.post("/api/v1/auth/tokens", json={"name": "x"})
    assert no_csrf.status_code == 403
    assert no_csrf.json()["code"] == "auth.csrf"
    ok = client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_api_token_scopes_and_revocation(client: TestClient, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    headers = login(client, "admin")
    r = client.post(
        "/api/v1/auth/tokens", json={"name": "etl", "scopes": ["read"]}, headers=headers
    )
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("kct_")
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=api).status_code == 200
    # read-only token cannot write
    denied = client.post("/api/v1/auth/tokens", json={"name": "more"}, headers=api)
    assert denied.status_code == 403
    assert (
        client.delete(f"/api/v1/auth/tokens/{r.json()['id']}", headers=headers).status_code == 204
    )
    assert client.get("/api/v1/auth/me", headers=api).status_code == 401


def test_disabled_user_loses_access(client: TestClient, make_user: UserMaker) -> None:
    make_user("admin", Role.GOV_ADMIN)
    make_user("aud", Role.AUDITOR)
    aud = login(client, "aud")
    admin = login(client, "admin")
    assert client.post("/api/v1/users/aud/disable", headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers=aud).status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "aud", "password": PASSWORD})
    assert r.status_code == 401


def test_writes_are_audited_with_actor_and_request_id(
    client: TestClient, make_user: UserMaker, sqlite_url: str
) -> None:
    make_user("admin", Role.GOV_ADMIN)
    headers = login(client, "admin")
    r = client.post(
        "/api/v1/users",
        json={"username": "aud2", "password": PASSWORD, "role": "auditor"},
        headers={**headers, "X-Request-ID": "req-123"},
    )
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == "req-123"
    with unit_of_work(sqlite_url) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.request_id == "req-123")).all()
    assert [(a.actor, a.action, a.table_name) for a in rows] == [("admin", "insert", "auth_user")]
    assert rows[0].changes["password_hash"] == [None, "***"]
    assert rows[0].changes["username"] == [None, "aud2"]
    export = client.get("/api/v1/audit/export?format=csv", headers=headers)
    assert export.status_code == 200
    assert "req-123" in export.text


def test_change_own_password_signs_out_other_logins(
    client: TestClient, make_user: UserMaker
) -> None:
    make_user("admin", Role.GOV_ADMIN)
    here, elsewhere = login(client, "admin"), login(client, "admin")
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not it at all", "new_password": "a brand new password"},
        headers=here,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "auth.wrong_password")
    assert wrong.json()["details"][0]["field"] == "current_password"
    ok = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
        headers=here,
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/auth/me", headers=here).status_code == 200
    assert client.get("/api/v1/auth/me", headers=elsewhere).status_code == 401
    old = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert old.status_code == 401
    assert login(client, "admin", "a brand new password")
