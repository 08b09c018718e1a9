"""Counting insurance: every insurance figure of the report, computed from policy records.

The report's insurance paragraph (§7.1) is built from these functions; each returns a small frozen
dataclass with the figure(s), the selection it was computed on and the policy numbers counted, so
every figure can be drilled down to the policies behind it.

Definitions, stated once (``docs/insurance.md``, "统计口径 / Counting"):

Cover (the same rule as :func:`kechuang.insurance.policies.status_on`)
    A ``bound`` policy gives cover from ``start_date`` to ``end_date`` (both inclusive). A
    ``cancelled`` policy gave cover only if it had been bound (``bound_on`` recorded) and has a
    cancellation date: up to the day before ``cancelled_on`` (the first day without cover).
    A ``quoted`` policy never counts, whatever its dates.
In force on day D
    ``start_date ≤ D ≤ end_date`` and either bound, or cancelled after D having been bound.
Written in [from, to]
    The *written date* — ``bound_on`` when recorded, else ``start_date`` — falls in the window
    (both ends inclusive) and the policy gave at least one day of cover (not quoted; a policy
    cancelled on or before its start date, or never bound, was never written). A policy
    cancelled mid-term stays written.
Insured parties of a policy
    The insured enterprise or institution (a policy naming its insured only by name counts that
    name as one party), plus every enterprise insured as an object of kind ``enterprise`` (group
    cover, e.g. a pool policy over several fabs of one group).
家次 (enterprise-policies)
    The number of distinct (insured party, policy) pairs — *not* distinct firms: one enterprise
    holding two policies is 2 家次 (GLOSSARY.md).
Objects
    Counted once per (kind, ref) however many policies of the selection cover them (a project
    renewed within the window is one project).
District of a policy
    ``district_code`` of the policy (所在区 / pilot district), else the insured enterprise's, else
    the insured institution's registered district.
Incubator of a policy
    ``incubator_institution_id``, else the insured institution when it is an incubator.
Sum insured
    The policy's ``sum_insured`` (风险保障), summed over the policies counted; objects' own sums
    insured are not added on top.

Selections: every function takes ``line`` (an :class:`InsuranceLine` or its value), optional
``pool_key`` and ``product_key`` filters, and exactly one of ``in_force_on`` or the pair
``written_from`` / ``written_to`` (:func:`cumulative_since` takes a programme start instead).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.insurance.enums import InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.models import InsurancePolicy, InsuredObject
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution

__all__ = [
    "AmountFigure",
    "CountFigure",
    "CumulativeFigure",
    "InsuredFigure",
    "ObjectFigure",
    "Selection",
    "cover_end",
    "cumulative_since",
    "distinct_insured",
    "districts",
    "enterprise_policies",
    "gives_cover",
    "in_force",
    "in_force_clause",
    "incubators",
    "objects",
    "selection",
    "sum_insured_in_force",
    "sum_insured_written",
    "written_clause",
    "written_date",
]

ZERO: Final = Decimal("0.00")
_ONE_DAY: Final = dt.timedelta(days=1)

CUMULATIVE_KINDS: Final = (InsuredObjectKind.PROJECT, InsuredObjectKind.EQUIPMENT_SET)
"""Objects :func:`cumulative_since` counts by default (首台（套）: projects and equipment sets)."""


# =============================================================================== cover (Python)


def cover_end(
    *,
    status: PolicyStatus,
    start_date: dt.date,
    end_date: dt.date,
    bound_on: dt.date | None,
    cancelled_on: dt.date | None,
) -> dt.date | None:
    """Last day of cover, or ``None`` when the policy never gave cover (see the module docstring)."""
    if status is PolicyStatus.QUOTED:
        return None
    if status is PolicyStatus.CANCELLED:
        if bound_on is None or cancelled_on is None:
            return None
        last = min(end_date, cancelled_on - _ONE_DAY)
        return last if last >= start_date else None
    return end_date


def _cover_end(policy: InsurancePolicy) -> dt.date | None:
    return cover_end(
        status=policy.status,
        start_date=policy.start_date,
        end_date=policy.end_date,
        bound_on=policy.bound_on,
        cancelled_on=policy.cancelled_on,
    )


def gives_cover(policy: InsurancePolicy) -> bool:
    """Whether ``policy`` gave at least one day of cover (so it counts as written)."""
    return _cover_end(policy) is not None


def in_force(policy: InsurancePolicy, day: dt.date) -> bool:
    """Whether ``policy`` covers ``day`` (started, not ended, not cancelled on or before it)."""
    last = _cover_end(policy)
    return last is not None and policy.start_date <= day <= last


def written_date(policy: InsurancePolicy) -> dt.date:
    """The date a policy counts as written on: ``bound_on`` when recorded, else ``start_date``."""
    return policy.bound_on or policy.start_date


# =============================================================================== cover (SQL)

_P = InsurancePolicy


def _covered_on(day: Any) -> ColumnElement[bool]:
    """Bound, or cancelled after ``day`` (a date or a column) having been bound."""
    return or_(
        _P.status == PolicyStatus.BOUND,
        and_(
            _P.status == PolicyStatus.CANCELLED,
            _P.bound_on.is_not(None),
            _P.cancelled_on > day,
        ),
    )


def in_force_clause(day: dt.date) -> ColumnElement[bool]:
    """SQL condition on :class:`InsurancePolicy`: in force on ``day``."""
    return and_(_P.start_date <= day, _P.end_date >= day, _covered_on(day))


def written_clause(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """SQL condition on :class:`InsurancePolicy`: written in ``[start, end]`` (both inclusive)."""
    written_on = func.coalesce(_P.bound_on, _P.start_date)
    return and_(written_on >= start, written_on <= end, _covered_on(_P.start_date))


# =============================================================================== selections


def _line(line: InsuranceLine | str | None) -> InsuranceLine | None:
    if line is None or isinstance(line, InsuranceLine):
        return line
    parsed = InsuranceLine.parse(line)
    if parsed is None:
        allowed = ", ".join(m.value for m in InsuranceLine)
        raise ValidationError(
            Msg(f"未知的险种：{line}（可选：{allowed}）", f"unknown line: {line} (use {allowed})"),
            code="insurance.line",
        )
    return parsed


@dataclass(frozen=True, slots=True)
class Selection:
    """Which policies a figure counts.

    Attributes:
        line: line of insurance, or ``None`` for every line.
        pool_key: co-insurance pool, or ``None`` for any.
        product_key: product, or ``None`` for any.
        in_force_on: count policies in force on this day, or
        written_from: count policies written from this day …
        written_to: … to this day (both inclusive).
    """

    line: InsuranceLine | None = None
    pool_key: str | None = None
    product_key: str | None = None
    in_force_on: dt.date | None = None
    written_from: dt.date | None = None
    written_to: dt.date | None = None

    def clause(self) -> list[ColumnElement[bool]]:
        """SQL conditions on :class:`InsurancePolicy`."""
        where: list[ColumnElement[bool]] = []
        if self.line is not None:
            where.append(_P.line == self.line)
        if self.pool_key is not None:
            where.append(_P.pool_key == self.pool_key)
        if self.product_key is not None:
            where.append(_P.product_key == self.product_key)
        if self.in_force_on is not None:
            where.append(in_force_clause(self.in_force_on))
        else:
            assert self.written_from is not None
            assert self.written_to is not None
            where.append(written_clause(self.written_from, self.written_to))
        return where

    def describe(self) -> Msg:
        """Bilingual one-line description, e.g. ``集成电路共保体保险，2024-01-01 至 2024-09-30 承保``."""
        what_zh = self.line.label.zh if self.line else "全部险种"
        what_en = self.line.label.en if self.line else "all lines"
        if self.pool_key:
            what_zh += f"（共保体 {self.pool_key}）"
            what_en += f" (pool {self.pool_key})"
        if self.product_key:
            what_zh += f"（产品 {self.product_key}）"
            what_en += f" (product {self.product_key})"
        if self.in_force_on is not None:
            return Msg(
                f"{what_zh}，{self.in_force_on} 有效保单",
                f"{what_en}, policies in force on {self.in_force_on}",
            )
        return Msg(
            f"{what_zh}，{self.written_from} 至 {self.written_to} 承保",
            f"{what_en}, written {self.written_from} to {self.written_to}",
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "line": None if self.line is None else self.line.value,
            "pool_key": self.pool_key,
            "product_key": self.product_key,
            "in_force_on": None if self.in_force_on is None else self.in_force_on.isoformat(),
            "written_from": None if self.written_from is None else self.written_from.isoformat(),
            "written_to": None if self.written_to is None else self.written_to.isoformat(),
            "description_zh": self.describe().zh,
            "description_en": self.describe().en,
        }


def selection(
    *,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
) -> Selection:
    """Check and build a :class:`Selection`.

    Raises:
        ValidationError: ``counting.selection`` — neither or both of ``in_force_on`` and the
            written window, half a window, or a window that ends before it starts.
    """
    window = (written_from, written_to)
    if in_force_on is not None and any(d is not None for d in window):
        raise ValidationError(
            Msg(
                "“有效保单日期”与“承保期间”只能选一种",
                "give either an in-force date or a written window, not both",
            ),
            code="counting.selection",
        )
    if in_force_on is None and (written_from is None or written_to is None):
        raise ValidationError(
            Msg(
                "请给出有效保单日期，或承保期间的起止日期",
                "give an in-force date, or both ends of a written window",
            ),
            code="counting.selection",
        )
    if written_from is not None and written_to is not None and written_to < written_from:
        raise ValidationError(
            Msg(
                f"承保期间的终止日期 {written_to} 早于起始日期 {written_from}",
                f"the window ends ({written_to}) before it starts ({written_from})",
            ),
            code="counting.selection",
        )
    return Selection(
        line=_line(line),
        pool_key=pool_key,
        product_key=product_key,
        in_force_on=in_force_on,
        written_from=written_from,
        written_to=written_to,
    )


# =============================================================================== results


def _nos(nos: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(nos)))


@dataclass(frozen=True, slots=True)
class CountFigure:
    """A count, with what it counts and the policies behind it.

    Attributes:
        measure: what is counted (``enterprise_policies``, ``incubators``, ``districts``).
        value: the count.
        selection: the policies considered.
        policy_nos: policy numbers counted (sorted).
        keys: the distinct things counted, when they have a code (incubator codes, district
            codes), sorted.
        definition: how it is counted.
    """

    measure: str
    value: int
    selection: Selection
    policy_nos: tuple[str, ...]
    definition: Msg
    keys: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "measure": self.measure,
            "value": self.value,
            "keys": list(self.keys),
            "selection": self.selection.as_dict(),
            "policy_nos": list(self.policy_nos),
            "definition_zh": self.definition.zh,
            "definition_en": self.definition.en,
        }


@dataclass(frozen=True, slots=True)
class InsuredFigure:
    """Distinct insured parties.

    Attributes:
        value: distinct parties (enterprises + institutions + parties named only).
        enterprises: distinct registry enterprises.
        institutions: distinct registry institutions.
        named_only: distinct insured names without a registry link.
        selection: the policies considered.
        policy_nos: policy numbers counted (sorted).
    """

    value: int
    enterprises: int
    institutions: int
    named_only: int
    selection: Selection
    policy_nos: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "measure": "distinct_insured",
            "value": self.value,
            "enterprises": self.enterprises,
            "institutions": self.institutions,
            "named_only": self.named_only,
            "selection": self.selection.as_dict(),
            "policy_nos": list(self.policy_nos),
        }


@dataclass(frozen=True, slots=True)
class ObjectFigure:
    """Insured objects by kind (each (kind, ref) once).

    Attributes:
        by_kind: distinct objects per kind (kinds without objects are absent).
        enterprises_by_kind: distinct enterprises the objects of each kind belong to (e.g. the
            start-ups of the founders insured).
        selection: the policies considered.
        policy_nos: numbers of the policies whose objects were counted (sorted).
    """

    by_kind: dict[InsuredObjectKind, int]
    enterprises_by_kind: dict[InsuredObjectKind, int]
    selection: Selection
    policy_nos: tuple[str, ...]

    def count(self, kind: InsuredObjectKind) -> int:
        """Distinct objects of ``kind``."""
        return self.by_kind.get(kind, 0)

    @property
    def total(self) -> int:
        """Distinct objects of every kind."""
        return sum(self.by_kind.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "measure": "objects",
            "by_kind": {k.value: n for k, n in self.by_kind.items()},
            "enterprises_by_kind": {k.value: n for k, n in self.enterprises_by_kind.items()},
            "total": self.total,
            "selection": self.selection.as_dict(),
            "policy_nos": list(self.policy_nos),
        }


@dataclass(frozen=True, slots=True)
class AmountFigure:
    """A sum of money over policies.

    Attributes:
        measure: ``sum_insured_in_force`` or ``sum_insured_written``.
        value: the sum, 元.
        policies: number of policies summed.
        selection: the policies considered.
        policy_nos: policy numbers summed (sorted).
    """

    measure: str
    value: Decimal
    policies: int
    selection: Selection
    policy_nos: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "measure": self.measure,
            "value": str(self.value),
            "policies": self.policies,
            "selection": self.selection.as_dict(),
            "policy_nos": list(self.policy_nos),
        }


@dataclass(frozen=True, slots=True)
class CumulativeFigure:
    """Policies written since a programme started: objects covered and sum insured.

    Attributes:
        objects: distinct objects of the counted kinds (each (kind, ref) once).
        by_kind: the same per kind.
        sum_insured: sum insured of every policy written, 元.
        policies: number of policies written.
        selection: the policies considered (written from the programme start).
        policy_nos: policy numbers written (sorted).
    """

    objects: int
    by_kind: dict[InsuredObjectKind, int]
    sum_insured: Decimal
    policies: int
    selection: Selection
    policy_nos: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "measure": "cumulative",
            "objects": self.objects,
            "by_kind": {k.value: n for k, n in self.by_kind.items()},
            "sum_insured": str(self.sum_insured),
            "policies": self.policies,
            "selection": self.selection.as_dict(),
            "policy_nos": list(self.policy_nos),
        }


# =============================================================================== loading


@dataclass(slots=True)
class _Policy:
    id: int
    policy_no: str
    enterprise_id: int | None
    institution_id: int | None
    insured_name: str
    sum_insured: Decimal
    district: str | None
    incubator: str | None
    parties: set[tuple[str, Any]] = field(default_factory=set)


def _load(session: Session, sel: Selection) -> list[_Policy]:
    """The selected policies with district and incubator resolved (one query)."""
    ent = aliased(Enterprise)
    ins = aliased(Institution)
    incubator = aliased(Institution)
    stmt = (
        select(
            _P.id,
            _P.policy_no,
            _P.insured_enterprise_id,
            _P.insured_institution_id,
            _P.insured_name,
            _P.sum_insured,
            func.coalesce(_P.district_code, ent.district_code, ins.district_code),
            incubator.code,
            ins.code,
            ins.kind,
        )
        .outerjoin(ent, ent.id == _P.insured_enterprise_id)
        .outerjoin(ins, ins.id == _P.insured_institution_id)
        .outerjoin(incubator, incubator.id == _P.incubator_institution_id)
        .where(*sel.clause())
        .order_by(_P.policy_no)
    )
    out: list[_Policy] = []
    for row in session.execute(stmt):
        pid, no, ent_id, ins_id, name, sum_insured, district = row[:7]
        inc: str | None = row[7]
        if inc is None and row[9] is InstitutionKind.INCUBATOR:
            inc = row[8]
        p = _Policy(pid, no, ent_id, ins_id, name, sum_insured, district, inc)
        if ent_id is not None:
            p.parties.add(("enterprise", ent_id))
        elif ins_id is not None:
            p.parties.add(("institution", ins_id))
        else:
            p.parties.add(("name", " ".join(name.split())))
        out.append(p)
    return out


_ObjectRow = Select[int, str, InsuredObjectKind, str, int | None]


def _objects_stmt(sel: Selection, kinds: Sequence[InsuredObjectKind] | None) -> _ObjectRow:
    o = InsuredObject
    stmt = (
        select(o.policy_id, _P.policy_no, o.kind, o.ref, o.enterprise_id)
        .join(_P, _P.id == o.policy_id)
        .where(*sel.clause())
    )
    if kinds is not None:
        stmt = stmt.where(o.kind.in_(list(kinds)))
    return stmt


def _with_group_cover(session: Session, sel: Selection, policies: list[_Policy]) -> None:
    """Add enterprises insured as objects of kind ``enterprise`` to their policies' parties."""
    by_id = {p.id: p for p in policies}
    for pid, _no, _kind, _ref, ent_id in session.execute(
        _objects_stmt(sel, [InsuredObjectKind.ENTERPRISE])
    ):
        if ent_id is not None and pid in by_id:
            by_id[pid].parties.add(("enterprise", ent_id))


