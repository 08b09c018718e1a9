"""Credit lifecycle services on SQLite and PostgreSQL: application → grant → drawdown → repayments,
overdue, default → write-off → recovery, balances from the ledger, optimistic locking, the CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from typer.testing import CliRunner

from kechuang.cli import credit_loans
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.credit import service as credit
from kechuang.credit.enums import (
    ApplicationStatus,
    LedgerKind,
    LoanStatus,
    RepaymentMethod,
    Security,
)
from kechuang.credit.models import LedgerEvent
from kechuang.credit.schemas import ApplicationCreate, GrantCreate
from kechuang.registry import service as registry_service
from kechuang.registry.models import Institution
from kechuang.registry.schemas import EnterpriseCreate, InstitutionCreate
from kechuang.storage.db import session_factory, unit_of_work
from kechuang.storage.history import ChangeHistory

A = "91310115MA1H7K2A16"
B = "913101041234567882"
BANK = "BOC-SH"
OTHER_BANK = "ICBC-SH"
GRANTED = dt.date(2024, 1, 15)
DUE_1 = dt.date(2024, 2, 15)  # first installment of a loan drawn on GRANTED
D = Decimal

_serial = itertools.count(1)


# ------------------------------------------------------------------ set-up helpers


def _registry(db_url: str) -> None:
    """Two enterprises and two banks."""
    with unit_of_work(db_url) as session:
        for uscc, name in ((A, "上海甲科技有限公司"), (B, "上海乙科技有限公司")):
            registry_service.create(
                session=session,
                enterprise_in=EnterpriseCreate(
                    uscc=uscc, name=name, district_code="310115", registered_on=dt.date(2019, 1, 1)
                ),
            )
        for code, name in ((BANK, "中国银行上海市分行"), (OTHER_BANK, "工商银行上海市分行")):
            registry_service.create_institution(
                session=session,
                institution_in=InstitutionCreate(code=code, name=name, kind="bank"),
            )


def _registry_once(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        exists = session.scalar(select(Institution.id).where(Institution.code == BANK))
    if exists is None:
        _registry(db_url)


def _grant(
    db_url: str,
    *,
    amount: str = "1200000.00",
    uscc: str = A,
    bank: str = BANK,
    method: RepaymentMethod = RepaymentMethod.EQUAL_PRINCIPAL,
    rate: str = "0.0360",
) -> str:
    """Submit, review and approve an application; return the grant's contract number."""
    n = next(_serial)
    contract = f"HT-{n:04d}"
    with unit_of_work(db_url) as session:
        app = credit.submit_application(
            session=session,
            application_in=ApplicationCreate(
                application_no=f"SQ-{n:04d}",
                uscc=uscc,
                bank_code=bank,
                product_key="kechuang_dai",
                requested_amount=D(amount),
                requested_term_months=12,
                applied_on=GRANTED - dt.timedelta(days=10),
            ),
            actor="teller",
        )
        credit.start_review(session=session, application=app, on=GRANTED - dt.timedelta(days=5))
        credit.approve_application(
            session=session,
            application=app,
            grant_in=GrantCreate(
                contract_no=contract,
                amount=D(amount),
                term_months=12,
                annual_rate=D(rate),
                repayment_method=method,
                security=Security.NONE,
                first_loan=True,
            ),
            on=GRANTED,
            actor="credit-committee",
        )
    return contract


def _loan(db_url: str, contract: str, amount: str = "1200000.00", on: dt.date = GRANTED) -> str:
    loan_no = f"JJ-{next(_serial):04d}"
    with unit_of_work(db_url) as session:
        grant = credit.get_grant_by_contract(session=session, contract_no=contract)
        credit.draw_down(
            session=session, grant=grant, loan_no=loan_no, amount=D(amount), on=on, actor="teller"
        )
    return loan_no


def _statuses(db_url: str, loan_no: str) -> list[tuple[str, str]]:
    """The loan's recorded status changes, oldest first."""
    with unit_of_work(db_url) as session:
        rows = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == "loan", ChangeHistory.record_key == loan_no)
            .order_by(ChangeHistory.id)
        ).all()
        return [
            (h.changes["status"][0], h.changes["status"][1]) for h in rows if h.action == "update"
        ]


# ------------------------------------------------------------------ happy path


