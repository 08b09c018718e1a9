"""Subsidies on sci-tech loans (保费补贴 / 担保费补贴 / 贴息), computed from the ledger.

A subsidy rule (:class:`kechuang.products.schemas.SubsidyRule`, attached to a product's terms in
the catalogue) pays ``share`` of an amount the borrower actually paid, rounded to the fen with
the project's one rule (``ROUND_HALF_UP``) and capped at ``cap_per_loan``:

* **premium subsidy** — of the performance-guarantee insurance premium actually paid
  (``CreditGrant.premium_paid``);
* **guarantee-fee subsidy** — of the guarantee fee actually paid (``CreditGrant.guarantee_fee_paid``);
* **interest subsidy** — of the interest actually paid (``repayment_interest`` ledger events)
  dated within ``[repaid_from, repaid_to]``.

Premium and fee are recorded per credit grant. Decisions are per loan: when a grant has several
loans its premium (fee) is split over them in proportion to principal with
:func:`~kechuang.core.money.allocate` (exact to the fen; one loan takes it all).

The repayment window (``repaid_from`` / ``repaid_to``, both inclusive) applies to premium and fee
subsidies always, and to interest subsidies when the rule lists ``repaid_in_window``: the loan
must have been **repaid in full** (its principal outstanding reached 0 through repayments, not a
write-off) on a day inside the window. Only ledger events dated on or before ``as_of`` count.

``no_serious_dishonesty`` excludes borrowers with ``Enterprise.on_dishonesty_list`` set — the
flag as recorded now (kechuang keeps no history of the list). ``reported_by_lender`` is taken as
met for every loan in kechuang, whose loans come from the lenders' own reports.

Each decision lists every criterion with its observed and required value; results carry totals
and the rule's reference and status (``unverified`` / ``illustrative`` rules are flagged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import allocate, format_percent, format_yuan, money, quantize_fen
from kechuang.credit import ledger
from kechuang.credit.enums import LedgerKind
from kechuang.credit.models import CreditGrant, LedgerEvent, Loan
from kechuang.products import catalog as product_catalog
from kechuang.products.schemas import SubsidyKind, SubsidyRule
from kechuang.registry.models import Enterprise

__all__ = [
    "SubsidyDecision",
    "SubsidyReason",
    "SubsidyResult",
    "compute",
    "guarantee_fee_subsidy",
    "interest_subsidy",
    "premium_subsidy",
    "product_rules",
    "product_subsidies",
    "settled_on",
]

ZERO: Final = Decimal("0.00")

_BASE_LABEL: Final[dict[SubsidyKind, Msg]] = {
    SubsidyKind.PREMIUM_SUBSIDY: Msg("实际缴纳保费", "premium actually paid"),
    SubsidyKind.GUARANTEE_FEE_SUBSIDY: Msg("实际缴纳担保费", "guarantee fee actually paid"),
    SubsidyKind.INTEREST_SUBSIDY: Msg("期间内实际支付利息", "interest actually paid in the window"),
}

_STATUS_FLAG: Final[dict[str, Msg]] = {
    "confirmed": Msg("已确认", "confirmed"),
    "unverified": Msg("参数待核实", "unverified"),
    "illustrative": Msg("示例参数，非正式条款", "illustrative, not a term of the product"),
}


@dataclass(frozen=True, slots=True)
class SubsidyReason:
    """One criterion as applied to one loan.

    Attributes:
        criterion: ``amount_paid``, ``repaid_in_window``, ``no_serious_dishonesty`` or
            ``reported_by_lender``.
        passed: whether the loan meets it.
        observed: what the records show.
        required: what the rule requires.
        message: bilingual explanation.
    """

    criterion: str
    passed: bool
    observed: str
    required: str
    message: Msg

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "criterion": self.criterion,
            "passed": self.passed,
            "observed": self.observed,
            "required": self.required,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    """Whether one loan qualifies for a subsidy, how much, and why.

    Attributes:
        loan_no: the loan.
        contract_no: its credit grant.
        enterprise_name: the borrower's name.
        uscc: the borrower's USCC.
        kind: the subsidy kind.
        base: the amount paid the subsidy is a share of (premium / fee part, or interest in the
            window).
        uncapped: ``share × base`` rounded to the fen (0 when not qualifying).
        amount: what is paid: ``uncapped`` capped at ``cap_per_loan`` (0 when not qualifying).
        settled_on: the day the loan was repaid in full (``None``: not by ``as_of``).
        reasons: every criterion applied.
    """

    loan_no: str
    contract_no: str
    enterprise_name: str
    uscc: str
    kind: SubsidyKind
    base: Decimal
    uncapped: Decimal
    amount: Decimal
    settled_on: dt.date | None
    reasons: tuple[SubsidyReason, ...]

    @property
    def qualifies(self) -> bool:
        """True when every criterion is met."""
        return all(r.passed for r in self.reasons)

    @property
    def capped(self) -> bool:
        """True when the per-loan cap reduced the amount."""
        return self.amount < self.uncapped

    @property
    def failed(self) -> tuple[SubsidyReason, ...]:
        """The criteria not met."""
        return tuple(r for r in self.reasons if not r.passed)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "loan_no": self.loan_no,
            "contract_no": self.contract_no,
            "enterprise_name": self.enterprise_name,
            "uscc": self.uscc,
            "kind": self.kind.value,
            "qualifies": self.qualifies,
            "base": str(self.base),
            "uncapped": str(self.uncapped),
            "amount": str(self.amount),
            "capped": self.capped,
            "settled_on": None if self.settled_on is None else self.settled_on.isoformat(),
            "reasons": [r.as_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class SubsidyResult:
    """A rule applied to a set of loans: per-loan decisions and totals."""

    rule: SubsidyRule
    as_of: dt.date
    decisions: tuple[SubsidyDecision, ...]
    notes: tuple[Msg, ...] = ()

    @property
    def total(self) -> Decimal:
        """Total subsidy of the qualifying loans."""
        return money(sum((d.amount for d in self.decisions if d.qualifies), ZERO))

    @property
    def qualified(self) -> int:
        """Number of qualifying loans."""
        return sum(1 for d in self.decisions if d.qualifies)

    @property
    def not_qualified(self) -> int:
        """Number of loans that do not qualify."""
        return len(self.decisions) - self.qualified

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with the rule, totals, decisions and notes."""
        r = self.rule
        return {
            "rule": {
                "key": r.key,
                "kind": r.kind.value,
                "share": str(r.share),
                "cap_per_loan": None if r.cap_per_loan is None else str(r.cap_per_loan),
                "repaid_from": None if r.repaid_from is None else r.repaid_from.isoformat(),
                "repaid_to": None if r.repaid_to is None else r.repaid_to.isoformat(),
                "conditions": list(r.conditions),
                "reference": r.reference,
                "status": r.status,
            },
            "as_of": self.as_of.isoformat(),
            "total": str(self.total),
            "qualified": self.qualified,
            "not_qualified": self.not_qualified,
            "decisions": [d.as_dict() for d in self.decisions],
            "notes": [{"zh": n.zh, "en": n.en} for n in self.notes],
        }


