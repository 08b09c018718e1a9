"""Financial products of the catalogue (credit, re-lending, insurance, funds)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path

from kechuang.api.deps import Scoped, authorize
from kechuang.api.pagination import Page, PageDep, page_of_list
from kechuang.products import catalog
from kechuang.products.schemas import ProductKind

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


@router.get("/{key}", response_model=dict[str, Any])
def get_product(
    key: Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")],
    _scoped: Annotated[Scoped, authorize("products.product", "read")],
) -> dict[str, Any]:
    """One product with its dated terms, eligibility and sources."""
    return _product(catalog.get(key))