# =============================================================================== figures

ENTERPRISE_POLICIES_DEFINITION: Final = Msg(
    "家次 = （被保险企业或机构，保单）组合数，同一企业持有两张保单计 2 家次；"
    "被保险人包括保单的被保险企业/机构及以“企业”类型列为保险标的的企业。",
    "家次 = number of (insured enterprise or institution, policy) pairs: one enterprise holding "
    "two policies counts twice; insured parties are the policy's insured enterprise/institution "
    "and any enterprise insured as an object of kind 'enterprise'.",
)


def enterprise_policies(
    *,
    session: Session,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
) -> CountFigure:
    """家次: (insured enterprise or institution, policy) pairs — not distinct firms.

    "已为 55 家次集成电路企业提供保险保障" counts an enterprise once per policy it holds.
    """
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=written_from,
        written_to=written_to,
        in_force_on=in_force_on,
    )
    policies = _load(session, sel)
    _with_group_cover(session, sel, policies)
    return CountFigure(
        measure="enterprise_policies",
        value=sum(len(p.parties) for p in policies),
        selection=sel,
        policy_nos=_nos(p.policy_no for p in policies),
        definition=ENTERPRISE_POLICIES_DEFINITION,
    )


def distinct_insured(
    *,
    session: Session,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
) -> InsuredFigure:
    """Distinct insured parties (enterprises + institutions), e.g. "119 家企业及机构"."""
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=written_from,
        written_to=written_to,
        in_force_on=in_force_on,
    )
    policies = _load(session, sel)
    _with_group_cover(session, sel, policies)
    parties: set[tuple[str, Any]] = set()
    for p in policies:
        parties |= p.parties
    kinds = [k for k, _ in parties]
    return InsuredFigure(
        value=len(parties),
        enterprises=kinds.count("enterprise"),
        institutions=kinds.count("institution"),
        named_only=kinds.count("name"),
        selection=sel,
        policy_nos=_nos(p.policy_no for p in policies),
    )


