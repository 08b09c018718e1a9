"""Credit imports on SQLite and PostgreSQL: grants, banks' monthly loan reports, ledger events.

Inputs are small CSV texts written in the test. The registry has two enterprises (``A``, ``B``),
two banks (``BANK1``, ``BANK2``) and an insurer (``INS1``), loaded through the registry import.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import credit_import
from kechuang.core import importspec as sp
from kechuang.core.errors import ImportRejected
from kechuang.credit.enums import LedgerKind, RepaymentMethod, Security
from kechuang.credit.imports import add_months, import_file, parse_rate
from kechuang.credit.ledger import Entry, outstanding_principal
from kechuang.credit.models import CreditGrant, Installment, LedgerEvent, Loan
from kechuang.registry.imports import import_file as registry_import
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory, ImportBatch

A = "91310115MA1H7K2A16"
B = "913101041234567882"
UNKNOWN = "91310112876543210R"

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期
{A},上海甲科技有限公司,浦东新区,2010-01-01
{B},上海乙科技有限公司,徐汇区,2011-01-01
"""
INSTITUTIONS = """机构代码,机构名称,机构类型
BANK1,示例银行上海分行,银行
BANK2,另一银行上海分行,银行
INS1,示例保险上海分公司,保险机构
"""

GRANTS = f"""合同编号,统一社会信用代码,产品,银行机构代码,授信金额,授信日期,期限（月）,年利率,还款方式,担保方式,首贷,保费
HT-001,{A},sci_tech_performance_loan,BANK1,5000000,2024-01-15,12,4.35%,等额本息,信用,是,
HT-002,{B},little_giant_credit_loan,bank1,"3,000,000.00",2024/2/1,24,0.0385,按期付息到期还本,履约保证保险,否,15000
"""

