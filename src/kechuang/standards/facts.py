"""Registry facts as standard profiles: what the registry knows about each enterprise, per standard.

:func:`build` reads the registry with three set-based queries (enterprises; their fiscal years;
qualifications in force) and produces, per enterprise, the **converted profile row** that
:func:`kechuang.standards.engine.profile_row` would produce from a hand-written profile: money in
**fen** (``int``), counts as ``int``, booleans, dates, and fiscal-year lists as columns
``name_1`` … ``name_3`` with ``name_3`` the latest year. The row's ``id`` is the USCC.

Which fiscal years
    The facts are those of the fiscal years that **ended before the evaluation date**: the latest
    year is ``as_of.year − 1`` (e.g. as of 2024-06-30 → fiscal 2023), and three-year lists cover
    ``as_of.year − 3`` … ``as_of.year − 1``. A year without a record gives unknown values; an older
    year is never used in its place, so an explanation always refers to the years it names.

Unknown is not false
    A fact the registry does not hold is ``None`` (unknown), never ``False``: the standard then
    says ``undetermined`` when the missing fact could change the outcome. The exceptions are
    listed in :data:`ASSUMED` — facts the registry does not record but that are assumed, because
    treating them as unknown would make every enterprise undetermined. They are reported with
    every screening run (``parameters["assumed"]``) and in ``docs/standards.md``.

Facts derived from the registry
    * ``serious_violation`` = on the abnormal-operations list **or** on the serious-dishonesty list
      (accidents and environmental violations are not recorded in the registry);
    * ``registered_in_mainland`` = the enterprise is registered and active (存续);
    * ``high_tech_certificate_valid`` and ``holds_<kind>`` = a qualification of that kind is in
      force on the evaluation date (not expired, not revoked);
    * ``core_ip`` = class-I plus class-II IP count of the latest year > 0 (unknown when unknown);
    * ``ip_class1`` / ``ip_class2`` (and so ``core_ip``): see *Patents from the IP registry*.

Patents from the IP registry
    Class I = invention patents **in force on the evaluation date** (:mod:`kechuang.ip.status`)
    that the enterprise owns on that date (matched ownership only: linked by USCC or a confirmed
    name match); class II = utility models and designs likewise. They are computed for all
    enterprises at once (:func:`kechuang.ip.service.ip_class_counts`: one query, then the legal
    state per patent in Python). Each class is combined with the declared count of the latest
    fiscal year as ``max(declared, registry)``: the declared count also covers IP the patent
    registry does not hold (software copyrights, patents not yet imported), and the registry count
    is a proven lower bound. A registry count of 0 proves nothing, so it leaves an unknown declared
    count unknown.
    * ``application_date`` = the evaluation date; ``registered_on`` = date of establishment;
    * ``domestic_rd_expense`` (scalar) = the sum over the same three years as ``rd_expense``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import KechuangError, NotFound
from kechuang.core.i18n import Msg
from kechuang.core.ids import normalize_uscc
from kechuang.ip import service as ip_service
from kechuang.registry.enums import EnterpriseStatus, QualificationKind
from kechuang.registry.models import Enterprise, EnterpriseYear, Qualification
from kechuang.standards.engine import LIST_LEN, Standard

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)`` progress callback (stage ``facts``)."""

ASSUMED: dict[str, dict[str, Any]] = {
    "tech_sme": {
        # 第六条（三）: industry restrictions are not recorded in the registry.
        "restricted_industry": False,
        # 第八条（二）–（四）: awards, R&D institutions and standards are not recorded; assuming
        # False only withholds a direct route, it never qualifies anyone by itself.
        "national_st_award_top3_5y": False,
        "provincial_rd_institution": False,
        "led_standard_5y": False,
    },
    "high_tech": {},
    "sci_tech_enterprise": {},
    "sme_size_class": {},
}
"""Per standard: facts not recorded in the registry and the value assumed for every enterprise."""

SUPPORTED: tuple[str, ...] = tuple(ASSUMED)
"""Standards whose profiles can be built from the registry."""

_YEAR_MONEY = (
    "revenue",
    "operating_revenue",
    "total_income",
    "main_business_revenue",
    "high_tech_income",
    "total_assets",
    "liabilities",
    "net_assets",
    "rd_expense",
    "domestic_rd_expense",
    "total_cost",
    "equity_financing",
)
_YEAR_COUNTS = ("employees", "st_staff", "rd_staff", "ip_class1_count", "ip_class2_count")
_ALIASES = {"ip_class1": "ip_class1_count", "ip_class2": "ip_class2_count"}
"""Profile field → registry column, where the names differ."""


