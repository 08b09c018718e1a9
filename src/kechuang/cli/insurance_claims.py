"""``kechuang insurance claim``: claims (notify, assess, pay, reject, show), loss ratios and the
counting behind the report's insurance figures.

Mounted by :mod:`kechuang.cli.insurance` as ``kechuang insurance claim``. ``--json`` prints the
same as JSON (amounts and ratios as exact decimal text).
"""

from __future__ import annotations

import getpass
from decimal import Decimal

import typer
from rich.table import Table

from kechuang.cli.common import console, fail, handle_errors, print_json, t
from kechuang.core.i18n import Msg
from kechuang.core.money import format_percent, format_yuan, money
from kechuang.core.periods import parse_as_of, parse_date
from kechuang.insurance import claims as claims_service
from kechuang.insurance import counting
from kechuang.insurance.claims import LossRatio
from kechuang.insurance.enums import InsuranceLine
from kechuang.insurance.models import InsuranceClaim, InsurancePolicy
from kechuang.migrations import ensure_schema
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "理赔（报案、定损、赔付、拒赔）、赔付率与统计口径",
        "Insurance claims (notify, assess, pay, reject), loss ratios and counting",
    ),
    no_args_is_help=True,
)

_JSON_HELP = t("输出 JSON", "print JSON")
_ON_HELP = t("业务日期（默认今天）", "business date (default today)")
_ACTOR_HELP = t("操作人（默认当前系统用户）", "who acts (default: OS user)")


def _who(actor: str | None) -> str:
    return actor or getpass.getuser()


def _render(claim: InsuranceClaim, policy: InsurancePolicy) -> None:
    console.print(
        f"[bold]{claim.claim_no}[/bold]  {t('保单', 'policy')}: {policy.policy_no}  "
        f"{t('状态', 'status')}: {claim.status.label.text()}"
    )
    table = Table(show_header=False)
    table.add_column(t("项目", "item"))
    table.add_column(t("值", "value"), overflow="fold")
    table.add_row(t("被保险人", "insured"), policy.insured_name)
    table.add_row(t("出险日期", "loss date"), claim.loss_date.isoformat())
    table.add_row(t("报案日期", "notified on"), claim.notified_on.isoformat())
    if claim.assessed_amount is not None:
        table.add_row(t("定损金额", "assessed"), format_yuan(claim.assessed_amount))
    if claim.assessed_on is not None:
        table.add_row(t("定损日期", "assessed on"), claim.assessed_on.isoformat())
    if claim.paid_amount is not None:
        table.add_row(t("赔付金额", "paid"), format_yuan(claim.paid_amount))
    if claim.paid_on is not None:
        table.add_row(t("赔付日期", "paid on"), claim.paid_on.isoformat())
    if claim.rejection_reason:
        table.add_row(t("拒赔原因", "rejection reason"), claim.rejection_reason)
    if claim.description:
        table.add_row(t("说明", "description"), claim.description)
    console.print(table)
    if claim.allocations:
        alloc = Table(title=t("共保分摊", "Allocation across co-insurers"))
        alloc.add_column(t("保险机构", "insurer"))
        alloc.add_column(t("金额", "amount"), justify="right")
        for code, amount in claim.allocations.items():
            label = t("单一保险人（未列共保份额）", "sole insurer (no shares)")
            alloc.add_row(
                label if code == claims_service.SOLE else code, format_yuan(money(amount))
            )
        console.print(alloc)


def _emit(claim: InsuranceClaim, policy: InsurancePolicy, json_out: bool) -> None:
    if json_out:
        print_json(claims_service.claim_dict(claim, policy))
    else:
        _render(claim, policy)


