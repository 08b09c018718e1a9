"""``kechuang products``: the product catalogue — list products open on a date, show their terms."""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from kechuang.cli.auditing import record_write
from kechuang.cli.common import console, handle_errors, print_json, t
from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import format_amount
from kechuang.core.periods import parse_as_of
from kechuang.products import catalog
from kechuang.products.schemas import (
    STATUS_FLAGS,
    Product,
    ProductKind,
    TermLine,
    describe_terms,
    parse_yuan,
)
from kechuang.registry.reference import resolve_district

__all__ = ["app"]

app = typer.Typer(
    help=t(
        "产品目录：科技信贷、沪科专贷/沪科专贴、科技保险、基金与补贴（按日期生效，条款注明依据与状态）",
        "Product catalogue: credit, re-lending and rediscount, insurance, funds and subsidies "
        "(effective-dated; every term cites its source and status)",
    ),
    no_args_is_help=True,
)

STATE_LABELS = {
    "scheduled": (Msg("尚未开办", "scheduled"), "yellow"),
    "open": (Msg("开办中", "open"), "green"),
    "closed": (Msg("已停办", "closed"), "dim"),
}
STATUS_STYLES = {"confirmed": "green", "unverified": "yellow", "illustrative": "magenta"}


class ListFormat(StrEnum):
    """Output of list/show."""

    table = "table"
    json = "json"


class KindChoice(StrEnum):
    """``--kind`` choices: the values of :class:`ProductKind`."""

    credit = ProductKind.CREDIT.value
    relending = ProductKind.RELENDING.value
    rediscount = ProductKind.REDISCOUNT.value
    insurance = ProductKind.INSURANCE.value
    fund = ProductKind.FUND.value
    subsidy = ProductKind.SUBSIDY.value


def _status(status: str) -> str:
    style = STATUS_STYLES.get(status, "white")
    flag = STATUS_FLAGS[status]
    # illustrative terms are never law: flag them in both languages
    text = flag.both() if status == "illustrative" else flag.text()
    return f"[{style}]{text}[/{style}]"


def _summary(product: Product, day: dt.date) -> dict[str, Any]:
    terms = product.terms_at(day) or product.terms[-1]
    lines = describe_terms(terms)
    return {
        "key": product.key,
        "kind": product.kind.value,
        "name_zh": product.name_zh,
        "name_en": product.name_en,
        "valid_from": product.valid_from.isoformat(),
        "valid_to": product.valid_to.isoformat() if product.valid_to else None,
        "state": product.state(day),
        "status": product.status,
        "max_amount": str(terms.max_amount.value) if terms.max_amount else None,
        "providers": list(terms.providers.value) if terms.providers else [],
        "subsidies": [r.kind.value for r in terms.subsidies],
        "terms_confirmed": sum(1 for x in lines if x.status == "confirmed"),
        "terms_unverified": sum(1 for x in lines if x.status == "unverified"),
        "terms_illustrative": sum(1 for x in lines if x.status == "illustrative"),
    }


