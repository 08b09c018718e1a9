"""Credit lifecycle services: applications, grants, drawdowns, repayments, overdue, default,
write-off and recovery, statements and the portfolio.

Keyword-only arguments; the caller owns the transaction (services flush, never commit). Status
changes go through :func:`kechuang.credit.lifecycle.transition` and each writes a
:class:`~kechuang.storage.history.ChangeHistory` row. Balances are never stored: they are sums of
:class:`~kechuang.credit.models.LedgerEvent` rows (:mod:`kechuang.credit.ledger`).

Concurrency: every ledger write also touches its loan (and a drawdown its grant), so the ORM's
version counter makes the second of two concurrent writers fail at flush with
:class:`sqlalchemy.orm.exc.StaleDataError`; its transaction rolls back and nothing of it is kept.

Ledger events are append-only: there is no function to change or delete one, and events must be
recorded in date order (no event may be dated before the loan's last event or status change).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import is_fen_exact, quantize_fen
from kechuang.credit import ledger
from kechuang.credit.enums import ApplicationStatus, LedgerKind, LoanStatus, Security
from kechuang.credit.lifecycle import (
    ACCEPTS_REPAYMENTS,
    DEFAULT_DPD,
    check_transition,
    status_from_ledger,
    transition,
)
from kechuang.credit.models import CreditApplication, CreditGrant, Installment, LedgerEvent, Loan
from kechuang.credit.schemas import (
    ApplicationCreate,
    GrantCreate,
    LedgerEventRead,
    LoanRead,
    LoanStatement,
    Portfolio,
    PortfolioLine,
    StatementLine,
)
from kechuang.registry import service as registry_service
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Institution
from kechuang.storage.base import utcnow
from kechuang.storage.history import ChangeHistory, diff

ZERO = ledger.ZERO

_APPLICATION_FIELDS = (
    "application_no",
    "enterprise_id",
    "bank_id",
    "product_key",
    "requested_amount",
    "requested_term_months",
    "applied_on",
    "status",
)
_GRANT_FIELDS = (
    "contract_no",
    "application_id",
    "enterprise_id",
    "bank_id",
    "product_key",
    "amount",
    "granted_on",
    "term_months",
    "expires_on",
    "annual_rate",
    "lpr_spread_bp",
    "repayment_method",
    "security",
    "first_loan",
    "conditions",
    "premium_paid",
    "guarantee_fee_paid",
)
_LOAN_FIELDS = (
    "loan_no",
    "grant_id",
    "enterprise_id",
    "bank_id",
    "product_key",
    "principal",
    "drawdown_date",
    "maturity_date",
    "annual_rate",
    "repayment_method",
    "status",
    "status_since",
    "first_loan",
    "unsecured",
)


# ---------------------------------------------------------------- helpers


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


def _values(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _amount(name: Msg, value: Decimal, *, allow_zero: bool = False) -> Decimal:
    """Check a money argument: a fen-exact Decimal, > 0 (or ≥ 0)."""
    raw: object = value
    if isinstance(raw, bool) or not isinstance(raw, Decimal | int):  # floats are never money
        raise ValidationError(
            Msg(
                f"{name.zh}必须是精确金额（Decimal）", f"{name.en} must be an exact Decimal amount"
            ),
            code="amount_invalid",
        )
    value = Decimal(value)
    if not is_fen_exact(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(
            Msg(
                f"{name.zh}必须是{'非负' if allow_zero else '正'}数且精确到分，收到 {value}",
                f"{name.en} must be {'non-negative' if allow_zero else 'positive'} and exact to the fen, got {value}",
            ),
            code="amount_invalid",
        )
    return quantize_fen(value)


def _entries(loan: Loan) -> list[ledger.Entry]:
    return [ledger.Entry(e.kind, e.event_date, e.amount) for e in loan.events]


def _dues(loan: Loan) -> list[ledger.Due]:
    return [ledger.Due(i.n, i.due_date, i.principal) for i in loan.installments]


def _touch(obj: Loan | CreditGrant) -> None:
    """Dirty ``obj`` so the flush bumps its version (and fails if someone else bumped it first)."""
    obj.updated_at = utcnow()


def _check_event_date(loan: Loan, on: dt.date) -> None:
    """Events are appended in date order: not before the drawdown, the last event or status change."""
    floor = max([loan.drawdown_date, loan.status_since, *(e.event_date for e in loan.events)])
    if on < floor:
        raise ValidationError(
            Msg(
                f"贷款 {loan.loan_no} 的台账事件须按日期顺序记录：{on} 早于最近一次记录的日期 {floor}",
                f"loan {loan.loan_no}: ledger events are recorded in date order; {on} is before the latest recorded date {floor}",
            ),
            code="event_backdated",
        )


def _append(
    session: Session,
    *,
    loan: Loan,
    kind: LedgerKind,
    amount: Decimal,
    on: dt.date,
    actor: str,
    reference: str | None,
) -> LedgerEvent:
    event = LedgerEvent(
        loan=loan, kind=kind, event_date=on, amount=amount, reference=reference, recorded_by=actor
    )
    session.add(event)
    _touch(loan)
    return event


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` months; the day is clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _transition_loan(
    session: Session,
    loan: Loan,
    to: LoanStatus,
    on: dt.date,
    *,
    actor: str,
    reason: str | None = None,
) -> None:
    """Change the loan's status (via the lifecycle table) and write the history row."""
    fields = ("status", "status_since")
    before = _values(loan, fields)
    change = transition(loan, to, on, reason)
    changes = diff(before, _values(loan, fields))
    if change.reason is not None:
        changes["reason"] = [None, change.reason]
    _record(
        session,
        table="loan",
        record_id=loan.id,
        key=loan.loan_no,
        action="update",
        changes=changes,
        actor=actor,
    )