@dataclass(frozen=True, slots=True)
class Subject:
    """One enterprise and its converted profile row.

    Attributes:
        enterprise_id: registry id.
        uscc: unified social credit code (also ``row["id"]``).
        name: registered name.
        district_code: GB/T 2260 district code.
        industry_code: GB/T 4754 industry code, when known.
        row: the converted profile row (columns of :meth:`Standard.columns` plus ``id``).
    """

    enterprise_id: int
    uscc: str
    name: str
    district_code: str
    industry_code: str | None
    row: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Facts:
    """Profiles of a population built from the registry.

    Attributes:
        standard: key of the standard.
        as_of: evaluation date.
        fiscal_years: the fiscal years read, oldest first (the last is the "latest year").
        subjects: one per enterprise, ordered by USCC.
        assumed: fields not recorded in the registry and the value assumed (see :data:`ASSUMED`).
        unknown: fields of the standard the registry does not record at all (always ``None``).
    """

    standard: str
    as_of: dt.date
    fiscal_years: tuple[int, ...]
    subjects: list[Subject]
    assumed: Mapping[str, Any] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        """The converted profile rows, in subject order."""
        return [s.row for s in self.subjects]


def fiscal_years(as_of: dt.date) -> tuple[int, ...]:
    """The fiscal years whose facts apply on ``as_of``: the three that ended before it, oldest first."""
    latest = as_of.year - 1
    return tuple(range(latest - LIST_LEN + 1, latest + 1))


def _fen(value: Decimal | None) -> int | None:
    # Money from the ORM is Decimal yuan quantised to the fen, so ×100 is exact.
    return None if value is None else int(value * 100)


def _sum_known(values: Sequence[int | None], basis: Sequence[int | None]) -> int | None:
    """Sum of ``values`` over the years where ``basis`` is known; unknown if any of them is unknown."""
    picked = [v for v, b in zip(values, basis, strict=True) if b is not None]
    if not picked or any(v is None for v in picked):
        return None
    return sum(v for v in picked if v is not None)


def _industry_group(code: str | None) -> Any:
    """The 300号 industry group of ``code``; unknown when missing or ambiguous (e.g. ``K70``)."""
    helper = getattr(import_module("kechuang.standards.sme_size_class"), "industry_group_for", None)
    if helper is None or code is None:
        return None
    try:
        return helper(code)
    except ValueError:
        return None


def _no_facts(standard: Standard) -> KechuangError:
    return KechuangError(
        Msg(
            f"企业库尚不能为标准 {standard.key}（{standard.label.zh}）提供数据；请用 --input 提供企业数据"
            f"（可用企业库数据的标准：{', '.join(SUPPORTED)}）",
            f"no registry facts for standard {standard.key} ({standard.label.en}) yet; give the "
            f"profiles with --input (standards with registry facts: {', '.join(SUPPORTED)})",
        ),
        code="standards.no_registry_facts",
    )


# ---------------------------------------------------------------------------- patents (IP registry)

_IP_FIELDS = frozenset({"ip_class1", "ip_class2", "core_ip"})
"""Fields fed by the patent registry as well as by the declared counts."""


def _registry_ip(
    session: Session, standard: Standard, as_of: dt.date, enterprise_id: int | None
) -> dict[int, ip_service.IpClassCounts]:
    """Class I / II patent counts per enterprise on ``as_of``, when ``standard`` uses them."""
    if not _IP_FIELDS & {f.name for f in standard.fields}:
        return {}
    return ip_service.ip_class_counts(session=session, on=as_of, enterprise_id=enterprise_id)


def _with_registry(declared: int | None, registry: int) -> int | None:
    """``max(declared, registry)``; a registry count of 0 leaves an unknown declared count unknown."""
    if registry == 0:
        return declared
    return registry if declared is None else max(declared, registry)