@app.command("list")
@handle_errors
def list_cmd(
    kind: KindChoice | None = typer.Option(None, "--kind", help=t("产品类别", "product kind")),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("日期（默认今天）：列出当日开办的产品", "date (default today): products open on it"),
    ),
    provider: str | None = typer.Option(
        None,
        "--provider",
        help=t(
            "合作机构（银行/保险/出资方）名称包含", "provider (bank, insurer, payer) name contains"
        ),
    ),
    district: str | None = typer.Option(
        None,
        "--district",
        help=t(
            "区（代码或名称）：对该区企业开放的产品", "district (code or name): products open to it"
        ),
    ),
    benefit: str | None = typer.Option(
        None,
        "--benefit",
        help=t(
            "权益：interest_subsidy 贴息、premium_subsidy 保费补贴、guarantee_fee_subsidy 担保费补贴、"
            "refinancing 再贷款/再贴现、amount 有金额上限",
            "benefit: interest_subsidy, premium_subsidy, guarantee_fee_subsidy, refinancing, amount",
        ),
    ),
    min_amount: str | None = typer.Option(
        None,
        "--min-amount",
        help=t("金额上限不低于（如 500万）", "maximum amount at least (e.g. 500万)"),
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """列出某日开办的产品（可按类别、机构、区、权益筛选）/ List the products open on a date, filtered."""
    day = parse_as_of(as_of)
    found = catalog.products(as_of=day, kind=kind.value if kind is not None else None)
    code = None
    if district is not None:
        place = resolve_district(district.strip())
        if place is None:
            raise ValidationError(
                Msg(f"未知的区：{district}", f"unknown district: {district}"), code="district"
            )
        code = place.code
    floor = None
    if min_amount is not None:
        try:
            floor = parse_yuan(min_amount)
        except ValueError as exc:
            raise ValidationError(
                Msg(f"金额无效：{min_amount}", f"not an amount: {min_amount}"), code="amount"
            ) from exc
    found = catalog.filter_products(
        found, as_of=day, provider=provider, district=code, benefit=benefit, min_amount=floor
    )
    if fmt is ListFormat.json:
        print_json([_summary(p, day) for p in found])
        return
    table = Table(title=t(f"产品目录（{day} 开办）", f"Products open on {day}"))
    for col in (
        t("代码", "key"),
        t("名称", "name"),
        t("类别", "kind"),
        t("开办期间", "open"),
        t("金额上限", "max amount"),
        t("条款状态", "terms"),
    ):
        table.add_column(col, overflow="fold")
    for p in found:
        s = _summary(p, day)
        terms = p.terms_at(day)
        cap = terms.max_amount if terms else None
        counts = " ".join(
            f"[{STATUS_STYLES[k]}]{STATUS_FLAGS[k].text()} {s['terms_' + k]}[/{STATUS_STYLES[k]}]"
            for k in ("confirmed", "unverified", "illustrative")
            if s["terms_" + k]
        )
        table.add_row(
            p.key,
            p.name.text(),
            p.kind.label.text(),
            f"{p.valid_from} – {p.valid_to or ''}",
            (format_amount(cap.value) + ("*" if cap.illustrative else "")) if cap else "—",
            counts,
        )
    table.caption = t(
        "* 示例参数，非正式条款；“参数待核实”的条款来自未经核实的资料",
        "* illustrative, not a term of the product; unverified terms come from unchecked sources",
    )
    console.print(table)


def _show_dict(product: Product, day: dt.date, lines: list[TermLine]) -> dict[str, Any]:
    index = product.version_index(day)
    return {
        "key": product.key,
        "kind": product.kind.value,
        "name_zh": product.name_zh,
        "name_en": product.name_en,
        "description": product.description,
        "valid_from": product.valid_from.isoformat(),
        "valid_to": product.valid_to.isoformat() if product.valid_to else None,
        "reference": product.reference,
        "status": product.status,
        "flag": product.flag.both(),
        "note": product.note,
        "as_of": day.isoformat(),
        "state": product.state(day),
        "terms_version": None
        if index is None
        else {
            "valid_from": product.terms[index].valid_from.isoformat(),
            "valid_to": (end.isoformat() if (end := product.version_end(index)) else None),
        },
        "terms": [line.as_dict() for line in lines],
        "versions": [
            {
                "valid_from": v.valid_from.isoformat(),
                "valid_to": (end.isoformat() if (end := product.version_end(i)) else None),
            }
            for i, v in enumerate(product.terms)
        ],
    }


@app.command("show")
@handle_errors
def show_cmd(
    key: str = typer.Argument(
        ..., help=t("产品代码，如 sh_performance_loan", "product key, e.g. sh_performance_loan")
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("条款生效日期（默认今天）", "date the terms are in force (default today)"),
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """显示产品条款：取值、依据、状态（示例参数与待核实的标出）/ Show a product's terms with references and status."""
    day = parse_as_of(as_of)
    product = catalog.get(key)
    terms = product.terms_at(day)
    lines = describe_terms(terms) if terms is not None else []
    if fmt is ListFormat.json:
        print_json(_show_dict(product, day, lines))
        return
    state, style = STATE_LABELS[product.state(day)]
    console.print(
        f"[bold]{product.name.text()}[/bold] ({product.key}) · {product.kind.label.text()} · "
        f"[{style}]{state.text()}[/{style}] {product.valid_from} – {product.valid_to or ''}"
    )
    console.print(f"{t('依据', 'reference')}: {product.reference} · {_status(product.status)}")
    if product.note:
        console.print(f"[dim]{product.note}[/dim]")
    if terms is None:
        console.print(
            t(
                f"{day} 产品未开办，无有效条款",
                f"the product is not open on {day}: no terms in force",
            )
        )
        return
    index = product.version_index(day)
    assert index is not None
    end = product.version_end(index)
    table = Table(
        title=t(
            f"条款（{terms.valid_from} 起{f'，至 {end}' if end else ''}；按 {day}）",
            f"Terms in force on {day} (version from {terms.valid_from}{f' to {end}' if end else ''})",
        )
    )
    for col in (t("条款", "term"), t("取值", "value"), t("依据", "reference"), t("状态", "status")):
        table.add_column(col, overflow="fold")
    for line in lines:
        note = f"\n[dim]{line.note}[/dim]" if line.note else ""
        table.add_row(
            f"{line.label.text()}\n[dim]{line.path}[/dim]",
            line.value,
            line.reference + note,
            _status(line.status),
        )
    console.print(table)
    flagged = [line.path for line in lines if line.status == "illustrative"]
    if flagged:
        console.print(
            f"[magenta]{STATUS_FLAGS['illustrative'].both()}: {', '.join(flagged)}[/magenta]"
        )
    unverified = [line.path for line in lines if line.status == "unverified"]
    if unverified:
        console.print(f"[yellow]{t('参数待核实', 'unverified')}: {', '.join(unverified)}[/yellow]")


@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(
        ..., help=t("产品 YAML 文件（products: 列表）", "product YAML file (a products: list)")
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help=t("只校验，不保存", "check only, save nothing")
    ),
) -> None:
    """导入产品配置（校验通过才安装到 $KECHUANG_HOME/products；同代码的内置产品被替换）/ Import product configuration."""
    report = catalog.import_products(file, dry_run=dry_run)
    if not report.unchanged and not dry_run:
        record_write(  # a configuration file, not rows: logged by hand, one row per file
            action="import",
            table_name="import:products.catalog",
            record_id=report.file,
            changes={
                "file": report.file,
                "sha256": hashlib.sha256(report.target.read_bytes()).hexdigest(),
                "added": ", ".join(report.added),
                "replaced": ", ".join(report.replaced),
            },
        )
    style = "cyan" if report.unchanged else "green"
    console.print(f"[{style}]{report.summary().text()}[/{style}]")
    if not report.unchanged and not dry_run:
        console.print(t(f"已安装到 {report.target}", f"installed at {report.target}"))