def _sync_status(session: Session, loan: Loan, on: dt.date, *, actor: str) -> LoanStatus:
    """Move a current/overdue loan to what its ledger says at ``on`` (repaid, overdue, current)."""
    entries = _entries(loan)
    outstanding = ledger.outstanding_principal(entries, on)
    dpd = ledger.days_past_due(_dues(loan), entries, on)
    target = status_from_ledger(loan.status, outstanding_principal=outstanding, dpd=dpd)
    if target is not loan.status:
        _check_event_date(loan, on)  # a status is never changed on the strength of stale data
        effective = on
        if target is LoanStatus.OVERDUE:  # overdue since the first day past due
            effective = max(loan.status_since, on - dt.timedelta(days=dpd - 1))
        _transition_loan(session, loan, target, effective, actor=actor)
    return loan.status


# ---------------------------------------------------------------- look-ups


def get_application(*, session: Session, application_no: str) -> CreditApplication:
    """The application with this number; :class:`NotFound` if none."""
    app = session.scalar(
        select(CreditApplication).where(CreditApplication.application_no == application_no)
    )
    if app is None:
        raise NotFound(
            Msg(
                f"没有编号为 {application_no} 的授信申请", f"no credit application {application_no}"
            )
        )
    return app


def get_grant_by_contract(*, session: Session, contract_no: str) -> CreditGrant:
    """The credit grant with this contract number (with its loans); :class:`NotFound` if none."""
    grant = session.scalar(
        select(CreditGrant)
        .where(CreditGrant.contract_no == contract_no)
        .options(selectinload(CreditGrant.loans))
    )
    if grant is None:
        raise NotFound(
            Msg(
                f"没有合同编号为 {contract_no} 的授信",
                f"no credit grant with contract {contract_no}",
            )
        )
    return grant


def get_loan(*, session: Session, loan_no: str) -> Loan:
    """The loan with this number, its events and installments loaded; :class:`NotFound` if none."""
    loan = session.scalar(
        select(Loan)
        .where(Loan.loan_no == loan_no)
        .options(selectinload(Loan.events), selectinload(Loan.installments))
    )
    if loan is None:
        raise NotFound(Msg(f"没有借据号为 {loan_no} 的贷款", f"no loan {loan_no}"))
    return loan


