"""API routers, one module per domain; :data:`ROUTERS` lists them in the order of the docs."""

from __future__ import annotations

from fastapi import APIRouter

from kechuang.api.routes import (
    approvals,
    auth,
    credit,
    dashboard,
    funds,
    indicators,
    insurance,
    ip,
    policy,
    products,
    registry,
    releases,
    standards,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    dashboard.router,
    registry.router,
    standards.router,
    products.router,
    credit.router,
    insurance.router,
    funds.router,
    ip.router,
    policy.router,
    indicators.router,
    releases.router,
    approvals.router,
]
