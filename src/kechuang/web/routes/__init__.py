"""The page routers, in menu order."""

from __future__ import annotations

from fastapi import APIRouter

from kechuang.web.routes import (
    admin,
    applications,
    bank,
    claims,
    dashboard,
    ip,
    office,
    sectors,
    selfcheck,
    session,
)

ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    dashboard.router,
    selfcheck.router,
    bank.router,
    applications.router,
    claims.router,
    sectors.router,
    ip.router,
    office.router,
    admin.router,
)