def test_application_to_grant_to_loan_to_repaid(db_url: str) -> None:
    _registry(db_url)
    contract = _grant(db_url)
    with unit_of_work(db_url) as session:
        app = credit.get_application(session=session, application_no="SQ-" + contract[3:])
        assert app.status is ApplicationStatus.APPROVED
        assert (app.decided_on, app.decided_by) == (GRANTED, "credit-committee")
        grant = credit.get_grant_by_contract(session=session, contract_no=contract)
        assert (grant.amount, grant.granted_on, grant.expires_on) == (
            D("1200000.00"),
            GRANTED,
            dt.date(2025, 1, 15),
        )
        assert grant.application_id == app.id and grant.first_loan
        history = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == "credit_application")
            .order_by(ChangeHistory.id)
        ).all()
        assert [h.changes.get("status") for h in history] == [
            [None, "submitted"],
            ["submitted", "under_review"],
            ["under_review", "approved"],
        ]

    loan_no = _loan(db_url, contract)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        assert loan.status is LoanStatus.CURRENT and loan.first_loan and loan.unsecured
        assert [e.kind for e in loan.events] == [LedgerKind.DRAWDOWN]
        assert len(loan.installments) == 12
        assert sum(i.principal for i in loan.installments) == D("1200000.00")
        assert loan.installments[0].due_date == DUE_1
        assert loan.maturity_date == dt.date(2025, 1, 15)
        plan = [(i.due_date, i.principal, i.interest) for i in loan.installments]

    # pay every installment on its due date, each in its own transaction
    for n, (due, principal, interest) in enumerate(plan, start=1):
        with unit_of_work(db_url) as session:
            loan = credit.get_loan(session=session, loan_no=loan_no)
            events = credit.repay(
                session=session,
                loan=loan,
                principal=principal,
                interest=interest,
                on=due,
                actor="teller",
                reference=f"TX-{n}",
            )
            assert [e.kind for e in events] == [
                LedgerKind.REPAYMENT_PRINCIPAL,
                LedgerKind.REPAYMENT_INTEREST,
            ]
            assert credit.balance(loan=loan, on=due) == D("1200000.00") - principal * n
            assert loan.status is (LoanStatus.REPAID if n == 12 else LoanStatus.CURRENT)

    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        statement = credit.loan_statement(loan=loan, on=dt.date(2025, 2, 1))
        assert statement.outstanding == 0 and statement.days_past_due == 0
        assert statement.interest_paid == sum(i for _d, _p, i in plan)
        assert {line.state for line in statement.schedule} == {"paid"}
        assert loan.status_since == dt.date(2025, 1, 15)
        with pytest.raises(Conflict) as info:  # nothing more can be repaid
            credit.repay(
                session=session, loan=loan, principal=D(0), interest=D(1), on=dt.date(2025, 2, 1)
            )
        assert info.value.code == "loan_not_repayable"
    assert _statuses(db_url, loan_no) == [("current", "repaid")]


# ------------------------------------------------------------------ overdue


@pytest.mark.parametrize(
    ("days_after_due", "dpd", "bucket"),
    [
        (0, 0, "current"),  # the due date itself is not past due
        (1, 1, "dpd_1_30"),
        (30, 30, "dpd_1_30"),
        (31, 31, "dpd_31_60"),
        (60, 60, "dpd_31_60"),
        (61, 61, "dpd_61_90"),
        (90, 90, "dpd_61_90"),
        (91, 91, "dpd_90_plus"),
    ],
)
def test_dpd_and_bucket_at_exact_day_boundaries(
    db_url: str, days_after_due: int, dpd: int, bucket: str
) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    on = DUE_1 + dt.timedelta(days=days_after_due)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        statement = credit.loan_statement(loan=loan, on=on)
        assert (statement.days_past_due, statement.bucket) == (dpd, bucket)
        status = credit.refresh_status(session=session, loan=loan, on=on)
        assert status is (LoanStatus.OVERDUE if dpd else LoanStatus.CURRENT)
        if dpd:
            assert loan.status_since == DUE_1 + dt.timedelta(days=1)  # the first day past due


