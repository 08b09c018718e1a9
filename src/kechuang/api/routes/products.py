"""Financial products of the catalogue (credit, re-lending, insurance, funds)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from kechuang import matching
from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, page_of_list
from kechuang.core.periods import today
from kechuang.products import catalog
from kechuang.products.schemas import ProductKind
from kechuang.registry import service as registry_service

router = APIRouter(prefix="/products", tags=["products"])


def _product(p: Any) -> dict[str, Any]:
    data: dict[str, Any] = p.model_dump(mode="json")
    data["flag_zh"] = p.flag.zh
    data["flag_en"] = p.flag.en
    return data


@router.get("", response_model=Page[dict[str, Any]])
def list_products(
    _scoped: Annotated[Scoped, authorize("products.product", "read")],
    page: PageDep,
    kind: ProductKind | None = None,
    as_of: dt.date | None = None,
    include_closed: bool = False,
) -> Page[dict[str, Any]]:
    """Products open on ``as_of`` (default today), or every product with ``include_closed``."""
    items = (
        catalog.all_products(kind=kind)
        if include_closed
        else catalog.products(as_of=as_of, kind=kind)
    )
    return page_of_list([_product(p) for p in items], page)


@router.get("/match/{uscc}", response_model=list[dict[str, Any]])
def match_enterprise(
    uscc: Annotated[str, Path(min_length=1, max_length=40)],
    scoped: Annotated[Scoped, authorize("products.matching", "read")],
    as_of: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Which products fit the enterprise, why or why not, and the closest changes that would
    make it eligible (an enterprise may match only itself)."""
    ent = registry_service.get_by_uscc(session=scoped.session, uscc=uscc)
    scoped.check(ent)
    return [
        m.to_json()
        for m in matching.match_enterprise(
            session=scoped.session, uscc=ent.uscc, as_of=as_of or today()
        )
    ]


class ProfileIn(BaseModel):
    """An ad-hoc profile (fields as in the standards' profiles, money in 元)."""

    as_of: dt.date
    profile: dict[str, str | int | bool | None] = Field(max_length=200)


@router.post("/match", response_model=list[dict[str, Any]])
def match_profile(
    body: ProfileIn, _scoped: Annotated[Scoped, authorize("products.matching", "read")]
) -> list[dict[str, Any]]:
    """Match a profile typed into a form (nothing is stored)."""
    return [m.to_json() for m in matching.match_profile(profile=body.profile, as_of=body.as_of)]


@router.get("/{key}/outreach", response_model=dict[str, Any])
def outreach(
    key: Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")],
    scoped: Annotated[Scoped, authorize("products.outreach", "read")],
    as_of: dt.date | None = None,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 200,
) -> dict[str, Any]:
    """One product against every registry enterprise: counts by tier, district and industry, and
    the enterprises (eligible and near-eligible first)."""
    result = matching.match_product(session=scoped.session, product_key=key, as_of=as_of or today())
    return result.as_dict(limit=limit)


@router.get("/{key}", response_model=dict[str, Any])
def get_product(
    key: Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")],
    _scoped: Annotated[Scoped, authorize("products.product", "read")],
) -> dict[str, Any]:
    """One product with its dated terms, eligibility and sources."""
    return _product(catalog.get(key))
