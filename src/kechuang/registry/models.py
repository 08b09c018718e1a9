"""ORM records of the registry: enterprises, their fiscal-year facts, qualifications, institutions.

Field names follow GLOSSARY.md. Money columns are exact (:func:`kechuang.storage.Money`) and in 元.
Natural keys (what imports upsert on): ``Enterprise.uscc``; ``EnterpriseYear`` (uscc, fiscal_year);
``Qualification`` (uscc, kind, valid_from); ``Institution.code``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.registry.enums import EnterpriseStatus, InstitutionKind, QualificationKind, SizeClass
from kechuang.storage import Base, Money, TimestampMixin
from kechuang.storage.base import enum_type


class Enterprise(TimestampMixin, Base):
    """An enterprise in the city's registry of innovative enterprises (科技企业库)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    """统一社会信用代码, normalised and validated (GB 32100-2015)."""
    name: Mapped[str] = mapped_column(String(200), index=True)
    """Registered Chinese name (企业名称)."""
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    """District where the enterprise is registered (GB/T 2260 code, e.g. 310115 浦东新区)."""
    industry_code: Mapped[str | None] = mapped_column(String(8), index=True)
    """National economic industry code (GB/T 4754-2017), e.g. ``C3973`` or ``I65``."""
    registered_on: Mapped[dt.date] = mapped_column(Date)
    """Date of establishment (成立日期)."""
    size_class: Mapped[SizeClass | None] = mapped_column(enum_type(SizeClass))
    """企业划型 as declared or computed (large / medium / small / micro)."""
    registered_capital: Mapped[Decimal | None] = mapped_column(Money())
    """注册资本, 元."""
    status: Mapped[EnterpriseStatus] = mapped_column(
        enum_type(EnterpriseStatus), default=EnterpriseStatus.ACTIVE
    )
    on_abnormal_list: Mapped[bool] = mapped_column(Boolean, default=False)
    """On the abnormal-operations list (经营异常名录)."""
    on_dishonesty_list: Mapped[bool] = mapped_column(Boolean, default=False)
    """On the serious-dishonesty list (严重失信主体名单)."""
    address: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic-lock counter: bumped on every update; a stale update is refused."""

    years: Mapped[list[EnterpriseYear]] = relationship(
        back_populates="enterprise",
        cascade="all, delete-orphan",
        order_by="EnterpriseYear.fiscal_year",
    )
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="enterprise",
        cascade="all, delete-orphan",
        order_by="Qualification.valid_from",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class EnterpriseYear(TimestampMixin, Base):
    """Fiscal-year facts of one enterprise (年度经营与研发数据), all optional but the year.

    Keep ``revenue`` (销售收入), ``operating_revenue`` (营业收入) and ``total_income`` (总收入)
    distinct: different standards name different ones.
    """

    __tablename__ = "enterprise_year"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "fiscal_year"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees_nonneg"),
        CheckConstraint("st_staff IS NULL OR st_staff >= 0", name="st_staff_nonneg"),
        CheckConstraint("rd_staff IS NULL OR rd_staff >= 0", name="rd_staff_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    employees: Mapped[int | None] = mapped_column(Integer)
    """职工总数 (incl. part-time/temporary staff with ≥ 183 days in the year)."""
    st_staff: Mapped[int | None] = mapped_column(Integer)
    """科技人员."""
    rd_staff: Mapped[int | None] = mapped_column(Integer)
    """研发人员."""
    revenue: Mapped[Decimal | None] = mapped_column(Money())
    """销售收入, 元."""
    operating_revenue: Mapped[Decimal | None] = mapped_column(Money())
    """营业收入, 元."""
    total_income: Mapped[Decimal | None] = mapped_column(Money())
    """总收入, 元."""
    main_business_revenue: Mapped[Decimal | None] = mapped_column(Money())
    """主营业务收入, 元."""
    high_tech_income: Mapped[Decimal | None] = mapped_column(Money())
    """高新技术产品（服务）收入, 元."""
    total_assets: Mapped[Decimal | None] = mapped_column(Money())
    """资产总额 (year end), 元."""
    liabilities: Mapped[Decimal | None] = mapped_column(Money())
    """负债总额 (year end), 元."""
    net_assets: Mapped[Decimal | None] = mapped_column(Money())
    """净资产 = total_assets − liabilities (year end), 元; may be negative."""
    rd_expense: Mapped[Decimal | None] = mapped_column(Money())
    """研发费用 (财税〔2015〕119号 scope), 元."""
    domestic_rd_expense: Mapped[Decimal | None] = mapped_column(Money())
    """境内研发费用, 元."""
    total_cost: Mapped[Decimal | None] = mapped_column(Money())
    """成本费用支出总额, 元."""
    equity_financing: Mapped[Decimal | None] = mapped_column(Money())
    """New equity financing paid in during the year by institutional investors (股权融资), 元."""
    ip_class1_count: Mapped[int | None] = mapped_column(Integer)
    """Declared valid class-I IP (Ⅰ类知识产权) at year end; the IP registry supersedes it when linked."""
    ip_class2_count: Mapped[int | None] = mapped_column(Integer)
    """Declared valid class-II IP (Ⅱ类知识产权) at year end."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    enterprise: Mapped[Enterprise] = relationship(back_populates="years")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Qualification(TimestampMixin, Base):
    """A sci-tech qualification held by an enterprise for a period (资质/认定)."""

    __tablename__ = "qualification"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "kind", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    kind: Mapped[QualificationKind] = mapped_column(enum_type(QualificationKind), index=True)
    certificate_no: Mapped[str | None] = mapped_column(String(64), index=True)
    """证书编号 / 入库登记编号 as printed."""
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    """Last day of validity (inclusive); empty when open-ended or not stated."""
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    """Date the qualification was revoked (撤销), if it was."""
    source: Mapped[str | None] = mapped_column(Text)
    """Where the record comes from (公示/公告 document, list name)."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    enterprise: Mapped[Enterprise] = relationship(back_populates="qualifications")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def is_valid_on(self, day: dt.date) -> bool:
        """True when the qualification is in force on ``day`` (bounds inclusive, not revoked by then)."""
        if day < self.valid_from:
            return False
        if self.valid_to is not None and day > self.valid_to:
            return False
        return not (self.revoked_on is not None and day >= self.revoked_on)


class Institution(TimestampMixin, Base):
    """A bank, insurer, guarantor, fund manager, incubator, university, IP centre or agency.

    Branches point to their parent (``parent_id``), e.g. 中国银行上海市分行 → 中国银行.
    """

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    """Natural key: the USCC when the institution has one, else a short code (e.g. ``BOC-SH``)."""
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[InstitutionKind] = mapped_column(enum_type(InstitutionKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    district_code: Mapped[str | None] = mapped_column(String(6))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[Institution | None] = relationship(remote_side=[id], back_populates="branches")
    branches: Mapped[list[Institution]] = relationship(back_populates="parent")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
