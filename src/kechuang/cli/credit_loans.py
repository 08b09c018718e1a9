"""``kechuang credit loan``: a loan's statement and the loan portfolio, from the ledger."""

from __future__ import annotations

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.money import format_yuan
from kechuang.core.periods import parse_as_of
from kechuang.credit import service as credit_service
from kechuang.credit.enums import LedgerKind, LoanStatus
from kechuang.credit.schemas import Portfolio
from kechuang.migrations import ensure_schema
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t("贷款：对账单与贷款余额结构", "Loans: statements and the portfolio"),
    no_args_is_help=True,
)

_BUCKETS = {
    "current": ("未逾期", "not past due"),
    "dpd_1_30": ("逾期 1–30 天", "1–30 days past due"),
    "dpd_31_60": ("逾期 31–60 天", "31–60 days past due"),
    "dpd_61_90": ("逾期 61–90 天", "61–90 days past due"),
    "dpd_90_plus": ("逾期 90 天以上", "over 90 days past due"),
}
_STATES = {
    "paid": ("已还", "paid"),
    "partial": ("部分已还", "partly paid"),
    "overdue": ("逾期", "overdue"),
    "due": ("今日到期", "due today"),
    "upcoming": ("未到期", "upcoming"),
}


def _bucket(name: str) -> str:
    zh, en = _BUCKETS.get(name, (name, name))
    return t(zh, en)