def build(
    *,
    session: Session,
    standard: Standard,
    as_of: dt.date,
    uscc: str | None = None,
    active_only: bool = False,
    progress: Progress | None = None,
) -> Facts:
    """Build the profiles of every enterprise (or the one with ``uscc``) for ``standard``.

    Args:
        session: the caller's session (read only).
        standard: the standard whose fields are filled.
        as_of: evaluation date (chooses the fiscal years and the qualifications in force).
        uscc: only this enterprise; :class:`NotFound` when it is not in the registry.
        active_only: leave out deregistered and revoked enterprises (batch screening).
        progress: optional ``("facts", done, total)`` callback.

    Raises:
        KechuangError: ``standards.no_registry_facts`` for a standard without registry facts.
    """
    if standard.key not in ASSUMED:
        raise _no_facts(standard)
    years = fiscal_years(as_of)

    ent_stmt = select(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.district_code,
        Enterprise.industry_code,
        Enterprise.registered_on,
        Enterprise.status,
        Enterprise.on_abnormal_list,
        Enterprise.on_dishonesty_list,
    ).order_by(Enterprise.uscc)
    year_cols = [getattr(EnterpriseYear, c) for c in (*_YEAR_MONEY, *_YEAR_COUNTS)]
    year_stmt = select(EnterpriseYear.enterprise_id, EnterpriseYear.fiscal_year, *year_cols).where(
        EnterpriseYear.fiscal_year.in_(years)
    )
    qual_stmt = select(Qualification.enterprise_id, Qualification.kind).where(
        Qualification.valid_from <= as_of,
        Qualification.valid_to.is_(None) | (Qualification.valid_to >= as_of),
        Qualification.revoked_on.is_(None) | (Qualification.revoked_on > as_of),
    )
    if uscc is not None:
        code = normalize_uscc(uscc)
        ent_stmt = ent_stmt.where(Enterprise.uscc == code)
        year_stmt = year_stmt.join(Enterprise).where(Enterprise.uscc == code)
        qual_stmt = qual_stmt.join(Enterprise).where(Enterprise.uscc == code)
    elif active_only:
        ent_stmt = ent_stmt.where(Enterprise.status == EnterpriseStatus.ACTIVE)

    enterprises = session.execute(ent_stmt).all()
    if uscc is not None and not enterprises:
        code = normalize_uscc(uscc)
        raise NotFound(
            Msg(f"企业库中没有统一社会信用代码为 {code} 的企业", f"no enterprise with USCC {code}")
        )
    by_year: dict[int, dict[int, Any]] = {}
    for rec in session.execute(year_stmt).mappings():
        by_year.setdefault(rec["enterprise_id"], {})[rec["fiscal_year"]] = rec
    held: dict[int, set[str]] = {}
    for ent_id, kind in session.execute(qual_stmt).all():
        held.setdefault(ent_id, set()).add(kind.value)
    patents = _registry_ip(
        session, standard, as_of, enterprises[0].id if uscc is not None else None
    )

    assumed = ASSUMED[standard.key]
    group = standard.key == "sme_size_class"
    unknown: set[str] = set()
    subjects: list[Subject] = []
    total = len(enterprises)
    step = max(1, total // 100)
    for n, ent in enumerate(enterprises, start=1):
        recs = by_year.get(ent.id, {})
        lists: dict[str, list[Any]] = {}
        for col in _YEAR_MONEY:
            lists[col] = [_fen(recs[y][col]) if y in recs else None for y in years]
        for col in _YEAR_COUNTS:
            lists[col] = [recs[y][col] if y in recs else None for y in years]
        scalars: dict[str, Any] = {col: values[-1] for col, values in lists.items()}
        scalars["domestic_rd_expense"] = _sum_known(
            lists["domestic_rd_expense"], lists["rd_expense"]
        )
        registry_ip = patents.get(ent.id, ip_service.IpClassCounts())
        ip1 = _with_registry(scalars["ip_class1_count"], registry_ip.class_i)
        ip2 = _with_registry(scalars["ip_class2_count"], registry_ip.class_ii)
        scalars["ip_class1_count"], scalars["ip_class2_count"] = ip1, ip2
        scalars["core_ip"] = (
            True if (ip1 or 0) + (ip2 or 0) > 0 else (None if ip1 is None or ip2 is None else False)
        )
        kinds = held.get(ent.id, set())
        for kind in QualificationKind:
            scalars[f"holds_{kind.value}"] = kind.value in kinds
        scalars["high_tech_certificate_valid"] = QualificationKind.HIGH_TECH.value in kinds
        scalars["registered_in_mainland"] = ent.status == EnterpriseStatus.ACTIVE
        scalars["serious_violation"] = bool(ent.on_abnormal_list or ent.on_dishonesty_list)
        scalars["registered_on"] = ent.registered_on
        scalars["application_date"] = as_of
        if group:
            scalars["industry_group"] = _industry_group(ent.industry_code)

        row: dict[str, Any] = {"id": ent.uscc}
        for spec in standard.fields:
            name = _ALIASES.get(spec.name, spec.name)
            if spec.kind in ("money_list", "int_list"):
                values = lists.get(name)
                if values is None:
                    unknown.add(spec.name)
                    values = [None] * LIST_LEN
                row.update(zip(spec.columns(), values, strict=True))
            elif name in scalars:
                row[spec.name] = scalars[name]
            elif spec.name in assumed:
                row[spec.name] = assumed[spec.name]
            else:
                unknown.add(spec.name)
                row[spec.name] = None
        subjects.append(
            Subject(
                enterprise_id=ent.id,
                uscc=ent.uscc,
                name=ent.name,
                district_code=ent.district_code,
                industry_code=ent.industry_code,
                row=row,
            )
        )
        if progress and (n % step == 0 or n == total):
            progress("facts", n, total)
    if progress and total == 0:
        progress("facts", 0, 0)
    return Facts(
        standard=standard.key,
        as_of=as_of,
        fiscal_years=years,
        subjects=subjects,
        assumed={k: v for k, v in assumed.items() if k in {f.name for f in standard.fields}},
        unknown=tuple(sorted(unknown)),
    )


__all__ = ["ASSUMED", "SUPPORTED", "Facts", "Subject", "build", "fiscal_years"]
