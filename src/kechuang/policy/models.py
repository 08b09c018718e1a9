"""ORM records of the policy domain.

Natural keys: ``PolicyItem.code``; ``ExternalStatistic`` (key, period_year).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.policy.enums import PolicyKind, SourceStatus
from kechuang.storage import Base, ExactDecimal, TimestampMixin
from kechuang.storage.base import enum_type


class PolicyItem(TimestampMixin, Base):
    """One entry of the programme and policy registry: a plan, action programme, fund launched,
    alliance, forum, pilot, recognition … as the report chapter lists them."""

    __tablename__ = "policy_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[PolicyKind] = mapped_column(enum_type(PolicyKind), index=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    announced_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    """The report year the entry belongs to (the year it was announced unless stated)."""
    bodies: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Issuing / organising bodies, e.g. ``["上海市科委", "人民银行上海总部"]``."""
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(20), index=True)
    """Report section it belongs to, e.g. ``7.1.1`` (finance support) or ``7.2.2`` (transformation)."""
    indicator_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_url: Mapped[str | None] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ExternalStatistic(TimestampMixin, Base):
    """A figure kechuang does not compute (resident population, GII cluster rank …), entered with
    its source, publication date and how far the source is confirmed."""

    __tablename__ = "external_statistic"
    __table_args__ = (
        UniqueConstraint("key", "period_year", name="uq_external_statistic_key_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    period_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(ExactDecimal(24, 4))
    unit: Mapped[str] = mapped_column(String(30))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str | None] = mapped_column(String(200))
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(500))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[SourceStatus] = mapped_column(enum_type(SourceStatus))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