def get_bank(*, session: Session, code: str) -> Institution:
    """The bank with this institution code; :class:`NotFound` / :class:`ValidationError` otherwise."""
    bank = session.scalar(select(Institution).where(Institution.code == code))
    if bank is None:
        raise NotFound(Msg(f"机构代码 {code} 不存在", f"no institution with code {code}"))
    if bank.kind is not InstitutionKind.BANK:
        raise ValidationError(
            Msg(
                f"机构 {code} 不是银行（{bank.kind.label.zh}）",
                f"institution {code} is not a bank ({bank.kind.label.en})",
            ),
            code="not_a_bank",
        )
    return bank


# ---------------------------------------------------------------- applications


def submit_application(
    *, session: Session, application_in: ApplicationCreate, actor: str = "system"
) -> CreditApplication:
    """Record a submitted application; :class:`Conflict` if the number exists,
    :class:`NotFound` for an unknown enterprise or bank."""
    if (
        session.scalar(
            select(CreditApplication.id).where(
                CreditApplication.application_no == application_in.application_no
            )
        )
        is not None
    ):
        raise Conflict(
            Msg(
                f"授信申请编号 {application_in.application_no} 已存在",
                f"credit application {application_in.application_no} exists",
            )
        )
    enterprise = registry_service.get_by_uscc(session=session, uscc=application_in.uscc)
    bank = get_bank(session=session, code=application_in.bank_code)
    app = CreditApplication(
        application_no=application_in.application_no,
        enterprise_id=enterprise.id,
        bank_id=bank.id,
        product_key=application_in.product_key,
        requested_amount=application_in.requested_amount,
        requested_term_months=application_in.requested_term_months,
        applied_on=application_in.applied_on,
        status=ApplicationStatus.SUBMITTED,
    )
    session.add(app)
    session.flush()
    _record(
        session,
        table="credit_application",
        record_id=app.id,
        key=app.application_no,
        action="create",
        changes=diff(None, _values(app, _APPLICATION_FIELDS)),
        actor=actor,
    )
    return app


def _decide(
    session: Session,
    application: CreditApplication,
    to: ApplicationStatus,
    on: dt.date,
    *,
    actor: str,
    reason: str | None = None,
) -> CreditApplication:
    fields = ("status", "decided_on", "decided_by", "rejection_reason")
    before = _values(application, fields)
    change = transition(application, to, on, reason)
    if application.decided_on is not None:
        application.decided_by = actor
    session.flush()
    changes = diff(before, _values(application, fields))
    if change.reason is not None and "rejection_reason" not in changes:
        changes["reason"] = [None, change.reason]
    _record(
        session,
        table="credit_application",
        record_id=application.id,
        key=application.application_no,
        action="update",
        changes=changes,
        actor=actor,
    )
    return application


def start_review(
    *, session: Session, application: CreditApplication, on: dt.date, actor: str = "system"
) -> CreditApplication:
    """submitted → under_review."""
    return _decide(session, application, ApplicationStatus.UNDER_REVIEW, on, actor=actor)


def reject_application(
    *,
    session: Session,
    application: CreditApplication,
    reason: str,
    on: dt.date,
    actor: str = "system",
) -> CreditApplication:
    """under_review → rejected, with a reason (required)."""
    return _decide(session, application, ApplicationStatus.REJECTED, on, actor=actor, reason=reason)


def withdraw_application(
    *,
    session: Session,
    application: CreditApplication,
    on: dt.date,
    actor: str = "system",
    reason: str | None = None,
) -> CreditApplication:
    """submitted / under_review → withdrawn (by the applicant)."""
    return _decide(
        session, application, ApplicationStatus.WITHDRAWN, on, actor=actor, reason=reason
    )