def objects(
    *,
    session: Session,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
    kinds: Sequence[InsuredObjectKind] | None = None,
) -> ObjectFigure:
    """Insured objects by kind — projects, clinical trials, founders … — each (kind, ref) once.

    "352 个项目" (clinical trials), "816 位创业者" (founders); ``enterprises_by_kind`` gives the
    distinct enterprises the objects belong to ("300 家初创企业" when founders name their start-up).
    """
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=written_from,
        written_to=written_to,
        in_force_on=in_force_on,
    )
    seen: dict[InsuredObjectKind, set[str]] = defaultdict(set)
    firms: dict[InsuredObjectKind, set[int]] = defaultdict(set)
    nos: set[str] = set()
    for _pid, no, kind, ref, ent_id in session.execute(_objects_stmt(sel, kinds)):
        seen[kind].add(ref)
        if ent_id is not None:
            firms[kind].add(ent_id)
        nos.add(no)
    order = list(InsuredObjectKind)
    return ObjectFigure(
        by_kind={k: len(seen[k]) for k in order if seen.get(k)},
        enterprises_by_kind={k: len(firms[k]) for k in order if firms.get(k)},
        selection=sel,
        policy_nos=_nos(nos),
    )


INCUBATORS_DEFINITION: Final = Msg(
    "孵化器 = 保单所载孵化器（无则被保险机构为孵化器时取该机构），去重计数。",
    "incubators = distinct incubators named on the policies (else the insured institution when "
    "it is an incubator).",
)
DISTRICTS_DEFINITION: Final = Msg(
    "区 = 保单所在区（无则取被保险企业或机构的注册区），去重计数。",
    "districts = distinct districts of the policies (else the insured enterprise's or "
    "institution's registered district).",
)