def test_missed_installments_make_a_loan_overdue_and_catching_up_makes_it_current(
    db_url: str,
) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))  # 12 × 100 000 principal, first due 2024-02-15
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        assert credit.refresh_status(session=session, loan=loan, on=DUE_1) is LoanStatus.CURRENT
        on = dt.date(2024, 3, 20)  # installment 1 (2-15) and 2 (3-15) missed
        assert credit.refresh_status(session=session, loan=loan, on=on) is LoanStatus.OVERDUE
        statement = credit.loan_statement(loan=loan, on=on)
        assert statement.days_past_due == (on - DUE_1).days == 34
        assert statement.principal_in_arrears == D("200000.00")
        assert [line.state for line in statement.schedule[:3]] == ["overdue", "overdue", "upcoming"]

        # a partial payment covering installment 1 only: dpd now counts from installment 2
        credit.repay(session=session, loan=loan, principal=D("100000.00"), on=on)
        assert loan.status is LoanStatus.OVERDUE
        assert credit.loan_statement(loan=loan, on=on).days_past_due == 5

        # paying installment 2 catches up
        credit.repay(
            session=session, loan=loan, principal=D("100000.00"), interest=D("7000"), on=on
        )
        assert (loan.status, loan.status_since) == (LoanStatus.CURRENT, on)
        assert credit.loan_statement(loan=loan, on=on).days_past_due == 0
        with pytest.raises(ValidationError) as info:  # no status change from a stale as-of date
            credit.refresh_status(session=session, loan=loan, on=dt.date(2024, 3, 1))
        assert info.value.code == "event_backdated"
    assert _statuses(db_url, loan_no) == [("current", "overdue"), ("overdue", "current")]


def test_repaying_everything_from_overdue_is_repaid(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url, amount="500000.00"), amount="500000.00")
    on = dt.date(2024, 4, 1)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.refresh_status(session=session, loan=loan, on=on)
        credit.repay(session=session, loan=loan, principal=D("500000.00"), on=on)
        assert loan.status is LoanStatus.REPAID
    assert _statuses(db_url, loan_no) == [("current", "overdue"), ("overdue", "repaid")]


# ------------------------------------------------------------------ default, write-off, recovery


def test_default_then_write_off_then_recoveries(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.repay(session=session, loan=loan, principal=D("100000.00"), on=DUE_1)
        due_2 = dt.date(2024, 3, 15)  # now installment 2 is the first unpaid one

        with pytest.raises(Conflict):  # recoveries only after write-off
            credit.record_recovery(session=session, loan=loan, amount=D("1.00"), on=due_2)
        with pytest.raises(Conflict) as info:  # write-off only from defaulted
            credit.write_off(session=session, loan=loan, on=due_2)
        assert info.value.code == "invalid_transition"

        with pytest.raises(ValidationError) as not_due:  # 89 days: not yet, and no reason given
            credit.mark_default(session=session, loan=loan, on=due_2 + dt.timedelta(days=89))
        assert not_due.value.code == "default_not_due"
        assert "89" in not_due.value.message.en

    day_90 = dt.date(2024, 3, 15) + dt.timedelta(days=90)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.mark_default(session=session, loan=loan, on=day_90, actor="risk")
        assert (loan.status, loan.status_since) == (LoanStatus.DEFAULTED, day_90)
        with pytest.raises(Conflict) as info:
            credit.repay(session=session, loan=loan, principal=D("1.00"), on=day_90)
        assert info.value.code == "loan_not_repayable"

    written_on = day_90 + dt.timedelta(days=30)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        event = credit.write_off(session=session, loan=loan, on=written_on, actor="risk")
        assert (event.kind, event.amount) == (LedgerKind.WRITE_OFF, D("1100000.00"))
        assert credit.balance(loan=loan, on=written_on) == 0
        assert credit.balance(loan=loan, on=written_on - dt.timedelta(days=1)) == D("1100000.00")
        with pytest.raises(Conflict):  # once only
            credit.write_off(session=session, loan=loan, on=written_on)

    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.record_recovery(
            session=session,
            loan=loan,
            amount=D("300000.00"),
            on=dt.date(2024, 9, 1),
            reference="法院执行",
        )
        credit.record_recovery(
            session=session, loan=loan, amount=D("50000.00"), on=dt.date(2024, 10, 1)
        )
        with pytest.raises(ValidationError):  # events are appended in date order
            credit.record_recovery(
                session=session, loan=loan, amount=D("1.00"), on=dt.date(2024, 9, 15)
            )
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        statement = credit.loan_statement(loan=loan, on=dt.date(2024, 12, 31))
        assert statement.status is LoanStatus.WRITTEN_OFF
        assert (statement.outstanding, statement.written_off, statement.recovered) == (
            D("0.00"),
            D("1100000.00"),
            D("350000.00"),
        )
        assert statement.days_past_due == 0  # a written-off loan is not past due
    assert _statuses(db_url, loan_no) == [
        ("current", "overdue"),
        ("overdue", "defaulted"),
        ("defaulted", "written_off"),
    ]
    with unit_of_work(db_url) as session:
        default_row = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.record_key == loan_no, ChangeHistory.actor == "risk")
            .order_by(ChangeHistory.id)
        ).first()
        assert default_row is not None
        assert default_row.changes["reason"][1].startswith("逾期 90 天")


