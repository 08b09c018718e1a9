"""The indicator catalogue: definitions (formula, unit, sources, seed section) of every figure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from kechuang.api.deps import Scoped, authorize
from kechuang.indicators import catalog
from kechuang.indicators.releases import definition_to_dict

router = APIRouter(prefix="/indicators", tags=["indicators"])


@router.get("", response_model=dict[str, Any])
def list_definitions(
    _scoped: Annotated[Scoped, authorize("indicators.release", "read")],
) -> dict[str, Any]:
    """Every indicator definition of the current catalogue version."""
    return {
        "version": catalog.DEFINITIONS_VERSION,
        "definitions": [definition_to_dict(d) for d in catalog.DEFINITIONS],
    }


@router.get("/{key}", response_model=dict[str, Any])
def get_definition(
    key: Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")],
    _scoped: Annotated[Scoped, authorize("indicators.release", "read")],
) -> dict[str, Any]:
    """One indicator definition."""
    return definition_to_dict(catalog.get(key))
