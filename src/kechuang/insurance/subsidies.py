"""Premium subsidies on insurance policies (保费补贴): compute and explain → apply → maker-checker
approval → payment.

The rule is the product's premium-subsidy rule (:class:`kechuang.products.schemas.SubsidyRule`,
``kind: premium_subsidy``) in the terms version in force on the **policy's start date**. The
subsidy is computed in this order, each step one line of the explanation:

1. ``product`` — the policy's product is in the catalogue and open on the start date;
2. ``policy_status`` — the policy is bound (a quoted or cancelled policy gets nothing);
3. ``subsidy_rule`` — the terms carry a premium-subsidy rule;
4. ``eligibility.*`` — ``no_serious_dishonesty`` (the insured enterprise is not on the
   serious-dishonesty list, as recorded now) and ``size_classes``, where the product or rule
   asks for them;
5. ``rate_cap`` — the premium the subsidy is computed on: ``min(premium, rate_cap × sum
   insured)``, i.e. the premium at ``min(rate, cap)`` (a first-of-kind policy at 3.2% is
   subsidised as if priced at 3%);
6. ``share`` — ``share × that premium``, to the fen (``ROUND_HALF_UP``);
7. ``per_policy_cap`` — at most ``cap_per_policy`` (clinical trial: 50万);
8. ``equipment_key`` / ``years_cap`` — where the rule limits years (first-of-kind: 3), the
   equipment set is named (default: the policy's only ``equipment_set`` object) and the years
   already subsidised for it are counted: other policies with an **approved or paid** subsidy
   for the same equipment key. Reaching the limit refuses the application (a fourth year);
9. ``continuous_cover`` — where the rule requires it: no day without cover (by any bound
   policy insuring the equipment) between the previous subsidised policy year and this one;
10. ``one_per_policy`` — a policy has at most one live (applied, approved or paid) subsidy.

A line's ``effect`` is ``ok``, ``applied``, ``capped``, ``refused`` or ``not_applicable``; any
``refused`` line makes the application ineligible (amount 0). Lines carry the reference and
status of the term applied; a term that is not confirmed says so in the message (参数待核实 /
示例参数，非正式条款).

Workflow (anything else raises :class:`~kechuang.core.errors.Conflict` ``invalid_transition``)::

    applied ──(maker, then a different checker)──► approved ──(payment_ref)──► paid
       └──────────────────(reject, with a reason)──► rejected

The checker's approval recomputes the decision (the years and continuity checks see every
subsidy approved meanwhile; on PostgreSQL approvals for one equipment key are serialised) and
stores the fresh amount and explanation. Services never commit; every change writes a
:class:`~kechuang.storage.history.ChangeHistory` row (table ``premium_subsidy``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, Issue, KechuangError, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import format_yuan, quantize_fen
from kechuang.insurance.enums import InsuredObjectKind, PolicyStatus, SubsidyStatus
from kechuang.insurance.models import InsurancePolicy, InsuredObject, PremiumSubsidy
from kechuang.insurance.policies import status_on
from kechuang.products import catalog as product_catalog
from kechuang.products.schemas import (
    STATUS_FLAGS,
    Product,
    ProductTerms,
    SubsidyKind,
    SubsidyRule,
)
from kechuang.registry.models import Enterprise
from kechuang.storage.history import ChangeHistory, diff, json_value

__all__ = [
    "COUNTS_AS_SUBSIDISED",
    "EFFECTS",
    "LIVE",
    "TRANSITIONS",
    "RuleLine",
    "SubsidyDecision",
    "apply",
    "approve",
    "compute_subsidy",
    "get_by_subsidy_no",
    "list_for_policy",
    "pay",
    "reject",
    "subsidy_dict",
    "total_subsidised",
]

ZERO: Final = Decimal("0.00")

EFFECTS: Final = ("ok", "applied", "capped", "refused", "not_applicable")
"""What one rule did to the subsidy."""

TRANSITIONS: Final[dict[SubsidyStatus, frozenset[SubsidyStatus]]] = {
    SubsidyStatus.APPLIED: frozenset({SubsidyStatus.APPROVED, SubsidyStatus.REJECTED}),
    SubsidyStatus.APPROVED: frozenset({SubsidyStatus.PAID}),
    SubsidyStatus.REJECTED: frozenset(),
    SubsidyStatus.PAID: frozenset(),
}
"""Allowed subsidy status changes (from → {to})."""

COUNTS_AS_SUBSIDISED: Final = (SubsidyStatus.APPROVED, SubsidyStatus.PAID)
"""Subsidies that count as a subsidised year of their equipment."""

LIVE: Final = (SubsidyStatus.APPLIED, SubsidyStatus.APPROVED, SubsidyStatus.PAID)
"""Subsidies that block another one on the same policy."""


# ---------------------------------------------------------------------------- explanations


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule as applied to a subsidy.

    Attributes:
        rule: stable name (``rate_cap``, ``share``, ``per_policy_cap``, ``years_cap`` …).
        observed: what the policy shows.
        required: what the rule requires or does.
        effect: ``ok``, ``applied``, ``capped``, ``refused`` or ``not_applicable``.
        message: bilingual explanation (flags a term that is not confirmed).
        reference: reference of the term applied (empty for a system check).
        status: ``confirmed`` / ``unverified`` / ``illustrative`` (empty for a system check).
    """

    rule: str
    observed: str
    required: str
    effect: str
    message: Msg
    reference: str = ""
    status: str = ""

    @property
    def refused(self) -> bool:
        """Whether this rule makes the application ineligible."""
        return self.effect == "refused"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (as stored in ``PremiumSubsidy.explanation``)."""
        return {
            "rule": self.rule,
            "observed": self.observed,
            "required": self.required,
            "effect": self.effect,
            "reference": self.reference,
            "status": self.status,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """A subsidy computed for a policy, with every rule applied.

    Attributes:
        policy_no: the policy.
        product_key: its product.
        rule_key: the subsidy rule applied (``None``: none found).
        terms_from: first day of the terms version applied (in force on the policy's start).
        on: the business date (application, approval …).
        equipment_key: the equipment set the years are counted for, if any.
        eligible: no rule refused.
        premium: the policy's premium.
        base: the premium the subsidy is computed on (after the rate cap).
        amount: the subsidy, 元 (0 when not eligible).
        lines: every rule applied, in order.
        message: one-line bilingual summary.
        action: ``computed``, ``applied``, ``maker_recorded``, ``approved``, ``rejected`` or
            ``paid``.
        subsidy: the stored application (for actions other than ``computed``).
    """

    policy_no: str
    product_key: str
    rule_key: str | None
    terms_from: dt.date | None
    on: dt.date
    equipment_key: str | None
    eligible: bool
    premium: Decimal
    base: Decimal
    amount: Decimal
    lines: tuple[RuleLine, ...]
    message: Msg
    action: str = "computed"
    subsidy: PremiumSubsidy | None = field(default=None, compare=False)

    @property
    def explanation(self) -> list[dict[str, Any]]:
        """The lines, JSON-ready."""
        return [line.as_dict() for line in self.lines]

    @property
    def refusals(self) -> list[RuleLine]:
        """Lines that refused the subsidy."""
        return [line for line in self.lines if line.refused]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "action": self.action,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
            "policy_no": self.policy_no,
            "product_key": self.product_key,
            "rule_key": self.rule_key,
            "terms_from": json_value(self.terms_from),
            "on": self.on.isoformat(),
            "equipment_key": self.equipment_key,
            "eligible": self.eligible,
            "premium": str(self.premium),
            "base": str(self.base),
            "amount": str(self.amount),
            "explanation": self.explanation,
            "subsidy": None if self.subsidy is None else subsidy_dict(self.subsidy),
        }


def subsidy_dict(subsidy: PremiumSubsidy) -> dict[str, Any]:
    """The stored fields of a subsidy, JSON-ready."""
    return {
        "subsidy_no": subsidy.subsidy_no,
        "policy_id": subsidy.policy_id,
        "equipment_key": subsidy.equipment_key,
        "applied_on": subsidy.applied_on.isoformat(),
        "applicant": subsidy.applicant,
        "amount": str(subsidy.amount),
        "status": subsidy.status.value,
        "status_zh": subsidy.status.label.zh,
        "status_en": subsidy.status.label.en,
        "maker": subsidy.maker,
        "checker": subsidy.checker,
        "approved_on": json_value(subsidy.approved_on),
        "rejection_reason": subsidy.rejection_reason,
        "paid_on": json_value(subsidy.paid_on),
        "payment_ref": subsidy.payment_ref,
        "explanation": subsidy.explanation,
    }


# ---------------------------------------------------------------------------- computing


def _pct(value: Decimal) -> str:
    return f"{format((value * 100).normalize(), 'f')}%"


def _flag(status: str) -> Msg:
    """Suffix flagging a term that is not confirmed."""
    if status in ("unverified", "illustrative"):
        flag = STATUS_FLAGS[status]
        return Msg(f"（{flag.zh}）", f" ({flag.en})")
    return Msg("", "")


def _line(
    rule: str,
    observed: str,
    required: str,
    effect: str,
    message: Msg,
    *,
    reference: str = "",
    status: str = "",
) -> RuleLine:
    flag = _flag(status)
    return RuleLine(
        rule,
        observed,
        required,
        effect,
        Msg(message.zh + flag.zh, message.en + flag.en),
        reference,
        status,
    )


def _premium_rule(terms: ProductTerms) -> SubsidyRule | None:
    for rule in terms.subsidies:
        if rule.kind is SubsidyKind.PREMIUM_SUBSIDY:
            return rule
    return None


def _equipment_refs(policy: InsurancePolicy) -> list[str]:
    return [o.ref for o in policy.objects if o.kind is InsuredObjectKind.EQUIPMENT_SET]


def _subsidised_policies(
    session: Session, key: str, *, exclude_policy: int
) -> list[InsurancePolicy]:
    """Other policies with an approved or paid subsidy for equipment ``key``."""
    ids = select(PremiumSubsidy.policy_id).where(
        PremiumSubsidy.equipment_key == key,
        PremiumSubsidy.status.in_(COUNTS_AS_SUBSIDISED),
        PremiumSubsidy.policy_id != exclude_policy,
    )
    return list(
        session.scalars(
            select(InsurancePolicy)
            .where(InsurancePolicy.id.in_(ids))
            .order_by(InsurancePolicy.start_date, InsurancePolicy.id)
        )
    )


def _cover_intervals(session: Session, key: str) -> list[tuple[dt.date, dt.date]]:
    """Days covered by bound policies insuring equipment ``key`` (a cancelled policy up to the
    day before its cancellation took effect)."""
    rows = session.scalars(
        select(InsurancePolicy)
        .join(InsuredObject, InsuredObject.policy_id == InsurancePolicy.id)
        .where(
            InsuredObject.kind == InsuredObjectKind.EQUIPMENT_SET,
            InsuredObject.ref == key,
            InsurancePolicy.status.in_((PolicyStatus.BOUND, PolicyStatus.CANCELLED)),
        )
    )
    out: list[tuple[dt.date, dt.date]] = []
    for p in rows:
        end = p.end_date
        if p.status is PolicyStatus.CANCELLED:
            if p.bound_on is None or p.cancelled_on is None:
                continue
            end = min(end, p.cancelled_on - dt.timedelta(days=1))
        if end >= p.start_date:
            out.append((p.start_date, end))
    return sorted(out)


def _first_gap(
    intervals: Sequence[tuple[dt.date, dt.date]], start: dt.date, stop: dt.date
) -> dt.date | None:
    """First day in ``[start, stop)`` covered by none of ``intervals`` (``None``: no gap)."""
    cursor = start
    while cursor < stop:
        ends = [e for s, e in intervals if s <= cursor <= e]
        if not ends:
            return cursor
        cursor = max(ends) + dt.timedelta(days=1)
    return None


def compute_subsidy(
    *,
    session: Session,
    policy: InsurancePolicy,
    equipment_key: str | None = None,
    on: dt.date,
    exclude_subsidy_id: int | None = None,
) -> SubsidyDecision:
    """Compute and explain the premium subsidy of ``policy`` (nothing is written).

    ``equipment_key`` names the equipment set whose subsidised years are counted (default: the
    policy's only ``equipment_set`` object). ``exclude_subsidy_id`` leaves one stored subsidy
    out of the one-per-policy check (used when it is being approved).
    """
    lines: list[RuleLine] = []
    premium = policy.premium
    summary_no = policy.policy_no

    def done(
        rule: SubsidyRule | None,
        terms_from: dt.date | None,
        key: str | None,
        base: Decimal,
        amount: Decimal,
    ) -> SubsidyDecision:
        eligible = not any(line.refused for line in lines)
        final = amount if eligible else ZERO
        if eligible:
            message = Msg(
                f"{summary_no}：保费补贴 {format_yuan(final)}（保费 {format_yuan(premium)}，"
                f"补贴基数 {format_yuan(base)}）",
                f"{summary_no}: premium subsidy {format_yuan(final)} (premium "
                f"{format_yuan(premium)}, subsidised premium {format_yuan(base)})",
            )
        else:
            why_zh = "；".join(line.message.zh for line in lines if line.refused)
            why_en = "; ".join(line.message.en for line in lines if line.refused)
            message = Msg(
                f"{summary_no}：不予补贴：{why_zh}", f"{summary_no}: no subsidy: {why_en}"
            )
        return SubsidyDecision(
            policy_no=policy.policy_no,
            product_key=policy.product_key,
            rule_key=None if rule is None else rule.key,
            terms_from=terms_from,
            on=on,
            equipment_key=key,
            eligible=eligible,
            premium=premium,
            base=base,
            amount=final,
            lines=tuple(lines),
            message=message,
        )

    # 1. product and terms in force on the start date
    product: Product | None
    try:
        product = product_catalog.get(policy.product_key)
    except KechuangError:
        product = None
    terms = None if product is None else product.terms_at(policy.start_date)
    if product is None or terms is None:
        lines.append(
            _line(
                "product",
                policy.product_key,
                "open on the start date",
                "refused",
                Msg(
                    f"产品 {policy.product_key} 不在目录中或在起保日 {policy.start_date} 未开办",
                    f"product {policy.product_key} is unknown or not open on the start date "
                    f"{policy.start_date}",
                ),
                reference="" if product is None else product.reference,
                status="" if product is None else product.status,
            )
        )
        return done(None, None, equipment_key, ZERO, ZERO)
    lines.append(
        _line(
            "product",
            f"{product.key} / {policy.start_date}",
            f"terms from {terms.valid_from}",
            "ok",
            Msg(
                f"适用产品 {product.name_zh} 自 {terms.valid_from} 起生效的条款（按起保日 "
                f"{policy.start_date}）",
                f"applies the terms of {product.name_en} in force from {terms.valid_from} "
                f"(the policy's start date is {policy.start_date})",
            ),
            reference=product.reference,
            status=product.status,
        )
    )

    # 2. recorded status
    state = status_on(policy, on)
    bound = policy.status is PolicyStatus.BOUND
    lines.append(
        _line(
            "policy_status",
            policy.status.value,
            "bound",
            "ok" if bound else "refused",
            Msg(
                f"保单状态：{policy.status.label.zh}（{on} 为{state.label.zh}）"
                + ("" if bound else "，已报价未承保或已退保的保单不予补贴"),
                f"policy status: {policy.status.label.en} ({state.label.en} on {on})"
                + ("" if bound else "; quoted or cancelled policies are not subsidised"),
            ),
        )
    )

    # 3. the rule
    rule = _premium_rule(terms)
    if rule is None:
        lines.append(
            _line(
                "subsidy_rule",
                "—",
                "premium_subsidy",
                "refused",
                Msg(
                    f"产品 {product.key} 自 {terms.valid_from} 起的条款未规定保费补贴",
                    f"product {product.key}'s terms from {terms.valid_from} carry no premium subsidy",
                ),
                reference=product.reference,
                status=product.status,
            )
        )
        return done(None, terms.valid_from, equipment_key, ZERO, ZERO)
    lines.append(
        _line(
            "subsidy_rule",
            rule.key,
            rule.display("zh"),
            "ok",
            Msg(f"补贴规则：{rule.display('zh')}", f"subsidy rule: {rule.display('en')}"),
            reference=rule.reference,
            status=rule.status,
        )
    )

    # 4. eligibility of the insured
    lines.extend(_eligibility(session, policy, terms, rule))

    # 5. rate cap → the premium subsidised
    base = premium
    if rule.rate_cap is not None:
        cap = rule.rate_cap
        at_cap = quantize_fen(cap * policy.sum_insured)
        base = min(premium, at_cap)
        if base < premium:
            lines.append(
                _line(
                    "rate_cap",
                    _pct(policy.rate),
                    f"<= {_pct(cap)}",
                    "capped",
                    Msg(
                        f"实际费率 {_pct(policy.rate)}（保费 {format_yuan(premium)}）高于 "
                        f"{_pct(cap)}：按 {_pct(cap)} × 保额 {format_yuan(policy.sum_insured)} = "
                        f"{format_yuan(at_cap)} 计算补贴基数",
                        f"the rate {_pct(policy.rate)} (premium {format_yuan(premium)}) is above "
                        f"{_pct(cap)}: the subsidy is computed on {_pct(cap)} × sum insured "
                        f"{format_yuan(policy.sum_insured)} = {format_yuan(at_cap)}",
                    ),
                    reference=rule.reference,
                    status=rule.status,
                )
            )
        else:
            lines.append(
                _line(
                    "rate_cap",
                    _pct(policy.rate),
                    f"<= {_pct(cap)}",
                    "ok",
                    Msg(
                        f"实际费率 {_pct(policy.rate)} 不高于 {_pct(cap)}（保费 "
                        f"{format_yuan(premium)} 不超过 {_pct(cap)} × 保额 {format_yuan(at_cap)}）："
                        "按保费计算",
                        f"the rate {_pct(policy.rate)} is at most {_pct(cap)} (premium "
                        f"{format_yuan(premium)} within {_pct(cap)} × sum insured = "
                        f"{format_yuan(at_cap)}): the premium is subsidised",
                    ),
                    reference=rule.reference,
                    status=rule.status,
                )
            )

    # 6. share
    raw = quantize_fen(base * rule.share)
    lines.append(
        _line(
            "share",
            str(base),
            _pct(rule.share),
            "applied",
            Msg(
                f"补贴 {_pct(rule.share)} × {format_yuan(base)} = {format_yuan(raw)}（四舍五入到分）",
                f"subsidy {_pct(rule.share)} × {format_yuan(base)} = {format_yuan(raw)} "
                "(rounded half up to the fen)",
            ),
            reference=rule.reference,
            status=rule.status,
        )
    )

    # 7. per-policy cap
    amount = raw
    if rule.cap_per_policy is not None:
        cap_amount = rule.cap_per_policy
        capped = raw > cap_amount
        amount = min(raw, cap_amount)
        lines.append(
            _line(
                "per_policy_cap",
                str(raw),
                f"<= {cap_amount}",
                "capped" if capped else "ok",
                Msg(
                    f"每张保单上限 {format_yuan(cap_amount)}："
                    + (f"{format_yuan(raw)} 核减为 {format_yuan(amount)}" if capped else "未触及"),
                    f"cap per policy {format_yuan(cap_amount)}: "
                    + (
                        f"{format_yuan(raw)} reduced to {format_yuan(amount)}"
                        if capped
                        else "not binding"
                    ),
                ),
                reference=rule.reference,
                status=rule.status,
            )
        )

    # 8–9. equipment years and continuity
    key = (equipment_key or "").strip() or None
    needs_key = rule.max_years is not None or "continuous_cover" in rule.conditions
    if needs_key:
        key, key_line = _equipment_line(policy, key, rule)
        lines.append(key_line)
        if key is not None:
            prior = _subsidised_policies(session, key, exclude_policy=policy.id)
            if rule.max_years is not None:
                lines.append(_years_line(key, prior, rule))
            if "continuous_cover" in rule.conditions:
                lines.append(_continuity_line(session, policy, key, prior, rule))

    # 10. one subsidy per policy
    others = select(PremiumSubsidy.subsidy_no).where(
        PremiumSubsidy.policy_id == policy.id, PremiumSubsidy.status.in_(LIVE)
    )
    if exclude_subsidy_id is not None:
        others = others.where(PremiumSubsidy.id != exclude_subsidy_id)
    existing = list(session.scalars(others))
    lines.append(
        _line(
            "one_per_policy",
            ", ".join(existing) or "—",
            "none",
            "refused" if existing else "ok",
            Msg(
                f"该保单已有补贴申请 {'、'.join(existing)}"
                if existing
                else "该保单尚无其他补贴申请",
                f"the policy already has subsidy {', '.join(existing)}"
                if existing
                else "no other subsidy on this policy",
            ),
        )
    )
    return done(rule, terms.valid_from, key, base, amount)


def _eligibility(
    session: Session, policy: InsurancePolicy, terms: ProductTerms, rule: SubsidyRule
) -> list[RuleLine]:
    out: list[RuleLine] = []
    enterprise = (
        session.get(Enterprise, policy.insured_enterprise_id)
        if policy.insured_enterprise_id is not None
        else None
    )
    el = terms.eligibility
    if (el.no_serious_dishonesty is not None and el.no_serious_dishonesty.value) or (
        "no_serious_dishonesty" in rule.conditions
    ):
        ref, status = (
            (el.no_serious_dishonesty.reference, el.no_serious_dishonesty.status)
            if el.no_serious_dishonesty is not None
            else (rule.reference, rule.status)
        )
        if enterprise is None:
            out.append(
                _line(
                    "eligibility.no_serious_dishonesty",
                    "—",
                    "not listed",
                    "not_applicable",
                    Msg(
                        "被保险人不是企业库中的企业，不核对失信名单",
                        "the insured is not a registered enterprise; the list is not checked",
                    ),
                    reference=ref,
                    status=status,
                )
            )
        else:
            listed = enterprise.on_dishonesty_list
            out.append(
                _line(
                    "eligibility.no_serious_dishonesty",
                    "listed" if listed else "not listed",
                    "not listed",
                    "refused" if listed else "ok",
                    Msg(
                        f"{enterprise.name} {'已' if listed else '未'}被列入严重失信主体名单（按当前记录）",
                        f"{enterprise.name} is {'' if listed else 'not '}on the serious-dishonesty "
                        "list (as recorded now)",
                    ),
                    reference=ref,
                    status=status,
                )
            )
    if el.size_classes is not None and enterprise is not None:
        allowed = el.size_classes.value
        size = enterprise.size_class
        ok = size is not None and size in allowed
        out.append(
            _line(
                "eligibility.size_classes",
                size.value if size is not None else "—",
                ", ".join(s.value for s in allowed),
                "ok" if ok else "refused",
                Msg(
                    f"企业规模：{size.label.zh if size else '未登记'}，须为"
                    + "、".join(s.label.zh for s in allowed),
                    f"size class: {size.label.en if size else 'not recorded'}; must be one of "
                    + ", ".join(s.label.en for s in allowed),
                ),
                reference=el.size_classes.reference,
                status=el.size_classes.status,
            )
        )
    return out


def _equipment_line(
    policy: InsurancePolicy, key: str | None, rule: SubsidyRule
) -> tuple[str | None, RuleLine]:
    refs = _equipment_refs(policy)
    if key is None and len(refs) == 1:
        key = refs[0]
    if key is None:
        return None, _line(
            "equipment_key",
            ", ".join(refs) or "—",
            "one equipment set",
            "refused",
            Msg(
                "须指明按哪一台（套）装备计算补贴年限（保单未承保或承保多台装备：用 --equipment 指定）",
                "name the equipment set whose subsidised years are counted (the policy insures "
                "none or several: pass --equipment)",
            ),
            reference=rule.reference,
            status=rule.status,
        )
    if key not in refs:
        return key, _line(
            "equipment_key",
            key,
            ", ".join(refs) or "—",
            "refused",
            Msg(
                f"装备 {key} 不是本保单的保险标的",
                f"equipment {key} is not insured by this policy",
            ),
            reference=rule.reference,
            status=rule.status,
        )
    return key, _line(
        "equipment_key",
        key,
        ", ".join(refs),
        "ok",
        Msg(f"按装备 {key} 计算补贴年限", f"years are counted for equipment {key}"),
        reference=rule.reference,
        status=rule.status,
    )


def _years_line(key: str, prior: Sequence[InsurancePolicy], rule: SubsidyRule) -> RuleLine:
    assert rule.max_years is not None
    used = len(prior)
    ok = used < rule.max_years
    listed = ", ".join(p.policy_no for p in prior) or "—"
    return _line(
        "years_cap",
        str(used),
        f"< {rule.max_years}",
        "ok" if ok else "refused",
        Msg(
            f"装备 {key} 已获补贴 {used} 年（{listed}），最长 {rule.max_years} 年："
            + (f"本年为第 {used + 1} 年" if ok else f"第 {used + 1} 年不予补贴"),
            f"equipment {key} has been subsidised for {used} year(s) ({listed}), at most "
            f"{rule.max_years}: "
            + (f"this is year {used + 1}" if ok else f"a year {used + 1} is refused"),
        ),
        reference=rule.reference,
        status=rule.status,
    )


def _continuity_line(
    session: Session,
    policy: InsurancePolicy,
    key: str,
    prior: Sequence[InsurancePolicy],
    rule: SubsidyRule,
) -> RuleLine:
    earlier = [p for p in prior if p.start_date < policy.start_date]
    if not earlier:
        return _line(
            "continuous_cover",
            "—",
            "no gap",
            "ok",
            Msg(
                f"装备 {key} 此前无获补贴年度，连续投保自本保单起算",
                f"no earlier subsidised year for equipment {key}; continuity starts here",
            ),
            reference=rule.reference,
            status=rule.status,
        )
    last = max(earlier, key=lambda p: (p.end_date, p.id))
    gap = _first_gap(
        _cover_intervals(session, key),
        last.end_date + dt.timedelta(days=1),
        policy.start_date,
    )
    if gap is None:
        return _line(
            "continuous_cover",
            f"{last.policy_no} → {policy.policy_no}",
            "no gap",
            "ok",
            Msg(
                f"自上一获补贴保单 {last.policy_no}（至 {last.end_date}）起连续投保",
                f"cover continuous since the last subsidised policy {last.policy_no} "
                f"(to {last.end_date})",
            ),
            reference=rule.reference,
            status=rule.status,
        )
    return _line(
        "continuous_cover",
        f"gap from {gap}",
        "no gap",
        "refused",
        Msg(
            f"未连续投保：上一获补贴保单 {last.policy_no} 于 {last.end_date} 到期，{gap} 起无保障",
            f"cover is not continuous: the last subsidised policy {last.policy_no} ended "
            f"{last.end_date}, no cover from {gap}",
        ),
        reference=rule.reference,
        status=rule.status,
    )


# ---------------------------------------------------------------------------- look-ups


def get_by_subsidy_no(*, session: Session, subsidy_no: str) -> PremiumSubsidy:
    """The subsidy with this number; :class:`NotFound` (``subsidy.not_found``) if none."""
    row = session.scalars(
        select(PremiumSubsidy).where(PremiumSubsidy.subsidy_no == subsidy_no.strip())
    ).one_or_none()
    if row is None:
        raise NotFound(
            Msg(f"没有编号为 {subsidy_no} 的保费补贴", f"no premium subsidy {subsidy_no}"),
            code="subsidy.not_found",
        )
    return row


def list_for_policy(*, session: Session, policy: InsurancePolicy) -> list[PremiumSubsidy]:
    """Subsidies on ``policy``, oldest first."""
    return list(
        session.scalars(
            select(PremiumSubsidy)
            .where(PremiumSubsidy.policy_id == policy.id)
            .order_by(PremiumSubsidy.applied_on, PremiumSubsidy.id)
        )
    )


# ---------------------------------------------------------------------------- internals

_FIELDS: Final = (
    "status",
    "amount",
    "equipment_key",
    "maker",
    "checker",
    "approved_on",
    "rejection_reason",
    "paid_on",
    "payment_ref",
)


def _snapshot(subsidy: PremiumSubsidy) -> dict[str, Any]:
    return {f: getattr(subsidy, f) for f in _FIELDS}


def _history(
    session: Session,
    subsidy: PremiumSubsidy,
    *,
    before: dict[str, Any] | None,
    actor: str,
    note: Msg,
) -> None:
    session.flush()
    changes = diff(before, _snapshot(subsidy))
    changes["decision"] = [None, note.both()]
    session.add(
        ChangeHistory(
            table_name="premium_subsidy",
            record_id=subsidy.id,
            record_key=subsidy.subsidy_no,
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


def _require(subsidy: PremiumSubsidy, to: SubsidyStatus) -> None:
    if to not in TRANSITIONS[subsidy.status]:
        raise Conflict(
            Msg(
                f"保费补贴 {subsidy.subsidy_no} 不能从“{subsidy.status.label.zh}”变为“{to.label.zh}”",
                f"premium subsidy {subsidy.subsidy_no} cannot go from {subsidy.status.label.en} "
                f"to {to.label.en}",
            ),
            code="invalid_transition",
        )


def _not_before(subsidy: PremiumSubsidy, on: dt.date, since: dt.date | None, what: Msg) -> None:
    if since is not None and on < since:
        raise ValidationError(
            Msg(
                f"保费补贴 {subsidy.subsidy_no}：日期 {on} 早于{what.zh}日期 {since}",
                f"premium subsidy {subsidy.subsidy_no}: {on} is before the {what.en} date {since}",
            ),
            code="subsidy.backdated",
        )


def _ineligible(decision: SubsidyDecision) -> ValidationError:
    return ValidationError(
        decision.message,
        code="subsidy.ineligible",
        issues=[
            Issue(
                rule=f"subsidy.{line.rule}",
                column=line.rule,
                value=line.observed,
                message=line.message,
            )
            for line in decision.refusals
        ],
    )


def _policy_of(session: Session, subsidy: PremiumSubsidy) -> InsurancePolicy:
    policy = session.get(InsurancePolicy, subsidy.policy_id)
    if policy is None:  # pragma: no cover - foreign key
        raise NotFound(Msg("补贴对应的保单不存在", "the subsidy's policy does not exist"))
    return policy


def _lock_equipment(session: Session, key: str | None) -> None:
    """Serialise approvals for one equipment key (PostgreSQL advisory lock, released at commit)."""
    if key is None or session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time
    digest = hashlib.sha256(f"kechuang.premium_subsidy:{key}".encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:k)"),
        {"k": int.from_bytes(digest[:8], "big", signed=True)},
    )


# ---------------------------------------------------------------------------- services


def apply(
    *,
    session: Session,
    policy: InsurancePolicy,
    subsidy_no: str,
    applicant: str,
    on: dt.date,
    equipment_key: str | None = None,
) -> SubsidyDecision:
    """Apply for the premium subsidy of ``policy``: computed, explained and stored as ``applied``.

    Raises:
        ValidationError: ``subsidy.number`` (1–60 characters), ``actor_required`` (no
            applicant), ``subsidy.ineligible`` with one issue per refusing rule (e.g. a fourth
            subsidised year for the same equipment, a quoted or cancelled policy).
        Conflict: ``subsidy.duplicate_no`` — the number exists; ``subsidy.duplicate`` — the
            policy already has a live subsidy.
    """
    who = _actor(applicant)
    number = (subsidy_no or "").strip()
    if not number or len(number) > 60:
        raise ValidationError(
            Msg("补贴编号须为 1–60 个字符", "a subsidy number has 1–60 characters"),
            code="subsidy.number",
        )
    if session.scalar(select(PremiumSubsidy.id).where(PremiumSubsidy.subsidy_no == number)):
        raise Conflict(
            Msg(f"补贴编号 {number} 已存在", f"subsidy number {number} already exists"),
            code="subsidy.duplicate_no",
        )
    decision = compute_subsidy(session=session, policy=policy, equipment_key=equipment_key, on=on)
    if any(line.rule == "one_per_policy" and line.refused for line in decision.lines):
        raise Conflict(decision.message, code="subsidy.duplicate")
    if not decision.eligible:
        raise _ineligible(decision)
    subsidy = PremiumSubsidy(
        subsidy_no=number,
        policy_id=policy.id,
        equipment_key=decision.equipment_key,
        applied_on=on,
        applicant=who,
        amount=decision.amount,
        explanation=decision.explanation,
        status=SubsidyStatus.APPLIED,
    )
    session.add(subsidy)
    message = Msg(
        f"{number}：{who} 申请保单 {policy.policy_no} 的保费补贴 {format_yuan(decision.amount)}",
        f"{number}: {who} applied for a premium subsidy of {format_yuan(decision.amount)} on "
        f"policy {policy.policy_no}",
    )
    _history(session, subsidy, before=None, actor=who, note=message)
    return replace(decision, action="applied", message=message, subsidy=subsidy)


def approve(
    *, session: Session, subsidy: PremiumSubsidy, actor: str, on: dt.date
) -> SubsidyDecision:
    """Maker-checker approval: the first call records the maker, the second (a different user)
    approves. The checker's call recomputes the subsidy and stores the amount and explanation.

    Raises:
        Conflict: ``maker_checker`` — the checker is the maker; ``invalid_transition`` — the
            subsidy is not applied.
        ValidationError: ``subsidy.backdated`` — before the application; ``subsidy.ineligible``
            — the recomputation refuses it (e.g. the equipment's years were used up meanwhile;
            nothing is written).
    """
    who = _actor(actor)
    _require(subsidy, SubsidyStatus.APPROVED)
    _not_before(subsidy, on, subsidy.applied_on, Msg("申请", "application"))
    policy = _policy_of(session, subsidy)
    if subsidy.maker is None:
        decision = compute_subsidy(
            session=session,
            policy=policy,
            equipment_key=subsidy.equipment_key,
            on=on,
            exclude_subsidy_id=subsidy.id,
        )
        before = _snapshot(subsidy)
        subsidy.maker = who
        message = Msg(
            f"{subsidy.subsidy_no}：已记录经办人（maker）{who}，待另一人复核（checker）；"
            f"按当前规则预计补贴 {format_yuan(decision.amount)}",
            f"{subsidy.subsidy_no}: maker {who} recorded; awaiting a different checker; under "
            f"the rules as of now the subsidy would be {format_yuan(decision.amount)}",
        )
        _history(session, subsidy, before=before, actor=who, note=message)
        return replace(decision, action="maker_recorded", message=message, subsidy=subsidy)
    if who == subsidy.maker:
        raise Conflict(
            Msg(
                f"{subsidy.subsidy_no}：复核人（checker）不能与经办人（maker）{subsidy.maker} 为同一人",
                f"{subsidy.subsidy_no}: the checker must not be the maker ({subsidy.maker})",
            ),
            code="maker_checker",
        )
    _lock_equipment(session, subsidy.equipment_key)
    decision = compute_subsidy(
        session=session,
        policy=policy,
        equipment_key=subsidy.equipment_key,
        on=on,
        exclude_subsidy_id=subsidy.id,
    )
    if not decision.eligible:
        raise _ineligible(decision)
    before = _snapshot(subsidy)
    subsidy.checker = who
    subsidy.status = SubsidyStatus.APPROVED
    subsidy.approved_on = on
    subsidy.amount = decision.amount
    subsidy.explanation = decision.explanation
    message = Msg(
        f"{subsidy.subsidy_no}：经办 {subsidy.maker}、复核 {who}，已审批；补贴 "
        f"{format_yuan(decision.amount)}",
        f"{subsidy.subsidy_no}: made by {subsidy.maker}, checked by {who}, approved; subsidy "
        f"{format_yuan(decision.amount)}",
    )
    _history(session, subsidy, before=before, actor=who, note=message)
    return replace(decision, action="approved", message=message, subsidy=subsidy)


def _stored(
    subsidy: PremiumSubsidy, policy: InsurancePolicy, on: dt.date, action: str, message: Msg
) -> SubsidyDecision:
    lines = tuple(
        RuleLine(
            str(d.get("rule", "")),
            str(d.get("observed", "")),
            str(d.get("required", "")),
            str(d.get("effect", "")),
            Msg(str(d.get("message_zh", "")), str(d.get("message_en", ""))),
            str(d.get("reference", "")),
            str(d.get("status", "")),
        )
        for d in subsidy.explanation or []
    )
    return SubsidyDecision(
        policy_no=policy.policy_no,
        product_key=policy.product_key,
        rule_key=None,
        terms_from=None,
        on=on,
        equipment_key=subsidy.equipment_key,
        eligible=subsidy.status is not SubsidyStatus.REJECTED,
        premium=policy.premium,
        base=policy.premium,
        amount=subsidy.amount,
        lines=lines,
        message=message,
        action=action,
        subsidy=subsidy,
    )


def reject(
    *,
    session: Session,
    subsidy: PremiumSubsidy,
    reason: str,
    actor: str,
    on: dt.date | None = None,
) -> SubsidyDecision:
    """Reject an applied subsidy (a reason is required).

    Raises:
        Conflict: ``invalid_transition`` — the subsidy is not applied.
        ValidationError: ``reason_required``; ``subsidy.backdated``.
    """
    who = _actor(actor)
    _require(subsidy, SubsidyStatus.REJECTED)
    why = (reason or "").strip()
    if not why:
        raise ValidationError(
            Msg("驳回必须说明理由", "a reason is required to reject a subsidy"),
            code="reason_required",
        )
    day = on or subsidy.applied_on
    _not_before(subsidy, day, subsidy.applied_on, Msg("申请", "application"))
    before = _snapshot(subsidy)
    subsidy.status = SubsidyStatus.REJECTED
    subsidy.rejection_reason = why
    message = Msg(
        f"{subsidy.subsidy_no}：已由 {who} 驳回（{day}）：{why}",
        f"{subsidy.subsidy_no}: rejected by {who} on {day}: {why}",
    )
    _history(session, subsidy, before=before, actor=who, note=message)
    return _stored(subsidy, _policy_of(session, subsidy), day, "rejected", message)


def pay(
    *,
    session: Session,
    subsidy: PremiumSubsidy,
    on: dt.date,
    actor: str,
    payment_ref: str,
) -> SubsidyDecision:
    """Record the payment of an approved subsidy (``payment_ref``: the payment voucher).

    Raises:
        Conflict: ``invalid_transition`` — the subsidy is not approved.
        ValidationError: ``payment_ref_required``; ``subsidy.backdated`` — before approval.
    """
    who = _actor(actor)
    _require(subsidy, SubsidyStatus.PAID)
    ref = (payment_ref or "").strip()
    if not ref or len(ref) > 80:
        raise ValidationError(
            Msg(
                "须填写 1–80 个字符的拨付凭证号",
                "a payment reference of 1–80 characters is required",
            ),
            code="payment_ref_required",
        )
    _not_before(subsidy, on, subsidy.approved_on, Msg("审批", "approval"))
    before = _snapshot(subsidy)
    subsidy.status = SubsidyStatus.PAID
    subsidy.paid_on = on
    subsidy.payment_ref = ref
    message = Msg(
        f"{subsidy.subsidy_no}：已拨付 {format_yuan(subsidy.amount)}（{on}，凭证 {ref}）",
        f"{subsidy.subsidy_no}: paid {format_yuan(subsidy.amount)} on {on} (ref {ref})",
    )
    _history(session, subsidy, before=before, actor=who, note=message)
    return _stored(subsidy, _policy_of(session, subsidy), on, "paid", message)


def total_subsidised(*, session: Session, policy: InsurancePolicy) -> Decimal:
    """Approved and paid subsidy on ``policy``, 元."""
    value = session.scalars(
        select(PremiumSubsidy.amount).where(
            PremiumSubsidy.policy_id == policy.id,
            PremiumSubsidy.status.in_(COUNTS_AS_SUBSIDISED),
        )
    )
    return quantize_fen(sum(value, ZERO))