def approve_application(
    *,
    session: Session,
    application: CreditApplication,
    grant_in: GrantCreate,
    on: dt.date,
    actor: str = "system",
) -> CreditGrant:
    """under_review → approved, creating the credit grant (授信) with ``grant_in``'s terms.

    The grant is valid for drawdowns from ``on`` to ``grant_in.expires_on`` (default ``on`` +
    ``term_months``). :class:`Conflict` if the contract number exists or the application is
    not under review.
    """
    if (
        session.scalar(
            select(CreditGrant.id).where(CreditGrant.contract_no == grant_in.contract_no)
        )
        is not None
    ):
        raise Conflict(
            Msg(
                f"授信合同编号 {grant_in.contract_no} 已存在",
                f"credit grant contract {grant_in.contract_no} exists",
            )
        )
    expires_on = grant_in.expires_on or _add_months(on, grant_in.term_months)
    if expires_on < on:
        raise ValidationError(
            Msg(
                f"授信有效期至 {expires_on} 早于授信日 {on}",
                f"grant expiry {expires_on} is before the grant date {on}",
            ),
            code="grant_expiry_invalid",
        )
    _decide(session, application, ApplicationStatus.APPROVED, on, actor=actor)
    grant = CreditGrant(
        application_id=application.id,
        enterprise_id=application.enterprise_id,
        bank_id=application.bank_id,
        product_key=application.product_key,
        granted_on=on,
        **grant_in.model_dump(exclude={"expires_on"}),
        expires_on=expires_on,
    )
    session.add(grant)
    session.flush()
    _record(
        session,
        table="credit_grant",
        record_id=grant.id,
        key=grant.contract_no,
        action="create",
        changes=diff(None, _values(grant, _GRANT_FIELDS)),
        actor=actor,
    )
    return grant


# ---------------------------------------------------------------- loans


def draw_down(
    *,
    session: Session,
    grant: CreditGrant,
    loan_no: str,
    amount: Decimal,
    on: dt.date,
    actor: str = "system",
    months: int | None = None,
    reference: str | None = None,
) -> Loan:
    """Draw a loan under ``grant``: the loan, its ``drawdown`` event and its installments.

    The schedule (:func:`kechuang.credit.schedule.schedule`) uses the grant's rate and repayment
    method over ``months`` (default the grant's term) from ``on``.

    Raises:
        ValidationError: ``grant_exceeded`` — the total drawn under the grant would exceed its
            amount; ``drawdown_outside_grant`` — ``on`` is outside the grant's validity;
            ``amount_invalid``.
        Conflict: the loan number exists, or the grant is cancelled.
    """
    from kechuang.credit.schedule import schedule  # written alongside; imported when used

    if session.scalar(select(Loan.id).where(Loan.loan_no == loan_no)) is not None:
        raise Conflict(Msg(f"借据号 {loan_no} 已存在", f"loan {loan_no} exists"))
    amount = _amount(Msg("放款金额", "drawdown amount"), amount)
    term = grant.term_months if months is None else months
    if term <= 0:
        raise ValidationError(
            Msg(f"贷款期限必须为正，收到 {term}", f"loan term must be positive, got {term}"),
            code="term_invalid",
        )
    if grant.cancelled_on is not None and on >= grant.cancelled_on:
        raise Conflict(
            Msg(
                f"授信 {grant.contract_no} 已于 {grant.cancelled_on} 取消，不能放款",
                f"grant {grant.contract_no} was cancelled on {grant.cancelled_on}; no drawdowns",
            ),
            code="grant_cancelled",
        )
    if not grant.granted_on <= on <= grant.expires_on:
        raise ValidationError(
            Msg(
                f"放款日 {on} 不在授信 {grant.contract_no} 的有效期 {grant.granted_on} 至 {grant.expires_on} 内",
                f"drawdown date {on} is outside grant {grant.contract_no}'s validity {grant.granted_on} .. {grant.expires_on}",
            ),
            code="drawdown_outside_grant",
        )
    drawn = sum((loan.principal for loan in grant.loans), ZERO)
    if drawn + amount > grant.amount:
        raise ValidationError(
            Msg(
                f"授信 {grant.contract_no} 额度 {grant.amount} 元，已放款 {drawn} 元，本次 {amount} 元超出额度",
                f"grant {grant.contract_no}: amount {grant.amount}, already drawn {drawn}; drawing {amount} would exceed it",
            ),
            code="grant_exceeded",
        )

    plan = schedule(
        principal=amount,
        annual_rate=grant.annual_rate,
        months=term,
        method=grant.repayment_method,
        start=on,
    )
    loan = Loan(
        loan_no=loan_no,
        grant=grant,
        enterprise_id=grant.enterprise_id,
        bank_id=grant.bank_id,
        product_key=grant.product_key,
        principal=amount,
        drawdown_date=on,
        maturity_date=max(i.due_date for i in plan.installments),
        annual_rate=grant.annual_rate,
        repayment_method=grant.repayment_method,
        status=LoanStatus.CURRENT,
        status_since=on,
        first_loan=grant.first_loan,
        unsecured=grant.security is Security.NONE,
        events=[],
        installments=[
            Installment(n=i.n, due_date=i.due_date, principal=i.principal, interest=i.interest)
            for i in plan.installments
        ],
    )
    session.add(loan)
    _append(
        session,
        loan=loan,
        kind=LedgerKind.DRAWDOWN,
        amount=amount,
        on=on,
        actor=actor,
        reference=reference,
    )
    _touch(grant)  # two concurrent drawdowns under one grant cannot both commit
    session.flush()
    _record(
        session,
        table="loan",
        record_id=loan.id,
        key=loan.loan_no,
        action="create",
        changes=diff(None, _values(loan, _LOAN_FIELDS)),
        actor=actor,
    )
    return loan


