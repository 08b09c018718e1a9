"""Pydantic schemas of the registry: ``<Noun>Create`` / ``Update`` / ``Read`` / ``Page``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kechuang.core.errors import KechuangError
from kechuang.core.ids import validate_uscc
from kechuang.registry.enums import EnterpriseStatus, InstitutionKind, QualificationKind, SizeClass
from kechuang.registry.reference import resolve_district


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value).code
    except KechuangError as exc:  # pydantic reports ValueError as a field error
        raise ValueError(exc.message.both()) from exc


def _district(value: str) -> str:
    d = resolve_district(value)
    if d is None:
        raise ValueError(f"未知的区 / unknown district: {value}")
    return d.code


class EnterpriseCreate(BaseModel):
    """A new enterprise for the registry."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(description="统一社会信用代码")
    name: str = Field(min_length=1, max_length=200)
    district_code: str
    registered_on: dt.date
    industry_code: str | None = None
    size_class: SizeClass | None = None
    registered_capital: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    status: EnterpriseStatus = EnterpriseStatus.ACTIVE
    on_abnormal_list: bool = False
    on_dishonesty_list: bool = False
    address: str | None = None

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str) -> str:
        return _uscc(v)

    @field_validator("district_code")
    @classmethod
    def _check_district(cls, v: str) -> str:
        return _district(v)


class EnterpriseUpdate(BaseModel):
    """Changes to an enterprise; ``version`` must match the stored one (optimistic locking)."""

    model_config = ConfigDict(extra="forbid")

    version: int
    name: str | None = Field(default=None, min_length=1, max_length=200)
    district_code: str | None = None
    registered_on: dt.date | None = None
    industry_code: str | None = None
    size_class: SizeClass | None = None
    registered_capital: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    status: EnterpriseStatus | None = None
    on_abnormal_list: bool | None = None
    on_dishonesty_list: bool | None = None
    address: str | None = None

    @field_validator("district_code")
    @classmethod
    def _check_district(cls, v: str | None) -> str | None:
        return None if v is None else _district(v)


class EnterpriseRead(BaseModel):
    """An enterprise as shown to users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name: str
    district_code: str
    industry_code: str | None
    registered_on: dt.date
    size_class: SizeClass | None
    registered_capital: Decimal | None
    status: EnterpriseStatus
    on_abnormal_list: bool
    on_dishonesty_list: bool
    address: str | None
    version: int


class EnterprisePage(BaseModel):
    """One page of enterprises."""

    items: list[EnterpriseRead]
    total: int
    page: int
    size: int


class QualificationCreate(BaseModel):
    """A qualification to record for an enterprise (by USCC)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str
    kind: QualificationKind
    valid_from: dt.date
    valid_to: dt.date | None = None
    certificate_no: str | None = None
    revoked_on: dt.date | None = None
    source: str | None = None

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str) -> str:
        return _uscc(v)

    @model_validator(mode="after")
    def _range(self) -> QualificationCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("有效期至不能早于生效日期 / valid_to is before valid_from")
        return self


class QualificationRead(BaseModel):
    """A qualification as shown to users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: QualificationKind
    certificate_no: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    revoked_on: dt.date | None
    source: str | None


class InstitutionCreate(BaseModel):
    """A new institution."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: InstitutionKind
    uscc: str | None = None
    name_en: str | None = None
    parent_code: str | None = None
    district_code: str | None = None
    is_active: bool = True

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str | None) -> str | None:
        return None if v is None else _uscc(v)


class InstitutionRead(BaseModel):
    """An institution as shown to users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    uscc: str | None
    name: str
    name_en: str | None
    kind: InstitutionKind
    parent_id: int | None
    district_code: str | None
    is_active: bool


class RegistrySummary(BaseModel):
    """Counts that describe a registry (used by ``kechuang demo`` and the dashboard)."""

    enterprises: int
    enterprise_years: int
    qualifications: int
    institutions: int
    by_district: dict[str, int]
    by_qualification: dict[str, int]
    by_size_class: dict[str, int]
    fiscal_years: dict[int, int]
    revenue_by_year: dict[int, Decimal]
    rd_expense_by_year: dict[int, Decimal]
    holding_any_qualification: int
    as_of: dt.date
