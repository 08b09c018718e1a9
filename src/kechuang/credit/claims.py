"""Risk-compensation claims (风险补偿申报与拨付): file → maker → checker → pay → recovery / clawback.

State machine (anything else raises :class:`~kechuang.core.errors.Conflict`, code
``invalid_transition``)::

    filed ──(maker, then a different checker)──► approved ──► paid ──► clawed_back
      └───────────────────────(reject)─────────► rejected

Eligible loss — the definition, stated once:
    the principal outstanding on the **loss date** (the day the loan entered its defaulted or
    written-off status, ``Loan.status_since`` — stored on the claim when it is filed, since a later
    write-off moves it), counted *before* any write-off — a write-off is
    an accounting entry, not money received — minus everything received on the principal since
    then, up to the filing date: principal repayments dated after the loss date and recoveries
    (核销后收回). Equivalently: principal drawn − principal repaid − recovered, over the ledger
    events dated on or before the filing date. Interest, penalty interest and costs are not part
    of it.

Shares: the eligible loss is split between the government pool, guarantor, insurer and bank by
the agreement's shares (a first loan moves the first-loan bonus from the bank to the government)
with :func:`~kechuang.core.money.allocate_by_shares`: exact to the fen, parts summing exactly to
the loss (largest remainder; ties go to the earlier party in ``government, guarantor, insurer,
bank``).

Caps are enforced when the checker approves, in this order: per loan, per bank and calendar year
of approval, pool budget. Each counts the government amounts of the agreement's *other* claims
that are ``approved`` or ``paid`` (gross of later recoveries; clawed-back claims returned their
money and do not count). The government amount is reduced to what the caps allow; the part cut
off stays with the bank. On PostgreSQL approvals under one agreement are serialised with a
transaction-level advisory lock so two checkers cannot both spend the same headroom; SQLite
allows one writer at a time anyway.

Every function returns a :class:`ClaimDecision` that explains itself: checks with observed and
required values, the loss computation, shares, caps, the agreement terms used with their
references, and every term that is not confirmed. Services never commit; every change writes a
:class:`~kechuang.storage.history.ChangeHistory` row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from kechuang.core.errors import Conflict, Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import allocate, allocate_by_shares, format_yuan, money
from kechuang.credit import ledger
from kechuang.credit import risk as risk_terms
from kechuang.credit.enums import ClaimStatus, LedgerKind
from kechuang.credit.models import CompensationClaim, LedgerEvent, Loan
from kechuang.credit.risk import PARTIES, PARTY_LABELS, RiskSharingAgreement, Term
from kechuang.storage.history import ChangeHistory, diff, json_value

__all__ = [
    "LOSS_DEFINITION",
    "TRANSITIONS",
    "CapNote",
    "Check",
    "ClaimDecision",
    "LossBasis",
    "ShareLine",
    "approve_claim",
    "claw_back",
    "eligible_loss",
    "explain",
    "file_claim",
    "get_by_claim_no",
    "get_loan_by_no",
    "list_",
    "pay_claim",
    "record_recovery_after_payout",
    "reject_claim",
]

ZERO: Final = Decimal("0.00")

TRANSITIONS: Final[dict[ClaimStatus, frozenset[ClaimStatus]]] = {
    ClaimStatus.FILED: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.PAID: frozenset({ClaimStatus.CLAWED_BACK}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.CLAWED_BACK: frozenset(),
}
"""Allowed claim status changes (from → {to})."""

COUNTS_AGAINST_CAPS: Final = (ClaimStatus.APPROVED, ClaimStatus.PAID)
"""Claims whose government amount uses up cap headroom."""

LIVE: Final = (ClaimStatus.FILED, ClaimStatus.APPROVED, ClaimStatus.PAID)
"""Claims that block another claim on the same loan."""

LOSS_DEFINITION: Final = Msg(
    "可补偿损失 = 损失日（贷款进入违约/核销状态之日）未偿本金（核销前口径，核销是会计处理不是收款）"
    " − 损失日之后至申报日收回的本金（还本与核销后收回）；不含利息、罚息和费用。",
    "eligible loss = principal outstanding on the loss date (the day the loan entered its "
    "defaulted or written-off status), before any write-off (a write-off is an accounting entry, "
    "not money received), minus principal received after the loss date up to the filing date "
    "(principal repayments and recoveries); interest, penalty interest and costs excluded.",
)

_CAP_LABELS: Final[dict[str, Msg]] = {
    "per_loan": Msg("单笔贷款上限", "per-loan cap"),
    "per_bank_year": Msg("单家银行年度上限", "per-bank annual cap"),
    "pool_budget": Msg("资金池预算", "pool budget"),
}


# ---------------------------------------------------------------------------- explanations


@dataclass(frozen=True, slots=True)
class Check:
    """One eligibility criterion as applied to a claim.

    Attributes:
        criterion: stable name (``product``, ``loan_status``, ``loss_date`` …).
        passed: whether the claim meets it.
        observed: what the loan shows.
        required: what the agreement requires.
        message: bilingual explanation.
        reference: reference of the agreement term applied.
        status: status of that term (``confirmed`` / ``unverified`` / ``illustrative``).
    """

    criterion: str
    passed: bool
    observed: str
    required: str
    message: Msg
    reference: str = ""
    status: str = "confirmed"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "criterion": self.criterion,
            "passed": self.passed,
            "observed": self.observed,
            "required": self.required,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
            "reference": self.reference,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class LossBasis:
    """How the eligible loss was computed from the ledger (see :data:`LOSS_DEFINITION`).

    Attributes:
        loss_date: the day the loan entered its defaulted / written-off status.
        as_of: the filing date (events dated up to it count).
        outstanding_at_loss: principal outstanding on the loss date, before write-off.
        written_off: principal written off up to ``as_of`` (shown, not deducted).
        repaid_after_loss: principal repaid after the loss date up to ``as_of``.
        recovered: recoveries (核销后收回) up to ``as_of``.
        eligible_loss: ``outstanding_at_loss − repaid_after_loss − recovered`` (never below 0).
    """

    loss_date: dt.date
    as_of: dt.date
    outstanding_at_loss: Decimal
    written_off: Decimal
    repaid_after_loss: Decimal
    recovered: Decimal
    eligible_loss: Decimal

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with the definition."""
        return {
            "loss_date": self.loss_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "outstanding_at_loss": str(self.outstanding_at_loss),
            "written_off": str(self.written_off),
            "repaid_after_loss": str(self.repaid_after_loss),
            "recovered": str(self.recovered),
            "eligible_loss": str(self.eligible_loss),
            "definition_zh": LOSS_DEFINITION.zh,
            "definition_en": LOSS_DEFINITION.en,
        }