def repay(
    *,
    session: Session,
    loan: Loan,
    principal: Decimal,
    interest: Decimal = ZERO,
    on: dt.date,
    actor: str = "system",
    reference: str | None = None,
) -> list[LedgerEvent]:
    """Record a repayment: a ``repayment_principal`` and/or a ``repayment_interest`` event.

    Afterwards the loan's status follows its ledger: ``repaid`` when nothing is outstanding,
    else ``overdue`` / ``current`` by days past due at ``on``.

    Raises:
        ValidationError: ``repayment_exceeds_outstanding`` — principal above the outstanding
            principal; ``amount_invalid``; ``event_backdated``.
        Conflict: ``loan_not_repayable`` — the loan is defaulted, written off or repaid.
    """
    principal = _amount(Msg("还款本金", "principal repaid"), principal, allow_zero=True)
    interest = _amount(Msg("支付利息", "interest paid"), interest, allow_zero=True)
    if principal == 0 and interest == 0:
        raise ValidationError(
            Msg("还款本金和利息不能都为零", "principal and interest cannot both be zero"),
            code="amount_invalid",
        )
    if loan.status not in ACCEPTS_REPAYMENTS:
        raise Conflict(
            Msg(
                f"贷款 {loan.loan_no} 状态为“{loan.status.label.zh}”，不能记录还款",
                f"loan {loan.loan_no} is {loan.status.label.en}; repayments cannot be recorded",
            ),
            code="loan_not_repayable",
        )
    _check_event_date(loan, on)
    outstanding = ledger.outstanding_principal(_entries(loan), on)
    if principal > outstanding:
        raise ValidationError(
            Msg(
                f"贷款 {loan.loan_no} 还款本金 {principal} 元超过未偿本金 {outstanding} 元",
                f"loan {loan.loan_no}: principal repaid {principal} exceeds the outstanding {outstanding}",
            ),
            code="repayment_exceeds_outstanding",
        )
    events = [
        _append(
            session, loan=loan, kind=kind, amount=amount, on=on, actor=actor, reference=reference
        )
        for kind, amount in (
            (LedgerKind.REPAYMENT_PRINCIPAL, principal),
            (LedgerKind.REPAYMENT_INTEREST, interest),
        )
        if amount > 0
    ]
    _sync_status(session, loan, on, actor=actor)
    session.flush()
    return events


def refresh_status(
    *, session: Session, loan: Loan, on: dt.date, actor: str = "system"
) -> LoanStatus:
    """Move a current/overdue loan to ``overdue`` / ``current`` / ``repaid`` by its ledger at ``on``.

    Overdue starts on the first day past due. Defaulted, written-off and repaid loans are left
    as they are (defaulting is a decision: :func:`mark_default`). Returns the status.
    """
    before = loan.status
    status = _sync_status(session, loan, on, actor=actor)
    if status is not before:
        session.flush()
    return status


