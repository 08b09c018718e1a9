"""专精特新"小巨人" (little giant) recognition — 工信部企业〔2022〕63号, annex 3 (2022 criteria).

RULES.md §8 marks these criteria **[unconfirmed: from memory]**, so every parameter is
``unverified`` and every explanation that uses one says 参数待核实. All of these must hold:

* Already a 专精特新中小企业 (``specialised_sme``).
* Specialisation (专业化): in the niche market ≥ 3 years; main-business revenue ≥ 70% of operating
  revenue (latest year); average main-business revenue growth over the last 2 years ≥ 5%, computed
  as ``½·(b/a + c/b) − 1`` over the three latest year-end values (with only two years given, the
  single ratio ``c/b − 1`` is used).
* Refinement (精细化): debt-to-asset ratio ≤ 70%.
* Distinctiveness (特色化): the main product's national niche market share ≥ 10%, and an own brand.
  The share is taken as two amounts, ``niche_market_sales`` ÷ ``niche_market_size`` (the main
  product's domestic sales and the size of its national niche market, both in 元), so the
  comparison stays exact and the evidence stays auditable.
* Innovation (创新能力), general route — all three:

  1. R&D intensity by the band of the latest year's operating revenue: ≥ 1亿 → R&D ÷ revenue
     ≥ 3% in **each** of the last 2 years; 5000万 (inclusive) to 1亿 → ≥ 6% in each; < 5000万 →
     new equity financing ≥ 8000万 over the last 2 years **and** R&D ≥ 3000万 (read here as the
     total of the last 2 years) **and** R&D staff ≥ 50% of employees.
  2. An own (or jointly built) R&D institution.
  3. ≥ 2 class-I IP related to the main product and in actual use.

  or the direct route (创新直通): a national S&T award in the last 3 years as a top-3 unit, or a
  top-50 finish in the national 创客中国 competition in the last 3 years.
* Industry chain (产业链配套): a key supply-chain role (补短板/锻长板/填空白), and a main product
  in the priority fields (工业"六基", 制造强国 ten sectors, 网络强国 fields). The text says the
  latter holds "原则上" (in principle): both requirements are boolean parameters an administrator
  can switch off.

``operating_revenue``, ``rd_expense`` and ``main_business_revenue`` are lists of fiscal years,
oldest first (the last element is the latest year).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard, fraction_pct, param_text, yuan
from kechuang.standards.params import Resolved

REF = "工信部企业〔2022〕63号 附件3"
F, P = ex.F, ex.P
K = "little_giant."

FIELDS = (
    FieldSpec(
        "specialised_sme",
        "bool",
        Msg("已认定为专精特新中小企业", "recognised specialised SME (专精特新中小企业)"),
    ),
    FieldSpec("years_in_niche", "int", Msg("从事特定细分市场年限", "years in the niche market")),
    FieldSpec(
        "operating_revenue",
        "money_list",
        Msg("营业收入（近两年，由远及近）", "operating revenue (last 2 years, oldest first)"),
    ),
    FieldSpec(
        "main_business_revenue",
        "money_list",
        Msg(
            "主营业务收入（近三年，由远及近）",
            "main-business revenue (last 3 years, oldest first)",
        ),
    ),
    FieldSpec(
        "rd_expense",
        "money_list",
        Msg("研发费用（近两年，由远及近）", "R&D expense (last 2 years, oldest first)"),
    ),
    FieldSpec("total_assets", "money", Msg("资产总额", "total assets")),
    FieldSpec("liabilities", "money", Msg("负债总额", "total liabilities")),
    FieldSpec(
        "niche_market_sales",
        "money",
        Msg("主导产品全国细分市场销售额", "main product's domestic niche-market sales"),
    ),
    FieldSpec(
        "niche_market_size",
        "money",
        Msg("主导产品全国细分市场规模", "national niche-market size of the main product"),
    ),
    FieldSpec("own_brand", "bool", Msg("拥有自主品牌", "has its own brand")),
    FieldSpec(
        "own_rd_institution",
        "bool",
        Msg("自建或与高校、科研机构联合建立研发机构", "own or jointly built R&D institution"),
    ),
    FieldSpec(
        "ip_class1_in_use",
        "int",
        Msg(
            "与主导产品相关且实际应用的Ⅰ类知识产权数",
            "class-I IP related to the main product and in use",
        ),
    ),
    FieldSpec(
        "equity_financing_2y",
        "money",
        Msg(
            "近两年新增股权融资总额（合格机构投资者实缴）",
            "new equity financing in last 2 years (paid in by qualified institutions)",
        ),
    ),
    FieldSpec("rd_staff", "int", Msg("研发人员数", "R&D staff")),
    FieldSpec("employees", "int", Msg("职工总数", "employees")),
    FieldSpec(
        "national_st_award_top3_3y",
        "bool",
        Msg("近三年获国家级科技奖励且排名前三", "national S&T award in last 3 years, top-3 unit"),
    ),
    FieldSpec(
        "maker_china_top50_3y",
        "bool",
        Msg("近三年进入“创客中国”大赛全国50强", "top 50 of the 创客中国 national competition"),
    ),
    FieldSpec(
        "supply_chain_key_role",
        "bool",
        Msg(
            "位于产业链关键环节，发挥补短板、锻长板、填空白作用",
            "key supply-chain role (fills gaps, strengthens strengths)",
        ),
    ),
    FieldSpec(
        "priority_field",
        "bool",
        Msg(
            "主导产品属于工业“六基”、制造强国或网络强国重点领域",
            "main product in a priority field",
        ),
    ),
)

REV_LAST, REV_PREV = F("operating_revenue_3"), F("operating_revenue_2")
RD_LAST, RD_PREV = F("rd_expense_3"), F("rd_expense_2")

SPECIALISED = F("specialised_sme")
YEARS_OK = F("years_in_niche") >= P(K + "specialisation.min_years_in_niche")
SHARE_OK = ex.RatioAtLeast(
    F("main_business_revenue_3"), REV_LAST, P(K + "specialisation.main_business_share_min")
)
GROWTH_OK = ex.GrowthAtLeast(
    F("main_business_revenue_1"),
    F("main_business_revenue_2"),
    F("main_business_revenue_3"),
    P(K + "specialisation.main_business_growth_min"),
)
DEBT_OK = ~ex.RatioAtLeast(
    F("liabilities"), F("total_assets"), P(K + "refinement.debt_ratio_max"), strict=True
)
MARKET_OK = ex.RatioAtLeast(
    F("niche_market_sales"),
    F("niche_market_size"),
    P(K + "distinctiveness.niche_market_share_min"),
)
BRAND = F("own_brand")

# 创新能力 一般性条件 1: the band is set by the latest year's operating revenue.
INN = K + "innovation."
BAND_HIGH = P(INN + "revenue_band_high") <= REV_LAST
BAND_MID = (P(INN + "revenue_band_low") <= REV_LAST) & ~BAND_HIGH
BAND_LOW = P(INN + "revenue_band_low") > REV_LAST


def _both_years(key: str) -> ex.Expr:
    return ex.RatioAtLeast(RD_PREV, REV_PREV, P(key)) & ex.RatioAtLeast(RD_LAST, REV_LAST, P(key))


RD_HIGH_BAND_OK = _both_years(INN + "rd_ratio_min_high_band")
RD_MID_BAND_OK = _both_years(INN + "rd_ratio_min_mid_band")
RD_LOW_BAND_OK = ex.all_of(
    F("equity_financing_2y") >= P(INN + "small_equity_financing_min"),
    P(INN + "small_rd_expense_min") <= RD_PREV + RD_LAST,
    ex.RatioAtLeast(F("rd_staff"), F("employees"), P(INN + "small_rd_staff_ratio_min")),
)
RD_OK = ex.any_of(BAND_HIGH & RD_HIGH_BAND_OK, BAND_MID & RD_MID_BAND_OK, BAND_LOW & RD_LOW_BAND_OK)
INSTITUTION = F("own_rd_institution")
IP_OK = F("ip_class1_in_use") >= P(INN + "ip_class1_in_use_min")
INNOVATION_GENERAL = ex.all_of(RD_OK, INSTITUTION, IP_OK)
INNOVATION_DIRECT = F("national_st_award_top3_3y") | F("maker_china_top50_3y")

C = K + "industry_chain."
SUPPLY_OK = ~P(C + "supply_chain_role_required") | F("supply_chain_key_role")
PRIORITY_OK = ~P(C + "priority_field_required") | F("priority_field")

BASE = ex.all_of(
    SPECIALISED, YEARS_OK, SHARE_OK, GROWTH_OK, DEBT_OK, MARKET_OK, BRAND, SUPPLY_OK, PRIORITY_OK
)


# ---------------------------------------------------------------------------- explanations


def _flag(name: str) -> Any:
    return lambda row, _res: (
        ("是 yes" if row.get(name) else "否 no") if row.get(name) is not None else None
    )


def _count(name: str, unit: str) -> Any:
    return lambda row, _res: None if row.get(name) is None else f"{row[name]}{unit}"


def _ratio(num: str, den: str) -> Any:
    return lambda row, _res: fraction_pct(row.get(num), row.get(den))


def _growth_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    a, b, c = (row.get(f"main_business_revenue_{i}") for i in (1, 2, 3))
    rate: str | None = None
    if b is not None and c is not None and b > 0:
        if a is None:
            rate = fraction_pct(c - b, b)
        elif a > 0:
            # ½·(b/a + c/b) − 1 = (b² + a·c − 2ab) ÷ 2ab, shown with two decimals.
            rate = fraction_pct(b * b + a * c - 2 * a * b, 2 * a * b)
    series = " → ".join(yuan(v) or "—" for v in (a, b, c))
    return f"{rate or '—'}（{series}）"


def _band(row: Mapping[str, Any], res: Resolved) -> str | None:
    for name, node in (("high", BAND_HIGH), ("mid", BAND_MID), ("low", BAND_LOW)):
        if ex.evaluate(node, row, res) is True:
            return name
    return None


def _rd_observed(row: Mapping[str, Any], res: Resolved) -> str:
    rev = yuan(row.get("operating_revenue_3")) or "—"
    prev = fraction_pct(row.get("rd_expense_2"), row.get("operating_revenue_2")) or "—"
    last = fraction_pct(row.get("rd_expense_3"), row.get("operating_revenue_3")) or "—"
    text = f"上年度营业收入 {rev}；近两年研发占比 {prev}、{last}"
    if _band(row, res) == "low":
        rd2, rd3 = row.get("rd_expense_2"), row.get("rd_expense_3")
        rd_total = yuan(rd2 + rd3) if rd2 is not None and rd3 is not None else "—"
        equity = yuan(row.get("equity_financing_2y")) or "—"
        staff = fraction_pct(row.get("rd_staff"), row.get("employees")) or "—"
        text += f"；近两年股权融资 {equity}，研发费用合计 {rd_total}，研发人员占比 {staff}"
    return text


def _rd_required(row: Mapping[str, Any], res: Resolved) -> str:
    def show(key: str) -> str:
        return param_text(INN + key)(row, res)

    band = _band(row, res)
    if band == "high":
        return f"营业收入 ≥ {show('revenue_band_high')}：近两年研发占比均 ≥ {show('rd_ratio_min_high_band')}"
    if band == "mid":
        return (
            f"营业收入 {show('revenue_band_low')}–{show('revenue_band_high')}："
            f"近两年研发占比均 ≥ {show('rd_ratio_min_mid_band')}"
        )
    if band == "low":
        return (
            f"营业收入 < {show('revenue_band_low')}：近两年股权融资 ≥ {show('small_equity_financing_min')}，"
            f"研发费用 ≥ {show('small_rd_expense_min')}，研发人员占比 ≥ {show('small_rd_staff_ratio_min')}"
        )
    return "按上年度营业收入分档 / by the band of last year's operating revenue"


def _general_observed(row: Mapping[str, Any], res: Resolved) -> str:
    def state(node: ex.Expr) -> str:
        v = ex.evaluate(node, row, res)
        return "✓" if v is True else "✗" if v is False else "?"

    rd, inst, ip = state(RD_OK), state(INSTITUTION), state(IP_OK)
    return (
        f"研发投入 {rd}，研发机构 {inst}，Ⅰ类知识产权 {ip} · R&D {rd}, institution {inst}, IP {ip}"
    )


def _direct_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    routes = [
        f.label.zh
        for f in FIELDS
        if f.name in ("national_st_award_top3_3y", "maker_china_top50_3y") and row.get(f.name)
    ]
    return "、".join(routes) if routes else "无 none"


def _required_flag(key: str) -> Any:
    return lambda row, res: "是 yes" if res(key) else "不作要求 not required"


def _at_least(key: str, prefix: str = "≥ ", unit: str = "") -> Any:
    return lambda row, res: prefix + param_text(key)(row, res) + unit


_INNOVATION_PARAMS = (
    INN + "revenue_band_high",
    INN + "revenue_band_low",
    INN + "rd_ratio_min_high_band",
    INN + "rd_ratio_min_mid_band",
    INN + "small_equity_financing_min",
    INN + "small_rd_expense_min",
    INN + "small_rd_staff_ratio_min",
)

STANDARD = Standard(
    key="little_giant",
    label=Msg("专精特新“小巨人”企业", "specialised little giant"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "specialised_sme",
            Msg("已是专精特新中小企业", "already a specialised SME"),
            passed=SPECIALISED,
            observed=_flag("specialised_sme"),
            required=lambda r, s: "是 yes",
            article=f"{REF} 基本条件",
        ),
        Criterion(
            "years_in_niche",
            Msg("从事特定细分市场时间", "years in the niche market"),
            passed=YEARS_OK,
            observed=_count("years_in_niche", "年"),
            required=_at_least(K + "specialisation.min_years_in_niche", unit="年"),
            params=(K + "specialisation.min_years_in_niche",),
        ),
        Criterion(
            "main_business_share",
            Msg("主营业务收入占营业收入比重", "main-business revenue share"),
            passed=SHARE_OK,
            observed=_ratio("main_business_revenue_3", "operating_revenue_3"),
            required=_at_least(K + "specialisation.main_business_share_min"),
            params=(K + "specialisation.main_business_share_min",),
        ),
        Criterion(
            "main_business_growth",
            Msg("近两年主营业务收入平均增长率", "average main-business growth, last 2 years"),
            passed=GROWTH_OK,
            observed=_growth_observed,
            required=_at_least(K + "specialisation.main_business_growth_min"),
            params=(K + "specialisation.main_business_growth_min",),
        ),
        Criterion(
            "debt_ratio",
            Msg("资产负债率", "debt-to-asset ratio"),
            passed=DEBT_OK,
            observed=_ratio("liabilities", "total_assets"),
            required=_at_least(K + "refinement.debt_ratio_max", prefix="≤ "),
            params=(K + "refinement.debt_ratio_max",),
        ),
        Criterion(
            "niche_market_share",
            Msg("主导产品全国细分市场占有率", "national niche-market share of the main product"),
            passed=MARKET_OK,
            observed=_ratio("niche_market_sales", "niche_market_size"),
            required=_at_least(K + "distinctiveness.niche_market_share_min"),
            params=(K + "distinctiveness.niche_market_share_min",),
        ),
        Criterion(
            "own_brand",
            Msg("拥有自主品牌", "own brand"),
            passed=BRAND,
            observed=_flag("own_brand"),
            required=lambda r, s: "是 yes",
            article=f"{REF} 特色化指标",
        ),
        Criterion(
            "rd_intensity",
            Msg("研发投入（按营业收入分档）", "R&D intensity (by revenue band)"),
            passed=RD_OK,
            observed=_rd_observed,
            required=_rd_required,
            params=_INNOVATION_PARAMS,
        ),
        Criterion(
            "own_rd_institution",
            Msg("自建或联合建立研发机构", "own or joint R&D institution"),
            passed=INSTITUTION,
            observed=_flag("own_rd_institution"),
            required=lambda r, s: "是 yes",
            article=f"{REF} 创新能力指标 一般性条件",
        ),
        Criterion(
            "ip_class1_in_use",
            Msg("实际应用的Ⅰ类知识产权", "class-I IP in use"),
            passed=IP_OK,
            observed=_count("ip_class1_in_use", "项"),
            required=_at_least(INN + "ip_class1_in_use_min", unit="项"),
            params=(INN + "ip_class1_in_use_min",),
        ),
        Criterion(
            "innovation_general",
            Msg("创新能力一般性条件（同时满足）", "innovation, general route (all three)"),
            passed=INNOVATION_GENERAL,
            observed=_general_observed,
            required=lambda r, s: "同时满足 all of",
            params=(*_INNOVATION_PARAMS, INN + "ip_class1_in_use_min"),
        ),
        Criterion(
            "innovation_direct",
            Msg("创新直通条件（满足一项）", "innovation, direct route (any one)"),
            passed=INNOVATION_DIRECT,
            observed=_direct_observed,
            required=lambda r, s: "任一项 any one",
            article=f"{REF} 创新能力指标 创新直通条件",
        ),
        Criterion(
            "supply_chain_role",
            Msg("产业链配套：位于关键环节", "industry chain: key supply-chain role"),
            passed=SUPPLY_OK,
            observed=_flag("supply_chain_key_role"),
            required=_required_flag(C + "supply_chain_role_required"),
            params=(C + "supply_chain_role_required",),
        ),
        Criterion(
            "priority_field",
            Msg("主导产品属于重点领域", "main product in a priority field"),
            passed=PRIORITY_OK,
            observed=_flag("priority_field"),
            required=_required_flag(C + "priority_field_required"),
            params=(C + "priority_field_required",),
        ),
    ),
    qualified=BASE & (INNOVATION_GENERAL | INNOVATION_DIRECT),
    direct=BASE & INNOVATION_DIRECT,
)