@dataclass(frozen=True, slots=True)
class ShareLine:
    """One party's part of a loss (or of a recovery).

    Attributes:
        party: ``government``, ``guarantor``, ``insurer`` or ``bank``.
        share: the agreed share (after the first-loan bonus).
        amount: the party's part under the agreed share.
        after_caps: the part actually borne after caps (``None`` before approval).
    """

    party: str
    share: Fraction
    amount: Decimal
    after_caps: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "party": self.party,
            "label_zh": PARTY_LABELS[self.party].zh,
            "label_en": PARTY_LABELS[self.party].en,
            "share": _share_text(self.share),
            "amount": str(self.amount),
            "after_caps": None if self.after_caps is None else str(self.after_caps),
        }


def _share_text(share: Fraction) -> str:
    """A share as decimal text: exact when it terminates, else ``≈`` to 12 places."""
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    if Fraction(exact) == share:
        return str(exact)
    return "≈" + str(exact.quantize(Decimal("1e-12")))


@dataclass(frozen=True, slots=True)
class CapNote:
    """One cap as applied at approval.

    Attributes:
        cap: ``per_loan``, ``per_bank_year`` or ``pool_budget``.
        limit: the cap in 元 (``None``: no cap).
        used: government amounts already approved against it (other claims).
        remaining: headroom before this claim (``None``: unlimited).
        before: government amount before this cap.
        after: government amount after this cap.
        message: bilingual explanation.
        reference: reference of the cap term.
        status: status of the cap term.
    """

    cap: str
    limit: Decimal | None
    used: Decimal
    remaining: Decimal | None
    before: Decimal
    after: Decimal
    message: Msg
    reference: str
    status: str

    @property
    def applied(self) -> bool:
        """Whether this cap reduced the amount."""
        return self.after < self.before

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "cap": self.cap,
            "limit": None if self.limit is None else str(self.limit),
            "used": str(self.used),
            "remaining": None if self.remaining is None else str(self.remaining),
            "before": str(self.before),
            "after": str(self.after),
            "applied": self.applied,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
            "reference": self.reference,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """What a claim action did and why.

    Attributes:
        claim: the claim after the action.
        action: ``filed``, ``maker_recorded``, ``approved``, ``rejected``, ``paid``,
            ``recovery_shared``, ``clawed_back`` or ``explained``.
        message: one-line bilingual summary.
        agreement: the agreement version applied (``None`` if it could not be resolved).
        checks: eligibility checks.
        loss: the loss computation.
        shares: parties' parts (of the loss, or of a recovery for ``recovery_shared``).
        caps: caps applied (approval and its preview).
        ledger_kind: kind of ledger event written, if any.
        ledger_amount: amount of that event.
        notes: further explanations (first-loan bonus, clamping, cap notes as stored).
    """

    claim: CompensationClaim
    action: str
    message: Msg
    agreement: RiskSharingAgreement | None = None
    checks: tuple[Check, ...] = ()
    loss: LossBasis | None = None
    shares: tuple[ShareLine, ...] = ()
    caps: tuple[CapNote, ...] = ()
    ledger_kind: LedgerKind | None = None
    ledger_amount: Decimal | None = None
    notes: tuple[Msg, ...] = field(default=())

    @property
    def unverified_terms(self) -> list[Term[Any]]:
        """Agreement terms that are not confirmed (every explanation flags them)."""
        return [] if self.agreement is None else self.agreement.unverified_terms()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the claim, the explanation and the flags."""
        a = self.agreement
        return {
            "action": self.action,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
            "claim": claim_dict(self.claim),
            "agreement": None
            if a is None
            else {
                "key": a.key,
                "version": a.version,
                "name_zh": a.name.zh,
                "name_en": a.name.en,
                "terms": [t.as_dict() for t in a.terms()],
            },
            "checks": [c.as_dict() for c in self.checks],
            "loss": None if self.loss is None else self.loss.as_dict(),
            "shares": [s.as_dict() for s in self.shares],
            "caps": [c.as_dict() for c in self.caps],
            "ledger": None
            if self.ledger_kind is None
            else {"kind": self.ledger_kind.value, "amount": str(self.ledger_amount)},
            "notes": [{"zh": n.zh, "en": n.en} for n in self.notes],
            "unverified_terms": [t.as_dict() for t in self.unverified_terms],
        }


def claim_dict(claim: CompensationClaim) -> dict[str, Any]:
    """The stored fields of a claim, JSON-ready."""
    return {
        "claim_no": claim.claim_no,
        "loan_id": claim.loan_id,
        "agreement_key": claim.agreement_key,
        "status": claim.status.value,
        "status_zh": claim.status.label.zh,
        "status_en": claim.status.label.en,
        "filed_on": json_value(claim.filed_on),
        "filed_by": claim.filed_by,
        "loss_date": json_value(claim.loss_date),
        "eligible_loss": str(claim.eligible_loss),
        "shares": claim.shares,
        "government_amount": str(claim.government_amount),
        "cap_notes": claim.cap_notes,
        "maker": claim.maker,
        "checker": claim.checker,
        "approved_on": json_value(claim.approved_on),
        "paid_on": json_value(claim.paid_on),
        "rejection_reason": claim.rejection_reason,
        "clawed_back_on": json_value(claim.clawed_back_on),
        "clawback_reason": claim.clawback_reason,
        "recovered_to_pool": str(claim.recovered_to_pool or ZERO),
    }


# ---------------------------------------------------------------------------- look-ups


def get_by_claim_no(*, session: Session, claim_no: str) -> CompensationClaim:
    """The claim with this number; :class:`NotFound` if none."""
    claim = session.scalars(
        select(CompensationClaim).where(CompensationClaim.claim_no == claim_no.strip())
    ).one_or_none()
    if claim is None:
        raise NotFound(
            Msg(f"没有编号为 {claim_no} 的风险补偿申报", f"no compensation claim {claim_no}"),
            code="claim.not_found",
        )
    return claim


def get_loan_by_no(*, session: Session, loan_no: str) -> Loan:
    """The loan with this number; :class:`NotFound` if none."""
    loan = session.scalars(select(Loan).where(Loan.loan_no == loan_no.strip())).one_or_none()
    if loan is None:
        raise NotFound(
            Msg(f"没有编号为 {loan_no} 的贷款", f"no loan {loan_no}"), code="loan.not_found"
        )
    return loan


def list_(
    *,
    session: Session,
    agreement_key: str | None = None,
    status: ClaimStatus | None = None,
    loan: Loan | None = None,
) -> list[CompensationClaim]:
    """Claims, optionally of one agreement, status or loan, ordered by claim number."""
    stmt = select(CompensationClaim)
    if agreement_key is not None:
        stmt = stmt.where(CompensationClaim.agreement_key == agreement_key)
    if status is not None:
        stmt = stmt.where(CompensationClaim.status == status)
    if loan is not None:
        stmt = stmt.where(CompensationClaim.loan_id == loan.id)
    return list(session.scalars(stmt.order_by(CompensationClaim.claim_no)))


# ---------------------------------------------------------------------------- internals


def _entries(session: Session, loan: Loan) -> list[ledger.Entry]:
    rows = session.scalars(
        select(LedgerEvent)
        .where(LedgerEvent.loan_id == loan.id)
        .order_by(LedgerEvent.event_date, LedgerEvent.id)
    )
    return [ledger.Entry(e.kind, e.event_date, e.amount) for e in rows]


def _loss_basis(entries: Sequence[ledger.Entry], loss_date: dt.date, on: dt.date) -> LossBasis:
    at_loss = ledger.outstanding_principal(entries, loss_date) + ledger.written_off(
        entries, loss_date
    )
    repaid_after = ledger.principal_repaid(entries, on) - ledger.principal_repaid(
        entries, loss_date
    )
    recovered = ledger.recovered(entries, on)
    loss = max(at_loss - repaid_after - recovered, ZERO)
    return LossBasis(
        loss_date=loss_date,
        as_of=on,
        outstanding_at_loss=money(at_loss),
        written_off=money(ledger.written_off(entries, on)),
        repaid_after_loss=money(repaid_after),
        recovered=money(recovered),
        eligible_loss=money(loss),
    )


def loss_date_of(claim: CompensationClaim, loan: Loan) -> dt.date:
    """The claim's loss date: as stored when it was filed; for a claim filed before the loss date
    was stored, the loan's ``status_since`` (which a later write-off moves)."""
    return claim.loss_date if claim.loss_date is not None else loan.status_since


