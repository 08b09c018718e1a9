"""Offset pagination with a total: ``?limit=&offset=`` → ``{items, total, limit, offset}``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of results."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    """Requested page."""

    limit: int = 50
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数 / page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过条数 / rows to skip")] = 0,
) -> PageParams:
    """``limit`` / ``offset`` query parameters."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(
    session: Session,
    stmt: Select[Any],
    params: PageParams,
    convert: Callable[[Any], T],
) -> Page[T]:
    """Run ``stmt`` for one page (rows via ``scalars``) and count the total."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows: Sequence[Any] = session.scalars(stmt.limit(params.limit).offset(params.offset)).all()
    return Page[T](
        items=[convert(r) for r in rows], total=int(total), limit=params.limit, offset=params.offset
    )


def page_of_list(items: Sequence[T], params: PageParams) -> Page[T]:
    """Paginate an already computed list."""
    return Page[T](
        items=list(items[params.offset : params.offset + params.limit]),
        total=len(items),
        limit=params.limit,
        offset=params.offset,
    )
