"""Registry services. Keyword-only arguments; the caller owns the transaction (services never commit).

Every create, update and delete writes a :class:`~kechuang.storage.history.ChangeHistory` row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kechuang.core.errors import Conflict, NotFound
from kechuang.core.i18n import Msg
from kechuang.core.ids import normalize_uscc
from kechuang.core.periods import today
from kechuang.registry.enums import QualificationKind
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution, Qualification
from kechuang.registry.schemas import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
    InstitutionCreate,
    QualificationCreate,
    RegistrySummary,
)
from kechuang.storage.history import ChangeHistory, diff

_ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "district_code",
    "industry_code",
    "registered_on",
    "size_class",
    "registered_capital",
    "status",
    "on_abnormal_list",
    "on_dishonesty_list",
    "address",
)


def _record(
    session: Session,
    *,
    table: str,
    record_id: int,
    key: str,
    action: str,
    changes: dict[str, list[Any]],
    actor: str,
) -> None:
    session.add(
        ChangeHistory(
            table_name=table,
            record_id=record_id,
            record_key=key,
            action=action,
            changes=changes,
            actor=actor,
            source="service",
        )
    )


def _values(obj: Enterprise) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in _ENTERPRISE_FIELDS}


def get(*, session: Session, enterprise_id: int) -> Enterprise:
    """The enterprise with ``enterprise_id``; :class:`NotFound` if none."""
    ent = session.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound(
            Msg(f"没有编号为 {enterprise_id} 的企业", f"no enterprise with id {enterprise_id}")
        )
    return ent


def get_by_uscc(*, session: Session, uscc: str) -> Enterprise:
    """The enterprise with this USCC (any written form); :class:`NotFound` if none."""
    code = normalize_uscc(uscc)
    ent = session.scalars(
        select(Enterprise)
        .where(Enterprise.uscc == code)
        .options(selectinload(Enterprise.years), selectinload(Enterprise.qualifications))
    ).one_or_none()
    if ent is None:
        raise NotFound(
            Msg(f"企业库中没有统一社会信用代码为 {code} 的企业", f"no enterprise with USCC {code}")
        )
    return ent


def list_(
    *,
    session: Session,
    district_code: str | None = None,
    industry_prefix: str | None = None,
    qualification: QualificationKind | None = None,
    as_of: dt.date | None = None,
    name_contains: str | None = None,
    page: int = 1,
    size: int = 50,
) -> EnterprisePage:
    """Enterprises filtered by district, industry-code prefix, held qualification (at ``as_of``) and name."""
    stmt = select(Enterprise)
    if district_code:
        stmt = stmt.where(Enterprise.district_code == district_code)
    if industry_prefix:
        stmt = stmt.where(Enterprise.industry_code.startswith(industry_prefix.upper()))
    if name_contains:
        stmt = stmt.where(Enterprise.name.contains(name_contains))
    if qualification is not None:
        day = as_of or today()
        q = select(Qualification.enterprise_id).where(
            Qualification.kind == qualification,
            Qualification.valid_from <= day,
            (Qualification.valid_to.is_(None)) | (Qualification.valid_to >= day),
            (Qualification.revoked_on.is_(None)) | (Qualification.revoked_on > day),
        )
        stmt = stmt.where(Enterprise.id.in_(q))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Enterprise.uscc).offset((page - 1) * size).limit(size)
    ).all()
    return EnterprisePage(
        items=[EnterpriseRead.model_validate(r) for r in rows], total=total, page=page, size=size
    )


def create(
    *, session: Session, enterprise_in: EnterpriseCreate, actor: str = "system"
) -> Enterprise:
    """Add an enterprise; :class:`Conflict` if the USCC is already registered."""
    if (
        session.scalar(select(Enterprise.id).where(Enterprise.uscc == enterprise_in.uscc))
        is not None
    ):
        raise Conflict(
            Msg(
                f"统一社会信用代码 {enterprise_in.uscc} 已登记",
                f"USCC {enterprise_in.uscc} is already registered",
            )
        )
    ent = Enterprise(**enterprise_in.model_dump())
    session.add(ent)
    session.flush()
    _record(
        session,
        table="enterprise",
        record_id=ent.id,
        key=ent.uscc,
        action="create",
        changes=diff(None, _values(ent)),
        actor=actor,
    )
    return ent


def update(
    *,
    session: Session,
    enterprise: Enterprise,
    enterprise_in: EnterpriseUpdate,
    actor: str = "system",
) -> Enterprise:
    """Change an enterprise; :class:`Conflict` when ``enterprise_in.version`` is stale."""
    if enterprise_in.version != enterprise.version:
        raise Conflict(
            Msg(
                f"记录已被他人修改（版本 {enterprise.version}，提交的是 {enterprise_in.version}），请刷新后重试",
                f"record changed by someone else (version {enterprise.version}, you sent {enterprise_in.version}); reload and retry",
            ),
            code="stale_version",
        )
    before = _values(enterprise)
    for name, value in enterprise_in.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(enterprise, name, value)
    changes = diff(before, _values(enterprise))
    if changes:
        session.flush()  # the ORM's version counter makes a concurrent stale UPDATE fail here
        _record(
            session,
            table="enterprise",
            record_id=enterprise.id,
            key=enterprise.uscc,
            action="update",
            changes=changes,
            actor=actor,
        )
    return enterprise


def delete(*, session: Session, enterprise: Enterprise, actor: str = "system") -> None:
    """Remove an enterprise with its years and qualifications (kept in history)."""
    _record(
        session,
        table="enterprise",
        record_id=enterprise.id,
        key=enterprise.uscc,
        action="delete",
        changes=diff(_values(enterprise), dict.fromkeys(_ENTERPRISE_FIELDS)),
        actor=actor,
    )
    session.delete(enterprise)
    session.flush()


def history(*, session: Session, uscc: str) -> list[ChangeHistory]:
    """Every recorded change to the enterprise and its years and qualifications, oldest first."""
    ent = get_by_uscc(session=session, uscc=uscc)
    year_ids = [y.id for y in ent.years]
    qual_ids = [q.id for q in ent.qualifications]
    stmt = select(ChangeHistory).where(
        ((ChangeHistory.table_name == "enterprise") & (ChangeHistory.record_id == ent.id))
        | ((ChangeHistory.table_name == "enterprise_year") & ChangeHistory.record_id.in_(year_ids))
        | ((ChangeHistory.table_name == "qualification") & ChangeHistory.record_id.in_(qual_ids))
    )
    return list(session.scalars(stmt.order_by(ChangeHistory.changed_at, ChangeHistory.id)))


def create_qualification(
    *, session: Session, qualification_in: QualificationCreate, actor: str = "system"
) -> Qualification:
    """Record a qualification for the enterprise named by ``qualification_in.uscc``."""
    ent = get_by_uscc(session=session, uscc=qualification_in.uscc)
    values = qualification_in.model_dump(exclude={"uscc"})
    qual = Qualification(enterprise_id=ent.id, **values)
    session.add(qual)
    session.flush()
    _record(
        session,
        table="qualification",
        record_id=qual.id,
        key=f"{ent.uscc}/{qual.kind.value}/{qual.valid_from}",
        action="create",
        changes=diff(None, values),
        actor=actor,
    )
    return qual


def qualifications_held(*, enterprise: Enterprise, as_of: dt.date) -> list[Qualification]:
    """Qualifications of ``enterprise`` in force on ``as_of``."""
    return [q for q in enterprise.qualifications if q.is_valid_on(as_of)]


def create_institution(
    *, session: Session, institution_in: InstitutionCreate, actor: str = "system"
) -> Institution:
    """Add an institution (``parent_code`` must name an existing institution)."""
    if (
        session.scalar(select(Institution.id).where(Institution.code == institution_in.code))
        is not None
    ):
        raise Conflict(
            Msg(
                f"机构代码 {institution_in.code} 已存在",
                f"institution code {institution_in.code} exists",
            )
        )
    values = institution_in.model_dump(exclude={"parent_code"})
    if institution_in.parent_code:
        parent = session.scalar(
            select(Institution).where(Institution.code == institution_in.parent_code)
        )
        if parent is None:
            raise NotFound(
                Msg(
                    f"上级机构 {institution_in.parent_code} 不存在",
                    f"parent institution {institution_in.parent_code} not found",
                )
            )
        values["parent_id"] = parent.id
    inst = Institution(**values)
    session.add(inst)
    session.flush()
    _record(
        session,
        table="institution",
        record_id=inst.id,
        key=inst.code,
        action="create",
        changes=diff(None, values),
        actor=actor,
    )
    return inst


def summary(*, session: Session, as_of: dt.date | None = None) -> RegistrySummary:
    """Counts of the registry: enterprises by district and size, qualifications held at ``as_of``, fiscal years."""
    day = as_of or today()
    by_district = dict(
        session.execute(
            select(Enterprise.district_code, func.count()).group_by(Enterprise.district_code)
        ).all()
    )
    by_size = Counter[str]()
    for size, n in session.execute(
        select(Enterprise.size_class, func.count()).group_by(Enterprise.size_class)
    ):
        by_size[size.value if size is not None else "unknown"] += n
    held = session.execute(
        select(Qualification.kind, Qualification.enterprise_id).where(
            Qualification.valid_from <= day,
            (Qualification.valid_to.is_(None)) | (Qualification.valid_to >= day),
            (Qualification.revoked_on.is_(None)) | (Qualification.revoked_on > day),
        )
    ).all()
    by_qual = Counter[str]()
    for kind, _ent in set(held):
        by_qual[kind.value] += 1
    years = dict(
        session.execute(
            select(EnterpriseYear.fiscal_year, func.count()).group_by(EnterpriseYear.fiscal_year)
        ).all()
    )
    revenue: dict[int, Decimal] = {}
    rd: dict[int, Decimal] = {}
    # Summed in Python: exact Decimal on every backend (SQLite stores fen as integers).
    for year, rev, rdx in session.execute(
        select(EnterpriseYear.fiscal_year, EnterpriseYear.revenue, EnterpriseYear.rd_expense)
    ):
        revenue[year] = revenue.get(year, Decimal("0.00")) + (rev or 0)
        rd[year] = rd.get(year, Decimal("0.00")) + (rdx or 0)
    return RegistrySummary(
        enterprises=session.scalar(select(func.count()).select_from(Enterprise)) or 0,
        enterprise_years=session.scalar(select(func.count()).select_from(EnterpriseYear)) or 0,
        qualifications=session.scalar(select(func.count()).select_from(Qualification)) or 0,
        institutions=session.scalar(select(func.count()).select_from(Institution)) or 0,
        by_district=dict(sorted(by_district.items())),
        by_qualification=dict(sorted(by_qual.items())),
        by_size_class=dict(by_size),
        fiscal_years=dict(sorted(years.items())),
        revenue_by_year=dict(sorted(revenue.items())),
        rd_expense_by_year=dict(sorted(rd.items())),
        holding_any_qualification=len({e for _k, e in held}),
        as_of=day,
    )