LOANS_MAY = """借据号,合同编号,放款日期,放款金额,到期日,年利率,还款方式,报告月份,月末余额
JJ-1,HT-001,2024-03-01,1000000,2025-03-01,4.35%,等额本息,2024-05,1000000
JJ-2,HT-001,2024-05-10,2000000.50,2025-05-10,0.0435,等额本金,2024-05,2000000.50
JJ-3,HT-002,2024-04-01,3000000,2026-04-01,3.85%,先息后本,2024-05,3000000
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(db_url: str, kind: str, path: Path, *, dry_run: bool = False) -> Any:
    with unit_of_work(db_url, commit=not dry_run) as session:
        return import_file(session=session, kind=kind, path=path, actor="tester", dry_run=dry_run)


def rejected(db_url: str, kind: str, path: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        run(db_url, kind, path)
    return info.value


def rules(exc: ImportRejected) -> list[tuple[int | None, str]]:
    return [(i.row, i.rule) for i in exc.issues if i.severity == "error"]


def count(db_url: str, model: type) -> int:
    with unit_of_work(db_url) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def registry(db_url: str, tmp_path: Path) -> None:
    with unit_of_work(db_url) as session:
        for kind, name, text in (
            ("enterprises", "e.csv", ENTERPRISES),
            ("institutions", "i.csv", INSTITUTIONS),
        ):
            registry_import(
                session=session, kind=kind, path=write(tmp_path, name, text), actor="tester"
            )


@pytest.fixture
def grants(db_url: str, tmp_path: Path) -> str:
    registry(db_url, tmp_path)
    run(db_url, "grants", write(tmp_path, "grants.csv", GRANTS))
    return db_url


@pytest.fixture
def loans(grants: str, tmp_path: Path) -> str:
    run(grants, "loans", write(tmp_path, "loans-2024-05.csv", LOANS_MAY))
    return grants


def ledger(db_url: str, loan_no: str) -> list[Entry]:
    with unit_of_work(db_url) as session:
        return [
            Entry(kind, day, amount)
            for kind, day, amount in session.execute(
                select(LedgerEvent.kind, LedgerEvent.event_date, LedgerEvent.amount)
                .join(Loan, Loan.id == LedgerEvent.loan_id)
                .where(Loan.loan_no == loan_no)
                .order_by(LedgerEvent.event_date, LedgerEvent.id)
            )
        ]


# ----------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0435", Decimal("0.0435")),
        ("4.35%", Decimal("0.0435")),
        ("4.35 %", Decimal("0.0435")),
        ("４．３５％", Decimal("0.0435")),  # full-width, as typed with a Chinese IME
        (0.0435, Decimal("0.0435")),  # an Excel percent cell holds the fraction
        ("0", Decimal("0")),
        ("3.5%", Decimal("0.035")),
    ],
)
def test_rate_forms_accepted(value: object, expected: Decimal) -> None:
    assert parse_rate(value) == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("4.35", "rate.ambiguous"),  # percent or fraction? refused, not guessed
        (4.35, "rate.ambiguous"),
        ("1", "rate.ambiguous"),
        ("abc", "rate.invalid"),
        ("4.35%%", "rate.invalid"),
        ("4,35%", "rate.invalid"),
        ("-1%", "rate.negative"),
        ("43.5%", "rate.range"),
        ("0.000000001", "rate.precision"),
        (True, "rate.invalid"),
    ],
)
def test_rate_forms_refused(value: object, rule: str) -> None:
    with pytest.raises(sp.FieldError) as info:
        parse_rate(value)
    assert info.value.rule == rule
    assert info.value.message.zh and info.value.message.en


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 1, 15), 12) == dt.date(2025, 1, 15)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


# ----------------------------------------------------------------------------- grants


def test_grants_import_parses_every_column(grants: str) -> None:
    with unit_of_work(grants) as session:
        g1, g2 = session.scalars(select(CreditGrant).order_by(CreditGrant.contract_no)).all()
        assert (g1.amount, g1.annual_rate, g1.term_months) == (
            Decimal("5000000.00"),
            Decimal("0.0435"),
            12,
        )
        assert (g1.granted_on, g1.expires_on) == (dt.date(2024, 1, 15), dt.date(2025, 1, 15))
        assert (g1.repayment_method, g1.security, g1.first_loan) == (
            RepaymentMethod.EQUAL_INSTALLMENT,
            Security.NONE,
            True,
        )
        assert g1.premium_paid is None
        assert (g2.amount, g2.annual_rate, g2.granted_on) == (
            Decimal("3000000.00"),
            Decimal("0.0385"),
            dt.date(2024, 2, 1),
        )
        assert (g2.repayment_method, g2.security, g2.first_loan, g2.premium_paid) == (
            RepaymentMethod.INTEREST_ONLY,
            Security.INSURANCE,
            False,
            Decimal("15000.00"),
        )
        history = session.scalar(
            select(func.count())
            .select_from(ChangeHistory)
            .where(ChangeHistory.table_name == "credit_grant")
        )
        assert history == 2  # grants are contracts: every create has a history row


def test_grants_reimport_is_idempotent_and_changes_are_updates(grants: str, tmp_path: Path) -> None:
    again = run(grants, "grants", write(tmp_path, "again.csv", GRANTS))
    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 2, False)
    assert count(grants, ImportBatch) == 3  # enterprises, institutions, grants: no empty batch
    changed = run(grants, "grants", write(tmp_path, "changed.csv", GRANTS.replace("4.35%", "4.5%")))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    with unit_of_work(grants) as session:
        grant = session.scalars(
            select(CreditGrant).where(CreditGrant.contract_no == "HT-001")
        ).one()
        assert (grant.annual_rate, grant.version) == (Decimal("0.045"), 2)


def test_grants_unknown_enterprise_unknown_bank_and_not_a_bank(db_url: str, tmp_path: Path) -> None:
    registry(db_url, tmp_path)
    text = f"""contract_no,uscc,product_key,bank_code,amount,granted_on,term_months,annual_rate,repayment_method,security