def mark_default(
    *,
    session: Session,
    loan: Loan,
    on: dt.date,
    actor: str = "system",
    reason: str | None = None,
) -> Loan:
    """overdue → defaulted: automatically allowed at ≥ 90 days past due, else by decision with ``reason``.

    The status is refreshed first, so a current loan that is in fact past due becomes overdue
    and can then be defaulted.

    Raises:
        ValidationError: ``default_not_due`` — fewer than 90 days past due and no reason.
        Conflict: ``invalid_transition`` — the loan is not overdue.
    """
    _sync_status(session, loan, on, actor=actor)
    dpd = ledger.days_past_due(_dues(loan), _entries(loan), on)
    text = (reason or "").strip()
    if not text:
        if dpd < DEFAULT_DPD and loan.status is LoanStatus.OVERDUE:
            raise ValidationError(
                Msg(
                    f"贷款 {loan.loan_no} 逾期 {dpd} 天，不足 {DEFAULT_DPD} 天；按决定认定违约须说明理由",
                    f"loan {loan.loan_no} is {dpd} days past due (< {DEFAULT_DPD}); a default by decision needs a reason",
                ),
                code="default_not_due",
            )
        text = f"逾期 {dpd} 天（≥ {DEFAULT_DPD}） / {dpd} days past due (≥ {DEFAULT_DPD})"
    _transition_loan(session, loan, LoanStatus.DEFAULTED, on, actor=actor, reason=text)
    session.flush()
    return loan


def write_off(
    *,
    session: Session,
    loan: Loan,
    on: dt.date,
    actor: str = "system",
    reference: str | None = None,
) -> LedgerEvent:
    """defaulted → written_off: a ``write_off`` event for the whole outstanding principal at ``on``.

    Raises:
        Conflict: ``invalid_transition`` — the loan is not defaulted.
        ValidationError: ``event_backdated``; ``nothing_to_write_off``.
    """
    check_transition(loan, LoanStatus.WRITTEN_OFF)
    _check_event_date(loan, on)
    outstanding = ledger.outstanding_principal(_entries(loan), on)
    if outstanding <= 0:
        raise ValidationError(
            Msg(
                f"贷款 {loan.loan_no} 没有未偿本金可核销",
                f"loan {loan.loan_no} has no outstanding principal to write off",
            ),
            code="nothing_to_write_off",
        )
    _transition_loan(session, loan, LoanStatus.WRITTEN_OFF, on, actor=actor)
    event = _append(
        session,
        loan=loan,
        kind=LedgerKind.WRITE_OFF,
        amount=outstanding,
        on=on,
        actor=actor,
        reference=reference,
    )
    session.flush()
    return event


def record_recovery(
    *,
    session: Session,
    loan: Loan,
    amount: Decimal,
    on: dt.date,
    actor: str = "system",
    reference: str | None = None,
) -> LedgerEvent:
    """A ``recovery`` event: money recovered on a written-off loan (only after write-off).

    Raises:
        Conflict: ``not_written_off``.
        ValidationError: ``amount_invalid``; ``event_backdated``.
    """
    amount = _amount(Msg("收回金额", "recovered amount"), amount)
    if loan.status is not LoanStatus.WRITTEN_OFF:
        raise Conflict(
            Msg(
                f"贷款 {loan.loan_no} 状态为“{loan.status.label.zh}”，核销后才能记录收回",
                f"loan {loan.loan_no} is {loan.status.label.en}; recoveries are recorded only after write-off",
            ),
            code="not_written_off",
        )
    _check_event_date(loan, on)
    event = _append(
        session,
        loan=loan,
        kind=LedgerKind.RECOVERY,
        amount=amount,
        on=on,
        actor=actor,
        reference=reference,
    )
    session.flush()
    return event


# ---------------------------------------------------------------- reading


def balance(*, loan: Loan, on: dt.date) -> Decimal:
    """Outstanding principal of ``loan`` at the end of ``on`` (from the ledger)."""
    return ledger.outstanding_principal(_entries(loan), on)