@app.command("notify")
@handle_errors
def notify_cmd(
    policy_no: str = typer.Argument(..., help=t("保单号", "policy number")),
    claim_no: str = typer.Option(..., "--claim-no", help=t("赔案号", "claim number")),
    loss_date: str = typer.Option(..., "--loss-date", help=t("出险日期", "date of loss")),
    on: str | None = typer.Option(None, "--on", help=t("报案日期（默认今天）", "date notified")),
    description: str | None = typer.Option(
        None, "--description", help=t("出险经过", "description")
    ),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """报案 / Notify a claim under a policy (the loss must be within the cover)."""
    ensure_schema()
    with unit_of_work() as session:
        policy = claims_service.get_policy_by_no(session=session, policy_no=policy_no)
        claim = claims_service.notify(
            session=session,
            policy=policy,
            claim_no=claim_no,
            loss_date=parse_date(loss_date),
            notified_on=parse_as_of(on),
            description=description,
            actor=_who(actor),
        )
        _emit(claim, policy, json_out)


@app.command("assess")
@handle_errors
def assess_cmd(
    claim_no: str = typer.Argument(..., help=t("赔案号", "claim number")),
    amount: str = typer.Option(..., "--amount", help=t("定损金额（元）", "assessed amount (元)")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """定损 / Assess a notified claim (at most the sum insured)."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        claims_service.assess(
            session=session,
            claim=claim,
            amount=money(amount),
            on=parse_as_of(on),
            actor=_who(actor),
        )
        _emit(claim, session.get_one(InsurancePolicy, claim.policy_id), json_out)


@app.command("pay")
@handle_errors
def pay_cmd(
    claim_no: str = typer.Argument(..., help=t("赔案号", "claim number")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """赔付（按共保份额精确分摊到分）/ Pay an assessed claim, allocated across co-insurers."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        claims_service.pay(session=session, claim=claim, on=parse_as_of(on), actor=_who(actor))
        _emit(claim, session.get_one(InsurancePolicy, claim.policy_id), json_out)


@app.command("reject")
@handle_errors
def reject_cmd(
    claim_no: str = typer.Argument(..., help=t("赔案号", "claim number")),
    reason: str = typer.Option(..., "--reason", help=t("拒赔原因", "reason")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    actor: str | None = typer.Option(None, "--actor", help=_ACTOR_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """拒赔 / Reject a notified or assessed claim."""
    ensure_schema()
    with unit_of_work() as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        claims_service.reject(
            session=session, claim=claim, reason=reason, on=parse_as_of(on), actor=_who(actor)
        )
        _emit(claim, session.get_one(InsurancePolicy, claim.policy_id), json_out)


@app.command("show")
@handle_errors
def show_cmd(
    claim_no: str = typer.Argument(..., help=t("赔案号", "claim number")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示理赔 / Show a claim with its allocation."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        claim = claims_service.get_by_claim_no(session=session, claim_no=claim_no)
        _emit(claim, session.get_one(InsurancePolicy, claim.policy_id), json_out)


def _ratio_text(value: Decimal | None) -> str:
    return "-" if value is None else format_percent(value)


def _render_loss_ratio(result: LossRatio) -> None:
    scope = t("产品", "product") if result.scope == "product" else t("共保体", "pool")
    console.print(
        f"[bold]{t('赔付率', 'Loss ratio')} · {scope} {result.key} · "
        f"{result.period_start} – {result.period_end}[/bold]"
    )
    console.print(
        f"{t('已赔付', 'claims paid')}: {format_yuan(result.claims_paid)}  "
        f"{t('承保保费', 'premiums written')}: {format_yuan(result.premiums_written)}  "
        f"{t('赔付率', 'loss ratio')}: [bold]{_ratio_text(result.ratio)}[/bold]"
    )
    if result.by_insurer:
        table = Table(title=t("各保险机构", "By insurer"))
        for col in (
            t("保险机构", "insurer"),
            t("已赔付", "claims paid"),
            t("承保保费", "premiums written"),
            t("赔付率", "loss ratio"),
        ):
            table.add_column(col, justify="left" if col in ("保险机构", "insurer") else "right")
        for i in result.by_insurer:
            table.add_row(
                i.insurer,
                format_yuan(i.claims_paid),
                format_yuan(i.premiums_written),
                _ratio_text(i.ratio),
            )
        console.print(table)
    console.print(claims_service.LOSS_RATIO_DEFINITION.text())


@app.command("loss-ratio")
@handle_errors
def loss_ratio_cmd(
    product: str | None = typer.Option(None, "--product", help=t("产品键", "product key")),
    pool: str | None = typer.Option(None, "--pool", help=t("共保体键", "pool key")),
    date_from: str = typer.Option(..., "--from", help=t("期间起始日", "first day")),
    date_to: str = typer.Option(..., "--to", help=t("期间终止日（含）", "last day (inclusive)")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """赔付率 = 期间已赔付 ÷ 期间承保保费 / Loss ratio: claims paid ÷ premiums written in a period."""
    ensure_schema()
    with unit_of_work(commit=False) as session:
        result = claims_service.loss_ratio(
            session=session,
            product_key=product,
            pool_key=pool,
            period_start=parse_date(date_from),
            period_end=parse_date(date_to),
        )
        if json_out:
            print_json(result.as_dict())
        else:
            _render_loss_ratio(result)


@app.command("count")
@handle_errors
def count_cmd(
    line: str = typer.Option(
        ...,
        "--line",
        help=t("险种（如 ic_coinsurance、集成电路共保体保险）", "line (e.g. ic_coinsurance)"),
    ),
    written_from: str | None = typer.Option(
        None, "--written-from", help=t("承保期间起始日", "written from")
    ),
    written_to: str | None = typer.Option(
        None, "--written-to", help=t("承保期间终止日（含）", "written to (inclusive)")
    ),
    in_force_on: str | None = typer.Option(
        None, "--in-force-on", help=t("有效保单日期", "policies in force on this date")
    ),
    pool: str | None = typer.Option(None, "--pool", help=t("共保体键", "pool key")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """统计：家次、被保险企业及机构、标的、孵化器、区、保额 / Count policies the way the report does."""
    ensure_schema()
    parsed = InsuranceLine.parse(line)
    if parsed is None:
        fail(
            Msg(
                f"未知的险种：{line}（可选：{', '.join(m.value for m in InsuranceLine)}）",
                f"unknown line: {line} (use {', '.join(m.value for m in InsuranceLine)})",
            )
        )
        return
    sel = counting.selection(
        line=parsed,
        pool_key=pool,
        written_from=None if written_from is None else parse_date(written_from),
        written_to=None if written_to is None else parse_date(written_to),
        in_force_on=None if in_force_on is None else parse_date(in_force_on),
    )
    with unit_of_work(commit=False) as session:
        pairs = counting.enterprise_policies(
            session=session,
            line=parsed,
            pool_key=pool,
            written_from=sel.written_from,
            written_to=sel.written_to,
            in_force_on=sel.in_force_on,
        )
        insured = counting.distinct_insured(
            session=session,
            line=parsed,
            pool_key=pool,
            written_from=sel.written_from,
            written_to=sel.written_to,
            in_force_on=sel.in_force_on,
        )
        objs = counting.objects(
            session=session,
            line=parsed,
            pool_key=pool,
            written_from=sel.written_from,
            written_to=sel.written_to,
            in_force_on=sel.in_force_on,
        )
        incs = counting.incubators(
            session=session,
            line=parsed,
            pool_key=pool,
            written_from=sel.written_from,
            written_to=sel.written_to,
            in_force_on=sel.in_force_on,
        )
        dists = counting.districts(
            session=session,
            line=parsed,
            pool_key=pool,
            written_from=sel.written_from,
            written_to=sel.written_to,
            in_force_on=sel.in_force_on,
        )
        if sel.in_force_on is not None:
            amount = counting.sum_insured_in_force(
                session=session, line=parsed, pool_key=pool, on=sel.in_force_on
            )
        else:
            assert sel.written_from is not None
            assert sel.written_to is not None
            amount = counting.sum_insured_written(
                session=session,
                line=parsed,
                pool_key=pool,
                start=sel.written_from,
                end=sel.written_to,
            )
    if json_out:
        print_json(
            {
                "selection": sel.as_dict(),
                "enterprise_policies": pairs.as_dict(),
                "distinct_insured": insured.as_dict(),
                "objects": objs.as_dict(),
                "incubators": incs.as_dict(),
                "districts": dists.as_dict(),
                "sum_insured": amount.as_dict(),
            }
        )
        return
    console.print(f"[bold]{sel.describe().text()}[/bold]")
    table = Table(show_header=True)
    table.add_column(t("指标", "measure"))
    table.add_column(t("数值", "value"), justify="right")
    table.add_row(t("家次（企业-保单组合）", "enterprise-policies (家次)"), str(pairs.value))
    table.add_row(
        t("被保险企业及机构（去重）", "distinct insured"),
        f"{insured.value}（{t('企业', 'enterprises')} {insured.enterprises} / "
        f"{t('机构', 'institutions')} {insured.institutions}"
        + (f" / {t('仅名称', 'named only')} {insured.named_only}" if insured.named_only else "")
        + "）",
    )
    for kind, n in objs.by_kind.items():
        firms = objs.enterprises_by_kind.get(kind)
        extra = f"（{t('所属企业', 'enterprises')} {firms}）" if firms else ""
        table.add_row(f"{t('标的', 'objects')}: {kind.label.text()}", f"{n}{extra}")
    table.add_row(t("孵化器", "incubators"), str(incs.value))
    table.add_row(t("区", "districts"), str(dists.value))
    table.add_row(t("保单数", "policies"), str(amount.policies))
    table.add_row(t("保额（风险保障）", "sum insured"), format_yuan(amount.value))
    console.print(table)
    console.print(counting.ENTERPRISE_POLICIES_DEFINITION.text())
