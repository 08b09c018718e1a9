"""Insurance policies (保单): insured party and objects, cover, premium, term, status, renewals and
co-insurance (共保体) shares with exact allocation.

Status — recorded ``quoted`` / ``bound`` / ``cancelled``; on a given day (:func:`status_on`)::

    quoted                                   → quoted
    bound,     day < start_date              → bound      (bound, cover not started)
    bound,     start_date ≤ day ≤ end_date   → in_force   (both ends inclusive)
    bound,     day > end_date                → expired
    cancelled, day ≥ cancelled_on            → cancelled  (``cancelled_on``: first day without cover)
    cancelled, day < cancelled_on, was bound → as a bound policy on that day
    cancelled, never bound                   → cancelled

Co-insurance: every policy lists each insurer's share (a single insurer holds 100%). Shares are
exact fractions (8 decimal places as stored) that must sum to **exactly** 100% — ``33.33% × 3``
is refused, naming the sum — with exactly one lead insurer. Premium, sum insured and any claim
amount are split over the members with :func:`~kechuang.core.money.allocate_by_shares`: whole
fen, parts summing exactly to the amount (largest remainder), members ordered lead first then as
entered, so a tie in the remainders gives the extra fen to the lead.

Product terms (``products/data/insurance_products.yaml``, kind ``insurance``) are checked when a
policy is created: the product must be open on the start date and of the policy's line; the
insured objects must be of a kind the product insures; sum insured, premium rate and term must
be within the product's limits. Messages name the term's reference and status (an illustrative
limit says so).

Services take keyword arguments and the caller's session; they never commit. Every change writes
a :class:`~kechuang.storage.history.ChangeHistory` row (table ``insurance_policy``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Protocol

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.errors import Conflict, Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import allocate_by_shares, format_yuan, money
from kechuang.insurance.enums import InsuranceLine, PolicyStatus
from kechuang.insurance.models import CoinsuranceShare, InsurancePolicy, InsuredObject
from kechuang.insurance.schemas import (
    RATIO_PLACES,
    InsuredObjectIn,
    PolicyCreate,
    PolicyPage,
    PolicyRead,
    PolicyRenewal,
    ShareIn,
)
from kechuang.products import catalog as product_catalog
from kechuang.products.schemas import INSURED_OBJECTS, STATUS_FLAGS, Product, ProductKind, Term
from kechuang.registry import service as registry_service
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.history import ChangeHistory, diff, json_value

__all__ = [
    "Allocation",
    "Dated",
    "PolicyState",
    "allocate_amount",
    "allocate_premium",
    "allocate_sum_insured",
    "bind",
    "cancel",
    "check_shares",
    "create_policy",
    "get_by_policy_no",
    "list_policies",
    "policy_dict",
    "renew",
    "renewals_of",
    "status_on",
    "term_months",
]

ONE: Final = Decimal(1)


@labels(
    {
        "quoted": Msg("已报价", "quoted"),
        "bound": Msg("已承保（未起保）", "bound, cover not started"),
        "in_force": Msg("保险期间内", "in force"),
        "expired": Msg("已到期", "expired"),
        "cancelled": Msg("已退保", "cancelled"),
    }
)
class PolicyState(LabelledEnum):
    """A policy's status on a day: the recorded status refined by the dates."""

    QUOTED = "quoted"
    BOUND = "bound"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Dated(Protocol):
    """What :func:`status_on` reads: an :class:`InsurancePolicy` or a :class:`PolicyRead`."""

    @property
    def status(self) -> PolicyStatus: ...
    @property
    def start_date(self) -> dt.date: ...
    @property
    def end_date(self) -> dt.date: ...
    @property
    def bound_on(self) -> dt.date | None: ...
    @property
    def cancelled_on(self) -> dt.date | None: ...


def status_on(policy: Dated, day: dt.date) -> PolicyState:
    """The policy's status on ``day`` (start and end dates inclusive; see the module docstring)."""
    if policy.status is PolicyStatus.QUOTED:
        return PolicyState.QUOTED
    if policy.status is PolicyStatus.CANCELLED and (
        policy.bound_on is None or policy.cancelled_on is None or day >= policy.cancelled_on
    ):
        return PolicyState.CANCELLED
    if day < policy.start_date:
        return PolicyState.BOUND
    if day > policy.end_date:
        return PolicyState.EXPIRED
    return PolicyState.IN_FORCE


