"""Persistence: engine and session, ``unit_of_work``, the declarative ``Base``, exact-decimal column
types, change history and migrations. Domains define their ORM models on :class:`Base`."""

from kechuang.storage.base import Base, ExactDecimal, Money, Ratio, TimestampMixin
from kechuang.storage.db import (
    database_url,
    default_database_path,
    get_engine,
    reset_engines,
    unit_of_work,
)

__all__ = [
    "Base",
    "ExactDecimal",
    "Money",
    "Ratio",
    "TimestampMixin",
    "database_url",
    "default_database_path",
    "get_engine",
    "reset_engines",
    "unit_of_work",
]
