"""高新技术企业 (high-tech enterprise) recognition — 国科发火〔2016〕32号 Art. 11, 国科发火〔2016〕195号.

* Art. 11 (all must hold): (1) registered at least one year before the application (read as
  ≥ 365 calendar days, parameter); (2) owns the IP giving core support to its main products;
  (3) the core technology is in a state-supported high-tech field; (4) S&T staff ≥ 10% of the
  year's employees; (5) R&D expense ÷ sales revenue over the last three fiscal years (or the
  years operated, if fewer) ≥ 5% / 4% / 3% by the latest year's revenue (≤ 5000万 / ≤ 2亿 /
  above), and R&D spent in China ≥ 60% of the total; (6) high-tech income ≥ 60% of the latest
  year's total income; (7) innovation-capability score > 70 (≥ 71); (8) no major accident or
  serious environmental violation in the year before the application.
* Innovation score (工作指引), 100 points: IP (≤ 30), transformation of S&T achievements (≤ 30)
  and R&D organisation and management (≤ 20) are expert judgements entered as ``score_ip``,
  ``score_transformation`` and ``score_rd_management``; growth (≤ 20) is computed from the net
  assets and sales revenue of the three years: each growth rate scores within a band
  (≥ 35% → 9–10, ≥ 25% → 7–8, ≥ 15% → 5–6, ≥ 5% → 3–4, > 0 → 1–2, ≤ 0 → 0) and the experts pick
  the point within the band.

Inputs and their reading:

* ``application_date`` defaults to the evaluation (as-of) date when missing
  (:attr:`Standard.as_of_defaults`); a missing ``registered_on`` leaves condition (1) unknown.
* Lists of fiscal years (``revenue``, ``rd_expense``, ``net_assets``) are oldest first; the engine
  right-aligns them, so ``_3`` is always the latest year. For the R&D ratio the sums run over the
  years given: a missing older year (``_1``, ``_2``) counts as 0, meaning the enterprise is
  younger than three years, while a missing latest year leaves the ratio unknown. Give revenue and
  R&D for the same years. ``domestic_rd_expense`` is the total over those same years.
* Growth: ½·(y2/y1 + y3/y2) − 1 with three years, y3/y2 − 1 with two; a year-1 value of 0 uses the
  last two years, a year-2 value of 0 or a single year scores 0, and a negative rate scores 0
  (these special cases come from a secondary source, parameter ``growth.edge_points``
  unverified). A gap or a negative base year leaves the rate unknown (the points span the band).
* Unknown inputs make the score a range: the low end counts unknown points as 0, the high end as
  the item's maximum. The outcome is ``undetermined`` only when the range straddles the pass
  mark; the messages name what an expert must still settle. An expert score outside the item's
  range is treated as not yet given.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard, fraction_pct, param_text, yuan
from kechuang.standards.params import Resolved

REF = "国科发火〔2016〕32号"
GUIDE = "国科发火〔2016〕195号 工作指引"
F, P = ex.F, ex.P
K = "high_tech"
COND = f"{K}.conditions"
SCORE = f"{K}.scoring"
GROWTH = f"{SCORE}.growth"

FIELDS = (
    FieldSpec("registered_on", "date", Msg("注册成立日期", "registration date")),
    FieldSpec(
        "application_date",
        "date",
        Msg("申请认定日期（缺省为评估日）", "application date (defaults to the as-of date)"),
    ),
    FieldSpec(
        "core_ip",
        "bool",
        Msg(
            "拥有对主要产品（服务）发挥核心支持作用的知识产权所有权",
            "owns IP giving core support to its main products or services",
        ),
    ),
    FieldSpec(
        "tech_field_supported",
        "bool",
        Msg(
            "核心技术属于《国家重点支持的高新技术领域》",
            "core technology is in a state-supported high-tech field",
        ),
    ),
    FieldSpec("employees", "int", Msg("当年职工总数", "employees in the year")),
    FieldSpec(
        "st_staff",
        "int",
        Msg("当年科技人员数（累计工作满183天）", "S&T staff in the year (≥ 183 days)"),
    ),
    FieldSpec(
        "revenue",
        "money_list",
        Msg("近三个会计年度销售收入（由远及近）", "sales revenue, last three fiscal years"),
    ),
    FieldSpec(
        "rd_expense",
        "money_list",
        Msg("近三个会计年度研发费用（由远及近）", "R&D expense, last three fiscal years"),
    ),
    FieldSpec(
        "domestic_rd_expense",
        "money",
        Msg("同期在中国境内发生的研发费用合计", "R&D expense incurred in China, same years"),
    ),
    FieldSpec(
        "high_tech_income",
        "money",
        Msg("近一年高新技术产品（服务）收入", "high-tech income, latest year"),
    ),
    FieldSpec("total_income", "money", Msg("近一年企业总收入", "total income, latest year")),
    FieldSpec(
        "net_assets",
        "money_list",
        Msg("近三个会计年度末净资产（由远及近）", "year-end net assets, last three fiscal years"),
    ),
    FieldSpec("score_ip", "int", Msg("知识产权专家评分", "expert score, IP")),
    FieldSpec(
        "score_transformation",
        "int",
        Msg("科技成果转化能力专家评分", "expert score, transformation of S&T achievements"),
    ),
    FieldSpec(
        "score_rd_management",
        "int",
        Msg("研究开发组织管理水平专家评分", "expert score, R&D organisation and management"),
    ),
    FieldSpec(
        "serious_violation",
        "bool",
        Msg(
            "申请前一年内发生重大安全、重大质量事故或严重环境违法行为",
            "major safety/quality accident or serious environmental violation in the prior year",
        ),
    ),
)

# ---------------------------------------------------------------------------- conditions

REGISTERED_DAYS = ex.DaysBetween(F("registered_on"), F("application_date"))
REGISTRATION_OK = P(f"{COND}.min_registered_days") <= REGISTERED_DAYS
CORE_IP = F("core_ip")
TECH_FIELD = F("tech_field_supported")
ST_OK = ex.RatioAtLeast(F("st_staff"), F("employees"), P(f"{COND}.st_staff_ratio_min"))

# Sums over the years given: missing older years count as 0 (a younger enterprise); the latest
# year must be known.
RD_SUM = F("rd_expense_1").fill(0) + F("rd_expense_2").fill(0) + F("rd_expense_3")
REVENUE_SUM = F("revenue_1").fill(0) + F("revenue_2").fill(0) + F("revenue_3")
LATEST_REVENUE = F("revenue_3")
RD = f"{COND}.rd_ratio"
RD_OK = ex.case(
    (
        P(f"{RD}.small_revenue_max") >= LATEST_REVENUE,
        ex.RatioAtLeast(RD_SUM, REVENUE_SUM, P(f"{RD}.small_min")),
    ),
    (
        P(f"{RD}.mid_revenue_max") >= LATEST_REVENUE,
        ex.RatioAtLeast(RD_SUM, REVENUE_SUM, P(f"{RD}.mid_min")),
    ),
    (
        P(f"{RD}.mid_revenue_max") < LATEST_REVENUE,
        ex.RatioAtLeast(RD_SUM, REVENUE_SUM, P(f"{RD}.large_min")),
    ),
    otherwise=ex.Null("boolean"),
)
DOMESTIC_OK = ex.RatioAtLeast(F("domestic_rd_expense"), RD_SUM, P(f"{COND}.domestic_rd_ratio_min"))
HIGH_TECH_INCOME_OK = ex.RatioAtLeast(
    F("high_tech_income"), F("total_income"), P(f"{COND}.high_tech_income_ratio_min")
)
NO_VIOLATION = ~F("serious_violation")

# ---------------------------------------------------------------------------- innovation score


def _expert(name: str, max_key: str) -> ex.Expr:
    """An expert score, or unknown when missing or outside ``0 … max``."""
    value = F(name)
    return ex.case(((value < 0) | (value > P(max_key)), ex.Null("int64")), otherwise=value)


EXPERT_ITEMS = (
    ("score_ip", f"{SCORE}.ip_max", Msg("知识产权", "intellectual property")),
    (
        "score_transformation",
        f"{SCORE}.transformation_max",
        Msg("科技成果转化能力", "transformation of S&T achievements"),
    ),
    (
        "score_rd_management",
        f"{SCORE}.rd_management_max",
        Msg("研究开发组织管理水平", "R&D organisation and management"),
    ),
)
EXPERT = {name: _expert(name, max_key) for name, max_key, _ in EXPERT_ITEMS}
EXPERT_LOW = {name: EXPERT[name].fill(0) for name, _, _ in EXPERT_ITEMS}
EXPERT_HIGH = {name: ex.Coalesce(EXPERT[name], P(max_key)) for name, max_key, _ in EXPERT_ITEMS}

GROWTH_BANDS = ("band1", "band2", "band3", "band4")
"""Bands with an inclusive lower bound; ``band5`` is "> min" (growth strictly positive)."""


def _growth_points(series: str, end: str) -> ex.Expr:
    """Points (``end`` = ``low`` or ``high`` end of the band) for the growth of ``series``.

    Unknown when the rate cannot be computed (latest year missing, a gap, a negative base).
    """
    a, b, c = F(f"{series}_1"), F(f"{series}_2"), F(f"{series}_3")
    a_used = ex.case((a.eq(0), ex.Null("int64")), otherwise=a)  # year 1 zero → last two years

    def at_least(band: str, *, strict: bool = False) -> ex.Expr:
        return ex.GrowthAtLeast(a_used, b, c, P(f"{GROWTH}.{band}.min"), strict=strict)

    positive = at_least("band5", strict=True)
    return ex.case(
        (c.is_null(), ex.Null("int64")),
        (a.is_null() & b.is_null(), P(f"{GROWTH}.edge_points")),  # one year only
        (b.eq(0), P(f"{GROWTH}.edge_points")),  # year-2 value zero
        (positive.is_null(), ex.Null("int64")),
        *[(at_least(band), P(f"{GROWTH}.{band}.points_{end}")) for band in GROWTH_BANDS],
        (positive, P(f"{GROWTH}.band5.points_{end}")),
        otherwise=0,  # growth ≤ 0
    )


GROWTH_ITEMS = (
    ("net_assets", Msg("净资产增长率", "net-asset growth")),
    ("revenue", Msg("销售收入增长率", "sales growth")),
)
GROWTH_LOW = {s: _growth_points(s, "low") for s, _ in GROWTH_ITEMS}
GROWTH_HIGH = {s: _growth_points(s, "high") for s, _ in GROWTH_ITEMS}
GROWTH_LOW_FILLED = {s: GROWTH_LOW[s].fill(0) for s, _ in GROWTH_ITEMS}
GROWTH_HIGH_FILLED = {
    s: ex.Coalesce(GROWTH_HIGH[s], P(f"{GROWTH}.item_max")) for s, _ in GROWTH_ITEMS
}

SCORE_LOW = (
    EXPERT_LOW["score_ip"]
    + EXPERT_LOW["score_transformation"]
    + EXPERT_LOW["score_rd_management"]
    + GROWTH_LOW_FILLED["net_assets"]
    + GROWTH_LOW_FILLED["revenue"]
)
SCORE_HIGH = (
    EXPERT_HIGH["score_ip"]
    + EXPERT_HIGH["score_transformation"]
    + EXPERT_HIGH["score_rd_management"]
    + GROWTH_HIGH_FILLED["net_assets"]
    + GROWTH_HIGH_FILLED["revenue"]
)
SCORE_OK = ex.case(
    (P(f"{SCORE}.pass_mark") <= SCORE_LOW, ex.Lit(True)),
    (P(f"{SCORE}.pass_mark") > SCORE_HIGH, ex.Lit(False)),
    otherwise=ex.Null("boolean"),
)

CONDITIONS = ex.all_of(
    REGISTRATION_OK,
    CORE_IP,
    TECH_FIELD,
    ST_OK,
    RD_OK,
    DOMESTIC_OK,
    HIGH_TECH_INCOME_OK,
    NO_VIOLATION,
)

# ---------------------------------------------------------------------------- displays


def _sum(row: Mapping[str, Any], name: str) -> int | None:
    """Sum over the years given (older years missing count as 0); unknown without the latest."""
    if row.get(f"{name}_3") is None:
        return None
    return sum(row.get(f"{name}_{i}") or 0 for i in (1, 2, 3))


def _registration_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    start, end = row.get("registered_on"), row.get("application_date")
    if start is None or end is None:
        return None
    days = (end - start).days
    return f"注册 {days} 天（{start} 至 {end}）· registered {days} days ({start} to {end})"


def _flag(name: str) -> Any:
    return lambda row, _res: (
        ("是 yes" if row.get(name) else "否 no") if row.get(name) is not None else None
    )


def _st_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    pct = fraction_pct(row.get("st_staff"), row.get("employees"))
    if pct is None:
        return None
    return f"{row.get('st_staff')}/{row.get('employees')}人 = {pct}"


def _rd_band(row: Mapping[str, Any], res: Resolved) -> tuple[str, Msg] | None:
    latest = row.get("revenue_3")
    if latest is None:
        return None
    small, mid = res(f"{RD}.small_revenue_max"), res(f"{RD}.mid_revenue_max")
    mid_text = param_text(f"{RD}.mid_revenue_max")(row, res)
    small_text = param_text(f"{RD}.small_revenue_max")(row, res)
    if latest <= small:
        return f"{RD}.small_min", Msg(f"≤ {small_text}", f"≤ {small_text}")
    if latest <= mid:
        return f"{RD}.mid_min", Msg(f"{small_text}–{mid_text}", f"{small_text}–{mid_text}")
    return f"{RD}.large_min", Msg(f"> {mid_text}", f"> {mid_text}")


def _rd_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    rd, rev = _sum(row, "rd_expense"), _sum(row, "revenue")
    pct = fraction_pct(rd, rev)
    if pct is None:
        return None
    years = sum(1 for i in (1, 2, 3) if row.get(f"revenue_{i}") is not None)
    return (
        f"研发费用合计 {yuan(rd)} ÷ 销售收入合计 {yuan(rev)} = {pct}（{years} 个年度；"
        f"最近一年销售收入 {yuan(row.get('revenue_3'))}）· R&D {yuan(rd)} ÷ revenue {yuan(rev)}"
        f" = {pct} over {years} year(s)"
    )


def _rd_required(row: Mapping[str, Any], res: Resolved) -> str:
    band = _rd_band(row, res)
    if band is None:
        return "按最近一年销售收入分档（最近一年销售收入未知）· set by the latest year's revenue (unknown)"
    key, where = band
    ratio = param_text(key)(row, res)
    return f"≥ {ratio}（最近一年销售收入 {where.zh}）· ≥ {ratio} (latest revenue {where.en})"


def _domestic_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    rd = _sum(row, "rd_expense")
    pct = fraction_pct(row.get("domestic_rd_expense"), rd)
    if pct is None:
        return None
    return f"境内 {yuan(row.get('domestic_rd_expense'))} ÷ 研发费用合计 {yuan(rd)} = {pct}"


def _income_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    pct = fraction_pct(row.get("high_tech_income"), row.get("total_income"))
    if pct is None:
        return None
    return f"{yuan(row.get('high_tech_income'))} ÷ {yuan(row.get('total_income'))} = {pct}"


def _at_least(key: str) -> Any:
    return lambda r, s: "≥ " + param_text(key)(r, s)


def _expert_value(row: Mapping[str, Any], res: Resolved, name: str, max_key: str) -> int | None:
    value = row.get(name)
    if value is None or value < 0 or value > res(max_key):
        return None
    return int(value)


def _expert_observed(name: str, max_key: str) -> Any:
    def show(row: Mapping[str, Any], res: Resolved) -> str:
        top = res(max_key)
        value = _expert_value(row, res, name, max_key)
        if value is not None:
            return f"专家评分 {value}（满分 {top}）· expert score {value} of {top}"
        raw = row.get(name)
        if raw is not None:
            return (
                f"输入 {raw} 超出 0–{top}，视为专家评分待定 0–{top} · "
                f"input {raw} outside 0–{top}, treated as expert score pending 0–{top}"
            )
        return f"专家评分待定 0–{top} · expert score pending 0–{top}"

    return show


def _growth_rate(row: Mapping[str, Any], series: str) -> tuple[Fraction | None, Msg]:
    """The growth rate of ``series`` and how it was read (display only)."""
    a, b, c = (row.get(f"{series}_{i}") for i in (1, 2, 3))
    if c is None:
        return None, Msg("缺少最近一年数据", "latest year missing")
    if a is None and b is None:
        return None, Msg("仅一年数据，计0分", "one year only: 0 points")
    if b == 0:
        return None, Msg("第二年数值为0，计0分", "year-2 value is 0: 0 points")
    if b is None or b < 0 or (a is not None and a < 0):
        return None, Msg(
            "数据缺年或基数为负，无法计算，须专家判断",
            "a year missing or a negative base: cannot compute, an expert must judge",
        )
    if a is None or a == 0:
        note = (
            Msg("第一年为0，按后两年计算", "year 1 is 0: last two years")
            if a == 0
            else Msg("两年数据", "two years")
        )
        return Fraction(c, b) - 1, note
    return Fraction(b, a) / 2 + Fraction(c, b) / 2 - 1, Msg("三年数据", "three years")


def _growth_observed(series: str) -> Any:
    def show(row: Mapping[str, Any], res: Resolved) -> str:
        rate, how = _growth_rate(row, series)
        if rate is None:
            return f"{how.zh} · {how.en}"
        pct = fraction_pct(rate.numerator, rate.denominator) or ""
        if rate != 0 and pct.lstrip("-") == "0.00%":
            pct = "> 0.00%" if rate > 0 else "< 0.00%"
        low = ex.evaluate(GROWTH_LOW[series], row, res)
        high = ex.evaluate(GROWTH_HIGH[series], row, res)
        if low is None or high is None or low == high:
            return f"{pct}（{how.zh}）· {pct} ({how.en})"
        return (
            f"{pct}（{how.zh}；档内分值由专家在 {low}–{high} 分内确定）· "
            f"{pct} ({how.en}; experts pick {low}–{high} points within the band)"
        )

    return show


def _pending(row: Mapping[str, Any], res: Resolved) -> list[Msg]:
    """What an expert must still settle (items whose points are a range)."""
    out: list[Msg] = []
    for name, max_key, label in EXPERT_ITEMS:
        if _expert_value(row, res, name, max_key) is None:
            out.append(label)
    for series, label in GROWTH_ITEMS:
        low = ex.evaluate(GROWTH_LOW_FILLED[series], row, res)
        high = ex.evaluate(GROWTH_HIGH_FILLED[series], row, res)
        if low != high:
            out.append(label)
    return out


def _score_observed(row: Mapping[str, Any], res: Resolved) -> str:
    lo, hi = ex.evaluate(SCORE_LOW, row, res), ex.evaluate(SCORE_HIGH, row, res)
    if lo == hi:
        return str(lo)
    pending = _pending(row, res)
    zh = "、".join(m.zh for m in pending)
    en = ", ".join(m.en for m in pending)
    return f"{lo}–{hi}（待专家评定：{zh}）· {lo}–{hi} (expert to settle: {en})"


def _expert_criterion(name: str, max_key: str, label: Msg) -> Criterion:
    return Criterion(
        name,
        Msg(f"{label.zh}（专家评分）", f"{label.en} (expert score)"),
        points=EXPERT_LOW[name],
        points_high=EXPERT_HIGH[name],
        observed=_expert_observed(name, max_key),
        required=lambda r, s: f"0–{s(max_key)}",
        params=(max_key,),
    )


def _growth_required(row: Mapping[str, Any], res: Resolved) -> str:
    parts = []
    for band in (*GROWTH_BANDS, "band5"):
        sign = ">" if band == "band5" else "≥"
        low, high = res(f"{GROWTH}.{band}.points_low"), res(f"{GROWTH}.{band}.points_high")
        parts.append(f"{sign}{param_text(f'{GROWTH}.{band}.min')(row, res)}→{low}–{high}")
    return "；".join([*parts, "≤0→0"])


def _growth_criterion(series: str, label: Msg) -> Criterion:
    return Criterion(
        f"{series}_growth",
        Msg(f"成长性：{label.zh}", f"growth: {label.en}"),
        points=GROWTH_LOW_FILLED[series],
        points_high=GROWTH_HIGH_FILLED[series],
        observed=_growth_observed(series),
        required=_growth_required,
        params=(
            f"{GROWTH}.item_max",
            *(f"{GROWTH}.{band}.min" for band in (*GROWTH_BANDS, "band5")),
        ),
    )


STANDARD = Standard(
    key=K,
    label=Msg("高新技术企业", "high-tech enterprise"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "registration_age",
            Msg("申请时注册成立满一年", "registered at least one year before applying"),
            passed=REGISTRATION_OK,
            observed=_registration_observed,
            required=lambda r, s: f"≥ {s(f'{COND}.min_registered_days')}天 days",
            params=(f"{COND}.min_registered_days",),
        ),
        Criterion(
            "core_ip",
            Msg("拥有核心知识产权", "owns core IP"),
            passed=CORE_IP,
            observed=_flag("core_ip"),
            required=lambda r, s: "是 yes",
            article=f"{REF} 第十一条（二）",
        ),
        Criterion(
            "tech_field",
            Msg("属于国家重点支持的高新技术领域", "in a state-supported high-tech field"),
            passed=TECH_FIELD,
            observed=_flag("tech_field_supported"),
            required=lambda r, s: "是 yes",
            article=f"{REF} 第十一条（三）",
        ),
        Criterion(
            "st_staff_ratio",
            Msg("科技人员占职工总数比例", "S&T staff share of employees"),
            passed=ST_OK,
            observed=_st_observed,
            required=_at_least(f"{COND}.st_staff_ratio_min"),
            params=(f"{COND}.st_staff_ratio_min",),
        ),
        Criterion(
            "rd_ratio",
            Msg(
                "近三个会计年度研发费用占销售收入比例",
                "R&D expense ÷ sales revenue, last three fiscal years",
            ),
            passed=RD_OK,
            observed=_rd_observed,
            required=_rd_required,
            params=(f"{RD}.small_revenue_max", f"{RD}.mid_revenue_max"),
        ),
        Criterion(
            "domestic_rd_ratio",
            Msg("境内研发费用占研发费用总额比例", "share of R&D spent in China"),
            passed=DOMESTIC_OK,
            observed=_domestic_observed,
            required=_at_least(f"{COND}.domestic_rd_ratio_min"),
            params=(f"{COND}.domestic_rd_ratio_min",),
        ),
        Criterion(
            "high_tech_income_ratio",
            Msg("高新技术产品（服务）收入占总收入比例", "high-tech income share of total income"),
            passed=HIGH_TECH_INCOME_OK,
            observed=_income_observed,
            required=_at_least(f"{COND}.high_tech_income_ratio_min"),
            params=(f"{COND}.high_tech_income_ratio_min",),
        ),
        Criterion(
            "no_serious_violation",
            Msg(
                "申请前一年内无重大安全、质量事故或严重环境违法行为",
                "no major accident or serious environmental violation in the prior year",
            ),
            passed=NO_VIOLATION,
            observed=_flag("serious_violation"),
            required=lambda r, s: "否 no",
            article=f"{REF} 第十一条（八）",
        ),
        *(_expert_criterion(name, max_key, label) for name, max_key, label in EXPERT_ITEMS),
        *(_growth_criterion(series, label) for series, label in GROWTH_ITEMS),
        Criterion(
            "innovation_score",
            Msg("企业创新能力评价得分", "innovation-capability score"),
            passed=SCORE_OK,
            observed=_score_observed,
            required=lambda r, s: f"≥ {s(f'{SCORE}.pass_mark')}（70分以上 / above 70）",
            params=(f"{SCORE}.pass_mark",),
        ),
    ),
    qualified=CONDITIONS & SCORE_OK,
    score=SCORE_LOW,
    score_high=SCORE_HIGH,
    pass_mark=f"{SCORE}.pass_mark",
    as_of_defaults=("application_date",),
)
