"""Pydantic schemas of insurance policies: ``PolicyCreate`` / ``PolicyRenewal`` (input) and
``PolicyRead`` / ``PolicyPage`` (output).

Money is exact ``Decimal`` in 元 (JSON: strings); floats are refused. Shares and rates are exact
fractions and may be written as percentages: ``"33.33%"``, ``"0.3333"``, ``"1/2"`` (they are
stored with 8 decimal places, so a share such as 1/3 that has no exact 8-place form is refused).
Parties are named by their natural keys: an enterprise by its USCC, an insurer or other
institution by its institution code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from kechuang.core.errors import KechuangError
from kechuang.core.ids import validate_uscc
from kechuang.core.money import D, is_fen_exact
from kechuang.insurance.enums import InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.products.schemas import parse_ratio

__all__ = [
    "RATIO_PLACES",
    "InsuredObjectIn",
    "InsuredObjectRead",
    "PolicyCreate",
    "PolicyPage",
    "PolicyRead",
    "PolicyRenewal",
    "ShareIn",
    "ShareRead",
]

RATIO_PLACES = 8
"""Decimal places of stored shares and rates (``Ratio`` columns)."""


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value).code
    except KechuangError as exc:  # pydantic reports ValueError as a field error
        raise ValueError(exc.message.both()) from exc


def _money(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError(f"write the amount {value!r} as text so it stays exact (no floats)")
    if not isinstance(value, str | int | Decimal):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = D(value)
    except KechuangError as exc:
        raise ValueError(exc.message.both()) from exc
    if not is_fen_exact(amount):
        raise ValueError(f"amount finer than a fen: {value!r}")
    return amount.quantize(Decimal("0.01"))


def _ratio(value: object) -> Decimal:
    ratio = parse_ratio(value)
    if ratio.as_tuple().exponent < -RATIO_PLACES:  # type: ignore[operator]
        raise ValueError(
            f"{value!r} has more than {RATIO_PLACES} decimal places and cannot be stored exactly"
        )
    return ratio


Yuan = Annotated[Decimal, BeforeValidator(_money)]
"""Money in 元, whole fen (text, int or Decimal; never float)."""
Fraction8 = Annotated[Decimal, BeforeValidator(_ratio)]
"""A share or rate (``"33.33%"``, ``"0.032"``, ``"1/2"``), at most 8 decimal places."""


class ShareIn(BaseModel):
    """One insurer's share of a policy (a single-insurer policy has one share of 100%)."""

    model_config = ConfigDict(extra="forbid")

    insurer_code: str = Field(min_length=1, max_length=32, description="保险机构代码")
    share: Fraction8 = Field(gt=0, le=1)
    lead: bool = False


class InsuredObjectIn(BaseModel):
    """Something the policy covers: a project, equipment set, clinical trial, founder, product…"""

    model_config = ConfigDict(extra="forbid")

    kind: InsuredObjectKind
    ref: str = Field(
        min_length=1,
        max_length=80,
        description="project code, equipment key, trial registration no., founder code, USCC…",
    )
    name: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, description="the enterprise the object belongs to")
    sum_insured: Yuan | None = Field(default=None, gt=0)

    @field_validator("ref")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("ref must not be blank")
        return v

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str | None) -> str | None:
        return None if v is None else _uscc(v)


class PolicyCreate(BaseModel):
    """A new policy.

    The insured party is a registered enterprise (``uscc``), an institution
    (``institution_code``) or, for neither, just ``insured_name``. ``rate`` defaults to
    ``premium ÷ sum_insured`` (8 places, half up). ``shares`` list every insurer — one share of
    100% for a single insurer — and sum to exactly 100% with exactly one lead.
    """

    model_config = ConfigDict(extra="forbid")

    policy_no: str = Field(min_length=1, max_length=60)
    product_key: str = Field(min_length=1, max_length=60)
    line: InsuranceLine | None = Field(
        default=None, description="default: the product's line (must match it when given)"
    )
    uscc: str | None = Field(default=None, description="insured enterprise (统一社会信用代码)")
    institution_code: str | None = Field(default=None, max_length=32)
    insured_name: str | None = Field(default=None, max_length=200)
    sum_insured: Yuan = Field(gt=0)
    premium: Yuan = Field(ge=0)
    rate: Fraction8 | None = Field(default=None, ge=0, le=1)
    start_date: dt.date
    end_date: dt.date
    status: PolicyStatus = PolicyStatus.BOUND
    bound_on: dt.date | None = Field(default=None, description="default: start date if bound")
    pool_key: str | None = Field(default=None, max_length=60)
    district_code: str | None = Field(default=None, min_length=6, max_length=6)
    incubator_code: str | None = Field(default=None, max_length=32)
    objects: list[InsuredObjectIn] = Field(min_length=1)
    shares: list[ShareIn] = Field(min_length=1)

    @field_validator("policy_no", "product_key")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str | None) -> str | None:
        return None if v is None else _uscc(v)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyCreate:
        if self.end_date < self.start_date:
            raise ValueError(
                f"end_date {self.end_date} is before start_date {self.start_date} "
                "(end_date is the last day of cover, inclusive)"
            )
        if self.status is PolicyStatus.CANCELLED:
            raise ValueError("a new policy is quoted or bound; cancel it with cancel()")
        if not (self.uscc or self.institution_code or (self.insured_name or "").strip()):
            raise ValueError("name the insured party: uscc, institution_code or insured_name")
        return self


class PolicyRenewal(BaseModel):
    """The next policy year of an existing policy; anything left out is copied from it.

    ``start_date`` defaults to the day after the old policy ends and ``end_date`` to one year
    later less a day; ``objects`` and ``shares`` default to the old policy's.
    """

    model_config = ConfigDict(extra="forbid")

    policy_no: str = Field(min_length=1, max_length=60)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    premium: Yuan | None = Field(default=None, ge=0)
    sum_insured: Yuan | None = Field(default=None, gt=0)
    rate: Fraction8 | None = Field(default=None, ge=0, le=1)
    product_key: str | None = Field(default=None, min_length=1, max_length=60)
    status: PolicyStatus = PolicyStatus.BOUND
    objects: list[InsuredObjectIn] | None = None
    shares: list[ShareIn] | None = None


# ---------------------------------------------------------------- records


class ShareRead(BaseModel):
    """One insurer's share as stored."""

    model_config = ConfigDict(from_attributes=True)

    insurer_id: int
    share: Decimal
    lead: bool


class InsuredObjectRead(BaseModel):
    """An insured object as stored."""

    model_config = ConfigDict(from_attributes=True)

    kind: InsuredObjectKind
    ref: str
    name: str | None
    enterprise_id: int | None
    sum_insured: Decimal | None


class PolicyRead(BaseModel):
    """A policy as shown to users (``status`` is the recorded one; see ``policies.status_on``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    policy_no: str
    product_key: str
    line: InsuranceLine
    insured_enterprise_id: int | None
    insured_institution_id: int | None
    insured_name: str
    sum_insured: Decimal
    premium: Decimal
    rate: Decimal
    start_date: dt.date
    end_date: dt.date
    status: PolicyStatus
    bound_on: dt.date | None
    cancelled_on: dt.date | None
    renewal_of_id: int | None
    pool_key: str | None
    district_code: str | None
    incubator_institution_id: int | None
    version: int
    shares: list[ShareRead]
    objects: list[InsuredObjectRead]


class PolicyPage(BaseModel):
    """One page of policies."""

    items: list[PolicyRead]
    total: int
    page: int
    size: int
