"""The lifecycle state machines: exactly the listed transitions pass, everything else is refused."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from kechuang.core.errors import Conflict, ValidationError
from kechuang.credit.enums import ApplicationStatus, LoanStatus
from kechuang.credit.lifecycle import (
    APPLICATION_TRANSITIONS,
    TRANSITIONS,
    check_transition,
    status_from_ledger,
    transition,
)
from kechuang.credit.models import CreditApplication, Loan

DAY = dt.date(2024, 3, 1)
LATER = dt.date(2024, 3, 5)


def _loan(status: LoanStatus) -> Loan:
    return Loan(loan_no="L-1", status=status, status_since=DAY)


def _application(status: ApplicationStatus) -> CreditApplication:
    return CreditApplication(application_no="A-1", status=status, applied_on=DAY)


def test_the_tables_read_as_designed() -> None:
    expected_loans = {
        LoanStatus.CURRENT: {LoanStatus.OVERDUE, LoanStatus.REPAID},
        LoanStatus.OVERDUE: {LoanStatus.CURRENT, LoanStatus.DEFAULTED, LoanStatus.REPAID},
        LoanStatus.DEFAULTED: {LoanStatus.WRITTEN_OFF},
        LoanStatus.WRITTEN_OFF: set(),
        LoanStatus.REPAID: set(),
    }
    expected_applications = {
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
    assert expected_loans == TRANSITIONS
    assert expected_applications == APPLICATION_TRANSITIONS
    # every state has an entry (final states an empty one)
    assert set(TRANSITIONS) == set(LoanStatus)
    assert set(APPLICATION_TRANSITIONS) == set(ApplicationStatus)


@pytest.mark.parametrize(
    ("from_", "to"), list(itertools.product(LoanStatus, LoanStatus)), ids=lambda s: s.value
)
def test_every_loan_pair_passes_exactly_when_allowed(from_: LoanStatus, to: LoanStatus) -> None:
    loan = _loan(from_)
    if to in TRANSITIONS[from_]:
        change = transition(loan, to, LATER, "理由 reason")
        assert (loan.status, loan.status_since) == (to, LATER)
        assert (change.from_status, change.to_status, change.on) == (from_.value, to.value, LATER)
    else:
        with pytest.raises(Conflict) as info:
            transition(loan, to, LATER, "理由 reason")
        assert info.value.code == "invalid_transition"
        assert info.value.message.en == f"loan L-1 cannot go from {from_.label.en} to {to.label.en}"
        assert from_.label.zh in info.value.message.zh and to.label.zh in info.value.message.zh
        assert (loan.status, loan.status_since) == (from_, DAY)  # untouched


@pytest.mark.parametrize(
    ("from_", "to"),
    list(itertools.product(ApplicationStatus, ApplicationStatus)),
    ids=lambda s: s.value,
)
def test_every_application_pair_passes_exactly_when_allowed(
    from_: ApplicationStatus, to: ApplicationStatus
) -> None:
    app = _application(from_)
    if to in APPLICATION_TRANSITIONS[from_]:
        transition(app, to, LATER, "理由 reason")
        assert app.status is to
        final = not APPLICATION_TRANSITIONS[to]
        assert app.decided_on == (LATER if final else None)
    else:
        with pytest.raises(Conflict) as info:
            transition(app, to, LATER, "理由 reason")
        assert info.value.code == "invalid_transition"
        assert f"from {from_.label.en} to {to.label.en}" in info.value.message.en
        assert app.status is from_


def test_check_transition_changes_nothing() -> None:
    loan = _loan(LoanStatus.DEFAULTED)
    check_transition(loan, LoanStatus.WRITTEN_OFF)
    assert loan.status is LoanStatus.DEFAULTED
    with pytest.raises(Conflict, match="已核销"):
        check_transition(_loan(LoanStatus.CURRENT), LoanStatus.WRITTEN_OFF)


def test_a_loan_status_is_not_an_application_status() -> None:
    with pytest.raises(Conflict):
        transition(_loan(LoanStatus.CURRENT), ApplicationStatus.APPROVED, LATER)  # type: ignore[call-overload]


def test_rejection_and_default_need_a_reason() -> None:
    app = _application(ApplicationStatus.UNDER_REVIEW)
    with pytest.raises(ValidationError) as info:
        transition(app, ApplicationStatus.REJECTED, LATER, "  ")
    assert info.value.code == "reason_required"
    transition(app, ApplicationStatus.REJECTED, LATER, "资本金不足")
    assert app.rejection_reason == "资本金不足"
    with pytest.raises(ValidationError, match="理由"):
        transition(_loan(LoanStatus.OVERDUE), LoanStatus.DEFAULTED, LATER)


def test_transitions_cannot_go_back_in_time() -> None:
    loan = _loan(LoanStatus.CURRENT)
    with pytest.raises(ValidationError) as info:
        transition(loan, LoanStatus.OVERDUE, DAY - dt.timedelta(days=1))
    assert info.value.code == "transition_backdated"
    transition(loan, LoanStatus.OVERDUE, DAY)  # the same day is fine
    with pytest.raises(ValidationError):
        transition(
            _application(ApplicationStatus.SUBMITTED),
            ApplicationStatus.WITHDRAWN,
            dt.date(2024, 2, 1),
        )


@pytest.mark.parametrize(
    ("status", "outstanding", "dpd", "expected"),
    [
        (LoanStatus.CURRENT, "100.00", 0, LoanStatus.CURRENT),
        (LoanStatus.CURRENT, "100.00", 1, LoanStatus.OVERDUE),
        (LoanStatus.OVERDUE, "100.00", 0, LoanStatus.CURRENT),
        (LoanStatus.OVERDUE, "0.00", 0, LoanStatus.REPAID),
        (LoanStatus.CURRENT, "0.00", 0, LoanStatus.REPAID),
        (LoanStatus.OVERDUE, "100.00", 200, LoanStatus.OVERDUE),  # never defaults by itself
        (LoanStatus.DEFAULTED, "100.00", 0, LoanStatus.DEFAULTED),
        (LoanStatus.WRITTEN_OFF, "0.00", 0, LoanStatus.WRITTEN_OFF),
        (LoanStatus.REPAID, "0.00", 0, LoanStatus.REPAID),
    ],
)
def test_status_from_ledger(
    status: LoanStatus, outstanding: str, dpd: int, expected: LoanStatus
) -> None:
    assert (
        status_from_ledger(status, outstanding_principal=Decimal(outstanding), dpd=dpd) is expected
    )
