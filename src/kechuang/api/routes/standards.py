"""Qualification standards: catalogue, parameters, an enterprise's self-check, what-if simulation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from kechuang.api.deps import Scoped, authorize
from kechuang.core.periods import today
from kechuang.registry import service as registry_service
from kechuang.standards import service as standards_service

router = APIRouter(prefix="/standards", tags=["standards"])

StandardKey = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]


class SimulateIn(BaseModel):
    """What-if parameter values, key → raw value (``"5%"``, ``"2亿"``, ``60``)."""

    as_of: dt.date
    overrides: dict[str, str | int] = Field(min_length=1, max_length=50)
    engine: Literal["duckdb", "sqlite"] = "duckdb"


@router.get("", response_model=list[dict[str, Any]])
def list_standards(
    _scoped: Annotated[Scoped, authorize("standards.catalog", "read")],
) -> list[dict[str, Any]]:
    """Every standard with its criteria, input fields and parameters."""
    return [s.as_dict() for s in standards_service.list_standards()]


@router.get("/{standard_key}/parameters", response_model=dict[str, Any])
def parameters(
    standard_key: StandardKey,
    _scoped: Annotated[Scoped, authorize("standards.catalog", "read")],
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Parameters of a standard in force on ``as_of`` (default today) with their history and
    references; unconfirmed values are flagged."""
    return standards_service.show_parameters(
        standard_key=standard_key, as_of=as_of or today()
    ).as_dict()


@router.get("/{standard_key}/evaluate/{uscc}", response_model=dict[str, Any])
def evaluate_enterprise(
    standard_key: StandardKey,
    uscc: Annotated[str, Path(min_length=1, max_length=40)],
    scoped: Annotated[Scoped, authorize("standards.evaluation", "read")],
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Self-check: does the enterprise meet the standard, criterion by criterion, and why not?"""
    ent = registry_service.get_by_uscc(session=scoped.session, uscc=uscc)
    scoped.check(ent)
    return standards_service.evaluate_enterprise(
        session=scoped.session,
        standard_key=standard_key,
        uscc=ent.uscc,
        as_of=as_of or today(),
    ).as_dict()


class ProfilesIn(BaseModel):
    """Profiles typed into a form or sent by a system (fields of the standard; money in 元)."""

    as_of: dt.date
    profiles: list[dict[str, str | int | bool | None]] = Field(min_length=1, max_length=1000)
    overrides: dict[str, str | int] | None = Field(default=None, max_length=50)


@router.post("/{standard_key}/evaluate", response_model=list[dict[str, Any]])
def evaluate_profiles(
    standard_key: StandardKey,
    body: ProfilesIn,
    _scoped: Annotated[Scoped, authorize("standards.catalog", "read")],
) -> list[dict[str, Any]]:
    """Evaluate ad-hoc profiles (nothing is stored); every criterion explained. Bad fields answer
    422 with one detail per field and profile."""
    return [
        e.as_dict()
        for e in standards_service.evaluate_profiles(
            standard_key=standard_key,
            profiles=body.profiles,
            as_of=body.as_of,
            overrides=body.overrides,
            source="request",
        )
    ]


@router.post("/{standard_key}/simulate", response_model=dict[str, Any])
def simulate(
    standard_key: StandardKey,
    body: SimulateIn,
    scoped: Annotated[Scoped, authorize("standards.simulation", "read")],
    limit: Annotated[int, Query(ge=0, le=10_000)] = 200,
) -> dict[str, Any]:
    """Screen the registry with and without the overrides; nothing is stored."""
    result = standards_service.simulate(
        session=scoped.session,
        standard_key=standard_key,
        as_of=body.as_of,
        overrides=body.overrides,
        engine=body.engine,
    )
    out = result.as_dict()
    if isinstance(out.get("affected"), list):
        out["affected"] = out["affected"][:limit]
    return out