def loan_statement(*, loan: Loan, on: dt.date) -> LoanStatement:
    """The loan at ``on``: status, balances, days past due and bucket, schedule vs paid, events."""
    entries = _entries(loan)
    dpd = ledger.days_past_due(_dues(loan), entries, on)
    repaid = ledger.principal_repaid(entries, on)
    outstanding = ledger.outstanding_principal(entries, on)
    lines: list[StatementLine] = []
    left = repaid
    principal_due = interest_due = arrears = ZERO
    for item in sorted(loan.installments, key=lambda i: i.n):
        paid = min(left, item.principal)
        left -= paid
        unpaid = item.principal - paid
        if item.due_date <= on:
            principal_due += item.principal
            interest_due += item.interest
        if unpaid == 0:
            state = "paid"
        elif item.due_date < on:
            state = "overdue"
            arrears += unpaid
        elif item.due_date == on:
            state = "due"
        else:
            state = "partial" if paid > 0 else "upcoming"
        lines.append(
            StatementLine(
                n=item.n,
                due_date=item.due_date,
                principal=item.principal,
                interest=item.interest,
                payment=item.principal + item.interest,
                principal_paid=paid,
                principal_unpaid=unpaid,
                state=state,
                days_past_due=(on - item.due_date).days if state == "overdue" else 0,
            )
        )
    return LoanStatement(
        loan=LoanRead.model_validate(loan),
        contract_no=loan.grant.contract_no,
        as_of=on,
        status=loan.status,
        status_by_ledger=status_from_ledger(
            loan.status, outstanding_principal=outstanding, dpd=dpd
        ),
        outstanding=outstanding,
        principal_repaid=repaid,
        interest_paid=ledger.interest_paid(entries, on),
        written_off=ledger.written_off(entries, on),
        recovered=ledger.recovered(entries, on),
        days_past_due=dpd,
        bucket=ledger.bucket(dpd),
        principal_due_to_date=principal_due,
        interest_due_to_date=interest_due,
        principal_in_arrears=arrears,
        schedule=lines,
        events=[LedgerEventRead.model_validate(e) for e in loan.events if e.event_date <= on],
    )


def portfolio(*, session: Session, bank_id: int | None = None, on: dt.date) -> Portfolio:
    """Outstanding principal at ``on`` by status and overdue bucket, loans and borrowers (存量户数).

    Only loans with a balance count. All sums are exact Decimals computed from the ledger.
    """
    stmt = (
        select(Loan)
        .where(Loan.drawdown_date <= on)
        .options(selectinload(Loan.events), selectinload(Loan.installments))
        .order_by(Loan.id)
    )
    if bank_id is not None:
        stmt = stmt.where(Loan.bank_id == bank_id)
    by_status: dict[str, list[Loan]] = defaultdict(list)
    by_bucket: dict[str, list[Loan]] = defaultdict(list)
    amounts: dict[int, Decimal] = {}
    for loan in session.scalars(stmt):
        entries = _entries(loan)
        outstanding = ledger.outstanding_principal(entries, on)
        if outstanding <= 0:
            continue
        dpd = ledger.days_past_due(_dues(loan), entries, on)
        status = status_from_ledger(loan.status, outstanding_principal=outstanding, dpd=dpd)
        amounts[loan.id] = outstanding
        by_status[status.value].append(loan)
        by_bucket[ledger.bucket(dpd)].append(loan)

    def line(loans: list[Loan]) -> PortfolioLine:
        return PortfolioLine(
            loans=len(loans),
            borrowers=len({loan.enterprise_id for loan in loans}),
            outstanding=sum((amounts[loan.id] for loan in loans), ZERO),
        )

    every = [loan for group in by_status.values() for loan in group]
    total = line(every)
    return Portfolio(
        as_of=on,
        bank_id=bank_id,
        loans=total.loans,
        borrowers=total.borrowers,
        outstanding=total.outstanding,
        by_status={s.value: line(by_status[s.value]) for s in LoanStatus if s.value in by_status},
        by_bucket={
            name: line(by_bucket[name]) for _low, name in ledger.BUCKETS if name in by_bucket
        },
    )