HT-9,{UNKNOWN},p,BANK1,100,2024-01-01,12,4%,equal_installment,none
HT-10,{A},p,NOPE,100,2024-01-01,12,4%,equal_installment,none
HT-11,{A},p,INS1,100,2024-01-01,12,4.35,equal_installment,none
HT-12,{A},p,BANK1,0,2024-01-01,0,4%,monthly,none
"""
    exc = rejected(db_url, "grants", write(tmp_path, "bad.csv", text))
    assert rules(exc) == [
        (4, "rate.ambiguous"),
        (5, "money.positive"),
        (5, "value.minimum"),
        (5, "value.choice"),
        (2, "import.unknown_enterprise"),
        (3, "import.unknown_bank"),
    ]
    assert count(db_url, CreditGrant) == 0
    # once the parse errors are fixed, the insurer is refused as a bank
    fixed = text.replace("4.35,", "4.35%,").replace(
        ",0,2024-01-01,0,4%,monthly", ",1,2024-01-01,1,4%,等额本金"
    )
    assert (4, "import.not_a_bank") in rules(
        rejected(db_url, "grants", write(tmp_path, "b2.csv", fixed))
    )


def test_grants_from_xlsx_with_percent_and_date_cells(db_url: str, tmp_path: Path) -> None:
    registry(db_url, tmp_path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(
        [
            "合同编号",
            "统一社会信用代码",
            "产品",
            "银行机构代码",
            "授信金额（万元）",
            "授信日期",
            "期限（月）",
            "年利率",
            "还款方式",
            "担保方式",
        ]
    )
    ws.append(
        [
            "HT-X",
            A,
            "p",
            "BANK2",
            500,
            dt.datetime(2024, 3, 1),
            6,
            0.0365,
            "等额本金",
            "知识产权质押",
        ]
    )
    path = tmp_path / "grants.xlsx"
    wb.save(path)
    report = run(db_url, "grants", path)
    assert (report.created, report.file_format) == (1, "xlsx")
    with unit_of_work(db_url) as session:
        g = session.scalars(select(CreditGrant)).one()
        assert (g.amount, g.annual_rate, g.granted_on, g.expires_on, g.security) == (
            Decimal("5000000.00"),
            Decimal("0.0365"),
            dt.date(2024, 3, 1),
            dt.date(2024, 9, 1),
            Security.IP_PLEDGE,
        )


# ----------------------------------------------------------------------------- loans


def test_loans_are_created_with_their_drawdown_and_no_installments(loans: str) -> None:
    with unit_of_work(loans) as session:
        rows = {ln.loan_no: ln for ln in session.scalars(select(Loan))}
        assert set(rows) == {"JJ-1", "JJ-2", "JJ-3"}
        jj1, jj3 = rows["JJ-1"], rows["JJ-3"]
        assert (jj1.principal, jj1.annual_rate, jj1.first_loan, jj1.unsecured) == (
            Decimal("1000000.00"),
            Decimal("0.0435"),
            True,
            True,
        )
        assert (jj3.first_loan, jj3.unsecured, jj3.repayment_method) == (
            False,
            False,
            RepaymentMethod.INTEREST_ONLY,
        )
        assert jj1.grant.contract_no == "HT-001"
        assert session.scalar(select(func.count()).select_from(Installment)) == 0
        events = session.execute(
            select(
                LedgerEvent.kind, LedgerEvent.amount, LedgerEvent.recorded_by, LedgerEvent.batch_id
            )
        ).all()
        assert len(events) == 3
        assert all(
            e.kind is LedgerKind.DRAWDOWN and e.recorded_by == "tester" and e.batch_id
            for e in events
        )
    assert outstanding_principal(ledger(loans, "JJ-2"), dt.date(2024, 5, 31)) == Decimal(
        "2000000.50"
    )


def test_loans_reimport_changes_nothing(loans: str, tmp_path: Path) -> None:
    batches = count(loans, ImportBatch)
    again = run(loans, "loans", write(tmp_path, "again.csv", LOANS_MAY))
    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 3, False)
    assert (count(loans, Loan), count(loans, LedgerEvent), count(loans, ImportBatch)) == (
        3,
        3,
        batches,
    )


def test_loans_dry_run_writes_nothing(grants: str, tmp_path: Path) -> None:
    report = run(grants, "loans", write(tmp_path, "loans.csv", LOANS_MAY), dry_run=True)
    assert (report.created, report.dry_run) == (3, True)
    assert "试运行" in report.summary().zh
    assert (count(grants, Loan), count(grants, LedgerEvent)) == (0, 0)


def test_gbk_file_with_bom_free_chinese_headers(grants: str, tmp_path: Path) -> None:
    report = run(grants, "loans", write(tmp_path, "gbk.csv", LOANS_MAY, "gbk"))
    assert (report.created, report.encoding) == (3, "gbk")
    bom = run(grants, "loans", write(tmp_path, "bom.csv", LOANS_MAY, "utf-8-sig"))
    assert (bom.unchanged, bom.encoding) == (3, "utf-8-sig")


def test_month_end_balance_is_reconciled_against_the_ledger(loans: str, tmp_path: Path) -> None:
    events = """借据号,类型,日期,金额,流水号