def incubators(
    *,
    session: Session,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
) -> CountFigure:
    """Distinct incubators of the policies ("49 家孵化器"); ``keys`` are their codes."""
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=written_from,
        written_to=written_to,
        in_force_on=in_force_on,
    )
    return _distinct(
        "incubators", sel, _load(session, sel), lambda p: p.incubator, INCUBATORS_DEFINITION
    )


def districts(
    *,
    session: Session,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    written_from: dt.date | None = None,
    written_to: dt.date | None = None,
    in_force_on: dt.date | None = None,
) -> CountFigure:
    """Distinct districts of the policies ("6 个试点区"); ``keys`` are district codes."""
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=written_from,
        written_to=written_to,
        in_force_on=in_force_on,
    )
    return _distinct(
        "districts", sel, _load(session, sel), lambda p: p.district, DISTRICTS_DEFINITION
    )


def _distinct(
    measure: str,
    sel: Selection,
    loaded: list[_Policy],
    key_of: Callable[[_Policy], str | None],
    definition: Msg,
) -> CountFigure:
    """Distinct non-empty ``key_of`` values over the policies that have one."""
    pairs = [(p, k) for p in loaded if (k := key_of(p)) is not None]
    keys = tuple(sorted({k for _, k in pairs}))
    return CountFigure(
        measure=measure,
        value=len(keys),
        selection=sel,
        policy_nos=_nos(p.policy_no for p, _ in pairs),
        keys=keys,
        definition=definition,
    )


