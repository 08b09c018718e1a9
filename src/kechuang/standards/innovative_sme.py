"""创新型中小企业 (innovative SME) evaluation — 工信部企业〔2022〕63号, annex 1 (2022 scheme).

* Direct routes (any one): a national or provincial S&T award in the last 3 years; a valid
  high-tech enterprise, national technology-innovation demonstration enterprise or IP
  advantage/demonstration enterprise title; a provincial- or ministerial-level R&D institution;
  new equity financing ≥ 500万 in the last 3 years (paid in by qualified institutional investors).
* Otherwise the score route: total ≥ 60 **and** innovation ≥ 20, growth ≥ 15, specialisation ≥ 15.

  - Innovation (40): IP (20: class-I high-value ≥ 1 → 20; own-developed class-I ≥ 1 → 15; class-I
    ≥ 1 → 10; class-II ≥ 1 → 5) and R&D input (20).
  - Growth (30): main-business revenue growth (20) and debt ratio (10: < 55% → 10; 55%–75% → 5;
    > 75% → 0 — so exactly 55% and exactly 75% both score 5).
  - Specialisation (30): main product in 《战略性新兴产业分类》 (10, otherwise 5) and the share of
    main-business revenue in operating revenue (20).

R&D input follows the correction at the top of RULES.md (unconfirmed, every use is flagged 参数待
核实): the better of the R&D **amount** (≥ 500万 → 20; 400–500万 → 15; 300–400万 → 10; 200–300万 → 5)
and the R&D **ratio** to operating revenue (≥ 10% → 20; 8–10% → 15; 5–8% → 10; 3–5% → 5). The
originally transcribed ratio-only bands (≥ 5% → 20 …) stay in the parameter file as
``innovative_sme.scoring.rd_ratio_bands_original`` (history note, not used by the rule).

``main_business_revenue`` is a list of fiscal years, oldest first: the latest year gives the
share, the latest two the growth rate ``(this − last) ÷ last``.

Unknown inputs make a score a range: the low end counts an unknown item as 0 (or its lowest
level), the high end as its maximum, so the outcome is ``undetermined`` only when the missing facts
could change it. A missing equity-financing amount is unknown, not zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard, fraction_pct, param_text, yuan
from kechuang.standards.params import Resolved

REF = "工信部企业〔2022〕63号 附件1"
F, P = ex.F, ex.P
S = "innovative_sme.scoring."

# Maximum points of each item (annex 1), used as the high end when an input is unknown.
IP_MAX, RD_MAX, GROWTH_MAX, DEBT_MAX, SHARE_MAX = 20, 20, 20, 10, 20

FIELDS = (
    FieldSpec("operating_revenue", "money", Msg("上年度营业收入", "operating revenue (last year)")),
    FieldSpec(
        "main_business_revenue",
        "money_list",
        Msg(
            "主营业务收入（近两个会计年度，由远及近）",
            "main-business revenue (last two fiscal years, oldest first)",
        ),
    ),
    FieldSpec("rd_expense", "money", Msg("上年度研发费用", "R&D expense (last year)")),
    FieldSpec("total_assets", "money", Msg("资产总额", "total assets")),
    FieldSpec("liabilities", "money", Msg("负债总额", "total liabilities")),
    FieldSpec(
        "ip_class1_high_value",
        "int",
        Msg("Ⅰ类高价值知识产权数", "class-I high-value IP count"),
    ),
    FieldSpec(
        "ip_class1_own",
        "int",
        Msg("自主研发的Ⅰ类知识产权数", "own-developed class-I IP count"),
    ),
    FieldSpec("ip_class1", "int", Msg("Ⅰ类知识产权数", "class-I IP count")),
    FieldSpec("ip_class2", "int", Msg("Ⅱ类知识产权数", "class-II IP count")),
    FieldSpec(
        "sei_main_product",
        "bool",
        Msg(
            "主导产品属于《战略性新兴产业分类》",
            "main product in the strategic emerging industries catalogue",
        ),
    ),
    # Direct routes.
    FieldSpec(
        "st_award_3y",
        "bool",
        Msg("近三年获得国家级或省级科技奖励", "national or provincial S&T award in last 3 years"),
    ),
    FieldSpec(
        "high_tech_certificate_valid",
        "bool",
        Msg("有效期内的高新技术企业", "valid high-tech enterprise"),
    ),
    FieldSpec(
        "tech_innovation_demo",
        "bool",
        Msg("国家级技术创新示范企业", "national technology-innovation demonstration enterprise"),
    ),
    FieldSpec(
        "ip_advantage_enterprise",
        "bool",
        Msg("知识产权优势企业或示范企业", "IP advantage or demonstration enterprise"),
    ),
    FieldSpec(
        "provincial_rd_institution",
        "bool",
        Msg("拥有经认定的省部级以上研发机构", "recognised provincial-or-higher R&D institution"),
    ),
    FieldSpec(
        "equity_financing_3y",
        "money",
        Msg(
            "近三年新增股权融资总额（合格机构投资者实缴）",
            "new equity financing in last 3 years (paid in by qualified institutions)",
        ),
    ),
)

MBR_LAST, MBR_PREV = F("main_business_revenue_3"), F("main_business_revenue_2")
REVENUE, RD = F("operating_revenue"), F("rd_expense")
LIABILITIES, ASSETS = F("liabilities"), F("total_assets")


def _cascade(items: tuple[tuple[str, str], ...], unknown_as: bool) -> ex.Expr:
    """Points of the first met ``(field ≥ 1, points key)`` level; unknown counts as ``unknown_as``.

    Levels are ordered from the most points down, so counting unknowns as "not met" gives the
    lowest possible points and counting them as "met" the highest.
    """
    return ex.case(*(((F(name) >= 1).fill(unknown_as), P(key)) for name, key in items), otherwise=0)


_IP_LEVELS = (
    ("ip_class1_high_value", S + "ip_class1_high_value_points"),
    ("ip_class1_own", S + "ip_class1_own_points"),
    ("ip_class1", S + "ip_class1_points"),
    ("ip_class2", S + "ip_class2_points"),
)
IP_LOW = _cascade(_IP_LEVELS, unknown_as=False)
IP_HIGH = _cascade(_IP_LEVELS, unknown_as=True)

# RULES.md correction [unconfirmed]: the better of the amount and the ratio bands.
RD_AMOUNT = ex.CountBands(RD, P(S + "rd_amount_bands"))
RD_RATIO = ex.Bands(RD, REVENUE, P(S + "rd_ratio_bands"))
RD_LOW = ex.greatest(RD_AMOUNT, RD_RATIO).fill(0)
RD_HIGH = ex.greatest(RD_AMOUNT.fill(RD_MAX), RD_RATIO.fill(RD_MAX))

GROWTH = ex.Bands(MBR_LAST - MBR_PREV, MBR_PREV, P(S + "revenue_growth_bands"))

# Debt ratio: < 55% → 10; 55%–75% (both ends included) → 5; > 75% → 0.
DEBT_AT_LEAST_TOP = ex.RatioAtLeast(LIABILITIES, ASSETS, P(S + "debt_ratio_top_below"))
DEBT_ABOVE_MID = ex.RatioAtLeast(LIABILITIES, ASSETS, P(S + "debt_ratio_mid_max"), strict=True)
DEBT = ex.case(
    (DEBT_AT_LEAST_TOP.is_null(), ex.Null("int64")),
    (~DEBT_AT_LEAST_TOP, P(S + "debt_top_points")),
    (~DEBT_ABOVE_MID, P(S + "debt_mid_points")),
    otherwise=0,
)

SEI = ex.case((F("sei_main_product"), P(S + "sei_points")), otherwise=P(S + "non_sei_points"))
SHARE = ex.Bands(MBR_LAST, REVENUE, P(S + "main_business_share_bands"))

INNOVATION_LOW = IP_LOW + RD_LOW
INNOVATION_HIGH = IP_HIGH + RD_HIGH
GROWTH_LOW = GROWTH.fill(0) + DEBT.fill(0)
GROWTH_HIGH = GROWTH.fill(GROWTH_MAX) + DEBT.fill(DEBT_MAX)
SPEC_LOW = SEI + SHARE.fill(0)
SPEC_HIGH = SEI + SHARE.fill(SHARE_MAX)
SCORE_LOW = INNOVATION_LOW + GROWTH_LOW + SPEC_LOW
SCORE_HIGH = INNOVATION_HIGH + GROWTH_HIGH + SPEC_HIGH


def _reaches(mark: str, low: ex.Expr, high: ex.Expr) -> ex.Expr:
    """True when even the low end reaches ``mark``, false when even the high end misses it."""
    return ex.case(
        (P(mark) <= low, ex.Lit(True)),
        (P(mark) > high, ex.Lit(False)),
        otherwise=ex.Null("boolean"),
    )


INNOVATION_OK = _reaches(S + "innovation_min", INNOVATION_LOW, INNOVATION_HIGH)
GROWTH_OK = _reaches(S + "growth_min", GROWTH_LOW, GROWTH_HIGH)
SPEC_OK = _reaches(S + "specialisation_min", SPEC_LOW, SPEC_HIGH)
TOTAL_OK = _reaches(S + "pass_mark", SCORE_LOW, SCORE_HIGH)
SCORE_OK = ex.all_of(TOTAL_OK, INNOVATION_OK, GROWTH_OK, SPEC_OK)

_DIRECT_FLAGS = (
    "st_award_3y",
    "high_tech_certificate_valid",
    "tech_innovation_demo",
    "ip_advantage_enterprise",
    "provincial_rd_institution",
)
EQUITY_OK = F("equity_financing_3y") >= P("innovative_sme.direct.equity_financing_min")
DIRECT = ex.any_of(*(F(name) for name in _DIRECT_FLAGS), EQUITY_OK)


# ---------------------------------------------------------------------------- explanations


def _money(name: str) -> Any:
    return lambda row, _res: yuan(row.get(name))


def _range(low: ex.Expr, high: ex.Expr) -> Any:
    def show(row: Mapping[str, Any], res: Resolved) -> str:
        lo, hi = ex.evaluate(low, row, res), ex.evaluate(high, row, res)
        return f"{lo} 分" if lo == hi else f"{lo}–{hi} 分"

    return show


def _ip_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    def v(name: str) -> str:
        x = row.get(name)
        return "—" if x is None else str(x)

    hv, own, c1, c2 = (v(n) for n, _k in _IP_LEVELS)
    return (
        f"Ⅰ类高价值 {hv}，自主研发Ⅰ类 {own}，Ⅰ类 {c1}，Ⅱ类 {c2} · "
        f"class-I high-value {hv}, own class-I {own}, class-I {c1}, class-II {c2}"
    )


def _rd_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    amount = yuan(row.get("rd_expense")) or "—"
    ratio = fraction_pct(row.get("rd_expense"), row.get("operating_revenue")) or "—"
    return f"研发费用 {amount}，占营业收入 {ratio} · R&D {amount}, {ratio} of operating revenue"


def _rd_required(row: Mapping[str, Any], res: Resolved) -> str:
    amount = param_text(S + "rd_amount_bands")(row, res)
    ratio = param_text(S + "rd_ratio_bands")(row, res)
    return f"金额 {amount}；或占比 {ratio}（取高） / amount or ratio, the better"


def _growth_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    last, prev = row.get("main_business_revenue_3"), row.get("main_business_revenue_2")
    if last is None or prev is None:
        return None
    return fraction_pct(last - prev, prev)


def _debt_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    return fraction_pct(row.get("liabilities"), row.get("total_assets"))


def _debt_required(row: Mapping[str, Any], res: Resolved) -> str:
    top = param_text(S + "debt_ratio_top_below")(row, res)
    mid = param_text(S + "debt_ratio_mid_max")(row, res)
    return (
        f"<{top}→{res(S + 'debt_top_points')}; {top}–{mid}→{res(S + 'debt_mid_points')}; >{mid}→0"
    )


def _share_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    return fraction_pct(row.get("main_business_revenue_3"), row.get("operating_revenue"))


def _flag(name: str) -> Any:
    return lambda row, _res: (
        ("是 yes" if row.get(name) else "否 no") if row.get(name) is not None else None
    )


def _direct_observed(row: Mapping[str, Any], res: Resolved) -> str:
    labels = {f.name: f.label.zh for f in FIELDS}
    routes = [labels[name] for name in _DIRECT_FLAGS if row.get(name)]
    if ex.evaluate(EQUITY_OK, row, res) is True:
        routes.append(labels["equity_financing_3y"])
    return "、".join(routes) if routes else "无 none"


def _at_least(key: str) -> Any:
    return lambda row, res: f"≥ {res(key)} 分"


STANDARD = Standard(
    key="innovative_sme",
    label=Msg("创新型中小企业", "innovative SME"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "direct_route",
            Msg("直接认定条件", "direct route"),
            passed=DIRECT,
            observed=_direct_observed,
            required=lambda r, s: "任一项 any one",
            params=("innovative_sme.direct.equity_financing_min",),
        ),
        Criterion(
            "equity_financing",
            Msg("近三年新增股权融资", "new equity financing in last 3 years"),
            passed=EQUITY_OK,
            observed=_money("equity_financing_3y"),
            required=lambda r, s: (
                "≥ " + param_text("innovative_sme.direct.equity_financing_min")(r, s)
            ),
            params=("innovative_sme.direct.equity_financing_min",),
        ),
        Criterion(
            "ip_score",
            Msg("知识产权指标（20分）", "IP score (20)"),
            points=IP_LOW,
            points_high=IP_HIGH,
            observed=_ip_observed,
            params=tuple(k for _n, k in _IP_LEVELS),
        ),
        Criterion(
            "rd_score",
            Msg("研发投入指标（20分，金额或占比取高）", "R&D input score (20, amount or ratio)"),
            points=RD_LOW,
            points_high=RD_HIGH,
            observed=_rd_observed,
            required=_rd_required,
            params=(S + "rd_amount_bands", S + "rd_ratio_bands"),
        ),
        Criterion(
            "innovation_score",
            Msg("创新能力得分（40分）", "innovation score (40)"),
            passed=INNOVATION_OK,
            observed=_range(INNOVATION_LOW, INNOVATION_HIGH),
            required=_at_least(S + "innovation_min"),
            params=(S + "innovation_min",),
        ),
        Criterion(
            "revenue_growth_score",
            Msg("主营业务收入增长率指标（20分）", "main-business revenue growth score (20)"),
            points=GROWTH.fill(0),
            points_high=GROWTH.fill(GROWTH_MAX),
            observed=_growth_observed,
            required=param_text(S + "revenue_growth_bands"),
            params=(S + "revenue_growth_bands",),
        ),
        Criterion(
            "debt_ratio_score",
            Msg("资产负债率指标（10分）", "debt-ratio score (10)"),
            points=DEBT.fill(0),
            points_high=DEBT.fill(DEBT_MAX),
            observed=_debt_observed,
            required=_debt_required,
            params=(
                S + "debt_ratio_top_below",
                S + "debt_ratio_mid_max",
                S + "debt_top_points",
                S + "debt_mid_points",
            ),
        ),
        Criterion(
            "growth_score",
            Msg("成长性得分（30分）", "growth score (30)"),
            passed=GROWTH_OK,
            observed=_range(GROWTH_LOW, GROWTH_HIGH),
            required=_at_least(S + "growth_min"),
            params=(S + "growth_min",),
        ),
        Criterion(
            "sei_product_score",
            Msg(
                "主导产品属于战略性新兴产业（10分）",
                "main product in strategic emerging industries (10)",
            ),
            points=SEI,
            observed=_flag("sei_main_product"),
            params=(S + "sei_points", S + "non_sei_points"),
        ),
        Criterion(
            "main_business_share_score",
            Msg("主营业务收入占营业收入比重（20分）", "main-business revenue share score (20)"),
            points=SHARE.fill(0),
            points_high=SHARE.fill(SHARE_MAX),
            observed=_share_observed,
            required=param_text(S + "main_business_share_bands"),
            params=(S + "main_business_share_bands",),
        ),
        Criterion(
            "specialisation_score",
            Msg("专业化得分（30分）", "specialisation score (30)"),
            passed=SPEC_OK,
            observed=_range(SPEC_LOW, SPEC_HIGH),
            required=_at_least(S + "specialisation_min"),
            params=(S + "specialisation_min",),
        ),
        Criterion(
            "total_score",
            Msg("评价总分", "total score"),
            passed=TOTAL_OK,
            observed=_range(SCORE_LOW, SCORE_HIGH),
            required=_at_least(S + "pass_mark"),
            params=(S + "pass_mark",),
        ),
    ),
    qualified=DIRECT | SCORE_OK,
    direct=DIRECT,
    score=SCORE_LOW,
    score_high=SCORE_HIGH,
    pass_mark=S + "pass_mark",
)
