"""API routers, one module per domain; :data:`ROUTERS` lists them in the order of the docs."""

from __future__ import annotations

from fastapi import APIRouter

from kechuang.api.routes import auth

ROUTERS: list[APIRouter] = [auth.router]
