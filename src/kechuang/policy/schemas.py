"""Pydantic schemas of the programme/policy registry and of external statistics.

``<Noun>Create`` is what a caller supplies to create a record, ``<Noun>Update`` the fields it may
change (``None`` = leave as is), ``<Noun>Read`` the stored record.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kechuang.policy.enums import PolicyKind, SourceStatus

CODE_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,59}$"
"""Codes of registry entries: lower-case ASCII, digits, ``_ . -`` (e.g. ``2023-lujiazui-forum``)."""
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"
"""Keys of external statistics and of linked indicators/products (GLOSSARY identifiers)."""
SECTION_PATTERN = r"^\d+(\.\d+){0,3}$"
"""A report section number such as ``7.1.1``."""


def _clean_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        s = v.strip()
        if s and s not in out:
            out.append(s)
    return out


class PolicyItemBase(BaseModel):
    """Fields shared by create and read."""

    kind: PolicyKind
    title_zh: str = Field(min_length=1, max_length=300)
    title_en: str | None = Field(default=None, max_length=300)
    announced_on: dt.date | None = None
    year: int = Field(ge=1949, le=2200)
    bodies: list[str] = Field(default_factory=list)
    description_zh: str | None = None
    description_en: str | None = None
    section: str | None = Field(default=None, pattern=SECTION_PATTERN)
    indicator_keys: list[str] = Field(default_factory=list)
    product_keys: list[str] = Field(default_factory=list)
    source_url: str | None = Field(default=None, max_length=500)
    sort_order: int = 0

    @field_validator("bodies", "indicator_keys", "product_keys")
    @classmethod
    def _lists(cls, values: list[str]) -> list[str]:
        return _clean_list(values)

    @field_validator("indicator_keys", "product_keys")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        for v in values:
            if not re.fullmatch(KEY_PATTERN, v):
                raise ValueError(f"not a key: {v!r} (lower-case letters, digits and _)")
        return values


class PolicyItemCreate(PolicyItemBase):
    """A new registry entry; ``code`` is its natural key."""

    code: str = Field(pattern=CODE_PATTERN)


class PolicyItemUpdate(BaseModel):
    """Fields to change on an entry; ``None`` leaves a field as it is."""

    kind: PolicyKind | None = None
    title_zh: str | None = Field(default=None, min_length=1, max_length=300)
    title_en: str | None = None
    announced_on: dt.date | None = None
    year: int | None = Field(default=None, ge=1949, le=2200)
    bodies: list[str] | None = None
    description_zh: str | None = None
    description_en: str | None = None
    section: str | None = Field(default=None, pattern=SECTION_PATTERN)
    indicator_keys: list[str] | None = None
    product_keys: list[str] | None = None
    source_url: str | None = None
    sort_order: int | None = None


class PolicyItemRead(PolicyItemBase):
    """A registry entry as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    version: int


class ExternalStatisticBase(BaseModel):
    """Fields shared by create and read."""

    value: Decimal
    unit: str = Field(min_length=1, max_length=30)
    label_zh: str = Field(min_length=1, max_length=200)
    label_en: str | None = Field(default=None, max_length=200)
    source_title: str = Field(min_length=1, max_length=300)
    source_url: str | None = Field(default=None, max_length=500)
    published_on: dt.date | None = None
    status: SourceStatus
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _exact(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("value must be a finite number")
        if value != value.quantize(Decimal("0.0001")):
            raise ValueError("value has more than 4 decimals")
        return value


class ExternalStatisticCreate(ExternalStatisticBase):
    """A new external figure; (``key``, ``period_year``) is its natural key."""

    key: str = Field(pattern=KEY_PATTERN)
    period_year: int = Field(ge=1949, le=2200)


class ExternalStatisticUpdate(BaseModel):
    """Fields to change on an external figure; ``None`` leaves a field as it is."""

    value: Decimal | None = None
    unit: str | None = None
    label_zh: str | None = None
    label_en: str | None = None
    source_title: str | None = None
    source_url: str | None = None
    published_on: dt.date | None = None
    status: SourceStatus | None = None
    note: str | None = None


class ExternalStatisticRead(ExternalStatisticBase):
    """An external figure as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    period_year: int
    version: int


class HistoryRead(BaseModel):
    """One change to a record (from :class:`~kechuang.storage.history.ChangeHistory`)."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    changes: dict[str, list[object]]
    actor: str
    source: str | None
    batch_id: int | None
    changed_at: dt.datetime