def eligible_loss(*, session: Session, loan: Loan, on: dt.date) -> LossBasis:
    """The eligible loss of ``loan`` as of ``on`` (see :data:`LOSS_DEFINITION`).

    The loss date is ``loan.status_since`` (the loan is expected to be defaulted or written off).
    """
    return _loss_basis(_entries(session, loan), loan.status_since, on)


def _transition_error(claim: CompensationClaim, to: ClaimStatus) -> Conflict:
    return Conflict(
        Msg(
            f"风险补偿申报 {claim.claim_no} 不能从“{claim.status.label.zh}”变为“{to.label.zh}”",
            f"compensation claim {claim.claim_no} cannot go from {claim.status.label.en} "
            f"to {to.label.en}",
        ),
        code="invalid_transition",
    )


def _require(claim: CompensationClaim, to: ClaimStatus) -> None:
    if to not in TRANSITIONS[claim.status]:
        raise _transition_error(claim, to)


def _not_before(claim: CompensationClaim, on: dt.date, since: dt.date | None, what: Msg) -> None:
    if since is not None and on < since:
        raise ValidationError(
            Msg(
                f"风险补偿申报 {claim.claim_no}：日期 {on} 早于{what.zh}日期 {since}",
                f"compensation claim {claim.claim_no}: {on} is before the {what.en} date {since}",
            ),
            code="claim.backdated",
        )


def _actor(actor: str) -> str:
    who = (actor or "").strip()
    if not who:
        raise ValidationError(Msg("必须写明操作人", "an actor is required"), code="actor_required")
    return who


_FIELDS: Final = (
    "status",
    "eligible_loss",
    "government_amount",
    "shares",
    "cap_notes",
    "maker",
    "checker",
    "approved_on",
    "paid_on",
    "rejection_reason",
    "clawed_back_on",
    "clawback_reason",
    "recovered_to_pool",
)


def _snapshot(claim: CompensationClaim) -> dict[str, Any]:
    return {f: getattr(claim, f) for f in _FIELDS}