def term_months(start: dt.date, end: dt.date) -> int:
    """Months of cover from ``start`` to ``end`` (inclusive); a part month counts as a month.

    ``2024-01-01 … 2024-12-31`` is 12 months; ``2024-01-01 … 2025-01-01`` is 13.
    """
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return months + 1 if after.day > start.day else months


# ---------------------------------------------------------------------------- co-insurance


def _pct(value: Decimal) -> str:
    text = format((value * 100).normalize(), "f")
    return f"{text}%"


def check_shares(shares: Sequence[tuple[str, Decimal, bool]], *, policy_no: str = "") -> None:
    """Check co-insurance shares given as ``(insurer, share, lead)``.

    Raises:
        ValidationError: ``policy.shares_sum`` — the shares do not sum to exactly 100% (the
            message names the sum); ``policy.shares_lead`` — not exactly one lead insurer;
            ``policy.shares_duplicate`` — an insurer is listed twice; ``policy.shares_invalid``
            — a share is not above 0 and at most 100%.
    """
    where = f"{policy_no}：" if policy_no else ""
    where_en = f"{policy_no}: " if policy_no else ""
    if not shares:
        raise ValidationError(
            Msg(
                f"{where}保单须列明承保机构及份额", f"{where_en}a policy needs its insurers' shares"
            ),
            code="policy.shares_sum",
        )
    for insurer, share, _ in shares:
        if not Decimal(0) < share <= ONE:
            raise ValidationError(
                Msg(
                    f"{where}{insurer} 的份额须大于 0 且不超过 100%，实际为 {_pct(share)}",
                    f"{where_en}{insurer}'s share must be above 0 and at most 100%, got {_pct(share)}",
                ),
                code="policy.shares_invalid",
            )
    names = [s[0] for s in shares]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(
            Msg(
                f"{where}同一承保机构重复列出：{'、'.join(dupes)}",
                f"{where_en}insurer listed more than once: {', '.join(dupes)}",
            ),
            code="policy.shares_duplicate",
        )
    total = sum((s[1] for s in shares), Decimal(0))
    if total != ONE:
        parts = " + ".join(_pct(s[1]) for s in shares)
        raise ValidationError(
            Msg(
                f"{where}共保份额之和须恰好为 100%，实际为 {_pct(total)}（{parts}）",
                f"{where_en}co-insurance shares must sum to exactly 100%, they sum to "
                f"{_pct(total)} ({parts})",
            ),
            code="policy.shares_sum",
        )
    leads = [s[0] for s in shares if s[2]]
    if len(leads) != 1:
        raise ValidationError(
            Msg(
                f"{where}须恰好标明一家主承保人（lead），实际 {len(leads)} 家"
                + (f"：{'、'.join(leads)}" if leads else ""),
                f"{where_en}exactly one lead insurer must be marked, found {len(leads)}"
                + (f": {', '.join(leads)}" if leads else ""),
            ),
            code="policy.shares_lead",
        )