JJ-1,归还本金,2024-06-01,100000,T1
JJ-1,支付利息,2024-06-01,3625,T2
JJ-1,repayment_principal,2024-07-01,100000,T3
"""
    assert run(loans, "events", write(tmp_path, "ev.csv", events)).created == 3
    june = """借据号,合同编号,放款日期,放款金额,到期日,年利率,还款方式,报告月份,月末余额
JJ-1,HT-001,2024-03-01,1000000,2025-03-01,4.35%,等额本息,2024-06,1000000
JJ-2,HT-001,2024-05-10,2000000.50,2025-05-10,0.0435,等额本金,2024-06,2000000.50
"""
    exc = rejected(loans, "loans", write(tmp_path, "june.csv", june))
    (issue,) = exc.issues
    assert (issue.row, issue.rule, issue.column, issue.value) == (
        2,
        "reconcile.balance_mismatch",
        "月末余额",
        "1000000.00",
    )
    assert "900,000.00" in issue.message.zh and "1,000,000.00" in issue.message.zh
    assert "ledger balance on 2024-06-30 is 900,000.00" in issue.message.en
    assert outstanding_principal(ledger(loans, "JJ-1"), dt.date(2024, 6, 30)) == Decimal(
        "900000.00"
    )
    # the ledger is not touched; the corrected report reconciles (the July repayment is later)
    fixed = june.replace("2024-06,1000000\n", "2024-06,900000\n")
    assert run(loans, "loans", write(tmp_path, "june2.csv", fixed)).unchanged == 2
    # two months in one file, each against its own month end
    both = fixed + "JJ-1,HT-001,2024-03-01,1000000,2025-03-01,4.35%,等额本息,2024-07,800000\n"
    assert run(loans, "loans", write(tmp_path, "both.csv", both)).changed is False


def test_new_loan_reporting_more_than_its_principal_is_a_mismatch(
    grants: str, tmp_path: Path
) -> None:
    text = LOANS_MAY.replace("2024-05,3000000\n", "2024-05,3500000\n")
    exc = rejected(grants, "loans", write(tmp_path, "l.csv", text))
    assert rules(exc) == [(4, "reconcile.balance_mismatch")]
    assert "a new loan's ledger holds only its drawdown" in exc.issues[0].message.en
    assert count(grants, Loan) == 0


def test_new_loan_repaid_in_its_first_month_is_reconciled_after_its_events(
    grants: str, tmp_path: Path
) -> None:
    # JJ-3 was drawn in April and 500,000 repaid before the May report: the repayment can only be
    # imported once the loan exists, so the first import warns and a re-import reconciles.
    text = LOANS_MAY.replace("2024-05,3000000\n", "2024-05,2500000\n")
    first = run(grants, "loans", write(tmp_path, "l.csv", text))
    assert first.created == 3
    assert [(i.severity, i.row, i.rule) for i in first.issues] == [
        ("warning", 4, "reconcile.pending")
    ]
    events = "借据号,类型,日期,金额,流水号\nJJ-3,归还本金,2024-05-20,500000,T9\n"
    run(grants, "events", write(tmp_path, "ev.csv", events))
    again = run(grants, "loans", write(tmp_path, "l2.csv", text))
    assert (again.created, again.updated, again.issues) == (0, 0, [])
    wrong = text.replace("2024-05,2500000\n", "2024-05,2400000\n")
    exc = rejected(grants, "loans", write(tmp_path, "l3.csv", wrong))
    assert rules(exc) == [(4, "reconcile.balance_mismatch")]


def test_unknown_grant_and_grant_limits(grants: str, tmp_path: Path) -> None:
    text = """借据号,合同编号,放款日期,放款金额,到期日,年利率,还款方式,报告月份,月末余额