# ---------------------------------------------------------------------------- ledger helpers


def _entries(session: Session, loan: Loan) -> list[ledger.Entry]:
    rows = session.scalars(
        select(LedgerEvent)
        .where(LedgerEvent.loan_id == loan.id)
        .order_by(LedgerEvent.event_date, LedgerEvent.id)
    )
    return [ledger.Entry(e.kind, e.event_date, e.amount) for e in rows]


def settled_on(entries: Sequence[ledger.Entry], as_of: dt.date) -> dt.date | None:
    """The day the loan was repaid in full by ``as_of``, or ``None``.

    Repaid in full = principal drawn and outstanding reached 0 on that day through repayments;
    a loan with a write-off by ``as_of`` was not repaid.
    """
    if ledger.written_off(entries, as_of) > 0:
        return None
    days = sorted(
        {e.date for e in entries if e.kind is LedgerKind.REPAYMENT_PRINCIPAL and e.date <= as_of}
    )
    for day in days:
        drawn = sum(
            (e.amount for e in entries if e.kind is LedgerKind.DRAWDOWN and e.date <= day), ZERO
        )
        if drawn > 0 and ledger.outstanding_principal(entries, day) <= 0:
            return day
    return None


def _interest_in(entries: Sequence[ledger.Entry], start: dt.date | None, end: dt.date) -> Decimal:
    return money(
        sum(
            (
                e.amount
                for e in entries
                if e.kind is LedgerKind.REPAYMENT_INTEREST
                and e.date <= end
                and (start is None or e.date >= start)
            ),
            ZERO,
        )
    )


