"""The page routers, in menu order."""

from __future__ import annotations

from fastapi import APIRouter

from kechuang.web.routes import admin, bank, dashboard, office, sectors, selfcheck, session

ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    dashboard.router,
    selfcheck.router,
    bank.router,
    sectors.router,
    office.router,
    admin.router,
)