def _history(
    session: Session,
    claim: CompensationClaim,
    *,
    before: dict[str, Any] | None,
    actor: str,
    note: Msg,
) -> None:
    session.flush()
    changes = diff(before, _snapshot(claim))
    changes["decision"] = [None, note.both()]
    session.add(
        ChangeHistory(
            table_name="compensation_claim",
            record_id=claim.id,
            record_key=claim.claim_no,
            action="create" if before is None else "update",
            changes={k: _json_safe(v) for k, v in changes.items()},
            actor=actor,
            source="service",
        )
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return json_value(value)


def _touch(loan: Loan) -> None:
    """Bump the loan's optimistic-lock version: every ledger write does (ADR 0006)."""
    flag_modified(loan, "status_since")


def _ledger(
    session: Session,
    *,
    claim: CompensationClaim,
    loan: Loan,
    kind: LedgerKind,
    amount: Decimal,
    on: dt.date,
    actor: str,
) -> None:
    session.add(
        LedgerEvent(
            loan_id=loan.id,
            kind=kind,
            event_date=on,
            amount=amount,
            reference=claim.claim_no,
            recorded_by=actor,
        )
    )
    _touch(loan)


def _lock_agreement(session: Session, key: str) -> None:
    """Serialise cap checks of one agreement (PostgreSQL advisory lock, released at commit)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time; a stale read fails to write rather than overspend
    digest = hashlib.sha256(f"kechuang.compensation_claim:{key}".encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:k)"),
        {"k": int.from_bytes(digest[:8], "big", signed=True)},
    )


def _agreement(
    key: str, on: dt.date, agreements: Sequence[RiskSharingAgreement] | None
) -> RiskSharingAgreement:
    return risk_terms.get(key, on, agreements=agreements)


def _loan_of(session: Session, claim: CompensationClaim) -> Loan:
    loan = session.get(Loan, claim.loan_id)
    if loan is None:  # pragma: no cover - foreign key
        raise NotFound(Msg("申报对应的贷款不存在", "the claim's loan does not exist"))
    return loan


def _pct(share: Fraction) -> str:
    return risk_terms.display_value(share)


def _term_ref(term: Term[Any]) -> str:
    return f"{term.reference}（{term.status_label.zh}）/ ({term.status_label.en})"


def _flags(agreement: RiskSharingAgreement) -> tuple[Msg, ...]:
    terms = agreement.unverified_terms()
    if not terms:
        return ()
    names = ", ".join(f"{t.name}={risk_terms.display_value(t.value)}[{t.status}]" for t in terms)
    return (
        Msg(
            f"参数待核实：以下协议条款未经确认（示例值不是事实）：{names}",
            f"unverified parameters: these agreement terms are not confirmed "
            f"(illustrative values are not facts): {names}",
        ),
    )


def _checks(
    agreement: RiskSharingAgreement, loan: Loan, basis: LossBasis, on: dt.date
) -> list[Check]:
    el = agreement.eligibility
    checks: list[Check] = []
    products = agreement.products
    covered = agreement.covers(loan.product_key)
    checks.append(
        Check(
            "product",
            covered,
            loan.product_key,
            ", ".join(products.value),
            Msg(
                f"贷款产品 {loan.product_key} {'在' if covered else '不在'}协议覆盖的产品之列",
                f"loan product {loan.product_key} is {'' if covered else 'not '}covered by the agreement",
            ),
            products.reference,
            products.status,
        )
    )
    statuses = el.loan_statuses
    ok_status = loan.status in statuses.value
    allowed_zh = "、".join(s.label.zh for s in statuses.value)
    allowed_en = ", ".join(s.label.en for s in statuses.value)
    checks.append(
        Check(
            "loan_status",
            ok_status,
            loan.status.value,
            ", ".join(s.value for s in statuses.value),
            Msg(
                f"贷款状态为“{loan.status.label.zh}”，须为{allowed_zh}之一",
                f"loan status is {loan.status.label.en}; it must be one of: {allowed_en}",
            ),
            statuses.reference,
            statuses.status,
        )
    )
    floor = el.loss_on_or_after
    if floor.value is not None:
        ok_floor = basis.loss_date >= floor.value
        checks.append(
            Check(
                "loss_date",
                ok_floor,
                basis.loss_date.isoformat(),
                f">= {floor.value.isoformat()}",
                Msg(
                    f"损失日（进入违约/核销状态之日）{basis.loss_date} "
                    f"{'不早于' if ok_floor else '早于'} {floor.value}",
                    f"loss date (entered defaulted / written-off status) {basis.loss_date} is "
                    f"{'on or after' if ok_floor else 'before'} {floor.value}",
                ),
                floor.reference,
                floor.status,
            )
        )
    ok_order = basis.loss_date <= on
    checks.append(
        Check(
            "filed_after_loss",
            ok_order,
            basis.loss_date.isoformat(),
            f"<= {on.isoformat()}",
            Msg(
                f"申报日 {on} {'不早于' if ok_order else '早于'}损失日 {basis.loss_date}",
                f"filing date {on} is {'on or after' if ok_order else 'before'} the loss date "
                f"{basis.loss_date}",
            ),
        )
    )
    npl = el.npl_threshold
    checks.append(
        Check(
            "npl_threshold",
            True,
            "—",
            "—",
            Msg(
                "不设银行不良率门槛（2024–2025 年已取消）",
                "no bank NPL-ratio threshold applies (removed in the 2024–2025 round)",
            ),
            npl.reference,
            npl.status,
        )
    )
    positive = basis.eligible_loss > 0
    checks.append(
        Check(
            "eligible_loss",
            positive,
            str(basis.eligible_loss),
            "> 0",
            Msg(
                f"可补偿损失 {format_yuan(basis.eligible_loss)}"
                f"（损失日未偿本金 {format_yuan(basis.outstanding_at_loss)} − 此后收回本金 "
                f"{format_yuan(basis.repaid_after_loss)} − 核销后收回 {format_yuan(basis.recovered)}）",
                f"eligible loss {format_yuan(basis.eligible_loss)} (principal outstanding at the "
                f"loss date {format_yuan(basis.outstanding_at_loss)} − principal repaid since "
                f"{format_yuan(basis.repaid_after_loss)} − recoveries {format_yuan(basis.recovered)})",
            ),
        )
    )
    return checks


def _share_lines(claim: CompensationClaim) -> tuple[ShareLine, ...]:
    lines = []
    for party in PARTIES:
        node = claim.shares.get(party)
        if node is None:
            continue
        after = node.get("after_caps")
        lines.append(
            ShareLine(
                party,
                Fraction(str(node["share"])),
                money(str(node["amount"])),
                None if after is None else money(str(after)),
            )
        )
    return tuple(lines)


def _sum_government(session: Session, *conditions: Any) -> Decimal:
    # summed in Python: exact Decimals on every backend (SQLite stores scaled integers)
    rows = session.scalars(
        select(CompensationClaim.government_amount)
        .join(Loan, Loan.id == CompensationClaim.loan_id)
        .where(CompensationClaim.status.in_(COUNTS_AGAINST_CAPS), *conditions)
    )
    return money(sum(rows, ZERO))


def _apply_caps(
    session: Session,
    *,
    agreement: RiskSharingAgreement,
    claim: CompensationClaim,
    loan: Loan,
    raw: Decimal,
    on: dt.date,
) -> tuple[Decimal, list[CapNote]]:
    others = (
        CompensationClaim.agreement_key == claim.agreement_key,
        CompensationClaim.id != claim.id,
    )
    year_from, year_to = dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    scopes: list[tuple[str, Term[Decimal | None], tuple[Any, ...], Msg]] = [
        (
            "per_loan",
            agreement.caps.per_loan,
            (CompensationClaim.loan_id == loan.id,),
            Msg(f"贷款 {loan.loan_no} 已获批", f"already approved on loan {loan.loan_no}"),
        ),
        (
            "per_bank_year",
            agreement.caps.per_bank_year,
            (
                Loan.bank_id == loan.bank_id,
                CompensationClaim.approved_on >= year_from,
                CompensationClaim.approved_on <= year_to,
            ),
            Msg(
                f"该银行 {on.year} 年已获批",
                f"already approved for this bank in {on.year}",
            ),
        ),
        (
            "pool_budget",
            agreement.caps.pool_budget,
            (),
            Msg("资金池已获批", "already approved from the pool"),
        ),
    ]
    amount = raw
    notes: list[CapNote] = []
    for cap, term, conditions, used_label in scopes:
        label = _CAP_LABELS[cap]
        before = amount
        if term.value is None:
            notes.append(
                CapNote(
                    cap,
                    None,
                    ZERO,
                    None,
                    before,
                    before,
                    Msg(f"{label.zh}：不设上限", f"{label.en}: none"),
                    term.reference,
                    term.status,
                )
            )
            continue
        used = _sum_government(session, *others, *conditions)
        remaining = max(term.value - used, ZERO)
        amount = min(amount, remaining)
        verdict_zh = f"核减为 {format_yuan(amount)}" if amount < before else "未触及上限"
        verdict_en = f"reduced to {format_yuan(amount)}" if amount < before else "not binding"
        notes.append(
            CapNote(
                cap,
                term.value,
                used,
                remaining,
                before,
                amount,
                Msg(
                    f"{label.zh} {format_yuan(term.value)}（{term.status_label.zh}，{term.reference}）："
                    f"{used_label.zh} {format_yuan(used)}，剩余 {format_yuan(remaining)}；"
                    f"政府承担 {format_yuan(before)} → {verdict_zh}",
                    f"{label.en} {format_yuan(term.value)} ({term.status_label.en}; {term.reference}): "
                    f"{used_label.en} {format_yuan(used)}, remaining {format_yuan(remaining)}; "
                    f"government share {format_yuan(before)} → {verdict_en}",
                ),
                term.reference,
                term.status,
            )
        )
    return amount, notes


# ---------------------------------------------------------------------------- services


def file_claim(
    *,
    session: Session,
    loan: Loan,
    agreement_key: str,
    on: dt.date,
    actor: str,
    claim_no: str,
    agreements: Sequence[RiskSharingAgreement] | None = None,
) -> ClaimDecision:
    """File a compensation claim for a defaulted or written-off loan.

    The agreement version is the one in force on the filing date ``on``. The eligible loss is
    computed from the ledger (:data:`LOSS_DEFINITION`) and split exactly between the parties.

    Raises:
        NotFound: unknown agreement, or not in force on ``on`` (codes ``agreement.*``).
        ValidationError: ``claim.ineligible`` with one issue per failed check (product not
            covered, loan not defaulted / written off, loss before the agreement, no loss).
        Conflict: the claim number exists (``claim.duplicate_no``) or the loan already has a
            live claim (``claim.duplicate``).
    """
    who = _actor(actor)
    number = (claim_no or "").strip()
    if not number or len(number) > 40:
        raise ValidationError(
            Msg("申报编号须为 1–40 个字符", "a claim number has 1–40 characters"),
            code="claim.number",
        )
    if session.scalar(select(CompensationClaim.id).where(CompensationClaim.claim_no == number)):
        raise Conflict(
            Msg(f"申报编号 {number} 已存在", f"claim number {number} already exists"),
            code="claim.duplicate_no",
        )
    live = session.scalars(
        select(CompensationClaim.claim_no).where(
            CompensationClaim.loan_id == loan.id, CompensationClaim.status.in_(LIVE)
        )
    ).first()
    if live is not None:
        raise Conflict(
            Msg(
                f"贷款 {loan.loan_no} 已有未结的风险补偿申报 {live}",
                f"loan {loan.loan_no} already has a live compensation claim {live}",
            ),
            code="claim.duplicate",
        )
    agreement = _agreement(agreement_key, on, agreements)
    basis = eligible_loss(session=session, loan=loan, on=on)
    checks = _checks(agreement, loan, basis, on)
    failed = [c for c in checks if not c.passed]
    if failed:
        reasons_zh = "；".join(c.message.zh for c in failed)
        reasons_en = "; ".join(c.message.en for c in failed)
        raise ValidationError(
            Msg(
                f"贷款 {loan.loan_no} 不符合协议 {agreement.version} 的补偿条件：{reasons_zh}",
                f"loan {loan.loan_no} is not eligible under {agreement.version}: {reasons_en}",
            ),
            code="claim.ineligible",
            issues=[
                Issue(
                    rule=f"claim.{c.criterion}",
                    message=c.message,
                    column=c.criterion,
                    value=c.observed,
                )
                for c in failed
            ],
        )
    shares = agreement.shares_for(first_loan=loan.first_loan)
    amounts = allocate_by_shares(
        basis.eligible_loss, [risk_terms.share_decimal(shares[p]) for p in PARTIES]
    )
    lines = tuple(ShareLine(p, shares[p], a) for p, a in zip(PARTIES, amounts, strict=True))
    claim = CompensationClaim(
        claim_no=number,
        loan_id=loan.id,
        agreement_key=agreement.key,
        filed_on=on,
        filed_by=who,
        loss_date=basis.loss_date,
        eligible_loss=basis.eligible_loss,
        shares={
            s.party: {"share": str(risk_terms.share_decimal(s.share)), "amount": str(s.amount)}
            for s in lines
        },
        government_amount=lines[0].amount,
        status=ClaimStatus.FILED,
        recovered_to_pool=ZERO,
    )
    session.add(claim)
    notes: list[Msg] = []
    bonus = agreement.first_loan_bonus
    if loan.first_loan and bonus.value:
        notes.append(
            Msg(
                f"首贷：政府比例加 {_pct(bonus.value)}（从银行比例中移出），"
                f"为 {_pct(shares['government'])}；{_term_ref(bonus)}",
                f"first loan: {_pct(bonus.value)} moved from the bank's share to the government's, "
                f"now {_pct(shares['government'])}; {_term_ref(bonus)}",
            )
        )
    notes.extend(_flags(agreement))
    message = Msg(
        f"已申报 {number}：可补偿损失 {format_yuan(basis.eligible_loss)}，"
        f"政府应承担 {format_yuan(lines[0].amount)}（{_pct(shares['government'])}，审批时按上限核定）",
        f"filed {number}: eligible loss {format_yuan(basis.eligible_loss)}, government share "
        f"{format_yuan(lines[0].amount)} ({_pct(shares['government'])}; caps apply at approval)",
    )
    _history(session, claim, before=None, actor=who, note=message)
    return ClaimDecision(
        claim=claim,
        action="filed",
        message=message,
        agreement=agreement,
        checks=tuple(checks),
        loss=basis,
        shares=lines,
        notes=tuple(notes),
    )


def approve_claim(
    *,
    session: Session,
    claim: CompensationClaim,
    actor: str,
    on: dt.date,
    agreements: Sequence[RiskSharingAgreement] | None = None,
) -> ClaimDecision:
    """Maker-checker approval: the first call records the maker, the second (a different user) approves.

    At the checker's approval the caps are enforced (per loan, per bank and calendar year of
    ``on``, pool budget, in that order) and the government amount is reduced to what they allow;
    ``cap_notes`` records each cap (zh / en). The maker's call returns a preview of the caps.

    Raises:
        Conflict: ``maker_checker`` — the checker is the maker; ``invalid_transition`` — the
            claim is not filed; ``cap_exhausted`` — the caps leave nothing to pay (the claim
            stays filed, nothing is written).
        ValidationError: ``claim.backdated`` — ``on`` is before the filing date.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.APPROVED)
    _not_before(claim, on, claim.filed_on, Msg("申报", "filing"))
    loan = _loan_of(session, claim)
    agreement = _agreement(claim.agreement_key, claim.filed_on, agreements)
    raw = money(str(claim.shares["government"]["amount"]))
    flags = _flags(agreement)

    if claim.maker is None:
        amount, caps = _apply_caps(
            session, agreement=agreement, claim=claim, loan=loan, raw=raw, on=on
        )
        before = _snapshot(claim)
        claim.maker = who
        message = Msg(
            f"{claim.claim_no}：已记录经办人（maker）{who}，待另一人复核（checker）；"
            f"按当前上限预计核定 {format_yuan(amount)}",
            f"{claim.claim_no}: maker {who} recorded; awaiting a different checker; "
            f"under the caps as of now the government would pay {format_yuan(amount)}",
        )
        _history(session, claim, before=before, actor=who, note=message)
        return ClaimDecision(
            claim=claim,
            action="maker_recorded",
            message=message,
            agreement=agreement,
            shares=_share_lines(claim),
            caps=tuple(caps),
            notes=flags,
        )

    if who == claim.maker:
        raise Conflict(
            Msg(
                f"{claim.claim_no}：复核人（checker）不能与经办人（maker）{claim.maker} 为同一人",
                f"{claim.claim_no}: the checker must not be the maker ({claim.maker})",
            ),
            code="maker_checker",
        )
    _lock_agreement(session, claim.agreement_key)
    amount, caps = _apply_caps(session, agreement=agreement, claim=claim, loan=loan, raw=raw, on=on)
    cap_text = "\n".join(c.message.both() for c in caps)
    if amount <= 0:
        raise Conflict(
            Msg(
                f"{claim.claim_no}：补偿上限已用尽，无可核定金额。"
                + "；".join(c.message.zh for c in caps),
                f"{claim.claim_no}: the caps leave nothing to pay. "
                + "; ".join(c.message.en for c in caps),
            ),
            code="cap_exhausted",
        )
    before = _snapshot(claim)
    reduction = raw - amount
    shares = {party: dict(node) for party, node in claim.shares.items()}
    for party, node in shares.items():
        part = money(str(node["amount"]))
        if party == "government":
            part = amount
        elif party == "bank":
            part += reduction
        node["after_caps"] = str(money(part))
    claim.shares = shares
    claim.government_amount = amount
    claim.cap_notes = cap_text
    claim.checker = who
    claim.status = ClaimStatus.APPROVED
    claim.approved_on = on
    notes = list(flags)
    if reduction > 0:
        notes.insert(
            0,
            Msg(
                f"上限核减 {format_yuan(reduction)}，该部分由贷款银行承担",
                f"the caps cut {format_yuan(reduction)}; that part stays with the lending bank",
            ),
        )
    message = Msg(
        f"{claim.claim_no}：经办 {claim.maker}、复核 {who}，已审批；政府补偿 {format_yuan(amount)}"
        f"（按比例应为 {format_yuan(raw)}）",
        f"{claim.claim_no}: made by {claim.maker}, checked by {who}, approved; government pays "
        f"{format_yuan(amount)} (share before caps {format_yuan(raw)})",
    )
    _history(session, claim, before=before, actor=who, note=message)
    return ClaimDecision(
        claim=claim,
        action="approved",
        message=message,
        agreement=agreement,
        shares=_share_lines(claim),
        caps=tuple(caps),
        notes=tuple(notes),
    )