def _loans(items: Sequence[Loan | CreditGrant]) -> list[Loan]:
    seen: dict[int, Loan] = {}
    for item in items:
        for loan in item.loans if isinstance(item, CreditGrant) else [item]:
            seen.setdefault(loan.id, loan)
    return sorted(seen.values(), key=lambda loan: loan.loan_no)


def _grant_part(grant: CreditGrant, loan: Loan, total: Decimal) -> Decimal:
    """The loan's part of a grant-level amount, split by principal over the grant's loans."""
    loans = sorted(grant.loans, key=lambda x: x.id)
    if len(loans) <= 1:
        return money(total)
    weights = [x.principal for x in loans]
    if sum(weights, ZERO) <= 0:  # pragma: no cover - principal is positive
        return ZERO
    parts = allocate(total, weights)
    return parts[[x.id for x in loans].index(loan.id)]


def _window_text(rule: SubsidyRule) -> str:
    return f"{rule.repaid_from or '…'} – {rule.repaid_to or '…'}"


def _in_window(rule: SubsidyRule, day: dt.date) -> bool:
    if rule.repaid_from is not None and day < rule.repaid_from:
        return False
    return not (rule.repaid_to is not None and day > rule.repaid_to)


# ---------------------------------------------------------------------------- the decision


def _decide(session: Session, rule: SubsidyRule, loan: Loan, as_of: dt.date) -> SubsidyDecision:
    entries = _entries(session, loan)
    grant = loan.grant
    enterprise = session.get(Enterprise, loan.enterprise_id)
    reasons: list[SubsidyReason] = []
    label = _BASE_LABEL[rule.kind]

    # 1. the amount actually paid that the subsidy is a share of
    if rule.kind is SubsidyKind.INTEREST_SUBSIDY:
        end = min(rule.repaid_to, as_of) if rule.repaid_to is not None else as_of
        base = _interest_in(entries, rule.repaid_from, end)
        recorded = base > 0
        observed = str(base)
        detail = Msg(
            f"{rule.repaid_from or '…'} 至 {end} 支付利息 {format_yuan(base)}",
            f"interest paid {rule.repaid_from or '…'} to {end}: {format_yuan(base)}",
        )
    else:
        paid = (
            grant.premium_paid
            if rule.kind is SubsidyKind.PREMIUM_SUBSIDY
            else grant.guarantee_fee_paid
        )
        recorded = paid is not None and paid > 0
        base = _grant_part(grant, loan, paid) if recorded and paid is not None else ZERO
        observed = "—" if paid is None else str(base)
        if not recorded:
            detail = Msg(
                f"授信合同 {grant.contract_no} 未记录{label.zh}",
                f"no {label.en} recorded on credit grant {grant.contract_no}",
            )
        elif base != paid:
            detail = Msg(
                f"{label.zh}：合同 {grant.contract_no} 共 {format_yuan(paid or ZERO)}，"
                f"按本金分摊到本笔贷款 {format_yuan(base)}",
                f"{label.en}: {format_yuan(paid or ZERO)} on grant {grant.contract_no}, "
                f"{format_yuan(base)} allocated to this loan by principal",
            )
        else:
            detail = Msg(f"{label.zh} {format_yuan(base)}", f"{label.en}: {format_yuan(base)}")
    reasons.append(SubsidyReason("amount_paid", recorded, observed, "> 0", detail))

    # 2. repaid in full within the window
    settled = settled_on(entries, as_of)
    needs_window = rule.kind is not SubsidyKind.INTEREST_SUBSIDY or (
        "repaid_in_window" in rule.conditions
    )
    if needs_window:
        written_off = ledger.written_off(entries, as_of) > 0
        ok = settled is not None and _in_window(rule, settled)
        window = _window_text(rule)
        if settled is None:
            why = (
                Msg("贷款已核销，不属于还款结清", "the loan was written off, not repaid")
                if written_off
                else Msg(
                    f"截至 {as_of} 贷款尚未还款结清", f"the loan was not repaid in full by {as_of}"
                )
            )
        else:
            why = Msg(
                f"贷款于 {settled} 还款结清，{'在' if ok else '不在'}规定期间 {window} 内",
                f"the loan was repaid in full on {settled}, {'inside' if ok else 'outside'} "
                f"the window {window}",
            )
        reasons.append(
            SubsidyReason(
                "repaid_in_window",
                ok,
                "—" if settled is None else settled.isoformat(),
                window,
                why,
            )
        )

    # 3. the borrower is not on the serious-dishonesty list
    if "no_serious_dishonesty" in rule.conditions:
        listed = bool(enterprise is not None and enterprise.on_dishonesty_list)
        reasons.append(
            SubsidyReason(
                "no_serious_dishonesty",
                not listed,
                "on list" if listed else "not on list",
                "not on list",
                Msg(
                    "借款企业被列入严重失信主体名单（按当前记录）"
                    if listed
                    else "借款企业未被列入严重失信主体名单（按当前记录）",
                    "the borrower is on the serious-dishonesty list (as currently recorded)"
                    if listed
                    else "the borrower is not on the serious-dishonesty list (as currently recorded)",
                ),
            )
        )

    # 4. reported by the lender: loans in kechuang come from the lenders' reports
    if "reported_by_lender" in rule.conditions:
        reasons.append(
            SubsidyReason(
                "reported_by_lender",
                True,
                "recorded",
                "reported",
                Msg(
                    "贷款已由银行报送入库（视为已报送）",
                    "the loan is in kechuang from the lender's report (taken as reported)",
                ),
            )
        )

    qualifies = all(r.passed for r in reasons)
    uncapped = quantize_fen(base * rule.share) if qualifies else ZERO
    amount = (
        min(uncapped, rule.cap_per_loan)
        if qualifies and rule.cap_per_loan is not None
        else uncapped
    )
    return SubsidyDecision(
        loan_no=loan.loan_no,
        contract_no=grant.contract_no,
        enterprise_name=enterprise.name if enterprise is not None else "",
        uscc=enterprise.uscc if enterprise is not None else "",
        kind=rule.kind,
        base=base,
        uncapped=uncapped,
        amount=money(amount),
        settled_on=settled,
        reasons=tuple(reasons),
    )