@dataclass(frozen=True, slots=True)
class Allocation:
    """One insurer's part of an amount.

    Attributes:
        insurer_id: the insurer (``Institution.id``).
        insurer_code: its institution code.
        insurer_name: its name.
        share: its share of the policy.
        lead: whether it is the lead insurer.
        amount: its part, exact to the fen.
    """

    insurer_id: int
    insurer_code: str
    insurer_name: str
    share: Decimal
    lead: bool
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts and shares as text)."""
        return {
            "insurer_code": self.insurer_code,
            "insurer_name": self.insurer_name,
            "share": str(self.share.normalize()),
            "share_pct": _pct(self.share),
            "lead": self.lead,
            "amount": str(self.amount),
        }


def _ordered_shares(policy: InsurancePolicy) -> list[CoinsuranceShare]:
    """Lead first, then in the order entered."""
    return sorted(policy.shares, key=lambda s: (not s.lead, s.id or 0))


def allocate_amount(policy: InsurancePolicy, amount: Decimal | str | int) -> list[Allocation]:
    """Split ``amount`` over the policy's insurers by share: whole fen, summing exactly to it.

    Members come lead first, then in the order entered (a tie in the remainders gives the
    extra fen to the earlier one).

    Raises:
        ValidationError: the stored shares are invalid (see :func:`check_shares`).
    """
    shares = _ordered_shares(policy)
    insurers = _insurers(policy, [s.insurer_id for s in shares])
    check_shares(
        [(insurers[s.insurer_id].code, s.share, s.lead) for s in shares], policy_no=policy.policy_no
    )
    parts = allocate_by_shares(money(amount), [s.share for s in shares])
    return [
        Allocation(
            insurer_id=s.insurer_id,
            insurer_code=insurers[s.insurer_id].code,
            insurer_name=insurers[s.insurer_id].name,
            share=s.share,
            lead=s.lead,
            amount=part,
        )
        for s, part in zip(shares, parts, strict=True)
    ]


def allocate_premium(policy: InsurancePolicy) -> list[Allocation]:
    """The premium split over the insurers (see :func:`allocate_amount`)."""
    return allocate_amount(policy, policy.premium)


def allocate_sum_insured(policy: InsurancePolicy) -> list[Allocation]:
    """The sum insured split over the insurers (see :func:`allocate_amount`)."""
    return allocate_amount(policy, policy.sum_insured)


def _insurers(policy: InsurancePolicy, ids: Sequence[int]) -> dict[int, Institution]:
    session = object_session(policy)
    if session is None:  # pragma: no cover - policies are always read through a session
        raise ValidationError(
            Msg("保单未关联数据库会话", "the policy is not attached to a session"),
            code="policy.detached",
        )
    rows = session.scalars(select(Institution).where(Institution.id.in_(ids)))
    return {i.id: i for i in rows}


# ---------------------------------------------------------------------------- look-ups


def get_by_policy_no(*, session: Session, policy_no: str) -> InsurancePolicy:
    """The policy with this number; :class:`NotFound` (``policy.not_found``) if none."""
    policy = session.scalars(
        select(InsurancePolicy)
        .where(InsurancePolicy.policy_no == policy_no.strip())
        .options(selectinload(InsurancePolicy.shares), selectinload(InsurancePolicy.objects))
    ).one_or_none()
    if policy is None:
        raise NotFound(
            Msg(f"没有保单号为 {policy_no} 的保单", f"no insurance policy {policy_no}"),
            code="policy.not_found",
        )
    return policy


def renewals_of(*, session: Session, policy: InsurancePolicy) -> list[InsurancePolicy]:
    """Policies recorded as renewals of ``policy`` (normally at most one live one)."""
    return list(
        session.scalars(
            select(InsurancePolicy)
            .where(InsurancePolicy.renewal_of_id == policy.id)
            .order_by(InsurancePolicy.start_date, InsurancePolicy.id)
        )
    )


def list_policies(
    *,
    session: Session,
    line: InsuranceLine | None = None,
    insurer: str | None = None,
    enterprise: str | None = None,
    in_force_on: dt.date | None = None,
    page: int = 1,
    size: int = 50,
) -> PolicyPage:
    """Policies filtered by line, insurer (institution code; any share), enterprise (USCC: the
    insured party or the owner of an insured object) and in force on a date; by policy number.

    Raises:
        NotFound: the USCC is not registered.
    """
    stmt = select(InsurancePolicy)
    if line is not None:
        stmt = stmt.where(InsurancePolicy.line == line)
    if insurer:
        stmt = stmt.where(
            exists()
            .where(CoinsuranceShare.policy_id == InsurancePolicy.id)
            .where(CoinsuranceShare.insurer_id == Institution.id)
            .where(Institution.code == insurer.strip())
        )
    if enterprise:
        ent = registry_service.get_by_uscc(session=session, uscc=enterprise)
        stmt = stmt.where(
            or_(
                InsurancePolicy.insured_enterprise_id == ent.id,
                exists()
                .where(InsuredObject.policy_id == InsurancePolicy.id)
                .where(InsuredObject.enterprise_id == ent.id),
            )
        )
    if in_force_on is not None:
        d = in_force_on
        covered = and_(InsurancePolicy.start_date <= d, InsurancePolicy.end_date >= d)
        stmt = stmt.where(
            covered,
            or_(
                InsurancePolicy.status == PolicyStatus.BOUND,
                and_(
                    InsurancePolicy.status == PolicyStatus.CANCELLED,
                    InsurancePolicy.bound_on.is_not(None),
                    InsurancePolicy.cancelled_on > d,
                ),
            ),
        )
    page = max(page, 1)
    size = max(min(size, 1000), 1)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(selectinload(InsurancePolicy.shares), selectinload(InsurancePolicy.objects))
        .order_by(InsurancePolicy.policy_no)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return PolicyPage(
        items=[PolicyRead.model_validate(r) for r in rows], total=total, page=page, size=size
    )


# ---------------------------------------------------------------------------- internals

_FIELDS: Final = (
    "policy_no",
    "product_key",
    "line",
    "insured_enterprise_id",
    "insured_institution_id",
    "insured_name",
    "sum_insured",
    "premium",
    "rate",
    "start_date",
    "end_date",
    "status",
    "bound_on",
    "cancelled_on",
    "renewal_of_id",
    "pool_key",
    "district_code",
    "incubator_institution_id",
)


def _snapshot(policy: InsurancePolicy) -> dict[str, Any]:
    return {f: getattr(policy, f) for f in _FIELDS}


def _history(
    session: Session,
    policy: InsurancePolicy,
    *,
    before: dict[str, Any] | None,
    actor: str,
    note: Msg,
    extra: dict[str, Any] | None = None,
) -> None:
    session.flush()
    changes = diff(before, _snapshot(policy))
    for key, value in (extra or {}).items():
        changes[key] = [None, value]
    changes["decision"] = [None, note.both()]
    session.add(
        ChangeHistory(
            table_name="insurance_policy",
            record_id=policy.id,
            record_key=policy.policy_no,
            action="create" if before is None else "update",
            changes=changes,
            actor=actor,
            source="service",
        )
    )


def _actor(actor: str) -> str:
    who = (actor or "").strip()
    if not who:
        raise ValidationError(Msg("必须写明操作人", "an actor is required"), code="actor_required")
    return who


def _institution(session: Session, code: str) -> Institution:
    inst = session.scalars(
        select(Institution).where(Institution.code == code.strip())
    ).one_or_none()
    if inst is None:
        raise NotFound(
            Msg(f"机构库中没有代码为 {code} 的机构", f"no institution with code {code}"),
            code="institution.not_found",
        )
    return inst


def _term_note(term: Term[Any]) -> Msg:
    flag = STATUS_FLAGS[term.status]
    return Msg(f"（{term.reference}；{flag.zh}）", f" ({term.reference}; {flag.en})")


def _product(policy_no: str, product_key: str, line: InsuranceLine | None, on: dt.date) -> Product:
    product = product_catalog.get(product_key, on)
    if product.kind is not ProductKind.INSURANCE or product.line is None:
        raise ValidationError(
            Msg(
                f"{policy_no}：产品 {product_key} 不是保险产品（{product.kind.label.zh}）",
                f"{policy_no}: product {product_key} is not an insurance product "
                f"({product.kind.label.en})",
            ),
            code="policy.product_kind",
        )
    if line is not None and line.value != product.line:
        raise ValidationError(
            Msg(
                f"{policy_no}：险种 {line.label.zh} 与产品 {product_key} 的险种 {product.line} 不符",
                f"{policy_no}: line {line.value} does not match product {product_key}'s line "
                f"{product.line}",
            ),
            code="policy.line",
        )
    return product


def _check_product_terms(
    policy_no: str,
    product: Product,
    *,
    start: dt.date,
    end: dt.date,
    sum_insured: Decimal,
    rate: Decimal,
    objects: Sequence[InsuredObjectIn],
) -> None:
    terms = product.terms_at(start)
    assert terms is not None  # the product is open on the start date
    issues: list[Issue] = []

    def add(rule: str, column: str, value: str, message: Msg) -> None:
        issues.append(Issue(rule=rule, column=column, value=value, message=message))

    if terms.insured is not None:
        allowed = terms.insured.value
        note = _term_note(terms.insured)
        for obj in objects:
            if obj.kind.value not in allowed:
                zh = "、".join(INSURED_OBJECTS[k].zh for k in allowed)
                en = ", ".join(allowed)
                add(
                    "policy.object_kind",
                    "objects",
                    f"{obj.kind.value}:{obj.ref}",
                    Msg(
                        f"{policy_no}：产品 {product.key} 不承保“{obj.kind.label.zh}”（{obj.ref}），"
                        f"可承保：{zh}{note.zh}",
                        f"{policy_no}: product {product.key} does not insure {obj.kind.value} "
                        f"({obj.ref}); it insures: {en}{note.en}",
                    ),
                )
    if terms.min_amount is not None and sum_insured < terms.min_amount.value:
        note = _term_note(terms.min_amount)
        add(
            "policy.sum_insured_limit",
            "sum_insured",
            str(sum_insured),
            Msg(
                f"{policy_no}：保额 {format_yuan(sum_insured)} 低于产品下限 "
                f"{format_yuan(terms.min_amount.value)}{note.zh}",
                f"{policy_no}: sum insured {format_yuan(sum_insured)} is below the product minimum "
                f"{format_yuan(terms.min_amount.value)}{note.en}",
            ),
        )
    if terms.max_amount is not None and sum_insured > terms.max_amount.value:
        note = _term_note(terms.max_amount)
        add(
            "policy.sum_insured_limit",
            "sum_insured",
            str(sum_insured),
            Msg(
                f"{policy_no}：保额 {format_yuan(sum_insured)} 超过产品上限 "
                f"{format_yuan(terms.max_amount.value)}{note.zh}",
                f"{policy_no}: sum insured {format_yuan(sum_insured)} exceeds the product maximum "
                f"{format_yuan(terms.max_amount.value)}{note.en}",
            ),
        )
    if terms.max_premium_rate is not None and rate > terms.max_premium_rate.value:
        note = _term_note(terms.max_premium_rate)
        cap = _pct(terms.max_premium_rate.value)
        add(
            "policy.rate_limit",
            "rate",
            str(rate),
            Msg(
                f"{policy_no}：费率 {_pct(rate)} 超过产品费率上限 {cap}{note.zh}",
                f"{policy_no}: premium rate {_pct(rate)} exceeds the product's maximum {cap}{note.en}",
            ),
        )
    if terms.max_term_months is not None:
        months = term_months(start, end)
        if months > terms.max_term_months.value:
            note = _term_note(terms.max_term_months)
            add(
                "policy.term_limit",
                "end_date",
                end.isoformat(),
                Msg(
                    f"{policy_no}：保险期间 {months} 个月超过产品上限 "
                    f"{terms.max_term_months.value} 个月{note.zh}",
                    f"{policy_no}: a term of {months} months exceeds the product maximum of "
                    f"{terms.max_term_months.value}{note.en}",
                ),
            )
    if issues:
        raise ValidationError(
            issues[0].message
            if len(issues) == 1
            else Msg(
                f"{policy_no}：不符合产品 {product.key} 的条款（{len(issues)} 处）",
                f"{policy_no}: {len(issues)} breaches of product {product.key}'s terms",
            ),
            code=issues[0].rule if len(issues) == 1 else "policy.product_terms",
            issues=issues,
        )


def _default_rate(premium: Decimal, sum_insured: Decimal) -> Decimal:
    quantum = Decimal(1).scaleb(-RATIO_PLACES)
    return (premium / sum_insured).quantize(quantum, rounding=ROUND_HALF_UP)


def _objects(
    session: Session, items: Sequence[InsuredObjectIn], policy_no: str
) -> list[InsuredObject]:
    seen: set[tuple[str, str]] = set()
    out: list[InsuredObject] = []
    for item in items:
        key = (item.kind.value, item.ref)
        if key in seen:
            raise ValidationError(
                Msg(
                    f"{policy_no}：保险标的重复：{item.kind.label.zh} {item.ref}",
                    f"{policy_no}: insured object listed twice: {item.kind.value} {item.ref}",
                ),
                code="policy.object_duplicate",
            )
        seen.add(key)
        owner: Enterprise | None = None
        if item.uscc:
            owner = registry_service.get_by_uscc(session=session, uscc=item.uscc)
        out.append(
            InsuredObject(
                kind=item.kind,
                ref=item.ref,
                name=item.name,
                enterprise_id=owner.id if owner else None,
                sum_insured=item.sum_insured,
            )
        )
    return out


def _shares(session: Session, items: Sequence[ShareIn], policy_no: str) -> list[CoinsuranceShare]:
    check_shares([(s.insurer_code.strip(), s.share, s.lead) for s in items], policy_no=policy_no)
    out: list[CoinsuranceShare] = []
    for item in items:
        insurer = _institution(session, item.insurer_code)
        if insurer.kind is not InstitutionKind.INSURER:
            raise ValidationError(
                Msg(
                    f"{policy_no}：{insurer.code}（{insurer.name}）不是保险机构"
                    f"（{insurer.kind.label.zh}）",
                    f"{policy_no}: {insurer.code} ({insurer.name}) is not an insurer "
                    f"({insurer.kind.label.en})",
                ),
                code="policy.insurer_kind",
            )
        out.append(CoinsuranceShare(insurer_id=insurer.id, share=item.share, lead=item.lead))
    return out


def _share_text(policy: InsurancePolicy) -> list[str]:
    insurers = _insurers(policy, [s.insurer_id for s in policy.shares])
    return [
        f"{insurers[s.insurer_id].code}:{_pct(s.share)}{':lead' if s.lead else ''}"
        for s in _ordered_shares(policy)
    ]


# ---------------------------------------------------------------------------- services


def create_policy(*, session: Session, policy_in: PolicyCreate, actor: str) -> InsurancePolicy:
    """Record a policy with its insured objects and insurers' shares.

    The product (``policy_in.product_key``) must be an insurance product open on the start date
    (its line is the policy's line); objects, sum insured, rate and term are checked against the
    terms in force on the start date. ``rate`` defaults to premium ÷ sum insured; a bound policy's
    ``bound_on`` defaults to its start date.

    Raises:
        Conflict: ``policy.duplicate_no`` — the policy number exists.
        NotFound: unknown or closed product (``product.*``), unregistered USCC, unknown
            institution (``institution.not_found``).
        ValidationError: ``policy.shares_sum`` / ``policy.shares_lead`` /
            ``policy.shares_duplicate`` (see :func:`check_shares`), ``policy.insurer_kind``,
            ``policy.product_kind``, ``policy.line``, ``policy.object_kind``,
            ``policy.object_duplicate``, ``policy.sum_insured_limit``, ``policy.rate_limit``,
            ``policy.term_limit`` (several at once: ``policy.product_terms`` with issues).
    """
    who = _actor(actor)
    number = policy_in.policy_no
    if session.scalar(select(InsurancePolicy.id).where(InsurancePolicy.policy_no == number)):
        raise Conflict(
            Msg(f"保单号 {number} 已存在", f"policy number {number} already exists"),
            code="policy.duplicate_no",
        )
    product = _product(number, policy_in.product_key, policy_in.line, policy_in.start_date)
    rate = (
        policy_in.rate
        if policy_in.rate is not None
        else _default_rate(policy_in.premium, policy_in.sum_insured)
    )
    _check_product_terms(
        number,
        product,
        start=policy_in.start_date,
        end=policy_in.end_date,
        sum_insured=policy_in.sum_insured,
        rate=rate,
        objects=policy_in.objects,
    )
    shares = _shares(session, policy_in.shares, number)
    objects = _objects(session, policy_in.objects, number)
    enterprise: Enterprise | None = None
    institution: Institution | None = None
    if policy_in.uscc:
        enterprise = registry_service.get_by_uscc(session=session, uscc=policy_in.uscc)
    if policy_in.institution_code:
        institution = _institution(session, policy_in.institution_code)
    incubator = (
        _institution(session, policy_in.incubator_code) if policy_in.incubator_code else None
    )
    name = (policy_in.insured_name or "").strip() or (
        enterprise.name if enterprise else institution.name if institution else ""
    )
    assert product.line is not None
    bound = policy_in.status is PolicyStatus.BOUND
    policy = InsurancePolicy(
        policy_no=number,
        product_key=product.key,
        line=InsuranceLine(product.line),
        insured_enterprise_id=enterprise.id if enterprise else None,
        insured_institution_id=institution.id if institution else None,
        insured_name=name,
        sum_insured=policy_in.sum_insured,
        premium=policy_in.premium,
        rate=rate,
        start_date=policy_in.start_date,
        end_date=policy_in.end_date,
        status=policy_in.status,
        bound_on=(policy_in.bound_on or policy_in.start_date) if bound else None,
        pool_key=policy_in.pool_key,
        district_code=policy_in.district_code or (enterprise.district_code if enterprise else None),
        incubator_institution_id=incubator.id if incubator else None,
        shares=shares,
        objects=objects,
    )
    session.add(policy)
    session.flush()
    message = Msg(
        f"{number}：已登记{policy.status.label.zh}保单（{product.name_zh}），保额 "
        f"{format_yuan(policy.sum_insured)}，保费 {format_yuan(policy.premium)}，"
        f"{policy.start_date} 至 {policy.end_date}",
        f"{number}: {policy.status.label.en} policy recorded ({product.name_en}), sum insured "
        f"{format_yuan(policy.sum_insured)}, premium {format_yuan(policy.premium)}, "
        f"{policy.start_date} to {policy.end_date}",
    )
    _history(
        session,
        policy,
        before=None,
        actor=who,
        note=message,
        extra={
            "shares": _share_text(policy),
            "objects": [f"{o.kind.value}:{o.ref}" for o in policy.objects],
        },
    )
    return policy


def bind(*, session: Session, policy: InsurancePolicy, on: dt.date, actor: str) -> InsurancePolicy:
    """Bind (承保) a quoted policy on ``on``.

    Raises:
        Conflict: ``invalid_transition`` — the policy is not quoted.
    """
    who = _actor(actor)
    if policy.status is not PolicyStatus.QUOTED:
        raise _transition(policy, PolicyStatus.BOUND)
    before = _snapshot(policy)
    policy.status = PolicyStatus.BOUND
    policy.bound_on = on
    message = Msg(f"{policy.policy_no}：{on} 承保", f"{policy.policy_no}: bound on {on}")
    _history(session, policy, before=before, actor=who, note=message)
    return policy


def cancel(
    *,
    session: Session,
    policy: InsurancePolicy,
    on: dt.date,
    actor: str,
    reason: str | None = None,
) -> InsurancePolicy:
    """Cancel (退保) a quoted or bound policy; ``on`` is the first day without cover.

    Raises:
        Conflict: ``invalid_transition`` — already cancelled.
        ValidationError: ``policy.backdated`` — ``on`` is before the policy was bound.
    """
    who = _actor(actor)
    if policy.status is PolicyStatus.CANCELLED:
        raise _transition(policy, PolicyStatus.CANCELLED)
    if policy.bound_on is not None and on < policy.bound_on:
        raise ValidationError(
            Msg(
                f"{policy.policy_no}：退保日 {on} 早于承保日 {policy.bound_on}",
                f"{policy.policy_no}: cancellation date {on} is before the binding date "
                f"{policy.bound_on}",
            ),
            code="policy.backdated",
        )
    before = _snapshot(policy)
    policy.status = PolicyStatus.CANCELLED
    policy.cancelled_on = on
    why = (reason or "").strip()
    message = Msg(
        f"{policy.policy_no}：{on} 起退保" + (f"（{why}）" if why else ""),
        f"{policy.policy_no}: cancelled from {on}" + (f" ({why})" if why else ""),
    )
    _history(session, policy, before=before, actor=who, note=message)
    return policy


def renew(
    *,
    session: Session,
    policy: InsurancePolicy,
    renewal: PolicyRenewal,
    actor: str,
) -> InsurancePolicy:
    """Record the next policy year of ``policy`` as a new policy linked to it (``renewal_of``).

    Anything ``renewal`` leaves out is copied (insured party, product, sum insured, premium,
    rate, pool, objects, shares); the term defaults to the year after the old one. The new policy
    goes through :func:`create_policy`'s checks.

    Raises:
        Conflict: ``policy.renew_cancelled`` / ``policy.renew_quoted`` — the old policy is
            cancelled / only quoted; ``policy.already_renewed`` — it already has a renewal that is not cancelled.
        ValidationError: ``policy.renewal_dates`` — the renewal does not start after the old
            policy starts; and whatever :func:`create_policy` raises.
    """
    who = _actor(actor)
    if policy.status is not PolicyStatus.BOUND:
        raise Conflict(
            Msg(
                f"{policy.policy_no} {policy.status.label.zh}，只有已承保的保单可以续保",
                f"{policy.policy_no} is {policy.status.label.en}; only bound policies are renewed",
            ),
            code="policy.renew_cancelled"
            if policy.status is PolicyStatus.CANCELLED
            else "policy.renew_quoted",
        )
    live = [
        p
        for p in renewals_of(session=session, policy=policy)
        if p.status is not PolicyStatus.CANCELLED
    ]
    if live:
        raise Conflict(
            Msg(
                f"{policy.policy_no} 已续保为 {live[0].policy_no}",
                f"{policy.policy_no} is already renewed by {live[0].policy_no}",
            ),
            code="policy.already_renewed",
        )
    start = renewal.start_date or policy.end_date + dt.timedelta(days=1)
    end = renewal.end_date or _one_year_later(start) - dt.timedelta(days=1)
    if start <= policy.start_date:
        raise ValidationError(
            Msg(
                f"续保保单 {renewal.policy_no} 的起保日 {start} 须晚于原保单起保日 {policy.start_date}",
                f"renewal {renewal.policy_no} must start after {policy.start_date} (got {start})",
            ),
            code="policy.renewal_dates",
        )
    insurers = _insurers(policy, [s.insurer_id for s in policy.shares])
    institution = _institution_by_id(session, policy.insured_institution_id)
    incubator = _institution_by_id(session, policy.incubator_institution_id)
    objects = renewal.objects or [
        InsuredObjectIn(
            kind=o.kind,
            ref=o.ref,
            name=o.name,
            uscc=_uscc_of(session, o.enterprise_id),
            sum_insured=o.sum_insured,
        )
        for o in policy.objects
    ]
    shares = renewal.shares or [
        ShareIn(insurer_code=insurers[s.insurer_id].code, share=s.share, lead=s.lead)
        for s in _ordered_shares(policy)
    ]
    premium = renewal.premium if renewal.premium is not None else policy.premium
    sum_insured = renewal.sum_insured if renewal.sum_insured is not None else policy.sum_insured
    rate = renewal.rate
    if rate is None:
        rate = policy.rate if renewal.premium is None and renewal.sum_insured is None else None
    policy_in = PolicyCreate(
        policy_no=renewal.policy_no,
        product_key=renewal.product_key or policy.product_key,
        line=policy.line,
        uscc=_uscc_of(session, policy.insured_enterprise_id),
        institution_code=institution.code if institution else None,
        insured_name=policy.insured_name,
        sum_insured=sum_insured,
        premium=premium,
        rate=rate,
        start_date=start,
        end_date=end,
        status=renewal.status,
        pool_key=policy.pool_key,
        district_code=policy.district_code,
        incubator_code=incubator.code if incubator else None,
        objects=objects,
        shares=shares,
    )
    new = create_policy(session=session, policy_in=policy_in, actor=who)
    before = _snapshot(new)
    new.renewal_of_id = policy.id
    gap = (start - policy.end_date).days - 1
    continuity = (
        Msg("保障连续", "cover is continuous")
        if gap <= 0
        else Msg(f"与原保单间隔 {gap} 天", f"a gap of {gap} day(s) after the old policy")
    )
    message = Msg(
        f"{new.policy_no}：续保 {policy.policy_no}（{start} 至 {end}；{continuity.zh}）",
        f"{new.policy_no}: renews {policy.policy_no} ({start} to {end}; {continuity.en})",
    )
    _history(session, new, before=before, actor=who, note=message)
    return new


def _uscc_of(session: Session, enterprise_id: int | None) -> str | None:
    ent = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    return ent.uscc if ent is not None else None


def _institution_by_id(session: Session, institution_id: int | None) -> Institution | None:
    return session.get(Institution, institution_id) if institution_id is not None else None


def _one_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28) + dt.timedelta(days=1)


def _transition(policy: InsurancePolicy, to: PolicyStatus) -> Conflict:
    return Conflict(
        Msg(
            f"保单 {policy.policy_no} 不能从“{policy.status.label.zh}”变为“{to.label.zh}”",
            f"policy {policy.policy_no} cannot go from {policy.status.label.en} to {to.label.en}",
        ),
        code="invalid_transition",
    )


# ---------------------------------------------------------------------------- display


def policy_dict(*, session: Session, policy: InsurancePolicy, on: dt.date) -> dict[str, Any]:
    """A policy with its status on ``on``, objects, shares with allocations and renewal links,
    JSON-ready (amounts as text)."""
    state = status_on(policy, on)
    premium = {a.insurer_code: a for a in allocate_premium(policy)}
    cover = {a.insurer_code: a for a in allocate_sum_insured(policy)}
    enterprise = (
        session.get(Enterprise, policy.insured_enterprise_id)
        if policy.insured_enterprise_id
        else None
    )
    renewal_of = (
        session.get(InsurancePolicy, policy.renewal_of_id) if policy.renewal_of_id else None
    )
    return {
        "policy_no": policy.policy_no,
        "product_key": policy.product_key,
        "line": policy.line.value,
        "line_zh": policy.line.label.zh,
        "line_en": policy.line.label.en,
        "insured_name": policy.insured_name,
        "insured_uscc": enterprise.uscc if enterprise else None,
        "sum_insured": str(policy.sum_insured),
        "premium": str(policy.premium),
        "rate": str(policy.rate.normalize()),
        "start_date": policy.start_date.isoformat(),
        "end_date": policy.end_date.isoformat(),
        "status": policy.status.value,
        "as_of": on.isoformat(),
        "status_on": state.value,
        "status_on_zh": state.label.zh,
        "status_on_en": state.label.en,
        "bound_on": json_value(policy.bound_on),
        "cancelled_on": json_value(policy.cancelled_on),
        "pool_key": policy.pool_key,
        "renewal_of": renewal_of.policy_no if renewal_of else None,
        "renewed_by": [p.policy_no for p in renewals_of(session=session, policy=policy)],
        "objects": [
            {
                "kind": o.kind.value,
                "kind_zh": o.kind.label.zh,
                "ref": o.ref,
                "name": o.name,
                "sum_insured": None if o.sum_insured is None else str(o.sum_insured),
            }
            for o in policy.objects
        ],
        "shares": [
            {
                **premium[code].as_dict(),
                "premium": str(premium[code].amount),
                "sum_insured": str(cover[code].amount),
            }
            for code in premium
        ],
    }