JJ-7,HT-404,2024-03-01,100,2025-03-01,4%,等额本息,2024-05,100
JJ-8,HT-001,2024-01-01,100,2025-01-01,4%,等额本息,2024-05,100
JJ-9,HT-001,2025-02-01,100,2026-02-01,4%,等额本息,2025-02,100
JJ-10,HT-001,2024-03-01,4000000,2025-03-01,4%,等额本息,2024-05,4000000
JJ-11,HT-001,2024-03-02,1000000.01,2025-03-01,4%,等额本息,2024-05,1000000.01
JJ-12,HT-001,2024-06-01,100,2024-05-01,4%,等额本息,2024-05,100
"""
    exc = rejected(grants, "loans", write(tmp_path, "l.csv", text))
    assert rules(exc) == [
        (2, "import.unknown_grant"),
        (3, "loan.before_grant"),
        (4, "loan.after_grant"),
        (6, "loan.exceeds_grant"),  # 4,000,000 + 1,000,000.01 > 5,000,000 granted
        (7, "loan.maturity_before_drawdown"),
        (7, "loan.drawn_after_report_month"),
    ]
    assert "4,000,000.00" in exc.issues[3].message.zh


def test_file_failing_on_its_last_row_imports_nothing(grants: str, tmp_path: Path) -> None:
    text = LOANS_MAY + "JJ-4,HT-002,2024-05-01,100,2025-05-01,4.35,等额本息,2024-05,100\n"
    exc = rejected(grants, "loans", write(tmp_path, "l.csv", text))
    assert rules(exc) == [(5, "rate.ambiguous")]
    assert exc.issues[0].column == "年利率"
    assert exc.message.en.endswith("nothing was imported")
    assert (count(grants, Loan), count(grants, LedgerEvent), count(grants, ImportBatch)) == (
        0,
        0,
        3,
    )


def test_known_loan_fields_that_cannot_change_and_those_that_can(
    loans: str, tmp_path: Path
) -> None:
    moved = LOANS_MAY.replace("JJ-1,HT-001,2024-03-01,1000000,", "JJ-1,HT-002,2024-03-02,1000001,")
    exc = rejected(loans, "loans", write(tmp_path, "moved.csv", moved))
    assert [i.column for i in exc.issues] == ["合同编号", "放款日期", "放款金额"]
    assert {i.rule for i in exc.issues} == {"loan.immutable_changed"}
    repriced = LOANS_MAY.replace("2025-03-01,4.35%", "2025-09-01,3.95%")
    report = run(loans, "loans", write(tmp_path, "repriced.csv", repriced))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with unit_of_work(loans) as session:
        loan = session.scalars(select(Loan).where(Loan.loan_no == "JJ-1")).one()
        assert (loan.maturity_date, loan.annual_rate, loan.version) == (
            dt.date(2025, 9, 1),
            Decimal("0.0395"),
            2,
        )
        (changes,) = session.scalars(
            select(ChangeHistory.changes).where(ChangeHistory.table_name == "loan")
        ).all()
        assert changes["annual_rate"] == ["0.04350000", "0.0395"]


def test_rows_of_one_new_loan_must_agree(grants: str, tmp_path: Path) -> None:
    text = LOANS_MAY + "JJ-1,HT-001,2024-03-01,999999,2025-03-01,4.35%,等额本息,2024-06,999999\n"
    exc = rejected(grants, "loans", write(tmp_path, "l.csv", text))
    assert rules(exc) == [(5, "loan.immutable_changed")]
    dup = LOANS_MAY + LOANS_MAY.splitlines()[1] + "\n"
    assert rules(rejected(grants, "loans", write(tmp_path, "d.csv", dup))) == [
        (5, "import.duplicate_key")
    ]


# ----------------------------------------------------------------------------- events


EVENTS = """借据号,类型,日期,金额,流水号
JJ-1,放款,2024-03-01,1000000,D-1
JJ-1,归还本金,2024-06-01,250000,T1
JJ-1,支付利息,2024-06-01,3625.00,T2
JJ-2,write_off,2024-06-15,2000000.50,W1
JJ-2,核销后收回,2024-08-01,10000,R1
"""


def test_events_import_and_identical_reimport_adds_nothing(loans: str, tmp_path: Path) -> None:
    report = run(loans, "events", write(tmp_path, "ev.csv", EVENTS))
    # the drawdown row is the one the loans import recorded: not added twice
    assert (report.created, report.unchanged) == (4, 1)
    assert count(loans, LedgerEvent) == 3 + 4
    again = run(loans, "events", write(tmp_path, "ev2.csv", EVENTS))
    assert (again.created, again.unchanged, again.changed) == (0, 5, False)
    assert count(loans, LedgerEvent) == 7
    jj1 = ledger(loans, "JJ-1")
    assert outstanding_principal(jj1, dt.date(2024, 6, 30)) == Decimal("750000.00")
    assert outstanding_principal(ledger(loans, "JJ-2"), dt.date(2024, 12, 31)) == Decimal("0.00")


def test_principal_repayment_beyond_the_outstanding_balance(loans: str, tmp_path: Path) -> None:
    run(
        loans,
        "events",
        write(
            tmp_path, "first.csv", "借据号,类型,日期,金额,流水号\nJJ-1,还本,2024-06-01,600000,T1\n"
        ),
    )
    text = """借据号,类型,日期,金额,流水号