def test_default_by_decision_needs_a_reason_and_an_overdue_loan(db_url: str) -> None:
    _registry(db_url)
    contract = _grant(db_url)
    overdue, current = _loan(db_url, contract, "600000.00"), _loan(db_url, contract, "600000.00")
    on = DUE_1 + dt.timedelta(days=10)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=overdue)
        credit.mark_default(session=session, loan=loan, on=on, reason="企业破产重整")
        assert loan.status is LoanStatus.DEFAULTED
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=current)
        with pytest.raises(Conflict) as info:  # not past due: current → defaulted is not allowed
            credit.mark_default(session=session, loan=loan, on=DUE_1, reason="企业破产重整")
        assert info.value.code == "invalid_transition"
        assert "current" in info.value.message.en and "defaulted" in info.value.message.en


# ------------------------------------------------------------------ invalid transitions via the service


def test_invalid_application_transitions_are_rejected(db_url: str) -> None:
    _registry(db_url)
    application_in = ApplicationCreate(
        application_no="SQ-X",
        uscc=A,
        bank_code=BANK,
        product_key="kechuang_dai",
        requested_amount=D("100000"),
        requested_term_months=12,
        applied_on=GRANTED,
    )
    grant_in = GrantCreate(
        contract_no="HT-X",
        amount=D("100000"),
        term_months=12,
        annual_rate=D("0.035"),
        repayment_method=RepaymentMethod.INTEREST_ONLY,
        security=Security.IP_PLEDGE,
    )
    with unit_of_work(db_url) as session:
        app = credit.submit_application(session=session, application_in=application_in)
        with pytest.raises(Conflict) as info:  # must be reviewed first
            credit.approve_application(
                session=session, application=app, grant_in=grant_in, on=GRANTED
            )
        assert "application SQ-X cannot go from submitted to approved" in info.value.message.en
        with pytest.raises(Conflict):
            credit.submit_application(session=session, application_in=application_in)
        credit.start_review(session=session, application=app, on=GRANTED)
        with pytest.raises(Conflict):
            credit.start_review(session=session, application=app, on=GRANTED)
        with pytest.raises(ValidationError):
            credit.reject_application(session=session, application=app, reason=" ", on=GRANTED)
        credit.reject_application(
            session=session, application=app, reason="缺少财务报表", on=GRANTED
        )
        for attempt in (
            lambda: credit.withdraw_application(session=session, application=app, on=GRANTED),
            lambda: credit.start_review(session=session, application=app, on=GRANTED),
            lambda: credit.approve_application(
                session=session, application=app, grant_in=grant_in, on=GRANTED
            ),
        ):
            with pytest.raises(Conflict) as info:
                attempt()
            assert info.value.code == "invalid_transition"
        assert (app.status, app.rejection_reason) == (ApplicationStatus.REJECTED, "缺少财务报表")
        assert credit.get_application(session=session, application_no="SQ-X").decided_on == GRANTED


def test_unknown_records_are_not_found(db_url: str) -> None:
    _registry(db_url)
    with unit_of_work(db_url) as session:
        with pytest.raises(NotFound):
            credit.get_loan(session=session, loan_no="nope")
        with pytest.raises(NotFound):
            credit.get_grant_by_contract(session=session, contract_no="nope")
        with pytest.raises(NotFound):
            credit.get_bank(session=session, code="nope")


