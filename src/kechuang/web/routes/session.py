"""Sign in and out (server-side form; the session cookie is HttpOnly, SameSite=Lax)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from kechuang.api.deps import SessionDep, set_session_cookie, settings_of
from kechuang.auth import service as auth_service
from kechuang.auth.errors import AuthenticationFailed, Throttled
from kechuang.web.core import PageCtx, environment, lang_of, redirect, remember_lang, safe_next

router = APIRouter(include_in_schema=False)


def _login_page(request: Request, *, error: str | None = None, status: int = 200) -> HTMLResponse:
    lang = lang_of(request)
    html = (
        environment()
        .get_template("login.html")
        .render(
            lang=lang,
            t=lambda zh, en: en if lang == "en" else zh,
            error=error,
            next=safe_next(request.query_params.get("next")),
        )
    )
    response = HTMLResponse(html, status_code=status)
    remember_lang(request, response)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form."""
    return _login_page(request)


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=400)],
    next: Annotated[str, Form(max_length=2000)] = "/dashboard",
) -> Response:
    """Check the password, start a session and go on to ``next``."""
    settings = settings_of(request)
    lang = lang_of(request)
    try:
        user = auth_service.authenticate(
            session=session,
            username=username,
            password=password,
            client=request.client.host if request.client else None,
            max_failures=settings.login_max_failures,
            window=settings.login_window,
        )
    except (AuthenticationFailed, Throttled) as exc:
        session.commit()  # the failed attempt counts for throttling
        status = 429 if isinstance(exc, Throttled) else 401
        return _login_page(request, error=exc.message.text(lang), status=status)
    issued = auth_service.login(session=session, user=user, ttl=settings.token_ttl)
    response = redirect(safe_next(next))
    set_session_cookie(response, settings, issued.token)
    return response


@router.post("/logout")
async def logout(ctx: PageCtx) -> Response:
    """End the session (CSRF-checked) and go back to the sign-in page."""
    await ctx.form()
    settings = settings_of(ctx.request)
    token = ctx.request.cookies.get(settings.cookie_name)
    if token:
        auth_service.logout(session=ctx.session, token=token)
    response = redirect("/login")
    response.delete_cookie(settings.cookie_name, path="/")
    return response