def reject_claim(
    *,
    session: Session,
    claim: CompensationClaim,
    reason: str,
    actor: str,
    on: dt.date | None = None,
) -> ClaimDecision:
    """Reject a filed claim (a reason is required); ``on`` is recorded in the history.

    Raises:
        Conflict: ``invalid_transition`` — the claim is not filed.
        ValidationError: ``reason_required``.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.REJECTED)
    text_ = (reason or "").strip()
    if not text_:
        raise ValidationError(
            Msg("驳回必须说明理由", "a reason is required to reject a claim"),
            code="reason_required",
        )
    if on is not None:
        _not_before(claim, on, claim.filed_on, Msg("申报", "filing"))
    before = _snapshot(claim)
    claim.status = ClaimStatus.REJECTED
    claim.rejection_reason = text_
    message = Msg(
        f"{claim.claim_no}：已由 {who} 驳回{f'（{on}）' if on else ''}：{text_}",
        f"{claim.claim_no}: rejected by {who}{f' on {on}' if on else ''}: {text_}",
    )
    _history(session, claim, before=before, actor=who, note=message)
    return ClaimDecision(claim=claim, action="rejected", message=message)


def pay_claim(
    *, session: Session, claim: CompensationClaim, on: dt.date, actor: str
) -> ClaimDecision:
    """Pay an approved claim: a ``compensation`` ledger event on the loan for the government amount.

    Raises:
        Conflict: ``invalid_transition`` — the claim is not approved.
        ValidationError: ``claim.backdated`` — ``on`` is before the approval.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.PAID)
    _not_before(claim, on, claim.approved_on, Msg("审批", "approval"))
    loan = _loan_of(session, claim)
    before = _snapshot(claim)
    _ledger(
        session,
        claim=claim,
        loan=loan,
        kind=LedgerKind.COMPENSATION,
        amount=claim.government_amount,
        on=on,
        actor=who,
    )
    claim.status = ClaimStatus.PAID
    claim.paid_on = on
    message = Msg(
        f"{claim.claim_no}：已拨付 {format_yuan(claim.government_amount)}（贷款 {loan.loan_no}，{on}）",
        f"{claim.claim_no}: paid {format_yuan(claim.government_amount)} on loan {loan.loan_no} ({on})",
    )
    _history(session, claim, before=before, actor=who, note=message)
    return ClaimDecision(
        claim=claim,
        action="paid",
        message=message,
        shares=_share_lines(claim),
        ledger_kind=LedgerKind.COMPENSATION,
        ledger_amount=claim.government_amount,
    )