# ------------------------------------------------------------------ drawdown and repayment limits


def test_drawdowns_may_not_exceed_the_grant_or_leave_its_validity(db_url: str) -> None:
    _registry(db_url)
    contract = _grant(db_url, amount="1000000.00")
    _loan(db_url, contract, "600000.00")
    with unit_of_work(db_url) as session:
        grant = credit.get_grant_by_contract(session=session, contract_no=contract)
        with pytest.raises(ValidationError) as info:
            credit.draw_down(
                session=session, grant=grant, loan_no="JJ-OVER", amount=D("400000.01"), on=GRANTED
            )
        assert info.value.code == "grant_exceeded"
        assert "600000.00" in info.value.message.en
        for outside in (GRANTED - dt.timedelta(days=1), dt.date(2025, 1, 16)):
            with pytest.raises(ValidationError) as info:
                credit.draw_down(
                    session=session, grant=grant, loan_no="JJ-LATE", amount=D("1.00"), on=outside
                )
            assert info.value.code == "drawdown_outside_grant"
        with pytest.raises(ValidationError):
            credit.draw_down(
                session=session, grant=grant, loan_no="JJ-ZERO", amount=D("0"), on=GRANTED
            )
        credit.draw_down(  # exactly the rest, on the last valid day
            session=session,
            grant=grant,
            loan_no="JJ-REST",
            amount=D("400000.00"),
            on=dt.date(2025, 1, 15),
        )
        with pytest.raises(ValidationError):
            credit.draw_down(
                session=session, grant=grant, loan_no="JJ-FEN", amount=D("0.01"), on=GRANTED
            )
    with unit_of_work(db_url) as session, pytest.raises(Conflict):
        grant = credit.get_grant_by_contract(session=session, contract_no=contract)
        credit.draw_down(session=session, grant=grant, loan_no="JJ-REST", amount=D("1"), on=GRANTED)


def test_repayments_may_not_exceed_the_outstanding_principal(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url, amount="10000.00"), "10000.00")
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.repay(session=session, loan=loan, principal=D("4000.00"), on=DUE_1)
        with pytest.raises(ValidationError) as info:
            credit.repay(session=session, loan=loan, principal=D("6000.01"), on=DUE_1)
        assert info.value.code == "repayment_exceeds_outstanding"
        assert "6000.00" in info.value.message.en
        for bad in (D("-1"), D("0.001"), 1.5):
            with pytest.raises(ValidationError):
                credit.repay(session=session, loan=loan, principal=bad, on=DUE_1)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):  # nothing at all
            credit.repay(session=session, loan=loan, principal=D(0), interest=D(0), on=DUE_1)
        with pytest.raises(ValidationError) as info:  # before the last event
            credit.repay(
                session=session, loan=loan, principal=D(1), on=DUE_1 - dt.timedelta(days=1)
            )
        assert info.value.code == "event_backdated"
        assert credit.balance(loan=loan, on=DUE_1) == D("6000.00")
        credit.repay(session=session, loan=loan, principal=D("6000.00"), on=DUE_1)
        assert loan.status is LoanStatus.REPAID


# ------------------------------------------------------------------ balances from the ledger


