"""Declarative base, naming conventions and exact-decimal column types.

Money is never stored as a float. PostgreSQL gets ``NUMERIC(p, s)``. SQLite has no decimal type
(its ``NUMERIC`` affinity silently turns ``0.1`` into a binary float), so there an
:class:`ExactDecimal` is stored as a scaled ``INTEGER`` — fen (0.01 元) for money — which is exact,
orders correctly and sums exactly in SQL. See ``docs/adr/0002-exact-decimals-in-sqlite.md``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Enum, MetaData, Numeric, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from kechuang.core.money import ROUNDING

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every kechuang table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` column with a fixed scale, exact on every backend.

    Values are quantised to ``scale`` decimal places with the project's rounding rule
    (:data:`kechuang.core.money.ROUNDING`) before they are written. Floats are refused.

    Args:
        precision: total digits on backends with a native ``NUMERIC``.
        scale: digits after the decimal point.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = Decimal(10) ** scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(
                "float is not accepted for exact decimal columns / 金额字段不接受浮点数"
            )
        d = Decimal(value).quantize(self._quantum, rounding=ROUNDING)
        if dialect.name == "sqlite":
            return int(d * self._factor)
        return d

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in column declarations
    """Money in 元, exact to the fen: ``NUMERIC(20, 2)`` / scaled integer on SQLite."""
    return ExactDecimal(20, 2)


def Ratio() -> ExactDecimal:  # noqa: N802
    """A ratio or share with 8 decimal places (e.g. 0.55000000 for 55%)."""
    return ExactDecimal(18, 8)


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class TimestampMixin:
    """``created_at`` / ``updated_at`` (UTC) kept by the database and the ORM."""

    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def enum_type(cls: type[PyEnum]) -> Enum:
    """A portable enum column: the member values as text (VARCHAR + CHECK), not a native type."""
    return Enum(
        cls,
        name=cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
