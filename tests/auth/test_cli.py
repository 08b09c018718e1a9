"""``kechuang user …`` and ``kechuang serve``'s application."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from kechuang.auth import service as auth_service
from kechuang.auth.models import ApiToken, User
from kechuang.cli.app import app
from kechuang.cli.serve import asgi_app
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Institution
from kechuang.storage.db import unit_of_work

runner = CliRunner()
PASSWORD = "correct horse battery\n"


def test_user_create_list_disable_and_token(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as session:
        session.add(Institution(code="BANK-A", name="甲银行", kind=InstitutionKind.BANK))
    r = runner.invoke(
        app,
        [
            "user",
            "create",
            "alice",
            "--role",
            "bank_officer",
            "--org",
            "BANK-A",
            "--password-stdin",
        ],
        input=PASSWORD,
    )
    assert r.exit_code == 0, r.output
    # a bank officer without a bank, and an unknown role, are refused
    r2 = runner.invoke(
        app, ["user", "create", "bob", "--role", "bank_officer", "--password-stdin"], input=PASSWORD
    )
    assert r2.exit_code == 1
    r3 = runner.invoke(
        app, ["user", "create", "bob", "--role", "king", "--password-stdin"], input=PASSWORD
    )
    assert r3.exit_code == 1
    listed = runner.invoke(app, ["user", "list", "--json"])
    assert listed.exit_code == 0
    assert [
        (u["username"], u["role"], u["org"], u["active"]) for u in json.loads(listed.output)
    ] == [("alice", "bank_officer", "BANK-A", True)]
    token = runner.invoke(
        app, ["user", "token", "create", "alice", "--name", "etl", "--scopes", "read"]
    )
    assert token.exit_code == 0, token.output
    secret = token.output.strip().splitlines()[-1]
    assert secret.startswith("kct_")
    with unit_of_work(sqlite_url) as session:
        verified = auth_service.verify(session=session, token=secret)
        assert verified.principal.scopes == frozenset({"read"})
    assert runner.invoke(app, ["user", "disable", "alice"]).exit_code == 0
    with unit_of_work(sqlite_url) as session:
        assert session.scalars(select(User)).one().active is False
        assert session.scalars(select(ApiToken)).one().revoked_at is not None
        authenticated = True
        try:
            auth_service.authenticate(session=session, username="alice", password=PASSWORD.strip())
        except auth_service.AuthenticationFailed:
            authenticated = False
        assert authenticated is False


def test_serve_builds_the_api_app(sqlite_url: str) -> None:
    application = asgi_app()
    paths = {route.path for route in application.routes if hasattr(route, "path")}  # type: ignore[attr-defined]
    assert "/api/openapi.json" in paths
    assert "/api/docs" in paths