def record_recovery_after_payout(
    *,
    session: Session,
    claim: CompensationClaim,
    amount: Decimal | str | int,
    on: dt.date,
    actor: str,
) -> ClaimDecision:
    """Share a recovery received after the payout back to the parties, pro rata.

    ``amount`` is what the bank recovered (its own ``recovery`` ledger event is the lifecycle
    service's business). It is split over the parts each party actually bore (after caps) with
    :func:`~kechuang.core.money.allocate`, exact to the fen; the government's part is returned
    to the pool as a ``pool_recovery`` ledger event and added to ``recovered_to_pool``. The pool
    never gets back more than it paid: the part is clamped to ``government_amount −
    recovered_to_pool`` (with a note).

    Raises:
        Conflict: ``invalid_transition`` — the claim is not paid.
        ValidationError: ``claim.recovery_amount`` — not a positive amount;
            ``claim.backdated`` — before the payout.
    """
    who = _actor(actor)
    if claim.status is not ClaimStatus.PAID:
        raise Conflict(
            Msg(
                f"{claim.claim_no}：只有已拨付的申报才能分配补偿后收回（当前：{claim.status.label.zh}）",
                f"{claim.claim_no}: recoveries are shared only on paid claims "
                f"(now {claim.status.label.en})",
            ),
            code="invalid_transition",
        )
    value = money(amount)
    if value <= 0:
        raise ValidationError(
            Msg(f"收回金额须大于 0：{value}", f"a recovery must be positive: {value}"),
            code="claim.recovery_amount",
        )
    _not_before(claim, on, claim.paid_on, Msg("拨付", "payout"))
    loan = _loan_of(session, claim)
    borne = [
        line.after_caps if line.after_caps is not None else line.amount
        for line in _share_lines(claim)
    ]
    parties = [line.party for line in _share_lines(claim)]
    parts = allocate(value, borne)
    lines = tuple(
        ShareLine(p, Fraction(b) / Fraction(claim.eligible_loss), part)
        for p, b, part in zip(parties, borne, parts, strict=True)
    )
    gov = parts[parties.index("government")]
    remaining = claim.government_amount - (claim.recovered_to_pool or ZERO)
    notes: list[Msg] = []
    if gov > remaining:
        notes.append(
            Msg(
                f"政府应分得 {format_yuan(gov)}，但资金池最多收回至已拨付金额，剩余 {format_yuan(remaining)}",
                f"the government's part {format_yuan(gov)} is clamped: the pool gets back at most "
                f"what it paid ({format_yuan(remaining)} left)",
            )
        )
        gov = remaining
    before = _snapshot(claim)
    if gov > 0:
        _ledger(
            session,
            claim=claim,
            loan=loan,
            kind=LedgerKind.POOL_RECOVERY,
            amount=gov,
            on=on,
            actor=who,
        )
        claim.recovered_to_pool = money((claim.recovered_to_pool or ZERO) + gov)
    message = Msg(
        f"{claim.claim_no}：补偿后收回 {format_yuan(value)}，按各方实际承担比例分配，"
        f"返还资金池 {format_yuan(gov)}（累计 {format_yuan(claim.recovered_to_pool)}）",
        f"{claim.claim_no}: recovery of {format_yuan(value)} shared pro rata to the parts borne; "
        f"{format_yuan(gov)} returned to the pool (total {format_yuan(claim.recovered_to_pool)})",
    )
    _history(session, claim, before=before, actor=who, note=message)
    return ClaimDecision(
        claim=claim,
        action="recovery_shared",
        message=message,
        shares=lines,
        ledger_kind=LedgerKind.POOL_RECOVERY if gov > 0 else None,
        ledger_amount=gov if gov > 0 else None,
        notes=tuple(notes),
    )


