"""``kechuang credit claim``: risk-compensation claims (file, maker-checker approval, payout,
recovery, clawback) and loan subsidies.

Mounted by :mod:`kechuang.cli.credit` as ``kechuang credit claim``. Every command prints the
decision with its explanation (checks, loss computation, shares, caps, unverified terms);
``--json`` prints the same as JSON.
"""

from __future__ import annotations

import datetime as dt
import getpass
from decimal import Decimal

import typer
from rich.table import Table

from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.money import format_percent, format_yuan, money
from kechuang.core.periods import parse_as_of
from kechuang.credit import claims as claims_service
from kechuang.credit import subsidies as subsidies_service
from kechuang.credit.claims import ClaimDecision
from kechuang.credit.risk import PARTY_LABELS, STATUS_LABELS
from kechuang.credit.subsidies import SubsidyResult
from kechuang.migrations import ensure_schema
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "风险补偿申报（申报、双人审批、拨付、收回、追回）与贷款补贴",
        "Risk-compensation claims (file, maker-checker approval, payout, recovery, clawback) "
        "and loan subsidies",
    ),
    no_args_is_help=True,
)

_JSON_HELP = t("输出 JSON", "print JSON")
_ON_HELP = t("业务日期（默认今天）", "business date (default today)")


def _yes(flag: bool) -> str:
    return t("是", "yes") if flag else t("否", "no")


def _render(decision: ClaimDecision) -> None:
    """Print a decision: summary, checks, loss, shares, caps, notes and unverified terms."""
    claim = decision.claim
    console.print(f"[bold]{decision.message.text()}[/bold]")
    console.print(
        f"{t('状态', 'status')}: {claim.status.label.text()}  "
        f"{t('协议', 'agreement')}: {claim.agreement_key}  "
        f"{t('经办', 'maker')}: {claim.maker or '-'}  {t('复核', 'checker')}: {claim.checker or '-'}"
    )
    if decision.checks:
        table = Table(title=t("补偿条件", "Eligibility"))
        for col in (
            t("条件", "criterion"),
            t("通过", "passed"),
            t("实际", "observed"),
            t("要求", "required"),
            t("说明", "explanation"),
            t("依据", "reference"),
        ):
            table.add_column(col, overflow="fold")
        for c in decision.checks:
            style = "green" if c.passed else "red"
            table.add_row(
                c.criterion,
                f"[{style}]{_yes(c.passed)}[/{style}]",
                c.observed,
                c.required,
                c.message.text(),
                f"{c.reference} [{STATUS_LABELS[c.status].text()}]" if c.reference else "",
            )
        console.print(table)
    if decision.loss is not None:
        loss = decision.loss
        table = Table(title=t("可补偿损失", "Eligible loss"), show_header=False)
        table.add_column(t("项目", "item"))
        table.add_column(t("金额", "amount"), justify="right")
        table.add_row(t("损失日", "loss date"), loss.loss_date.isoformat())
        table.add_row(
            t("损失日未偿本金（核销前）", "outstanding at loss date (before write-off)"),
            format_yuan(loss.outstanding_at_loss),
        )
        table.add_row(
            t("其中已核销（不扣减）", "of which written off (not deducted)"),
            format_yuan(loss.written_off),
        )
        table.add_row(
            t("损失日后收回本金", "principal repaid since"), format_yuan(loss.repaid_after_loss)
        )
        table.add_row(t("核销后收回", "recoveries"), format_yuan(loss.recovered))
        table.add_row(
            f"[bold]{t('可补偿损失', 'eligible loss')}[/bold]",
            f"[bold]{format_yuan(loss.eligible_loss)}[/bold]",
        )
        console.print(table)
        console.print(claims_service.LOSS_DEFINITION.text())
    if decision.shares:
        table = Table(title=t("各方分担", "Shares"))
        for col in (
            t("参与方", "party"),
            t("比例", "share"),
            t("金额", "amount"),
            t("上限后", "after caps"),
        ):
            table.add_column(col, justify="left" if col in ("参与方", "party") else "right")
        for s in decision.shares:
            table.add_row(
                PARTY_LABELS[s.party].text(),
                format_percent(Decimal(s.share.numerator) / Decimal(s.share.denominator)),
                format_yuan(s.amount),
                "-" if s.after_caps is None else format_yuan(s.after_caps),
            )
        console.print(table)
    if decision.caps:
        table = Table(title=t("补偿上限", "Caps"))
        table.add_column(t("上限", "cap"))
        table.add_column(t("起作用", "applied"))
        table.add_column(t("说明", "explanation"), overflow="fold")
        for cap in decision.caps:
            table.add_row(cap.cap, _yes(cap.applied), cap.message.text())
        console.print(table)
    if decision.ledger_kind is not None and decision.ledger_amount is not None:
        console.print(
            f"{t('台账事件', 'ledger event')}: {decision.ledger_kind.label.text()} "
            f"{format_yuan(decision.ledger_amount)}"
        )
    for note in decision.notes:
        style = "yellow" if "待核实" in note.zh else "cyan"
        console.print(f"[{style}]• {note.text()}[/{style}]")


def _emit(decision: ClaimDecision, json_out: bool) -> None:
    if json_out:
        print_json(decision.as_dict())
    else:
        _render(decision)


def _day(value: str | None) -> dt.date:
    return parse_as_of(value)


