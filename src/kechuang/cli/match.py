"""``kechuang match``: which products fit an enterprise, and which enterprises fit a product.

* ``kechuang match --enterprise USCC`` or ``--profile FILE`` (JSON object, or a one-row CSV/XLSX)
  — every product open on the date with its outcome, the checks, the smallest changes for the
  products it misses and the benefit (``--format json``: the issue's array shape);
* ``kechuang match --product KEY`` — every active registry enterprise that is eligible,
  near-eligible (one unmet condition) or not, with counts by district and industry
  (``--out FILE.xlsx`` writes the outreach list).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from kechuang.cli.common import console, fail, handle_errors, print_json, t
from kechuang.cli.standards import _read_profiles
from kechuang.core.i18n import Msg
from kechuang.core.periods import parse_as_of
from kechuang.matching import (
    OUTCOME_LABELS,
    CityMatch,
    ProductMatch,
    match_enterprise,
    match_product,
    match_profile,
    write_outreach_xlsx,
)
from kechuang.matching.population import TIERS
from kechuang.registry.reference import district_name
from kechuang.storage.db import unit_of_work

__all__ = ["match_cmd"]

STYLES = {
    "eligible": "green",
    "near_eligible": "yellow",
    "not_eligible": "red",
    "undetermined": "cyan",
}


class Format(StrEnum):
    """Output format."""

    table = "table"
    json = "json"


def _print_matches(matches: list[ProductMatch], day: dt.date, subject: str) -> None:
    table = Table(title=t(f"产品匹配：{subject}（{day}）", f"Product match: {subject} on {day}"))
    for col in (
        t("产品", "product"),
        t("类别", "kind"),
        t("结果", "outcome"),
        t("权益", "benefit"),
        t("原因 / 最小改变", "why / smallest changes"),
    ):
        table.add_column(col, overflow="fold")
    for m in matches:
        style = STYLES[m.tier]
        if m.outcome == "eligible":
            why = ""
        elif m.outcome == "undetermined":
            why = t("缺少：", "missing: ") + ", ".join(m.missing)
        else:
            unmet = [c for c in m.checks if c["passed"] is False]
            lines = [t(c["message_zh"], c["message_en"]) for c in unmet]
            lines += ["→ " + c.message.text() for c in m.closest_changes[:3]]
            why = "\n".join(lines)
        table.add_row(
            f"{m.name.text()}\n[dim]{m.product}[/dim]",
            m.kind,
            f"[{style}]{OUTCOME_LABELS[m.tier].text()}[/{style}]",
            m.benefit.text.text() + ("*" if m.benefit.status == "illustrative" else ""),
            why,
        )
    table.caption = t(
        "* 示例参数，非正式条款；最小改变按“其他数据不变”计算",
        "* illustrative, not a term of the product; smallest changes assume other facts unchanged",
    )
    console.print(table)


def _print_city(result: CityMatch, out: Path | None) -> None:
    console.print(
        f"[bold]{result.name.text()}[/bold] ({result.product}) · {result.as_of} · "
        + t(f"企业 {result.total} 家", f"{result.total} enterprises")
    )
    summary = Table(title=t("按区统计", "By district"))
    summary.add_column(t("区", "district"))
    for tier in TIERS:
        summary.add_column(OUTCOME_LABELS[tier].text(), justify="right")
    for code, counts in result.by_district.items():
        name = district_name(code).text() if code != "unknown" else code
        summary.add_row(name, *(str(counts[tier]) for tier in TIERS))
    summary.add_row(t("合计", "total"), *(f"[bold]{result.by_tier[tier]}[/bold]" for tier in TIERS))
    console.print(summary)
    industry = Table(title=t("按行业大类统计", "By industry division"))
    industry.add_column(t("行业", "industry"))
    for tier in TIERS:
        industry.add_column(OUTCOME_LABELS[tier].text(), justify="right")
    for code, counts in result.by_industry.items():
        industry.add_row(code, *(str(counts[tier]) for tier in TIERS))
    console.print(industry)
    shown = Table(title=t("符合与差一项条件的企业", "Eligible and near-eligible enterprises"))
    for col in (
        t("统一社会信用代码", "USCC"),
        t("名称", "name"),
        t("区", "district"),
        t("结果", "tier"),
        t("未满足", "unmet"),
    ):
        shown.add_column(col, overflow="fold")
    labels = dict(result.conditions)
    for n, row in enumerate(result.rows(("eligible", "near_eligible"))):
        if n >= 50:
            shown.caption = t("仅显示前 50 家；用 --out 导出全部", "first 50 shown; use --out")
            break
        style = STYLES[row.tier]
        shown.add_row(
            row.uscc,
            row.name,
            district_name(row.district_code).text() if row.district_code else "",
            f"[{style}]{OUTCOME_LABELS[row.tier].text()}[/{style}]",
            "、".join(labels[k].text() for k in row.unmet),
        )
    console.print(shown)
    if out is not None:
        console.print(t(f"已导出：{out}", f"written: {out}"))


@handle_errors
def match_cmd(
    enterprise: str | None = typer.Option(
        None, "--enterprise", "-e", help=t("企业库中的统一社会信用代码", "USCC in the registry")
    ),
    profile: Path | None = typer.Option(
        None,
        "--profile",
        "-p",
        help=t(
            "企业数据文件（JSON 对象，或一行的 CSV/XLSX；金额单位元）",
            "profile file (a JSON object, or a one-row CSV/XLSX; money in 元)",
        ),
    ),
    product: str | None = typer.Option(
        None, "--product", help=t("产品代码：匹配全市企业", "product key: match the whole registry")
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("匹配日期（默认今天）", "date matched on (default today)")
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help=t("输出格式", "output format")),
    out: Path | None = typer.Option(
        None, "--out", "-o", help=t("--product：导出 XLSX 名单", "--product: write the XLSX list")
    ),
) -> None:
    """产品匹配：企业适合哪些产品，产品适合哪些企业 / Match enterprises and products."""
    day = parse_as_of(as_of)
    given = [x for x in (enterprise, profile, product) if x is not None]
    if len(given) != 1:
        fail(
            Msg(
                "请只给出 --enterprise、--profile、--product 中的一项",
                "give exactly one of --enterprise, --profile, --product",
            )
        )
    if product is not None:
        with unit_of_work(commit=False) as session:
            result = match_product(session=session, product_key=product, as_of=day)
        if out is not None:
            write_outreach_xlsx(result, out)
        if fmt is Format.json:
            print_json(result.as_dict())
        else:
            _print_city(result, out)
        return
    if out is not None:
        fail(Msg("--out 仅用于 --product", "--out works with --product only"))
    if enterprise is not None:
        with unit_of_work(commit=False) as session:
            matches = match_enterprise(session=session, uscc=enterprise, as_of=day)
        subject = enterprise
    else:
        assert profile is not None
        profiles, _numbers, name = _read_profiles(profile)
        if len(profiles) != 1 or not isinstance(profiles[0], dict):
            fail(
                Msg(
                    f"{name} 应只包含一家企业的数据（一个 JSON 对象或一行）",
                    f"{name} must hold one profile (a JSON object or one row)",
                )
            )
        matches = match_profile(profile=profiles[0], as_of=day)
        subject = name
    if fmt is Format.json:
        print_json([m.to_json() for m in matches])
    else:
        _print_matches(matches, day, subject)
