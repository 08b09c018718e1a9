"""The web app people sign in to: server-rendered pages (Jinja2 + htmx, ECharts), Chinese first.

``mount(app)`` adds the pages and the static files to the API application made by
:func:`kechuang.api.create_app` (``kechuang serve`` calls it). Pages:

* ``/login`` ``/logout`` — sign in (session cookie, CSRF-protected forms);
* ``/dashboard`` — a release's indicators with year-over-year, charts, drill-down to records;
* ``/selfcheck`` — 政策计算器: qualifications and products for an enterprise, apply for a loan;
* ``/bank`` — applications, grants, drawdowns, repayments, monthly files, compensation claims;
* ``/applications`` — an applicant's credit applications, withdraw (htmx confirmation);
* ``/insurance``, ``/funds`` — policies with co-insurance shares, subsidies; funds with metrics;
* ``/insurance/claims`` — claims on the insurer's policies: notify, assess, pay, reject, history;
* ``/ip/patents``, ``/ip/centres`` — patent search and detail (status timeline, owners, pledges,
  high-value verdict), IP centres;
* ``/office/...`` — registry, standards (what-if), products, approvals, releases and reports;
* ``/admin/...`` — users and roles, the audit log.

See ``docs/web.md``.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from kechuang.web.core import LoginRequired, PageError, environment, lang_of, login_url
from kechuang.web.routes import ROUTERS

__all__ = ["mount"]


def _error_page(request: Request, exc: PageError) -> HTMLResponse:
    lang = lang_of(request)
    html = (
        environment()
        .get_template("error.html")
        .render(
            status=exc.status,
            message=exc.message.text(lang),
            issues=exc.issues,
            lang=lang,
            t=lambda zh, en: en if lang == "en" else zh,
        )
    )
    return HTMLResponse(html, status_code=exc.status)


def mount(app: FastAPI) -> None:
    """Add the web pages, their static files and their error pages to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
    static = files("kechuang.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return _error_page(request, exc)

    @app.get("/", include_in_schema=False)
    def _root() -> Any:
        return RedirectResponse("/dashboard", status_code=303)