def claw_back(
    *,
    session: Session,
    claim: CompensationClaim,
    reason: str,
    on: dt.date,
    actor: str,
) -> ClaimDecision:
    """Claw back a paid claim found ineligible: a ``clawback`` event for the paid amount net of recoveries returned.

    Raises:
        Conflict: ``invalid_transition`` — the claim is not paid.
        ValidationError: ``reason_required``; ``claim.backdated`` — before the payout.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.CLAWED_BACK)
    text_ = (reason or "").strip()
    if not text_:
        raise ValidationError(
            Msg("追回必须说明理由", "a reason is required to claw back"), code="reason_required"
        )
    _not_before(claim, on, claim.paid_on, Msg("拨付", "payout"))
    loan = _loan_of(session, claim)
    due = money(claim.government_amount - (claim.recovered_to_pool or ZERO))
    before = _snapshot(claim)
    if due > 0:
        _ledger(
            session, claim=claim, loan=loan, kind=LedgerKind.CLAWBACK, amount=due, on=on, actor=who
        )
    claim.status = ClaimStatus.CLAWED_BACK
    claim.clawed_back_on = on
    claim.clawback_reason = text_
    message = Msg(
        f"{claim.claim_no}：追回 {format_yuan(due)}（已拨付 {format_yuan(claim.government_amount)} − "
        f"已返还资金池 {format_yuan(claim.recovered_to_pool)}）；理由：{text_}",
        f"{claim.claim_no}: clawed back {format_yuan(due)} (paid {format_yuan(claim.government_amount)} "
        f"− already returned to the pool {format_yuan(claim.recovered_to_pool)}); reason: {text_}",
    )
    _history(session, claim, before=before, actor=who, note=message)
    return ClaimDecision(
        claim=claim,
        action="clawed_back",
        message=message,
        ledger_kind=LedgerKind.CLAWBACK if due > 0 else None,
        ledger_amount=due if due > 0 else None,
    )


def explain(
    *,
    session: Session,
    claim: CompensationClaim,
    agreements: Sequence[RiskSharingAgreement] | None = None,
) -> ClaimDecision:
    """Explain a stored claim: eligibility re-checked from the ledger as of the filing date,
    the loss computation, shares, the stored cap notes and the unverified terms."""
    loan = _loan_of(session, claim)
    agreement = _agreement(claim.agreement_key, claim.filed_on, agreements)
    basis = _loss_basis(_entries(session, loan), loss_date_of(claim, loan), claim.filed_on)
    checks = _checks(agreement, loan, basis, claim.filed_on)
    notes: list[Msg] = []
    if claim.cap_notes:
        for line in claim.cap_notes.splitlines():
            zh, _, en = line.partition(" / ")
            notes.append(Msg(zh, en or zh))
    if claim.rejection_reason:
        notes.append(
            Msg(f"驳回理由：{claim.rejection_reason}", f"rejected: {claim.rejection_reason}")
        )
    if claim.clawback_reason:
        notes.append(
            Msg(f"追回理由：{claim.clawback_reason}", f"clawed back: {claim.clawback_reason}")
        )
    notes.extend(_flags(agreement))
    message = Msg(
        f"{claim.claim_no}（{claim.status.label.zh}）：贷款 {loan.loan_no}，可补偿损失 "
        f"{format_yuan(claim.eligible_loss)}，政府补偿 {format_yuan(claim.government_amount)}",
        f"{claim.claim_no} ({claim.status.label.en}): loan {loan.loan_no}, eligible loss "
        f"{format_yuan(claim.eligible_loss)}, government amount {format_yuan(claim.government_amount)}",
    )
    return ClaimDecision(
        claim=claim,
        action="explained",
        message=message,
        agreement=agreement,
        checks=tuple(checks),
        loss=basis,
        shares=_share_lines(claim),
        notes=tuple(notes),
    )
