"""The credit lifecycle as two explicit state machines: applications and loans.

Applications::

    submitted ──► under_review ──► approved   (a CreditGrant is created by the service)
        │              │      └──► rejected   (reason required)
        └──────────────┴─────────► withdrawn

Loans::

    current ◄──► overdue ──► defaulted ──► written_off   (recoveries are events, not states)
       │            │
       └────────────┴──► repaid                            (outstanding principal reached 0)

Every status change goes through :func:`transition`, which accepts exactly the pairs of
:data:`APPLICATION_TRANSITIONS` / :data:`TRANSITIONS` and raises
:class:`~kechuang.core.errors.Conflict` (code ``invalid_transition``) for anything else. It also
refuses to move a record backwards in time. This module holds no database logic: the service
(:mod:`kechuang.credit.service`) decides *when* to transition and records the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, overload

from kechuang.core.errors import Conflict, ValidationError
from kechuang.core.i18n import Msg
from kechuang.credit.enums import ApplicationStatus, LoanStatus
from kechuang.credit.models import CreditApplication, Loan

APPLICATION_TRANSITIONS: Final[dict[ApplicationStatus, set[ApplicationStatus]]] = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.UNDER_REVIEW: {
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
    ApplicationStatus.WITHDRAWN: set(),
}
"""Allowed application status changes (from → {to}). Terminal states map to the empty set."""

TRANSITIONS: Final[dict[LoanStatus, set[LoanStatus]]] = {
    LoanStatus.CURRENT: {LoanStatus.OVERDUE, LoanStatus.REPAID},
    LoanStatus.OVERDUE: {LoanStatus.CURRENT, LoanStatus.DEFAULTED, LoanStatus.REPAID},
    LoanStatus.DEFAULTED: {LoanStatus.WRITTEN_OFF},
    LoanStatus.WRITTEN_OFF: set(),
    LoanStatus.REPAID: set(),
}
"""Allowed loan status changes (from → {to}). Terminal states map to the empty set."""

REASON_REQUIRED: Final[frozenset[ApplicationStatus | LoanStatus]] = frozenset(
    {ApplicationStatus.REJECTED, LoanStatus.DEFAULTED}
)
"""Target states that must carry a reason (rejection reason, ground for default)."""

DEFAULT_DPD: Final = 90
"""Days past due from which a loan may be marked defaulted without a separate decision."""

ACCEPTS_REPAYMENTS: Final[frozenset[LoanStatus]] = frozenset(
    {LoanStatus.CURRENT, LoanStatus.OVERDUE}
)
"""Loan states in which principal and interest repayments are recorded."""


@dataclass(frozen=True, slots=True)
class Change:
    """One status change made by :func:`transition` (the service writes it to the history)."""

    table: str
    record_id: int | None
    key: str
    from_status: str
    to_status: str
    on: dt.date
    reason: str | None


def _invalid(
    kind: Msg, key: str, from_: Msg, to: Msg, code: str = "invalid_transition"
) -> Conflict:
    return Conflict(
        Msg(
            f"{kind.zh} {key} 不能从“{from_.zh}”变为“{to.zh}”",
            f"{kind.en} {key} cannot go from {from_.en} to {to.en}",
        ),
        code=code,
    )


def _check_reason(to: ApplicationStatus | LoanStatus, reason: str | None) -> str | None:
    text = (reason or "").strip() or None
    if to in REASON_REQUIRED and text is None:
        raise ValidationError(
            Msg(
                f"变为“{to.label.zh}”必须说明理由", f"a reason is required to become {to.label.en}"
            ),
            code="reason_required",
        )
    return text


def _check_date(key: str, on: dt.date, since: dt.date) -> None:
    if on < since:
        raise ValidationError(
            Msg(
                f"{key} 的状态变更日期 {on} 早于当前状态的起始日期 {since}",
                f"{key}: status change dated {on} is before the current status began ({since})",
            ),
            code="transition_backdated",
        )


def _loan_target(obj: Loan, to: LoanStatus | ApplicationStatus) -> LoanStatus:
    if not isinstance(to, LoanStatus) or to not in TRANSITIONS[obj.status]:
        raise _invalid(Msg("贷款", "loan"), obj.loan_no, obj.status.label, to.label)
    return to


def _application_target(
    obj: CreditApplication, to: LoanStatus | ApplicationStatus
) -> ApplicationStatus:
    if not isinstance(to, ApplicationStatus) or to not in APPLICATION_TRANSITIONS[obj.status]:
        raise _invalid(
            Msg("授信申请", "application"), obj.application_no, obj.status.label, to.label
        )
    return to


@overload
def check_transition(obj: Loan, to: LoanStatus) -> None: ...


@overload
def check_transition(obj: CreditApplication, to: ApplicationStatus) -> None: ...


def check_transition(obj: Loan | CreditApplication, to: LoanStatus | ApplicationStatus) -> None:
    """Raise :class:`Conflict` ``invalid_transition`` unless ``obj`` may move to ``to``; changes nothing."""
    if isinstance(obj, Loan):
        _loan_target(obj, to)
    else:
        _application_target(obj, to)


@overload
def transition(obj: Loan, to: LoanStatus, on: dt.date, reason: str | None = None) -> Change: ...


@overload
def transition(
    obj: CreditApplication, to: ApplicationStatus, on: dt.date, reason: str | None = None
) -> Change: ...


def transition(
    obj: Loan | CreditApplication,
    to: LoanStatus | ApplicationStatus,
    on: dt.date,
    reason: str | None = None,
) -> Change:
    """Move ``obj`` to status ``to`` effective ``on``, if the transition table allows it.

    Loans get ``status_since = on``; applications get ``decided_on = on`` when they reach a final
    state and ``rejection_reason = reason`` when rejected.

    Raises:
        Conflict: ``invalid_transition`` — ``to`` is not allowed from the current status (the
            message names both states). Nothing is changed.
        ValidationError: ``reason_required`` — rejecting or defaulting without a reason;
            ``transition_backdated`` — ``on`` is before the current status began.
    """
    if isinstance(obj, Loan):
        loan_from = obj.status
        loan_to = _loan_target(obj, to)
        text = _check_reason(loan_to, reason)
        _check_date(obj.loan_no, on, obj.status_since)
        obj.status = loan_to
        obj.status_since = on
        return Change("loan", obj.id, obj.loan_no, loan_from.value, loan_to.value, on, text)

    app_from = obj.status
    app_to = _application_target(obj, to)
    text = _check_reason(app_to, reason)
    _check_date(obj.application_no, on, obj.applied_on)
    obj.status = app_to
    if not APPLICATION_TRANSITIONS[app_to]:  # a final state
        obj.decided_on = on
    if app_to is ApplicationStatus.REJECTED:
        obj.rejection_reason = text
    return Change(
        "credit_application", obj.id, obj.application_no, app_from.value, app_to.value, on, text
    )


def status_from_ledger(
    status: LoanStatus, *, outstanding_principal: Decimal, dpd: int
) -> LoanStatus:
    """The status a current/overdue loan should have given its ledger (other states are kept).

    Outstanding 0 → ``repaid``; days past due > 0 → ``overdue``; else ``current``. Defaulting
    is never automatic (see :data:`DEFAULT_DPD` and ``service.mark_default``).
    """
    if status not in ACCEPTS_REPAYMENTS:
        return status
    if outstanding_principal <= 0:
        return LoanStatus.REPAID
    return LoanStatus.OVERDUE if dpd > 0 else LoanStatus.CURRENT