def test_balance_at_any_date_is_the_sum_of_events_up_to_it(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    payments = [
        (dt.date(2024, 2, 15), D("100000.00")),
        (dt.date(2024, 2, 15), D("0.01")),
        (dt.date(2024, 3, 1), D("99999.99")),
        (dt.date(2024, 5, 20), D("250000.00")),
    ]
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        for on, amount in payments:
            credit.repay(session=session, loan=loan, principal=amount, interest=D("10.00"), on=on)
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        rows = session.execute(
            select(LedgerEvent.kind, LedgerEvent.event_date, LedgerEvent.amount).where(
                LedgerEvent.loan_id == loan.id
            )
        ).all()
        sign = {LedgerKind.DRAWDOWN: 1, LedgerKind.REPAYMENT_PRINCIPAL: -1}
        day = GRANTED - dt.timedelta(days=2)
        while day <= dt.date(2024, 6, 1):
            expected = sum(
                (sign.get(kind, 0) * amount for kind, when, amount in rows if when <= day),
                D("0.00"),
            )
            assert credit.balance(loan=loan, on=day) == expected, day
            day += dt.timedelta(days=1)
        assert credit.balance(loan=loan, on=dt.date(2024, 3, 1)) == D("1000000.00")
        assert credit.balance(loan=loan, on=GRANTED - dt.timedelta(days=1)) == 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn_fen=st.integers(min_value=1, max_value=10**10),
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=45),  # days since the previous event
            st.floats(min_value=0, max_value=1, allow_nan=False),  # share of what is outstanding
            st.integers(min_value=0, max_value=10**6),  # interest in fen
        ),
        max_size=12,
    ),
)
def test_valid_repayments_never_make_the_balance_negative(
    db_url: str, drawn_fen: int, steps: list[tuple[int, float, int]]
) -> None:
    _registry_once(db_url)  # hypothesis runs every example on the same database
    drawn = D(drawn_fen) / 100
    loan_no = _loan(db_url, _grant(db_url, amount=str(drawn)), str(drawn))
    repaid = D("0.00")
    on = GRANTED
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        for gap, share, interest_fen in steps:
            on += dt.timedelta(days=gap)
            outstanding = credit.balance(loan=loan, on=on)
            principal = (outstanding * D(str(share))).quantize(D("0.01"))
            interest = D(interest_fen) / 100
            if principal == 0 and interest == 0:
                continue
            credit.repay(session=session, loan=loan, principal=principal, interest=interest, on=on)
            repaid += principal
            assert credit.balance(loan=loan, on=on) == drawn - repaid >= 0
            if loan.status is LoanStatus.REPAID:
                break
    with unit_of_work(db_url) as session:  # and the same once read back from the database
        loan = credit.get_loan(session=session, loan_no=loan_no)
        assert credit.balance(loan=loan, on=on) == drawn - repaid >= 0
        assert (loan.status is LoanStatus.REPAID) == (drawn == repaid)


# ------------------------------------------------------------------ optimistic locking