def _amount(measure: str, sel: Selection, policies: list[_Policy]) -> AmountFigure:
    return AmountFigure(
        measure=measure,
        value=sum((p.sum_insured for p in policies), ZERO),
        policies=len(policies),
        selection=sel,
        policy_nos=_nos(p.policy_no for p in policies),
    )


def sum_insured_in_force(
    *,
    session: Session,
    on: dt.date,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
) -> AmountFigure:
    """Sum insured of the policies in force on ``on`` (by line and/or pool)."""
    sel = selection(line=line, pool_key=pool_key, product_key=product_key, in_force_on=on)
    return _amount("sum_insured_in_force", sel, _load(session, sel))


def sum_insured_written(
    *,
    session: Session,
    start: dt.date,
    end: dt.date,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
) -> AmountFigure:
    """Sum insured of the policies written in ``[start, end]`` ("全年…承保风险 14.29 亿元")."""
    sel = selection(
        line=line, pool_key=pool_key, product_key=product_key, written_from=start, written_to=end
    )
    return _amount("sum_insured_written", sel, _load(session, sel))


def cumulative_since(
    *,
    session: Session,
    programme_start: dt.date,
    until: dt.date,
    line: InsuranceLine | str | None = None,
    pool_key: str | None = None,
    product_key: str | None = None,
    kinds: Sequence[InsuredObjectKind] = CUMULATIVE_KINDS,
) -> CumulativeFigure:
    """Policies written since a programme started, up to ``until``: objects and sum insured.

    "累计完成 255 个重点创新项目承保……提供风险保障 859 亿元": distinct projects / equipment sets
    (``kinds``) covered by the policies written in ``[programme_start, until]`` and the sum of
    those policies' sums insured (renewals add their cover; a renewed project counts once).
    """
    sel = selection(
        line=line,
        pool_key=pool_key,
        product_key=product_key,
        written_from=programme_start,
        written_to=until,
    )
    policies = _load(session, sel)
    seen: dict[InsuredObjectKind, set[str]] = defaultdict(set)
    for _pid, _no, kind, ref, _ent in session.execute(_objects_stmt(sel, kinds)):
        seen[kind].add(ref)
    by_kind = {k: len(seen[k]) for k in InsuredObjectKind if seen.get(k)}
    return CumulativeFigure(
        objects=sum(by_kind.values()),
        by_kind=by_kind,
        sum_insured=sum((p.sum_insured for p in policies), ZERO),
        policies=len(policies),
        selection=sel,
        policy_nos=_nos(p.policy_no for p in policies),
    )