@app.command("file")
@handle_errors
def file_cmd(
    loan_no: str = typer.Argument(..., help=t("借据号", "loan number")),
    agreement: str = typer.Option(
        ..., "--agreement", help=t("风险分担协议键", "risk-sharing agreement key")
    ),
    on: str | None = typer.Option(
        None, "--on", help=t("申报日期（默认今天）", "filing date (default today)")
    ),
    actor: str | None = typer.Option(
        None, "--actor", help=t("申报人（默认当前系统用户）", "who files (default: OS user)")
    ),
    claim_no: str | None = typer.Option(
        None,
        "--claim-no",
        help=t("申报编号（默认 CC-日期-借据号）", "claim number (default CC-date-loan)"),
    ),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """申报风险补偿 / File a risk-compensation claim for a defaulted or written-off loan."""
    ensure_schema()
    day = _day(on)
    number = claim_no or f"CC-{day:%Y%m%d}-{loan_no}"[:40]
    with unit_of_work() as session:
        loan = claims_service.get_loan_by_no(session=session, loan_no=loan_no)
        decision = claims_service.file_claim(
            session=session,
            loan=loan,
            agreement_key=agreement,
            on=day,
            actor=actor or getpass.getuser(),
            claim_no=number,
        )
        _emit(decision, json_out)


@app.command("approve")
@handle_errors
def approve_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    actor: str = typer.Option(
        ...,
        "--actor",
        help=t(
            "审批人（第一次为经办，第二次为复核，须不同人）",
            "approver (first call: maker; second, a different user: checker)",
        ),
    ),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """审批（双人：经办 + 复核）/ Approve a claim (maker, then a different checker)."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        decision = claims_service.approve_claim(
            session=session, claim=claim, actor=actor, on=_day(on)
        )
        _emit(decision, json_out)


@app.command("reject")
@handle_errors
def reject_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    reason: str = typer.Option(..., "--reason", help=t("驳回理由", "reason")),
    actor: str = typer.Option(..., "--actor", help=t("操作人", "who rejects")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """驳回申报 / Reject a filed claim."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        decision = claims_service.reject_claim(
            session=session, claim=claim, reason=reason, actor=actor, on=_day(on)
        )
        _emit(decision, json_out)


@app.command("pay")
@handle_errors
def pay_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    actor: str = typer.Option(..., "--actor", help=t("操作人", "who pays")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """拨付已审批的补偿 / Pay an approved claim (a compensation ledger event on the loan)."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        decision = claims_service.pay_claim(session=session, claim=claim, on=_day(on), actor=actor)
        _emit(decision, json_out)


@app.command("recover")
@handle_errors
def recover_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    amount: str = typer.Option(
        ...,
        "--amount",
        help=t("补偿后银行收回的金额（元）", "amount the bank recovered after the payout (元)"),
    ),
    actor: str = typer.Option(..., "--actor", help=t("操作人", "who records it")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """按比例分配补偿后收回，政府部分返还资金池 / Share a later recovery back to the pool."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        decision = claims_service.record_recovery_after_payout(
            session=session, claim=claim, amount=money(amount), on=_day(on), actor=actor
        )
        _emit(decision, json_out)


@app.command("claw-back")
@handle_errors
def claw_back_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    reason: str = typer.Option(..., "--reason", help=t("追回理由", "reason")),
    actor: str = typer.Option(..., "--actor", help=t("操作人", "who claws back")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """追回已拨付的补偿（扣除已返还资金池部分）/ Claw back a paid claim found ineligible."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        decision = claims_service.claw_back(
            session=session, claim=claim, reason=reason, on=_day(on), actor=actor
        )
        _emit(decision, json_out)


@app.command("show")
@handle_errors
def show_cmd(
    claim_no: str = typer.Argument(..., help=t("申报编号", "claim number")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示申报及其依据 / Show a claim with its explanation."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        _emit(claims_service.explain(session=session, claim=claim), json_out)


def _render_subsidy(result: SubsidyResult) -> None:
    for note in result.notes:
        console.print(f"[cyan]• {note.text()}[/cyan]")
    table = Table(
        title=t(
            f"{result.rule.kind.label.zh}（截至 {result.as_of}）",
            f"{result.rule.kind.label.en} (as of {result.as_of})",
        )
    )
    for col in (
        t("借据号", "loan"),
        t("企业", "enterprise"),
        t("符合", "qualifies"),
        t("基数", "base"),
        t("补贴", "subsidy"),
        t("原因", "reasons"),
    ):
        table.add_column(col, overflow="fold")
    for d in result.decisions:
        reasons = d.failed if not d.qualifies else d.reasons
        style = "green" if d.qualifies else "red"
        table.add_row(
            d.loan_no,
            d.enterprise_name,
            f"[{style}]{_yes(d.qualifies)}[/{style}]",
            format_yuan(d.base),
            format_yuan(d.amount) + (t("（已封顶）", " (capped)") if d.capped else ""),
            "; ".join(r.message.text() for r in reasons),
        )
    console.print(table)
    console.print(
        t(
            f"合计 {format_yuan(result.total)}：符合 {result.qualified} 笔，不符合 {result.not_qualified} 笔",
            f"total {format_yuan(result.total)}: {result.qualified} qualifying, {result.not_qualified} not",
        )
    )


@app.command("subsidies")
@handle_errors
def subsidies_cmd(
    product: str = typer.Option(..., "--product", help=t("产品键", "product key")),
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("截至日期（默认今天）", "as-of date (default today)")
    ),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """按产品补贴规则计算保费/担保费补贴与贴息 / Compute a product's subsidies from the ledger."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        results = subsidies_service.product_subsidies(
            session=session, product_key=product, as_of=day
        )
        if json_out:
            print_json(
                {
                    "product": product,
                    "as_of": day.isoformat(),
                    "results": [r.as_dict() for r in results],
                }
            )
            return
        for result in results:
            _render_subsidy(result)
