"""``kechuang insurance policy``: policies (list, show with co-insurance allocations) and premium
subsidies (compute and explain, apply, maker-checker approval, rejection, payment).

Mounted by :mod:`kechuang.cli.insurance` as ``kechuang insurance policy``. ``--json`` prints the
same as JSON (amounts as text, exact to the fen).
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

import typer
from rich.table import Table

from kechuang.cli.common import console, fail, handle_errors, print_json, t
from kechuang.core.i18n import Msg
from kechuang.core.money import format_yuan
from kechuang.core.periods import parse_as_of
from kechuang.insurance import policies as policy_service
from kechuang.insurance import subsidies as subsidy_service
from kechuang.insurance.enums import InsuranceLine
from kechuang.insurance.subsidies import SubsidyDecision
from kechuang.migrations import ensure_schema
from kechuang.products.schemas import STATUS_FLAGS
from kechuang.storage.db import unit_of_work

__all__ = ["app"]

app = typer.Typer(
    help=t(
        "保单与共保份额、保费补贴（测算说明、申请、双人审批、拨付）",
        "Policies and co-insurance shares; premium subsidies (explain, apply, maker-checker "
        "approval, payment)",
    ),
    no_args_is_help=True,
)

_JSON_HELP = t("输出 JSON", "print JSON")
_ON_HELP = t("业务日期（默认今天）", "business date (default today)")
_EFFECT_STYLES = {
    "ok": "green",
    "applied": "cyan",
    "capped": "yellow",
    "refused": "red",
    "not_applicable": "dim",
}
_EFFECT_LABELS = {
    "ok": Msg("符合", "ok"),
    "applied": Msg("计算", "applied"),
    "capped": Msg("核减", "capped"),
    "refused": Msg("不符合", "refused"),
    "not_applicable": Msg("不适用", "n/a"),
}


def _line(value: str | None) -> InsuranceLine | None:
    if value is None:
        return None
    parsed = InsuranceLine.parse(value)
    if parsed is None:
        choices = ", ".join(x.value for x in InsuranceLine)
        fail(Msg(f"未知险种：{value}（可选：{choices}）", f"unknown line: {value} (use {choices})"))
    return parsed


def _status(status: str) -> str:
    flag = STATUS_FLAGS.get(status)
    return "" if flag is None else flag.text()


def _render_decision(decision: SubsidyDecision) -> None:
    style = "green" if decision.eligible else "red"
    console.print(f"[bold {style}]{decision.message.text()}[/bold {style}]")
    if decision.subsidy is not None:
        s = decision.subsidy
        console.print(
            f"{t('补贴编号', 'subsidy')}: {s.subsidy_no}  {t('状态', 'status')}: "
            f"{s.status.label.text()}  {t('申请人', 'applicant')}: {s.applicant}  "
            f"{t('经办', 'maker')}: {s.maker or '-'}  {t('复核', 'checker')}: {s.checker or '-'}"
            + (f"  {t('凭证', 'payment ref')}: {s.payment_ref}" if s.payment_ref else "")
        )
    table = Table(title=t("补贴规则逐条说明", "Rules applied"))
    for col in (
        t("规则", "rule"),
        t("结果", "effect"),
        t("实际", "observed"),
        t("要求", "required"),
        t("说明", "explanation"),
        t("依据", "reference"),
    ):
        table.add_column(col, overflow="fold")
    for line in decision.lines:
        st = _EFFECT_STYLES.get(line.effect, "white")
        label = _EFFECT_LABELS.get(line.effect, Msg(line.effect, line.effect)).text()
        ref = f"{line.reference} [{_status(line.status)}]" if line.reference else ""
        table.add_row(
            line.rule,
            f"[{st}]{label}[/{st}]",
            line.observed,
            line.required,
            line.message.text(),
            ref,
        )
    console.print(table)
    console.print(
        f"{t('保费', 'premium')}: {format_yuan(decision.premium)}  "
        f"{t('补贴基数', 'subsidised premium')}: {format_yuan(decision.base)}  "
        f"[bold]{t('补贴金额', 'subsidy')}: {format_yuan(decision.amount)}[/bold]"
    )


def _emit(decision: SubsidyDecision, json_out: bool) -> None:
    if json_out:
        print_json(decision.as_dict())
    else:
        _render_decision(decision)


# ---------------------------------------------------------------------------- policies


@app.command("list")
@handle_errors
def list_cmd(
    line: str | None = typer.Option(None, "--line", help=t("险种", "line of insurance")),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("按此日显示状态（默认今天）", "status as of this date (default today)"),
    ),
    in_force: bool = typer.Option(
        False, "--in-force", help=t("只列当日在保险期间内的保单", "only policies in force that day")
    ),
    insurer: str | None = typer.Option(
        None, "--insurer", help=t("承保机构代码", "insurer institution code")
    ),
    enterprise: str | None = typer.Option(
        None, "--enterprise", help=t("企业统一社会信用代码", "enterprise USCC")
    ),
    page: int = typer.Option(1, "--page", min=1, help=t("页码", "page")),
    size: int = typer.Option(50, "--size", min=1, max=1000, help=t("每页条数", "page size")),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """列出保单 / List policies with their status on a date."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        result = policy_service.list_policies(
            session=session,
            line=_line(line),
            insurer=insurer,
            enterprise=enterprise,
            in_force_on=day if in_force else None,
            page=page,
            size=size,
        )
        rows: list[dict[str, Any]] = []
        for item in result.items:
            state = policy_service.status_on(item, day)
            rows.append(
                {
                    "policy_no": item.policy_no,
                    "product_key": item.product_key,
                    "line": item.line.value,
                    "insured_name": item.insured_name,
                    "sum_insured": str(item.sum_insured),
                    "premium": str(item.premium),
                    "rate": str(item.rate.normalize()),
                    "start_date": item.start_date.isoformat(),
                    "end_date": item.end_date.isoformat(),
                    "status": item.status.value,
                    "status_on": state.value,
                    "insurers": len(item.shares),
                }
            )
    if json_out:
        print_json(
            {
                "as_of": day.isoformat(),
                "total": result.total,
                "page": result.page,
                "size": result.size,
                "items": rows,
            }
        )
        return
    table = Table(
        title=t(f"保单（{day}，共 {result.total} 张）", f"Policies ({day}, {result.total} in all)")
    )
    for col in (
        t("保单号", "policy"),
        t("险种", "line"),
        t("被保险人", "insured"),
        t("保额", "sum insured"),
        t("保费", "premium"),
        t("保险期间", "term"),
        t("当日状态", "status"),
        t("承保机构数", "insurers"),
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        line_label = InsuranceLine(r["line"]).label.text()
        table.add_row(
            r["policy_no"],
            line_label,
            r["insured_name"],
            format_yuan(r["sum_insured"]),
            format_yuan(r["premium"]),
            f"{r['start_date']} – {r['end_date']}",
            policy_service.PolicyState(r["status_on"]).label.text(),
            str(r["insurers"]),
        )
    console.print(table)


@app.command("show")
@handle_errors
def show_cmd(
    policy_no: str = typer.Argument(..., help=t("保单号", "policy number")),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("按此日显示状态（默认今天）", "status as of this date (default today)"),
    ),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """显示保单：标的、共保份额与分摊、当日状态、保费补贴 / Show a policy."""
    ensure_schema()
    day = parse_as_of(as_of)
    with unit_of_work(commit=False) as session:
        policy = policy_service.get_by_policy_no(session=session, policy_no=policy_no)
        data = policy_service.policy_dict(session=session, policy=policy, on=day)
        data["subsidies"] = [
            subsidy_service.subsidy_dict(s)
            for s in subsidy_service.list_for_policy(session=session, policy=policy)
        ]
    if json_out:
        print_json(data)
        return
    state = policy_service.PolicyState(data["status_on"])
    console.print(
        f"[bold]{data['policy_no']}[/bold]  {InsuranceLine(data['line']).label.text()}  "
        f"({data['product_key']})"
    )
    console.print(
        f"{t('被保险人', 'insured')}: {data['insured_name']}"
        + (f" ({data['insured_uscc']})" if data["insured_uscc"] else "")
    )
    console.print(
        f"{t('保额', 'sum insured')}: {format_yuan(data['sum_insured'])}  "
        f"{t('保费', 'premium')}: {format_yuan(data['premium'])}  "
        f"{t('费率', 'rate')}: {data['rate']}  "
        f"{t('保险期间', 'term')}: {data['start_date']} – {data['end_date']}"
    )
    console.print(f"{t('状态', 'status')}（{day}）: [bold]{state.label.text()}[/bold]")
    if data["renewal_of"] or data["renewed_by"]:
        console.print(
            f"{t('续保自', 'renews')}: {data['renewal_of'] or '-'}  "
            f"{t('续保为', 'renewed by')}: {', '.join(data['renewed_by']) or '-'}"
        )
    objects = Table(title=t("保险标的", "Insured objects"))
    for col in (t("类别", "kind"), t("编号", "ref"), t("名称", "name"), t("保额", "sum insured")):
        objects.add_column(col, overflow="fold")
    for o in data["objects"]:
        objects.add_row(
            o["kind_zh"] if t("zh", "en") == "zh" else o["kind"],
            o["ref"],
            o["name"] or "",
            "" if o["sum_insured"] is None else format_yuan(o["sum_insured"]),
        )
    console.print(objects)
    shares = Table(title=t("共保份额与分摊", "Co-insurance shares and allocations"))
    for col in (
        t("承保机构", "insurer"),
        t("份额", "share"),
        t("主承保", "lead"),
        t("保费分摊", "premium"),
        t("保额分摊", "sum insured"),
    ):
        shares.add_column(col, overflow="fold")
    for s in data["shares"]:
        shares.add_row(
            f"{s['insurer_code']} {s['insurer_name']}",
            s["share_pct"],
            t("是", "yes") if s["lead"] else "",
            format_yuan(s["premium"]),
            format_yuan(s["sum_insured"]),
        )
    console.print(shares)
    if data["subsidies"]:
        subs = Table(title=t("保费补贴", "Premium subsidies"))
        for col in (
            t("编号", "subsidy"),
            t("状态", "status"),
            t("金额", "amount"),
            t("申请日", "applied"),
            t("经办/复核", "maker/checker"),
            t("凭证", "payment ref"),
        ):
            subs.add_column(col, overflow="fold")
        for s in data["subsidies"]:
            subs.add_row(
                s["subsidy_no"],
                s["status_zh"] if t("zh", "en") == "zh" else s["status_en"],
                format_yuan(s["amount"]),
                s["applied_on"],
                f"{s['maker'] or '-'} / {s['checker'] or '-'}",
                s["payment_ref"] or "",
            )
        console.print(subs)


# ---------------------------------------------------------------------------- subsidies


@app.command("subsidy")
@handle_errors
def subsidy_cmd(
    policy_no: str = typer.Argument(..., help=t("保单号", "policy number")),
    equipment: str | None = typer.Option(
        None, "--equipment", help=t("装备（台套）编号", "equipment key")
    ),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """测算并说明保费补贴（不写入）/ Compute and explain the premium subsidy (writes nothing)."""
    ensure_schema()
    day = parse_as_of(on)
    with unit_of_work(commit=False) as session:
        policy = policy_service.get_by_policy_no(session=session, policy_no=policy_no)
        decision = subsidy_service.compute_subsidy(
            session=session, policy=policy, equipment_key=equipment, on=day
        )
        _emit(decision, json_out)


@app.command("subsidy-apply")
@handle_errors
def subsidy_apply_cmd(
    policy_no: str = typer.Argument(..., help=t("保单号", "policy number")),
    subsidy_no: str | None = typer.Option(
        None,
        "--subsidy-no",
        help=t("补贴编号（默认 PS-日期-保单号）", "subsidy number (default PS-date-policy)"),
    ),
    equipment: str | None = typer.Option(
        None, "--equipment", help=t("装备（台套）编号", "equipment key")
    ),
    applicant: str | None = typer.Option(
        None, "--applicant", help=t("申请人（默认当前系统用户）", "applicant (default: OS user)")
    ),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """申请保费补贴 / Apply for the premium subsidy of a policy."""
    ensure_schema()
    day = parse_as_of(on)
    number = subsidy_no or f"PS-{day:%Y%m%d}-{policy_no}"[:60]
    with unit_of_work() as session:
        policy = policy_service.get_by_policy_no(session=session, policy_no=policy_no)
        decision = subsidy_service.apply(
            session=session,
            policy=policy,
            subsidy_no=number,
            applicant=applicant or getpass.getuser(),
            on=day,
            equipment_key=equipment,
        )
        _emit(decision, json_out)


@app.command("subsidy-approve")
@handle_errors
def subsidy_approve_cmd(
    subsidy_no: str = typer.Argument(..., help=t("补贴编号", "subsidy number")),
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
    """审批（双人：经办 + 复核）/ Approve a subsidy (maker, then a different checker)."""
    ensure_schema()
    day = parse_as_of(on)
    with unit_of_work() as session:
        subsidy = subsidy_service.get_by_subsidy_no(session=session, subsidy_no=subsidy_no)
        decision = subsidy_service.approve(session=session, subsidy=subsidy, actor=actor, on=day)
        _emit(decision, json_out)


@app.command("subsidy-reject")
@handle_errors
def subsidy_reject_cmd(
    subsidy_no: str = typer.Argument(..., help=t("补贴编号", "subsidy number")),
    reason: str = typer.Option(..., "--reason", help=t("驳回理由", "reason")),
    actor: str = typer.Option(..., "--actor", help=t("操作人", "who rejects")),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """驳回补贴申请 / Reject a subsidy application."""
    ensure_schema()
    day: dt.date | None = parse_as_of(on) if on else None
    with unit_of_work() as session:
        subsidy = subsidy_service.get_by_subsidy_no(session=session, subsidy_no=subsidy_no)
        decision = subsidy_service.reject(
            session=session, subsidy=subsidy, reason=reason, actor=actor, on=day
        )
        _emit(decision, json_out)


@app.command("subsidy-pay")
@handle_errors
def subsidy_pay_cmd(
    subsidy_no: str = typer.Argument(..., help=t("补贴编号", "subsidy number")),
    payment_ref: str = typer.Option(
        ..., "--payment-ref", help=t("拨付凭证号", "payment reference")
    ),
    actor: str | None = typer.Option(
        None, "--actor", help=t("操作人（默认当前系统用户）", "who records it (default: OS user)")
    ),
    on: str | None = typer.Option(None, "--on", help=_ON_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """记录补贴拨付 / Record the payment of an approved subsidy."""
    ensure_schema()
    day = parse_as_of(on)
    with unit_of_work() as session:
        subsidy = subsidy_service.get_by_subsidy_no(session=session, subsidy_no=subsidy_no)
        decision = subsidy_service.pay(
            session=session,
            subsidy=subsidy,
            on=day,
            actor=actor or getpass.getuser(),
            payment_ref=payment_ref,
        )
        _emit(decision, json_out)