def _rule_notes(rule: SubsidyRule, as_of: dt.date) -> tuple[Msg, ...]:
    flag = _STATUS_FLAG.get(rule.status, Msg(rule.status, rule.status))
    notes = [
        Msg(
            f"规则 {rule.key}：{rule.kind.label.zh} {format_percent(rule.share, 0)}"
            f"（四舍五入到分）{f'，单笔上限 {format_yuan(rule.cap_per_loan)}' if rule.cap_per_loan is not None else '，不设单笔上限'}；"
            f"依据 {rule.reference}（{flag.zh}）",
            f"rule {rule.key}: {rule.kind.label.en} {format_percent(rule.share, 0)} "
            f"(rounded half-up to the fen)"
            f"{f', cap per loan {format_yuan(rule.cap_per_loan)}' if rule.cap_per_loan is not None else ', no cap per loan'}; "
            f"reference {rule.reference} ({flag.en})",
        )
    ]
    if rule.repaid_to is not None and as_of < rule.repaid_to:
        notes.append(
            Msg(
                f"截至 {as_of} 还款期间尚未结束（至 {rule.repaid_to}），结果可能变化",
                f"as of {as_of} the window is still open (until {rule.repaid_to}); results may change",
            )
        )
    if rule.status != "confirmed":
        notes.append(
            Msg(
                f"参数待核实：规则 {rule.key} 的状态为 {flag.zh}",
                f"unverified parameters: rule {rule.key} is {flag.en}",
            )
        )
    return tuple(notes)