@app.command("show")
@handle_errors
def show(
    loan_no: str = typer.Argument(..., help=t("借据号", "loan number")),
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("对账日期（默认今天）", "statement date (default today)")
    ),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """显示贷款对账单：状态、未偿本金、逾期天数、还款计划与实还、台账事件 / Show a loan statement."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        loan = credit_service.get_loan(session=session, loan_no=loan_no)
        st = credit_service.loan_statement(loan=loan, on=day)
        enterprise = session.get(Enterprise, loan.enterprise_id)
        bank = session.get(Institution, loan.bank_id)
        parties = {
            "uscc": enterprise.uscc if enterprise else None,
            "enterprise_name": enterprise.name if enterprise else None,
            "bank_code": bank.code if bank else None,
            "bank_name": bank.name if bank else None,
        }
    if json_out:
        print_json(st.model_dump(mode="json") | parties)
        return
    console.print(
        f"[bold]{t('贷款', 'Loan')} {st.loan.loan_no}[/bold]  {t('授信合同', 'grant')} {st.contract_no}"
    )
    console.print(
        f"{parties['enterprise_name']} ({parties['uscc']})  ·  {parties['bank_name']} ({parties['bank_code']})"
    )
    head = Table(title=t(f"截至 {st.as_of}", f"As of {st.as_of}"), show_header=False)
    head.add_column(t("项目", "item"))
    head.add_column(t("值", "value"), justify="right")
    status = f"{st.status.label.text()} ({t('自', 'since')} {st.loan.status_since})"
    if st.status_by_ledger is not st.status:
        status += t(
            f"；按台账应为“{st.status_by_ledger.label.zh}”",
            f"; per the ledger: {st.status_by_ledger.label.en}",
        )
    head.add_row(t("状态", "status"), status)
    head.add_row(t("放款", "drawn"), f"{format_yuan(st.loan.principal)}  {st.loan.drawdown_date}")
    head.add_row(t("到期日", "maturity"), str(st.loan.maturity_date))
    head.add_row(t("未偿本金", "outstanding principal"), format_yuan(st.outstanding))
    head.add_row(t("已还本金", "principal repaid"), format_yuan(st.principal_repaid))
    head.add_row(t("已付利息", "interest paid"), format_yuan(st.interest_paid))
    head.add_row(
        t("应还本金 / 利息（至今）", "principal / interest due to date"),
        f"{format_yuan(st.principal_due_to_date)} / {format_yuan(st.interest_due_to_date)}",
    )
    head.add_row(t("拖欠本金", "principal in arrears"), format_yuan(st.principal_in_arrears))
    head.add_row(t("逾期天数", "days past due"), f"{st.days_past_due}  ({_bucket(st.bucket)})")
    if st.written_off or st.recovered:
        head.add_row(t("核销", "written off"), format_yuan(st.written_off))
        head.add_row(t("核销后收回", "recovered"), format_yuan(st.recovered))
    console.print(head)

    plan = Table(title=t("还款计划与实还", "Schedule vs paid"))
    for col in (
        t("期", "n"),
        t("到期日", "due"),
        t("应还本金", "principal"),
        t("应付利息", "interest"),
        t("已还本金", "principal paid"),
        t("未还本金", "unpaid"),
        t("状态", "state"),
    ):
        plan.add_column(col, justify="right")
    for line in st.schedule:
        zh, en = _STATES.get(line.state, (line.state, line.state))
        state = t(zh, en)
        if line.state == "overdue":
            state = f"[red]{state} {line.days_past_due}{t('天', 'd')}[/red]"
        plan.add_row(
            str(line.n),
            str(line.due_date),
            format_yuan(line.principal),
            format_yuan(line.interest),
            format_yuan(line.principal_paid),
            format_yuan(line.principal_unpaid),
            state,
        )
    console.print(plan)

    events = Table(title=t("台账事件", "Ledger events"))
    for col in (
        t("日期", "date"),
        t("类型", "kind"),
        t("金额", "amount"),
        t("凭证", "reference"),
        t("记录人", "by"),
    ):
        events.add_column(col)
    for e in st.events:
        events.add_row(
            str(e.event_date),
            LedgerKind(e.kind).label.text(),
            format_yuan(e.amount),
            e.reference or "",
            e.recorded_by,
        )
    console.print(events)


def _render_portfolio(p: Portfolio, bank: str | None) -> None:
    scope = bank or t("全部银行", "all banks")
    head = Table(
        title=t(
            f"贷款余额结构（{scope}，截至 {p.as_of}）", f"Loan portfolio ({scope}, as of {p.as_of})"
        )
    )
    head.add_column(t("项目", "item"))
    head.add_column(t("值", "value"), justify="right")
    head.add_row(t("贷款余额", "outstanding principal"), format_yuan(p.outstanding))
    head.add_row(t("有余额贷款笔数", "loans with a balance"), str(p.loans))
    head.add_row(t("存量户数", "borrowers with a balance"), str(p.borrowers))
    console.print(head)
    for title, rows, label in (
        (t("按状态", "By status"), p.by_status, lambda k: LoanStatus(k).label.text()),
        (t("按逾期天数", "By days past due"), p.by_bucket, _bucket),
    ):
        table = Table(title=title)
        table.add_column(t("分组", "group"))
        table.add_column(t("笔数", "loans"), justify="right")
        table.add_column(t("户数", "borrowers"), justify="right")
        table.add_column(t("余额", "outstanding"), justify="right")
        for key, line in rows.items():
            table.add_row(
                label(key), str(line.loans), str(line.borrowers), format_yuan(line.outstanding)
            )
        console.print(table)


@app.command("portfolio")
@handle_errors
def portfolio(
    bank: str | None = typer.Option(
        None, "--bank", help=t("银行机构代码（默认全部）", "bank institution code (default all)")
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("截至日期（默认今天）", "as-of date (default today)")
    ),
    json_out: bool = typer.Option(False, "--json", help=t("输出 JSON", "print JSON")),
) -> None:
    """贷款余额、按状态和逾期天数分布、存量户数 / Outstanding loans by status and overdue bucket."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        bank_id = None if bank is None else credit_service.get_bank(session=session, code=bank).id
        result = credit_service.portfolio(session=session, bank_id=bank_id, on=day)
    if json_out:
        print_json(result.model_dump(mode="json") | {"bank_code": bank})
        return
    _render_portfolio(result, bank)
