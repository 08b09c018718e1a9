"""The FastAPI application factory.

``create_app(url)`` builds the whole HTTP interface: the JSON API under ``/api/v1``, interactive
docs at ``/api/docs`` and the schema at ``/api/openapi.json``. The web app (``kechuang.web``) mounts
its pages on the same application: ``app = create_app(url); app.include_router(web_router)``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from kechuang import __version__
from kechuang.api import errors
from kechuang.api.middleware import RequestIdMiddleware
from kechuang.api.routes import ROUTERS
from kechuang.api.settings import Settings

API_PREFIX = "/api/v1"

DESCRIPTION = """
科创金融与知识产权服务系统 API — 与命令行调用同一套服务。
The kechuang API: the same services as the CLI.

* **认证 / Authentication**: `POST /api/v1/auth/login` → bearer token (and an HttpOnly session
  cookie for the web; cookie-authenticated writes need the `X-CSRF-Token` header). Integrations
  use API tokens (`POST /api/v1/auth/tokens`).
* **授权 / Authorisation**: by role and organisation (`kechuang.auth.policy`).
* **错误 / Errors**: `{code, message_zh, message_en, details}`.
* **分页 / Pagination**: `limit`, `offset` → `{items, total, limit, offset}`.
"""


class Health(BaseModel):
    """Liveness answer."""

    status: str
    version: str


def create_app(url: str | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the application for the database at ``url`` (default: settings / environment).

    Args:
        url: SQLAlchemy URL of the operational store; overrides ``settings.database_url``.
        settings: API settings (default: :meth:`Settings.from_env`).
    """
    base = settings or Settings.from_env()
    if url is not None:
        from dataclasses import replace

        base = replace(base, database_url=url)
    app = FastAPI(
        title="kechuang API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=errors.ERROR_RESPONSES,
    )
    app.state.settings = base
    errors.install(app)
    app.add_middleware(RequestIdMiddleware)

    api = APIRouter(prefix=API_PREFIX)

    @api.get(
        "/health",
        response_model=Health,
        tags=["meta"],
        openapi_extra={"x-kechuang-auth": "public"},
    )
    def health() -> Health:
        """Liveness check (no login)."""
        return Health(status="ok", version=__version__)

    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    _declare_security(app)
    return app


def _declare_security(app: FastAPI) -> None:
    """Declare bearer tokens and the session cookie in the schema (the docs' *Authorize* button);
    every operation but the public ones requires one of them."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "登录令牌或 API 令牌 / login or API token",
            },
            "cookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": app.state.settings.cookie_name,
                "description": "网页会话（写操作需 X-CSRF-Token）/ web session (writes need X-CSRF-Token)",
            },
        }
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith(API_PREFIX):
                continue
            for operation in operations.values():
                if operation.get("x-kechuang-auth") != "public":
                    operation["security"] = [{"bearer": []}, {"cookie": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_factory() -> Any:
    """Entry point for ``uvicorn --factory kechuang.api.app:app_factory``."""
    return create_app()