def test_two_sessions_repaying_one_loan_cannot_both_win(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    make = session_factory(db_url)
    first, second = make(), make()
    try:
        loan_1 = credit.get_loan(session=first, loan_no=loan_no)
        loan_2 = credit.get_loan(session=second, loan_no=loan_no)
        assert loan_1.version == loan_2.version
        credit.repay(session=first, loan=loan_1, principal=D("1200000.00"), on=DUE_1)
        first.commit()
        with pytest.raises(StaleDataError):
            credit.repay(session=second, loan=loan_2, principal=D("1200000.00"), on=DUE_1)
        second.rollback()
    finally:
        first.close()
        second.close()
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        assert credit.balance(loan=loan, on=DUE_1) == 0  # repaid once, not twice
        assert [e.kind for e in loan.events] == [
            LedgerKind.DRAWDOWN,
            LedgerKind.REPAYMENT_PRINCIPAL,
        ]


def test_two_sessions_drawing_on_one_grant_cannot_both_win(db_url: str) -> None:
    _registry(db_url)
    contract = _grant(db_url, amount="1000000.00")
    make = session_factory(db_url)
    first, second = make(), make()
    try:
        grant_1 = credit.get_grant_by_contract(session=first, contract_no=contract)
        grant_2 = credit.get_grant_by_contract(session=second, contract_no=contract)
        credit.draw_down(
            session=first, grant=grant_1, loan_no="JJ-A", amount=D("800000"), on=GRANTED
        )
        first.commit()
        with pytest.raises(StaleDataError):  # each saw 1 000 000 free; only one may draw 800 000
            credit.draw_down(
                session=second, grant=grant_2, loan_no="JJ-B", amount=D("800000"), on=GRANTED
            )
        second.rollback()
    finally:
        first.close()
        second.close()


# ------------------------------------------------------------------ statement, portfolio, CLI


def test_statement_shows_schedule_against_payments_and_only_events_to_date(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    with unit_of_work(db_url) as session:
        loan = credit.get_loan(session=session, loan_no=loan_no)
        credit.repay(
            session=session, loan=loan, principal=D("150000.00"), interest=D("3600"), on=DUE_1
        )
        credit.repay(session=session, loan=loan, principal=D("50000.00"), on=dt.date(2024, 4, 1))
        st_ = credit.loan_statement(loan=loan, on=dt.date(2024, 3, 15))
        assert [line.state for line in st_.schedule[:3]] == ["paid", "due", "upcoming"]
        assert st_.schedule[1].principal_paid == D("50000.00")
        assert [e.kind for e in st_.events] == [
            LedgerKind.DRAWDOWN,
            LedgerKind.REPAYMENT_PRINCIPAL,
            LedgerKind.REPAYMENT_INTEREST,
        ]
        assert st_.outstanding == D("1050000.00") and st_.principal_due_to_date == D("200000.00")
        assert (
            st_.interest_due_to_date
            == loan.installments[0].interest + loan.installments[1].interest
        )


def test_portfolio_by_status_bucket_and_borrowers(db_url: str) -> None:
    _registry(db_url)
    grant_a = _grant(db_url, amount="3000000.00")
    paid_a = _loan(db_url, grant_a, "1000000.00")
    _loan(db_url, grant_a, "1200000.00")  # never repaid: overdue
    _loan(db_url, grant_a, "800000.00", on=dt.date(2024, 6, 1))  # drawn after the first as-of date
    grant_b = _grant(db_url, amount="500000.00", uscc=B, bank=OTHER_BANK)
    b_loan = _loan(db_url, grant_b, "500000.00")
    on = dt.date(2024, 4, 1)
    with unit_of_work(db_url) as session:
        for loan_no in (paid_a, b_loan):  # keep up with the schedule
            loan = credit.get_loan(session=session, loan_no=loan_no)
            for item in loan.installments[:2]:
                credit.repay(session=session, loan=loan, principal=item.principal, on=item.due_date)
        paid = credit.get_loan(session=session, loan_no=paid_a)
        credit.repay(session=session, loan=paid, principal=credit.balance(loan=paid, on=on), on=on)
        assert paid.status is LoanStatus.REPAID

        p = credit.portfolio(session=session, on=on)
        assert (p.loans, p.borrowers) == (2, 2)
        # late_a 1 200 000 + b_loan 500 000 less two installments of 41 666.67
        assert p.outstanding == D("1200000.00") + D("416666.66")
        assert set(p.by_status) == {"current", "overdue"}
        assert p.by_status["overdue"].outstanding == D("1200000.00")
        assert p.by_bucket["dpd_31_60"].loans == 1  # late_a: first due 2-15, 46 days at 4-1

        mine = credit.portfolio(
            session=session, bank_id=credit.get_bank(session=session, code=BANK).id, on=on
        )
        assert (mine.loans, mine.borrowers, mine.outstanding) == (1, 1, D("1200000.00"))
        later = credit.portfolio(session=session, bank_id=mine.bank_id, on=dt.date(2024, 6, 1))
        assert (later.loans, later.borrowers) == (2, 1)  # two loans, one borrower (存量户数)
        assert credit.portfolio(session=session, on=GRANTED - dt.timedelta(days=1)).loans == 0


def test_cli_show_and_portfolio(db_url: str) -> None:
    _registry(db_url)
    loan_no = _loan(db_url, _grant(db_url))
    runner = CliRunner()
    result = runner.invoke(credit_loans.app, ["show", loan_no, "--as-of", "2024-03-20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["loan"]["loan_no"] == loan_no and data["uscc"] == A
    assert (data["outstanding"], data["days_past_due"], data["bucket"]) == (
        "1200000.00",
        34,
        "dpd_31_60",
    )
    assert [e["kind"] for e in data["events"]] == ["drawdown"]
    assert (data["status"], data["status_by_ledger"]) == ("current", "overdue")  # not refreshed

    result = runner.invoke(credit_loans.app, ["show", loan_no, "--as-of", "2024-03-20"])
    assert result.exit_code == 0, result.output
    assert loan_no in result.stdout and "¥1,200,000.00" in result.stdout

    result = runner.invoke(
        credit_loans.app, ["portfolio", "--bank", BANK, "--as-of", "2024-03-20", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["loans"], data["borrowers"], data["outstanding"]) == (1, 1, "1200000.00")
    result = runner.invoke(credit_loans.app, ["portfolio", "--as-of", "2024-03-20"])
    assert result.exit_code == 0 and "1,200,000.00" in result.stdout

    result = runner.invoke(credit_loans.app, ["show", "NO-SUCH-LOAN"])
    assert result.exit_code == 1