JJ-1,还本,2024-07-01,300000,T2
JJ-1,还本,2024-08-01,100000.01,T3
JJ-3,核销,2024-09-01,3000000.01,W1
"""
    exc = rejected(loans, "events", write(tmp_path, "over.csv", text))
    assert rules(exc) == [(3, "event.exceeds_outstanding"), (4, "event.exceeds_outstanding")]
    assert (
        "100,000.00" in exc.issues[0].message.zh
    )  # 1,000,000 − 600,000 (ledger) − 300,000 (row 2)
    assert "ledger plus earlier rows of this file" in exc.issues[0].message.en
    assert count(loans, LedgerEvent) == 4


def test_event_errors_unknown_loan_conflict_drawdown_recovery(loans: str, tmp_path: Path) -> None:
    run(
        loans,
        "events",
        write(
            tmp_path, "first.csv", "借据号,类型,日期,金额,流水号\nJJ-1,还本,2024-06-01,600000,T1\n"
        ),
    )
    text = """loan_no,kind,event_date,amount,reference
JJ-404,repayment_principal,2024-06-01,1,X
JJ-1,repayment_principal,2024-06-01,600001,T1
JJ-1,drawdown,2024-06-01,5,D2
JJ-2,recovery,2024-07-01,5,R
JJ-3,repayment_interest,2024-03-01,5,I
JJ-3,compensation,2024-07-01,5,C
JJ-1,repayment_interest,2024-05-15,5,I2
"""
    exc = rejected(loans, "events", write(tmp_path, "bad.csv", text))
    assert rules(exc) == [
        (7, "value.choice"),  # compensation money comes from the claims workflow
        (2, "import.unknown_loan"),
        (3, "event.conflict"),
        (4, "event.second_drawdown"),
        (5, "event.recovery_without_write_off"),
        (6, "event.before_drawdown"),
        (8, "event.backdated"),  # JJ-1's ledger already runs to 2024-06-01
    ]


# ----------------------------------------------------------------------------- CLI


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """credit"""

    credit_import.register(app)
    return app


def test_cli_import_dry_run_json_and_errors_out(grants: str, tmp_path: Path) -> None:
    runner = CliRunner()
    path = write(tmp_path, "loans.csv", LOANS_MAY, "gbk")
    result = runner.invoke(_cli(), ["import", "loans", str(path), "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["ok"], body["created"], body["dry_run"], body["encoding"]) == (
        True,
        3,
        True,
        "gbk",
    )
    assert count(grants, Loan) == 0
    bad = write(tmp_path, "bad.csv", LOANS_MAY.replace("2024-05,3000000\n", "2024-05,3000001\n"))
    out = tmp_path / "issues.csv"
    result = runner.invoke(
        _cli(), ["import", "loans", str(bad), "--errors-out", str(out), "--actor", "bank-ops"]
    )
    assert result.exit_code == 1
    assert "reconcile.balance_mismatch" in out.read_text(encoding="utf-8-sig")
    result = runner.invoke(_cli(), ["import", "loans", str(path), "--actor", "bank-ops"])
    assert result.exit_code == 0, result.output
    with unit_of_work(grants) as session:
        assert set(session.scalars(select(LedgerEvent.recorded_by))) == {"bank-ops"}
