"""Consistent error bodies: ``{code, message_zh, message_en, details}``.

``details`` is a list of ``{loc, field, rule, message_zh, message_en, ...}``: for request
validation ``loc`` is pydantic's location and ``field`` its dotted path (``body.items.0.amount``);
for import rejections each detail is one row-level issue (file, row, column, value, rule) — the
same report the CLI prints.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from kechuang.auth.errors import AuthenticationFailed, PermissionDenied, Throttled
from kechuang.core.errors import (
    Conflict,
    ImportRejected,
    KechuangError,
    NotFound,
    ValidationError,
)


class ErrorDetail(BaseModel):
    """One detail of an error: a field or a row of an input file."""

    loc: list[str | int] = Field(default_factory=list)
    field: str | None = None
    rule: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str | None = None


class ErrorBody(BaseModel):
    """Every error the API returns."""

    code: str
    message_zh: str
    message_en: str
    details: list[ErrorDetail] = Field(default_factory=list)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "bad request / 请求有误"),
        (401, "not signed in / 未登录"),
        (403, "not allowed / 无权限"),
        (404, "not found / 不存在"),
        (409, "conflict / 冲突"),
        (422, "invalid input / 输入无效"),
        (429, "too many attempts / 请求过多"),
    )
}
"""OpenAPI ``responses`` shared by every route."""


def status_of(exc: KechuangError) -> int:
    """HTTP status of a kechuang error."""
    if isinstance(exc, AuthenticationFailed):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Throttled):
        return 429
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ValidationError | ImportRejected):
        return 422
    return 400


def body(
    code: str, zh: str, en: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An error body as a dict."""
    return {"code": code, "message_zh": zh, "message_en": en, "details": details or []}


def kechuang_error_body(exc: KechuangError) -> dict[str, Any]:
    """Body of a :class:`KechuangError`, its issues as details."""
    details = []
    for issue in exc.issues:
        d = issue.as_dict()
        d["loc"] = [x for x in (d.get("file"), d.get("row"), d.get("column")) if x is not None]
        d["field"] = d.get("column")
        details.append(d)
    return body(exc.code, exc.message.zh, exc.message.en, details)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [x if isinstance(x, int) else str(x) for x in err.get("loc", ())]
        msg = str(err.get("msg", ""))
        out.append(
            {
                "loc": loc,
                "field": ".".join(str(x) for x in loc),
                "rule": str(err.get("type", "")),
                "message_zh": f"输入无效：{msg}",
                "message_en": msg,
            }
        )
    return out


def install(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""

    @app.exception_handler(KechuangError)
    async def _kechuang(_request: Request, exc: KechuangError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else None
        return JSONResponse(kechuang_error_body(exc), status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            body("validation_error", "请求参数无效", "invalid request", _validation_details(exc)),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = {404: "不存在", 405: "不支持该方法", 401: "未登录", 403: "无权限"}.get(
            exc.status_code, "请求有误"
        )
        return JSONResponse(
            body(f"http_{exc.status_code}", zh, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _internal(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse(
            body("internal_error", "服务器内部错误", "internal server error"), status_code=500
        )
