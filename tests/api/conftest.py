"""Fixtures of the API tests: an app on a fresh SQLite database, users of every role, logins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from kechuang.api import create_app
from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.storage.db import unit_of_work
from tests.api.client import TestClient

PASSWORD = "correct horse battery"


@pytest.fixture
def app(sqlite_url: str) -> FastAPI:
    """The API on a fresh, migrated SQLite database."""
    return create_app(sqlite_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the app (no login)."""
    with TestClient(app) as c:
        yield c


UserMaker = Callable[..., str]


@pytest.fixture
def make_user(sqlite_url: str) -> UserMaker:
    """``make_user(username, role, org=None)`` creates a user with :data:`PASSWORD`."""

    def make(username: str, role: Role | str, org: str | None = None) -> str:
        with unit_of_work(sqlite_url) as session:
            auth_service.create_user(
                session=session, username=username, password=PASSWORD, role=Role(role), org=org
            )
        return username

    return make


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in; returns the ``Authorization`` header for bearer calls."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