def compute(
    *,
    session: Session,
    rule: SubsidyRule,
    loans_or_grants: Sequence[Loan | CreditGrant],
    as_of: dt.date,
) -> SubsidyResult:
    """Apply ``rule`` to loans (a grant stands for all its loans) with the ledger as of ``as_of``."""
    decisions = tuple(_decide(session, rule, loan, as_of) for loan in _loans(loans_or_grants))
    return SubsidyResult(
        rule=rule, as_of=as_of, decisions=decisions, notes=_rule_notes(rule, as_of)
    )


def _kind_check(rule: SubsidyRule, kind: SubsidyKind) -> None:
    if rule.kind is not kind:
        raise ValidationError(
            Msg(
                f"规则 {rule.key} 是{rule.kind.label.zh}，不是{kind.label.zh}",
                f"rule {rule.key} is a {rule.kind.label.en}, not a {kind.label.en}",
            ),
            code="subsidy.kind",
        )


def premium_subsidy(
    *,
    session: Session,
    rule: SubsidyRule,
    loans_or_grants: Sequence[Loan | CreditGrant],
    as_of: dt.date,
) -> SubsidyResult:
    """Premium subsidy: ``share`` of the premium actually paid, for loans repaid in the window.

    Raises:
        ValidationError: ``subsidy.kind`` — ``rule`` is not a premium subsidy.
    """
    _kind_check(rule, SubsidyKind.PREMIUM_SUBSIDY)
    return compute(session=session, rule=rule, loans_or_grants=loans_or_grants, as_of=as_of)


def guarantee_fee_subsidy(
    *,
    session: Session,
    rule: SubsidyRule,
    loans_or_grants: Sequence[Loan | CreditGrant],
    as_of: dt.date,
) -> SubsidyResult:
    """Guarantee-fee subsidy: ``share`` of the guarantee fee actually paid, for loans repaid in the window.

    Raises:
        ValidationError: ``subsidy.kind`` — ``rule`` is not a guarantee-fee subsidy.
    """
    _kind_check(rule, SubsidyKind.GUARANTEE_FEE_SUBSIDY)
    return compute(session=session, rule=rule, loans_or_grants=loans_or_grants, as_of=as_of)


def interest_subsidy(
    *,
    session: Session,
    rule: SubsidyRule,
    loans_or_grants: Sequence[Loan | CreditGrant],
    as_of: dt.date,
) -> SubsidyResult:
    """Interest subsidy (贴息): ``share`` of the interest actually paid within the window.

    Raises:
        ValidationError: ``subsidy.kind`` — ``rule`` is not an interest subsidy.
    """
    _kind_check(rule, SubsidyKind.INTEREST_SUBSIDY)
    return compute(session=session, rule=rule, loans_or_grants=loans_or_grants, as_of=as_of)


def product_rules(product_key: str) -> list[SubsidyRule]:
    """Every subsidy rule of a catalogue product, over all its terms versions (by rule key; a
    later version's rule replaces an earlier one with the same key).

    Raises:
        NotFound: unknown product (``product.not_found``).
    """
    product = product_catalog.get(product_key)
    rules: dict[str, SubsidyRule] = {}
    for version in product.terms:
        for rule in version.subsidies:
            rules[rule.key] = rule
    return list(rules.values())


def product_subsidies(*, session: Session, product_key: str, as_of: dt.date) -> list[SubsidyResult]:
    """Apply every subsidy rule of ``product_key`` to all loans of that product.

    Raises:
        NotFound: unknown product, or the product has no subsidy rules (``subsidy.no_rules``).
    """
    rules = product_rules(product_key)
    if not rules:
        raise NotFound(
            Msg(f"产品 {product_key} 没有补贴规则", f"product {product_key} has no subsidy rules"),
            code="subsidy.no_rules",
        )
    loans = list(
        session.scalars(select(Loan).where(Loan.product_key == product_key).order_by(Loan.loan_no))
    )
    return [compute(session=session, rule=r, loans_or_grants=loans, as_of=as_of) for r in rules]
