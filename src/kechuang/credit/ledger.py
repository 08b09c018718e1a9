"""Balances from the event ledger — the only way kechuang knows how much is owed.

Outstanding principal at a date = drawdowns − principal repayments − write-offs, over the
events dated on or before it. Interest paid and recoveries are sums of their own events.
Days past due come from the schedule: the earliest installment whose cumulative principal
was not covered by principal repaid by the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from kechuang.credit.enums import LedgerKind

ZERO = Decimal("0.00")

BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "current"),
    (1, "dpd_1_30"),
    (31, "dpd_31_60"),
    (61, "dpd_61_90"),
    (91, "dpd_90_plus"),
)
"""Overdue buckets by days past due (lower bounds inclusive)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A ledger event as the balance functions see it."""

    kind: LedgerKind
    date: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Due:
    """A scheduled installment as the overdue functions see it."""

    n: int
    due_date: dt.date
    principal: Decimal


def _sum(events: Iterable[Entry], kind: LedgerKind, on: dt.date) -> Decimal:
    return sum((e.amount for e in events if e.kind is kind and e.date <= on), ZERO)


def outstanding_principal(events: Sequence[Entry], on: dt.date) -> Decimal:
    """Principal outstanding at the end of ``on``."""
    return (
        _sum(events, LedgerKind.DRAWDOWN, on)
        - _sum(events, LedgerKind.REPAYMENT_PRINCIPAL, on)
        - _sum(events, LedgerKind.WRITE_OFF, on)
    )


def principal_repaid(events: Sequence[Entry], on: dt.date) -> Decimal:
    """Principal repaid up to ``on``."""
    return _sum(events, LedgerKind.REPAYMENT_PRINCIPAL, on)


def interest_paid(events: Sequence[Entry], on: dt.date) -> Decimal:
    """Interest paid up to ``on``."""
    return _sum(events, LedgerKind.REPAYMENT_INTEREST, on)


def written_off(events: Sequence[Entry], on: dt.date) -> Decimal:
    """Principal written off up to ``on``."""
    return _sum(events, LedgerKind.WRITE_OFF, on)


def recovered(events: Sequence[Entry], on: dt.date) -> Decimal:
    """Amounts recovered after write-off up to ``on``."""
    return _sum(events, LedgerKind.RECOVERY, on)


def days_past_due(schedule: Sequence[Due], events: Sequence[Entry], on: dt.date) -> int:
    """Days since the earliest installment not covered by principal repaid by ``on`` (0 if none).

    Principal repayments are applied to installments in order (oldest first). A written-off or
    fully repaid loan is not past due.
    """
    if outstanding_principal(events, on) <= 0:
        return 0
    paid = principal_repaid(events, on)
    cumulative = ZERO
    for item in sorted(schedule, key=lambda d: d.n):
        cumulative += item.principal
        if item.due_date >= on:
            return 0
        if paid < cumulative:
            return (on - item.due_date).days
    return 0


def bucket(dpd: int) -> str:
    """Overdue bucket of ``dpd`` days past due."""
    name = BUCKETS[0][1]
    for lower, label in BUCKETS:
        if dpd >= lower:
            name = label
    return name
